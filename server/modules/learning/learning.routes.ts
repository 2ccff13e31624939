import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { errorBodySchema } from '../../../contracts/errors.ts';
import {
  courseIdParamsSchema,
  courseProgressSchema,
  dashboardQuerySchema,
  dashboardSchema,
  grantInputSchema,
  grantListSchema,
  grantSchema,
  lessonIdParamsSchema,
  lessonNotesInputSchema,
  lessonNotesSchema,
  myLearningQuerySchema,
  myLearningSchema,
  progressReportSchema,
  progressStateSchema,
  resourceDownloadSchema,
  revokedGrantSchema,
  revokeGrantInputSchema,
} from '../../../contracts/learning.ts';
import { createHeartbeatBuffer } from './learning.heartbeats.ts';
import {
  acceptProgressReport,
  countResourceDownload,
  getCourseProgress,
  getDashboard,
  getLessonNotes,
  getMyLearning,
  grantAccess,
  listGrants,
  revokeAccess,
  saveLessonNotes,
} from './learning.service.ts';

const tags = ['learning'];
const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema };
const signedIn = [{ bearerAuth: [] }];

/** Progress, notes, My learning, the dashboard and access grants. Registered under /api. */
export const learningRoutes: FastifyPluginAsyncZod = async (app) => {
  // Position-only heartbeats wait here up to PROGRESS_HEARTBEAT_FLUSH_MS (0: never); written on close.
  // A learner's allowed access to a lesson is remembered for PROGRESS_ACCESS_MEMO_MS (learning.access-memo.ts).
  // The buffer writes as each learner through the app's Db, after the requests have ended.
  const heartbeats = createHeartbeatBuffer({
    db: app.db,
    windowMs: app.config.progressHeartbeatFlushMs,
    accessTtlMs: app.config.progressAccessMemoMs,
    log: app.log,
  });
  app.addHook('onClose', async () => heartbeats.close());

  app.put(
    '/lessons/:lessonId/progress',
    {
      schema: {
        tags,
        summary:
          'Report progress on a lesson (idempotent; an older report changes nothing and gets the current state)',
        description:
          '200: the report was written before this answer. 202: a position-only heartbeat (it cannot ' +
          'complete anything) was accepted and queued; it is written within PROGRESS_HEARTBEAT_FLUSH_MS ' +
          '(2 s by default), and the body is the state it will leave. Completions are always 200.',
        security: signedIn,
        params: lessonIdParamsSchema,
        body: progressReportSchema,
        response: { 200: progressStateSchema, 202: progressStateSchema, ...errors },
      },
    },
    async (request, reply) => {
      const { state, queued } = await acceptProgressReport(
        request,
        request.params.lessonId,
        request.body,
        heartbeats,
      );
      return reply.code(queued ? 202 : 200).send(state);
    },
  );

  app.get(
    '/lessons/:lessonId/notes',
    {
      schema: {
        tags,
        summary: 'Your notes on a lesson',
        security: signedIn,
        params: lessonIdParamsSchema,
        response: { 200: lessonNotesSchema, ...errors },
      },
    },
    (request) => getLessonNotes(request, request.params.lessonId),
  );

  app.put(
    '/lessons/:lessonId/notes',
    {
      schema: {
        tags,
        summary: 'Save your notes on a lesson (autosave: the same text again changes nothing)',
        security: signedIn,
        params: lessonIdParamsSchema,
        body: lessonNotesInputSchema,
        response: { 200: lessonNotesSchema, ...errors },
      },
    },
    (request) => saveLessonNotes(request, request.params.lessonId, request.body.notes),
  );

  app.post(
    '/lessons/:lessonId/resource-downloads',
    {
      schema: {
        tags,
        summary: "Count a download of a lesson's resources in your daily analytics",
        security: signedIn,
        params: lessonIdParamsSchema,
        response: { 200: resourceDownloadSchema, ...errors },
      },
    },
    (request) => countResourceDownload(request, request.params.lessonId),
  );

  app.get(
    '/courses/:courseId/progress',
    {
      schema: {
        tags,
        summary: 'Your progress in a course: every lesson you touched, where to continue, your access',
        security: signedIn,
        params: courseIdParamsSchema,
        response: { 200: courseProgressSchema, ...errors },
      },
    },
    (request) => getCourseProgress(request, request.params.courseId, heartbeats),
  );

  app.get(
    '/me/learning',
    {
      schema: {
        tags,
        summary: 'My learning: your enrolments, most recently studied first (keyset pagination)',
        security: signedIn,
        querystring: myLearningQuerySchema,
        response: { 200: myLearningSchema, ...errors },
      },
    },
    (request) => getMyLearning(request, request.query, heartbeats),
  );

  app.get(
    '/me/dashboard',
    {
      schema: {
        tags,
        summary:
          "Your streak, this week's minutes against your daily goal, and recent activity (your time zone)",
        security: signedIn,
        querystring: dashboardQuerySchema,
        response: { 200: dashboardSchema, ...errors },
      },
    },
    (request) => getDashboard(request, request.query, new Date(), heartbeats),
  );

  app.get(
    '/courses/:courseId/grants',
    {
      schema: {
        tags,
        summary: 'Access granted by email to a course you own (admins: any course)',
        security: signedIn,
        params: courseIdParamsSchema,
        response: { 200: grantListSchema, ...errors },
      },
    },
    (request) => listGrants(request, request.params.courseId),
  );

  app.post(
    '/courses/:courseId/grants',
    {
      schema: {
        tags,
        summary: 'Grant free access to a course you own to a learner by email, optionally until a date',
        description:
          'The answer is the same whether or not an account exists for the address: a grant to an ' +
          'address without a confirmed account applies once that address is confirmed.',
        security: signedIn,
        params: courseIdParamsSchema,
        body: grantInputSchema,
        response: { 201: grantSchema, ...errors },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await grantAccess(request, request.params.courseId, request.body)),
  );

  app.post(
    '/courses/:courseId/grants/revoke',
    {
      schema: {
        tags,
        summary: 'Revoke access granted by email (access the learner had anyway is kept)',
        security: signedIn,
        params: courseIdParamsSchema,
        body: revokeGrantInputSchema,
        response: { 200: revokedGrantSchema, ...errors },
      },
    },
    (request) => revokeAccess(request, request.params.courseId, request.body.email, heartbeats),
  );
};
