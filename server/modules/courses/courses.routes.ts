import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  courseIdParamsSchema,
  coursePageParamsSchema,
  coursePageSchema,
  createCourseSchema,
  createdCourseSchema,
  createdLessonSchema,
  createdSectionSchema,
  createLessonSchema,
  createReviewSchema,
  createSectionSchema,
  enrollmentCreatedSchema,
  publishedCourseSchema,
  reviewCreatedSchema,
  sectionParamsSchema,
} from '../../../contracts/courses.ts';
import { errorBodySchema } from '../../../contracts/errors.ts';
import {
  addReview,
  createCourse,
  createLesson,
  createSection,
  enrolFree,
  getCoursePage,
  publishCourse,
} from './courses.service.ts';

const tags = ['courses'];
const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema };
const signedIn = [{ bearerAuth: [] }];

/** Course landing page, authoring and enrolment (the catalogue list is the catalog module's). Registered under /api. */
export const coursesRoutes: FastifyPluginAsyncZod = async (app) => {
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
    '/courses',
    {
      schema: {
        tags,
        summary: 'Create a draft course of your own (instructors)',
        security: signedIn,
        body: createCourseSchema,
        response: { 201: createdCourseSchema, ...errors, 409: errorBodySchema },
      },
    },
    async (request, reply) => reply.code(201).send(await createCourse(request, request.body)),
  );

  app.post(
    '/courses/:courseId/sections',
    {
      schema: {
        tags,
        summary: 'Add a section to a course you author',
        security: signedIn,
        params: courseIdParamsSchema,
        body: createSectionSchema,
        response: { 201: createdSectionSchema, ...errors },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createSection(request, request.params.courseId, request.body)),
  );

  app.post(
    '/courses/:courseId/sections/:sectionId/lessons',
    {
      schema: {
        tags,
        summary: 'Add a video or article lesson to a section of a course you author',
        security: signedIn,
        params: sectionParamsSchema,
        body: createLessonSchema,
        response: { 201: createdLessonSchema, ...errors },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await createLesson(request, request.params.courseId, request.params.sectionId, request.body)),
  );

  app.post(
    '/courses/:courseId/publish',
    {
      schema: {
        tags,
        summary: 'Publish a course you author',
        security: signedIn,
        params: courseIdParamsSchema,
        response: { 200: publishedCourseSchema, ...errors, 409: errorBodySchema },
      },
    },
    (request) => publishCourse(request, request.params.courseId),
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
