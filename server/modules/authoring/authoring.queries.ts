import { sql, type SqlBool } from 'kysely';
import type { AuthoredLessonType } from '../../../contracts/authoring.ts';
import type { Courses, Json } from '../../db/types.generated.ts';
import type { Tx } from '../../db/session.ts';

// Authoring queries. Row-level security is the lock (owner or admin may write); the explicit
// `private.can_manage_course` filters make "not yours" come back empty instead of read-only.

/** True when the caller is an active instructor or admin (policies check the same on insert). */
export async function callerIsInstructor(tx: Tx): Promise<boolean> {
  const { rows } = await sql<{ ok: boolean }>`select private.is_instructor() as ok`.execute(tx);
  return rows[0]?.ok === true;
}

/** True when the caller is an active admin. */
export async function callerIsAdmin(tx: Tx): Promise<boolean> {
  const { rows } = await sql<{ ok: boolean }>`select private.is_admin() as ok`.execute(tx);
  return rows[0]?.ok === true;
}

/** The suffix that makes a generated slug unique across all courses, trashed ones included (0: none). */
export async function freeSlugSuffix(tx: Tx, base: string): Promise<number> {
  const { rows } = await sql<{
    suffix: number | null;
  }>`select private.free_course_slug_suffix(${base}) as suffix`.execute(tx);
  return rows[0]?.suffix ?? 0;
}

// ---------------------------------------------------------------- courses

/** The author-set columns of a course (what create and edit write). */
export interface CourseFields {
  slug: string;
  title: string;
  subtitle: string | null;
  description: string;
  thumbnailUrl: string | null;
  previewVideoUrl: string | null;
  category: string;
  subcategory: string | null;
  tags: string[];
  difficultyLevel: Courses['difficultyLevel'];
  priceCents: number;
  accessType: 'free' | 'paid' | 'subscription';
  hasCertificate: boolean;
  language: string;
  captionsAvailable: string[];
  prerequisites: string[];
  learningOutcomes: string[];
  targetAudience: string | null;
  metaDescription: string | null;
  metaKeywords: string[];
}

/** Inserts a draft course; RLS requires instructorId to be the caller (or the caller an admin). */
export async function insertCourse(tx: Tx, course: CourseFields & { instructorId: string }) {
  return tx
    .insertInto('courses')
    .values({ ...course, status: 'draft' })
    .returning(['id', 'slug', 'status'])
    .executeTakeFirstOrThrow();
}

const courseColumns = [
  'id',
  'slug',
  'title',
  'subtitle',
  'description',
  'thumbnailUrl',
  'previewVideoUrl',
  'category',
  'subcategory',
  'tags',
  'difficultyLevel',
  'priceCents',
  'accessType',
  'hasCertificate',
  'language',
  'captionsAvailable',
  'prerequisites',
  'learningOutcomes',
  'targetAudience',
  'metaDescription',
  'metaKeywords',
  'status',
  'instructorId',
  'instructorName',
  'lessonCount',
  'totalDurationMinutes',
  'enrollmentCount',
  'createdAt',
  'updatedAt',
  'publishedAt',
  'lastUpdatedAt',
  'deletedAt',
] as const;

/**
 * A course the caller may author (owner or admin), trashed or not, locked for the rest of the
 * transaction: every structural write of one course takes this lock first, so concurrent edits of
 * its outline serialise (the same FOR NO KEY UPDATE the 0009 counter triggers take).
 */
export async function lockManagedCourse(tx: Tx, courseId: string) {
  return tx
    .selectFrom('courses')
    .where('id', '=', courseId)
    .where(sql<SqlBool>`private.can_manage_course(id)`)
    .select(courseColumns)
    .forNoKeyUpdate()
    .executeTakeFirst();
}

export type ManagedCourse = NonNullable<Awaited<ReturnType<typeof lockManagedCourse>>>;

/** A course the caller may author, trashed or not, without locking it (reads). */
export async function findManagedCourse(tx: Tx, courseId: string) {
  return tx
    .selectFrom('courses')
    .where('id', '=', courseId)
    .where(sql<SqlBool>`private.can_manage_course(id)`)
    .select(courseColumns)
    .executeTakeFirst();
}

/** Writes author fields (partial); the stamp trigger bumps last_updated_at. */
export async function updateCourseFields(tx: Tx, courseId: string, fields: Partial<CourseFields>) {
  await tx.updateTable('courses').set(fields).where('id', '=', courseId).execute();
}

/** Sets the status; the courses_stamp_status trigger stamps published_at on first publication. */
export async function updateCourseStatus(
  tx: Tx,
  courseId: string,
  status: 'draft' | 'published' | 'archived',
) {
  return tx
    .updateTable('courses')
    .set({ status })
    .where('id', '=', courseId)
    .returning(['id', 'slug', 'status', 'publishedAt', 'deletedAt'])
    .executeTakeFirstOrThrow();
}

/** Moves a course to the trash (a timestamp) or out of it (null). */
export async function setCourseDeletedAt(tx: Tx, courseId: string, deletedAt: Date | null) {
  return tx
    .updateTable('courses')
    .set({ deletedAt })
    .where('id', '=', courseId)
    .returning(['id', 'slug', 'status', 'publishedAt', 'deletedAt'])
    .executeTakeFirstOrThrow();
}

/** Enrolments that still give access (not expired); the owner reads them under RLS. */
export async function countLiveEnrollments(tx: Tx, courseId: string): Promise<number> {
  const row = await tx
    .selectFrom('enrollments')
    .where('courseId', '=', courseId)
    .where((eb) => eb.or([eb('expiresAt', 'is', null), eb('expiresAt', '>', sql<Date>`now()`)]))
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export interface AuthoringListFilter {
  limit: number;
  /** Only courses of this instructor (undefined: every course the caller can manage). */
  instructorId?: string | undefined;
  status?: 'draft' | 'published' | 'archived' | undefined;
  trash: 'include' | 'exclude' | 'only';
  after?: { updatedMicros: string; id: string } | undefined;
}

/**
 * One page of courses the caller manages, most recently changed first, keyset-paginated on
 * (updated_at, id). Fetches `limit + 1` rows so the caller knows whether another page exists.
 */
export async function listManagedCourses(tx: Tx, filter: AuthoringListFilter) {
  let query = tx
    .selectFrom('courses as c')
    .where(sql<SqlBool>`private.can_manage_course(c.id)`)
    .select([
      'c.id',
      'c.slug',
      'c.title',
      'c.status',
      'c.instructorId',
      'c.instructorName',
      'c.thumbnailUrl',
      'c.lessonCount',
      'c.totalDurationMinutes',
      'c.enrollmentCount',
      'c.updatedAt',
      'c.publishedAt',
      'c.deletedAt',
      sql<string>`(extract(epoch from c.updated_at) * 1000000)::bigint::text`.as('updatedMicros'),
    ])
    .select((eb) =>
      eb
        .selectFrom('courseSections as s')
        .whereRef('s.courseId', '=', 'c.id')
        .where('s.deletedAt', 'is', null)
        .select(sql<number>`count(*)::int`.as('n'))
        .as('sectionCount'),
    )
    .orderBy('c.updatedAt', 'desc')
    .orderBy('c.id', 'desc')
    .limit(filter.limit + 1);
  if (filter.instructorId) query = query.where('c.instructorId', '=', filter.instructorId);
  if (filter.status) query = query.where('c.status', '=', filter.status);
  if (filter.trash === 'exclude') query = query.where('c.deletedAt', 'is', null);
  if (filter.trash === 'only') query = query.where('c.deletedAt', 'is not', null);
  if (filter.after) {
    const { updatedMicros, id } = filter.after;
    query = query.where(
      sql<SqlBool>`(c.updated_at, c.id) < (timestamptz 'epoch' + ${updatedMicros}::bigint * interval '1 microsecond', ${id}::uuid)`,
    );
  }
  return query.execute();
}

// ---------------------------------------------------------------- sections

/** The course's live sections in order (ties broken by id, as the landing page does). */
export async function listSections(tx: Tx, courseId: string) {
  return tx
    .selectFrom('courseSections')
    .where('courseId', '=', courseId)
    .where('deletedAt', 'is', null)
    .select(['id', 'courseId', 'title', 'description', 'sortOrder', 'lessonCount', 'totalDurationMinutes'])
    .orderBy('sortOrder')
    .orderBy('id')
    .execute();
}

export type SectionRow = Awaited<ReturnType<typeof listSections>>[number];

/** A live section of the given course, or undefined. */
export async function findSection(tx: Tx, courseId: string, sectionId: string) {
  return tx
    .selectFrom('courseSections')
    .where('id', '=', sectionId)
    .where('courseId', '=', courseId)
    .where('deletedAt', 'is', null)
    .select(['id', 'courseId', 'title', 'description', 'sortOrder', 'lessonCount', 'totalDurationMinutes'])
    .executeTakeFirst();
}

export async function insertSection(
  tx: Tx,
  section: { courseId: string; title: string; description?: string | null | undefined; sortOrder: number },
) {
  return tx.insertInto('courseSections').values(section).returning('id').executeTakeFirstOrThrow();
}

export async function updateSection(
  tx: Tx,
  sectionId: string,
  fields: { title?: string | undefined; description?: string | null | undefined; deletedAt?: Date },
) {
  await tx.updateTable('courseSections').set(fields).where('id', '=', sectionId).execute();
}

/**
 * Gives the course's sections the positions of `orderedIds` (0, 1, 2…) in ONE statement, touching
 * only rows whose position changes.
 */
export async function renumberSections(tx: Tx, courseId: string, orderedIds: string[]) {
  if (orderedIds.length === 0) return;
  await sql`
    update public.course_sections s set sort_order = v.position - 1
      from unnest(${orderedIds}::uuid[]) with ordinality as v(id, position)
     where s.id = v.id and s.course_id = ${courseId}::uuid and s.sort_order <> v.position - 1`.execute(tx);
}

// ---------------------------------------------------------------- lessons

/** A lesson's content as private.lesson_content() returns it (owners and admins get every lesson). */
interface LessonContentRow {
  id: string;
  videoUrl: string | null;
  articleContent: string | null;
  downloadableResources: Json | null;
}

/**
 * Live lessons of live sections of a course, in order, WITH their content. Content columns are
 * not granted to request roles: they come from private.lesson_content(), which gives an owner or
 * admin every lesson of their course.
 */
export async function listLessonsWithContent(tx: Tx, courseId: string, sectionId?: string) {
  let query = tx
    .selectFrom('courseLessons as l')
    .innerJoin('courseSections as s', 's.id', 'l.sectionId')
    .leftJoin(
      sql<LessonContentRow>`private.lesson_content(array(select x.id from public.course_lessons x where x.course_id = ${courseId}::uuid and x.deleted_at is null))`.as(
        'lc',
      ),
      (join) => join.onRef('lc.id', '=', 'l.id'),
    )
    // A quiz lesson's quiz (quizzes module): the publish checklist wants it to have questions.
    .leftJoin('quizzes as q', (join) => join.onRef('q.lessonId', '=', 'l.id').on('q.deletedAt', 'is', null))
    .where('l.courseId', '=', courseId)
    .where('l.deletedAt', 'is', null)
    .where('s.deletedAt', 'is', null)
    .select([
      'l.id',
      'l.courseId',
      'l.sectionId',
      'l.title',
      'l.description',
      'l.sortOrder',
      'l.contentType',
      'l.isPreview',
      'l.videoDurationSeconds',
      'l.updatedAt',
      'lc.videoUrl',
      'lc.articleContent',
      'lc.downloadableResources',
      sql<number | null>`case when l.content_type = 'quiz' then coalesce(q.question_count, 0) end`.as(
        'quizQuestionCount',
      ),
    ])
    .orderBy('l.sortOrder')
    .orderBy('l.id');
  if (sectionId) query = query.where('l.sectionId', '=', sectionId);
  return query.execute();
}

export type LessonRow = Awaited<ReturnType<typeof listLessonsWithContent>>[number];

/** The ids of a section's live lessons in order. */
export async function listLessonIds(tx: Tx, sectionId: string): Promise<string[]> {
  const rows = await tx
    .selectFrom('courseLessons')
    .where('sectionId', '=', sectionId)
    .where('deletedAt', 'is', null)
    .select('id')
    .orderBy('sortOrder')
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}

/** A live lesson of the course in a live section, or undefined. */
export async function findLesson(tx: Tx, courseId: string, lessonId: string) {
  return tx
    .selectFrom('courseLessons as l')
    .innerJoin('courseSections as s', 's.id', 'l.sectionId')
    .where('l.id', '=', lessonId)
    .where('l.courseId', '=', courseId)
    .where('l.deletedAt', 'is', null)
    .where('s.deletedAt', 'is', null)
    .select(['l.id', 'l.sectionId', 'l.contentType'])
    .executeTakeFirst();
}

/** The columns a lesson's content lives in (null where its type has none). */
export interface LessonContentColumns {
  contentType: AuthoredLessonType | 'quiz';
  videoUrl: string | null;
  videoDurationSeconds: number | null;
  articleContent: string | null;
  downloadableResources: Json;
}

export async function insertLesson(
  tx: Tx,
  lesson: LessonContentColumns & {
    courseId: string;
    sectionId: string;
    title: string;
    description?: string | null | undefined;
    sortOrder: number;
    isPreview: boolean;
  },
) {
  return tx
    .insertInto('courseLessons')
    .values({ ...lesson, downloadableResources: JSON.stringify(lesson.downloadableResources) })
    .returning('id')
    .executeTakeFirstOrThrow();
}

/** Writes lesson fields (partial); triggers recount the outline when duration or deletion changes. */
export async function updateLesson(
  tx: Tx,
  lessonId: string,
  fields: Partial<LessonContentColumns> & {
    title?: string | undefined;
    description?: string | null | undefined;
    isPreview?: boolean | undefined;
    sectionId?: string | undefined;
    sortOrder?: number | undefined;
    deletedAt?: Date | undefined;
  },
) {
  const { downloadableResources, ...rest } = fields;
  await tx
    .updateTable('courseLessons')
    .set({
      ...rest,
      ...(downloadableResources === undefined
        ? {}
        : { downloadableResources: JSON.stringify(downloadableResources) }),
    })
    .where('id', '=', lessonId)
    .execute();
}

/** Gives a section's lessons the positions of `orderedIds` in ONE statement (changed rows only). */
export async function renumberLessons(tx: Tx, sectionId: string, orderedIds: string[]) {
  if (orderedIds.length === 0) return;
  await sql`
    update public.course_lessons l set sort_order = v.position - 1
      from unnest(${orderedIds}::uuid[]) with ordinality as v(id, position)
     where l.id = v.id and l.section_id = ${sectionId}::uuid and l.sort_order <> v.position - 1`.execute(tx);
}
