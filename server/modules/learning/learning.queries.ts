import { sql } from 'kysely';
import type { Tx } from '../../db/session.ts';

// Every query runs under row-level security as the caller. lesson_progress and enrollments also
// show a course owner their learners' rows, so reads of "my" rows filter by the caller's id too.

const PROGRESS_COLUMNS = [
  'lessonId',
  'status',
  'videoPositionSeconds',
  'videoWatchedSeconds',
  'videoCompleted',
  'timeSpentSeconds',
  'startedAt',
  'completedAt',
  'lastAccessedAt',
  'clientReportedAt',
] as const;

export interface ProgressRow {
  lessonId: string;
  status: 'not_started' | 'in_progress' | 'completed';
  videoPositionSeconds: number;
  videoWatchedSeconds: number;
  videoCompleted: boolean;
  timeSpentSeconds: number;
  startedAt: Date | null;
  completedAt: Date | null;
  lastAccessedAt: Date | null;
  clientReportedAt: Date | null;
}

/** A lesson the caller can see in an outline, with whether the caller may study its course now. */
export async function findLessonForLearner(tx: Tx, lessonId: string) {
  return tx
    .selectFrom('courseLessons as l')
    .innerJoin('courseSections as s', 's.id', 'l.sectionId')
    .where('l.id', '=', lessonId)
    .where('l.deletedAt', 'is', null)
    .where('s.deletedAt', 'is', null)
    .select([
      'l.id',
      'l.courseId',
      'l.title',
      'l.contentType',
      'l.videoDurationSeconds',
      sql<boolean>`private.can_study_course(l.course_id)`.as('canStudy'),
    ])
    .executeTakeFirst();
}

/**
 * Applies one progress report to the caller's row of the lesson (created on the first). The
 * lesson_progress_prepare trigger orders reports by clientReportedAt, caps time, keeps completion
 * and completes videos at 90 %; this only states what the client said.
 */
export async function upsertProgressReport(
  tx: Tx,
  report: {
    lessonId: string;
    status: 'in_progress' | 'completed';
    positionSeconds: number;
    watchedSeconds: number;
    activeSeconds: number;
    clientTime: Date;
  },
): Promise<ProgressRow> {
  return tx
    .insertInto('lessonProgress')
    .values({
      lessonId: report.lessonId,
      status: report.status,
      videoPositionSeconds: report.positionSeconds,
      videoWatchedSeconds: report.watchedSeconds,
      timeSpentSeconds: report.activeSeconds,
      lastAccessedAt: sql<Date>`now()`,
      clientReportedAt: report.clientTime,
    } as never) // user_id defaults to auth.uid(); course_id and enrollment_id are derived by the trigger
    .onConflict((oc) =>
      oc.columns(['userId', 'lessonId']).doUpdateSet((eb) => ({
        status: eb.ref('excluded.status'),
        videoPositionSeconds: eb.ref('excluded.videoPositionSeconds'),
        videoWatchedSeconds: eb.ref('excluded.videoWatchedSeconds'),
        // Added to the row as it is when the lock is taken, so concurrent reports both count.
        timeSpentSeconds: sql<number>`lesson_progress.time_spent_seconds + excluded.time_spent_seconds`,
        lastAccessedAt: eb.ref('excluded.lastAccessedAt'),
        clientReportedAt: eb.ref('excluded.clientReportedAt'),
      })),
    )
    .returning(PROGRESS_COLUMNS)
    .executeTakeFirstOrThrow() as Promise<ProgressRow>;
}

/**
 * Everything a progress report needs before it is written or queued, as ONE read (request.db.read:
 * one round trip, the live-session check included): the lesson if the caller can see it, whether
 * they may study it now, their row of it (undefined before the first report) and their enrolment's
 * counters. Filtered by the caller's id: a course owner also sees their learners' rows.
 */
export function progressTargetQuery(qb: Tx, userId: string, lessonId: string) {
  return qb
    .selectFrom('courseLessons as l')
    .innerJoin('courseSections as s', 's.id', 'l.sectionId')
    .leftJoin('lessonProgress as lp', (join) =>
      join.onRef('lp.lessonId', '=', 'l.id').on('lp.userId', '=', userId),
    )
    .leftJoin('enrollments as e', (join) =>
      join.onRef('e.courseId', '=', 'l.courseId').on('e.userId', '=', userId),
    )
    .where('l.id', '=', lessonId)
    .where('l.deletedAt', 'is', null)
    .where('s.deletedAt', 'is', null)
    .select([
      'l.courseId',
      'l.contentType',
      'l.videoDurationSeconds',
      sql<boolean>`private.can_study_course(l.course_id)`.as('canStudy'),
      sql<ProgressRow | null>`case when lp.id is null then null else jsonb_build_object(
        'lessonId', lp.lesson_id, 'status', lp.status, 'videoPositionSeconds', lp.video_position_seconds,
        'videoWatchedSeconds', lp.video_watched_seconds, 'videoCompleted', lp.video_completed,
        'timeSpentSeconds', lp.time_spent_seconds, 'startedAt', lp.started_at, 'completedAt', lp.completed_at,
        'lastAccessedAt', lp.last_accessed_at, 'clientReportedAt', lp.client_reported_at) end`.as('progress'),
      sql<Omit<
        OwnEnrollmentRow,
        'lastLessonId' | 'canStudy'
      > | null>`case when e.id is null then null else jsonb_build_object(
        'id', e.id, 'completedLessons', e.completed_lessons, 'totalLessons', e.total_lessons,
        'progressPercentage', e.progress_percentage, 'isCompleted', e.is_completed,
        'completedAt', e.completed_at, 'totalTimeSpentMinutes', e.total_time_spent_minutes) end`.as(
        'enrollment',
      ),
    ]);
}

/** Queued heartbeats of one learner on one lesson, merged (see learning.heartbeats.ts). */
export interface HeartbeatWrite {
  lessonId: string;
  /** Position and client time of the newest report. */
  positionSeconds: number;
  clientTime: Date;
  /** The furthest point reached over all the reports (monotone: every report counts). */
  watchedSeconds: number;
  /** Server time of the newest report (last_accessed_at). */
  acceptedAt: Date;
  /**
   * The reports that were newer than every report queued before them, oldest first (strictly
   * increasing client times). Applied one by one, exactly those newer than the row's last report
   * would count their active seconds: the write adds those, and only those.
   */
  chain: { clientTime: Date; activeSeconds: number }[];
}

/**
 * Writes one learner's queued heartbeats (several lessons) in one call, as that learner
 * (`private.write_heartbeats`, 0034: SECURITY INVOKER, so RLS and every lesson_progress trigger apply
 * as for a single report; a PL/pgSQL function so its plan is cached per connection instead of being
 * planned for every learner of every flush). The rows end as if each report had been applied in
 * order: position and report time of the newest (the trigger ignores it when the row already has a
 * newer report), watched seconds at their maximum, and the active seconds of the chain's reports
 * newer than the row's last report.
 *
 * Heartbeats are accepted before they are written (and, within the access memo's window, without
 * reading the database), so the write re-checks what acceptance checked: a lesson the learner can
 * no longer see (deleted, or its course unpublished) or a course they may no longer study is
 * skipped, not written — and skipped quietly, so one learner's lost access does not fail the
 * others' writes in the same flush. The insert policy (may study) still applies to what is written.
 * Answers how many rows were written.
 */
export function heartbeatUpsert(unordered: HeartbeatWrite[]) {
  // In lesson order, as the function locks the rows (the same order in every flush).
  const writes = [...unordered].sort((a, b) =>
    a.lessonId < b.lessonId ? -1 : a.lessonId > b.lessonId ? 1 : 0,
  );
  const chain = writes.flatMap((w) => w.chain.map((c) => ({ lessonId: w.lessonId, ...c })));
  return sql<{ written: number }>`
    select private.write_heartbeats(
      ${writes.map((w) => w.lessonId)}::uuid[], ${writes.map((w) => w.positionSeconds)}::int[],
      ${writes.map((w) => w.watchedSeconds)}::int[], ${writes.map((w) => w.clientTime)}::timestamptz[],
      ${writes.map((w) => w.acceptedAt)}::timestamptz[], ${chain.map((c) => c.lessonId)}::uuid[],
      ${chain.map((c) => c.clientTime)}::timestamptz[], ${chain.map((c) => c.activeSeconds)}::int[]
    ) as written`;
}

/** The caller's enrolment in a course with its progress counters, or undefined. */
export async function findOwnEnrollment(tx: Tx, userId: string, courseId: string) {
  return tx
    .selectFrom('enrollments')
    .where('userId', '=', userId)
    .where('courseId', '=', courseId)
    .select([
      'id',
      'completedLessons',
      'totalLessons',
      'progressPercentage',
      'isCompleted',
      'completedAt',
      'totalTimeSpentMinutes',
      'lastLessonId',
      sql<boolean>`private.can_study_course(course_id)`.as('canStudy'),
    ])
    .executeTakeFirst();
}

export type OwnEnrollmentRow = NonNullable<Awaited<ReturnType<typeof findOwnEnrollment>>>;

/** The caller's progress rows of a course, in curriculum order (live lessons only). */
export async function listOwnCourseProgress(
  tx: Tx,
  userId: string,
  courseId: string,
): Promise<ProgressRow[]> {
  return tx
    .selectFrom('lessonProgress as lp')
    .innerJoin('courseLessons as l', 'l.id', 'lp.lessonId')
    .innerJoin('courseSections as s', 's.id', 'l.sectionId')
    .where('lp.userId', '=', userId)
    .where('lp.courseId', '=', courseId)
    .where('l.deletedAt', 'is', null)
    .where('s.deletedAt', 'is', null)
    .orderBy('s.sortOrder')
    .orderBy('s.id')
    .orderBy('l.sortOrder')
    .orderBy('l.id')
    .select(PROGRESS_COLUMNS.map((c) => `lp.${c}` as const))
    .execute() as Promise<ProgressRow[]>;
}

/**
 * The course's own quizzes (no lesson: final exams) the caller may take, in creation order, and
 * whether they have passed each. Under RLS: only a learner who may study the course reads them.
 */
export async function listOwnCourseExams(tx: Tx, userId: string, courseId: string) {
  return tx
    .selectFrom('quizzes as q')
    .where('q.courseId', '=', courseId)
    .where('q.lessonId', 'is', null)
    .where('q.deletedAt', 'is', null)
    .select([
      'q.id',
      'q.title',
      sql<boolean>`exists (select 1 from public.quiz_attempts a
                            where a.quiz_id = q.id and a.user_id = ${userId}::uuid and a.passed)`.as(
        'passed',
      ),
    ])
    .orderBy('q.createdAt')
    .orderBy('q.id')
    .execute();
}

/**
 * The lesson Continue opens in a course: the last lesson studied unless it is completed, else the
 * first incomplete lesson in curriculum order, else the last lesson (all done), else the first.
 */
function continueLessonSql(
  userId: string,
  courseId: ReturnType<typeof sql>,
  lastLessonId: ReturnType<typeof sql>,
) {
  return sql<{ id: string; title: string } | null>`(
    select to_jsonb(pick) from (
      select l.id, l.title from course_lessons l
        join course_sections s on s.id = l.section_id
        left join lesson_progress lp on lp.lesson_id = l.id and lp.user_id = ${userId}::uuid
       where l.course_id = ${courseId} and l.deleted_at is null and s.deleted_at is null
       order by coalesce(l.id = ${lastLessonId} and lp.status is distinct from 'completed', false) desc,
                (lp.status is distinct from 'completed') desc,
                coalesce(l.id = ${lastLessonId}, false) desc,
                s.sort_order, s.id, l.sort_order, l.id
       limit 1) pick)`;
}

/** Continue for one course (the player's own view). */
export async function findContinueLesson(
  tx: Tx,
  userId: string,
  courseId: string,
  lastLessonId: string | null,
) {
  const { rows } = await sql<{ pick: { id: string; title: string } | null }>`select ${continueLessonSql(
    userId,
    sql`${courseId}::uuid`,
    sql`${lastLessonId}::uuid`,
  )} as pick`.execute(tx);
  return rows[0]?.pick ?? null;
}

export interface MyLearningCursor {
  sortMicros: string;
  id: string;
}

export interface MyLearningRow {
  enrollmentId: string;
  sortMicros: string;
  accessType: 'purchased' | 'subscription' | 'free_grant' | 'promotional';
  canStudy: boolean;
  enrolledAt: Date;
  expiresAt: Date | null;
  lastAccessedAt: Date | null;
  completedLessons: number;
  totalLessons: number;
  progressPercentage: number;
  isCompleted: boolean;
  completedAt: Date | null;
  totalTimeSpentMinutes: number;
  certificateIssued: boolean;
  courseId: string;
  slug: string;
  title: string;
  subtitle: string | null;
  thumbnailUrl: string | null;
  instructorName: string | null;
  lessonCount: number;
  totalDurationMinutes: number;
  hasCertificate: boolean;
  lastLesson: { id: string; title: string } | null;
  continueLesson: { id: string; title: string } | null;
}

/**
 * One page of the caller's enrolments, most recently studied (else enrolled) first, keyset-paged
 * on (that time in microseconds, enrolment id). Courses the caller can no longer read (deleted,
 * or archived after the enrolment ended) are left out. Returns up to limit + 1 rows.
 */
export async function listMyLearning(
  tx: Tx,
  userId: string,
  options: { limit: number; after?: MyLearningCursor | undefined },
): Promise<MyLearningRow[]> {
  const sortKey = sql`coalesce(e.last_accessed_at, e.enrolled_at)`;
  const micros = sql`floor(extract(epoch from ${sortKey}) * 1000000)::bigint`;
  const after = options.after
    ? sql`and (${micros}, e.id) < (${options.after.sortMicros}::bigint, ${options.after.id}::uuid)`
    : sql``;
  const { rows } = await sql<MyLearningRow>`
    select e.id as enrollment_id, ${micros}::text as sort_micros, e.access_type,
           private.can_study_course(e.course_id) as can_study,
           e.enrolled_at, e.expires_at, e.last_accessed_at, e.completed_lessons, e.total_lessons,
           e.progress_percentage, e.is_completed, e.completed_at, e.total_time_spent_minutes,
           e.certificate_issued,
           c.id as course_id, c.slug, c.title, c.subtitle, c.thumbnail_url, c.lesson_count,
           c.total_duration_minutes, c.has_certificate,
           (select card.display_name from private.public_profile_cards(array[c.instructor_id]) card) as instructor_name,
           (select jsonb_build_object('id', l.id, 'title', l.title) from course_lessons l
             where l.id = e.last_lesson_id and l.deleted_at is null) as last_lesson,
           ${continueLessonSql(userId, sql`e.course_id`, sql`e.last_lesson_id`)} as continue_lesson
      from enrollments e
      join courses c on c.id = e.course_id and c.deleted_at is null
     where e.user_id = ${userId}::uuid ${after}
     order by ${micros} desc, e.id desc
     limit ${options.limit + 1}`.execute(tx);
  return rows;
}

/** The caller's notes on a lesson (undefined when there is no progress row yet). */
export async function findOwnNotes(tx: Tx, userId: string, lessonId: string) {
  return tx
    .selectFrom('lessonProgress')
    .where('userId', '=', userId)
    .where('lessonId', '=', lessonId)
    .select(['userNotes', 'notesUpdatedAt'])
    .executeTakeFirst();
}

/** Saves the caller's notes on a lesson; the same text again leaves notesUpdatedAt as it was. */
export async function upsertOwnNotes(tx: Tx, lessonId: string, notes: string) {
  return tx
    .insertInto('lessonProgress')
    .values({ lessonId, userNotes: notes } as never)
    .onConflict((oc) =>
      oc.columns(['userId', 'lessonId']).doUpdateSet((eb) => ({ userNotes: eb.ref('excluded.userNotes') })),
    )
    .returning(['userNotes', 'notesUpdatedAt'])
    .executeTakeFirstOrThrow();
}

// ---------------------------------------------------------------- dashboard

/** The caller's profile figures and local calendar at `now` (today, this week's Monday). */
export async function findLearnerCalendar(tx: Tx, userId: string, now: Date) {
  const { rows } = await sql<{
    timezone: string;
    today: string;
    weekStart: string;
    dailyLearningGoal: number;
    currentStreakDays: number;
    longestStreakDays: number;
    totalLearningMinutes: number;
    coursesCompleted: number;
    lastLearningDay: string | null;
  }>`
    select p.timezone, d.today, date_trunc('week', d.today)::date as week_start, p.daily_learning_goal,
           p.current_streak_days, p.longest_streak_days, p.total_learning_minutes, p.courses_completed,
           (select max(a.date) from learning_analytics a
             where a.user_id = p.id and a.minutes_learned >= 1) as last_learning_day
      from profiles p
      cross join lateral (select (${now}::timestamptz at time zone p.timezone)::date as today) d
     where p.id = ${userId}::uuid`.execute(tx);
  return rows[0];
}

/** The caller's daily analytics from `from` to `to` (inclusive, local calendar days). */
export async function listOwnAnalytics(tx: Tx, userId: string, from: string, to: string) {
  return tx
    .selectFrom('learningAnalytics')
    .where('userId', '=', userId)
    .where('date', '>=', from)
    .where('date', '<=', to)
    .orderBy('date')
    .select([
      'date',
      'minutesLearned',
      'lessonsCompleted',
      'videosWatched',
      'resourcesDownloaded',
      'loginCount',
    ])
    .execute();
}

/** Counts a resource download on the caller's day; false when the caller may not have the lesson's resources. */
export async function recordResourceDownload(tx: Tx, lessonId: string): Promise<boolean> {
  const { rows } = await sql<{ counted: boolean }>`
    select private.record_resource_download(${lessonId}::uuid) as counted`.execute(tx);
  return rows[0]?.counted ?? false;
}

// ---------------------------------------------------------------- grants

export interface GrantRow {
  email: string;
  expiresAt: Date | null;
  grantedAt: Date;
  revokedAt: Date | null;
}

/** Grants access by email (private.grant_course_access checks the caller owns the course or is admin). */
export async function grantCourseAccess(tx: Tx, courseId: string, email: string, expiresAt: Date | null) {
  const { rows } = await sql<Omit<GrantRow, 'revokedAt'>>`
    select * from private.grant_course_access(${courseId}::uuid, ${email}, ${expiresAt}::timestamptz)`.execute(
    tx,
  );
  return rows[0]!;
}

/** Ends a grant; false when there was no live grant for the address. */
export async function revokeCourseAccess(tx: Tx, courseId: string, email: string): Promise<boolean> {
  const { rows } = await sql<{ revoked: boolean }>`
    select private.revoke_course_access(${courseId}::uuid, ${email}) as revoked`.execute(tx);
  return rows[0]?.revoked ?? false;
}

/** The grants of a course (empty for anyone but its owner and admins). */
export async function listCourseAccessGrants(tx: Tx, courseId: string): Promise<GrantRow[]> {
  const { rows } = await sql<GrantRow>`
    select * from private.list_course_access_grants(${courseId}::uuid)`.execute(tx);
  return rows;
}

/** The course row if the caller can read it. */
export async function findReadableCourse(tx: Tx, courseId: string) {
  return tx
    .selectFrom('courses')
    .where('id', '=', courseId)
    .where('deletedAt', 'is', null)
    .select(['id'])
    .executeTakeFirst();
}
