import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../../tests/helpers/seeded-random.ts';
import { createTestDatabase, type TestDatabase } from '../../../tests/helpers/test-db.ts';
import type { SessionUser } from '../../db/session.ts';
import { requestDbFor } from '../../platform/auth.ts';
import { createAccount } from '../../seed/accounts.ts';
import { buildCourse, makeUser, uniqueSuffix, type BuiltCourse } from '../courses/courses.fixtures.ts';
import { callerFor, enrolFree, enrolWithSubscription } from '../courses/courses.service.ts';
import {
  getCourseProgress,
  getDashboard,
  getLessonNotes,
  getMyLearning,
  grantAccess,
  listGrants,
  reportProgress,
  revokeAccess,
  saveLessonNotes,
  countResourceDownload,
} from './learning.service.ts';
import type { ProgressReportInput } from '../../../contracts/learning.ts';
import { progressReportSchema } from '../../../contracts/learning.ts';

let t: TestDatabase;
let owner: SessionUser;

beforeAll(async () => {
  t = await createTestDatabase();
  owner = await makeUser(t.db, 'instructor', 'owner');
});
afterAll(async () => {
  await t?.close();
});

const as = (user: SessionUser) => ({ user, db: requestDbFor(t.db, user) });

/** The learner's own free enrolment, dated an hour back (as the system) so reported time has room. */
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

function report(input: ProgressReportInput) {
  return progressReportSchema.parse(input);
}

async function setTimezone(user: SessionUser, timezone: string) {
  await t.db.asSystem((tx) =>
    tx.updateTable('profiles').set({ timezone }).where('id', '=', user.id).execute(),
  );
}

async function expireEnrollment(user: SessionUser, courseId: string) {
  await t.db.asSystem((tx) =>
    tx
      .updateTable('enrollments')
      .set({ expiresAt: new Date(Date.now() - 60_000) })
      .where('userId', '=', user.id)
      .where('courseId', '=', courseId)
      .execute(),
  );
}

/** Counters of a learner recomputed from scratch (lesson_progress rows), beside the kept ones. */
async function countersOf(userId: string, courseId: string) {
  return t.db.asSystem(async (tx) => {
    const { rows } = await sql<{
      seconds: number;
      completed: number;
      videos: number;
      total: number;
      profileSeconds: number;
      analyticsSeconds: number;
      analyticsLessons: number;
      analyticsVideos: number;
      completedLessons: number;
      progressPercentage: number;
      totalTimeSpentMinutes: number;
      isCompleted: boolean;
    }>`
      select (select coalesce(sum(time_spent_seconds), 0)::int from lesson_progress where user_id = ${userId}) as seconds,
             (select count(*)::int from lesson_progress where user_id = ${userId} and status = 'completed') as completed,
             (select count(*)::int from lesson_progress where user_id = ${userId} and video_completed) as videos,
             (select lesson_count from courses where id = ${courseId}) as total,
             (select total_learning_minutes * 60 + learning_seconds_remainder from profiles where id = ${userId}) as profile_seconds,
             (select coalesce(sum(seconds_learned), 0)::int from learning_analytics where user_id = ${userId}) as analytics_seconds,
             (select coalesce(sum(lessons_completed), 0)::int from learning_analytics where user_id = ${userId}) as analytics_lessons,
             (select coalesce(sum(videos_watched), 0)::int from learning_analytics where user_id = ${userId}) as analytics_videos,
             e.completed_lessons, e.progress_percentage, e.total_time_spent_minutes, e.is_completed
        from enrollments e where e.user_id = ${userId} and e.course_id = ${courseId}`.execute(tx);
    return rows[0]!;
  });
}

function expectCountersConsistent(c: Awaited<ReturnType<typeof countersOf>>) {
  expect(c.profileSeconds).toBe(c.seconds);
  expect(c.analyticsSeconds).toBe(c.seconds);
  expect(c.analyticsLessons).toBe(c.completed);
  expect(c.analyticsVideos).toBe(c.videos);
  expect(c.completedLessons).toBe(c.completed);
  expect(c.progressPercentage).toBe(Math.floor((100 * c.completed) / c.total));
  expect(c.totalTimeSpentMinutes).toBe(Math.floor(c.seconds / 60));
  expect(c.isCompleted).toBe(c.completed === c.total);
}

// ---------------------------------------------------------------- property test

interface PlannedReport {
  lessonId: string;
  clientTime: number;
  positionSeconds: number;
  watchedSeconds: number;
  activeSeconds: number;
  completed: boolean;
}

/**
 * Per lesson, a few reports in client order; then duplicates, and a random delivery order. The
 * video (lesson 0) lasts 150 s, so it completes once 135 s were watched.
 */
function planReports(rnd: () => number, course: BuiltCourse) {
  const int = (n: number) => Math.floor(rnd() * n);
  const base = Date.now() - 120_000;
  const reports: PlannedReport[] = [];
  for (const [index, lessonId] of course.lessonIds.entries()) {
    let watched = 0;
    const count = 1 + int(5);
    for (let i = 0; i < count; i++) {
      watched = Math.min(150, watched + int(60));
      reports.push({
        lessonId,
        clientTime: base + i * 10_000 + int(5_000),
        positionSeconds: int(150),
        watchedSeconds: index === 0 ? watched : 0,
        activeSeconds: int(31),
        completed: index > 0 && int(4) === 0,
      });
    }
  }
  const deliveries = [...reports];
  for (let i = 0, extra = int(reports.length + 1); i < extra; i++)
    deliveries.push(reports[int(reports.length)]!);
  for (let i = deliveries.length - 1; i > 0; i--) {
    const j = int(i + 1);
    [deliveries[i], deliveries[j]] = [deliveries[j]!, deliveries[i]!];
  }
  return { reports, deliveries };
}

async function send(learner: SessionUser, r: PlannedReport) {
  return reportProgress(
    as(learner),
    r.lessonId,
    report({
      clientTime: new Date(r.clientTime).toISOString(),
      positionSeconds: r.positionSeconds,
      watchedSeconds: r.watchedSeconds,
      activeSeconds: r.activeSeconds,
      completed: r.completed,
    }),
  );
}

describe('progress reports (property)', () => {
  it('duplicated and reordered reports, one at a time: exact position, time and completion, never backwards', async () => {
    for (let run = 0; run < 8; run++) {
      const seed = 1000 + run;
      const rnd = seededRandom(seed);
      const learner = await makeUser(t.db, 'student', `prop${run}`);
      const course = await buildCourse(t.db, owner);
      await enrol(learner, course);
      const { reports, deliveries } = planReports(rnd, course);

      // The model: a report applies position and time only when newer than every applied one.
      const newest = new Map<string, number>();
      const time = new Map<string, number>();
      const position = new Map<string, number>();
      const done = new Set<string>();
      for (const r of deliveries) {
        const state = await send(learner, r);
        const isNewer = r.clientTime > (newest.get(r.lessonId) ?? -Infinity);
        if (isNewer) {
          newest.set(r.lessonId, r.clientTime);
          time.set(r.lessonId, (time.get(r.lessonId) ?? 0) + r.activeSeconds);
          position.set(r.lessonId, r.positionSeconds);
        }
        if (r.completed || r.watchedSeconds >= 135) done.add(r.lessonId);
        const context = `seed ${seed}, lesson ${course.lessonIds.indexOf(r.lessonId)}`;
        expect(state.lesson.positionSeconds, context).toBe(position.get(r.lessonId));
        expect(state.lesson.timeSpentSeconds, context).toBe(time.get(r.lessonId));
        expect(state.lesson.status === 'completed', context).toBe(done.has(r.lessonId));
        expect(state.enrollment.completedLessons, context).toBe(done.size);
      }
      // Every distinct report was delivered, so the newest one of each lesson set its position.
      for (const lessonId of course.lessonIds) {
        const last = reports.filter((r) => r.lessonId === lessonId).at(-1)!;
        const applied = reports.filter(
          (r) => r.lessonId === lessonId && r.clientTime <= newest.get(lessonId)!,
        );
        expect(position.get(lessonId)).toBe(last.positionSeconds);
        expect(time.get(lessonId)).toBeLessThanOrEqual(applied.reduce((sum, r) => sum + r.activeSeconds, 0));
      }
      expectCountersConsistent(await countersOf(learner.id, course.id));
    }
  });

  it('concurrent reports never lower completion, never count a report twice, and keep counters exact', async () => {
    for (let run = 0; run < 5; run++) {
      const seed = 2000 + run;
      const rnd = seededRandom(seed);
      const learner = await makeUser(t.db, 'student', `conc${run}`);
      const course = await buildCourse(t.db, owner);
      await enrol(learner, course);
      const { reports, deliveries } = planReports(rnd, course);
      let completedSeen = 0;
      for (let i = 0; i < deliveries.length; i += 4) {
        const batch = deliveries.slice(i, i + 4);
        const states = await Promise.all(batch.map((r) => send(learner, r)));
        for (const state of states) {
          // Completion counts only ever grow between batches (within one, answers may interleave).
          expect(state.enrollment.completedLessons, `seed ${seed}`).toBeGreaterThanOrEqual(completedSeen);
        }
        completedSeen = Math.max(...states.map((s) => s.enrollment.completedLessons));
      }
      const progress = await getCourseProgress(as(learner), course.id);
      for (const lessonId of course.lessonIds) {
        const own = reports.filter((r) => r.lessonId === lessonId);
        const row = progress.lessons.find((l) => l.lessonId === lessonId)!;
        const distinctSeconds = own.reduce((sum, r) => sum + r.activeSeconds, 0);
        expect(row.timeSpentSeconds, `seed ${seed}`).toBeLessThanOrEqual(distinctSeconds);
        expect(row.timeSpentSeconds, `seed ${seed}`).toBeGreaterThanOrEqual(own.at(-1)!.activeSeconds);
        expect(row.positionSeconds, `seed ${seed}`).toBe(own.at(-1)!.positionSeconds);
        const shouldBeDone = own.some((r) => r.completed || r.watchedSeconds >= 135);
        expect(row.status === 'completed', `seed ${seed}`).toBe(shouldBeDone);
      }
      const counters = await countersOf(learner.id, course.id);
      expectCountersConsistent(counters);
      // Recomputing the enrolment from scratch changes nothing.
      const before = await countersOf(learner.id, course.id);
      // As the database owner: the function is for triggers only.
      await sql`select private.refresh_enrollment_progress(id) from enrollments where user_id = ${learner.id}`.execute(
        t.handle.kysely,
      );
      expect(await countersOf(learner.id, course.id)).toEqual(before);
    }
  });
});

// ---------------------------------------------------------------- reports, one by one

describe('progress reports', () => {
  it('completes a video at 90 % watched and an article when marked done; time keeps its seconds', async () => {
    const learner = await makeUser(t.db, 'student', 'vid');
    const course = await buildCourse(t.db, owner);
    await enrol(learner, course);
    const [video, article] = course.lessonIds;
    const at = (s: number) => new Date(Date.now() - 60_000 + s * 1000).toISOString();

    // The completed flag does not complete a video; watching 134 of 150 seconds does not either.
    let state = await reportProgress(
      as(learner),
      video!,
      report({
        clientTime: at(0),
        watchedSeconds: 134,
        positionSeconds: 134,
        activeSeconds: 25,
        completed: true,
      }),
    );
    expect(state.lesson).toMatchObject({
      status: 'in_progress',
      videoCompleted: false,
      timeSpentSeconds: 25,
    });
    state = await reportProgress(
      as(learner),
      video!,
      report({ clientTime: at(1), watchedSeconds: 135, positionSeconds: 135, activeSeconds: 20 }),
    );
    expect(state.lesson).toMatchObject({ status: 'completed', videoCompleted: true, timeSpentSeconds: 45 });
    state = await reportProgress(
      as(learner),
      article!,
      report({ clientTime: at(2), activeSeconds: 30, completed: true }),
    );
    expect(state.lesson.status).toBe('completed');
    expect(state.enrollment).toMatchObject({ completedLessons: 2, totalLessons: 3, progressPercentage: 66 });

    // 75 seconds in all: one minute on the profile, the 15 s remainder kept, not lost.
    const counters = await countersOf(learner.id, course.id);
    expect(counters.seconds).toBe(75);
    expectCountersConsistent(counters);
    const profile = await t.db.asSystem((tx) =>
      tx
        .selectFrom('profiles')
        .select(['totalLearningMinutes', 'learningSecondsRemainder'])
        .where('id', '=', learner.id)
        .executeTakeFirstOrThrow(),
    );
    expect(profile).toEqual({ totalLearningMinutes: 1, learningSecondsRemainder: 15 });
  });

  it('caps reported time by the wall clock: no more than the time since the last write plus a minute', async () => {
    const learner = await makeUser(t.db, 'student', 'cap');
    const course = await buildCourse(t.db, owner);
    await enrol(learner, course);
    const lesson = course.lessonIds[1]!;
    const first = await reportProgress(
      as(learner),
      lesson,
      report({ clientTime: new Date(Date.now() - 2000).toISOString(), activeSeconds: 10 }),
    );
    expect(first.lesson.timeSpentSeconds).toBe(10);
    const second = await reportProgress(
      as(learner),
      lesson,
      report({ clientTime: new Date().toISOString(), activeSeconds: 86_400 }),
    );
    expect(second.lesson.timeSpentSeconds).toBeGreaterThanOrEqual(70);
    expect(second.lesson.timeSpentSeconds).toBeLessThan(10 + 60 + 30);
  });

  it('a client clock far ahead is clamped, so it cannot freeze the row for later reports', async () => {
    const learner = await makeUser(t.db, 'student', 'clock');
    const course = await buildCourse(t.db, owner);
    await enrol(learner, course);
    const lesson = course.lessonIds[1]!;
    const ahead = await reportProgress(
      as(learner),
      lesson,
      report({ clientTime: new Date(Date.now() + 86_400_000).toISOString(), activeSeconds: 5 }),
    );
    expect(new Date(ahead.lesson.lastReportAt!).getTime()).toBeLessThan(Date.now() + 6 * 60_000);
  });
});

// ---------------------------------------------------------------- access

describe('access', () => {
  it('an expired enrolment loses lesson content and cannot report progress or write notes, but keeps its own notes', async () => {
    const learner = await makeUser(t.db, 'student', 'exp');
    const course = await buildCourse(t.db, owner);
    await enrol(learner, course);
    const lesson = course.lessonIds[1]!; // not a preview
    await saveLessonNotes(as(learner), lesson, 'remember this');
    const content = () =>
      t.db.asUser(
        learner,
        async (tx) =>
          (await sql<{ id: string }>`select id from private.lesson_content(${[lesson]}::uuid[])`.execute(tx))
            .rows,
      );
    expect(await content()).toHaveLength(1);

    await expireEnrollment(learner, course.id);
    expect(await content()).toEqual([]);
    await expect(
      reportProgress(as(learner), lesson, report({ clientTime: new Date().toISOString() })),
    ).rejects.toMatchObject({ code: 'forbidden' });
    await expect(saveLessonNotes(as(learner), lesson, 'more')).rejects.toMatchObject({ code: 'forbidden' });
    expect((await getLessonNotes(as(learner), lesson)).notes).toBe('remember this');
    expect((await getCourseProgress(as(learner), course.id)).access).toBe('expired');
    expect((await getMyLearning(as(learner), { limit: 20 })).items[0]).toMatchObject({ access: 'expired' });
    // Even a direct write under RLS is refused.
    await expect(
      t.db.asUser(learner, (tx) =>
        tx
          .updateTable('lessonProgress')
          .set({ videoPositionSeconds: 9 })
          .where('lessonId', '=', lesson)
          .execute(),
      ),
    ).rejects.toThrow(/row-level security/);
  });

  it('a subscription enrolment stops when the plan lapses', async () => {
    const subscriber = await makeUser(t.db, 'student', 'sub', {
      subscription: { tier: 'premium', expiresAt: null },
    });
    const course = await buildCourse(t.db, owner, { course: { accessType: 'subscription', priceCents: 0 } });
    await enrolWithSubscription(callerFor(t.db, subscriber), course.id);
    const lesson = course.lessonIds[1]!;
    await reportProgress(as(subscriber), lesson, report({ clientTime: new Date().toISOString() }));
    await t.db.asSystem((tx) =>
      tx
        .updateTable('profiles')
        .set({ subscriptionStatus: 'cancelled', subscriptionExpiresAt: new Date(Date.now() - 1000) })
        .where('id', '=', subscriber.id)
        .execute(),
    );
    await expect(
      reportProgress(as(subscriber), lesson, report({ clientTime: new Date().toISOString() })),
    ).rejects.toMatchObject({ code: 'forbidden' });
  });

  it("a learner cannot write another learner's progress or notes through any route", async () => {
    const anna = await makeUser(t.db, 'student', 'anna');
    const bruno = await makeUser(t.db, 'student', 'bruno');
    const course = await buildCourse(t.db, owner);
    await enrol(anna, course);
    const lesson = course.lessonIds[1]!;
    await reportProgress(
      as(anna),
      lesson,
      report({ clientTime: new Date().toISOString(), positionSeconds: 0, activeSeconds: 3 }),
    );
    await saveLessonNotes(as(anna), lesson, "anna's notes");

    // Bruno is not enrolled: the routes refuse; his own notes are empty; Anna's row is untouched.
    await expect(
      reportProgress(as(bruno), lesson, report({ clientTime: new Date().toISOString(), completed: true })),
    ).rejects.toMatchObject({ code: 'forbidden' });
    await expect(saveLessonNotes(as(bruno), lesson, 'overwrite')).rejects.toMatchObject({
      code: 'forbidden',
    });
    expect((await getLessonNotes(as(bruno), lesson)).notes).toBe('');
    // Enrolled too, Bruno's writes land on his own row only.
    await enrol(bruno, course);
    await reportProgress(
      as(bruno),
      lesson,
      report({ clientTime: new Date().toISOString(), completed: true }),
    );
    await saveLessonNotes(as(bruno), lesson, "bruno's notes");
    // Direct SQL cannot reach Anna's row either (RLS shows Bruno only his own).
    const updated = await t.db.asUser(bruno, (tx) =>
      tx
        .updateTable('lessonProgress')
        .set({ userNotes: 'forged', status: 'completed' })
        .where('userId', '=', anna.id)
        .executeTakeFirst(),
    );
    expect(updated.numUpdatedRows).toBe(0n);
    expect(await getLessonNotes(as(anna), lesson)).toMatchObject({ notes: "anna's notes" });
    expect((await getCourseProgress(as(anna), course.id)).lessons[0]).toMatchObject({
      status: 'in_progress',
      timeSpentSeconds: 3,
    });
    // The owner reads learners' progress (access.md) but cannot write it.
    const ownerWrite = await t.db.asUser(owner, (tx) =>
      tx
        .updateTable('lessonProgress')
        .set({ userNotes: 'owner' })
        .where('userId', '=', anna.id)
        .executeTakeFirst(),
    );
    expect(ownerWrite.numUpdatedRows).toBe(0n);
  });

  it('notes autosave is idempotent: the same text keeps its updatedAt', async () => {
    const learner = await makeUser(t.db, 'student', 'notes');
    const course = await buildCourse(t.db, owner);
    await enrol(learner, course);
    const lesson = course.lessonIds[2]!;
    const first = await saveLessonNotes(as(learner), lesson, 'draft');
    const again = await saveLessonNotes(as(learner), lesson, 'draft');
    expect(again.updatedAt).toBe(first.updatedAt);
    const changed = await saveLessonNotes(as(learner), lesson, 'draft, longer');
    expect(changed.notes).toBe('draft, longer');
    expect(changed.updatedAt! >= first.updatedAt!).toBe(true);
    // A progress report does not touch the notes.
    await reportProgress(
      as(learner),
      lesson,
      report({ clientTime: new Date().toISOString(), activeSeconds: 2 }),
    );
    expect(await getLessonNotes(as(learner), lesson)).toEqual(changed);
  });
});

// ---------------------------------------------------------------- grants

describe('grants by email', () => {
  it('work until their date, wait for an address without an account, and revoke cleanly', async () => {
    const course = await buildCourse(t.db, owner, { course: { accessType: 'paid', priceCents: 4900 } });
    const learner = await makeUser(t.db, 'student', 'granted');
    const email = (
      await t.db.asSystem((tx) =>
        tx.selectFrom('profiles').select('email').where('id', '=', learner.id).executeTakeFirstOrThrow(),
      )
    ).email;
    const until = new Date(Date.now() + 86_400_000);
    const lesson = course.lessonIds[1]!;

    const known = await grantAccess(as(owner), course.id, {
      email: email.toUpperCase(),
      expiresAt: until.toISOString(),
    });
    const unknownEmail = `newcomer-${uniqueSuffix()}@example.test`;
    const unknown = await grantAccess(as(owner), course.id, { email: unknownEmail });
    // Same shape whether or not an account exists.
    expect(Object.keys(known).sort()).toEqual(Object.keys(unknown).sort());
    expect(known).toMatchObject({ email, expiresAt: until.toISOString(), revokedAt: null });

    await reportProgress(as(learner), lesson, report({ clientTime: new Date().toISOString() }));
    const [item] = (await getMyLearning(as(learner), { limit: 20 })).items;
    expect(item).toMatchObject({
      accessType: 'free_grant',
      access: 'active',
      expiresAt: until.toISOString(),
    });

    // The date passes: access ends.
    await expireEnrollment(learner, course.id);
    await expect(
      reportProgress(as(learner), lesson, report({ clientTime: new Date().toISOString() })),
    ).rejects.toMatchObject({ code: 'forbidden' });

    // The newcomer signs up (confirmed): the waiting grant applies.
    const newcomer = await createAccount(t.db, {
      email: unknownEmail,
      password: `pw-${uniqueSuffix()}`,
      fullName: 'New Comer',
      role: 'student',
    });
    await reportProgress(as(newcomer), lesson, report({ clientTime: new Date().toISOString() }));

    // Revoking ends the access the grant created.
    expect(await revokeAccess(as(owner), course.id, unknownEmail)).toEqual({ revoked: true });
    expect(await revokeAccess(as(owner), course.id, unknownEmail)).toEqual({ revoked: false });
    await expect(
      reportProgress(as(newcomer), lesson, report({ clientTime: new Date().toISOString() })),
    ).rejects.toMatchObject({ code: 'forbidden' });
    const grants = await listGrants(as(owner), course.id);
    expect(grants.items.map((g) => g.email).sort()).toEqual([email, unknownEmail].sort());
  });

  it('revoking a grant keeps access the learner had anyway', async () => {
    const course = await buildCourse(t.db, owner);
    const learner = await makeUser(t.db, 'student', 'selfenrolled');
    await enrol(learner, course);
    const email = (
      await t.db.asSystem((tx) =>
        tx.selectFrom('profiles').select('email').where('id', '=', learner.id).executeTakeFirstOrThrow(),
      )
    ).email;
    await grantAccess(as(owner), course.id, {
      email,
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    // A grant never shortens access: the free enrolment had no end and still has none.
    expect((await getMyLearning(as(learner), { limit: 20 })).items[0]).toMatchObject({ expiresAt: null });
    await revokeAccess(as(owner), course.id, email);
    expect((await getMyLearning(as(learner), { limit: 20 })).items[0]).toMatchObject({
      expiresAt: null,
      access: 'active',
    });
  });

  it('only owners and admins grant; others get not_found and learn nothing', async () => {
    const course = await buildCourse(t.db, owner);
    const stranger = await makeUser(t.db, 'instructor', 'stranger');
    const admin = await makeUser(t.db, 'admin', 'admin');
    await grantAccess(as(owner), course.id, { email: `someone-${uniqueSuffix()}@example.test` });
    await expect(grantAccess(as(stranger), course.id, { email: 'x@example.test' })).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(listGrants(as(stranger), course.id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(revokeAccess(as(stranger), course.id, 'x@example.test')).rejects.toMatchObject({
      code: 'not_found',
    });
    // Directly, the listing function shows nothing to a stranger.
    const direct = await t.db.asUser(
      stranger,
      async (tx) =>
        (await sql`select * from private.list_course_access_grants(${course.id}::uuid)`.execute(tx)).rows,
    );
    expect(direct).toEqual([]);
    expect((await listGrants(as(admin), course.id)).items).toHaveLength(1);
    await expect(
      grantAccess(as(owner), course.id, {
        email: 'x@example.test',
        expiresAt: new Date(Date.now() - 1000).toISOString(),
      }),
    ).rejects.toMatchObject({ code: 'validation_failed' });
  });
});

// ---------------------------------------------------------------- My learning

describe('My learning', () => {
  it('lists enrolments most recently studied first, with last lesson and where Continue opens', async () => {
    const learner = await makeUser(t.db, 'student', 'mine');
    const first = await buildCourse(t.db, owner);
    const second = await buildCourse(t.db, owner);
    await enrol(learner, first);
    await enrol(learner, second);
    const [video, article1, article2] = first.lessonIds;

    // Untouched course: Continue opens the first lesson.
    let page = await getMyLearning(as(learner), { limit: 20 });
    expect(page.items.map((i) => i.course.id).sort()).toEqual([first.id, second.id].sort());
    expect(page.items.find((i) => i.course.id === second.id)!.continueLesson?.id).toBe(second.lessonIds[0]);

    await reportProgress(
      as(learner),
      article2!,
      report({ clientTime: new Date(Date.now() - 3000).toISOString(), completed: true }),
    );
    await reportProgress(
      as(learner),
      article1!,
      report({ clientTime: new Date(Date.now() - 2000).toISOString() }),
    );
    page = await getMyLearning(as(learner), { limit: 20 });
    expect(page.items[0]!.course.id).toBe(first.id);
    // The last lesson is not completed: Continue opens it.
    expect(page.items[0]).toMatchObject({ lastLesson: { id: article1 }, continueLesson: { id: article1 } });

    await reportProgress(
      as(learner),
      article1!,
      report({ clientTime: new Date().toISOString(), completed: true }),
    );
    page = await getMyLearning(as(learner), { limit: 20 });
    // Completed: Continue opens the first incomplete lesson (the video).
    expect(page.items[0]).toMatchObject({ lastLesson: { id: article1 }, continueLesson: { id: video } });
    expect(page.items[0]!.progress).toMatchObject({ completedLessons: 2, progressPercentage: 66 });
    expect(page.items[0]!.course.instructorName).toBeTruthy();

    const progress = await getCourseProgress(as(learner), first.id);
    expect(progress).toMatchObject({ access: 'active', continueLessonId: video });
    expect(progress.lessons.map((l) => l.lessonId)).toEqual([article1, article2]);

    // Keyset pagination: one per page, no duplicates, no gaps.
    const one = await getMyLearning(as(learner), { limit: 1 });
    const two = await getMyLearning(as(learner), { limit: 1, cursor: one.nextCursor! });
    expect([...one.items, ...two.items].map((i) => i.course.id)).toEqual(page.items.map((i) => i.course.id));
    expect(two.nextCursor).toBeNull();
  });
});

// ---------------------------------------------------------------- analytics, streaks, time zones

/** Records learning at a given instant, as the database owner (the function is for triggers only). */
async function recordAt(user: SessionUser, at: string, seconds: number) {
  await sql`select private.record_learning(${user.id}::uuid, ${at}::timestamptz, ${seconds}, 0, 0, 0, 0)`.execute(
    t.handle.kysely,
  );
}

async function daysOf(user: SessionUser) {
  return t.db.asSystem((tx) =>
    tx
      .selectFrom('learningAnalytics')
      .select(['date', 'secondsLearned', 'minutesLearned'])
      .where('userId', '=', user.id)
      .orderBy('date')
      .execute(),
  );
}

async function streaksOf(user: SessionUser) {
  return t.db.asSystem((tx) =>
    tx
      .selectFrom('profiles')
      .select(['currentStreakDays', 'longestStreakDays'])
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow(),
  );
}

describe('daily analytics and streaks in the learner’s time zone', () => {
  it('Pacific/Auckland across the end of daylight saving time (5 April 2026, +13 → +12)', async () => {
    const kiwi = await makeUser(t.db, 'student', 'kiwi');
    await setTimezone(kiwi, 'Pacific/Auckland');
    await recordAt(kiwi, '2026-04-04T10:30:00Z', 90); // Sat 23:30 NZDT → 4 April
    await recordAt(kiwi, '2026-04-04T11:30:00Z', 30); // Sun 00:30 NZDT → 5 April
    await recordAt(kiwi, '2026-04-05T11:30:00Z', 40); // Sun 23:30 NZST → still 5 April (at +13 it would be the 6th)
    await recordAt(kiwi, '2026-04-05T12:30:00Z', 60); // Mon 00:30 NZST → 6 April
    expect(await daysOf(kiwi)).toEqual([
      { date: '2026-04-04', secondsLearned: 90, minutesLearned: 1 },
      { date: '2026-04-05', secondsLearned: 70, minutesLearned: 1 }, // 30 + 40 s: the remainders add up to a minute
      { date: '2026-04-06', secondsLearned: 60, minutesLearned: 1 },
    ]);
    expect(await streaksOf(kiwi)).toEqual({ currentStreakDays: 3, longestStreakDays: 3 });

    const dashboard = (now: string) => getDashboard(as(kiwi), { days: 7 }, new Date(now));
    // Tue 7 April 11:00 NZST: yesterday counted, the streak is alive.
    let view = await dashboard('2026-04-06T23:00:00Z');
    expect(view).toMatchObject({
      today: '2026-04-07',
      streak: { current: 3, longest: 3, learnedToday: false },
    });
    expect(view.activity.map((d) => d.minutes)).toEqual([0, 0, 0, 1, 1, 1, 0]);
    expect(view.week[0]).toMatchObject({ date: '2026-04-06', minutes: 1, goalMet: false });
    // Wed 8 April 00:30 NZST: a whole local day (the 7th) passed without learning — broken.
    view = await dashboard('2026-04-07T12:30:00Z');
    expect(view.streak).toMatchObject({ current: 0, longest: 3, lastLearningDay: '2026-04-06' });
  });

  it('America/Los_Angeles across the start of daylight saving time (8 March 2026, −8 → −7)', async () => {
    const angeleno = await makeUser(t.db, 'student', 'la');
    await setTimezone(angeleno, 'America/Los_Angeles');
    await recordAt(angeleno, '2026-03-08T07:30:00Z', 60); // Sat 23:30 PST → 7 March
    await recordAt(angeleno, '2026-03-08T08:30:00Z', 60); // Sun 00:30 PST → 8 March
    await recordAt(angeleno, '2026-03-09T07:30:00Z', 60); // Mon 00:30 PDT → 9 March (at −8 it would be the 8th)
    await recordAt(angeleno, '2026-03-11T07:30:00Z', 59); // 11 March, 59 s: not a learning day
    expect((await daysOf(angeleno)).map((d) => d.date)).toEqual([
      '2026-03-07',
      '2026-03-08',
      '2026-03-09',
      '2026-03-11',
    ]);
    expect(await streaksOf(angeleno)).toEqual({ currentStreakDays: 3, longestStreakDays: 3 });

    // 9 March 23:59 PDT is still the 9th: learned today.
    let view = await getDashboard(as(angeleno), { days: 3 }, new Date('2026-03-10T06:59:00Z'));
    expect(view).toMatchObject({ today: '2026-03-09', streak: { current: 3, learnedToday: true } });
    // 11 March: the 10th passed without a minute; the 59 s on the 11th do not count.
    view = await getDashboard(as(angeleno), { days: 3 }, new Date('2026-03-11T20:00:00Z'));
    expect(view.streak).toMatchObject({ current: 0, longest: 3 });
    expect(view.activity).toEqual([
      expect.objectContaining({ date: '2026-03-09', minutes: 1 }),
      expect.objectContaining({ date: '2026-03-10', minutes: 0 }),
      expect.objectContaining({ date: '2026-03-11', minutes: 0 }),
    ]);

    // One more second makes the 11th a learning day: a new run of 1, the longest stays 3.
    await recordAt(angeleno, '2026-03-11T21:00:00Z', 1);
    expect(await streaksOf(angeleno)).toEqual({ currentStreakDays: 1, longestStreakDays: 3 });
    // A run longer than the old one replaces the longest.
    for (const day of ['12', '13', '14']) await recordAt(angeleno, `2026-03-${day}T20:00:00Z`, 120);
    expect(await streaksOf(angeleno)).toEqual({ currentStreakDays: 4, longestStreakDays: 4 });
  });

  it('progress writes, sign-ins and downloads land on the learner’s own day, once each', async () => {
    const learner = await makeUser(t.db, 'student', 'daily');
    await setTimezone(learner, 'Pacific/Auckland');
    const course = await buildCourse(t.db, owner);
    await enrol(learner, course);
    const state = report({ clientTime: new Date().toISOString(), activeSeconds: 61, completed: true });
    await reportProgress(as(learner), course.lessonIds[1]!, state);
    await reportProgress(as(learner), course.lessonIds[1]!, state); // a retry: nothing more
    expect(await countResourceDownload(as(learner), course.lessonIds[2]!)).toEqual({ counted: true });
    const stranger = await makeUser(t.db, 'student', 'nodl');
    expect(await countResourceDownload(as(stranger), course.lessonIds[2]!)).toEqual({ counted: false });
    await t.db.asSystem((tx) =>
      tx.insertInto('activityLogs').values({ userId: learner.id, action: 'auth.sign_in' }).execute(),
    );
    const today = await t.db.asSystem(
      async (tx) =>
        (await sql<{ d: string }>`select (now() at time zone 'Pacific/Auckland')::date as d`.execute(tx))
          .rows[0]!.d,
    );
    const rows = await t.db.asSystem((tx) =>
      tx.selectFrom('learningAnalytics').selectAll().where('userId', '=', learner.id).execute(),
    );
    expect(rows).toEqual([
      expect.objectContaining({
        date: today,
        secondsLearned: 61,
        minutesLearned: 1,
        lessonsCompleted: 1,
        resourcesDownloaded: 1,
        loginCount: 1,
      }),
    ]);
    expect(await streaksOf(learner)).toEqual({ currentStreakDays: 1, longestStreakDays: 1 });
    const view = await getDashboard(as(learner), { days: 1 });
    expect(view).toMatchObject({
      today,
      streak: { current: 1, learnedToday: true },
      activity: [{ date: today, minutes: 1, logins: 1 }],
    });
  });
});
