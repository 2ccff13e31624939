import { z } from 'zod';
import { createReviewSchema, reviewSchema } from './courses.ts';

/**
 * Reviews beyond the landing page's latest few: the paginated list and the viewer's own review.
 * Creating one is POST /api/courses/:courseId/reviews (contracts/courses.ts: createReviewSchema).
 */

export const REVIEW_LIST_MAX_LIMIT = 50;

export const reviewListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(REVIEW_LIST_MAX_LIMIT).default(10),
  /** Opaque: the `nextCursor` of the previous page. */
  cursor: z
    .string()
    .max(200)
    .regex(/^[A-Za-z0-9_-]+$/)
    .optional(),
});
export type ReviewListQuery = z.infer<typeof reviewListQuerySchema>;

export const reviewListSchema = z
  .object({ items: z.array(reviewSchema), nextCursor: z.string().nullable() })
  .meta({ id: 'ReviewList' });
export type ReviewList = z.infer<typeof reviewListSchema>;

/** The viewer's own review, with when it was last edited. */
export const myReviewSchema = reviewSchema.extend({ updatedAt: z.string().meta({ format: 'date-time' }) });
export type MyReview = z.infer<typeof myReviewSchema>;

export const myReviewReplySchema = z.object({ review: myReviewSchema.nullable() }).meta({ id: 'MyReview' });
export type MyReviewReply = z.infer<typeof myReviewReplySchema>;

/** An edit replaces rating, title and comment (omitted title or comment clears it). */
export const updateReviewSchema = createReviewSchema;
export type UpdateReviewInput = z.input<typeof updateReviewSchema>;
