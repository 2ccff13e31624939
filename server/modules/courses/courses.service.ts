import { z } from 'zod';
import {
  createReviewSchema,
  type CoursePage,
  type CreateReviewInput,
  type EnrollmentSummary,
} from '../../../contracts/courses.ts';
import type { Db, SessionUser } from '../../db/session.ts';
import { requestDbFor, type RequestDb } from '../../platform/auth.ts';
import { AppError, findPgError } from '../../platform/errors.ts';
import { renderMarkdownCached } from '../../platform/markdown.ts';
import {
  callerIsEnrolled,
  compiledCoursePageQuery,
  findEnrollment,
  findReadableCourse,
  findReview,
  insertEnrollment,
  insertReview,
  type CoursePageRow,
} from './courses.queries.ts';

/**
 * Who is calling and how their units of work run. A Fastify request satisfies it (`request.user`,
 * `request.db`); the seed and jobs acting for a person build one with `callerFor`.
 */
export interface Caller {
  readonly user: SessionUser | null;
  readonly db: RequestDb;
}

/** A caller whose units of work run as `user` (or as anon) under row-level security. */
export function callerFor(db: Db, user: SessionUser | null): Caller {
  return { user, db: requestDbFor(db, user) };
}

export function requireUser(caller: Caller): SessionUser {
  if (!caller.user) throw new AppError('unauthorized');
  return caller.user;
}

/** Validates and applies defaults for callers that do not come through a route schema (seed, jobs). */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({
    path: ['body', ...i.path].join('.'),
    message: i.message,
  }));
  throw new AppError('validation_failed', `${issues[0]?.path}: ${issues[0]?.message}`, { issues });
}

/** Maps a unique violation to a precise conflict; everything else goes to the shared classifier. */
async function withConflict<T>(message: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (findPgError(error)?.code === '23505')
      throw new AppError('conflict', message, undefined, { cause: error });
    throw error;
  }
}

const notFound = () => new AppError('not_found', 'Course not found.');

/** JSON from the database carries timestamps as text; the API sends ISO 8601 in UTC everywhere. */
function iso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}
function isoOrNull(value: Date | string | null): string | null {
  return value === null ? null : iso(value);
}

// ---------------------------------------------------------------- reads

/**
 * The landing page of a course, in one database round trip. Throws not_found when the course is
 * missing, deleted or not visible to the caller (the same answer, so existence does not leak).
 */
export async function getCoursePage(caller: Caller, slug: string): Promise<CoursePage> {
  // The hottest read of the product: one message, one round trip (request.db.read).
  const [row] = await caller.db.read((qb) => {
    const compiled = compiledCoursePageQuery(qb, slug, caller.user?.id ?? null);
    return { compile: () => compiled };
  });
  if (!row) throw notFound();
  return coursePageFromRow(row, caller.user !== null);
}

/** Shapes a landing-page row for the API: ISO timestamps, rating summary, the viewer block. */
export function coursePageFromRow(row: CoursePageRow, isSignedIn: boolean): CoursePage {
  const enrollment = row.enrollment ?? null;
  return {
    id: row.id,
    slug: row.slug,
    title: row.title,
    subtitle: row.subtitle,
    description: row.description,
    descriptionHtml: renderMarkdownCached(row.description),
    thumbnailUrl: row.thumbnailUrl,
    previewVideoUrl: row.previewVideoUrl,
    category: row.category,
    subcategory: row.subcategory,
    tags: row.tags,
    difficultyLevel: row.difficultyLevel,
    priceCents: row.priceCents,
    accessType: row.accessType,
    status: row.status,
    language: row.language,
    captionsAvailable: row.captionsAvailable,
    prerequisites: row.prerequisites,
    learningOutcomes: row.learningOutcomes,
    targetAudience: row.targetAudience,
    metaDescription: row.metaDescription,
    hasCertificate: row.hasCertificate,
    lessonCount: row.lessonCount,
    totalDurationMinutes: row.totalDurationMinutes,
    enrollmentCount: row.enrollmentCount,
    publishedAt: isoOrNull(row.publishedAt),
    lastUpdatedAt: isoOrNull(row.lastUpdatedAt),
    instructor: (row.instructorId && row.cardsById[row.instructorId]) || null,
    // The course row is readable here, so the outline is too (null only if that changed mid-query).
    sections: row.sections ?? [],
    rating: {
      average: row.averageRating,
      count: row.totalReviews,
      distribution: row.ratingDistribution,
    },
    latestReviews: row.latestReviews.map((r) => ({
      id: r.id,
      rating: r.rating,
      title: r.title,
      comment: r.comment,
      createdAt: iso(r.createdAt),
      reviewer: row.cardsById[r.userId] ?? null,
    })),
    viewer: {
      isSignedIn,
      isOwner: row.isOwner,
      enrollment: enrollment
        ? {
            ...enrollment,
            enrolledAt: iso(enrollment.enrolledAt),
            expiresAt: isoOrNull(enrollment.expiresAt),
            completedAt: isoOrNull(enrollment.completedAt),
            lastAccessedAt: isoOrNull(enrollment.lastAccessedAt),
            completedLessonIds: enrollment.completedLessonIds ?? [],
          }
        : null,
    },
  };
}

// ---------------------------------------------------------------- enrolment and reviews

function enrollmentDto(row: {
  id: string;
  courseId: string;
  accessType: EnrollmentSummary['accessType'];
  enrolledAt: Date;
}) {
  return { id: row.id, courseId: row.courseId, accessType: row.accessType, enrolledAt: iso(row.enrolledAt) };
}

/**
 * Enrols the caller in a free published course (access type free_grant). Already enrolled: returns
 * the existing enrolment. Throws not_found for a course the caller cannot see, forbidden when the
 * course is not free.
 */
export async function enrolFree(caller: Caller, courseId: string) {
  const user = requireUser(caller);
  const row = await caller.db.run(async (tx) => {
    const course = await findReadableCourse(tx, courseId);
    if (!course) throw notFound();
    const existing = await findEnrollment(tx, courseId, user.id);
    if (existing) return existing;
    if (course.status !== 'published')
      throw new AppError('conflict', 'This course is not open for enrolment.');
    if (course.accessType !== 'free' || course.priceCents !== 0) {
      throw new AppError('forbidden', 'This course is not free: buy it or enrol through a subscription.');
    }
    return insertEnrollment(tx, { userId: user.id, courseId, accessType: 'free_grant' });
  });
  return enrollmentDto(row);
}

/**
 * Enrols the caller in a published subscription course through their active plan. Throws
 * forbidden when the course is not a subscription course or the plan is not active.
 */
export async function enrolWithSubscription(caller: Caller, courseId: string) {
  const user = requireUser(caller);
  const row = await caller.db
    .run(async (tx) => {
      const course = await findReadableCourse(tx, courseId);
      if (!course) throw notFound();
      const existing = await findEnrollment(tx, courseId, user.id);
      if (existing) return existing;
      if (course.status !== 'published')
        throw new AppError('conflict', 'This course is not open for enrolment.');
      if (course.accessType !== 'subscription') {
        throw new AppError('forbidden', 'This course is not part of the subscription.');
      }
      return insertEnrollment(tx, { userId: user.id, courseId, accessType: 'subscription' });
    })
    .catch((error: unknown) => {
      // The course was checked above, so the policy refusing the row means the plan is not active.
      // The rule itself lives only in the policy (enrollments_insert_subscription).
      if (findPgError(error)?.code === '42501')
        throw new AppError('forbidden', 'Your subscription is not active.');
      throw error;
    });
  return enrollmentDto(row);
}

/**
 * Adds the caller's review of a course they are enrolled in; one per learner and course (conflict
 * on a second). Throws not_found for an invisible course, forbidden when not enrolled.
 */
export async function addReview(caller: Caller, courseId: string, input: CreateReviewInput) {
  const user = requireUser(caller);
  const review = parseInput(createReviewSchema, input);
  return withConflict('You have already reviewed this course.', () =>
    caller.db.run(async (tx) => {
      if (!(await findReadableCourse(tx, courseId))) throw notFound();
      if (!(await callerIsEnrolled(tx, courseId))) {
        throw new AppError('forbidden', 'Only learners enrolled in this course can review it.');
      }
      if (await findReview(tx, courseId, user.id))
        throw new AppError('conflict', 'You have already reviewed this course.');
      return insertReview(tx, { courseId, ...review });
    }),
  );
}
