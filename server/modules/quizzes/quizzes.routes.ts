import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorBodySchema } from '../../../contracts/errors.ts';
import {
  answerParamsSchema,
  attemptIdParamsSchema,
  attemptsReportSchema,
  attemptViewSchema,
  authoringQuestionSchema,
  authoringQuizListSchema,
  authoringQuizSchema,
  courseIdParamsSchema,
  createQuizSchema,
  extraGrantInputSchema,
  extraGrantSchema,
  itemAnalysisSchema,
  lessonIdParamsSchema,
  questionInputSchema,
  questionParamsSchema,
  quizIdParamsSchema,
  quizOverviewSchema,
  reorderQuestionsSchema,
  saveAnswerSchema,
  savedAnswerSchema,
  updateQuizSchema,
} from '../../../contracts/quizzes.ts';
import {
  addQuestion,
  applyGraceSeconds,
  createQuiz,
  deleteQuestion,
  deleteQuiz,
  duplicateQuestion,
  editQuiz,
  getAttemptsReport,
  getAuthoringQuiz,
  getItemAnalysis,
  getLessonQuiz,
  getQuizAttempt,
  getQuizOverview,
  grantQuizExtra,
  listQuizzes,
  reorderQuestions,
  replaceQuestion,
  saveQuizAnswer,
  startQuizAttempt,
  submitQuizAttempt,
  sweepOverdue,
} from './quizzes.service.ts';

const tags = ['quizzes'];
const errors = {
  400: errorBodySchema,
  401: errorBodySchema,
  403: errorBodySchema,
  404: errorBodySchema,
  409: errorBodySchema,
};
const signedIn = [{ bearerAuth: [] }];
const noContent = { 204: z.null().describe('No content') };
/** Submit takes no body; anything sent (a score, a key) is refused. */
const emptyBody = z.object({}).strict().nullish();

/** Quizzes: authoring, attempts, instructor views, and the deadline sweep. Registered under /api. */
export const quizzesRoutes: FastifyPluginAsyncZod = async (app) => {
  // The deadline sweep: closes attempts left open past deadline + grace (also done on any read).
  // In-process and idempotent, so every instance may run it; stopped when the app closes.
  const { db } = app;
  const { graceSeconds, sweepIntervalSeconds } = app.config.quizzes;
  let timer: NodeJS.Timeout | undefined;
  let sweeping: Promise<unknown> = Promise.resolve();
  // Each sweep also writes QUIZ_GRACE_SECONDS where the engine reads it (a no-op when unchanged):
  // nothing touches the database at boot, so the app starts even while the database is away.
  const sweep = async () => {
    await applyGraceSeconds(db, graceSeconds);
    const closed = await sweepOverdue(db);
    if (closed > 0) app.log.info({ closed }, 'quiz attempts closed at their deadline');
  };
  app.addHook('onReady', async () => {
    if (sweepIntervalSeconds > 0) {
      timer = setInterval(() => {
        sweeping = sweep().catch((error: unknown) =>
          app.log.error({ err: error }, 'quiz deadline sweep failed'),
        );
      }, sweepIntervalSeconds * 1000);
      timer.unref();
    }
  });
  app.addHook('onClose', async () => {
    if (timer) clearInterval(timer);
    await sweeping;
  });

  // ------------------------------------------------------------ authoring
  app.get(
    '/courses/:courseId/quizzes',
    {
      schema: {
        tags,
        summary: "A course's quizzes, trash included (owner or admin)",
        security: signedIn,
        params: courseIdParamsSchema,
        response: { 200: authoringQuizListSchema, ...errors },
      },
    },
    (request) => listQuizzes(request, request.params.courseId),
  );

  app.post(
    '/courses/:courseId/quizzes',
    {
      schema: {
        tags,
        summary: 'Create a quiz in a course you own, optionally attached to a quiz lesson',
        security: signedIn,
        params: courseIdParamsSchema,
        body: createQuizSchema,
        response: { 201: authoringQuizSchema, ...errors },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createQuiz(request, request.params.courseId, request.body)),
  );

  app.get(
    '/quizzes/:quizId/authoring',
    {
      schema: {
        tags,
        summary: 'A quiz with its questions and answer keys (owner or admin)',
        security: signedIn,
        params: quizIdParamsSchema,
        response: { 200: authoringQuizSchema, ...errors },
      },
    },
    (request) => getAuthoringQuiz(request, request.params.quizId),
  );

  app.patch(
    '/quizzes/:quizId',
    {
      schema: {
        tags,
        summary: "Edit a quiz's configuration",
        security: signedIn,
        params: quizIdParamsSchema,
        body: updateQuizSchema,
        response: { 200: authoringQuizSchema, ...errors },
      },
    },
    (request) => editQuiz(request, request.params.quizId, request.body),
  );

  app.delete(
    '/quizzes/:quizId',
    {
      schema: {
        tags,
        summary: 'Move a quiz to the trash',
        security: signedIn,
        params: quizIdParamsSchema,
        response: { ...noContent, ...errors },
      },
    },
    async (request, reply) => {
      await deleteQuiz(request, request.params.quizId);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/quizzes/:quizId/questions',
    {
      schema: {
        tags,
        summary: 'Add a question at the end of a quiz',
        security: signedIn,
        params: quizIdParamsSchema,
        body: questionInputSchema,
        response: { 201: authoringQuestionSchema, ...errors },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await addQuestion(request, request.params.quizId, request.body)),
  );

  app.put(
    '/quizzes/:quizId/questions/order',
    {
      schema: {
        tags,
        summary: "Reorder a quiz's questions (the list must be exactly its questions)",
        security: signedIn,
        params: quizIdParamsSchema,
        body: reorderQuestionsSchema,
        response: { 200: authoringQuizSchema, ...errors },
      },
    },
    (request) => reorderQuestions(request, request.params.quizId, request.body.questionIds),
  );

  app.put(
    '/quizzes/:quizId/questions/:questionId',
    {
      schema: {
        tags,
        summary: 'Replace a question (type, text, key, points, explanation, hint)',
        security: signedIn,
        params: questionParamsSchema,
        body: questionInputSchema,
        response: { 200: authoringQuestionSchema, ...errors },
      },
    },
    (request) => replaceQuestion(request, request.params.quizId, request.params.questionId, request.body),
  );

  app.delete(
    '/quizzes/:quizId/questions/:questionId',
    {
      schema: {
        tags,
        summary: 'Delete a question (soft delete; past attempts keep their results)',
        security: signedIn,
        params: questionParamsSchema,
        response: { ...noContent, ...errors },
      },
    },
    async (request, reply) => {
      await deleteQuestion(request, request.params.quizId, request.params.questionId);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/quizzes/:quizId/questions/:questionId/duplicate',
    {
      schema: {
        tags,
        summary: 'Duplicate a question; the copy follows the original',
        security: signedIn,
        params: questionParamsSchema,
        response: { 201: authoringQuestionSchema, ...errors },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await duplicateQuestion(request, request.params.quizId, request.params.questionId)),
  );

  // ------------------------------------------------------------ taking a quiz
  app.get(
    '/lessons/:lessonId/quiz',
    {
      schema: {
        tags,
        summary: 'The quiz of a quiz lesson: configuration and your attempts',
        security: signedIn,
        params: lessonIdParamsSchema,
        response: { 200: quizOverviewSchema, ...errors },
      },
    },
    (request) => getLessonQuiz(request, request.params.lessonId),
  );

  app.get(
    '/quizzes/:quizId',
    {
      schema: {
        tags,
        summary: 'A quiz you may take: configuration, attempts used and left, the attempt in progress',
        security: signedIn,
        params: quizIdParamsSchema,
        response: { 200: quizOverviewSchema, ...errors },
      },
    },
    (request) => getQuizOverview(request, request.params.quizId),
  );

  app.post(
    '/quizzes/:quizId/attempts',
    {
      schema: {
        tags,
        summary: 'Start an attempt (201), or resume the one in progress (200)',
        security: signedIn,
        params: quizIdParamsSchema,
        body: emptyBody,
        response: { 200: attemptViewSchema, 201: attemptViewSchema, ...errors },
      },
    },
    async (request, reply) => {
      const { created, view } = await startQuizAttempt(request, request.params.quizId);
      return reply.code(created ? 201 : 200).send(view);
    },
  );

  app.get(
    '/quiz-attempts/:attemptId',
    {
      schema: {
        tags,
        summary:
          'Your attempt: questions in its order, your answers, the server deadline, results as allowed',
        security: signedIn,
        params: attemptIdParamsSchema,
        response: { 200: attemptViewSchema, ...errors },
      },
    },
    (request) => getQuizAttempt(request, request.params.attemptId),
  );

  app.put(
    '/quiz-attempts/:attemptId/answers/:questionId',
    {
      schema: {
        tags,
        summary: 'Autosave an answer (idempotent; the highest clientSeq wins)',
        security: signedIn,
        params: answerParamsSchema,
        body: saveAnswerSchema,
        response: { 200: savedAnswerSchema, ...errors },
      },
    },
    (request) => saveQuizAnswer(request, request.params.attemptId, request.params.questionId, request.body),
  );

  app.post(
    '/quiz-attempts/:attemptId/submit',
    {
      schema: {
        tags,
        summary: 'Submit your attempt for grading',
        security: signedIn,
        params: attemptIdParamsSchema,
        body: emptyBody,
        response: { 200: attemptViewSchema, ...errors },
      },
    },
    (request) => submitQuizAttempt(request, request.params.attemptId),
  );

  // ------------------------------------------------------------ instructor views
  app.get(
    '/quizzes/:quizId/attempts-report',
    {
      schema: {
        tags,
        summary: 'Every attempt on a quiz you own, with answers and per-question results',
        security: signedIn,
        params: quizIdParamsSchema,
        response: { 200: attemptsReportSchema, ...errors },
      },
    },
    (request) => getAttemptsReport(request, request.params.quizId),
  );

  app.get(
    '/quizzes/:quizId/item-analysis',
    {
      schema: {
        tags,
        summary: 'How often each question was answered right and each option chosen',
        security: signedIn,
        params: quizIdParamsSchema,
        response: { 200: itemAnalysisSchema, ...errors },
      },
    },
    (request) => getItemAnalysis(request, request.params.quizId),
  );

  app.post(
    '/quizzes/:quizId/extra-grants',
    {
      schema: {
        tags,
        summary: 'Grant a learner extra attempts and/or extra minutes on a quiz you own',
        security: signedIn,
        params: quizIdParamsSchema,
        body: extraGrantInputSchema,
        response: { 200: extraGrantSchema, ...errors },
      },
    },
    (request) => grantQuizExtra(request, request.params.quizId, request.body),
  );
};
