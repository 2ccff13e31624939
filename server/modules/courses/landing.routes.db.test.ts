import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_JWT_SECRET, testConfig } from '../../../tests/helpers/test-app.ts';
import { createTestDatabase, type TestDatabase } from '../../../tests/helpers/test-db.ts';
import { buildApp, type App } from '../../app.ts';
import type { Db, SessionUser } from '../../db/session.ts';
import { signAccessToken } from '../../platform/auth.ts';
import { buildCourse, CONTENT_CANARY, makeUser, uniqueSuffix, type BuiltCourse } from './courses.fixtures.ts';
import { callerFor, enrolFree } from './courses.service.ts';

const PUBLIC_URL = 'https://learn.example.test';
const GENERIC_INDEX = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="description" content="UsefulWriter: online courses you can host yourself." />
    <title>UsefulWriter</title>
  </head>
  <body><div id="root"></div></body>
</html>
`;

let testDb: TestDatabase;
let db: Db;
let app: App;
let owner: SessionUser;
let learner: SessionUser;
let stranger: SessionUser;
let admin: SessionUser;
let published: BuiltCourse;
let draft: BuiltCourse;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = testDb.db;
  owner = await makeUser(db, 'instructor', 'ada');
  learner = await makeUser(db, 'student', 'grace');
  stranger = await makeUser(db, 'student', 'alan');
  admin = await makeUser(db, 'admin', 'root');
  published = await buildCourse(db, owner, {
    course: { description: '## Why\n\nLearn **fast**. <script>alert(1)</script> [x](javascript:alert(1))' },
  });
  draft = await buildCourse(db, owner, { draft: true });
  await enrolFree(callerFor(db, learner), published.id);
  const webRoot = mkdtempSync(join(tmpdir(), 'uw-web-'));
  writeFileSync(join(webRoot, 'index.html'), GENERIC_INDEX);
  app = buildApp({ config: testConfig({ PUBLIC_URL }), db, webRoot });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await testDb?.close();
});

async function request(
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  user?: SessionUser,
  body?: unknown,
) {
  const headers = user ? { authorization: `Bearer ${await signAccessToken(TEST_JWT_SECRET, user, 60)}` } : {};
  return app.inject({ method, url, headers, ...(body === undefined ? {} : { payload: body as object }) });
}
const get = (url: string, user?: SessionUser) => request('GET', url, user);

describe('GET /api/courses/:slug (landing page fields)', () => {
  it('renders the Markdown description to sanitised HTML beside the source', async () => {
    const page = (await get(`/api/courses/${published.slug}`)).json();
    expect(page.description).toContain('## Why');
    expect(page.descriptionHtml).toContain('<h2>Why</h2>');
    expect(page.descriptionHtml).toContain('<strong>fast</strong>');
    expect(page.descriptionHtml).not.toContain('<script');
    expect(page.descriptionHtml).not.toContain('href="javascript');
  });

  it('carries what a buyer needs: outline with durations and previews, instructor, rating, price', async () => {
    const page = (await get(`/api/courses/${published.slug}`)).json();
    expect(page).toMatchObject({
      accessType: 'free',
      priceCents: 0,
      lessonCount: 3,
      instructor: { id: owner.id },
      rating: { average: 0, count: 0, distribution: [0, 0, 0, 0, 0] },
      viewer: { isSignedIn: false, isOwner: false, enrollment: null },
    });
    expect(page.sections).toHaveLength(2);
    expect(page.sections[0].lessons[0]).toMatchObject({ isPreview: true, durationSeconds: 150 });
    expect(page.sections[0].totalDurationMinutes).toBeGreaterThan(0);
    expect(JSON.stringify(page)).not.toContain(CONTENT_CANARY);
  });
});

describe('GET /api/courses/:slug/lessons/:lessonId (preview lessons)', () => {
  const lessonUrl = (course: BuiltCourse, index: number) =>
    `/api/courses/${course.slug}/lessons/${course.lessonIds[index]}`;

  it('plays a free preview of a published course to anyone, with its content', async () => {
    const res = await get(lessonUrl(published, 0));
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('private, no-store');
    expect(res.json()).toMatchObject({
      id: published.lessonIds[0],
      contentType: 'video',
      isPreview: true,
      videoUrl: `https://video.example.test/${CONTENT_CANARY}.mp4`,
      resources: [{ name: 'Slides', url: `https://files.example.test/${CONTENT_CANARY}.pdf` }],
    });
  });

  it('answers a locked lesson with the same 404 as a missing one, to anon and to a learner not enrolled', async () => {
    const missing = await get(`/api/courses/${published.slug}/lessons/00000000-0000-4000-8000-000000000000`);
    expect(missing.statusCode).toBe(404);
    for (const user of [undefined, stranger]) {
      const res = await get(lessonUrl(published, 1), user);
      expect(res.statusCode).toBe(404);
      expect(res.json().error.message).toBe(missing.json().error.message);
      expect(res.body).not.toContain(CONTENT_CANARY);
    }
  });

  it('serves every lesson to an enrolled learner, the owner and an admin, the article rendered', async () => {
    for (const user of [learner, owner, admin]) {
      const res = await get(lessonUrl(published, 1), user);
      expect(res.statusCode).toBe(200);
      expect(res.json().articleHtml).toBe(`<h1>Reading</h1>\n<p>${CONTENT_CANARY}</p>\n`);
    }
  });

  it('does not serve a lesson through another course’s slug', async () => {
    const other = await buildCourse(db, owner);
    const res = await get(`/api/courses/${other.slug}/lessons/${published.lessonIds[0]}`);
    expect(res.statusCode).toBe(404);
  });

  it('hides even the preview of an unpublished course from all but its managers', async () => {
    for (const user of [undefined, learner, stranger]) {
      expect((await get(lessonUrl(draft, 0), user)).statusCode).toBe(404);
    }
    for (const user of [owner, admin]) {
      expect((await get(lessonUrl(draft, 0), user)).statusCode).toBe(200);
      expect((await get(lessonUrl(draft, 1), user)).statusCode).toBe(200);
    }
  });
});

describe('reviews', () => {
  async function freshCourse() {
    const course = await buildCourse(db, owner);
    const reviewer = await makeUser(db, 'student', 'rita');
    await enrolFree(callerFor(db, reviewer), course.id);
    return { course, reviewer };
  }
  const rating = async (course: BuiltCourse) => (await get(`/api/courses/${course.slug}`)).json().rating;

  it('refuses a learner who is not enrolled, and anon', async () => {
    const { course } = await freshCourse();
    const res = await request('POST', `/api/courses/${course.id}/reviews`, stranger, { rating: 5 });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('forbidden');
    expect(
      (await request('POST', `/api/courses/${course.id}/reviews`, undefined, { rating: 5 })).statusCode,
    ).toBe(401);
    expect(
      (await request('PUT', `/api/courses/${course.id}/reviews/mine`, stranger, { rating: 5 })).statusCode,
    ).toBe(404);
  });

  it('creates one review per learner and course, edits and deletes it, the counters following', async () => {
    const { course, reviewer } = await freshCourse();
    const base = `/api/courses/${course.id}/reviews`;
    expect((await get(`${base}/mine`, reviewer)).json()).toEqual({ review: null });

    const created = await request('POST', base, reviewer, { rating: 2, title: 'Meh', comment: 'Slow.' });
    expect(created.statusCode).toBe(201);
    expect(await rating(course)).toEqual({ average: 2, count: 1, distribution: [0, 1, 0, 0, 0] });
    expect((await request('POST', base, reviewer, { rating: 5 })).statusCode).toBe(409);

    const edited = await request('PUT', `${base}/mine`, reviewer, { rating: 5, title: 'Great after all' });
    expect(edited.statusCode).toBe(200);
    expect(edited.json()).toMatchObject({
      id: created.json().id,
      rating: 5,
      title: 'Great after all',
      comment: null,
      reviewer: { id: reviewer.id },
    });
    expect(await rating(course)).toEqual({ average: 5, count: 1, distribution: [0, 0, 0, 0, 1] });
    expect((await get(`${base}/mine`, reviewer)).json().review).toMatchObject({ rating: 5 });

    // A second reviewer moves the average; the first one's deletion moves it back.
    const second = await makeUser(db, 'student', 'sam');
    await enrolFree(callerFor(db, second), course.id);
    await request('POST', base, second, { rating: 4 });
    expect(await rating(course)).toEqual({ average: 4.5, count: 2, distribution: [0, 0, 0, 1, 1] });

    // Someone else's DELETE of "mine" touches only their own (none): 404, the review stays.
    expect((await request('DELETE', `${base}/mine`, stranger)).statusCode).toBe(404);
    const deleted = await request('DELETE', `${base}/mine`, reviewer);
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe('');
    expect(await rating(course)).toEqual({ average: 4, count: 1, distribution: [0, 0, 0, 1, 0] });
    expect((await request('DELETE', `${base}/mine`, reviewer)).statusCode).toBe(404);
    expect((await request('PUT', `${base}/mine`, reviewer, { rating: 3 })).statusCode).toBe(404);
  });

  it('refuses an edit once the enrolment has expired, but still lets the author delete the review', async () => {
    const { course, reviewer } = await freshCourse();
    const base = `/api/courses/${course.id}/reviews`;
    expect((await request('POST', base, reviewer, { rating: 3 })).statusCode).toBe(201);
    await db.asSystem((tx) =>
      tx
        .updateTable('enrollments')
        .set({ expiresAt: new Date(Date.now() - 60_000) })
        .where('courseId', '=', course.id)
        .where('userId', '=', reviewer.id)
        .execute(),
    );
    const edit = await request('PUT', `${base}/mine`, reviewer, { rating: 1 });
    expect(edit.statusCode).toBe(403);
    expect(edit.json().error.code).toBe('forbidden');
    expect(await rating(course)).toMatchObject({ average: 3, count: 1 });
    expect((await request('DELETE', `${base}/mine`, reviewer)).statusCode).toBe(204);
    expect(await rating(course)).toMatchObject({ average: 0, count: 0 });
  });

  it('validates ratings on edit', async () => {
    const { course, reviewer } = await freshCourse();
    await request('POST', `/api/courses/${course.id}/reviews`, reviewer, { rating: 3 });
    for (const body of [{ rating: 0 }, { rating: 6 }, { rating: 2.5 }, {}, { rating: 3, extra: 1 }]) {
      const res = await request('PUT', `/api/courses/${course.id}/reviews/mine`, reviewer, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
    }
  });

  it('pages through reviews newest first without gaps or repeats while reviews are added', async () => {
    const course = await buildCourse(db, owner);
    const reviewers: SessionUser[] = [];
    for (let i = 0; i < 7; i++) {
      const user = await makeUser(db, 'student', `r${i}`);
      await enrolFree(callerFor(db, user), course.id);
      await request('POST', `/api/courses/${course.id}/reviews`, user, {
        rating: (i % 5) + 1,
        title: `#${i}`,
      });
      reviewers.push(user);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/api/courses/${course.id}/reviews?limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await get(url);
      expect(res.statusCode).toBe(200);
      const body = res.json<{
        items: Array<{ title: string; reviewer: { id: string } }>;
        nextCursor: string | null;
      }>();
      seen.push(...body.items.map((r) => r.title));
      expect(body.items.every((r) => r.reviewer !== null)).toBe(true);
      cursor = body.nextCursor;
      if (pages++ === 0) {
        // A review written after the first page belongs before it: later pages are unaffected.
        const late = await makeUser(db, 'student', 'late');
        await enrolFree(callerFor(db, late), course.id);
        await request('POST', `/api/courses/${course.id}/reviews`, late, { rating: 1, title: 'late' });
      }
    } while (cursor);
    expect(seen).toEqual(['#6', '#5', '#4', '#3', '#2', '#1', '#0']);
    expect(pages).toBe(3);

    const first = (await get(`/api/courses/${course.id}/reviews`)).json();
    expect(first.items[0].title).toBe('late');
  });

  it('refuses a forged cursor and hides the reviews of an unpublished course', async () => {
    const forged = await get(
      `/api/courses/${published.id}/reviews?cursor=${Buffer.from('x~y').toString('base64url')}`,
    );
    expect(forged.statusCode).toBe(400);
    expect((await get(`/api/courses/${draft.id}/reviews`)).statusCode).toBe(404);
    expect((await get(`/api/courses/${draft.id}/reviews`, stranger)).statusCode).toBe(404);
    expect((await get(`/api/courses/${draft.id}/reviews`, owner)).statusCode).toBe(200);
  });
});

describe('share tags on /courses/:slug', () => {
  it('puts the course’s escaped title, description, image and URLs into index.html', async () => {
    const slug = `rock-${uniqueSuffix()}`;
    await buildCourse(db, owner, {
      course: {
        slug,
        title: 'Rock & Roll "<Basics>"',
        subtitle: `Chords 'n' <b>riffs</b>`,
        thumbnailUrl: 'https://img.example.test/rock.png?a=1&b=2',
      },
    });
    const res = await get(`/courses/${slug}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    const html = res.body;
    const title = 'Rock &amp; Roll &quot;&lt;Basics&gt;&quot;';
    expect(html).toContain(`<title>${title} · UsefulWriter</title>`);
    expect(html.match(/<title>/g)).toHaveLength(1);
    expect(html.match(/name="description"/g)).toHaveLength(1);
    expect(html).toContain(
      `<meta name="description" content="Chords &#39;n&#39; &lt;b&gt;riffs&lt;/b&gt;" />`,
    );
    expect(html).toContain(`<meta property="og:title" content="${title}" />`);
    expect(html).toContain(
      `<meta property="og:description" content="Chords &#39;n&#39; &lt;b&gt;riffs&lt;/b&gt;" />`,
    );
    expect(html).toContain(
      `<meta property="og:image" content="https://img.example.test/rock.png?a=1&amp;b=2" />`,
    );
    expect(html).toContain(`<meta property="og:url" content="${PUBLIC_URL}/courses/${slug}" />`);
    expect(html).toContain(`<meta property="og:type" content="website" />`);
    expect(html).toContain(`<meta name="twitter:card" content="summary_large_image" />`);
    expect(html).toContain(`<link rel="canonical" href="${PUBLIC_URL}/courses/${slug}" />`);
    expect(html).not.toContain('<Basics>');
    expect(html).not.toContain('<b>riffs');
  });

  it('falls back to the description as plain text when there is no meta description or subtitle', async () => {
    const html = (await get(`/courses/${published.slug}`)).body;
    // A refused link stays as the text the author wrote; escaped, it is inert in an attribute.
    expect(html).toContain(
      '<meta name="description" content="Why Learn fast. &lt;script&gt;alert(1)&lt;/script&gt; [x](javascript:alert(1))" />',
    );
    expect(html).toContain(`<meta name="twitter:card" content="summary" />`);
    expect(html).not.toContain('og:image');
  });

  it('makes a same-site thumbnail absolute and drops one that is not http(s)', async () => {
    const course = await buildCourse(db, owner);
    const setThumbnail = (thumbnailUrl: string) =>
      db.asSystem((tx) =>
        tx.updateTable('courses').set({ thumbnailUrl }).where('id', '=', course.id).execute(),
      );
    await setThumbnail('/api/files/8f7c0c57-5a8e-4d3f-9a51-3c2f1f0b6d2e');
    expect((await get(`/courses/${course.slug}`)).body).toContain(
      `<meta property="og:image" content="${PUBLIC_URL}/api/files/8f7c0c57-5a8e-4d3f-9a51-3c2f1f0b6d2e" />`,
    );
    await setThumbnail('javascript:alert(1)');
    const html = (await get(`/courses/${course.slug}`)).body;
    expect(html).not.toContain('og:image');
    expect(html).not.toContain('javascript:');
  });

  it('serves the generic page for unpublished, unknown and malformed course paths', async () => {
    for (const path of [
      `/courses/${draft.slug}`,
      `/courses/no-such-course-${uniqueSuffix()}`,
      '/courses/Not_A_Slug',
      '/courses',
      '/',
    ]) {
      const res = await get(path, owner);
      expect(res.statusCode, path).toBe(200);
      expect(res.body, path).toBe(GENERIC_INDEX);
    }
  });
});
