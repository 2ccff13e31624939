import { sql, type CompiledQuery } from 'kysely';
import { jsonObjectFrom } from 'kysely/helpers/postgres';
import type { SectionOutline } from '../../../contracts/courses.ts';
import type { Tx } from '../../db/session.ts';

/** How many reviews the landing page shows. */
export const LATEST_REVIEWS_LIMIT = 5;

/** A public profile card: the only part of another person's profile we may read. */
interface ProfileCardRow {
  id: string;
  displayName: string;
  avatarUrl: string | null;
  bio: string | null;
}

/** Public cards keyed by profile id, as the page query collects them. */
export type CardsById = Record<string, ProfileCardRow>;

/** One of the latest reviews, with its author's id (the service puts the author's card there). */
interface LatestReviewRow {
  id: string;
  userId: string;
  rating: number;
  title: string | null;
  comment: string | null;
  createdAt: string;
}

// ---------------------------------------------------------------- landing page

/**
 * The landing page of one course as ONE statement: course row (with its rating counters),
 * instructor card, outline (no lesson content), latest reviews with reviewer cards, and (signed in)
 * the viewer's own enrolment with completed lessons. Row-level security on courses decides whether
 * the course exists for the caller (the explicit filter only adds "not deleted": owners may see
 * deleted rows). The outline and the cards belong to that one course and come from helpers of
 * migration 0033 that check readability once for the course instead of a policy call per section,
 * lesson and card; each returns exactly what the policies let the caller read here. The latest
 * reviews are read under RLS, newest first along an index, so only the few shown are
 * policy-checked; the enrolment too. Exposed as a builder so the benchmark can issue the very same
 * SQL text.
 */
export function coursePageQuery(tx: Tx, slug: string, viewerId: string | null) {
  return (
    tx
      .selectFrom('courses as c')
      .innerJoinLateral(
        (eb) =>
          eb
            .selectFrom(
              eb
                .selectFrom('courseReviews as r')
                .whereRef('r.courseId', '=', 'c.id')
                .orderBy('r.createdAt', 'desc')
                .orderBy('r.id', 'desc')
                .limit(LATEST_REVIEWS_LIMIT)
                .select(['r.id', 'r.userId', 'r.rating', 'r.title', 'r.comment', 'r.createdAt'])
                .as('r'),
            )
            .select(
              sql<LatestReviewRow[]>`coalesce(json_agg(r order by r.created_at desc, r.id desc), '[]')`.as(
                'latestReviews',
              ),
            )
            .select(sql<string[]>`coalesce(array_agg(r.user_id), '{}')`.as('reviewerIds'))
            .as('reviews'),
        (join) => join.onTrue(),
      )
      // Every card on the page (instructor and latest reviewers) comes from ONE call.
      .innerJoinLateral(
        (eb) =>
          eb
            .selectFrom(
              sql<ProfileCardRow>`private.course_profile_cards(${eb.ref('c.id')}, array[${eb.ref('c.instructorId')}] || ${eb.ref('reviews.reviewerIds')})`.as(
                'card',
              ),
            )
            .select(sql<CardsById>`coalesce(jsonb_object_agg(card.id, to_jsonb(card)), '{}')`.as('cardsById'))
            .as('cards'),
        (join) => join.onTrue(),
      )
      .where('c.slug', '=', slug)
      .where('c.deletedAt', 'is', null)
      .select([
        'c.id',
        'c.slug',
        'c.title',
        'c.subtitle',
        'c.description',
        'c.thumbnailUrl',
        'c.previewVideoUrl',
        'c.category',
        'c.subcategory',
        'c.tags',
        'c.difficultyLevel',
        'c.priceCents',
        'c.accessType',
        'c.status',
        'c.language',
        'c.captionsAvailable',
        'c.prerequisites',
        'c.learningOutcomes',
        'c.targetAudience',
        'c.metaDescription',
        'c.hasCertificate',
        'c.lessonCount',
        'c.totalDurationMinutes',
        'c.enrollmentCount',
        'c.publishedAt',
        'c.lastUpdatedAt',
        'c.averageRating',
        'c.totalReviews',
        'c.ratingDistribution',
        'c.instructorId',
        'cards.cardsById',
        'reviews.latestReviews',
      ])
      .select((eb) => [
        sql<boolean>`coalesce(${eb.ref('c.instructorId')} = ${viewerId}::uuid, false)`.as('isOwner'),
        sql<SectionOutline[] | null>`private.course_outline(${eb.ref('c.id')})`.as('sections'),
      ])
      // anon holds no privilege on enrolments at all, so the subquery exists only for a signed-in viewer.
      .$if(viewerId !== null, (qb) =>
        qb.select((eb) =>
          jsonObjectFrom(
            eb
              .selectFrom('enrollments as e')
              .whereRef('e.courseId', '=', 'c.id')
              .where('e.userId', '=', sql<string>`${viewerId}::uuid`)
              .select([
                'e.id',
                'e.accessType',
                'e.enrolledAt',
                'e.expiresAt',
                'e.progressPercentage',
                'e.completedLessons',
                'e.totalLessons',
                'e.isCompleted',
                'e.completedAt',
                'e.lastLessonId',
                'e.lastAccessedAt',
              ])
              .select((eb2) =>
                eb2
                  .selectFrom('lessonProgress as lp')
                  .whereRef('lp.enrollmentId', '=', 'e.id')
                  .where('lp.status', '=', 'completed')
                  .select(
                    sql<string[]>`coalesce(array_agg(lp.lesson_id order by lp.lesson_id), '{}')`.as('ids'),
                  )
                  .as('completedLessonIds'),
              ),
          ).as('enrollment'),
        ),
      )
  );
}

export type CoursePageRow = NonNullable<
  Awaited<ReturnType<ReturnType<typeof coursePageQuery>['executeTakeFirst']>>
>;

// Building and compiling this query costs ~0.2 ms of CPU per request (measured:
// bench/experiments/serialize-cost.ts), a fifth of the route's Node time. Its SQL text depends only
// on whether a viewer is signed in, so each shape is compiled once and only the values change.
const SLUG_SLOT = '\u0000slug';
const VIEWER_SLOT = '\u0000viewer';
const compiledPages = new Map<boolean, CompiledQuery<CoursePageRow>>();

/** The compiled landing-page query for these values (same SQL text as coursePageQuery). */
export function compiledCoursePageQuery(
  tx: Tx,
  slug: string,
  viewerId: string | null,
): CompiledQuery<CoursePageRow> {
  const signedIn = viewerId !== null;
  let template = compiledPages.get(signedIn);
  if (!template) {
    template = coursePageQuery(
      tx,
      SLUG_SLOT,
      signedIn ? VIEWER_SLOT : null,
    ).compile() as CompiledQuery<CoursePageRow>;
    compiledPages.set(signedIn, template);
  }
  const parameters = template.parameters.map((p) =>
    p === SLUG_SLOT ? slug : p === VIEWER_SLOT ? viewerId : p,
  );
  return { ...template, parameters };
}

// ---------------------------------------------------------------- enrolment and reviews

/** A live course the caller may read (RLS decides), with what enrolment needs to know. */
export async function findReadableCourse(tx: Tx, courseId: string) {
  return tx
    .selectFrom('courses')
    .where('id', '=', courseId)
    .where('deletedAt', 'is', null)
    .select(['id', 'status', 'accessType', 'priceCents', 'instructorId'])
    .executeTakeFirst();
}

export async function findEnrollment(tx: Tx, courseId: string, userId: string) {
  return tx
    .selectFrom('enrollments')
    .where('courseId', '=', courseId)
    .where('userId', '=', userId)
    .select(['id', 'courseId', 'accessType', 'enrolledAt'])
    .executeTakeFirst();
}

/** The learner's own enrolment; policies allow only the free and subscription self-service paths. */
export async function insertEnrollment(
  tx: Tx,
  enrollment: { userId: string; courseId: string; accessType: 'free_grant' | 'subscription' },
) {
  return tx
    .insertInto('enrollments')
    .values(enrollment)
    .returning(['id', 'courseId', 'accessType', 'enrolledAt'])
    .executeTakeFirstOrThrow();
}

/** Whether the caller holds a live enrolment in the course (access.md's definition). */
export async function callerIsEnrolled(tx: Tx, courseId: string): Promise<boolean> {
  const { rows } = await sql<{ ok: boolean }>`select private.is_enrolled(${courseId}::uuid) as ok`.execute(
    tx,
  );
  return rows[0]?.ok === true;
}

export async function findReview(tx: Tx, courseId: string, userId: string) {
  return tx
    .selectFrom('courseReviews')
    .where('courseId', '=', courseId)
    .where('userId', '=', userId)
    .select(['id'])
    .executeTakeFirst();
}

/** Inserts the caller's review (user_id defaults to auth.uid()); triggers update the course rating. */
export async function insertReview(
  tx: Tx,
  review: {
    courseId: string;
    rating: number;
    title?: string | null | undefined;
    comment?: string | null | undefined;
  },
) {
  return tx
    .insertInto('courseReviews')
    .values(review)
    .returning(['id', 'courseId', 'rating'])
    .executeTakeFirstOrThrow();
}

/** Whether the caller owns the course or is an admin (false for a course they cannot see). */
export async function callerCanManageCourse(tx: Tx, courseId: string): Promise<boolean> {
  const { rows } = await sql<{
    ok: boolean;
  }>`select private.can_manage_course(${courseId}::uuid) as ok`.execute(tx);
  return rows[0]?.ok === true;
}

/** A lesson of the course (RLS: owners see their own, deleted ones included). */
export async function findCourseLesson(tx: Tx, courseId: string, lessonId: string) {
  return tx
    .selectFrom('courseLessons')
    .select(['id', 'contentType', 'deletedAt'])
    .where('id', '=', lessonId)
    .where('courseId', '=', courseId)
    .executeTakeFirst();
}
