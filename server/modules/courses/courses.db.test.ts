import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../tests/helpers/test-db.ts';
import type { Db, SessionUser } from '../../db/session.ts';
import { AppError } from '../../platform/errors.ts';
import { compiledCoursePageQuery, coursePageQuery } from './courses.queries.ts';
import { buildCourse, completeLesson, CONTENT_CANARY, makeUser, uniqueSuffix } from './courses.fixtures.ts';
import { addReview, callerFor, enrolFree, enrolWithSubscription, getCoursePage } from './courses.service.ts';

let testDb: TestDatabase;
let db: Db;
let instructor: SessionUser;
let otherInstructor: SessionUser;
let student: SessionUser;
let otherStudent: SessionUser;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = testDb.db;
  instructor = await makeUser(db, 'instructor', 'ada');
  otherInstructor = await makeUser(db, 'instructor', 'linus');
  student = await makeUser(db, 'student', 'grace');
  otherStudent = await makeUser(db, 'student', 'alan');
});

afterAll(async () => {
  await testDb?.close();
});

const anon = () => callerFor(db, null);
const as = (user: SessionUser) => callerFor(db, user);

async function expectAppError(promise: Promise<unknown>, code: string) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
}

describe('getCoursePage', () => {
  it('shows anon a published course with its outline, counters and instructor card, but no lesson content', async () => {
    const course = await buildCourse(db, instructor);
    const page = await getCoursePage(anon(), course.slug);

    expect(page).toMatchObject({
      id: course.id,
      slug: course.slug,
      status: 'published',
      lessonCount: 3,
      totalDurationMinutes: 3, // 150 s of video, rounded up
      enrollmentCount: 0,
      rating: { average: 0, count: 0, distribution: [0, 0, 0, 0, 0] },
      latestReviews: [],
      viewer: { isSignedIn: false, isOwner: false, enrollment: null },
    });
    expect(page.instructor).toEqual({
      id: instructor.id,
      displayName: expect.stringMatching(/^Ada /),
      avatarUrl: null,
      bio: null,
    });
    expect(page.publishedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(page.sections.map((s) => [s.title, s.lessonCount, s.lessons.map((l) => l.title)])).toEqual([
      ['Basics', 2, ['Welcome', 'Reading']],
      ['More', 1, ['Deeper']],
    ]);
    expect(page.sections[0]!.lessons[0]).toEqual({
      id: course.lessonIds[0],
      title: 'Welcome',
      description: null,
      contentType: 'video',
      sortOrder: 0,
      durationSeconds: 150,
      isPreview: true,
    });
    const text = JSON.stringify(page);
    expect(text).not.toContain(CONTENT_CANARY);
    expect(text).not.toMatch(/videoUrl|articleContent|downloadableResources|@example\.test/);
  });

  it('hides a draft from anon and from other users (not_found), and shows it to its owner', async () => {
    const draft = await buildCourse(db, instructor, { draft: true });
    await expectAppError(getCoursePage(anon(), draft.slug), 'not_found');
    await expectAppError(getCoursePage(as(student), draft.slug), 'not_found');
    await expectAppError(getCoursePage(as(otherInstructor), draft.slug), 'not_found');

    const page = await getCoursePage(as(instructor), draft.slug);
    expect(page).toMatchObject({
      status: 'draft',
      publishedAt: null,
      viewer: { isSignedIn: true, isOwner: true },
    });
    expect(page.sections).toHaveLength(2);
  });

  it('reuses one compiled query per shape, identical to a fresh build for the same values', () => {
    const kysely = testDb.handle.kysely;
    for (const viewerId of [null, student.id, instructor.id]) {
      for (const slug of ['typescript-from-zero', 'another-course']) {
        const fresh = coursePageQuery(kysely, slug, viewerId).compile();
        const cached = compiledCoursePageQuery(kysely, slug, viewerId);
        expect(cached.sql).toBe(fresh.sql);
        expect(cached.parameters).toEqual(fresh.parameters);
      }
    }
  });

  it('answers a missing slug exactly like a hidden one', async () => {
    await expectAppError(getCoursePage(anon(), `no-such-course-${uniqueSuffix()}`), 'not_found');
  });

  it("shows a signed-in learner their own enrolment and progress, and nobody else's", async () => {
    const course = await buildCourse(db, instructor);
    await enrolFree(as(student), course.id);
    await completeLesson(db, student, course.lessonIds[1]!);

    const mine = await getCoursePage(as(student), course.slug);
    expect(mine.enrollmentCount).toBe(1);
    expect(mine.viewer).toMatchObject({
      isSignedIn: true,
      isOwner: false,
      enrollment: {
        accessType: 'free_grant',
        progressPercentage: 33,
        completedLessons: 1,
        totalLessons: 3,
        isCompleted: false,
        lastLessonId: course.lessonIds[1],
        completedLessonIds: [course.lessonIds[1]],
      },
    });

    const theirs = await getCoursePage(as(otherStudent), course.slug);
    expect(theirs.viewer.enrollment).toBeNull();
    // The owner may read their learners' enrolments, but the page shows only the viewer's own.
    const owners = await getCoursePage(as(instructor), course.slug);
    expect(owners.viewer).toMatchObject({ isOwner: true, enrollment: null });
  });

  it('summarises ratings and shows the latest reviews with reviewer cards only', async () => {
    const course = await buildCourse(db, instructor);
    const reviewers = [student, otherStudent, await makeUser(db, 'student', 'edsger')];
    const ratings = [5, 4, 5];
    for (const [i, reviewer] of reviewers.entries()) {
      await enrolFree(as(reviewer), course.id);
      await addReview(as(reviewer), course.id, {
        rating: ratings[i]!,
        title: `Review ${i}`,
        comment: 'Clear and useful.',
      });
    }
    const page = await getCoursePage(anon(), course.slug);
    expect(page.rating).toEqual({ average: 4.67, count: 3, distribution: [0, 0, 0, 1, 2] });
    expect(page.latestReviews).toHaveLength(3);
    expect(page.latestReviews.map((r) => r.title).sort()).toEqual(['Review 0', 'Review 1', 'Review 2']);
    for (const review of page.latestReviews) {
      expect(review.reviewer).toEqual({
        id: expect.any(String),
        displayName: expect.any(String),
        avatarUrl: null,
        bio: null,
      });
    }
    expect(JSON.stringify(page)).not.toContain('@example.test');
  });
});

describe('enrolment and reviews', () => {
  it('enrols a learner in a free course once, and refuses paid, draft and missing courses', async () => {
    const free = await buildCourse(db, instructor);
    const first = await enrolFree(as(otherStudent), free.id);
    const second = await enrolFree(as(otherStudent), free.id);
    expect(second).toEqual(first);
    expect(first.accessType).toBe('free_grant');

    const paid = await buildCourse(db, instructor, { course: { accessType: 'paid', priceCents: 4900 } });
    await expectAppError(enrolFree(as(otherStudent), paid.id), 'forbidden');
    const draft = await buildCourse(db, instructor, { draft: true });
    await expectAppError(enrolFree(as(otherStudent), draft.id), 'not_found');
    await expectAppError(enrolFree(as(otherStudent), '00000000-0000-4000-8000-000000000000'), 'not_found');
    await expectAppError(enrolFree(anon(), free.id), 'unauthorized');
  });

  it('enrols through an active subscription only', async () => {
    const course = await buildCourse(db, otherInstructor, {
      course: { accessType: 'subscription', priceCents: 0 },
    });
    await expectAppError(enrolWithSubscription(as(student), course.id), 'forbidden');
    const subscriber = await makeUser(db, 'student', 'sub', {
      subscription: { tier: 'premium', expiresAt: null },
    });
    const enrollment = await enrolWithSubscription(as(subscriber), course.id);
    expect(enrollment.accessType).toBe('subscription');
    await expectAppError(
      enrolFree(
        as(subscriber),
        (await buildCourse(db, instructor, { course: { accessType: 'paid', priceCents: 100 } })).id,
      ),
      'forbidden',
    );
  });

  it('accepts one review per enrolled learner', async () => {
    const course = await buildCourse(db, instructor);
    await expectAppError(addReview(as(student), course.id, { rating: 5 }), 'forbidden');
    await enrolFree(as(student), course.id);
    const review = await addReview(as(student), course.id, { rating: 4, comment: 'Good.' });
    expect(review).toMatchObject({ courseId: course.id, rating: 4 });
    await expectAppError(addReview(as(student), course.id, { rating: 1 }), 'conflict');
    await expectAppError(addReview(as(student), course.id, { rating: 9 }), 'validation_failed');
  });
});
