import { z } from 'zod';

/**
 * Learning DTOs shared by the server and the web app: progress reports, notes, My learning, the
 * dashboard (daily analytics and streaks) and access grants. Timestamps are ISO 8601 strings in
 * UTC; calendar days are 'YYYY-MM-DD' in the learner's own time zone.
 */

const isoTimestamp = z.string().meta({ format: 'date-time' });
const calendarDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const lessonStatusSchema = z.enum(['not_started', 'in_progress', 'completed']);

/** A day and more: nobody reports longer sessions than that in one go (the database caps it anyway). */
const MAX_REPORT_SECONDS = 86_400;
/** Longest video position accepted (48 hours); the database also caps it at the lesson's duration. */
const MAX_POSITION_SECONDS = 172_800;

export const lessonIdParamsSchema = z.object({ lessonId: z.uuid() });
export const courseIdParamsSchema = z.object({ courseId: z.uuid() });

// ---------------------------------------------------------------- progress reports

/**
 * What the player reports every ~10 s, on pause and on leaving. `clientTime` orders reports: one
 * not newer than the last applied (late, reordered or retried) moves neither the position nor the
 * time spent, so retries are safe. `activeSeconds` is the time since the previous report that the
 * tab was visible and the learner active.
 */
export const progressReportSchema = z
  .object({
    /** When the client produced the report (its clock, ms precision). */
    clientTime: z.iso.datetime({ offset: true }),
    positionSeconds: z.number().int().min(0).max(MAX_POSITION_SECONDS).default(0),
    /** Seconds of the video watched so far (furthest point reached); a video completes at 90 %. */
    watchedSeconds: z.number().int().min(0).max(MAX_POSITION_SECONDS).default(0),
    activeSeconds: z.number().int().min(0).max(MAX_REPORT_SECONDS).default(0),
    /** Marks an article (or any non-video lesson) done. Ignored for videos with a known duration. */
    completed: z.boolean().default(false),
  })
  .strict()
  .meta({ id: 'ProgressReport' });
export type ProgressReportInput = z.input<typeof progressReportSchema>;
export type ProgressReport = z.output<typeof progressReportSchema>;

/** The enrolment's progress as the database keeps it. */
export const enrollmentProgressSchema = z.object({
  enrollmentId: z.uuid(),
  completedLessons: z.number().int(),
  totalLessons: z.number().int(),
  progressPercentage: z.number().int(),
  isCompleted: z.boolean(),
  completedAt: isoTimestamp.nullable(),
  totalTimeSpentMinutes: z.number().int(),
});
export type EnrollmentProgress = z.infer<typeof enrollmentProgressSchema>;

/** One lesson's progress for the learner. */
export const lessonProgressSchema = z.object({
  lessonId: z.uuid(),
  status: lessonStatusSchema,
  positionSeconds: z.number().int(),
  watchedSeconds: z.number().int(),
  videoCompleted: z.boolean(),
  timeSpentSeconds: z.number().int(),
  startedAt: isoTimestamp.nullable(),
  completedAt: isoTimestamp.nullable(),
  lastAccessedAt: isoTimestamp.nullable(),
  /** Client time of the last report applied (null before the first). */
  lastReportAt: isoTimestamp.nullable(),
});
export type LessonProgress = z.infer<typeof lessonProgressSchema>;

/**
 * The answer to a report: the lesson's state after it (also when the report was too old to apply).
 *
 * Status 200: the report was written before the answer. Status 202 (same body): a position-only
 * heartbeat — one that cannot complete the lesson — was accepted after the same access checks and
 * queued; the server writes it within a short window (PROGRESS_HEARTBEAT_FLUSH_MS, 2 s by default;
 * 0 turns queueing off) merged with the learner's next heartbeats, and the body is the state it will
 * leave. Clients treat both as success. A crash of the server may lose a queued heartbeat (a few
 * seconds of position and time), never a completion: a report that completes a lesson (completed:
 * true, or a video's watched seconds reaching 90 %) is always written first and answered 200, and so
 * are notes and grants. The learner's own progress reads (the course's progress, My learning, the
 * dashboard) write their queued heartbeats first, so they include them.
 */
export const progressStateSchema = z
  .object({ lesson: lessonProgressSchema, enrollment: enrollmentProgressSchema })
  .meta({ id: 'ProgressState' });
export type ProgressState = z.infer<typeof progressStateSchema>;

/** Everything the player sidebar needs: per-lesson status and position, and where to continue. */
export const courseProgressSchema = z
  .object({
    courseId: z.uuid(),
    /** 'active' may study; 'expired' keeps reading its own progress but cannot add to it. */
    access: z.enum(['active', 'expired', 'none']),
    enrollment: enrollmentProgressSchema.nullable(),
    continueLessonId: z.uuid().nullable(),
    lessons: z.array(lessonProgressSchema),
    /** The course's own quizzes (final exams, not attached to a lesson), taken at /quizzes/<id>. */
    exams: z.array(z.object({ id: z.uuid(), title: z.string(), passed: z.boolean() })),
  })
  .meta({ id: 'CourseProgress' });
export type CourseProgress = z.infer<typeof courseProgressSchema>;

// ---------------------------------------------------------------- notes

export const NOTES_MAX_LENGTH = 100_000;

/** The learner's notes on a lesson. Autosave PUTs the whole text; the same text twice changes nothing. */
export const lessonNotesInputSchema = z
  .object({ notes: z.string().max(NOTES_MAX_LENGTH) })
  .strict()
  .meta({ id: 'SaveLessonNotes' });
export type LessonNotesInput = z.infer<typeof lessonNotesInputSchema>;

export const lessonNotesSchema = z
  .object({ lessonId: z.uuid(), notes: z.string(), updatedAt: isoTimestamp.nullable() })
  .meta({ id: 'LessonNotes' });
export type LessonNotes = z.infer<typeof lessonNotesSchema>;

// ---------------------------------------------------------------- My learning

export const MY_LEARNING_MAX_LIMIT = 50;

export const myLearningQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(MY_LEARNING_MAX_LIMIT).default(20),
  /** Opaque: the `nextCursor` of the previous page. */
  cursor: z
    .string()
    .max(200)
    .regex(/^[A-Za-z0-9_-]+$/)
    .optional(),
});
export type MyLearningQuery = z.infer<typeof myLearningQuerySchema>;

const lessonRefSchema = z.object({ id: z.uuid(), title: z.string() });

/** One enrolment on My learning, most recently studied first. */
export const myLearningItemSchema = z.object({
  enrollmentId: z.uuid(),
  access: z.enum(['active', 'expired']),
  accessType: z.enum(['purchased', 'subscription', 'free_grant', 'promotional']),
  enrolledAt: isoTimestamp,
  expiresAt: isoTimestamp.nullable(),
  lastAccessedAt: isoTimestamp.nullable(),
  course: z.object({
    id: z.uuid(),
    slug: z.string(),
    title: z.string(),
    subtitle: z.string().nullable(),
    thumbnailUrl: z.string().nullable(),
    instructorName: z.string().nullable(),
    lessonCount: z.number().int(),
    totalDurationMinutes: z.number().int(),
    hasCertificate: z.boolean(),
  }),
  progress: enrollmentProgressSchema,
  lastLesson: lessonRefSchema.nullable(),
  /** Where Continue opens: the last lesson unless completed, else the first incomplete one. */
  continueLesson: lessonRefSchema.nullable(),
  certificateIssued: z.boolean(),
});
export type MyLearningItem = z.infer<typeof myLearningItemSchema>;

export const myLearningSchema = z
  .object({ items: z.array(myLearningItemSchema), nextCursor: z.string().nullable() })
  .meta({ id: 'MyLearning' });
export type MyLearning = z.infer<typeof myLearningSchema>;

// ---------------------------------------------------------------- dashboard

export const DASHBOARD_MAX_DAYS = 90;

export const dashboardQuerySchema = z.object({
  /** How many days of activity (ending today) the chart shows. */
  days: z.coerce.number().int().min(1).max(DASHBOARD_MAX_DAYS).default(14),
});
export type DashboardQuery = z.infer<typeof dashboardQuerySchema>;

export const activityDaySchema = z.object({
  date: calendarDay,
  minutes: z.number().int(),
  lessonsCompleted: z.number().int(),
  videosWatched: z.number().int(),
  resourcesDownloaded: z.number().int(),
  logins: z.number().int(),
});
export type ActivityDay = z.infer<typeof activityDaySchema>;

export const dashboardSchema = z
  .object({
    timezone: z.string(),
    today: calendarDay,
    dailyGoalMinutes: z.number().int(),
    totalLearningMinutes: z.number().int(),
    coursesCompleted: z.number().int(),
    streak: z.object({
      /** Consecutive learning days (≥ 1 minute) ending today or yesterday; 0 once a whole day passed. */
      current: z.number().int(),
      longest: z.number().int(),
      lastLearningDay: calendarDay.nullable(),
      learnedToday: z.boolean(),
    }),
    /** Monday to Sunday of the current local week. */
    week: z.array(z.object({ date: calendarDay, minutes: z.number().int(), goalMet: z.boolean() })),
    /** The last `days` days, oldest first, today last (days without activity are zeros). */
    activity: z.array(activityDaySchema),
  })
  .meta({ id: 'Dashboard' });
export type Dashboard = z.infer<typeof dashboardSchema>;

export const resourceDownloadSchema = z.object({ counted: z.boolean() });

// ---------------------------------------------------------------- grants

export const grantInputSchema = z
  .object({
    email: z.email().max(320),
    /** End of access; omitted or null for no end. Must be in the future. */
    expiresAt: z.iso.datetime({ offset: true }).nullish(),
  })
  .strict()
  .meta({ id: 'GrantRequest' });
export type GrantInput = z.input<typeof grantInputSchema>;

export const revokeGrantInputSchema = z.object({ email: z.email().max(320) }).strict();
export type RevokeGrantInput = z.infer<typeof revokeGrantInputSchema>;

/**
 * A grant as its course's owner sees it. Deliberately says nothing about whether an account
 * exists for the address: a grant waits for the address to be confirmed when there is none.
 */
export const grantSchema = z
  .object({
    email: z.string(),
    expiresAt: isoTimestamp.nullable(),
    grantedAt: isoTimestamp,
    revokedAt: isoTimestamp.nullable(),
  })
  .meta({ id: 'Grant' });
export type Grant = z.infer<typeof grantSchema>;

export const grantListSchema = z.object({ items: z.array(grantSchema) }).meta({ id: 'GrantList' });
export const revokedGrantSchema = z.object({ revoked: z.boolean() });
