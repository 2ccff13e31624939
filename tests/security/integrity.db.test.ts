import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tx } from '../../server/db/session.ts';
import * as f from '../helpers/factories.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.ts';
import { becomeSystem, camelCase, isDenial, loose, rolledBack, sqlState, type Actor } from './harness.ts';

// Audit and forgery (access.md invariants): learners cannot forge created_by/updated_by, write
// progress outside their enrolments, or move completion backwards; an enrolment that expires, a
// plan that lapses, a revoked enrolment and a role change all take effect on the next request.

let t: TestDatabase;

type Learner = 'studentA' | 'studentB' | 'studentC' | 'studentD' | 'studentE' | 'studentH' | 'studentL';
interface IntegrityWorld {
  users: Record<Learner | 'owner' | 'promoted' | 'deactivated', string>;
  X: string;
  F: string;
  S: string;
  Y: string;
  lessons: { xPreview: string; x1: string; x2: string; y: string; s: string };
  quizzes: { X: string; S: string };
  challenges: { X: string; S: string };
}
let w: IntegrityWorld;

beforeAll(async () => {
  t = await createTestDatabase();
  w = await t.db.asSystem(async (tx) => {
    const owner = (await f.createUser(tx, { role: 'instructor', displayName: 'Olga Owner' })).id;
    const other = (await f.createUser(tx, { role: 'instructor' })).id;
    const student = async (options: f.UserOptions = {}) => (await f.createUser(tx, options)).id;
    const users = {
      owner,
      studentA: await student(), // enrolled in X
      studentB: await student(), // enrolled nowhere
      studentC: await student(), // enrolment in X expired yesterday
      studentD: await student({ subscription: 'lapsed' }), // subscription enrolment in S, plan lapsed
      studentE: await student({ subscription: 'active' }), // subscription enrolment in S, plan active
      studentH: await student(), // enrolled in X, revoked by the owner during a test
      studentL: await student({ subscription: 'active' }), // subscription in S, plan lapses during a test
      promoted: await student(),
      deactivated: await student({ role: 'admin' }),
    };
    const X = await f.createCourse(tx, { instructorId: owner });
    const F = await f.createCourse(tx, { instructorId: owner, access: 'free' });
    const S = await f.createCourse(tx, { instructorId: owner, access: 'subscription', priceCents: 0 });
    const Y = await f.createCourse(tx, { instructorId: other });
    const secX = await f.createSection(tx, { courseId: X });
    const secS = await f.createSection(tx, { courseId: S });
    const secY = await f.createSection(tx, { courseId: Y });
    const lessons = {
      xPreview: await f.createLesson(tx, { courseId: X, sectionId: secX, isPreview: true }),
      x1: await f.createLesson(tx, { courseId: X, sectionId: secX, sortOrder: 1 }),
      x2: await f.createLesson(tx, { courseId: X, sectionId: secX, sortOrder: 2 }),
      y: await f.createLesson(tx, { courseId: Y, sectionId: secY }),
      s: await f.createLesson(tx, { courseId: S, sectionId: secS }),
    };
    for (const userId of [users.studentA, users.studentH])
      await f.createEnrollment(tx, { userId, courseId: X });
    await f.createEnrollment(tx, { userId: users.studentC, courseId: X, expiresInDays: -1 });
    for (const userId of [users.studentD, users.studentE, users.studentL]) {
      await f.createEnrollment(tx, { userId, courseId: S, accessType: 'subscription' });
    }
    return {
      users,
      X,
      F,
      S,
      Y,
      lessons,
      quizzes: { X: await f.createQuiz(tx, { courseId: X }), S: await f.createQuiz(tx, { courseId: S }) },
      challenges: {
        X: await f.createChallenge(tx, { courseId: X }),
        S: await f.createChallenge(tx, { courseId: S }),
      },
    };
  });
});
afterAll(async () => {
  await t?.close();
});

const as = (who: keyof IntegrityWorld['users']): Actor => ({ kind: 'user', label: who, id: w.users[who] });

/** Runs `work`, returning 'denied' for SQLSTATE 42501 and rethrowing anything else. */
async function tryIt<T>(tx: Tx, work: () => Promise<T>): Promise<T | 'denied'> {
  try {
    return await work();
  } catch (error) {
    if (isDenial(error)) return 'denied';
    throw error;
  }
}

async function auditOf(tx: Tx, table: string, id: string) {
  return loose(tx)
    .selectFrom(camelCase(table))
    .select(['createdBy', 'updatedBy'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

describe('audit columns cannot be forged', () => {
  // Every table a learner may insert into, with a valid learner payload.
  const learnerInserts: { table: string; values: () => Record<string, unknown> }[] = [
    { table: 'lesson_progress', values: () => ({ lessonId: w.lessons.xPreview, status: 'in_progress' }) },
    {
      table: 'code_submissions',
      values: () => ({ challengeId: w.challenges.X, language: 'python', code: 'x' }),
    },
    { table: 'ai_conversations', values: () => ({ courseId: w.X }) },
    { table: 'course_reviews', values: () => ({ courseId: w.X, rating: 5 }) },
    { table: 'enrollments', values: () => ({ courseId: w.F, accessType: 'free_grant' }) },
  ];

  it.each(learnerInserts)(
    '$table: a learner insert is stamped with the learner, whatever they send',
    async (c) => {
      const result = await rolledBack(t.db, as('studentA'), async (tx) => {
        const { id } = await loose(tx)
          .insertInto(camelCase(c.table))
          .values(c.values())
          .returning('id')
          .executeTakeFirstOrThrow();
        const forgedCreatedBy = await tryIt(tx, () =>
          loose(tx)
            .insertInto(camelCase(c.table))
            .values({ ...c.values(), createdBy: w.users.owner })
            .execute(),
        );
        return { id: id as string, forgedCreatedBy };
      });
      expect(result.forgedCreatedBy).toBe('denied');
      const forgedUpdatedBy = await rolledBack(t.db, as('studentA'), (tx) =>
        tryIt(tx, () =>
          loose(tx)
            .insertInto(camelCase(c.table))
            .values({ ...c.values(), updatedBy: w.users.owner })
            .execute(),
        ),
      );
      expect(forgedUpdatedBy).toBe('denied');
      const stamped = await rolledBack(t.db, as('studentA'), async (tx) => {
        const { id } = await loose(tx)
          .insertInto(camelCase(c.table))
          .values(c.values())
          .returning('id')
          .executeTakeFirstOrThrow();
        await becomeSystem(tx);
        return auditOf(tx, c.table, id as string);
      });
      expect(stamped).toEqual({ createdBy: w.users.studentA, updatedBy: w.users.studentA });
    },
  );

  it('an update is stamped with the editor and keeps created_by; updated_by cannot be set', async () => {
    const result = await rolledBack(t.db, as('owner'), async (tx) => {
      const before = await auditOf(tx, 'courses', w.X);
      const updated = await loose(tx)
        .updateTable('courses')
        .set({ title: 'Edited' })
        .where('id', '=', w.X)
        .executeTakeFirst();
      const forged = await tryIt(tx, () =>
        loose(tx).updateTable('courses').set({ updatedBy: w.users.studentA }).where('id', '=', w.X).execute(),
      );
      return { before, rows: updated.numUpdatedRows, forged };
    });
    expect(result.rows).toBe(1n);
    expect(result.forged).toBe('denied');
    const after = await rolledBack(t.db, as('owner'), async (tx) => {
      await loose(tx).updateTable('courses').set({ title: 'Edited' }).where('id', '=', w.X).execute();
      await becomeSystem(tx);
      return auditOf(tx, 'courses', w.X);
    });
    expect(after).toEqual({ createdBy: result.before.createdBy, updatedBy: w.users.owner });
  });

  it('not even the system can write created_by/updated_by: the trigger stamps auth.uid()', async () => {
    const stored = await rolledBack(
      t.db,
      { kind: 'system', label: 'owner', id: w.users.owner },
      async (tx) => {
        const id = await f.createSection(tx, { courseId: w.X });
        await loose(tx)
          .updateTable('courseSections')
          .set({ createdBy: w.users.studentA, updatedBy: w.users.studentA, title: 'Renamed' })
          .where('id', '=', id)
          .execute();
        return auditOf(tx, 'course_sections', id);
      },
    );
    expect(stored).toEqual({ createdBy: w.users.owner, updatedBy: w.users.owner });
  });
});

describe('lesson progress only for lessons of courses the learner is enrolled in', () => {
  const cases: { who: Learner; lesson: keyof IntegrityWorld['lessons']; allowed: boolean; why: string }[] = [
    { who: 'studentA', lesson: 'x1', allowed: true, why: 'enrolled (control)' },
    { who: 'studentE', lesson: 's', allowed: true, why: 'subscription with an active plan (control)' },
    { who: 'studentB', lesson: 'x1', allowed: false, why: 'not enrolled' },
    { who: 'studentA', lesson: 'y', allowed: false, why: 'enrolled elsewhere only' },
    { who: 'studentC', lesson: 'x1', allowed: false, why: 'enrolment expired' },
    { who: 'studentD', lesson: 's', allowed: false, why: 'subscription plan lapsed' },
  ];
  it.each(cases)('$who on lesson $lesson: $why', async ({ who, lesson, allowed }) => {
    const outcome = await rolledBack(t.db, as(who), (tx) =>
      tryIt(tx, () =>
        loose(tx)
          .insertInto('lessonProgress')
          .values({ lessonId: w.lessons[lesson], status: 'in_progress' })
          .execute(),
      ),
    );
    if (allowed) expect(outcome).not.toBe('denied');
    else expect(outcome).toBe('denied');
  });
});

describe('completion never moves backwards', () => {
  it('a completed lesson stays completed, watched, with its time and completion date', async () => {
    const { first, after } = await rolledBack(t.db, as('studentA'), async (tx) => {
      const progress = loose(tx)
        .selectFrom('lessonProgress')
        .select(['status', 'completedAt', 'videoCompleted', 'timeSpentMinutes']);
      const { id } = await loose(tx)
        .insertInto('lessonProgress')
        .values({ lessonId: w.lessons.x2, status: 'completed', videoCompleted: true, timeSpentMinutes: 10 })
        .returning('id')
        .executeTakeFirstOrThrow();
      const first = await progress.where('id', '=', id).executeTakeFirstOrThrow();
      for (const status of ['in_progress', 'not_started']) {
        const { numUpdatedRows } = await loose(tx)
          .updateTable('lessonProgress')
          .set({ status, videoCompleted: false, timeSpentMinutes: 1 })
          .where('id', '=', id)
          .executeTakeFirst();
        expect(numUpdatedRows).toBe(1n); // the write went through; the trigger kept what was earned
      }
      return { first, after: await progress.where('id', '=', id).executeTakeFirstOrThrow() };
    });
    expect(first).toMatchObject({ status: 'completed', videoCompleted: true, timeSpentMinutes: 10 });
    expect(first.completedAt).toBeInstanceOf(Date);
    expect(after).toEqual(first);
  });

  it('a started lesson does not go back to not started', async () => {
    const status = await rolledBack(t.db, as('studentA'), async (tx) => {
      const { id } = await loose(tx)
        .insertInto('lessonProgress')
        .values({ lessonId: w.lessons.x2, status: 'in_progress' })
        .returning('id')
        .executeTakeFirstOrThrow();
      await loose(tx)
        .updateTable('lessonProgress')
        .set({ status: 'not_started' })
        .where('id', '=', id)
        .execute();
      const row = await loose(tx)
        .selectFrom('lessonProgress')
        .select('status')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      return row.status;
    });
    expect(status).toBe('in_progress');
  });
});

describe("counters cannot be forged through a learner's own rows", () => {
  // access.md: a learner cannot forge counters "by any route". time_spent_minutes is learner-written
  // and feeds profiles.total_learning_minutes and enrollments.total_time_spent_minutes; one request
  // must not be able to add more than a day of learning.
  it('one progress write cannot add a million learning minutes', async () => {
    const { before, after, enrolment } = await rolledBack(t.db, as('studentA'), async (tx) => {
      const minutes = () =>
        loose(tx)
          .selectFrom('profiles')
          .select('totalLearningMinutes')
          .where('id', '=', w.users.studentA)
          .executeTakeFirstOrThrow();
      const before = (await minutes()).totalLearningMinutes as number;
      const written = await tryIt(tx, () =>
        loose(tx)
          .insertInto('lessonProgress')
          .values({ lessonId: w.lessons.x1, timeSpentMinutes: 1_000_000 })
          .execute(),
      );
      if (written === 'denied') return { before, after: before, enrolment: 0 };
      const enrolment = await loose(tx)
        .selectFrom('enrollments')
        .select('totalTimeSpentMinutes')
        .where('userId', '=', w.users.studentA)
        .where('courseId', '=', w.X)
        .executeTakeFirstOrThrow();
      return {
        before,
        after: (await minutes()).totalLearningMinutes as number,
        enrolment: enrolment.totalTimeSpentMinutes as number,
      };
    });
    expect(after - before).toBeLessThanOrEqual(24 * 60);
    expect(enrolment).toBeLessThanOrEqual(24 * 60);
  });

  it('control: an honest progress write is counted', async () => {
    const added = await rolledBack(t.db, as('studentA'), async (tx) => {
      const minutes = async () =>
        (
          await loose(tx)
            .selectFrom('profiles')
            .select('totalLearningMinutes')
            .where('id', '=', w.users.studentA)
            .executeTakeFirstOrThrow()
        ).totalLearningMinutes as number;
      const before = await minutes();
      await loose(tx)
        .insertInto('lessonProgress')
        .values({ lessonId: w.lessons.x1, timeSpentMinutes: 12 })
        .execute();
      return (await minutes()) - before;
    });
    expect(added).toBe(12);
  });
});

describe('access ends with the enrolment, on the next request', () => {
  interface Access {
    content: boolean;
    quiz: boolean;
    challenge: boolean;
    visibleTests: boolean;
    progress: boolean;
    review: boolean;
  }
  const courseOf = (course: 'X' | 'S') => ({
    id: w[course],
    lesson: course === 'X' ? w.lessons.x1 : w.lessons.s,
    quiz: w.quizzes[course],
    challenge: w.challenges[course],
  });

  /** What a learner can reach of a course's paid material, each probe in its own rolled-back request. */
  async function accessOf(who: Learner, course: 'X' | 'S'): Promise<Access> {
    const c = courseOf(course);
    const read = <T>(work: (tx: Tx) => Promise<T>) => rolledBack(t.db, as(who), work);
    const write = (table: string, values: Record<string, unknown>) =>
      read(
        async (tx) =>
          (await tryIt(tx, () => loose(tx).insertInto(table).values(values).execute())) !== 'denied',
      );
    return {
      content: await read(async (tx) => {
        const { rows } = await sql`select id from private.lesson_content(${[c.lesson]}::uuid[])`.execute(tx);
        return rows.length === 1;
      }),
      quiz: await read(
        async (tx) =>
          (await loose(tx).selectFrom('quizzes').select('id').where('id', '=', c.quiz).execute()).length ===
          1,
      ),
      challenge: await read(
        async (tx) =>
          (await loose(tx).selectFrom('codeChallenges').select('id').where('id', '=', c.challenge).execute())
            .length === 1,
      ),
      visibleTests: await read(async (tx) => {
        const { rows } = await sql<{ n: number }>`
          select jsonb_array_length(private.challenge_visible_tests(${c.challenge}::uuid)) as n`.execute(tx);
        return rows[0]!.n > 0;
      }),
      progress: await write('lessonProgress', { lessonId: c.lesson, status: 'in_progress' }),
      review: await write('courseReviews', { courseId: c.id, rating: 4 }),
    };
  }
  const everything: Access = {
    content: true,
    quiz: true,
    challenge: true,
    visibleTests: true,
    progress: true,
    review: true,
  };
  const nothing: Access = {
    content: false,
    quiz: false,
    challenge: false,
    visibleTests: false,
    progress: false,
    review: false,
  };

  it.each([
    {
      who: 'studentA' as const,
      course: 'X' as const,
      expected: everything,
      why: 'active enrolment (control)',
    },
    {
      who: 'studentE' as const,
      course: 'S' as const,
      expected: everything,
      why: 'subscription, plan active (control)',
    },
    { who: 'studentB' as const, course: 'X' as const, expected: nothing, why: 'never enrolled' },
    { who: 'studentC' as const, course: 'X' as const, expected: nothing, why: 'enrolment expired' },
    { who: 'studentD' as const, course: 'S' as const, expected: nothing, why: 'subscription, plan lapsed' },
  ])('$who in $course: $why', async ({ who, course, expected }) => {
    expect(await accessOf(who, course)).toEqual(expected);
  });

  it("the owner ending an enrolment (expires_at in the past) ends the learner's access", async () => {
    expect(await accessOf('studentH', 'X')).toEqual(everything);
    const ended = await t.db.asUser({ id: w.users.owner }, (tx) =>
      loose(tx)
        .updateTable('enrollments')
        .set({ expiresAt: new Date(Date.now() - 1000) })
        .where('userId', '=', w.users.studentH)
        .where('courseId', '=', w.X)
        .executeTakeFirst(),
    );
    expect(ended.numUpdatedRows).toBe(1n);
    expect(await accessOf('studentH', 'X')).toEqual(nothing);
  });

  it('a lapsed plan ends subscription access', async () => {
    expect(await accessOf('studentL', 'S')).toEqual(everything);
    await t.db.asSystem((tx) => f.setProfile(tx, w.users.studentL, { subscription: 'lapsed' }));
    expect(await accessOf('studentL', 'S')).toEqual(nothing);
  });

  it('a role change takes effect on the next request (promotion and demotion)', async () => {
    const profilesSeen = () =>
      rolledBack(
        t.db,
        as('promoted'),
        async (tx) => (await loose(tx).selectFrom('profiles').select('id').execute()).length,
      );
    expect(await profilesSeen()).toBe(1);
    await t.db.asSystem((tx) => f.setProfile(tx, w.users.promoted, { role: 'admin' }));
    expect(await profilesSeen()).toBeGreaterThan(5);
    await t.db.asSystem((tx) => f.setProfile(tx, w.users.promoted, { role: 'student' }));
    expect(await profilesSeen()).toBe(1);
  });

  it('a deactivated admin loses admin rights on the next request', async () => {
    const profilesSeen = () =>
      rolledBack(
        t.db,
        as('deactivated'),
        async (tx) => (await loose(tx).selectFrom('profiles').select('id').execute()).length,
      );
    expect(await profilesSeen()).toBeGreaterThan(5);
    await t.db.asSystem((tx) => f.setProfile(tx, w.users.deactivated, { isActive: false }));
    // A deactivated account is refused outright on its next request (private.assert_live_session).
    await expect(profilesSeen()).rejects.toMatchObject({ code: '28000' });
  });
});

describe('one review per course', () => {
  it('a second review of the same course by the same learner is refused', async () => {
    const result = await rolledBack(t.db, as('studentA'), async (tx) => {
      await loose(tx).insertInto('courseReviews').values({ courseId: w.X, rating: 5 }).execute();
      try {
        await loose(tx).insertInto('courseReviews').values({ courseId: w.X, rating: 1 }).execute();
        return 'accepted';
      } catch (error) {
        return sqlState(error);
      }
    });
    expect(result).toBe('23505');
  });
});
