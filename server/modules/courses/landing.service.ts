import { z } from 'zod';
import {
  courseSlugSchema,
  type LessonContent,
  type LessonResource,
  type Review,
} from '../../../contracts/courses.ts';
import {
  REVIEW_LIST_MAX_LIMIT,
  updateReviewSchema,
  type MyReview,
  type MyReviewReply,
  type ReviewList,
  type ReviewListQuery,
  type UpdateReviewInput,
} from '../../../contracts/reviews.ts';
import { compileOnly, type Db } from '../../db/session.ts';
import { AppError } from '../../platform/errors.ts';
import { isSafeUrl, markdownToText, renderMarkdownCached } from '../../platform/markdown.ts';
import type { PageMeta } from '../../platform/web.ts';
import type { Caller } from './courses.service.ts';
import { callerIsEnrolled, findReadableCourse } from './courses.queries.ts';
import {
  courseShareQuery,
  deleteOwnReview,
  findOwnReview,
  lessonContentQuery,
  listCourseReviews,
  listProfileCards,
  updateOwnReview,
  type LessonContentRow,
  type ReviewCursor,
} from './landing.queries.ts';

/**
 * The landing page's own reads and writes beyond the page itself (courses.service.ts
 * getCoursePage): preview lessons, the share tags of /courses/:slug, and reviews.
 */

const courseNotFound = () => new AppError('not_found', 'Course not found.');
const lessonNotFound = () => new AppError('not_found', 'Lesson not found.');

function requireUser(caller: Caller) {
  if (!caller.user) throw new AppError('unauthorized');
  return caller.user;
}

function iso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

// ---------------------------------------------------------------- lesson content

/** Video and image sources a player may load: the web, or a path on this site (/api/files/…). */
const MEDIA_SCHEMES = ['http', 'https'];

const storedResourceSchema = z.object({
  name: z.string().min(1),
  url: z.string().min(1),
  size: z.number().int().min(0).optional(),
  type: z.string().optional(),
});

/**
 * Resources as a player may offer them. The column is JSON an author wrote: entries that are not
 * a name and a link on the web or this site (javascript:, data:…) are left out rather than sent.
 */
function playableResources(stored: unknown): LessonResource[] {
  if (!Array.isArray(stored)) return [];
  return stored.flatMap((entry) => {
    const parsed = storedResourceSchema.safeParse(entry);
    if (!parsed.success || !isSafeUrl(parsed.data.url, MEDIA_SCHEMES)) return [];
    const { name, url, size, type } = parsed.data;
    return [{ name, url, size: size ?? null, type: type ?? null }];
  });
}

/** Shapes a lesson-content row for the API: article rendered and sanitised, unsafe URLs dropped. */
export function lessonContentFromRow(row: LessonContentRow): LessonContent {
  return {
    id: row.id,
    courseId: row.courseId,
    sectionId: row.sectionId,
    title: row.title,
    description: row.description,
    contentType: row.contentType,
    sortOrder: row.sortOrder,
    durationSeconds: row.durationSeconds,
    isPreview: row.isPreview,
    videoUrl: row.videoUrl && isSafeUrl(row.videoUrl, MEDIA_SCHEMES) ? row.videoUrl : null,
    articleHtml: row.articleContent ? renderMarkdownCached(row.articleContent) : null,
    resources: playableResources(row.downloadableResources),
  };
}

/**
 * A lesson with its playable content, in one round trip. Free previews of published courses reach
 * everyone; other lessons reach enrolled learners, owners and admins. Everyone else — and every
 * missing course or lesson — gets the same not_found, so existence does not leak.
 */
export async function getLessonContent(
  caller: Caller,
  slug: string,
  lessonId: string,
): Promise<LessonContent> {
  const [row] = await caller.db.read((qb) => lessonContentQuery(qb, slug, lessonId));
  if (!row) throw lessonNotFound();
  return lessonContentFromRow(row);
}

// ---------------------------------------------------------------- share tags

const META_DESCRIPTION_MAX = 300;

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

const COURSE_PAGE_PATH = /^\/courses\/([^/]+)\/?$/;

/**
 * The share tags of a client route: for /courses/:slug of a published course, read as anon in one
 * query; null for anything else (other paths, drafts, deleted or unknown courses), which then get
 * the generic page: nothing leaks.
 */
export async function findPageMeta(db: Db, publicUrl: string, path: string): Promise<PageMeta | null> {
  const slug = courseSlugSchema.safeParse(COURSE_PAGE_PATH.exec(path)?.[1]);
  if (!slug.success) return null;
  return findCourseShareMeta(db, publicUrl, slug.data);
}

/** The share tags of a published course (see findPageMeta), or null. */
export async function findCourseShareMeta(db: Db, publicUrl: string, slug: string): Promise<PageMeta | null> {
  const [row] = await db.readAs(null, courseShareQuery(compileOnly, slug));
  if (!row) return null;
  const description =
    row.metaDescription?.trim() || row.subtitle?.trim() || markdownToText(row.description) || row.title;
  const thumbnail = row.thumbnailUrl && isSafeUrl(row.thumbnailUrl, MEDIA_SCHEMES) ? row.thumbnailUrl : null;
  return {
    title: row.title,
    description: truncate(description, META_DESCRIPTION_MAX),
    url: `${publicUrl}/courses/${row.slug}`,
    imageUrl: thumbnail ? new URL(thumbnail, `${publicUrl}/`).href : null,
  };
}

// ---------------------------------------------------------------- reviews

const cursorSchema = z.object({ createdMicros: z.string().regex(/^-?\d{1,20}$/), id: z.uuid() });

function encodeCursor(cursor: ReviewCursor): string {
  return Buffer.from(`${cursor.createdMicros}~${cursor.id}`).toString('base64url');
}

function decodeCursor(text: string): ReviewCursor {
  const [createdMicros, id] = Buffer.from(text, 'base64url').toString('utf8').split('~');
  const parsed = cursorSchema.safeParse({ createdMicros, id });
  if (!parsed.success)
    throw new AppError('validation_failed', 'querystring.cursor: is not a cursor this API issued');
  return parsed.data;
}

type ReviewRow = {
  id: string;
  userId: string;
  rating: number;
  title: string | null;
  comment: string | null;
  createdAt: Date;
  updatedAt: Date;
};

type Cards = Awaited<ReturnType<typeof listProfileCards>>;

function reviewDto(row: ReviewRow, cards: Cards): Review {
  return {
    id: row.id,
    rating: row.rating,
    title: row.title,
    comment: row.comment,
    createdAt: iso(row.createdAt),
    reviewer: cards.find((card) => card.id === row.userId) ?? null,
  };
}

function myReviewDto(row: ReviewRow, cards: Cards): MyReview {
  return { ...reviewDto(row, cards), updatedAt: iso(row.updatedAt) };
}

/**
 * One page of a course's reviews, newest first, with the reviewers' public cards; `nextCursor` is
 * null on the last page. Throws not_found when the caller cannot read the course.
 */
export async function listReviews(
  caller: Caller,
  courseId: string,
  query: ReviewListQuery,
): Promise<ReviewList> {
  const limit = Math.min(Math.max(query.limit, 1), REVIEW_LIST_MAX_LIMIT);
  const after = query.cursor ? decodeCursor(query.cursor) : undefined;
  return caller.db.run(async (tx) => {
    if (!(await findReadableCourse(tx, courseId))) throw courseNotFound();
    const rows = await listCourseReviews(tx, courseId, { limit, after });
    const page = rows.slice(0, limit);
    const cards = await listProfileCards(tx, [...new Set(page.map((r) => r.userId))]);
    const last = page.at(-1);
    return {
      items: page.map((row) => reviewDto(row, cards)),
      nextCursor:
        rows.length > limit && last ? encodeCursor({ createdMicros: last.createdMicros, id: last.id }) : null,
    };
  });
}

/** The caller's own review of the course (null when they have none). */
export async function getMyReview(caller: Caller, courseId: string): Promise<MyReviewReply> {
  const user = requireUser(caller);
  return caller.db.run(async (tx) => {
    if (!(await findReadableCourse(tx, courseId))) throw courseNotFound();
    const row = await findOwnReview(tx, courseId, user.id);
    if (!row) return { review: null };
    return { review: myReviewDto(row, await listProfileCards(tx, [user.id])) };
  });
}

/**
 * Replaces the rating, title and comment of the caller's review. Throws not_found when the course
 * is not readable or the caller has no review, forbidden when they are no longer enrolled.
 */
export async function updateMyReview(
  caller: Caller,
  courseId: string,
  input: UpdateReviewInput,
): Promise<MyReview> {
  const user = requireUser(caller);
  const parsed = updateReviewSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError('validation_failed', `body.${issue?.path.join('.')}: ${issue?.message}`);
  }
  const review = {
    rating: parsed.data.rating,
    title: parsed.data.title ?? null,
    comment: parsed.data.comment ?? null,
  };
  return caller.db.run(async (tx) => {
    if (!(await findReadableCourse(tx, courseId))) throw courseNotFound();
    // The update policy re-checks this (WITH CHECK can_study_course); asking first gives a clear answer.
    if (!(await findOwnReview(tx, courseId, user.id))) {
      throw new AppError('not_found', 'You have not reviewed this course yet.');
    }
    if (!(await callerIsEnrolled(tx, courseId))) {
      throw new AppError('forbidden', 'Only learners enrolled in this course can edit their review.');
    }
    const row = await updateOwnReview(tx, courseId, user.id, review);
    if (!row) throw new AppError('not_found', 'You have not reviewed this course yet.');
    return myReviewDto(row, await listProfileCards(tx, [user.id]));
  });
}

/** Deletes the caller's review of the course. Throws not_found when there is none to delete. */
export async function deleteMyReview(caller: Caller, courseId: string): Promise<void> {
  const user = requireUser(caller);
  await caller.db.run(async (tx) => {
    if (!(await deleteOwnReview(tx, courseId, user.id))) {
      throw new AppError('not_found', 'You have not reviewed this course.');
    }
  });
}
