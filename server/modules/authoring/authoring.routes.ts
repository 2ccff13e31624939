import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  authoringCourseListQuerySchema,
  authoringCourseListSchema,
  authoringCourseSchema,
  authoringLessonSchema,
  authoringSectionSchema,
  courseIdParamsSchema,
  courseStatusChangeSchema,
  createCourseSchema,
  createdCourseSchema,
  createLessonSchema,
  createSectionSchema,
  lessonParamsSchema,
  moveLessonSchema,
  publishChecklistSchema,
  reorderLessonsSchema,
  reorderSectionsSchema,
  sectionParamsSchema,
  updateCourseSchema,
  updateLessonSchema,
  updateSectionSchema,
} from '../../../contracts/authoring.ts';
import { errorBodySchema } from '../../../contracts/errors.ts';
import {
  archiveCourse,
  createCourse,
  createLesson,
  createSection,
  deleteLesson,
  deleteSection,
  getAuthoringCourse,
  getPublishChecklist,
  listAuthoringCourses,
  moveLesson,
  publishCourse,
  reorderLessons,
  reorderSections,
  restoreCourse,
  trashCourse,
  unpublishCourse,
  updateCourse,
  updateLessonFields,
  updateSectionFields,
} from './authoring.service.ts';

const tags = ['authoring'];
const security = [{ bearerAuth: [] }];
const errors = {
  400: errorBodySchema,
  401: errorBodySchema,
  403: errorBodySchema,
  404: errorBodySchema,
  409: errorBodySchema,
};
const noContent = { 204: z.null().describe('Done') };

/**
 * Authoring of courses, sections and lessons (contracts/authoring.ts lists every route). Instructors
 * author their own courses, admins all. Registered under /api.
 */
export const authoringRoutes: FastifyPluginAsyncZod = async (app) => {
  // ------------------------------------------------------------ courses

  app.get(
    '/authoring/courses',
    {
      schema: {
        tags,
        summary: 'Courses I author, trashed ones included (admins: scope=all), most recently changed first',
        security,
        querystring: authoringCourseListQuerySchema,
        response: { 200: authoringCourseListSchema, ...errors },
      },
    },
    (request) => listAuthoringCourses(request, request.query),
  );

  app.get(
    '/authoring/courses/:courseId',
    {
      schema: {
        tags,
        summary: 'The full editable course with its sections and lessons, lesson content included',
        security,
        params: courseIdParamsSchema,
        response: { 200: authoringCourseSchema, ...errors },
      },
    },
    (request) => getAuthoringCourse(request, request.params.courseId),
  );

  app.post(
    '/courses',
    {
      schema: {
        tags,
        summary: 'Create a draft course of your own (slug generated from the title when not given)',
        security,
        body: createCourseSchema,
        response: { 201: createdCourseSchema, ...errors },
      },
    },
    async (request, reply) => reply.code(201).send(await createCourse(request, request.body)),
  );

  app.patch(
    '/courses/:courseId',
    {
      schema: {
        tags,
        summary: 'Edit any author field of a course (only the fields sent change)',
        security,
        params: courseIdParamsSchema,
        body: updateCourseSchema,
        response: { 200: authoringCourseSchema, ...errors },
      },
    },
    (request) => updateCourse(request, request.params.courseId, request.body),
  );

  app.delete(
    '/courses/:courseId',
    {
      schema: {
        tags,
        summary: 'Move a course to the trash (restorable)',
        security,
        params: courseIdParamsSchema,
        response: { 200: courseStatusChangeSchema, ...errors },
      },
    },
    (request) => trashCourse(request, request.params.courseId),
  );

  const lifecycle = [
    ['restore', 'Take a course out of the trash', restoreCourse],
    ['publish', 'Publish a course whose checklist is complete', publishCourse],
    ['unpublish', 'Take a course back to draft (only while nobody is enrolled)', unpublishCourse],
    ['archive', 'Archive a course: out of the catalogue, enrolled learners keep it', archiveCourse],
  ] as const;
  for (const [action, summary, run] of lifecycle) {
    app.post(
      `/courses/:courseId/${action}`,
      {
        schema: {
          tags,
          summary,
          security,
          params: courseIdParamsSchema,
          response: { 200: courseStatusChangeSchema, ...errors },
        },
      },
      (request) => run(request, request.params.courseId),
    );
  }

  app.get(
    '/courses/:courseId/checklist',
    {
      schema: {
        tags,
        summary: 'What publishing the course still needs',
        security,
        params: courseIdParamsSchema,
        response: { 200: publishChecklistSchema, ...errors },
      },
    },
    (request) => getPublishChecklist(request, request.params.courseId),
  );

  // ------------------------------------------------------------ sections

  app.post(
    '/courses/:courseId/sections',
    {
      schema: {
        tags,
        summary: 'Add a section (at a position, default last)',
        security,
        params: courseIdParamsSchema,
        body: createSectionSchema,
        response: { 201: authoringSectionSchema, ...errors },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createSection(request, request.params.courseId, request.body)),
  );

  app.put(
    '/courses/:courseId/sections/order',
    {
      schema: {
        tags,
        summary: "Reorder the course's sections (the full list of section ids)",
        security,
        params: courseIdParamsSchema,
        body: reorderSectionsSchema,
        response: { 200: authoringCourseSchema, ...errors },
      },
    },
    (request) => reorderSections(request, request.params.courseId, request.body),
  );

  app.patch(
    '/courses/:courseId/sections/:sectionId',
    {
      schema: {
        tags,
        summary: "Edit a section's title or description",
        security,
        params: sectionParamsSchema,
        body: updateSectionSchema,
        response: { 200: authoringSectionSchema, ...errors },
      },
    },
    (request) =>
      updateSectionFields(request, request.params.courseId, request.params.sectionId, request.body),
  );

  app.delete(
    '/courses/:courseId/sections/:sectionId',
    {
      schema: {
        tags,
        summary: 'Delete a section and its lessons (soft delete)',
        security,
        params: sectionParamsSchema,
        response: { ...noContent, ...errors },
      },
    },
    async (request, reply) => {
      await deleteSection(request, request.params.courseId, request.params.sectionId);
      return reply.code(204).send(null);
    },
  );

  // ------------------------------------------------------------ lessons

  app.post(
    '/courses/:courseId/sections/:sectionId/lessons',
    {
      schema: {
        tags,
        summary: 'Add a video, article or resources lesson to a section (at a position, default last)',
        security,
        params: sectionParamsSchema,
        body: createLessonSchema,
        response: { 201: authoringLessonSchema, ...errors },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await createLesson(request, request.params.courseId, request.params.sectionId, request.body)),
  );

  app.put(
    '/courses/:courseId/sections/:sectionId/lessons/order',
    {
      schema: {
        tags,
        summary: "Reorder a section's lessons (the full list of its lesson ids)",
        security,
        params: sectionParamsSchema,
        body: reorderLessonsSchema,
        response: { 200: authoringCourseSchema, ...errors },
      },
    },
    (request) => reorderLessons(request, request.params.courseId, request.params.sectionId, request.body),
  );

  app.patch(
    '/courses/:courseId/lessons/:lessonId',
    {
      schema: {
        tags,
        summary: 'Edit a lesson (content merges with the current content of its type)',
        security,
        params: lessonParamsSchema,
        body: updateLessonSchema,
        response: { 200: authoringLessonSchema, ...errors },
      },
    },
    (request) => updateLessonFields(request, request.params.courseId, request.params.lessonId, request.body),
  );

  app.delete(
    '/courses/:courseId/lessons/:lessonId',
    {
      schema: {
        tags,
        summary: 'Delete a lesson (soft delete)',
        security,
        params: lessonParamsSchema,
        response: { ...noContent, ...errors },
      },
    },
    async (request, reply) => {
      await deleteLesson(request, request.params.courseId, request.params.lessonId);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/courses/:courseId/lessons/:lessonId/move',
    {
      schema: {
        tags,
        summary: 'Move a lesson to a section of the same course, at a position',
        security,
        params: lessonParamsSchema,
        body: moveLessonSchema,
        response: { 200: authoringCourseSchema, ...errors },
      },
    },
    (request) => moveLesson(request, request.params.courseId, request.params.lessonId, request.body),
  );
};
