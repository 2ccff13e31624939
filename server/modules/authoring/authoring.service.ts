import { z } from 'zod';
import {
  AUTHORING_LIST_MAX_LIMIT,
  createCourseSchema,
  createLessonSchema,
  createSectionSchema,
  isPriceConsistent,
  lessonContentSchema,
  moveLessonSchema,
  PRICE_RULE_MESSAGE,
  reorderLessonsSchema,
  reorderSectionsSchema,
  updateCourseSchema,
  updateLessonSchema,
  updateSectionSchema,
  type AuthoringCourse,
  type AuthoringCourseList,
  type AuthoringCourseListFilter,
  type AuthoringLesson,
  type AuthoringSection,
  type CourseStatusChange,
  type CreateCourseInput,
  type CreatedCourse,
  type CreateLessonInput,
  type CreateSectionInput,
  type LessonContent,
  type MoveLessonInput,
  type PublishChecklist,
  type ReorderLessonsInput,
  type ReorderSectionsInput,
  type UpdateCourseInput,
  type UpdateLessonInput,
  type UpdateSectionInput,
} from '../../../contracts/authoring.ts';
import type { Json } from '../../db/types.generated.ts';
import type { Tx } from '../../db/session.ts';
import { AppError, findPgError } from '../../platform/errors.ts';
import { parseInput, requireUser, type Caller } from '../courses/courses.service.ts';
import {
  callerIsAdmin,
  callerIsInstructor,
  countLiveEnrollments,
  findLesson,
  findManagedCourse,
  findSection,
  freeSlugSuffix,
  insertCourse,
  insertLesson,
  insertSection,
  listLessonIds,
  listLessonsWithContent,
  listManagedCourses,
  listSections,
  lockManagedCourse,
  renumberLessons,
  renumberSections,
  setCourseDeletedAt,
  updateCourseFields,
  updateCourseStatus,
  updateLesson,
  updateSection,
  type CourseFields,
  type LessonContentColumns,
  type LessonRow,
  type ManagedCourse,
  type SectionRow,
} from './authoring.queries.ts';
import { slugify, withSuffix } from './course-slug.ts';
import { buildChecklist, missingItems } from './publish-checklist.ts';

// The rules of authoring: who may author (instructors their own courses, admins all), what a
// course, section and lesson must look like, and the course lifecycle. Row-level security is the
// lock underneath; these checks exist to give clear answers (403 "you may not author" before
// 404 "no such course of yours").

const courseNotFound = () => new AppError('not_found', 'Course not found.');
const sectionNotFound = () => new AppError('not_found', 'Section not found.');
const lessonNotFound = () => new AppError('not_found', 'Lesson not found.');

/** JSON from the database carries timestamps as text; the API sends ISO 8601 in UTC everywhere. */
function iso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}
function isoOrNull(value: Date | string | null): string | null {
  return value === null ? null : iso(value);
}

/** A 400 for a rule that involves more than one field, in the shape of schema failures. */
function invalid(path: string, message: string): AppError {
  return new AppError('validation_failed', `${path}: ${message}`, { issues: [{ path, message }] });
}

function slugTaken(slug: string, cause: unknown): AppError {
  return new AppError(
    'slug_taken',
    `Another course already uses the address "${slug}"; choose another slug.`,
    { slug },
    { cause },
  );
}

const isUniqueViolation = (error: unknown) => findPgError(error)?.code === '23505';

/**
 * One unit of work as an author: signed in (401), an instructor or admin (403), then `work`.
 * Every authoring path goes through here.
 */
async function asAuthor<T>(caller: Caller, work: (tx: Tx) => Promise<T>): Promise<T> {
  requireUser(caller);
  return caller.db.run(async (tx) => {
    if (!(await callerIsInstructor(tx))) {
      throw new AppError('forbidden', 'Only instructors and admins can author courses.');
    }
    return work(tx);
  });
}

/** The course, locked; 404 when missing or not the caller's; 409 when trashed and `live` is needed. */
async function lockCourse(tx: Tx, courseId: string, options: { live: boolean }): Promise<ManagedCourse> {
  const course = await lockManagedCourse(tx, courseId);
  if (!course) throw courseNotFound();
  if (options.live && course.deletedAt !== null) {
    throw new AppError('conflict', 'This course is in the trash: restore it before changing it.');
  }
  return course;
}

// ---------------------------------------------------------------- DTOs

function lessonDto(row: LessonRow, courseId: string): AuthoringLesson {
  const resources = Array.isArray(row.downloadableResources) ? row.downloadableResources : [];
  return {
    id: row.id,
    courseId,
    sectionId: row.sectionId,
    title: row.title,
    description: row.description,
    sortOrder: row.sortOrder,
    contentType: row.contentType,
    isPreview: row.isPreview,
    videoUrl: row.videoUrl,
    videoDurationSeconds: row.videoDurationSeconds,
    articleContent: row.articleContent,
    downloadableResources: resources as AuthoringLesson['downloadableResources'],
    quizQuestionCount: row.quizQuestionCount,
    updatedAt: iso(row.updatedAt),
  };
}

function sectionDto(section: SectionRow, lessons: LessonRow[]): AuthoringSection {
  return {
    id: section.id,
    courseId: section.courseId,
    title: section.title,
    description: section.description,
    sortOrder: section.sortOrder,
    lessonCount: section.lessonCount,
    totalDurationMinutes: section.totalDurationMinutes,
    lessons: lessons.filter((l) => l.sectionId === section.id).map((l) => lessonDto(l, section.courseId)),
  };
}

/** The editable course as the author sees it (inside the caller's unit of work). */
async function loadAuthoringCourse(tx: Tx, course: ManagedCourse): Promise<AuthoringCourse> {
  const [sections, lessons] = [
    await listSections(tx, course.id),
    await listLessonsWithContent(tx, course.id),
  ];
  return {
    id: course.id,
    slug: course.slug,
    title: course.title,
    subtitle: course.subtitle,
    description: course.description,
    thumbnailUrl: course.thumbnailUrl,
    previewVideoUrl: course.previewVideoUrl,
    category: course.category,
    subcategory: course.subcategory,
    tags: course.tags,
    difficultyLevel: course.difficultyLevel,
    priceCents: course.priceCents,
    accessType: course.accessType,
    hasCertificate: course.hasCertificate,
    language: course.language,
    captionsAvailable: course.captionsAvailable,
    prerequisites: course.prerequisites,
    learningOutcomes: course.learningOutcomes,
    targetAudience: course.targetAudience,
    metaDescription: course.metaDescription,
    metaKeywords: course.metaKeywords,
    status: course.status,
    instructorId: course.instructorId,
    instructorName: course.instructorName,
    lessonCount: course.lessonCount,
    totalDurationMinutes: course.totalDurationMinutes,
    enrollmentCount: course.enrollmentCount,
    createdAt: iso(course.createdAt),
    updatedAt: iso(course.updatedAt),
    publishedAt: isoOrNull(course.publishedAt),
    lastUpdatedAt: isoOrNull(course.lastUpdatedAt),
    isTrashed: course.deletedAt !== null,
    deletedAt: isoOrNull(course.deletedAt),
    sections: sections.map((s) => sectionDto(s, lessons)),
  };
}

/** Re-reads the course after a write in the same unit of work (counters are already true). */
async function reloadAuthoringCourse(tx: Tx, courseId: string): Promise<AuthoringCourse> {
  const course = await findManagedCourse(tx, courseId);
  if (!course) throw courseNotFound();
  return loadAuthoringCourse(tx, course);
}

function statusChangeDto(row: {
  id: string;
  slug: string;
  status: ManagedCourse['status'];
  publishedAt: Date | null;
  deletedAt: Date | null;
}): CourseStatusChange {
  return {
    id: row.id,
    slug: row.slug,
    status: row.status,
    publishedAt: isoOrNull(row.publishedAt),
    isTrashed: row.deletedAt !== null,
  };
}

// ---------------------------------------------------------------- courses: reads

const listCursorSchema = z.object({ updatedMicros: z.string().regex(/^-?\d{1,20}$/), id: z.uuid() });

function encodeListCursor(cursor: { updatedMicros: string; id: string }): string {
  return Buffer.from(`${cursor.updatedMicros}~${cursor.id}`).toString('base64url');
}

function decodeListCursor(text: string) {
  const [updatedMicros, id] = Buffer.from(text, 'base64url').toString('utf8').split('~');
  const parsed = listCursorSchema.safeParse({ updatedMicros, id });
  if (!parsed.success)
    throw new AppError('validation_failed', 'querystring.cursor: is not a cursor this API issued');
  return parsed.data;
}

/**
 * "My courses": the caller's own courses, trashed ones flagged, most recently changed first. With
 * scope=all an admin sees every course (optionally one instructor's); others get forbidden.
 */
export async function listAuthoringCourses(
  caller: Caller,
  query: AuthoringCourseListFilter,
): Promise<AuthoringCourseList> {
  const user = requireUser(caller);
  const limit = Math.min(Math.max(query.limit, 1), AUTHORING_LIST_MAX_LIMIT);
  const after = query.cursor ? decodeListCursor(query.cursor) : undefined;
  const rows = await asAuthor(caller, async (tx) => {
    const all = query.scope === 'all';
    if (all && !(await callerIsAdmin(tx))) {
      throw new AppError('forbidden', 'Only admins can list every course.');
    }
    return listManagedCourses(tx, {
      limit,
      after,
      instructorId: all ? query.instructorId : user.id,
      status: query.status,
      trash: query.trash,
    });
  });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map((row) => ({
      id: row.id,
      slug: row.slug,
      title: row.title,
      status: row.status,
      instructorId: row.instructorId,
      instructorName: row.instructorName,
      thumbnailUrl: row.thumbnailUrl,
      sectionCount: row.sectionCount ?? 0,
      lessonCount: row.lessonCount,
      totalDurationMinutes: row.totalDurationMinutes,
      enrollmentCount: row.enrollmentCount,
      updatedAt: iso(row.updatedAt),
      publishedAt: isoOrNull(row.publishedAt),
      isTrashed: row.deletedAt !== null,
      deletedAt: isoOrNull(row.deletedAt),
    })),
    nextCursor:
      rows.length > limit && last
        ? encodeListCursor({ updatedMicros: last.updatedMicros, id: last.id })
        : null,
  };
}

/** The full editable course with lesson content; not_found unless the caller manages it. */
export async function getAuthoringCourse(caller: Caller, courseId: string): Promise<AuthoringCourse> {
  return asAuthor(caller, (tx) => reloadAuthoringCourse(tx, courseId));
}

/** What publishing still needs (a trashed course can be checked, not published). */
export async function getPublishChecklist(caller: Caller, courseId: string): Promise<PublishChecklist> {
  return asAuthor(caller, async (tx) => {
    const course = await reloadAuthoringCourse(tx, courseId);
    const checklist = buildChecklist(course);
    return course.isTrashed ? { ...checklist, canPublish: false } : checklist;
  });
}

// ---------------------------------------------------------------- courses: writes

const GENERATED_SLUG_ATTEMPTS = 3;

/**
 * Creates a draft course owned by the caller. Without a slug one is generated from the title and
 * made unique with "-2", "-3"… (trashed courses keep theirs). Throws forbidden unless the caller
 * is an instructor or admin, slug_taken when an explicit slug is used.
 */
export async function createCourse(caller: Caller, input: CreateCourseInput): Promise<CreatedCourse> {
  const user = requireUser(caller);
  const { slug: explicitSlug, ...fields } = parseInput(createCourseSchema, input);
  const base = slugify(fields.title);
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await asAuthor(caller, async (tx) => {
        const slug = explicitSlug ?? withSuffix(base, await freeSlugSuffix(tx, base));
        return insertCourse(tx, {
          ...fields,
          slug,
          subtitle: fields.subtitle ?? null,
          thumbnailUrl: fields.thumbnailUrl ?? null,
          previewVideoUrl: fields.previewVideoUrl ?? null,
          subcategory: fields.subcategory ?? null,
          targetAudience: fields.targetAudience ?? null,
          metaDescription: fields.metaDescription ?? null,
          instructorId: user.id,
        });
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      if (explicitSlug) throw slugTaken(explicitSlug, error);
      // Another course took the generated slug between the lookup and the insert: look again.
      if (attempt >= GENERATED_SLUG_ATTEMPTS) throw slugTaken(base, error);
    }
  }
}

/**
 * Edits any author field (only those sent). The slug does not follow the title; an explicit slug
 * change is checked for uniqueness (slug_taken). The price rule is checked on the result.
 */
export async function updateCourse(
  caller: Caller,
  courseId: string,
  input: UpdateCourseInput,
): Promise<AuthoringCourse> {
  const patch = parseInput(updateCourseSchema, input);
  try {
    return await asAuthor(caller, async (tx) => {
      const course = await lockCourse(tx, courseId, { live: true });
      const after = {
        accessType: patch.accessType ?? course.accessType,
        priceCents: patch.priceCents ?? course.priceCents,
      };
      if (!isPriceConsistent(after)) throw invalid('body.priceCents', PRICE_RULE_MESSAGE);
      const fields = Object.fromEntries(
        Object.entries(patch).filter(([, value]) => value !== undefined),
      ) as Partial<CourseFields>;
      if (Object.keys(fields).length > 0) await updateCourseFields(tx, courseId, fields);
      return reloadAuthoringCourse(tx, courseId);
    });
  } catch (error) {
    if (isUniqueViolation(error) && patch.slug) throw slugTaken(patch.slug, error);
    throw error;
  }
}

/**
 * Publishes a course the caller authors when its checklist allows (course_not_ready with the
 * missing items otherwise). Publishing a published course returns it unchanged; an archived
 * course comes back into the catalogue. published_at is stamped on the first publication only.
 */
export async function publishCourse(caller: Caller, courseId: string): Promise<CourseStatusChange> {
  return asAuthor(caller, async (tx) => {
    const locked = await lockCourse(tx, courseId, { live: true });
    if (locked.status === 'published') return statusChangeDto(locked);
    const checklist = buildChecklist(await loadAuthoringCourse(tx, locked));
    if (!checklist.canPublish) {
      const items = missingItems(checklist);
      throw new AppError(
        'course_not_ready',
        `The course is not ready to publish: ${items.map((i) => i.hint).join(' ')}`,
        { items },
      );
    }
    return statusChangeDto(await updateCourseStatus(tx, courseId, 'published'));
  });
}

/**
 * Takes a published (or archived) course back to draft. Refused with course_has_learners while
 * anyone holds a live enrolment: a draft is invisible to its learners, and access.md keeps what
 * learners have (archive takes a course out of the catalogue without taking it from them).
 */
export async function unpublishCourse(caller: Caller, courseId: string): Promise<CourseStatusChange> {
  return asAuthor(caller, async (tx) => {
    const course = await lockCourse(tx, courseId, { live: true });
    if (course.status === 'draft') return statusChangeDto(course);
    if ((await countLiveEnrollments(tx, courseId)) > 0) {
      throw new AppError(
        'course_has_learners',
        'Learners are enrolled in this course, so it cannot go back to draft; archive it instead.',
      );
    }
    return statusChangeDto(await updateCourseStatus(tx, courseId, 'draft'));
  });
}

/**
 * Archives a published course: out of the catalogue, still readable by its enrolled learners.
 * A draft has nothing to archive (conflict); an archived course is returned unchanged.
 */
export async function archiveCourse(caller: Caller, courseId: string): Promise<CourseStatusChange> {
  return asAuthor(caller, async (tx) => {
    const course = await lockCourse(tx, courseId, { live: true });
    if (course.status === 'archived') return statusChangeDto(course);
    if (course.status === 'draft') {
      throw new AppError(
        'conflict',
        'Only a published course can be archived; a draft is not in the catalogue.',
      );
    }
    return statusChangeDto(await updateCourseStatus(tx, courseId, 'archived'));
  });
}

/**
 * Moves a course to the trash (soft delete): invisible to everyone but its owner and admins. An
 * instructor cannot trash a course people are enrolled in (course_has_learners: archive it);
 * an admin can (moderation). Trashing a trashed course returns it unchanged.
 */
export async function trashCourse(caller: Caller, courseId: string): Promise<CourseStatusChange> {
  return asAuthor(caller, async (tx) => {
    const course = await lockCourse(tx, courseId, { live: false });
    if (course.deletedAt !== null) return statusChangeDto(course);
    if (!(await callerIsAdmin(tx)) && (await countLiveEnrollments(tx, courseId)) > 0) {
      throw new AppError(
        'course_has_learners',
        'Learners are enrolled in this course, so it cannot go to the trash; archive it instead.',
      );
    }
    return statusChangeDto(await setCourseDeletedAt(tx, courseId, new Date()));
  });
}

/** Takes a course out of the trash, in the status it had. Restoring a live course returns it unchanged. */
export async function restoreCourse(caller: Caller, courseId: string): Promise<CourseStatusChange> {
  return asAuthor(caller, async (tx) => {
    const course = await lockCourse(tx, courseId, { live: false });
    if (course.deletedAt === null) return statusChangeDto(course);
    return statusChangeDto(await setCourseDeletedAt(tx, courseId, null));
  });
}

// ---------------------------------------------------------------- sections

/** Puts `id` at `position` (clamped) in a list that does not contain it. */
function insertAt(ids: string[], id: string, position: number): string[] {
  const at = Math.min(Math.max(position, 0), ids.length);
  return [...ids.slice(0, at), id, ...ids.slice(at)];
}

/** A reorder list must be exactly the current set of ids, each once (order_mismatch otherwise). */
function assertSameSet(given: string[], current: string[], what: 'sections' | 'lessons') {
  const unique = new Set(given);
  const matches =
    unique.size === given.length && given.length === current.length && current.every((id) => unique.has(id));
  if (!matches) {
    throw new AppError(
      'order_mismatch',
      `The list of ${what} does not match the course as it is now (${current.length} ${what}); reload and try again.`,
      { currentIds: current },
    );
  }
}

/** Adds a section at a position (default: after the last), renumbering the others. */
export async function createSection(
  caller: Caller,
  courseId: string,
  input: CreateSectionInput,
): Promise<AuthoringSection> {
  const section = parseInput(createSectionSchema, input);
  return asAuthor(caller, async (tx) => {
    await lockCourse(tx, courseId, { live: true });
    const ids = (await listSections(tx, courseId)).map((s) => s.id);
    const position = Math.min(section.sortOrder ?? ids.length, ids.length);
    const { id } = await insertSection(tx, {
      courseId,
      title: section.title,
      description: section.description,
      sortOrder: position,
    });
    await renumberSections(tx, courseId, insertAt(ids, id, position));
    const created = await findSection(tx, courseId, id);
    return sectionDto(created!, []);
  });
}

/** Edits a section's title or description. */
export async function updateSectionFields(
  caller: Caller,
  courseId: string,
  sectionId: string,
  input: UpdateSectionInput,
): Promise<AuthoringSection> {
  const patch = parseInput(updateSectionSchema, input);
  return asAuthor(caller, async (tx) => {
    await lockCourse(tx, courseId, { live: true });
    if (!(await findSection(tx, courseId, sectionId))) throw sectionNotFound();
    if (patch.title !== undefined || patch.description !== undefined) {
      await updateSection(tx, sectionId, { title: patch.title, description: patch.description });
    }
    const section = await findSection(tx, courseId, sectionId);
    return sectionDto(section!, await listLessonsWithContent(tx, courseId, sectionId));
  });
}

/** Soft-deletes a section (its lessons leave the outline and the counts with it). */
export async function deleteSection(caller: Caller, courseId: string, sectionId: string): Promise<void> {
  await asAuthor(caller, async (tx) => {
    await lockCourse(tx, courseId, { live: true });
    if (!(await findSection(tx, courseId, sectionId))) throw sectionNotFound();
    await updateSection(tx, sectionId, { deletedAt: new Date() });
    await renumberSections(
      tx,
      courseId,
      (await listSections(tx, courseId)).map((s) => s.id),
    );
  });
}

/** Puts the course's sections in the given order (the full list of live section ids). */
export async function reorderSections(
  caller: Caller,
  courseId: string,
  input: ReorderSectionsInput,
): Promise<AuthoringCourse> {
  const { sectionIds } = parseInput(reorderSectionsSchema, input);
  return asAuthor(caller, async (tx) => {
    await lockCourse(tx, courseId, { live: true });
    assertSameSet(
      sectionIds,
      (await listSections(tx, courseId)).map((s) => s.id),
      'sections',
    );
    await renumberSections(tx, courseId, sectionIds);
    return reloadAuthoringCourse(tx, courseId);
  });
}

// ---------------------------------------------------------------- lessons

/** The columns of validated content: fields a type does not use are cleared. */
function contentColumns(content: LessonContent | { contentType: 'quiz' }): LessonContentColumns {
  // A quiz lesson's content is its quiz (quizzes module); the lesson row keeps no content.
  if (content.contentType === 'quiz')
    return {
      contentType: 'quiz',
      videoUrl: null,
      videoDurationSeconds: null,
      articleContent: null,
      downloadableResources: [],
    };
  return {
    contentType: content.contentType,
    videoUrl: content.contentType === 'video' ? content.videoUrl : null,
    videoDurationSeconds: content.videoDurationSeconds ?? null,
    articleContent: content.articleContent ?? null,
    downloadableResources: content.downloadableResources as Json,
  };
}

/** Parses lesson content, reporting problems at `body.<field>` like the route schemas do. */
function parseContent(content: unknown): LessonContent {
  return parseInput(lessonContentSchema, content);
}

async function loadLesson(tx: Tx, courseId: string, lessonId: string): Promise<AuthoringLesson> {
  const lessons = await listLessonsWithContent(tx, courseId);
  const lesson = lessons.find((l) => l.id === lessonId);
  if (!lesson) throw lessonNotFound();
  return lessonDto(lesson, courseId);
}

/** Adds a lesson to a section at a position (default: after the last), renumbering the others. */
export async function createLesson(
  caller: Caller,
  courseId: string,
  sectionId: string,
  input: CreateLessonInput,
): Promise<AuthoringLesson> {
  const { title, description, sortOrder, isPreview, ...content } = parseInput(createLessonSchema, input);
  return asAuthor(caller, async (tx) => {
    await lockCourse(tx, courseId, { live: true });
    if (!(await findSection(tx, courseId, sectionId))) throw sectionNotFound();
    const ids = await listLessonIds(tx, sectionId);
    const position = Math.min(sortOrder ?? ids.length, ids.length);
    const { id } = await insertLesson(tx, {
      courseId,
      sectionId,
      title,
      description,
      isPreview,
      sortOrder: position,
      ...contentColumns(content),
    });
    await renumberLessons(tx, sectionId, insertAt(ids, id, position));
    return loadLesson(tx, courseId, id);
  });
}

const CONTENT_FIELDS = [
  'videoUrl',
  'videoDurationSeconds',
  'articleContent',
  'downloadableResources',
] as const;

/**
 * Edits a lesson. Content fields merge with the current content and the result must be valid
 * for the lesson's type; a new contentType replaces the content with what was sent. Types authored
 * by other modules (quiz, code…) accept only title, description and the preview flag here.
 */
export async function updateLessonFields(
  caller: Caller,
  courseId: string,
  lessonId: string,
  input: UpdateLessonInput,
): Promise<AuthoringLesson> {
  const patch = parseInput(updateLessonSchema, input);
  return asAuthor(caller, async (tx) => {
    await lockCourse(tx, courseId, { live: true });
    const current = await loadLesson(tx, courseId, lessonId);
    const touchesContent =
      patch.contentType !== undefined || CONTENT_FIELDS.some((f) => patch[f] !== undefined);
    let content: LessonContentColumns | undefined;
    if (touchesContent) {
      // A quiz or code lesson's content lives in its own tables: turning it into an article here
      // would orphan them, so its content (and type) change only in its own editor.
      if (!['video', 'article', 'resources'].includes(current.contentType)) {
        throw invalid('body', `The content of a ${current.contentType} lesson is edited in its own editor.`);
      }
      const base =
        patch.contentType === undefined || patch.contentType === current.contentType
          ? {
              videoUrl: current.videoUrl,
              videoDurationSeconds: current.videoDurationSeconds,
              articleContent: current.articleContent,
              downloadableResources: current.downloadableResources,
            }
          : {};
      const merged = { ...base, contentType: patch.contentType ?? current.contentType };
      for (const field of CONTENT_FIELDS)
        if (patch[field] !== undefined) Object.assign(merged, { [field]: patch[field] });
      // Null means "not set" for the schema's optional fields.
      const cleaned = Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== null));
      content = contentColumns(parseContent(cleaned));
    }
    await updateLesson(tx, lessonId, {
      title: patch.title,
      description: patch.description,
      isPreview: patch.isPreview,
      ...content,
    });
    return loadLesson(tx, courseId, lessonId);
  });
}

/** Soft-deletes a lesson; the rest of its section closes the gap. */
export async function deleteLesson(caller: Caller, courseId: string, lessonId: string): Promise<void> {
  await asAuthor(caller, async (tx) => {
    await lockCourse(tx, courseId, { live: true });
    const lesson = await findLesson(tx, courseId, lessonId);
    if (!lesson) throw lessonNotFound();
    await updateLesson(tx, lessonId, { deletedAt: new Date() });
    await renumberLessons(tx, lesson.sectionId, await listLessonIds(tx, lesson.sectionId));
  });
}

/** Puts a section's lessons in the given order (the full list of its live lesson ids). */
export async function reorderLessons(
  caller: Caller,
  courseId: string,
  sectionId: string,
  input: ReorderLessonsInput,
): Promise<AuthoringCourse> {
  const { lessonIds } = parseInput(reorderLessonsSchema, input);
  return asAuthor(caller, async (tx) => {
    await lockCourse(tx, courseId, { live: true });
    if (!(await findSection(tx, courseId, sectionId))) throw sectionNotFound();
    assertSameSet(lessonIds, await listLessonIds(tx, sectionId), 'lessons');
    await renumberLessons(tx, sectionId, lessonIds);
    return reloadAuthoringCourse(tx, courseId);
  });
}

/**
 * Moves a lesson to a section of the same course (its own included) at a 0-based position,
 * clamped to the end. Both sections are renumbered; the counter triggers recount them.
 */
export async function moveLesson(
  caller: Caller,
  courseId: string,
  lessonId: string,
  input: MoveLessonInput,
): Promise<AuthoringCourse> {
  const { sectionId, position } = parseInput(moveLessonSchema, input);
  return asAuthor(caller, async (tx) => {
    await lockCourse(tx, courseId, { live: true });
    const lesson = await findLesson(tx, courseId, lessonId);
    if (!lesson) throw lessonNotFound();
    if (!(await findSection(tx, courseId, sectionId))) throw sectionNotFound();
    const source = (await listLessonIds(tx, lesson.sectionId)).filter((id) => id !== lessonId);
    if (sectionId === lesson.sectionId) {
      await renumberLessons(tx, sectionId, insertAt(source, lessonId, position));
    } else {
      const target = await listLessonIds(tx, sectionId);
      const at = Math.min(position, target.length);
      await updateLesson(tx, lessonId, { sectionId, sortOrder: at });
      await renumberLessons(tx, sectionId, insertAt(target, lessonId, at));
      await renumberLessons(tx, lesson.sectionId, source);
    }
    return reloadAuthoringCourse(tx, courseId);
  });
}
