import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { seededRandom } from '../../../tests/helpers/seeded-random.ts';
import { createTestDatabase, type TestDatabase } from '../../../tests/helpers/test-db.ts';
import { progressReportSchema, type ProgressReportInput } from '../../../contracts/learning.ts';
import type { SessionUser } from '../../db/session.ts';
import { requestDbFor, type RequestDb } from '../../platform/auth.ts';
import { createLogger } from '../../platform/logger.ts';
import { buildCourse, makeUser, type BuiltCourse } from '../courses/courses.fixtures.ts';
import { callerFor, enrolFree } from '../courses/courses.service.ts';
import { createHeartbeatBuffer } from './learning.heartbeats.ts';
import {
  acceptProgressReport,
  getCourseProgress,
  grantAccess,
  reportProgress,
  revokeAccess,
} from './learning.service.ts';

let t: TestDatabase;
let owner: SessionUser;
const log = createLogger('silent');

beforeAll(async () => {
  t = await createTestDatabase();
  owner = await makeUser(t.db, 'instructor', 'hb-owner');
});
afterAll(async () => {
  await t?.close();
});

const as = (user: SessionUser) => ({ user, db: requestDbFor(t.db, user) });
const report = (input: ProgressReportInput) => progressReportSchema.parse(input);
/** Client times: `s` seconds after a fixed point a minute before the file started. */
const base = Date.now() - 60_000;
const at = (s: number) => new Date(base + s * 1000).toISOString();

/** A buffer that never flushes on its own during a test (only flush() and close() write). */
const manualBuffer = () => createHeartbeatBuffer({ db: t.db, windowMs: 600_000, log });

async function enrol(learner: SessionUser, course: BuiltCourse) {
  await enrolFree(callerFor(t.db, learner), course.id);
  await t.db.asSystem((tx) =>
    tx
      .updateTable('enrollments')
      .set({ enrolledAt: new Date(Date.now() - 3_600_000) })
      .where('userId', '=', learner.id)
      .where('courseId', '=', course.id)
      .execute(),
  );
}

async function learnerIn(course: BuiltCourse, name: string) {
  const learner = await makeUser(t.db, 'student', name);
  await enrol(learner, course);
  return learner;
}

/** The stored row, read as the system (undefined before the first write). */
async function row(userId: string, lessonId: string) {
  return t.db.asSystem((tx) =>
    tx
      .selectFrom('lessonProgress')
      .where('userId', '=', userId)
      .where('lessonId', '=', lessonId)
      .select([
        'status',
        'videoPositionSeconds',
        'videoWatchedSeconds',
        'videoCompleted',
        'timeSpentSeconds',
        'clientReportedAt',
      ])
      .executeTakeFirst(),
  );
}

/** Kept counters against a recomputation from the learner's rows (as learning.db.test.ts checks). */
async function expectCountersConsistent(userId: string, courseId: string) {
  const c = await t.db.asSystem(async (tx) => {
    const { rows } = await sql<{
      seconds: number;
      completed: number;
      profileSeconds: number;
      analyticsSeconds: number;
      completedLessons: number;
      totalTimeSpentMinutes: number;
    }>`
      select (select coalesce(sum(time_spent_seconds), 0)::int from lesson_progress where user_id = ${userId}) as seconds,
             (select count(*)::int from lesson_progress where user_id = ${userId} and status = 'completed') as completed,
             (select total_learning_minutes * 60 + learning_seconds_remainder from profiles where id = ${userId}) as profile_seconds,
             (select coalesce(sum(seconds_learned), 0)::int from learning_analytics where user_id = ${userId}) as analytics_seconds,
             e.completed_lessons, e.total_time_spent_minutes
        from enrollments e where e.user_id = ${userId} and e.course_id = ${courseId}`.execute(tx);
    return rows[0]!;
  });
  expect(c.profileSeconds).toBe(c.seconds);
  expect(c.analyticsSeconds).toBe(c.seconds);
  expect(c.completedLessons).toBe(c.completed);
  expect(c.totalTimeSpentMinutes).toBe(Math.floor(c.seconds / 60));
}

describe('heartbeat coalescing', () => {
  it('queues a position-only heartbeat (answered with the state it will leave) and writes it on flush', async () => {
    const course = await buildCourse(t.db, owner);
    const learner = await learnerIn(course, 'hb-queue');
    const video = course.lessonIds[0]!;
    const buffer = manualBuffer();

    const answer = await acceptProgressReport(
      as(learner),
      video,
      report({ clientTime: at(0), positionSeconds: 30, watchedSeconds: 30, activeSeconds: 10 }),
      buffer,
    );
    expect(answer.queued).toBe(true);
    expect(answer.state.lesson).toMatchObject({
      lessonId: video,
      status: 'in_progress',
      positionSeconds: 30,
      watchedSeconds: 30,
      timeSpentSeconds: 10,
      lastReportAt: new Date(at(0)).toISOString(),
    });
    expect(answer.state.enrollment.completedLessons).toBe(0);
    expect(await row(learner.id, video)).toBeUndefined();
    expect(buffer.size).toBe(1);

    await buffer.flush();
    expect(buffer.size).toBe(0);
    expect(await row(learner.id, video)).toMatchObject({
      status: 'in_progress',
      videoPositionSeconds: 30,
      videoWatchedSeconds: 30,
      timeSpentSeconds: 10,
    });
    await expectCountersConsistent(learner.id, course.id);
    await buffer.close();
  });

  it('writes queued heartbeats by itself once the window has passed', async () => {
    const course = await buildCourse(t.db, owner);
    const learner = await learnerIn(course, 'hb-window');
    const video = course.lessonIds[0]!;
    const buffer = createHeartbeatBuffer({ db: t.db, windowMs: 50, log });
    const answer = await acceptProgressReport(
      as(learner),
      video,
      report({ clientTime: at(0), positionSeconds: 12, watchedSeconds: 12, activeSeconds: 5 }),
      buffer,
    );
    expect(answer.queued).toBe(true);
    await vi.waitFor(async () => expect((await row(learner.id, video))?.videoPositionSeconds).toBe(12), {
      timeout: 20_000,
      interval: 50,
    });
    await buffer.close();
  });

  it('merges heartbeats as applying them in order would: newest position, time of the newer ones only', async () => {
    const course = await buildCourse(t.db, owner);
    const queued = await learnerIn(course, 'hb-merge-q');
    const direct = await learnerIn(course, 'hb-merge-d');
    const video = course.lessonIds[0]!;
    // An older report first written directly, then heartbeats: one older than it (its time must not
    // count), then in order, one late (stale within the queue) and a repeat.
    const sequence = [
      { clientTime: at(10), positionSeconds: 40, watchedSeconds: 40, activeSeconds: 8 },
      { clientTime: at(5), positionSeconds: 20, watchedSeconds: 20, activeSeconds: 7 },
      { clientTime: at(20), positionSeconds: 50, watchedSeconds: 50, activeSeconds: 9 },
      { clientTime: at(30), positionSeconds: 60, watchedSeconds: 60, activeSeconds: 6 },
      { clientTime: at(25), positionSeconds: 55, watchedSeconds: 70, activeSeconds: 5 },
      { clientTime: at(30), positionSeconds: 60, watchedSeconds: 60, activeSeconds: 6 },
    ];
    const buffer = manualBuffer();
    await reportProgress(as(queued), video, report(sequence[0]!));
    for (const r of sequence.slice(1)) {
      const answer = await acceptProgressReport(as(queued), video, report(r), buffer);
      expect(answer.queued).toBe(true);
    }
    expect(buffer.size).toBe(1);
    await buffer.flush();
    for (const r of sequence) await reportProgress(as(direct), video, report(r));

    const a = await row(queued.id, video);
    const b = await row(direct.id, video);
    expect(a).toEqual(b);
    // 8 (direct) + 9 + 6: the report older than the stored one, the late one and the repeat add nothing.
    expect(a).toMatchObject({ videoPositionSeconds: 60, videoWatchedSeconds: 70, timeSpentSeconds: 23 });
    await expectCountersConsistent(queued.id, course.id);
    await buffer.close();
  });

  it('never delays a completion: it is written before the answer, after the queued heartbeats', async () => {
    const course = await buildCourse(t.db, owner);
    const learner = await learnerIn(course, 'hb-complete');
    const [video, article] = course.lessonIds;
    const buffer = manualBuffer();

    const heartbeat = await acceptProgressReport(
      as(learner),
      video!,
      report({ clientTime: at(0), positionSeconds: 100, watchedSeconds: 100, activeSeconds: 10 }),
      buffer,
    );
    expect(heartbeat.queued).toBe(true);
    // 135 of 150 seconds watched: 90 %, the video completes.
    const done = await acceptProgressReport(
      as(learner),
      video!,
      report({ clientTime: at(1), positionSeconds: 135, watchedSeconds: 135, activeSeconds: 10 }),
      buffer,
    );
    expect(done.queued).toBe(false);
    expect(done.state.lesson).toMatchObject({ status: 'completed', timeSpentSeconds: 20 });
    expect(done.state.enrollment.completedLessons).toBe(1);
    expect(buffer.size).toBe(0);
    expect(await row(learner.id, video!)).toMatchObject({ status: 'completed', timeSpentSeconds: 20 });

    // An article completes by being marked done: written at once too.
    const article1 = await acceptProgressReport(
      as(learner),
      article!,
      report({ clientTime: at(2), activeSeconds: 10, completed: true }),
      buffer,
    );
    expect(article1.queued).toBe(false);
    expect((await row(learner.id, article!))?.status).toBe('completed');

    // On a completed lesson nothing more can complete: heartbeats queue again, completion stays.
    const after = await acceptProgressReport(
      as(learner),
      video!,
      report({ clientTime: at(3), positionSeconds: 10, watchedSeconds: 140, activeSeconds: 5 }),
      buffer,
    );
    expect(after.queued).toBe(true);
    expect(after.state.lesson.status).toBe('completed');
    await buffer.flush();
    expect(await row(learner.id, video!)).toMatchObject({ status: 'completed', videoPositionSeconds: 10 });
    await expectCountersConsistent(learner.id, course.id);
    await buffer.close();
  });

  it('writes everything on close(), and writes at once what arrives after it', async () => {
    const course = await buildCourse(t.db, owner);
    const learner = await learnerIn(course, 'hb-close');
    const [video, article] = course.lessonIds;
    const buffer = manualBuffer();
    await acceptProgressReport(
      as(learner),
      video!,
      report({ clientTime: at(0), positionSeconds: 33, watchedSeconds: 33, activeSeconds: 3 }),
      buffer,
    );
    await acceptProgressReport(
      as(learner),
      article!,
      report({ clientTime: at(0), activeSeconds: 4 }),
      buffer,
    );
    expect(buffer.size).toBe(2);
    await buffer.close();
    expect(await row(learner.id, video!)).toMatchObject({ videoPositionSeconds: 33, timeSpentSeconds: 3 });
    expect(await row(learner.id, article!)).toMatchObject({ timeSpentSeconds: 4 });

    const late = await acceptProgressReport(
      as(learner),
      video!,
      report({ clientTime: at(1), positionSeconds: 44, watchedSeconds: 44, activeSeconds: 3 }),
      buffer,
    );
    expect(late.queued).toBe(false);
    expect(await row(learner.id, video!)).toMatchObject({ videoPositionSeconds: 44 });
  });

  it('never queues a report the caller may not write: 403 / 404 at once, nothing waiting', async () => {
    const course = await buildCourse(t.db, owner);
    const stranger = await makeUser(t.db, 'student', 'hb-stranger');
    const expired = await learnerIn(course, 'hb-expired');
    await t.db.asSystem((tx) =>
      tx
        .updateTable('enrollments')
        .set({ expiresAt: new Date(Date.now() - 60_000) })
        .where('userId', '=', expired.id)
        .execute(),
    );
    const draft = await buildCourse(t.db, owner, { draft: true });
    const buffer = manualBuffer();
    const heartbeat = report({ clientTime: at(0), positionSeconds: 5, watchedSeconds: 5, activeSeconds: 5 });

    for (const [user, lessonId, code] of [
      [stranger, course.lessonIds[0]!, 'forbidden'],
      [expired, course.lessonIds[0]!, 'forbidden'],
      [stranger, draft.lessonIds[0]!, 'not_found'],
      [expired, crypto.randomUUID(), 'not_found'],
    ] as const) {
      await expect(acceptProgressReport(as(user), lessonId, heartbeat, buffer)).rejects.toMatchObject({
        code,
      });
    }
    expect(buffer.size).toBe(0);
    await buffer.close();
    expect(await row(stranger.id, course.lessonIds[0]!)).toBeUndefined();
    expect(await row(expired.id, course.lessonIds[0]!)).toBeUndefined();
  });

  it("keeps one learner's refusal from losing the others' heartbeats", async () => {
    const course = await buildCourse(t.db, owner);
    const kept = await learnerIn(course, 'hb-kept');
    const lost = await learnerIn(course, 'hb-lost');
    const video = course.lessonIds[0]!;
    const buffer = manualBuffer();
    for (const learner of [kept, lost])
      await acceptProgressReport(
        as(learner),
        video,
        report({ clientTime: at(0), positionSeconds: 21, watchedSeconds: 21, activeSeconds: 2 }),
        buffer,
      );
    // Access ends between the check and the write: the database refuses that learner's rows.
    await t.db.asSystem((tx) =>
      tx
        .updateTable('enrollments')
        .set({ expiresAt: new Date(Date.now() - 1000) })
        .where('userId', '=', lost.id)
        .execute(),
    );
    await buffer.flush();
    expect(await row(kept.id, video)).toMatchObject({ videoPositionSeconds: 21 });
    expect(await row(lost.id, video)).toBeUndefined();
    await buffer.close();
  });

  it("lets the learner read their queued heartbeats: the course's progress writes them first", async () => {
    const course = await buildCourse(t.db, owner);
    const learner = await learnerIn(course, 'hb-read');
    const video = course.lessonIds[0]!;
    const buffer = manualBuffer();
    await acceptProgressReport(
      as(learner),
      video,
      report({ clientTime: at(0), positionSeconds: 77, watchedSeconds: 77, activeSeconds: 7 }),
      buffer,
    );
    const progress = await getCourseProgress(as(learner), course.id, buffer);
    expect(progress.lessons.find((l) => l.lessonId === video)).toMatchObject({
      positionSeconds: 77,
      timeSpentSeconds: 7,
    });
    expect(buffer.size).toBe(0);
    await buffer.close();
  });
});

// ---------------------------------------------------------------- the access memo

/** A caller whose one-round-trip reads are counted (a remembered heartbeat makes none). */
function counted(user: SessionUser) {
  const db = requestDbFor(t.db, user);
  const reads = { count: 0 };
  const read: RequestDb['read'] = (build) => {
    reads.count++;
    return db.read(build);
  };
  return { user, db: { run: db.run, read }, reads };
}

/** A buffer that never flushes on its own, whose access memo runs on a clock the test moves. */
function clockedBuffer(accessTtlMs = 2000) {
  const clock = { t: Date.now() };
  const buffer = createHeartbeatBuffer({ db: t.db, windowMs: 600_000, accessTtlMs, now: () => clock.t, log });
  return { buffer, clock };
}

const beat = (s: number, position: number, active = 10) =>
  report({ clientTime: at(s), positionSeconds: position, watchedSeconds: position, activeSeconds: active });

async function emailOf(user: SessionUser) {
  const profile = await t.db.asSystem((tx) =>
    tx.selectFrom('profiles').select('email').where('id', '=', user.id).executeTakeFirstOrThrow(),
  );
  return profile.email;
}

describe('heartbeat access memo', () => {
  it('reads access once per window: later heartbeats read nothing and answer the accumulated state', async () => {
    const course = await buildCourse(t.db, owner);
    const learner = await learnerIn(course, 'memo-once');
    const video = course.lessonIds[0]!;
    const { buffer, clock } = clockedBuffer();
    const caller = counted(learner);

    const first = await acceptProgressReport(caller, video, beat(0, 10), buffer);
    const second = await acceptProgressReport(caller, video, beat(10, 20), buffer);
    await buffer.flush(); // written meanwhile: the remembered row already holds what was accepted
    const third = await acceptProgressReport(caller, video, beat(20, 30), buffer);
    expect([first.queued, second.queued, third.queued]).toEqual([true, true, true]);
    expect(caller.reads.count).toBe(1);
    expect(third.state.lesson).toMatchObject({ positionSeconds: 30, timeSpentSeconds: 30 });
    // A repeated (older) report changes nothing, as in the database.
    const repeat = await acceptProgressReport(caller, video, beat(10, 20), buffer);
    expect(repeat.state.lesson).toMatchObject({ positionSeconds: 30, timeSpentSeconds: 30 });

    clock.t += 2000; // expired: the next heartbeat reads again, and the read agrees with the memory
    await buffer.flush();
    const fourth = await acceptProgressReport(caller, video, beat(30, 40), buffer);
    expect(caller.reads.count).toBe(2);
    expect(fourth.state.lesson).toMatchObject({ positionSeconds: 40, timeSpentSeconds: 40 });
    await buffer.close();
    expect(await row(learner.id, video)).toMatchObject({ videoPositionSeconds: 40, timeSpentSeconds: 40 });
    await expectCountersConsistent(learner.id, course.id);
  });

  it("never lets another learner, session or lesson in on someone's memory", async () => {
    const course = await buildCourse(t.db, owner);
    const learner = await learnerIn(course, 'memo-owner');
    const stranger = await makeUser(t.db, 'student', 'memo-stranger');
    const draft = await buildCourse(t.db, owner, { draft: true });
    const { buffer } = clockedBuffer();
    await acceptProgressReport(as(learner), course.lessonIds[0]!, beat(0, 10), buffer);

    await expect(
      acceptProgressReport(as(stranger), course.lessonIds[0]!, beat(0, 10), buffer),
    ).rejects.toMatchObject({ code: 'forbidden' });
    await expect(
      acceptProgressReport(as(learner), draft.lessonIds[0]!, beat(0, 10), buffer),
    ).rejects.toMatchObject({ code: 'not_found' });
    // Another sign-in session of the same learner pays its own read, where the session is checked
    // (28000: the API answers 401) — here one that does not exist.
    const otherSession = counted({ ...learner, sessionId: crypto.randomUUID() });
    await expect(
      acceptProgressReport(otherSession, course.lessonIds[0]!, beat(5, 15), buffer),
    ).rejects.toMatchObject({ code: '28000' });
    expect(otherSession.reads.count).toBe(1);
    expect(buffer.size).toBe(1);
    await buffer.close();
    expect(await row(stranger.id, course.lessonIds[0]!)).toBeUndefined();
  });

  it('a revoked grant is forgotten at once on this instance: 403 on the next heartbeat', async () => {
    const course = await buildCourse(t.db, owner);
    const learner = await makeUser(t.db, 'student', 'memo-granted');
    await grantAccess(as(owner), course.id, { email: await emailOf(learner) });
    const video = course.lessonIds[0]!;
    const { buffer } = clockedBuffer(600_000);
    expect((await acceptProgressReport(as(learner), video, beat(0, 10), buffer)).queued).toBe(true);

    expect(await revokeAccess(as(owner), course.id, await emailOf(learner), buffer)).toEqual({
      revoked: true,
    });
    await expect(acceptProgressReport(as(learner), video, beat(10, 20), buffer)).rejects.toMatchObject({
      code: 'forbidden',
    });
    // What was accepted before the revocation is not written after it.
    await buffer.close();
    expect(await row(learner.id, video)).toBeUndefined();
  });

  it('access ended elsewhere: heartbeats within the window are accepted but never written, the others are', async () => {
    const course = await buildCourse(t.db, owner);
    const ended = await learnerIn(course, 'memo-ended');
    const kept = await learnerIn(course, 'memo-kept');
    const video = course.lessonIds[0]!;
    const { buffer, clock } = clockedBuffer();
    for (const learner of [ended, kept]) await acceptProgressReport(as(learner), video, beat(0, 10), buffer);
    // A refund, an expiry, another instance's revocation: nothing this instance sees.
    await t.db.asSystem((tx) =>
      tx
        .updateTable('enrollments')
        .set({ expiresAt: new Date(Date.now() - 1000) })
        .where('userId', '=', ended.id)
        .execute(),
    );
    const within = await acceptProgressReport(as(ended), video, beat(10, 20), buffer);
    expect(within.queued).toBe(true);
    await acceptProgressReport(as(kept), video, beat(10, 20), buffer);

    await buffer.flush();
    expect(await row(ended.id, video)).toBeUndefined();
    expect(await row(kept.id, video)).toMatchObject({ videoPositionSeconds: 20, timeSpentSeconds: 20 });

    clock.t += 2000;
    await expect(acceptProgressReport(as(ended), video, beat(20, 30), buffer)).rejects.toMatchObject({
      code: 'forbidden',
    });
    await buffer.close();
    expect(await row(ended.id, video)).toBeUndefined();
    await expectCountersConsistent(kept.id, course.id);
  });

  it('an unpublished course or a deleted lesson: the flush skips it, and after the window it is refused', async () => {
    const course = await buildCourse(t.db, owner);
    const other = await buildCourse(t.db, owner);
    const learner = await learnerIn(course, 'memo-unpublished');
    await enrol(learner, other);
    const [video, article] = [course.lessonIds[0]!, other.lessonIds[1]!];
    const { buffer, clock } = clockedBuffer();
    await acceptProgressReport(as(learner), video, beat(0, 10), buffer);
    await acceptProgressReport(as(learner), article, beat(0, 0), buffer);
    await t.db.asSystem(async (tx) => {
      await tx.updateTable('courses').set({ status: 'draft' }).where('id', '=', course.id).execute();
      await tx
        .updateTable('courseLessons')
        .set({ deletedAt: new Date() })
        .where('id', '=', article)
        .execute();
    });
    // Remembered: still accepted within the window…
    expect((await acceptProgressReport(as(learner), video, beat(10, 20), buffer)).queued).toBe(true);
    expect((await acceptProgressReport(as(learner), article, beat(10, 0), buffer)).queued).toBe(true);
    // …but never written: the flush writes as the learner and skips what they may no longer write.
    await buffer.flush();
    expect(await row(learner.id, video)).toBeUndefined();
    expect(await row(learner.id, article)).toBeUndefined();

    clock.t += 2000;
    await expect(acceptProgressReport(as(learner), video, beat(20, 30), buffer)).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(acceptProgressReport(as(learner), article, beat(20, 0), buffer)).rejects.toMatchObject({
      code: 'not_found',
    });
    await buffer.close();
  });

  it('a completion is written before answering even when remembered, and forgets the memory', async () => {
    const course = await buildCourse(t.db, owner);
    const learner = await learnerIn(course, 'memo-complete');
    const video = course.lessonIds[0]!; // 150 s: complete at 135 s watched
    const { buffer } = clockedBuffer(600_000);
    const caller = counted(learner);
    await acceptProgressReport(caller, video, beat(0, 100), buffer);
    const done = await acceptProgressReport(caller, video, beat(10, 140), buffer);
    expect(done.queued).toBe(false);
    expect(done.state.lesson.status).toBe('completed');
    expect(await row(learner.id, video)).toMatchObject({ status: 'completed', videoPositionSeconds: 140 });
    const after = await acceptProgressReport(caller, video, beat(20, 50), buffer);
    expect(after.queued).toBe(true);
    expect(after.state.lesson).toMatchObject({ status: 'completed', positionSeconds: 50 });
    expect(caller.reads.count).toBe(2);
    await buffer.close();
    await expectCountersConsistent(learner.id, course.id);
  });
});

// ---------------------------------------------------------------- property: queued vs written at once

describe('heartbeat coalescing (property)', () => {
  it('interleaved queued heartbeats, flushes and immediate completions end exactly as every report written at once', async () => {
    for (let run = 0; run < 4; run++) {
      const seed = 3000 + run;
      const rnd = seededRandom(seed);
      const int = (n: number) => Math.floor(rnd() * n);
      const course = await buildCourse(t.db, owner);
      const queued = await learnerIn(course, `hb-prop-q${run}`);
      const direct = await learnerIn(course, `hb-prop-d${run}`);
      const buffer = manualBuffer();

      // Per lesson a few reports in client order (watched only grows), delivered shuffled with
      // repeats; the video (150 s) completes at 135 s watched, articles when marked done.
      const deliveries: { lessonId: string; input: ProgressReportInput }[] = [];
      for (const [index, lessonId] of course.lessonIds.entries()) {
        let watched = 0;
        for (let i = 0, n = 2 + int(5); i < n; i++) {
          watched = index === 0 ? Math.min(150, watched + int(40)) : 0;
          deliveries.push({
            lessonId,
            input: {
              clientTime: at(i * 5 + int(4)),
              positionSeconds: index === 0 ? int(150) : 0,
              watchedSeconds: watched,
              activeSeconds: int(8),
              completed: index > 0 && int(5) === 0,
            },
          });
        }
      }
      for (let i = 0, extra = int(4); i < extra; i++) deliveries.push(deliveries[int(deliveries.length)]!);
      for (let i = deliveries.length - 1; i > 0; i--) {
        const j = int(i + 1);
        [deliveries[i], deliveries[j]] = [deliveries[j]!, deliveries[i]!];
      }

      let queuedCount = 0;
      for (const d of deliveries) {
        const answer = await acceptProgressReport(as(queued), d.lessonId, report(d.input), buffer);
        if (answer.queued) queuedCount++;
        await reportProgress(as(direct), d.lessonId, report(d.input));
        if (int(4) === 0) await buffer.flush();
      }
      await buffer.flush();
      expect(queuedCount, `seed ${seed}`).toBeGreaterThan(0);
      for (const lessonId of course.lessonIds) {
        expect(await row(queued.id, lessonId), `seed ${seed}, lesson ${lessonId}`).toEqual(
          await row(direct.id, lessonId),
        );
      }
      await expectCountersConsistent(queued.id, course.id);
      await buffer.close();
    }
  });
});
