import { sql, type SqlBool } from 'kysely';
import type { Tx } from '../../db/session.ts';

// ---------------------------------------------------------------- lesson content

/**
 * One lesson of a live course with its content, as ONE statement. The content columns are not
 * granted to request roles: they come from private.lesson_content(), which leaves the row out
 * unless the caller may see it (a free preview of a course they can read, an enrolment, owner or
 * admin). RLS on courses decides which course the slug can name.
 */
export function lessonContentQuery(tx: Tx, slug: string, lessonId: string) {
  return tx
    .selectFrom('courses as c')
    .innerJoin('courseLessons as l', 'l.courseId', 'c.id')
    .innerJoin('courseSections as s', 's.id', 'l.sectionId')
    .innerJoinLateral(
      (eb) =>
        eb
          .selectFrom(
            sql<{
              id: string;
              videoUrl: string | null;
              articleContent: string | null;
              downloadableResources: unknown;
            }>`private.lesson_content(array[${eb.ref('l.id')}])`.as('lc'),
          )
          .selectAll()
          .as('lc'),
      (join) => join.onTrue(),
    )
    .where('c.slug', '=', slug)
    .where('c.deletedAt', 'is', null)
    .where('l.id', '=', lessonId)
    .where('l.deletedAt', 'is', null)
    .where('s.deletedAt', 'is', null)
    .select([
      'l.id',
      'l.courseId',
      'l.sectionId',
      'l.title',
      'l.description',
      'l.contentType',
      'l.sortOrder',
      'l.videoDurationSeconds as durationSeconds',
      'l.isPreview',
      'lc.videoUrl',
      'lc.articleContent',
      'lc.downloadableResources',
    ]);
}

export type LessonContentRow = NonNullable<
  Awaited<ReturnType<ReturnType<typeof lessonContentQuery>['executeTakeFirst']>>
>;

// ---------------------------------------------------------------- share tags

/**
 * What a link preview shows of a course, read as anon: only published, live courses have one
 * (the policy says so too). One indexed lookup on the slug.
 */
export function courseShareQuery(tx: Tx, slug: string) {
  return tx
    .selectFrom('courses')
    .where('slug', '=', slug)
    .where('status', '=', 'published')
    .where('deletedAt', 'is', null)
    .select(['slug', 'title', 'subtitle', 'description', 'metaDescription', 'thumbnailUrl']);
}

export type CourseShareRow = NonNullable<
  Awaited<ReturnType<ReturnType<typeof courseShareQuery>['executeTakeFirst']>>
>;

// ---------------------------------------------------------------- reviews

export interface ReviewCursor {
  /** created_at as integer microseconds since the epoch: a JS Date would lose the last three digits. */
  createdMicros: string;
  id: string;
}

const reviewColumns = [
  'r.id',
  'r.userId',
  'r.rating',
  'r.title',
  'r.comment',
  'r.createdAt',
  'r.updatedAt',
] as const;

/**
 * One page of a course's reviews, newest first, keyset-paginated on (created_at, id); editing a
 * review keeps its place. Fetches `limit + 1` rows so the caller knows whether another page exists.
 * RLS shows the reviews of courses the caller can read only.
 */
export async function listCourseReviews(
  tx: Tx,
  courseId: string,
  page: { limit: number; after?: ReviewCursor | undefined },
) {
  let query = tx
    .selectFrom('courseReviews as r')
    .where('r.courseId', '=', courseId)
    .select(reviewColumns)
    .select(sql<string>`(extract(epoch from r.created_at) * 1000000)::bigint::text`.as('createdMicros'))
    .orderBy('r.createdAt', 'desc')
    .orderBy('r.id', 'desc')
    .limit(page.limit + 1);
  if (page.after) {
    const { createdMicros, id } = page.after;
    query = query.where(
      sql<SqlBool>`(r.created_at, r.id) < (timestamptz 'epoch' + ${createdMicros}::bigint * interval '1 microsecond', ${id}::uuid)`,
    );
  }
  return query.execute();
}

/** Public cards (display name, avatar, bio) of these people, as far as the caller may see them. */
export async function listProfileCards(tx: Tx, ids: string[]) {
  if (ids.length === 0) return [];
  const { rows } = await sql<{
    id: string;
    displayName: string;
    avatarUrl: string | null;
    bio: string | null;
  }>`select id, display_name, avatar_url, bio from private.public_profile_cards(${ids}::uuid[])`.execute(tx);
  return rows;
}

/** The caller's own review of the course, or undefined. */
export async function findOwnReview(tx: Tx, courseId: string, userId: string) {
  return tx
    .selectFrom('courseReviews as r')
    .where('r.courseId', '=', courseId)
    .where('r.userId', '=', userId)
    .select(reviewColumns)
    .executeTakeFirst();
}

/** Replaces rating, title and comment of the caller's review; triggers recount the course rating. */
export async function updateOwnReview(
  tx: Tx,
  courseId: string,
  userId: string,
  review: { rating: number; title: string | null; comment: string | null },
) {
  return tx
    .updateTable('courseReviews as r')
    .set(review)
    .where('r.courseId', '=', courseId)
    .where('r.userId', '=', userId)
    .returning(reviewColumns)
    .executeTakeFirst();
}

/** Deletes the caller's review; true when there was one. Triggers recount the course rating. */
export async function deleteOwnReview(tx: Tx, courseId: string, userId: string): Promise<boolean> {
  const result = await tx
    .deleteFrom('courseReviews')
    .where('courseId', '=', courseId)
    .where('userId', '=', userId)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}
