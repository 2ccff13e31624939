import { callerCanManageCourse } from '../courses/courses.queries.ts';
import {
  DASHBOARD_MAX_DAYS,
  MY_LEARNING_MAX_LIMIT,
  type ActivityDay,
  type CourseProgress,
  type Dashboard,
  type DashboardQuery,
  type EnrollmentProgress,
  type Grant,
  type GrantInput,
  type LessonNotes,
  type LessonProgress,
  type MyLearning,
  type MyLearningQuery,
  type ProgressReport,
  type ProgressState,
} from '../../../contracts/learning.ts';
import { z } from 'zod';
import type { SessionUser, Tx } from '../../db/session.ts';
import type { RequestDb } from '../../platform/auth.ts';
import { AppError, findPgError } from '../../platform/errors.ts';
import type { RememberedAccess } from './learning.access-memo.ts';
import { writeHeartbeats, type HeartbeatBuffer, type PendingHeartbeat } from './learning.heartbeats.ts';
import {
  findContinueLesson,
  findLearnerCalendar,
  findLessonForLearner,
  findOwnEnrollment,
  findOwnNotes,
  findReadableCourse,
  grantCourseAccess,
  listCourseAccessGrants,
  listMyLearning,
  listOwnAnalytics,
  listOwnCourseExams,
  listOwnCourseProgress,
  progressTargetQuery,
  recordResourceDownload,
  revokeCourseAccess,
  upsertOwnNotes,
  upsertProgressReport,
  type GrantRow,
  type MyLearningCursor,
  type OwnEnrollmentRow,
  type ProgressRow,
} from './learning.queries.ts';

/** Who is calling: a Fastify request satisfies it (`request.user`, `request.db`). */
export interface LearningCaller {
  readonly user: SessionUser | null;
  readonly db: RequestDb;
}

function requireUser(caller: LearningCaller): SessionUser {
  if (!caller.user) throw new AppError('unauthorized');
  return caller.user;
}

const lessonNotFound = () => new AppError('not_found', 'Lesson not found.');
const courseNotFound = () => new AppError('not_found', 'Course not found.');
const cannotStudy = () =>
  new AppError(
    'forbidden',
    'You are not enrolled in this course, or your access has ended: enrol (again) to keep learning.',
  );

/** A policy refusing the write (42501) after the checks passed means access ended in between. */
function refusedAsForbidden(error: unknown): never {
  if (findPgError(error)?.code === '42501') throw cannotStudy();
  throw error;
}

const iso = (value: Date | string) => (value instanceof Date ? value : new Date(value)).toISOString();
const isoOrNull = (value: Date | string | null) => (value === null ? null : iso(value));

function lessonProgressDto(row: ProgressRow): LessonProgress {
  return {
    lessonId: row.lessonId,
    status: row.status,
    positionSeconds: row.videoPositionSeconds,
    watchedSeconds: row.videoWatchedSeconds,
    videoCompleted: row.videoCompleted,
    timeSpentSeconds: row.timeSpentSeconds,
    startedAt: isoOrNull(row.startedAt),
    completedAt: isoOrNull(row.completedAt),
    lastAccessedAt: isoOrNull(row.lastAccessedAt),
    lastReportAt: isoOrNull(row.clientReportedAt),
  };
}

function enrollmentDto(row: Omit<OwnEnrollmentRow, 'lastLessonId' | 'canStudy'>): EnrollmentProgress {
  return {
    enrollmentId: row.id,
    completedLessons: row.completedLessons,
    totalLessons: row.totalLessons,
    progressPercentage: row.progressPercentage,
    isCompleted: row.isCompleted,
    completedAt: isoOrNull(row.completedAt),
    totalTimeSpentMinutes: row.totalTimeSpentMinutes,
  };
}

// ---------------------------------------------------------------- progress

/**
 * Applies a progress report of the caller on a lesson and answers the state after it. Idempotent
 * and ordered (see 0018): a late or repeated report answers 200 with the current state and changes
 * nothing but monotone facts. Written before answering. Throws not_found for a lesson the caller
 * cannot see, forbidden when the caller may not study its course (not enrolled, or access ended).
 * With `heartbeats`, the caller's heartbeats on the lesson still waiting there are written first,
 * in the same transaction (arrival order).
 */
export async function reportProgress(
  caller: LearningCaller,
  lessonId: string,
  report: ProgressReport,
  heartbeats?: HeartbeatBuffer,
): Promise<ProgressState> {
  const user = requireUser(caller);
  // The row changes by other means than a heartbeat: the next heartbeat reads it again (forgotten
  // before, and after in case a heartbeat's read raced this write).
  heartbeats?.access.forgetLesson(user.id, lessonId);
  const waiting = await heartbeats?.take(user.id, lessonId);
  return caller.db
    .run(async (tx) => {
      const lesson = await findLessonForLearner(tx, lessonId);
      if (!lesson) throw lessonNotFound();
      if (!lesson.canStudy) throw cannotStudy();
      if (waiting) await writeHeartbeats(tx, [waiting]);
      // A video with a known length completes by being watched (90 %, in the database), not by a flag.
      const completesByWatching = lesson.contentType === 'video' && (lesson.videoDurationSeconds ?? 0) > 0;
      const row = await upsertProgressReport(tx, {
        lessonId,
        status: report.completed && !completesByWatching ? 'completed' : 'in_progress',
        positionSeconds: report.positionSeconds,
        watchedSeconds: report.watchedSeconds,
        activeSeconds: report.activeSeconds,
        clientTime: new Date(report.clientTime),
      });
      const enrollment = await findOwnEnrollment(tx, user.id, lesson.courseId);
      return { lesson: lessonProgressDto(row), enrollment: enrollmentDto(enrollment!) };
    })
    .catch((error: unknown) => {
      // Not written: the waiting heartbeats wait again (unless newer ones took their place).
      if (waiting) heartbeats!.restore(waiting);
      return refusedAsForbidden(error);
    })
    .finally(() => heartbeats?.access.forgetLesson(user.id, lessonId));
}

/**
 * Writes the caller's heartbeats still waiting in `heartbeats` (as the caller), so what they read
 * next includes them: the player's progress view, My learning and the dashboard call it first.
 * If the write fails the heartbeats wait again for the next flush, and the read goes on.
 */
export async function writeWaitingHeartbeats(
  caller: LearningCaller,
  heartbeats: HeartbeatBuffer | undefined,
) {
  if (!heartbeats || !caller.user) return;
  const entries = await heartbeats.takeUser(caller.user.id);
  if (entries.length === 0) return;
  try {
    await caller.db.run((tx) => writeHeartbeats(tx, entries));
  } catch {
    for (const entry of entries) heartbeats.restore(entry);
  }
}

/** How a report was handled: written before answering (200), or queued as a heartbeat (202). */
export interface AcceptedReport {
  state: ProgressState;
  queued: boolean;
}

const asDate = (value: Date | string | null | undefined) =>
  value === null || value === undefined ? null : value instanceof Date ? value : new Date(value);

/**
 * A queued heartbeat's lesson state as the write will leave it: the stored row (or a fresh one)
 * with the waiting reports applied in order — position and report time of the newest when it is
 * newer than the row's, the furthest point watched, the active seconds of the newer reports (the
 * database's per-write time cap is not modelled: it only bites reports claiming more time than
 * passed). Positions are capped at a known video length, as the database does.
 */
export function projectHeartbeat(
  row: ProgressRow | null | undefined,
  pending: PendingHeartbeat,
): LessonProgress {
  return lessonProgressDto(projectHeartbeatRow(row, pending));
}

/**
 * projectHeartbeat as a row. Applying it again to its own result with the same or a later merge of
 * the same reports adds nothing twice (only reports newer than the row's last count), so the access
 * memo keeps the projection as the learner's row and projects the next heartbeats onto it.
 */
export function projectHeartbeatRow(
  row: ProgressRow | null | undefined,
  pending: PendingHeartbeat,
): ProgressRow {
  const base: ProgressRow = row
    ? {
        ...row,
        startedAt: asDate(row.startedAt),
        completedAt: asDate(row.completedAt),
        lastAccessedAt: asDate(row.lastAccessedAt),
        clientReportedAt: asDate(row.clientReportedAt),
      }
    : {
        lessonId: pending.lessonId,
        status: 'not_started',
        videoPositionSeconds: 0,
        videoWatchedSeconds: 0,
        videoCompleted: false,
        timeSpentSeconds: 0,
        startedAt: null,
        completedAt: null,
        lastAccessedAt: null,
        clientReportedAt: null,
      };
  const cap = (n: number) => (pending.videoDurationSeconds ? Math.min(n, pending.videoDurationSeconds) : n);
  const after = base.clientReportedAt?.getTime() ?? -Infinity;
  const newer = pending.clientTime.getTime() > after;
  const addedSeconds = pending.chain
    .filter((c) => c.clientTime.getTime() > after)
    .reduce((sum, c) => sum + c.activeSeconds, 0);
  return {
    ...base,
    status: base.status === 'not_started' ? 'in_progress' : base.status,
    videoPositionSeconds: newer ? cap(pending.positionSeconds) : base.videoPositionSeconds,
    videoWatchedSeconds: cap(Math.max(base.videoWatchedSeconds, pending.watchedSeconds)),
    timeSpentSeconds: base.timeSpentSeconds + addedSeconds,
    startedAt: base.startedAt ?? pending.acceptedAt,
    lastAccessedAt:
      base.lastAccessedAt && base.lastAccessedAt > pending.acceptedAt
        ? base.lastAccessedAt
        : pending.acceptedAt,
    clientReportedAt: newer ? pending.clientTime : base.clientReportedAt,
  };
}

/** The access read of a heartbeat (one round trip): throws not_found / forbidden as reportProgress. */
async function readProgressAccess(
  caller: LearningCaller,
  user: SessionUser,
  lessonId: string,
): Promise<Omit<RememberedAccess, 'expiresAt'>> {
  const [target] = await caller.db.read((qb) => progressTargetQuery(qb, user.id, lessonId));
  if (!target) throw lessonNotFound();
  if (!target.canStudy || !target.enrollment) throw cannotStudy();
  return {
    courseId: target.courseId,
    contentType: target.contentType,
    videoDurationSeconds: target.videoDurationSeconds,
    row: target.progress ?? null,
    enrollment: target.enrollment,
  };
}

/**
 * The progress route: a report that can complete the lesson (completed: true on a lesson that is not
 * complete yet, or a video's watched seconds reaching 90 %) is written before answering, through
 * reportProgress. Any other report — a position-only heartbeat — is queued in `heartbeats` when
 * coalescing is on, after the same access checks (404 / 403 at once: nothing unauthorised waits),
 * and answered 202 with the state it will leave. The access answer is remembered for a few seconds
 * (heartbeats.access: the learner's next heartbeats on the lesson read nothing); see
 * learning.access-memo.ts for what that allows and why the write stays the authority.
 * See contracts/learning.ts.
 */
export async function acceptProgressReport(
  caller: LearningCaller,
  lessonId: string,
  report: ProgressReport,
  heartbeats: HeartbeatBuffer | undefined,
): Promise<AcceptedReport> {
  const user = requireUser(caller);
  if (!heartbeats || heartbeats.windowMs <= 0)
    return { state: await reportProgress(caller, lessonId, report), queued: false };
  const remembered = heartbeats.access.find(user, lessonId);
  const access = remembered ?? (await readProgressAccess(caller, user, lessonId));
  const { row } = access;
  const duration = access.contentType === 'video' ? (access.videoDurationSeconds ?? 0) : 0;
  const waiting = heartbeats.peek(user.id, lessonId);
  const watched = Math.max(report.watchedSeconds, waiting?.watchedSeconds ?? 0);
  const canComplete =
    row?.status !== 'completed' && (duration > 0 ? watched * 10 >= duration * 9 : report.completed);
  if (!canComplete) {
    const pending = heartbeats.add(
      user,
      { lessonId, courseId: access.courseId, videoDurationSeconds: duration > 0 ? duration : null },
      report,
    );
    if (pending) {
      const projected = projectHeartbeatRow(row, pending);
      if (remembered) remembered.row = projected;
      else heartbeats.access.remember(user, lessonId, { ...access, row: projected });
      return {
        state: { lesson: lessonProgressDto(projected), enrollment: enrollmentDto(access.enrollment) },
        queued: true,
      };
    }
  }
  return { state: await reportProgress(caller, lessonId, report, heartbeats), queued: false };
}

/**
 * The caller's progress in a course for the player sidebar: every lesson they have touched, the
 * lesson Continue opens, and whether they may still study. Throws not_found for a course the
 * caller cannot read.
 */
export async function getCourseProgress(
  caller: LearningCaller,
  courseId: string,
  heartbeats?: HeartbeatBuffer,
): Promise<CourseProgress> {
  const user = requireUser(caller);
  await writeWaitingHeartbeats(caller, heartbeats);
  return caller.db.run(async (tx) => {
    const enrollment = await findOwnEnrollment(tx, user.id, courseId);
    // An enrolled learner keeps their own progress even when the course is no longer readable.
    if (!enrollment && !(await findReadableCourse(tx, courseId))) throw courseNotFound();
    if (!enrollment)
      return { courseId, access: 'none', enrollment: null, continueLessonId: null, lessons: [], exams: [] };
    const lessons = await listOwnCourseProgress(tx, user.id, courseId);
    const next = await findContinueLesson(tx, user.id, courseId, enrollment.lastLessonId);
    return {
      courseId,
      access: enrollment.canStudy ? 'active' : 'expired',
      enrollment: enrollmentDto(enrollment),
      continueLessonId: next?.id ?? null,
      lessons: lessons.map(lessonProgressDto),
      exams: await listOwnCourseExams(tx, user.id, courseId),
    };
  });
}

// ---------------------------------------------------------------- notes

/** The caller's notes on a lesson they can see ('' before any). Throws not_found otherwise. */
export async function getLessonNotes(caller: LearningCaller, lessonId: string): Promise<LessonNotes> {
  const user = requireUser(caller);
  return caller.db.run(async (tx) => {
    const notes = await findOwnNotes(tx, user.id, lessonId);
    // Notes already written stay readable to their author even after access ended.
    if (!notes && !(await findLessonForLearner(tx, lessonId))) throw lessonNotFound();
    return { lessonId, notes: notes?.userNotes ?? '', updatedAt: isoOrNull(notes?.notesUpdatedAt ?? null) };
  });
}

/**
 * Saves the caller's notes on a lesson of a course they may study (autosave: the same text twice
 * changes nothing, updatedAt included). Throws not_found / forbidden as reportProgress.
 */
export async function saveLessonNotes(
  caller: LearningCaller,
  lessonId: string,
  notes: string,
): Promise<LessonNotes> {
  requireUser(caller);
  return caller.db
    .run(async (tx) => {
      const lesson = await findLessonForLearner(tx, lessonId);
      if (!lesson) throw lessonNotFound();
      if (!lesson.canStudy) throw cannotStudy();
      const row = await upsertOwnNotes(tx, lessonId, notes);
      return { lessonId, notes: row.userNotes ?? '', updatedAt: isoOrNull(row.notesUpdatedAt) };
    })
    .catch(refusedAsForbidden);
}

/**
 * Counts a download of a lesson's resources on the caller's day (for the signed-link route to call).
 * Counts nothing and answers false when the caller may not have that lesson's resources.
 */
export async function countResourceDownload(caller: LearningCaller, lessonId: string) {
  requireUser(caller);
  return { counted: await caller.db.run((tx) => recordResourceDownload(tx, lessonId)) };
}

// ---------------------------------------------------------------- My learning

const cursorSchema = z.object({ sortMicros: z.string().regex(/^-?\d{1,20}$/), id: z.uuid() });

function encodeCursor(cursor: MyLearningCursor): string {
  return Buffer.from(`${cursor.sortMicros}~${cursor.id}`).toString('base64url');
}

function decodeCursor(text: string): MyLearningCursor {
  const [sortMicros, id] = Buffer.from(text, 'base64url').toString('utf8').split('~');
  const parsed = cursorSchema.safeParse({ sortMicros, id });
  if (!parsed.success)
    throw new AppError('validation_failed', 'querystring.cursor: is not a cursor this API issued');
  return parsed.data;
}

/** The caller's enrolments, most recently studied first, with progress and where Continue opens. */
export async function getMyLearning(
  caller: LearningCaller,
  query: MyLearningQuery,
  heartbeats?: HeartbeatBuffer,
): Promise<MyLearning> {
  const user = requireUser(caller);
  await writeWaitingHeartbeats(caller, heartbeats);
  const limit = Math.min(Math.max(query.limit, 1), MY_LEARNING_MAX_LIMIT);
  const after = query.cursor ? decodeCursor(query.cursor) : undefined;
  const rows = await caller.db.run((tx) => listMyLearning(tx, user.id, { limit, after }));
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map((row) => ({
      enrollmentId: row.enrollmentId,
      access: row.canStudy ? 'active' : 'expired',
      accessType: row.accessType,
      enrolledAt: iso(row.enrolledAt),
      expiresAt: isoOrNull(row.expiresAt),
      lastAccessedAt: isoOrNull(row.lastAccessedAt),
      course: {
        id: row.courseId,
        slug: row.slug,
        title: row.title,
        subtitle: row.subtitle,
        thumbnailUrl: row.thumbnailUrl,
        instructorName: row.instructorName,
        lessonCount: row.lessonCount,
        totalDurationMinutes: row.totalDurationMinutes,
        hasCertificate: row.hasCertificate,
      },
      progress: enrollmentDto({ ...row, id: row.enrollmentId }),
      lastLesson: row.lastLesson,
      continueLesson: row.continueLesson,
      certificateIssued: row.certificateIssued,
    })),
    nextCursor:
      rows.length > limit && last
        ? encodeCursor({ sortMicros: last.sortMicros, id: last.enrollmentId })
        : null,
  };
}

// ---------------------------------------------------------------- dashboard

/** Calendar arithmetic on 'YYYY-MM-DD' days (UTC noon avoids any time-zone or DST effect). */
export function addDays(day: string, days: number): string {
  const date = new Date(`${day}T12:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/**
 * The streak as of `today`: the stored run (ending on the last learning day) is alive while that
 * day is today or yesterday; once a whole local day passed without learning it reads as 0.
 */
export function effectiveStreak(stored: number, lastLearningDay: string | null, today: string): number {
  if (!lastLearningDay) return 0;
  return lastLearningDay >= addDays(today, -1) ? stored : 0;
}

/**
 * The caller's dashboard at `now` in their own time zone: streak, this week's minutes per day
 * against the daily goal, and the last `days` days of activity.
 */
export async function getDashboard(
  caller: LearningCaller,
  query: DashboardQuery,
  now: Date = new Date(),
  heartbeats?: HeartbeatBuffer,
): Promise<Dashboard> {
  const user = requireUser(caller);
  await writeWaitingHeartbeats(caller, heartbeats);
  const days = Math.min(Math.max(query.days, 1), DASHBOARD_MAX_DAYS);
  return caller.db.run(async (tx) => {
    const calendar = await findLearnerCalendar(tx, user.id, now);
    if (!calendar) throw new AppError('not_found', 'Profile not found.');
    const { today, weekStart } = calendar;
    const from = [addDays(today, -(days - 1)), weekStart].sort()[0]!;
    const to = addDays(weekStart, 6);
    const rows = await listOwnAnalytics(tx, user.id, from, to);
    const byDay = new Map(rows.map((r) => [r.date as unknown as string, r]));
    const dayOf = (date: string): ActivityDay => {
      const r = byDay.get(date);
      return {
        date,
        minutes: r?.minutesLearned ?? 0,
        lessonsCompleted: r?.lessonsCompleted ?? 0,
        videosWatched: r?.videosWatched ?? 0,
        resourcesDownloaded: r?.resourcesDownloaded ?? 0,
        logins: r?.loginCount ?? 0,
      };
    };
    const goal = calendar.dailyLearningGoal;
    return {
      timezone: calendar.timezone,
      today,
      dailyGoalMinutes: goal,
      totalLearningMinutes: calendar.totalLearningMinutes,
      coursesCompleted: calendar.coursesCompleted,
      streak: {
        current: effectiveStreak(calendar.currentStreakDays, calendar.lastLearningDay, today),
        longest: calendar.longestStreakDays,
        lastLearningDay: calendar.lastLearningDay,
        learnedToday: calendar.lastLearningDay === today,
      },
      week: Array.from({ length: 7 }, (_, i) => {
        const { date, minutes } = dayOf(addDays(weekStart, i));
        return { date, minutes, goalMet: minutes >= goal };
      }),
      activity: Array.from({ length: days }, (_, i) => dayOf(addDays(today, i - (days - 1)))),
    };
  });
}

// ---------------------------------------------------------------- grants

function grantDto(row: Omit<GrantRow, 'revokedAt'> & { revokedAt?: Date | null }): Grant {
  return {
    email: row.email,
    expiresAt: isoOrNull(row.expiresAt),
    grantedAt: iso(row.grantedAt),
    revokedAt: isoOrNull(row.revokedAt ?? null),
  };
}

/** Maps the grant functions' refusals: not the owner (or no such course) → not_found; bad date → validation. */
async function asGrantManager<T>(
  caller: LearningCaller,
  courseId: string,
  work: (tx: Tx) => Promise<T>,
): Promise<T> {
  requireUser(caller);
  return caller.db
    .run(async (tx) => {
      if (!(await callerCanManageCourse(tx, courseId))) throw courseNotFound();
      return work(tx);
    })
    .catch((error: unknown) => {
      const code = findPgError(error)?.code;
      if (code === '42501') throw courseNotFound();
      if (code === '22023')
        throw new AppError('validation_failed', 'body.expiresAt: the end of access must be in the future');
      throw error;
    });
}

/**
 * Grants the course (free_grant) to the account with this email, optionally until a date, for
 * owners of the course and admins. The answer never tells whether an account exists: a grant to an
 * address without a confirmed account waits for it. Throws not_found for anyone else.
 */
export async function grantAccess(
  caller: LearningCaller,
  courseId: string,
  input: GrantInput,
): Promise<Grant> {
  const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
  if (expiresAt && expiresAt.getTime() <= Date.now())
    throw new AppError('validation_failed', 'body.expiresAt: the end of access must be in the future');
  const row = await asGrantManager(caller, courseId, (tx) =>
    grantCourseAccess(tx, courseId, input.email, expiresAt),
  );
  return grantDto(row);
}

/**
 * Revokes a grant by email (owners and admins). `revoked` is false when there was no live grant.
 * The access this instance remembers for the course's heartbeats is forgotten (whose grant it was
 * is not known here); other instances forget theirs within their memo's few seconds, and their
 * flushes skip what the learner may no longer write.
 */
export async function revokeAccess(
  caller: LearningCaller,
  courseId: string,
  email: string,
  heartbeats?: HeartbeatBuffer,
) {
  const revoked = await asGrantManager(caller, courseId, (tx) => revokeCourseAccess(tx, courseId, email));
  if (revoked) heartbeats?.access.forgetCourse(courseId);
  return { revoked };
}

/** The grants of a course, newest first (owners and admins; not_found for anyone else). */
export async function listGrants(caller: LearningCaller, courseId: string) {
  const rows = await asGrantManager(caller, courseId, (tx) => listCourseAccessGrants(tx, courseId));
  return { items: rows.map(grantDto) };
}
