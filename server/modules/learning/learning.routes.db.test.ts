import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_JWT_SECRET, testConfig } from '../../../tests/helpers/test-app.ts';
import { createTestDatabase, type TestDatabase } from '../../../tests/helpers/test-db.ts';
import { buildApp, type App } from '../../app.ts';
import type { SessionUser } from '../../db/session.ts';
import { signAccessToken } from '../../platform/auth.ts';
import { buildCourse, makeUser, uniqueSuffix, type BuiltCourse } from '../courses/courses.fixtures.ts';

let testDb: TestDatabase;
let app: App;
let owner: SessionUser;
let learner: SessionUser;
let other: SessionUser;
let course: BuiltCourse;

beforeAll(async () => {
  testDb = await createTestDatabase();
  const { db } = testDb;
  owner = await makeUser(db, 'instructor', 'ada');
  learner = await makeUser(db, 'student', 'grace');
  other = await makeUser(db, 'student', 'alan');
  course = await buildCourse(db, owner);
  app = buildApp({ config: testConfig(), db });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await testDb?.close();
});

async function call(method: 'GET' | 'PUT' | 'POST', url: string, user?: SessionUser, body?: unknown) {
  const headers = user ? { authorization: `Bearer ${await signAccessToken(TEST_JWT_SECRET, user, 60)}` } : {};
  return app.inject({ method, url, headers, ...(body === undefined ? {} : { payload: body as object }) });
}

const now = () => new Date().toISOString();

describe('learning routes', () => {
  it('refuse anonymous callers with 401 and bad input with 400 validation_failed', async () => {
    const lesson = course.lessonIds[1]!;
    expect(
      (await call('PUT', `/api/lessons/${lesson}/progress`, undefined, { clientTime: now() })).statusCode,
    ).toBe(401);
    expect((await call('GET', '/api/me/learning')).statusCode).toBe(401);
    expect((await call('GET', '/api/me/dashboard')).statusCode).toBe(401);
    const unknownField = await call('PUT', `/api/lessons/${lesson}/progress`, learner, {
      clientTime: now(),
      userId: other.id,
    });
    expect(unknownField.statusCode).toBe(400);
    expect(unknownField.json().error.code).toBe('validation_failed');
    const badTime = await call('PUT', `/api/lessons/${lesson}/progress`, learner, {
      clientTime: 'yesterday',
    });
    expect(badTime.json().error.code).toBe('validation_failed');
    const badId = await call('GET', '/api/lessons/not-a-uuid/notes', learner);
    expect(badId.statusCode).toBe(400);
  });

  it('answer 403 to a learner not enrolled and 404 for a lesson that does not exist', async () => {
    const lesson = course.lessonIds[1]!;
    const refused = await call('PUT', `/api/lessons/${lesson}/progress`, other, { clientTime: now() });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('forbidden');
    const missing = await call('PUT', `/api/lessons/${crypto.randomUUID()}/progress`, learner, {
      clientTime: now(),
    });
    expect(missing.statusCode).toBe(404);
    expect((await call('GET', `/api/courses/${crypto.randomUUID()}/progress`, learner)).statusCode).toBe(404);
  });

  it('take a learner from enrolment through progress, notes, My learning and the dashboard', async () => {
    expect((await call('POST', `/api/courses/${course.id}/enrollment`, learner)).statusCode).toBe(200);
    const [video, article] = course.lessonIds;

    const first = await call('PUT', `/api/lessons/${video}/progress`, learner, {
      clientTime: new Date(Date.now() - 1000).toISOString(),
      positionSeconds: 42,
      watchedSeconds: 42,
      activeSeconds: 30,
    });
    // A position-only heartbeat is queued (202) with the state it will leave (PROGRESS_HEARTBEAT_FLUSH_MS).
    expect(first.statusCode).toBe(202);
    expect(first.json()).toMatchObject({
      lesson: { lessonId: video, status: 'in_progress', positionSeconds: 42, timeSpentSeconds: 30 },
      enrollment: { completedLessons: 0, totalLessons: 3 },
    });
    // A late, older report: the current state, nothing moved.
    const late = await call('PUT', `/api/lessons/${video}/progress`, learner, {
      clientTime: new Date(Date.now() - 5000).toISOString(),
      positionSeconds: 3,
      activeSeconds: 30,
    });
    expect(late.statusCode).toBe(202);
    expect(late.json().lesson).toMatchObject({ positionSeconds: 42, timeSpentSeconds: 30 });

    const done = await call('PUT', `/api/lessons/${article}/progress`, learner, {
      clientTime: now(),
      activeSeconds: 30, // with the video's 30 s: the first whole minute of the day
      completed: true,
    });
    // A completion is written before the answer.
    expect(done.statusCode).toBe(200);
    expect(done.json()).toMatchObject({
      lesson: { status: 'completed' },
      enrollment: { completedLessons: 1 },
    });

    const notes = await call('PUT', `/api/lessons/${article}/notes`, learner, {
      notes: 'Key idea: tests first.',
    });
    expect(notes.statusCode).toBe(200);
    expect(notes.json()).toMatchObject({ lessonId: article, notes: 'Key idea: tests first.' });
    expect(notes.json().updatedAt).toEqual(expect.any(String));
    expect((await call('GET', `/api/lessons/${article}/notes`, learner)).json()).toEqual(notes.json());
    // Another learner sees only their own (empty) notes on the same lesson.
    expect((await call('GET', `/api/lessons/${article}/notes`, other)).json()).toMatchObject({ notes: '' });

    const progress = await call('GET', `/api/courses/${course.id}/progress`, learner);
    expect(progress.json()).toMatchObject({ access: 'active', continueLessonId: video });
    expect(progress.json().lessons.find((l: { lessonId: string }) => l.lessonId === video)).toMatchObject({
      positionSeconds: 42,
    });

    const mine = await call('GET', '/api/me/learning?limit=10', learner);
    expect(mine.statusCode).toBe(200);
    expect(mine.json()).toMatchObject({
      items: [
        {
          course: { id: course.id, slug: course.slug },
          progress: { completedLessons: 1, progressPercentage: 33 },
          lastLesson: { id: article },
          continueLesson: { id: video },
        },
      ],
      nextCursor: null,
    });
    expect(mine.body).not.toMatch(/videoUrl|articleContent|CANARY/);

    const dashboard = await call('GET', '/api/me/dashboard?days=7', learner);
    expect(dashboard.statusCode).toBe(200);
    const view = dashboard.json();
    expect(view).toMatchObject({ dailyGoalMinutes: 30, streak: { current: 1, learnedToday: true } });
    expect(view.activity).toHaveLength(7);
    expect(view.activity.at(-1)).toMatchObject({ date: view.today, minutes: 1, lessonsCompleted: 1 });
    expect(view.week).toHaveLength(7);

    const downloaded = await call('POST', `/api/lessons/${article}/resource-downloads`, learner);
    expect(downloaded.json()).toEqual({ counted: true });
  });

  it('let the owner grant and revoke by email, with the same answer whether an account exists or not', async () => {
    const paid = await buildCourse(testDb.db, owner, { course: { accessType: 'paid', priceCents: 4900 } });
    const student = await makeUser(testDb.db, 'student', 'granted');
    const until = new Date(Date.now() + 7 * 86_400_000).toISOString();
    const existing = await call('POST', `/api/courses/${paid.id}/grants`, owner, {
      email: student.email,
      expiresAt: until,
    });
    const nobody = await call('POST', `/api/courses/${paid.id}/grants`, owner, {
      email: `nobody-${uniqueSuffix()}@example.test`,
      expiresAt: until,
    });
    expect(existing.statusCode).toBe(201);
    expect(nobody.statusCode).toBe(201);
    expect(Object.keys(existing.json()).sort()).toEqual(Object.keys(nobody.json()).sort());

    const lesson = paid.lessonIds[1]!;
    expect(
      (await call('PUT', `/api/lessons/${lesson}/progress`, student, { clientTime: now() })).statusCode,
    ).toBe(202);

    // Strangers cannot grant, list or revoke: the same 404 as a missing course.
    for (const res of [
      await call('POST', `/api/courses/${paid.id}/grants`, other, { email: other.email }),
      await call('GET', `/api/courses/${paid.id}/grants`, other),
      await call('POST', `/api/courses/${paid.id}/grants/revoke`, other, { email: student.email }),
      await call('POST', `/api/courses/${crypto.randomUUID()}/grants`, owner, { email: other.email }),
    ]) {
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    }
    expect((await call('GET', `/api/courses/${paid.id}/grants`, owner)).json().items).toHaveLength(2);

    const revoked = await call('POST', `/api/courses/${paid.id}/grants/revoke`, owner, {
      email: student.email,
    });
    expect(revoked.json()).toEqual({ revoked: true });
    expect(
      (await call('PUT', `/api/lessons/${lesson}/progress`, student, { clientTime: now() })).statusCode,
    ).toBe(403);
  });
});
