import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  authoringChallengeListSchema,
  authoringChallengeSchema,
  challengeInputSchema,
  codeInputSchema,
  judgeHealthSchema,
  learnerChallengeSchema,
  runAcceptedSchema,
  runResultSchema,
  submissionListSchema,
  submissionSchema,
} from '../../../contracts/challenges.ts';
import { errorBodySchema } from '../../../contracts/errors.ts';
import {
  createChallenge,
  deleteChallenge,
  getAuthoringChallenge,
  getChallenge,
  getJudgeHealth,
  getLessonChallenge,
  getRun,
  getSubmission,
  listChallenges,
  listMySubmissions,
  publishChallenge,
  replaceChallenge,
  startRun,
  submitCode,
  unpublishChallenge,
  createRunLimiter,
  type JudgeQueue,
} from './challenges.service.ts';

const tags = ['challenges'];
const errors = {
  400: errorBodySchema,
  401: errorBodySchema,
  403: errorBodySchema,
  404: errorBodySchema,
  409: errorBodySchema,
  429: errorBodySchema,
  503: errorBodySchema,
};
const signedIn = [{ bearerAuth: [] }];
const emptyBody = z.object({}).strict().nullish();
const courseParams = z.object({ courseId: z.uuid() });
const challengeParams = z.object({ challengeId: z.uuid() });
const lessonParams = z.object({ lessonId: z.uuid() });
const runParams = z.object({ runId: z.uuid() });
const submissionParams = z.object({ submissionId: z.uuid() });

/** The jobs platform, with outbox rows relayed right after the request's commit. */
function judgeQueue(app: FastifyInstance): JudgeQueue {
  return {
    jobs: app.jobs,
    nudge: () => app.background.run('relay job outbox', () => app.jobs.relayOutbox()),
    allowRun: createRunLimiter(),
  };
}

/** Code challenges: authoring, runs, submissions and verdicts, judge health. Registered under /api. */
export const challengesRoutes: FastifyPluginAsyncZod = async (app) => {
  const queue = judgeQueue(app);

  app.get(
    '/courses/:courseId/challenges',
    {
      schema: {
        tags,
        summary: "A course's code challenges, trash included (owner or admin)",
        security: signedIn,
        params: courseParams,
        response: { 200: authoringChallengeListSchema, ...errors },
      },
    },
    (request) => listChallenges(request, request.params.courseId),
  );

  app.post(
    '/courses/:courseId/challenges',
    {
      schema: {
        tags,
        summary: 'Create a draft code challenge in a course you own',
        security: signedIn,
        params: courseParams,
        body: challengeInputSchema,
        response: { 201: authoringChallengeSchema, ...errors },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createChallenge(request, request.params.courseId, request.body)),
  );

  app.get(
    '/challenges/:challengeId/authoring',
    {
      schema: {
        tags,
        summary: 'Every field of a challenge, solutions and tests included (owner or admin)',
        security: signedIn,
        params: challengeParams,
        response: { 200: authoringChallengeSchema, ...errors },
      },
    },
    (request) => getAuthoringChallenge(request, request.params.challengeId),
  );

  app.put(
    '/challenges/:challengeId',
    {
      schema: {
        tags,
        summary: 'Replace a challenge (editing tests, solutions, languages or limits unpublishes it)',
        security: signedIn,
        params: challengeParams,
        body: challengeInputSchema,
        response: { 200: authoringChallengeSchema, ...errors },
      },
    },
    (request) => replaceChallenge(request, request.params.challengeId, request.body),
  );

  app.delete(
    '/challenges/:challengeId',
    {
      schema: {
        tags,
        summary: 'Move a challenge to the trash',
        security: signedIn,
        params: challengeParams,
        response: { 204: z.null().describe('No content'), ...errors },
      },
    },
    async (request, reply) => {
      await deleteChallenge(request, request.params.challengeId);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/challenges/:challengeId/publish',
    {
      schema: {
        tags,
        summary: 'Judge the solution on every test in every language; publish when all pass',
        security: signedIn,
        params: challengeParams,
        body: emptyBody,
        response: { 200: authoringChallengeSchema, ...errors },
      },
    },
    (request) => publishChallenge(request, queue, request.params.challengeId),
  );

  app.post(
    '/challenges/:challengeId/unpublish',
    {
      schema: {
        tags,
        summary: 'Take a challenge back to draft',
        security: signedIn,
        params: challengeParams,
        body: emptyBody,
        response: { 200: authoringChallengeSchema, ...errors },
      },
    },
    (request) => unpublishChallenge(request, request.params.challengeId),
  );

  app.get(
    '/lessons/:lessonId/challenge',
    {
      schema: {
        tags,
        summary: 'The challenge of a code lesson (statement, starter code, visible tests)',
        security: signedIn,
        params: lessonParams,
        response: { 200: learnerChallengeSchema, ...errors },
      },
    },
    (request) => getLessonChallenge(request, request.params.lessonId),
  );

  app.get(
    '/challenges/:challengeId',
    {
      schema: {
        tags,
        summary: 'A challenge as a learner sees it',
        security: signedIn,
        params: challengeParams,
        response: { 200: learnerChallengeSchema, ...errors },
      },
    },
    (request) => getChallenge(request, request.params.challengeId),
  );

  app.post(
    '/challenges/:challengeId/runs',
    {
      schema: {
        tags,
        summary: 'Run code against the visible examples on the judge (not recorded); poll the run',
        security: signedIn,
        params: challengeParams,
        body: codeInputSchema,
        response: { 202: runAcceptedSchema, ...errors },
      },
    },
    async (request, reply) =>
      reply.code(202).send(await startRun(request, queue, request.params.challengeId, request.body)),
  );

  app.get(
    '/challenge-runs/:runId',
    {
      schema: {
        tags,
        summary: "A run's state and per-test results (its author only)",
        security: signedIn,
        params: runParams,
        response: { 200: runResultSchema, ...errors },
      },
    },
    (request) => getRun(request, queue, request.params.runId),
  );

  app.post(
    '/challenges/:challengeId/submissions',
    {
      schema: {
        tags,
        summary: 'Submit code: judged on every test; poll the submission for the verdict',
        security: signedIn,
        params: challengeParams,
        body: codeInputSchema,
        response: { 201: submissionSchema, ...errors },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await submitCode(request, queue, request.params.challengeId, request.body)),
  );

  app.get(
    '/challenges/:challengeId/submissions',
    {
      schema: {
        tags,
        summary: 'Your submissions to a challenge, newest first',
        security: signedIn,
        params: challengeParams,
        response: { 200: submissionListSchema, ...errors },
      },
    },
    (request) => listMySubmissions(request, request.params.challengeId),
  );

  app.get(
    '/submissions/:submissionId',
    {
      schema: {
        tags,
        summary: 'One submission with its verdict and per-test results',
        security: signedIn,
        params: submissionParams,
        response: { 200: submissionSchema, ...errors },
      },
    },
    (request) => getSubmission(request, request.params.submissionId),
  );

  app.get(
    '/admin/judge',
    {
      schema: {
        tags,
        summary: 'Judge health: each worker’s sandbox status and start-up canary results (admin)',
        security: signedIn,
        response: { 200: judgeHealthSchema, ...errors },
      },
    },
    (request) => getJudgeHealth(request),
  );
};
