import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../../tests/helpers/seeded-random.ts';
import { createTestDatabase, type TestDatabase } from '../../../tests/helpers/test-db.ts';
import { progressReportSchema, type ProgressReportInput } from '../../../contracts/learning.ts';
import type { SessionUser } from '../../db/session.ts';
import { requestDbFor } from '../../platform/auth.ts';
import { createLogger } from '../../platform/logger.ts';
import { buildCourse, makeUser, type BuiltCourse } from '../courses/courses.fixtures.ts';
import { callerFor, enrolFree } from '../courses/courses.service.ts';
import { createHeartbeatBuffer } from './learning.heartbeats.ts';
import { acceptProgressReport, reportProgress } from './learning.service.ts';

// The enrolment counters kept incrementally by 0034 (a write that completes nothing adds its time
// difference instead of recounting) must always equal what the recount computes from scratch.

let t: TestDatabase;
let owner: SessionUser;
const log = createLogger('silent');

beforeAll(async () => {
  t = await createTestDatabase();
  owner = await makeUser(t.db, 'instructor', 'counters-owner');
});
afterAll(async () => {
  await t?.close();
});

const as = (user: SessionUser) => ({ user, db: requestDbFor(t.db, user) });
const report = (input: ProgressReportInput) => progressReportSchema.parse(input);
const base = Date.now() - 600_000;
const at = (s: number) => new Date(base + s * 1000).toISOString();
const manualBuffer = () => createHeartbeatBuffer({ db: t.db, windowMs: 600_000, log });

async function learnerIn(course: BuiltCourse, name: string) {
  const learner = await makeUser(t.db, 'student', name);
  await enrolFree(callerFor(t.db, learner), course.id);
  await t.db.asSystem((tx) =>
    tx
      .updateTable('enrollments')
      .set({ enrolledAt: new Date(Date.now() - 3_600_000) })
      .where('userId', '=', learner.id)
      .where('courseId', '=', course.id)
      .execute(),
  );
  return learner;
}

async function enrollmentOf(userId: string, courseId: string) {
  return t.db.asSystem((tx) =>
    tx
      .selectFrom('enrollments')
      .where('userId', '=', userId)
      .where('courseId', '=', courseId)
      .select([
        'id',
        'totalLessons',
        'completedLessons',
        'progressPercentage',
        'timeSpentSeconds',
        'totalTimeSpentMinutes',
        'lastLessonId',
        'lastAccessedAt',
        'isCompleted',
        'completedAt',
      ])
      .executeTakeFirstOrThrow(),
  );
}

/**
 * The kept enrolment equals the recount of it (run as the owner: the function is for triggers
 * only), its seconds are the rows' sum, and the profile's and the days' seconds match too.
 */
async function expectEqualToRecount(userId: string, courseId: string) {
  const kept = await enrollmentOf(userId, courseId);
  const sums = await t.db.asSystem(async (tx) => {
    const { rows } = await sql<{ seconds: number; profileSeconds: number; analyticsSeconds: number }>`
      select (select coalesce(sum(time_spent_seconds), 0)::int from lesson_progress where user_id = ${userId}) as seconds,
             (select total_learning_minutes * 60 + learning_seconds_remainder from profiles where id = ${userId}) as profile_seconds,
             (select coalesce(sum(seconds_learned), 0)::int from learning_analytics where user_id = ${userId}) as analytics_seconds`.execute(
      tx,
    );
    return rows[0]!;
  });
  expect(kept.timeSpentSeconds).toBe(sums.seconds);
  expect(kept.totalTimeSpentMinutes).toBe(Math.floor(sums.seconds / 60));
  expect(sums.profileSeconds).toBe(sums.seconds);
  expect(sums.analyticsSeconds).toBe(sums.seconds);
  await sql`select private.refresh_enrollment_progress(${kept.id}::uuid)`.execute(t.handle.kysely);
  expect(await enrollmentOf(userId, courseId)).toEqual(kept);
  return kept;
}

describe('incremental enrolment counters (0034)', () => {
  it('after many heartbeats, queued and written at once, reordered, with completions between, equal a recount', async () => {
    for (let run = 0; run < 3; run++) {
      const seed = 3000 + run;
      const rnd = seededRandom(seed);
      const int = (n: number) => Math.floor(rnd() * n);
      const course = await buildCourse(t.db, owner);
      const learner = await learnerIn(course, `counters${run}`);
      const [video, ...articles] = course.lessonIds as [string, ...string[]];
      const buffer = manualBuffer();
      let clock = 0;
      for (let i = 0; i < 60; i++) {
        const lessonId = course.lessonIds[int(course.lessonIds.length)]!;
        clock += 1 + int(10);
        const input: ProgressReportInput = {
          // One report in eight arrives late (older than reports already applied).
          clientTime: at(int(8) === 0 ? Math.max(0, clock - 30) : clock),
          positionSeconds: int(150),
          watchedSeconds: lessonId === video ? (int(20) === 0 ? 140 : int(120)) : 0,
          activeSeconds: int(31),
          completed: lessonId !== video && int(12) === 0,
        };
        if (int(2) === 0) await acceptProgressReport(as(learner), lessonId, report(input), buffer);
        else await reportProgress(as(learner), lessonId, report(input));
        if (int(6) === 0) await buffer.flush();
        // Checked along the way, not only at the end: a completion recounts, which would hide an
        // increment that went wrong before it.
        if (i % 5 === 4) await expectEqualToRecount(learner.id, course.id);
      }
      await buffer.close();
      const kept = await expectEqualToRecount(learner.id, course.id);
      expect(kept.timeSpentSeconds, `seed ${seed}`).toBeGreaterThan(0);
      expect(articles.length).toBe(2);
    }
  });

  it('the last lesson is the most recently accessed one, by heartbeat or by report', async () => {
    const course = await buildCourse(t.db, owner);
    const learner = await learnerIn(course, 'counters-last');
    const [first, second, third] = course.lessonIds as [string, string, string];
    const buffer = manualBuffer();
    await reportProgress(as(learner), first, report({ clientTime: at(1), activeSeconds: 5 }));
    await acceptProgressReport(as(learner), second, report({ clientTime: at(2), activeSeconds: 5 }), buffer);
    await buffer.flush();
    expect((await enrollmentOf(learner.id, course.id)).lastLessonId).toBe(second);
    // A late report on the first lesson is still the latest access.
    await acceptProgressReport(as(learner), first, report({ clientTime: at(0), activeSeconds: 5 }), buffer);
    await buffer.flush();
    expect((await enrollmentOf(learner.id, course.id)).lastLessonId).toBe(first);
    await reportProgress(as(learner), third, report({ clientTime: at(3), completed: true }));
    expect(await expectEqualToRecount(learner.id, course.id)).toMatchObject({
      lastLessonId: third,
      completedLessons: 1,
    });
    await buffer.close();
  });

  it('heartbeats racing completions of the same enrolments leave every counter equal to a recount', async () => {
    const course = await buildCourse(t.db, owner);
    const [video, article, other] = course.lessonIds as [string, string, string];
    const learners = await Promise.all([0, 1, 2, 3].map((i) => learnerIn(course, `counters-race${i}`)));
    // Rows first, so the race is between updates (the incremental path) and recounts.
    for (const learner of learners)
      for (const lessonId of course.lessonIds)
        await reportProgress(as(learner), lessonId, report({ clientTime: at(0), activeSeconds: 3 }));
    for (const learner of learners) await expectEqualToRecount(learner.id, course.id);

    const buffer = manualBuffer();
    for (let round = 1; round <= 6; round++) {
      for (const learner of learners) {
        for (const lessonId of [video, other])
          await acceptProgressReport(
            as(learner),
            lessonId,
            report({
              clientTime: at(round * 10),
              positionSeconds: round,
              watchedSeconds: round,
              activeSeconds: 7,
            }),
            buffer,
          );
      }
      // The flush (every learner's heartbeats, incremental) against completions and heartbeats
      // written at once (recounts and increments) in other transactions, on the same enrolments.
      await Promise.all([
        buffer.flush(),
        ...learners.map((learner, i) =>
          reportProgress(
            as(learner),
            round % 2 === 0 ? article : other,
            report({
              clientTime: at(round * 10 + 5),
              activeSeconds: 4,
              completed: round === 2 + (i % 3),
            }),
            buffer,
          ),
        ),
      ]);
      // Round 1 completes nothing: only increments ran.
      if (round === 1) for (const learner of learners) await expectEqualToRecount(learner.id, course.id);
    }
    await buffer.close();
    for (const learner of learners) {
      const kept = await expectEqualToRecount(learner.id, course.id);
      // 3 lessons × 3 s, then per round 7 s on the video, and on `other` 7 s queued + (odd rounds) 4 s
      // written at once, and 4 s on the article in even rounds.
      expect(kept.timeSpentSeconds).toBe(9 + 6 * 7 + 6 * 7 + 6 * 4);
      expect(kept.completedLessons).toBeGreaterThanOrEqual(1);
    }
  });
});
