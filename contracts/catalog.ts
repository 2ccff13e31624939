import { z } from 'zod';
import { courseAccessTypeSchema, difficultyLevelSchema } from './courses.ts';

/**
 * The public catalogue: search, filters, sorts and keyset pages of course cards. Shared by the
 * server (route schemas) and the web app. Timestamps travel as ISO 8601 strings, money as cents.
 */

const isoTimestamp = z.string().meta({ format: 'date-time' });

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
    language: z.string(),
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
/** Longest search text accepted; longer input is a mistake or an attack on the parser, not a query. */
export const CATALOG_QUERY_MAX_LENGTH = 200;

/**
 * - `relevance`: best match first (only with `q`, and the default then)
 * - `newest`: latest published first (the default without `q`)
 * - `popular`: most enrolments first
 * - `rating`: highest average rating first, then most reviews
 * - `price_asc` / `price_desc`: cheapest / dearest first
 */
export const catalogSortSchema = z.enum([
  'relevance',
  'newest',
  'popular',
  'rating',
  'price_asc',
  'price_desc',
]);
export type CatalogSort = z.infer<typeof catalogSortSchema>;

/** `free`: costs nothing (price 0); `paid`: has a price (bought or through a subscription). */
export const catalogPriceSchema = z.enum(['free', 'paid']);
export type CatalogPrice = z.infer<typeof catalogPriceSchema>;

const booleanFlag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

export const courseListQuerySchema = z.object({
  /** Search text with web-search syntax: `"exact phrase"`, `or`, `-excluded`; the last word matches as a prefix. */
  q: z.string().trim().max(CATALOG_QUERY_MAX_LENGTH).optional(),
  category: z.string().min(1).max(100).optional(),
  difficulty: difficultyLevelSchema.optional(),
  price: catalogPriceSchema.optional(),
  language: z
    .string()
    .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/)
    .optional(),
  /** Minimum average rating, 0–5 (e.g. 4 or 4.5). */
  minRating: z.coerce.number().min(0).max(5).optional(),
  sort: catalogSortSchema.optional(),
  limit: z.coerce.number().int().min(1).max(COURSE_LIST_MAX_LIMIT).default(20),
  /** Opaque: the `nextCursor` of the previous page, valid only with the same search, filters and sort. */
  cursor: z
    .string()
    .max(400)
    .regex(/^[A-Za-z0-9_-]+$/)
    .optional(),
  /** Also return the total and the counts per category and difficulty (costs a count; ask on the first page). */
  facets: booleanFlag.optional(),
});
export type CourseListQuery = z.input<typeof courseListQuerySchema>;
export type ParsedCourseListQuery = z.output<typeof courseListQuerySchema>;

const facetCountSchema = z.object({ value: z.string(), count: z.number().int() });

/**
 * Counts for the current search and filters. Each facet ignores its own filter (the category
 * counts apply every filter but the category), so the choices beside the selected one stay visible.
 */
export const catalogFacetsSchema = z
  .object({
    total: z.number().int(),
    categories: z.array(facetCountSchema),
    difficulties: z.array(facetCountSchema),
  })
  .meta({ id: 'CatalogFacets' });
export type CatalogFacets = z.infer<typeof catalogFacetsSchema>;

export const courseListSchema = z
  .object({
    items: z.array(courseCardSchema),
    nextCursor: z.string().nullable(),
    /** Present when `facets=true` was asked for. */
    facets: catalogFacetsSchema.optional(),
  })
  .meta({ id: 'CourseList' });
export type CourseList = z.infer<typeof courseListSchema>;
