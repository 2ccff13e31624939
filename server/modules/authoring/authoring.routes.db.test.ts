import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_JWT_SECRET, testConfig } from '../../../tests/helpers/test-app.ts';
import { createTestDatabase, type TestDatabase } from '../../../tests/helpers/test-db.ts';
import { buildApp, type App } from '../../app.ts';
import type { SessionUser } from '../../db/session.ts';
import { signAccessToken } from '../../platform/auth.ts';
import { buildCourse, CONTENT_CANARY, makeUser, type BuiltCourse } from '../courses/courses.fixtures.ts';

// Authoring through the HTTP API, as access.md says: instructors author only their own courses,
// admins all, learners none (403), anon nobody (401); another's course is 404, like a missing one.

let testDb: TestDatabase;
let app: App;
let owner: SessionUser;
let otherInstructor: SessionUser;
let learner: SessionUser;
let admin: SessionUser;

beforeAll(async () => {
  testDb = await createTestDatabase();
  const { db } = testDb;
  owner = await makeUser(db, 'instructor', 'ada');
  otherInstructor = await makeUser(db, 'instructor', 'linus');
  learner = await makeUser(db, 'student', 'grace');
  admin = await makeUser(db, 'admin', 'root');
  app = buildApp({ config: testConfig(), db });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await testDb?.close();
});

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

async function call(method: Method, url: string, user?: SessionUser | null, body?: unknown) {
  const headers = user ? { authorization: `Bearer ${await signAccessToken(TEST_JWT_SECRET, user, 60)}` } : {};
  return app.inject({ method, url, headers, ...(body === undefined ? {} : { payload: body as object }) });
}

/** Every authoring request against one course, with a valid body, so only permissions decide. */
function requestsFor(course: BuiltCourse): Array<[Method, string, unknown?]> {
  const c = `/api/courses/${course.id}`;
  const [s1, s2] = course.sectionIds as [string, string];
  const [l1, l2] = course.lessonIds as [string, string];
  // In an order where each succeeds for someone allowed (the admin test runs them all).
  return [
    ['GET', `/api/authoring/courses/${course.id}`],
    ['PATCH', c, { title: 'Taken over' }],
    ['GET', `${c}/checklist`],
    ['POST', `${c}/publish`],
    ['POST', `${c}/archive`],
    ['POST', `${c}/unpublish`],
    ['DELETE', c],
    ['POST', `${c}/restore`],
    ['PUT', `${c}/sections/order`, { sectionIds: [s2, s1] }],
    ['PATCH', `${c}/sections/${s1}`, { title: 'Mine now' }],
    ['POST', `${c}/sections`, { title: 'Mine now' }],
    ['PUT', `${c}/sections/${s1}/lessons/order`, { lessonIds: [l2, l1] }],
    ['PATCH', `${c}/lessons/${l1}`, { title: 'Sneaky' }],
    ['POST', `${c}/sections/${s2}/lessons`, { title: 'Sneaky', contentType: 'article', articleContent: 'x' }],
    ['POST', `${c}/lessons/${l1}/move`, { sectionId: s2, position: 0 }],
    ['DELETE', `${c}/lessons/${l2}`],
    ['DELETE', `${c}/sections/${s2}`],
  ];
}

/** What the owner sees of the course (to prove a refused request changed nothing). */
async function snapshot(course: BuiltCourse) {
  const res = await call('GET', `/api/authoring/courses/${course.id}`, owner);
  expect(res.statusCode).toBe(200);
  const { updatedAt: _u, lastUpdatedAt: _l, ...rest } = res.json();
  return rest;
}

describe('authoring permissions (access.md)', () => {
  it('answers 404 not_found to another instructor for every authoring request on a course, and changes nothing', async () => {
    const course = await buildCourse(testDb.db, owner, { draft: true });
    const before = await snapshot(course);
    for (const [method, url, body] of requestsFor(course)) {
      const res = await call(method, url, otherInstructor, body);
      expect([method, url, res.statusCode, res.json().error?.code]).toEqual([method, url, 404, 'not_found']);
    }
    expect(await snapshot(course)).toEqual(before);
  });

  it('answers 403 forbidden to a learner and 401 to anon for every authoring request, including create', async () => {
    const course = await buildCourse(testDb.db, owner, { draft: true });
    const before = await snapshot(course);
    const create: [Method, string, unknown] = [
      'POST',
      '/api/courses',
      { title: 'Mine', description: 'x', category: 'x', difficultyLevel: 'beginner', accessType: 'free' },
    ];
    for (const [method, url, body] of [
      ...requestsFor(course),
      create,
      ['GET', '/api/authoring/courses'] as const,
    ]) {
      const asLearner = await call(method, url, learner, body);
      expect([method, url, asLearner.statusCode, asLearner.json().error?.code]).toEqual([
        method,
        url,
        403,
        'forbidden',
      ]);
      const asAnon = await call(method, url, null, body);
      expect([method, url, asAnon.statusCode]).toEqual([method, url, 401]);
    }
    expect(await snapshot(course)).toEqual(before);
  });

  it("lets an admin do everything on an instructor's course", async () => {
    const course = await buildCourse(testDb.db, owner, { draft: true });
    const expected: Record<string, number> = { POST: 200, GET: 200, PATCH: 200, PUT: 200, DELETE: 200 };
    for (const [method, url, body] of requestsFor(course)) {
      const res = await call(method, url, admin, body);
      const ok = res.statusCode === 201 || res.statusCode === 204 || res.statusCode === expected[method];
      expect([method, url, ok ? 'ok' : res.body]).toEqual([method, url, 'ok']);
    }
    const list = await call(
      'GET',
      `/api/authoring/courses?scope=all&instructorId=${owner.id}&limit=100`,
      admin,
    );
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((c: { id: string }) => c.id)).toContain(course.id);
  });

  it('shows an instructor only their own courses, and scope=all only to admins', async () => {
    const mine = await buildCourse(testDb.db, owner, { draft: true });
    const theirs = await buildCourse(testDb.db, otherInstructor, { draft: true });
    const res = await call('GET', '/api/authoring/courses?limit=100', owner);
    const ids = res.json().items.map((c: { id: string }) => c.id);
    expect(ids).toContain(mine.id);
    expect(ids).not.toContain(theirs.id);
    const all = await call('GET', '/api/authoring/courses?scope=all', owner);
    expect([all.statusCode, all.json().error.code]).toEqual([403, 'forbidden']);
  });
});

describe('OpenAPI', () => {
  it('documents the authoring routes', async () => {
    const doc = (await call('GET', '/api/docs/json')).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/authoring/courses',
        '/api/authoring/courses/{courseId}',
        '/api/courses/{courseId}/checklist',
        '/api/courses/{courseId}/sections/order',
        '/api/courses/{courseId}/lessons/{lessonId}/move',
      ]),
    );
    expect(Object.keys(doc.paths['/api/courses/{courseId}'])).toEqual(
      expect.arrayContaining(['patch', 'delete']),
    );
  });
});

describe('read for edit', () => {
  it('returns the full course with lesson content to its owner', async () => {
    const course = await buildCourse(testDb.db, owner, { draft: true });
    const res = await call('GET', `/api/authoring/courses/${course.id}`, owner);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.sections.map((s: { id: string }) => s.id)).toEqual(course.sectionIds);
    const lessons = body.sections.flatMap((s: { lessons: unknown[] }) => s.lessons);
    expect(lessons.map((l: { id: string }) => l.id)).toEqual(course.lessonIds);
    expect(lessons[0]).toMatchObject({
      contentType: 'video',
      videoUrl: `https://video.example.test/${CONTENT_CANARY}.mp4`,
      videoDurationSeconds: 150,
      isPreview: true,
      downloadableResources: [{ name: 'Slides', url: `https://files.example.test/${CONTENT_CANARY}.pdf` }],
    });
    expect(lessons[1]).toMatchObject({
      contentType: 'article',
      articleContent: `# Reading\n\n${CONTENT_CANARY}`,
    });
  });
});

describe('trash and restore', () => {
  it('hides a trashed course from the catalogue and the landing page, keeps it in my courses, and restores it', async () => {
    const course = await buildCourse(testDb.db, owner);
    const catalogue = async () =>
      (await call('GET', '/api/courses?limit=50')).json().items.map((c: { id: string }) => c.id);
    expect(await catalogue()).toContain(course.id);

    const trashed = await call('DELETE', `/api/courses/${course.id}`, owner);
    expect(trashed.statusCode).toBe(200);
    expect(trashed.json()).toMatchObject({ status: 'published', isTrashed: true });
    expect(await catalogue()).not.toContain(course.id);
    for (const viewer of [null, learner, otherInstructor]) {
      expect((await call('GET', `/api/courses/${course.slug}`, viewer)).statusCode).toBe(404);
    }

    const mine = (await call('GET', '/api/authoring/courses?limit=100', owner)).json().items;
    expect(mine.find((c: { id: string }) => c.id === course.id)).toMatchObject({ isTrashed: true });
    const live = (await call('GET', '/api/authoring/courses?limit=100&trash=exclude', owner)).json().items;
    expect(live.map((c: { id: string }) => c.id)).not.toContain(course.id);
    const bin = (await call('GET', '/api/authoring/courses?limit=100&trash=only', owner)).json().items;
    expect(bin.map((c: { id: string }) => c.id)).toEqual([course.id]);

    // A trashed course is read and restored, not edited.
    const edit = await call('PATCH', `/api/courses/${course.id}`, owner, { title: 'While trashed' });
    expect([edit.statusCode, edit.json().error.code]).toEqual([409, 'conflict']);

    const restored = await call('POST', `/api/courses/${course.id}/restore`, owner);
    expect(restored.json()).toMatchObject({ status: 'published', isTrashed: false });
    expect(await catalogue()).toContain(course.id);
    expect((await call('GET', `/api/courses/${course.slug}`)).statusCode).toBe(200);
  });

  it('archives a published course out of the catalogue and publishes it again', async () => {
    const course = await buildCourse(testDb.db, owner);
    expect((await call('POST', `/api/courses/${course.id}/enrollment`, learner)).statusCode).toBe(200);
    const archived = await call('POST', `/api/courses/${course.id}/archive`, owner);
    expect(archived.json()).toMatchObject({ status: 'archived' });
    expect((await call('GET', `/api/courses/${course.slug}`)).statusCode).toBe(404);
    expect((await call('GET', `/api/courses/${course.slug}`, otherInstructor)).statusCode).toBe(404);
    // Enrolled learners keep what they have (access.md; 0010's courses_select_enrolled).
    const kept = await call('GET', `/api/courses/${course.slug}`, learner);
    expect([kept.statusCode, kept.json().status]).toEqual([200, 'archived']);
    // …so it cannot silently become a draft they cannot see, nor go to the trash.
    const unpublish = await call('POST', `/api/courses/${course.id}/unpublish`, owner);
    expect([unpublish.statusCode, unpublish.json().error.code]).toEqual([409, 'course_has_learners']);
    expect((await call('DELETE', `/api/courses/${course.id}`, owner)).json().error.code).toBe(
      'course_has_learners',
    );
    const again = await call('POST', `/api/courses/${course.id}/publish`, owner);
    expect(again.json()).toMatchObject({ status: 'published', publishedAt: archived.json().publishedAt });
  });
});

describe('write routes', () => {
  it('creates, fills and publishes a course; refuses a student (403) and anon (401)', async () => {
    const course = {
      slug: `http-course-${Date.now()}`,
      title: 'HTTP made simple',
      description: 'Requests and responses.',
      category: 'web',
      difficultyLevel: 'beginner',
      accessType: 'paid',
      priceCents: 2900,
    };
    expect((await call('POST', '/api/courses', learner, course)).statusCode).toBe(403);
    expect((await call('POST', '/api/courses', null, course)).statusCode).toBe(401);

    const created = await call('POST', '/api/courses', owner, course);
    expect(created.statusCode).toBe(201);
    const { id } = created.json();
    const section = await call('POST', `/api/courses/${id}/sections`, owner, { title: 'Basics' });
    expect(section.statusCode).toBe(201);
    const lesson = await call('POST', `/api/courses/${id}/sections/${section.json().id}/lessons`, owner, {
      title: 'Status codes',
      contentType: 'article',
      articleContent: '# Status codes\n\n`200 OK` means it worked.',
    });
    expect(lesson.statusCode).toBe(201);
    const publish = await call('POST', `/api/courses/${id}/publish`, owner);
    expect(publish.statusCode).toBe(200);
    expect(publish.json().status).toBe('published');
    expect((await call('POST', `/api/courses/${id}/publish`, otherInstructor)).statusCode).toBe(404);

    // Paid: a learner cannot enrol for free, and cannot review without an enrolment.
    expect((await call('POST', `/api/courses/${id}/enrollment`, learner)).statusCode).toBe(403);
    expect((await call('POST', `/api/courses/${id}/reviews`, learner, { rating: 5 })).statusCode).toBe(403);
  });

  it('rejects unknown fields, bad ids, unsafe URLs and a bad reorder list', async () => {
    const extra = await call('POST', '/api/courses', owner, {
      slug: 'x',
      title: 'x',
      instructorId: learner.id,
    });
    expect(extra.statusCode).toBe(400);
    expect((await call('POST', '/api/courses/not-a-uuid/sections', owner, { title: 'x' })).statusCode).toBe(
      400,
    );

    const course = await buildCourse(testDb.db, owner, { draft: true });
    const script = await call('PATCH', `/api/courses/${course.id}`, owner, {
      thumbnailUrl: 'javascript:alert(1)',
    });
    expect([script.statusCode, script.json().error.code]).toEqual([400, 'validation_failed']);
    const upload = await call('PATCH', `/api/courses/${course.id}`, owner, {
      thumbnailUrl: '/api/files/4f9c1a52-1b7e-4c55-9a55-3c1d6f0e2b11',
    });
    expect(upload.json().thumbnailUrl).toBe('/api/files/4f9c1a52-1b7e-4c55-9a55-3c1d6f0e2b11');

    const [s1, s2] = course.sectionIds;
    const missing = await call('PUT', `/api/courses/${course.id}/sections/order`, owner, {
      sectionIds: [s1],
    });
    expect([missing.statusCode, missing.json().error.code]).toEqual([409, 'order_mismatch']);
    expect(missing.json().error.details.currentIds).toEqual(course.sectionIds);
    const twice = await call('PUT', `/api/courses/${course.id}/sections/order`, owner, {
      sectionIds: [s1, s1],
    });
    expect(twice.json().error.code).toBe('order_mismatch');
    const ok = await call('PUT', `/api/courses/${course.id}/sections/order`, owner, { sectionIds: [s2, s1] });
    expect(ok.json().sections.map((s: { id: string }) => s.id)).toEqual([s2, s1]);
  });

  it('refuses to publish with 409 course_not_ready and the missing checklist items', async () => {
    const created = await call('POST', '/api/courses', owner, {
      title: 'Not yet',
      description: 'Soon.',
      category: 'x',
      difficultyLevel: 'beginner',
      accessType: 'free',
    });
    const { id } = created.json();
    const checklist = await call('GET', `/api/courses/${id}/checklist`, owner);
    expect(checklist.json()).toMatchObject({ courseId: id, canPublish: false });
    const res = await call('POST', `/api/courses/${id}/publish`, owner);
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('course_not_ready');
    expect(res.json().error.details.items.map((i: { key: string }) => i.key)).toEqual(['has_lesson']);
  });
});
