import { z } from 'zod';
import {
  courseAccessTypeSchema,
  courseSlugSchema,
  courseStatusSchema,
  difficultyLevelSchema,
} from './courses.ts';

/**
 * Authoring: instructors build their own courses, admins any course. Request bodies are strict
 * (unknown fields → 400 validation_failed); timestamps travel as ISO 8601, money as integer cents.
 *
 * Routes (all under /api, all need a signed-in instructor or admin):
 *
 *   GET    /authoring/courses                              my courses (admins: scope=all), trash included
 *                                                          → AuthoringCourseList   query: authoringCourseListQuerySchema
 *   GET    /authoring/courses/:courseId                    the full editable course with lesson content
 *                                                          → AuthoringCourse
 *   POST   /courses                                        create a draft        body: createCourseSchema  → 201 CreatedCourse
 *   PATCH  /courses/:courseId                              edit any author field body: updateCourseSchema  → AuthoringCourse
 *   DELETE /courses/:courseId                              move to trash (soft delete)                       → CourseStatusChange
 *   POST   /courses/:courseId/restore                      take out of the trash                             → CourseStatusChange
 *   GET    /courses/:courseId/checklist                    what publishing still needs                        → PublishChecklist
 *   POST   /courses/:courseId/publish                      publish (409 course_not_ready + checklist items)   → CourseStatusChange
 *   POST   /courses/:courseId/unpublish                    back to draft, only without learners               → CourseStatusChange
 *   POST   /courses/:courseId/archive                      out of the catalogue; enrolled learners keep it     → CourseStatusChange
 *
 *   POST   /courses/:courseId/sections                     add a section         body: createSectionSchema → 201 AuthoringSection
 *   PATCH  /courses/:courseId/sections/:sectionId          edit a section        body: updateSectionSchema → AuthoringSection
 *   DELETE /courses/:courseId/sections/:sectionId          soft-delete a section and its lessons             → 204
 *   PUT    /courses/:courseId/sections/order               reorder sections      body: reorderSectionsSchema → AuthoringCourse
 *
 *   POST   /courses/:courseId/sections/:sectionId/lessons  add a lesson          body: createLessonSchema  → 201 AuthoringLesson
 *   PATCH  /courses/:courseId/lessons/:lessonId            edit a lesson         body: updateLessonSchema  → AuthoringLesson
 *   DELETE /courses/:courseId/lessons/:lessonId            soft-delete a lesson                               → 204
 *   PUT    /courses/:courseId/sections/:sectionId/lessons/order
 *                                                          reorder a section's lessons body: reorderLessonsSchema → AuthoringCourse
 *   POST   /courses/:courseId/lessons/:lessonId/move       move to a section of the same course at a position
 *                                                          body: moveLessonSchema → AuthoringCourse
 *
 * Errors (contracts/errors.ts): 401 unauthorized (not signed in); 403 forbidden (signed in but not
 * an instructor or admin); 404 not_found (missing, or another instructor's course — the same
 * answer); 400 validation_failed; 409 slug_taken (the address is used by another course, trashed
 * ones included); 409 order_mismatch (a reorder list is not exactly the current set of ids: reload
 * and retry); 409 course_not_ready (publish: `details.items` lists the missing checklist items);
 * 409 course_has_learners (unpublish, or an instructor trashing a course people are enrolled in:
 * archive it instead); 409 conflict (an action that does not fit the course's state, e.g. archiving
 * a draft).
 *
 * Lifecycle: draft → published (checklist) → archived (hidden from the catalogue; enrolled learners
 * keep access) → published again. Unpublish (published → draft) only while nobody is enrolled,
 * because a draft is invisible to its learners. Trash is orthogonal to status: a trashed course is
 * invisible to everyone but its owner and admins, keeps its slug, and is restored as it was.
 */

const isoTimestamp = z.string().meta({ format: 'date-time' });

/** A file uploaded through the storage module, referenced by its relative URL. */
export const UPLOADED_FILE_URL =
  /^\/api\/files\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** An http(s) URL or an uploaded file (`/api/files/<uuid>`); never javascript:, data: or the like. */
export const mediaUrlSchema = z.union([
  z.url({ protocol: /^https?$/, error: 'must be an http(s) URL or /api/files/<id>' }).max(2000),
  z.string().regex(UPLOADED_FILE_URL, 'must be an http(s) URL or /api/files/<id>'),
]);

const stringList = (max: number) => z.array(z.string().trim().min(1).max(500)).max(max);

/** BCP 47-ish language tag: `en`, `pt-BR`. */
const languageSchema = z
  .string()
  .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag like en or pt-BR');

// ---------------------------------------------------------------- course fields

/** Every field of a course an author sets (the seed's `courses` table minus metrics and status). */
const courseFields = {
  /** Optional on create: generated from the title (ASCII-folded, lowercase, hyphenated, unique). */
  slug: courseSlugSchema,
  title: z.string().trim().min(1).max(200),
  subtitle: z.string().trim().max(300).nullable(),
  /** Markdown, stored as written; rendered and sanitised on read. */
  description: z.string().trim().min(1).max(20_000),
  thumbnailUrl: mediaUrlSchema.nullable(),
  previewVideoUrl: mediaUrlSchema.nullable(),
  category: z.string().trim().min(1).max(100),
  subcategory: z.string().trim().max(100).nullable(),
  tags: stringList(20),
  difficultyLevel: difficultyLevelSchema,
  priceCents: z.number().int().min(0).max(100_000_000),
  accessType: courseAccessTypeSchema,
  hasCertificate: z.boolean(),
  language: languageSchema,
  captionsAvailable: stringList(50),
  prerequisites: stringList(30),
  learningOutcomes: stringList(30),
  targetAudience: z.string().trim().max(2000).nullable(),
  metaDescription: z.string().trim().max(320).nullable(),
  metaKeywords: stringList(30),
};

/** The rule of the courses CHECK: free costs 0, paid costs more than 0, subscription anything. */
export function isPriceConsistent(course: { accessType: string; priceCents: number }): boolean {
  return course.accessType === 'subscription' || (course.accessType === 'free') === (course.priceCents === 0);
}
export const PRICE_RULE_MESSAGE = 'a free course has price 0 and a paid course a price above 0';

/** A new course: always a draft of the caller's own; publishing is a separate step. */
export const createCourseSchema = z
  .object({
    slug: courseFields.slug.optional(),
    title: courseFields.title,
    subtitle: courseFields.subtitle.optional(),
    description: courseFields.description,
    thumbnailUrl: courseFields.thumbnailUrl.optional(),
    previewVideoUrl: courseFields.previewVideoUrl.optional(),
    category: courseFields.category,
    subcategory: courseFields.subcategory.optional(),
    tags: courseFields.tags.default([]),
    difficultyLevel: courseFields.difficultyLevel,
    priceCents: courseFields.priceCents.default(0),
    accessType: courseFields.accessType,
    hasCertificate: courseFields.hasCertificate.default(true),
    language: courseFields.language.default('en'),
    captionsAvailable: courseFields.captionsAvailable.default([]),
    prerequisites: courseFields.prerequisites.default([]),
    learningOutcomes: courseFields.learningOutcomes.default([]),
    targetAudience: courseFields.targetAudience.optional(),
    metaDescription: courseFields.metaDescription.optional(),
    metaKeywords: courseFields.metaKeywords.default([]),
  })
  .strict()
  .refine(isPriceConsistent, { message: PRICE_RULE_MESSAGE, path: ['priceCents'] });
export type CreateCourseInput = z.input<typeof createCourseSchema>;

/**
 * A partial edit: only the fields sent change. The slug stays as it is when the title changes;
 * sending `slug` changes the address (old links stop working). The price rule is checked on the
 * course as it will be after the edit (400 validation_failed at body.priceCents).
 */
export const updateCourseSchema = z
  .object({
    slug: courseFields.slug,
    title: courseFields.title,
    subtitle: courseFields.subtitle,
    description: courseFields.description,
    thumbnailUrl: courseFields.thumbnailUrl,
    previewVideoUrl: courseFields.previewVideoUrl,
    category: courseFields.category,
    subcategory: courseFields.subcategory,
    tags: courseFields.tags,
    difficultyLevel: courseFields.difficultyLevel,
    priceCents: courseFields.priceCents,
    accessType: courseFields.accessType,
    hasCertificate: courseFields.hasCertificate,
    language: courseFields.language,
    captionsAvailable: courseFields.captionsAvailable,
    prerequisites: courseFields.prerequisites,
    learningOutcomes: courseFields.learningOutcomes,
    targetAudience: courseFields.targetAudience,
    metaDescription: courseFields.metaDescription,
    metaKeywords: courseFields.metaKeywords,
  })
  .partial()
  .strict();
export type UpdateCourseInput = z.input<typeof updateCourseSchema>;

// ---------------------------------------------------------------- sections

export const createSectionSchema = z
  .object({
    title: z.string().trim().min(1).max(200),
    description: z.string().trim().max(5000).nullish(),
    /** 0-based position among the live sections; defaults to after the last one. */
    sortOrder: z.number().int().min(0).max(100_000).optional(),
  })
  .strict();
export type CreateSectionInput = z.input<typeof createSectionSchema>;

export const updateSectionSchema = z
  .object({
    title: z.string().trim().min(1).max(200),
    description: z.string().trim().max(5000).nullable(),
  })
  .partial()
  .strict();
export type UpdateSectionInput = z.input<typeof updateSectionSchema>;

/** The course's live sections in their new order: exactly the current set, each once. */
export const reorderSectionsSchema = z.object({ sectionIds: z.array(z.uuid()).max(1000) }).strict();
export type ReorderSectionsInput = z.input<typeof reorderSectionsSchema>;

// ---------------------------------------------------------------- lessons

/** A downloadable file of a lesson: an upload (`/api/files/<id>`) or an http(s) link. */
export const downloadableResourceSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    url: mediaUrlSchema,
    /** Bytes. */
    size: z
      .number()
      .int()
      .min(0)
      .max(100 * 1024 ** 3)
      .optional(),
    /** Media type, e.g. application/pdf. */
    type: z.string().max(100).optional(),
  })
  .strict();
export type DownloadableResource = z.infer<typeof downloadableResourceSchema>;

const durationSeconds = z
  .number()
  .int()
  .min(1)
  .max(24 * 3600);

/**
 * What each lesson type carries, by `contentType`. Quiz, assignment, code and SCORM lessons are
 * authored by their own issues: each adds ONE entry here (and its own content columns or tables).
 * `videoDurationSeconds` is the lesson's duration (for articles, an optional reading time); it
 * feeds the course's and sections' total_duration_minutes.
 */
export const lessonContentVariants = {
  video: z.object({
    contentType: z.literal('video'),
    videoUrl: mediaUrlSchema,
    videoDurationSeconds: durationSeconds,
    /** Optional transcript or notes in Markdown. */
    articleContent: z.string().max(200_000).nullish(),
    downloadableResources: z.array(downloadableResourceSchema).max(50).default([]),
  }),
  article: z.object({
    contentType: z.literal('article'),
    /** Markdown, stored exactly as written (not trimmed); rendered and sanitised on read. */
    articleContent: z.string().max(200_000).regex(/\S/, 'must not be empty'),
    videoDurationSeconds: durationSeconds.nullish(),
    downloadableResources: z.array(downloadableResourceSchema).max(50).default([]),
  }),
  resources: z.object({
    contentType: z.literal('resources'),
    downloadableResources: z.array(downloadableResourceSchema).min(1).max(50),
    /** Optional Markdown introduction to the files. */
    articleContent: z.string().max(200_000).nullish(),
    videoDurationSeconds: durationSeconds.nullish(),
  }),
  /**
   * A quiz lesson carries no content of its own: its quiz (settings, questions, answer key) lives
   * in the quizzes tables and is authored through contracts/quizzes.ts (POST /courses/:id/quizzes
   * with this lesson's id). Created here; its type cannot be changed afterwards.
   */
  quiz: z.object({
    contentType: z.literal('quiz'),
  }),
} as const;

/** The lesson types authored here (quiz, assignment, code, scorm come with their issues). */
export const authoredLessonTypeSchema = z.enum(['video', 'article', 'resources']);
export type AuthoredLessonType = z.infer<typeof authoredLessonTypeSchema>;

/** A lesson's content alone, whichever its type. */
export const lessonContentSchema = z.discriminatedUnion('contentType', [
  lessonContentVariants.video.strict(),
  lessonContentVariants.article.strict(),
  lessonContentVariants.resources.strict(),
]);
export type LessonContentInput = z.input<typeof lessonContentSchema>;
export type LessonContent = z.output<typeof lessonContentSchema>;

const lessonBase = {
  title: z.string().trim().min(1).max(200),
  description: z.string().trim().max(5000).nullish(),
  /** 0-based position among the section's live lessons; defaults to after the last one. */
  sortOrder: z.number().int().min(0).max(100_000).optional(),
  /** Free preview: playable by anyone who can see the course. */
  isPreview: z.boolean().default(false),
};

/** A new lesson: its common fields and its type's content, flat. */
export const createLessonSchema = z.discriminatedUnion('contentType', [
  lessonContentVariants.video.extend(lessonBase).strict(),
  lessonContentVariants.article.extend(lessonBase).strict(),
  lessonContentVariants.resources.extend(lessonBase).strict(),
  lessonContentVariants.quiz.extend(lessonBase).strict(),
]);
export type CreateLessonInput = z.input<typeof createLessonSchema>;

/**
 * A partial edit of a lesson. Content fields are merged with the lesson's current content and the
 * result must be valid for its type (400 validation_failed otherwise). Sending a different
 * `contentType` replaces the content: send every field the new type needs. Position and section
 * change through the reorder and move routes.
 */
export const updateLessonSchema = z
  .object({
    title: lessonBase.title,
    description: z.string().trim().max(5000).nullable(),
    isPreview: z.boolean(),
    contentType: authoredLessonTypeSchema,
    videoUrl: mediaUrlSchema.nullable(),
    videoDurationSeconds: durationSeconds.nullable(),
    articleContent: z.string().max(200_000).nullable(),
    downloadableResources: z.array(downloadableResourceSchema).max(50),
  })
  .partial()
  .strict();
export type UpdateLessonInput = z.input<typeof updateLessonSchema>;

/** The section's live lessons in their new order: exactly the current set, each once. */
export const reorderLessonsSchema = z.object({ lessonIds: z.array(z.uuid()).max(1000) }).strict();
export type ReorderLessonsInput = z.input<typeof reorderLessonsSchema>;

/** Move a lesson to a section of the same course (or within its own), at a 0-based position. */
export const moveLessonSchema = z
  .object({
    sectionId: z.uuid(),
    /** Clamped to the end of the target section. */
    position: z.number().int().min(0).max(100_000),
  })
  .strict();
export type MoveLessonInput = z.input<typeof moveLessonSchema>;

// ---------------------------------------------------------------- params and queries

export const courseIdParamsSchema = z.object({ courseId: z.uuid() });
export const sectionParamsSchema = z.object({ courseId: z.uuid(), sectionId: z.uuid() });
export const lessonParamsSchema = z.object({ courseId: z.uuid(), lessonId: z.uuid() });

export const AUTHORING_LIST_MAX_LIMIT = 100;

export const authoringCourseListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(AUTHORING_LIST_MAX_LIMIT).default(20),
  /** Opaque: the `nextCursor` of the previous page. */
  cursor: z
    .string()
    .max(200)
    .regex(/^[A-Za-z0-9_-]+$/)
    .optional(),
  /** `mine` (default): courses I own. `all`: every course (admins only; 403 otherwise). */
  scope: z.enum(['mine', 'all']).default('mine'),
  /** Admins with scope=all: one instructor's courses. */
  instructorId: z.uuid().optional(),
  status: courseStatusSchema.optional(),
  /** `include` (default): live and trashed; `exclude`: live only; `only`: the trash. */
  trash: z.enum(['include', 'exclude', 'only']).default('include'),
});
export type AuthoringCourseListQuery = z.input<typeof authoringCourseListQuerySchema>;
/** The query after parsing (defaults applied), as the server sees it. */
export type AuthoringCourseListFilter = z.output<typeof authoringCourseListQuerySchema>;

// ---------------------------------------------------------------- responses

/** One row of "my courses", most recently changed first. */
export const authoringCourseSummarySchema = z
  .object({
    id: z.uuid(),
    slug: z.string(),
    title: z.string(),
    status: courseStatusSchema,
    instructorId: z.uuid().nullable(),
    instructorName: z.string(),
    thumbnailUrl: z.string().nullable(),
    sectionCount: z.number().int(),
    lessonCount: z.number().int(),
    totalDurationMinutes: z.number().int(),
    enrollmentCount: z.number().int(),
    updatedAt: isoTimestamp,
    publishedAt: isoTimestamp.nullable(),
    isTrashed: z.boolean(),
    deletedAt: isoTimestamp.nullable(),
  })
  .meta({ id: 'AuthoringCourseSummary' });
export type AuthoringCourseSummary = z.infer<typeof authoringCourseSummarySchema>;

export const authoringCourseListSchema = z
  .object({ items: z.array(authoringCourseSummarySchema), nextCursor: z.string().nullable() })
  .meta({ id: 'AuthoringCourseList' });
export type AuthoringCourseList = z.infer<typeof authoringCourseListSchema>;

/** A lesson with its content, as its author edits it. */
export const authoringLessonSchema = z
  .object({
    id: z.uuid(),
    courseId: z.uuid(),
    sectionId: z.uuid(),
    title: z.string(),
    description: z.string().nullable(),
    sortOrder: z.number().int(),
    /** Includes types authored elsewhere (quiz, code…), which this API shows but does not edit. */
    contentType: z.string(),
    isPreview: z.boolean(),
    videoUrl: z.string().nullable(),
    videoDurationSeconds: z.number().int().nullable(),
    /** Markdown as written. */
    articleContent: z.string().nullable(),
    downloadableResources: z.array(
      z.object({
        name: z.string(),
        url: z.string(),
        size: z.number().int().optional(),
        type: z.string().optional(),
      }),
    ),
    /** A quiz lesson's live questions (0 before its quiz has any); null for other lesson types. */
    quizQuestionCount: z.number().int().nullable(),
    updatedAt: isoTimestamp,
  })
  .meta({ id: 'AuthoringLesson' });
export type AuthoringLesson = z.infer<typeof authoringLessonSchema>;

export const authoringSectionSchema = z
  .object({
    id: z.uuid(),
    courseId: z.uuid(),
    title: z.string(),
    description: z.string().nullable(),
    sortOrder: z.number().int(),
    lessonCount: z.number().int(),
    totalDurationMinutes: z.number().int(),
    /** Live lessons in order (empty in the response to creating a section). */
    lessons: z.array(authoringLessonSchema),
  })
  .meta({ id: 'AuthoringSection' });
export type AuthoringSection = z.infer<typeof authoringSectionSchema>;

/** The whole editable course: every author field, state, counters, and live sections/lessons. */
export const authoringCourseSchema = z
  .object({
    id: z.uuid(),
    slug: z.string(),
    title: z.string(),
    subtitle: z.string().nullable(),
    description: z.string(),
    thumbnailUrl: z.string().nullable(),
    previewVideoUrl: z.string().nullable(),
    category: z.string(),
    subcategory: z.string().nullable(),
    tags: z.array(z.string()),
    difficultyLevel: difficultyLevelSchema,
    priceCents: z.number().int(),
    accessType: courseAccessTypeSchema,
    hasCertificate: z.boolean(),
    language: z.string(),
    captionsAvailable: z.array(z.string()),
    prerequisites: z.array(z.string()),
    learningOutcomes: z.array(z.string()),
    targetAudience: z.string().nullable(),
    metaDescription: z.string().nullable(),
    metaKeywords: z.array(z.string()),
    status: courseStatusSchema,
    instructorId: z.uuid().nullable(),
    instructorName: z.string(),
    lessonCount: z.number().int(),
    totalDurationMinutes: z.number().int(),
    enrollmentCount: z.number().int(),
    createdAt: isoTimestamp,
    updatedAt: isoTimestamp,
    publishedAt: isoTimestamp.nullable(),
    lastUpdatedAt: isoTimestamp.nullable(),
    isTrashed: z.boolean(),
    deletedAt: isoTimestamp.nullable(),
    sections: z.array(authoringSectionSchema),
  })
  .meta({ id: 'AuthoringCourse' });
export type AuthoringCourse = z.infer<typeof authoringCourseSchema>;

/** What creating a course returns: enough to follow up. */
export const createdCourseSchema = z.object({ id: z.uuid(), slug: z.string(), status: courseStatusSchema });
export type CreatedCourse = z.infer<typeof createdCourseSchema>;

/** What publish, unpublish, archive, trash and restore return. */
export const courseStatusChangeSchema = z
  .object({
    id: z.uuid(),
    slug: z.string(),
    status: courseStatusSchema,
    publishedAt: isoTimestamp.nullable(),
    isTrashed: z.boolean(),
  })
  .meta({ id: 'CourseStatusChange' });
export type CourseStatusChange = z.infer<typeof courseStatusChangeSchema>;

export const checklistItemKeySchema = z.enum([
  'title',
  'description',
  'category',
  'has_lesson',
  'lessons_have_content',
  'sections_not_empty',
  'price',
  'learning_outcomes',
  'thumbnail',
  'preview_lesson',
]);
export type ChecklistItemKey = z.infer<typeof checklistItemKeySchema>;

export const checklistItemSchema = z.object({
  key: checklistItemKeySchema,
  label: z.string(),
  done: z.boolean(),
  /** What to do when not done (a sentence for the author). */
  hint: z.string(),
  /** Required items block publishing; the others are recommendations (warnings). */
  required: z.boolean(),
});
export type ChecklistItem = z.infer<typeof checklistItemSchema>;

/** Publishing readiness. `canPublish` = every required item is done (and the course is not trashed). */
export const publishChecklistSchema = z
  .object({ courseId: z.uuid(), canPublish: z.boolean(), items: z.array(checklistItemSchema) })
  .meta({ id: 'PublishChecklist' });
export type PublishChecklist = z.infer<typeof publishChecklistSchema>;

/** `error.details` of a 409 course_not_ready: the required items still missing. */
export const courseNotReadyDetailsSchema = z.object({ items: z.array(checklistItemSchema) });
