import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionUser, Tx } from '../../server/db/session.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.ts';

// The denormalised counters of 0009_counters.sql, observed through the tables as users write them.
let t: TestDatabase;
let seq = 0;

async function createUser(role: 'student' | 'instructor' | 'admin' = 'student'): Promise<SessionUser> {
  seq += 1;
  const email = `user${seq}-${Date.now()}@example.test`;
  return t.db.asSystem(async (tx) => {
    const { id } = await tx
      .insertInto('auth.users')
      .values({ email })
      .returning('id')
      .executeTakeFirstOrThrow();
    await tx.updateTable('profiles').set({ role }).where('id', '=', id).execute();
    return { id, email };
  });
}

async function createCourse(owner: SessionUser) {
  seq += 1;
  return t.db.asUser(owner, async (tx) => {
    const course = await tx
      .insertInto('courses')
      .values({
        slug: `course-${seq}-${Date.now()}`,
        title: 'Counting things',
        description: 'A course about counters',
        instructorId: owner.id,
        category: 'programming',
        difficultyLevel: 'beginner',
        priceCents: 0,
        accessType: 'free',
        status: 'published',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const [s1, s2] = await tx
      .insertInto('courseSections')
      .values([
        { courseId: course.id, title: 'One', sortOrder: 0 },
        { courseId: course.id, title: 'Two', sortOrder: 1 },
      ])
      .returning('id')
      .execute();
    return { id: course.id, sections: [s1!.id, s2!.id] as const };
  });
}

const addLesson = (tx: Tx, courseId: string, sectionId: string, seconds: number, sortOrder = 0) =>
  tx
    .insertInto('courseLessons')
    .values({
      courseId,
      sectionId,
      title: `Lesson ${sortOrder}`,
      sortOrder,
      contentType: 'video',
      videoDurationSeconds: seconds,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
    .then((r) => r.id);

const courseRow = (id: string) =>
  t.db.asSystem((tx) => tx.selectFrom('courses').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
const sectionRows = (courseId: string) =>
  t.db.asSystem((tx) =>
    tx
      .selectFrom('courseSections')
      .select(['lessonCount', 'totalDurationMinutes'])
      .where('courseId', '=', courseId)
      .orderBy('sortOrder')
      .execute(),
  );
const enrollmentOf = (user: SessionUser, courseId: string) =>
  t.db.asSystem((tx) =>
    tx
      .selectFrom('enrollments')
      .selectAll()
      .where('userId', '=', user.id)
      .where('courseId', '=', courseId)
      .executeTakeFirstOrThrow(),
  );
/** The learner's own free enrolment, then (as the system) dated an hour back so reported time has room. */
const enrol = async (user: SessionUser, courseId: string) => {
  await t.db.asUser(user, (tx) =>
    tx.insertInto('enrollments').values({ userId: user.id, courseId, accessType: 'free_grant' }).execute(),
  );
  await t.db.asSystem((tx) =>
    tx
      .updateTable('enrollments')
      .set({ enrolledAt: new Date(Date.now() - 3_600_000) })
      .where('userId', '=', user.id)
      .where('courseId', '=', courseId)
      .execute(),
  );
};
const progress = (
  user: SessionUser,
  lessonId: string,
  values: {
    status?: 'in_progress' | 'completed' | 'not_started';
    timeSpentMinutes?: number;
    lastAccessedAt?: Date;
  },
) =>
  t.db.asUser(user, (tx) =>
    tx
      .insertInto('lessonProgress')
      .values({ lessonId, ...values } as never)
      .onConflict((oc) => oc.columns(['userId', 'lessonId']).doUpdateSet(values))
      .execute(),
  );

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.close());

describe('course outline counters', () => {
  it('follow lessons added, moved, soft-deleted and restored, and sections soft-deleted', async () => {
    const owner = await createUser('instructor');
    const course = await createCourse(owner);
    const [one, two] = course.sections;
    const [a, , c] = await t.db.asUser(owner, async (tx) => [
      await addLesson(tx, course.id, one, 600, 0),
      await addLesson(tx, course.id, one, 90, 1),
      await addLesson(tx, course.id, two, 30, 0),
    ]);
    expect(await courseRow(course.id)).toMatchObject({ lessonCount: 3, totalDurationMinutes: 12 }); // 720 s
    expect(await sectionRows(course.id)).toEqual([
      { lessonCount: 2, totalDurationMinutes: 12 }, // 690 s rounds up
      { lessonCount: 1, totalDurationMinutes: 1 },
    ]);

    await t.db.asUser(owner, (tx) =>
      tx.updateTable('courseLessons').set({ sectionId: two }).where('id', '=', a).execute(),
    );
    expect(await sectionRows(course.id)).toEqual([
      { lessonCount: 1, totalDurationMinutes: 2 },
      { lessonCount: 2, totalDurationMinutes: 11 },
    ]);

    await t.db.asUser(owner, (tx) =>
      tx.updateTable('courseLessons').set({ deletedAt: new Date() }).where('id', '=', c).execute(),
    );
    expect(await courseRow(course.id)).toMatchObject({ lessonCount: 2, totalDurationMinutes: 12 });

    await t.db.asUser(owner, (tx) =>
      tx.updateTable('courseSections').set({ deletedAt: new Date() }).where('id', '=', two).execute(),
    );
    expect(await courseRow(course.id)).toMatchObject({ lessonCount: 1, totalDurationMinutes: 2 });

    await t.db.asUser(owner, async (tx) => {
      await tx.updateTable('courseSections').set({ deletedAt: null }).where('id', '=', two).execute();
      await tx.updateTable('courseLessons').set({ deletedAt: null }).where('id', '=', c).execute();
    });
    expect(await courseRow(course.id)).toMatchObject({ lessonCount: 3, totalDurationMinutes: 12 });
  });

  it('cannot be written by the course owner', async () => {
    const owner = await createUser('instructor');
    const course = await createCourse(owner);
    await expect(
      t.db.asUser(owner, (tx) =>
        tx
          .updateTable('courses')
          .set({ lessonCount: 99 } as never)
          .where('id', '=', course.id)
          .execute(),
      ),
    ).rejects.toThrow(/permission denied/);
    await t.db.asUser(owner, (tx) =>
      tx.updateTable('courses').set({ title: 'Renamed' }).where('id', '=', course.id).execute(),
    );
    expect(await courseRow(course.id)).toMatchObject({ title: 'Renamed', lessonCount: 0 });
  });
});

describe('enrolment progress', () => {
  it('follows completed lessons, never moves completion backwards, and feeds course and profile', async () => {
    const owner = await createUser('instructor');
    const learner = await createUser();
    const course = await createCourse(owner);
    const [l1, l2] = await t.db.asUser(owner, async (tx) => [
      await addLesson(tx, course.id, course.sections[0], 60, 0),
      await addLesson(tx, course.id, course.sections[0], 60, 1),
    ]);
    await enrol(learner, course.id);
    expect(await enrollmentOf(learner, course.id)).toMatchObject({
      totalLessons: 2,
      completedLessons: 0,
      progressPercentage: 0,
    });
    expect(await courseRow(course.id)).toMatchObject({ enrollmentCount: 1, completionRate: 0 });

    const seen = new Date();
    await progress(learner, l1!, { status: 'completed', timeSpentMinutes: 7, lastAccessedAt: seen });
    expect(await enrollmentOf(learner, course.id)).toMatchObject({
      completedLessons: 1,
      progressPercentage: 50,
      totalTimeSpentMinutes: 7,
      lastLessonId: l1,
      isCompleted: false,
    });

    // A late report cannot un-complete a lesson or shrink the time spent.
    await progress(learner, l1!, { status: 'in_progress', timeSpentMinutes: 2 });
    const row = await t.db.asUser(learner, (tx) =>
      tx
        .selectFrom('lessonProgress')
        .select(['status', 'timeSpentMinutes', 'completedAt'])
        .where('lessonId', '=', l1!)
        .executeTakeFirstOrThrow(),
    );
    expect(row).toMatchObject({ status: 'completed', timeSpentMinutes: 7 });
    expect(row.completedAt).not.toBeNull();

    await progress(learner, l2!, { status: 'completed', timeSpentMinutes: 3 });
    const done = await enrollmentOf(learner, course.id);
    expect(done).toMatchObject({
      completedLessons: 2,
      progressPercentage: 100,
      isCompleted: true,
      totalTimeSpentMinutes: 10,
    });
    expect(await courseRow(course.id)).toMatchObject({ completionRate: 100 });
    const profile = await t.db.asUser(learner, (tx) =>
      tx
        .selectFrom('profiles')
        .select(['coursesCompleted', 'totalLearningMinutes'])
        .executeTakeFirstOrThrow(),
    );
    expect(profile).toEqual({ coursesCompleted: 1, totalLearningMinutes: 10 });

    // A lesson added later lowers the percentage; the course stays completed (certificate earned).
    await t.db.asUser(owner, (tx) => addLesson(tx, course.id, course.sections[1], 60, 0));
    expect(await enrollmentOf(learner, course.id)).toMatchObject({
      totalLessons: 3,
      completedLessons: 2,
      progressPercentage: 66,
      isCompleted: true,
      completedAt: done.completedAt,
    });
  });

  it('learners cannot write progress columns of their enrolment', async () => {
    const owner = await createUser('instructor');
    const learner = await createUser();
    const course = await createCourse(owner);
    await enrol(learner, course.id);
    await expect(
      t.db.asUser(learner, (tx) =>
        tx
          .updateTable('enrollments')
          .set({ progressPercentage: 100 } as never)
          .where('userId', '=', learner.id)
          .execute(),
      ),
    ).rejects.toThrow(/permission denied/);
    expect(await enrollmentOf(learner, course.id)).toMatchObject({ progressPercentage: 0 });
  });
});

describe('ratings, quiz totals and conversation counters', () => {
  it('course ratings follow reviews', async () => {
    const owner = await createUser('instructor');
    const course = await createCourse(owner);
    const [a, b] = [await createUser(), await createUser()];
    await enrol(a, course.id);
    await enrol(b, course.id);
    await t.db.asUser(a, (tx) =>
      tx.insertInto('courseReviews').values({ courseId: course.id, rating: 5 }).execute(),
    );
    await t.db.asUser(b, (tx) =>
      tx.insertInto('courseReviews').values({ courseId: course.id, rating: 2 }).execute(),
    );
    expect(await courseRow(course.id)).toMatchObject({ totalReviews: 2, averageRating: 3.5 });
    await t.db.asUser(b, (tx) =>
      tx.updateTable('courseReviews').set({ rating: 4 }).where('userId', '=', b.id).execute(),
    );
    expect(await courseRow(course.id)).toMatchObject({ totalReviews: 2, averageRating: 4.5 });
    await t.db.asUser(a, (tx) => tx.deleteFrom('courseReviews').where('userId', '=', a.id).execute());
    expect(await courseRow(course.id)).toMatchObject({ totalReviews: 1, averageRating: 4 });
  });

  it('quiz totals follow questions, and message counts follow messages', async () => {
    const owner = await createUser('instructor');
    const course = await createCourse(owner);
    const tf = JSON.stringify([
      { id: 'true', text: 'True', is_correct: true },
      { id: 'false', text: 'False', is_correct: false },
    ]);
    const quiz = await t.db.asUser(owner, async (tx) => {
      const q = await tx
        .insertInto('quizzes')
        .values({ courseId: course.id, title: 'Check', quizType: 'graded' })
        .returning('id')
        .executeTakeFirstOrThrow();
      await tx
        .insertInto('quizQuestions')
        .values([
          // A true/false row needs its key (0023_quiz_question_keys.sql).
          {
            quizId: q.id,
            questionText: 'One?',
            questionType: 'true_false',
            points: 2,
            sortOrder: 0,
            options: tf,
          },
          {
            quizId: q.id,
            questionText: 'Two?',
            questionType: 'true_false',
            points: 3,
            sortOrder: 1,
            options: tf,
          },
        ])
        .execute();
      return q.id;
    });
    const totals = () =>
      t.db.asSystem((tx) =>
        tx
          .selectFrom('quizzes')
          .select(['questionCount', 'totalPoints'])
          .where('id', '=', quiz)
          .executeTakeFirstOrThrow(),
      );
    expect(await totals()).toEqual({ questionCount: 2, totalPoints: 5 });
    await t.db.asUser(owner, (tx) =>
      tx.updateTable('quizQuestions').set({ deletedAt: new Date() }).where('points', '=', 3).execute(),
    );
    expect(await totals()).toEqual({ questionCount: 1, totalPoints: 2 });

    const learner = await createUser();
    const conversation = await t.db.asUser(learner, async (tx) => {
      const c = await tx
        .insertInto('aiConversations')
        .values({ contextType: 'general' })
        .returning('id')
        .executeTakeFirstOrThrow();
      await tx
        .insertInto('aiMessages')
        .values({ conversationId: c.id, role: 'user', content: 'Hello?' })
        .execute();
      return c.id;
    });
    const counted = await t.db.asUser(learner, (tx) =>
      tx
        .selectFrom('aiConversations')
        .select(['messageCount', 'lastMessageAt'])
        .where('id', '=', conversation)
        .executeTakeFirstOrThrow(),
    );
    expect(counted.messageCount).toBe(1);
    expect(counted.lastMessageAt).toBeInstanceOf(Date);
  });
});

describe('audit columns', () => {
  it('are set from auth.uid() and cannot be forged', async () => {
    const owner = await createUser('instructor');
    const other = await createUser('instructor');
    const course = await createCourse(owner);
    const row = await courseRow(course.id);
    expect(row.createdBy).toBe(owner.id);
    expect(row.updatedBy).toBe(owner.id);
    await expect(
      t.db.asUser(owner, (tx) =>
        tx
          .updateTable('courses')
          .set({ createdBy: other.id } as never)
          .where('id', '=', course.id)
          .execute(),
      ),
    ).rejects.toThrow(/permission denied/);

    const admin = await createUser('admin');
    await t.db.asUser(admin, (tx) =>
      tx.updateTable('courses').set({ subtitle: 'Edited by an admin' }).where('id', '=', course.id).execute(),
    );
    const edited = await courseRow(course.id);
    expect(edited).toMatchObject({ createdBy: owner.id, updatedBy: admin.id, createdAt: row.createdAt });
    expect(edited.updatedAt.getTime()).toBeGreaterThanOrEqual(row.updatedAt.getTime());
  });
});

describe('concurrent writers', () => {
  it('keep enrolment counts and ratings exact', async () => {
    const owner = await createUser('instructor');
    const course = await createCourse(owner);
    const learners = await Promise.all(Array.from({ length: 12 }, () => createUser()));
    await Promise.all(learners.map((l) => enrol(l, course.id)));
    await Promise.all(
      learners.map((l, i) =>
        t.db.asUser(l, (tx) =>
          tx
            .insertInto('courseReviews')
            .values({ courseId: course.id, rating: (i % 5) + 1 })
            .execute(),
        ),
      ),
    );
    // ratings 1..5,1..5,1,2 → sum 33 / 12
    expect(await courseRow(course.id)).toMatchObject({
      enrollmentCount: 12,
      totalReviews: 12,
      averageRating: 2.75,
    });
  });
});
