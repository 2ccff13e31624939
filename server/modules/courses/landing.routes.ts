import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  courseIdParamsSchema,
  lessonContentParamsSchema,
  lessonContentSchema,
} from '../../../contracts/courses.ts';
import { errorBodySchema } from '../../../contracts/errors.ts';
import {
  myReviewReplySchema,
  myReviewSchema,
  reviewListQuerySchema,
  reviewListSchema,
  updateReviewSchema,
} from '../../../contracts/reviews.ts';
import {
  deleteMyReview,
  getLessonContent,
  getMyReview,
  listReviews,
  updateMyReview,
} from './landing.service.ts';

const tags = ['courses'];
const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema };
const signedIn = [{ bearerAuth: [] }];

/** The landing page beyond the page itself: preview lessons and reviews. Registered under /api. */
export const landingRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/courses/:slug/lessons/:lessonId',
    {
      schema: {
        tags,
        summary:
          'A lesson with its content: free previews of published courses for everyone, other lessons for enrolled learners, owners and admins',
        params: lessonContentParamsSchema,
        response: { 200: lessonContentSchema, 400: errorBodySchema, 404: errorBodySchema },
      },
    },
    async (request, reply) => {
      // Who may see it depends on the caller: never a shared cache.
      reply.header('cache-control', 'private, no-store');
      return getLessonContent(request, request.params.slug, request.params.lessonId);
    },
  );

  app.get(
    '/courses/:courseId/reviews',
    {
      schema: {
        tags,
        summary: 'Reviews of a course, newest first (keyset pagination)',
        params: courseIdParamsSchema,
        querystring: reviewListQuerySchema,
        response: { 200: reviewListSchema, 400: errorBodySchema, 404: errorBodySchema },
      },
    },
    (request) => listReviews(request, request.params.courseId, request.query),
  );

  app.get(
    '/courses/:courseId/reviews/mine',
    {
      schema: {
        tags,
        summary: 'Your own review of a course (review: null when you have none)',
        security: signedIn,
        params: courseIdParamsSchema,
        response: { 200: myReviewReplySchema, ...errors },
      },
    },
    (request) => getMyReview(request, request.params.courseId),
  );

  app.put(
    '/courses/:courseId/reviews/mine',
    {
      schema: {
        tags,
        summary: 'Edit your review of a course you are enrolled in',
        security: signedIn,
        params: courseIdParamsSchema,
        body: updateReviewSchema,
        response: { 200: myReviewSchema, ...errors },
      },
    },
    (request) => updateMyReview(request, request.params.courseId, request.body),
  );

  app.delete(
    '/courses/:courseId/reviews/mine',
    {
      schema: {
        tags,
        summary: 'Delete your review of a course',
        security: signedIn,
        params: courseIdParamsSchema,
        response: { 204: z.null().describe('Deleted'), ...errors },
      },
    },
    async (request, reply) => {
      await deleteMyReview(request, request.params.courseId);
      return reply.code(204).send(null);
    },
  );
};
