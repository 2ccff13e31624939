import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  courseIdParamsSchema,
  courseListQuerySchema,
  courseListSchema,
  coursePageParamsSchema,
  coursePageSchema,
  createReviewSchema,
  enrollmentCreatedSchema,
  reviewCreatedSchema,
} from '../../../contracts/courses.ts';
import { errorBodySchema } from '../../../contracts/errors.ts';
import { addReview, enrolFree, getCoursePage, listCourses } from './courses.service.ts';

const tags = ['courses'];
const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema };
const signedIn = [{ bearerAuth: [] }];

/** Course catalogue, landing page, enrolment and reviews (authoring: modules/authoring). Registered under /api. */
export const coursesRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/courses',
    {
      schema: {
        tags,
        summary: 'The published catalogue, newest first (keyset pagination)',
        querystring: courseListQuerySchema,
        response: { 200: courseListSchema, 400: errorBodySchema },
      },
    },
    (request) => listCourses(request, request.query),
  );

  app.get(
    '/courses/:slug',
    {
      schema: {
        tags,
        summary: 'A course landing page: outline without lesson content, instructor, reviews, own progress',
        params: coursePageParamsSchema,
        response: { 200: coursePageSchema, 400: errorBodySchema, 404: errorBodySchema },
      },
    },
    (request) => getCoursePage(request, request.params.slug),
  );

  app.post(
    '/courses/:courseId/enrollment',
    {
      schema: {
        tags,
        summary: 'Enrol yourself in a free course (returns the existing enrolment if there is one)',
        security: signedIn,
        params: courseIdParamsSchema,
        response: { 200: enrollmentCreatedSchema, ...errors, 409: errorBodySchema },
      },
    },
    (request) => enrolFree(request, request.params.courseId),
  );

  app.post(
    '/courses/:courseId/reviews',
    {
      schema: {
        tags,
        summary: 'Review a course you are enrolled in (once)',
        security: signedIn,
        params: courseIdParamsSchema,
        body: createReviewSchema,
        response: { 201: reviewCreatedSchema, ...errors, 409: errorBodySchema },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await addReview(request, request.params.courseId, request.body)),
  );
};
