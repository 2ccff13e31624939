import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_JWT_SECRET, testConfig } from '../../../tests/helpers/test-app.ts';
import { createTestDatabase, type TestDatabase } from '../../../tests/helpers/test-db.ts';
import { buildApp, type App } from '../../app.ts';
import type { SessionUser } from '../../db/session.ts';
import { signAccessToken } from '../../platform/auth.ts';
import {
  buildCourse,
  completeLesson,
  CONTENT_CANARY,
  makeUser,
  type BuiltCourse,
} from './courses.fixtures.ts';

let testDb: TestDatabase;
let app: App;
let owner: SessionUser;
let learner: SessionUser;
let stranger: SessionUser;
let published: BuiltCourse;
let draft: BuiltCourse;

beforeAll(async () => {
  testDb = await createTestDatabase();
  const { db } = testDb;
  owner = await makeUser(db, 'instructor', 'ada');
  learner = await makeUser(db, 'student', 'grace');
  stranger = await makeUser(db, 'student', 'alan');
  published = await buildCourse(db, owner);
  draft = await buildCourse(db, owner, { draft: true });
  app = buildApp({ config: testConfig(), db });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await testDb?.close();
});

async function get(url: string, user?: SessionUser) {
  const headers = user ? { authorization: `Bearer ${await signAccessToken(TEST_JWT_SECRET, user, 60)}` } : {};
  return app.inject({ method: 'GET', url, headers });
}

async function post(url: string, user: SessionUser, body?: unknown) {
  const headers = { authorization: `Bearer ${await signAccessToken(TEST_JWT_SECRET, user, 60)}` };
  return app.inject({
    method: 'POST',
    url,
    headers,
    ...(body === undefined ? {} : { payload: body as object }),
  });
}

describe('GET /api/courses/:slug', () => {
  it('shows anon a published course with its outline and no lesson content', async () => {
    const res = await get(`/api/courses/${published.slug}`);
    expect(res.statusCode).toBe(200);
    const page = res.json();
    expect(page).toMatchObject({ slug: published.slug, lessonCount: 3, viewer: { isSignedIn: false } });
    expect(page.sections.flatMap((s: { lessons: { id: string }[] }) => s.lessons.map((l) => l.id))).toEqual(
      published.lessonIds,
    );
    expect(res.body).not.toContain(CONTENT_CANARY);
    expect(res.body).not.toMatch(/videoUrl|articleContent|downloadableResources/);
  });

  it('answers 404 not_found for a draft to anon and to another student, and 200 to its owner', async () => {
    for (const res of [
      await get(`/api/courses/${draft.slug}`),
      await get(`/api/courses/${draft.slug}`, stranger),
    ]) {
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    }
    const missing = await get('/api/courses/no-such-course');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.message).toBe((await get(`/api/courses/${draft.slug}`)).json().error.message);

    const mine = await get(`/api/courses/${draft.slug}`, owner);
    expect(mine.statusCode).toBe(200);
    expect(mine.json()).toMatchObject({ status: 'draft', viewer: { isOwner: true } });
  });

  it('shows an enrolled learner their progress, enrolling through the API', async () => {
    const enrol = await post(`/api/courses/${published.id}/enrollment`, learner);
    expect(enrol.statusCode).toBe(200);
    expect(enrol.json()).toMatchObject({ courseId: published.id, accessType: 'free_grant' });
    await completeLesson(testDb.db, learner, published.lessonIds[0]!);

    const res = await get(`/api/courses/${published.slug}`, learner);
    expect(res.statusCode).toBe(200);
    expect(res.json().viewer).toMatchObject({
      isSignedIn: true,
      isOwner: false,
      enrollment: {
        progressPercentage: 33,
        completedLessons: 1,
        completedLessonIds: [published.lessonIds[0]],
      },
    });
    expect((await get(`/api/courses/${published.slug}`, stranger)).json().viewer.enrollment).toBeNull();
  });

  it('answers 400 validation_failed for a slug that cannot exist', async () => {
    // (Longer than 120 characters is refused too, by the router's parameter length limit.)
    for (const slug of ['Not-Lowercase', 'double--hyphen', '-leading', 'under_score']) {
      const res = await get(`/api/courses/${slug}`);
      expect(res.statusCode, slug).toBe(400);
      expect(res.json().error.code, `${slug}: ${res.body}`).toBe('validation_failed');
    }
  });
});
