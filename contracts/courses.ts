import { z } from 'zod';

/**
 * Course DTOs shared by the server (route schemas) and the web app. Timestamps travel as ISO 8601
 * strings, money as integer cents.
 */

/** Same rule as the CHECK on courses.slug: lowercase words joined by single hyphens, ≤ 120 chars. */
export const courseSlugSchema = z
  .string()
  .max(120)
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be lowercase letters and digits joined by single hyphens');

export const difficultyLevelSchema = z.enum(['beginner', 'intermediate', 'advanced']);
export const courseAccessTypeSchema = z.enum(['free', 'paid', 'subscription']);
export const courseStatusSchema = z.enum(['draft', 'published', 'archived']);
export const lessonContentTypeSchema = z.enum([
  'video',
  'article',
  'resources',
  'quiz',
  'assignment',
  'scorm',
  'code',
]);
export const enrollmentAccessTypeSchema = z.enum(['purchased', 'subscription', 'free_grant', 'promotional']);

const isoTimestamp = z.string().meta({ format: 'date-time' });

// ---------------------------------------------------------------- read: landing page

/** Another person's public card (display name, avatar, bio) — nothing else of their profile. */
export const profileCardSchema = z
  .object({
    id: z.uuid(),
    displayName: z.string(),
    avatarUrl: z.string().nullable(),
    bio: z.string().nullable(),
  })
  .meta({ id: 'ProfileCard' });
export type ProfileCard = z.infer<typeof profileCardSchema>;

/** A lesson as the outline shows it: never its content (video URL, article, resources). */
export const lessonOutlineSchema = z.object({
  id: z.uuid(),
  title: z.string(),
  description: z.string().nullable(),
  contentType: lessonContentTypeSchema,
  sortOrder: z.number().int(),
  durationSeconds: z.number().int().nullable(),
  isPreview: z.boolean(),
});
export type LessonOutline = z.infer<typeof lessonOutlineSchema>;

export const sectionOutlineSchema = z.object({
  id: z.uuid(),
  title: z.string(),
  description: z.string().nullable(),
  sortOrder: z.number().int(),
  lessonCount: z.number().int(),
  totalDurationMinutes: z.number().int(),
  lessons: z.array(lessonOutlineSchema),
});
export type SectionOutline = z.infer<typeof sectionOutlineSchema>;

export const reviewSchema = z.object({
  id: z.uuid(),
  rating: z.number().int().min(1).max(5),
  title: z.string().nullable(),
  comment: z.string().nullable(),
  createdAt: isoTimestamp,
  /** Null only if the reviewer's card is not visible (it always is for a readable course). */
  reviewer: profileCardSchema.nullable(),
});
export type Review = z.infer<typeof reviewSchema>;

export const ratingSummarySchema = z.object({
  average: z.number(),
  count: z.number().int(),
  /** How many reviews gave 1, 2, 3, 4 and 5 stars (index 0 is one star). */
  distribution: z.array(z.number().int()).length(5),
});

/** The signed-in viewer's own enrolment and progress in the course. */
export const enrollmentSummarySchema = z.object({
  id: z.uuid(),
  accessType: enrollmentAccessTypeSchema,
  enrolledAt: isoTimestamp,
  expiresAt: isoTimestamp.nullable(),
  progressPercentage: z.number().int(),
  completedLessons: z.number().int(),
  totalLessons: z.number().int(),
  isCompleted: z.boolean(),
  completedAt: isoTimestamp.nullable(),
  lastLessonId: z.uuid().nullable(),
  lastAccessedAt: isoTimestamp.nullable(),
  completedLessonIds: z.array(z.uuid()),
});
export type EnrollmentSummary = z.infer<typeof enrollmentSummarySchema>;

export const coursePageSchema = z
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
    status: courseStatusSchema,
    language: z.string(),
    captionsAvailable: z.array(z.string()),
    prerequisites: z.array(z.string()),
    learningOutcomes: z.array(z.string()),
    targetAudience: z.string().nullable(),
    metaDescription: z.string().nullable(),
    hasCertificate: z.boolean(),
    lessonCount: z.number().int(),
    totalDurationMinutes: z.number().int(),
    enrollmentCount: z.number().int(),
    publishedAt: isoTimestamp.nullable(),
    lastUpdatedAt: isoTimestamp.nullable(),
    instructor: profileCardSchema.nullable(),
    sections: z.array(sectionOutlineSchema),
    rating: ratingSummarySchema,
    latestReviews: z.array(reviewSchema),
    viewer: z.object({
      isSignedIn: z.boolean(),
      isOwner: z.boolean(),
      enrollment: enrollmentSummarySchema.nullable(),
    }),
  })
  .meta({ id: 'CoursePage' });
export type CoursePage = z.infer<typeof coursePageSchema>;

export const coursePageParamsSchema = z.object({ slug: courseSlugSchema });

// ---------------------------------------------------------------- read: catalogue

export const courseCardSchema = z
  .object({
    id: z.uuid(),
    slug: z.string(),
    title: z.string(),
    subtitle: z.string().nullable(),
    thumbnailUrl: z.string().nullable(),
    instructorName: z.string(),
    category: z.string(),
    difficultyLevel: difficultyLevelSchema,
    priceCents: z.number().int(),
    accessType: courseAccessTypeSchema,
    averageRating: z.number(),
    totalReviews: z.number().int(),
    enrollmentCount: z.number().int(),
    lessonCount: z.number().int(),
    totalDurationMinutes: z.number().int(),
    publishedAt: isoTimestamp,
  })
  .meta({ id: 'CourseCard' });
export type CourseCard = z.infer<typeof courseCardSchema>;

export const COURSE_LIST_MAX_LIMIT = 50;

export const courseListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(COURSE_LIST_MAX_LIMIT).default(20),
  /** Opaque: the `nextCursor` of the previous page. */
  cursor: z
    .string()
    .max(200)
    .regex(/^[A-Za-z0-9_-]+$/)
    .optional(),
  category: z.string().min(1).max(100).optional(),
  difficulty: difficultyLevelSchema.optional(),
});
export type CourseListQuery = z.infer<typeof courseListQuerySchema>;

export const courseListSchema = z
  .object({ items: z.array(courseCardSchema), nextCursor: z.string().nullable() })
  .meta({ id: 'CourseList' });
export type CourseList = z.infer<typeof courseListSchema>;

// ---------------------------------------------------------------- writes

export const createReviewSchema = z
  .object({
    rating: z.number().int().min(1).max(5),
    title: z.string().trim().max(200).nullish(),
    comment: z.string().trim().max(5000).nullish(),
  })
  .strict();
export type CreateReviewInput = z.input<typeof createReviewSchema>;

export const courseIdParamsSchema = z.object({ courseId: z.uuid() });

export const enrollmentCreatedSchema = z.object({
  id: z.uuid(),
  courseId: z.uuid(),
  accessType: enrollmentAccessTypeSchema,
  enrolledAt: isoTimestamp,
});
export const reviewCreatedSchema = z.object({ id: z.uuid(), courseId: z.uuid(), rating: z.number().int() });
