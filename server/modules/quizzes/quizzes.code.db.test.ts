import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryLogger, TEST_JWT_SECRET, testConfig } from '../../../tests/helpers/test-app.ts';
import { createTestDatabase, type TestDatabase } from '../../../tests/helpers/test-db.ts';
import { buildApp, type App } from '../../app.ts';
import type { SessionUser } from '../../db/session.ts';
import { signAccessToken } from '../../platform/auth.ts';
import { createJobs, type Jobs } from '../../platform/jobs/jobs.ts';
import { startJudgeWorker, type JudgeWorker } from '../challenges/judge-worker.ts';
import { buildCourse, makeUser, type BuiltCourse } from '../courses/courses.fixtures.ts';
import { createJudge } from '../judge/judge.ts';
import { startQuizCodeGrading } from './code-grading.ts';
import { sweepOverdue } from './quizzes.service.ts';

// Code questions inside quizzes graded by the real judge worker (Python, sandboxed), through HTTP, on
// both engines: submit → 'submitted' (grading) → the worker's verdict → 'graded' with the right score,
// lesson completion and average; hidden tests' canaries never reach the learner; the deadline sweep
// path; an unavailable judge leaves the attempt grading (and says so) until a healthy worker starts.

let testDb: TestDatabase;
let app: App;
let owner: SessionUser;
let learner: SessionUser;
let course: BuiltCourse;
let quizLessonId: string;
const running: Array<{ jobs: Jobs; worker?: JudgeWorker }> = [];
const hiddenCanary = `cnry-hidden-${randomBytes(4).toString('hex')}`;

type Method = 'GET' | 'PUT' | 'POST';
async function call(method: Method, url: string, user: SessionUser, body?: unknown) {
  const headers = { authorization: `Bearer ${await signAccessToken(TEST_JWT_SECRET, user, 600)}` };
  return app.inject({ method, url, headers, ...(body === undefined ? {} : { payload: body as object }) });
}
async function ok(status: number, method: Method, url: string, user: SessionUser, body?: unknown) {
  const response = await call(method, url, user, body);
  expect(response.statusCode, `${method} ${url}: ${response.body}`).toBe(status);
  return response.json();
}
async function asOwner<R>(query: ReturnType<typeof sql<R>>) {
  return (await query.execute(testDb.handle.kysely)).rows;
}
async function waitFor<T>(check: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

/** A worker process: the quiz reply handler plus a judge worker (healthy unless canaries fail). */
async function startWorker(refuse = false) {
  const logger = memoryLogger().logger;
  const jobs = createJobs({ db: testDb.db, logger, pollingIntervalSeconds: 0.5 });
  await startQuizCodeGrading({ db: testDb.db, jobs, logger });
  const worker = await startJudgeWorker({
    db: testDb.db,
    jobs,
    logger,
    config: testConfig({ UW_JUDGE_SLOTS: '1' }).judge,
    ...(refuse
      ? {
          judge: createJudge({ slots: 1 }),
          canaries: async () => ({ ok: false, failures: ['test: refuse'] }),
        }
      : {}),
  });
  const entry = { jobs, worker };
  running.push(entry);
  return entry;
}

async function stopWorker(entry: { jobs: Jobs; worker?: JudgeWorker }) {
  await entry.jobs.stop();
  await entry.worker?.stop();
  running.splice(running.indexOf(entry), 1);
}

interface CodeQuiz {
  id: string;
  tf: string;
  code: string;
}

/** A graded quiz: a true/false question (1 point) and a Python code question (3 points, one hidden test). */
async function buildCodeQuiz(config: Record<string, unknown> = {}): Promise<CodeQuiz> {
  const quiz = await ok(201, 'POST', `/api/courses/${course.id}/quizzes`, owner, {
    title: 'Greetings',
    quizType: 'graded',
    passingScore: 70,
    showCorrectAnswers: 'after_submission',
    maxAttempts: null,
    ...config,
  });
  const tf = await ok(201, 'POST', `/api/quizzes/${quiz.id}/questions`, owner, {
    questionType: 'true_false',
    questionText: 'print() writes to standard output.',
    correctAnswer: true,
    points: 1,
  });
  const code = await ok(201, 'POST', `/api/quizzes/${quiz.id}/questions`, owner, {
    questionType: 'code',
    questionText: 'Read a name and greet it: "Hello, NAME".',
    programmingLanguage: 'python',
    codeTemplate: 'name = input()\n',
    points: 3,
    testCases: [
      { input: 'Ada', expectedOutput: 'Hello, Ada' },
      { input: hiddenCanary, expectedOutput: `Hello, ${hiddenCanary}`, isHidden: true },
    ],
  });
  expect(code.testCases[1]).toEqual({
    input: hiddenCanary,
    expectedOutput: `Hello, ${hiddenCanary}`,
    isHidden: true,
  });
  return { id: quiz.id, tf: tf.id, code: code.id };
}

const RIGHT_CODE = "print('Hello, ' + input())";
const WRONG_CODE = 'print(input())';
/** Passes the visible test only. */
const HALF_CODE = "input()\nprint('Hello, Ada')";

async function answer(attemptId: string, questionId: string, body: unknown, seq = 1) {
  await ok(200, 'PUT', `/api/quiz-attempts/${attemptId}/answers/${questionId}`, learner, {
    answer: body,
    clientSeq: seq,
  });
}

async function takeAndSubmit(quiz: CodeQuiz, code: string) {
  const { attempt } = await ok(201, 'POST', `/api/quizzes/${quiz.id}/attempts`, learner);
  await answer(attempt.id, quiz.tf, { choices: ['true'] });
  await answer(attempt.id, quiz.code, { code, language: 'python' });
  const submitted = await call('POST', `/api/quiz-attempts/${attempt.id}/submit`, learner);
  return { attemptId: attempt.id as string, submitted };
}

/** Polls the learner's view (as the web app does) until the attempt is graded. */
async function waitGraded(attemptId: string) {
  return waitFor(async () => {
    for (const { jobs } of running) await jobs.relayOutbox();
    const response = await call('GET', `/api/quiz-attempts/${attemptId}`, learner);
    expect(response.body).not.toContain(hiddenCanary);
    const view = response.json();
    return view.attempt.status === 'graded' ? { view, body: response.body } : undefined;
  });
}

function codeFeedback(view: { questions: Array<{ id: string; feedback: unknown }> }, id: string) {
  return view.questions.find((q) => q.id === id)!.feedback as {
    result: string;
    pointsEarned: number;
    verdict: string | null;
    testCases: unknown[];
    testResults: Array<Record<string, unknown>>;
  };
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  const { db } = testDb;
  owner = await makeUser(db, 'instructor', 'quinn');
  learner = await makeUser(db, 'student', 'lou');
  course = await buildCourse(db, owner);
  quizLessonId = (
    await db.asUser(owner, (tx) =>
      tx
        .insertInto('courseLessons')
        .values({
          courseId: course.id,
          sectionId: course.sectionIds[1]!,
          title: 'Greet in code',
          sortOrder: 5,
          contentType: 'quiz',
        })
        .returning('id')
        .executeTakeFirstOrThrow(),
    )
  ).id;
  app = buildApp({ config: testConfig({}), db });
  await app.ready();
  await ok(200, 'POST', `/api/courses/${course.id}/enrollment`, learner);
}, 60_000);

afterAll(async () => {
  for (const entry of [...running]) await stopWorker(entry);
  await app?.close();
  await testDb?.close();
});

describe('quiz code questions graded by the judge', () => {
  let waitingAttempt: string;
  let quiz: CodeQuiz;

  it('without a healthy judge the attempt stays grading and says so', async () => {
    quiz = await buildCodeQuiz({ lessonId: quizLessonId });
    const { attemptId, submitted } = await takeAndSubmit(quiz, RIGHT_CODE);
    waitingAttempt = attemptId;
    expect(submitted.statusCode).toBe(200);
    expect(submitted.body).not.toContain(hiddenCanary);
    const view = submitted.json();
    expect(view.attempt).toMatchObject({
      status: 'submitted',
      pendingCount: 1,
      percentage: null,
      passed: false,
    });
    // No judge worker at all yet.
    expect(view.attempt.gradingMessage).toMatch(/judge is unavailable/);
    expect(codeFeedback(view, quiz.code)).toMatchObject({
      result: 'pending',
      pointsEarned: 0,
      testResults: null,
    });
    // The job waits in the queue for a worker: nothing graded it in the HTTP process.
    const [job] = await asOwner(sql<{ n: number }>`
      select count(*)::int as n from private.job_outbox where name = 'judge-code'`);
    expect(job!.n).toBe(1);

    // A worker whose canaries escaped refuses: the answer stays pending with the learner-safe message.
    const refusing = await startWorker(true);
    expect((await refusing.worker!.ready).state).toBe('refusing');
    await refusing.jobs.relayOutbox();
    const told = await waitFor(async () => {
      const [row] = await asOwner(sql<{ judgeMessage: string | null }>`
        select judge_message from private.quiz_attempt_answers
         where attempt_id = ${attemptId} and question_id = ${quiz.code}`);
      return row?.judgeMessage ? row.judgeMessage : undefined;
    });
    expect(told).toMatch(/judge is unavailable/);
    await stopWorker(refusing);
    const still = await ok(200, 'GET', `/api/quiz-attempts/${attemptId}`, learner);
    expect(still.attempt).toMatchObject({ status: 'submitted', pendingCount: 1 });
    expect(still.attempt.gradingMessage).toMatch(/judge is unavailable/);
    expect(still.attempt.gradingMessage).not.toMatch(/refuse|canary/);
  }, 120_000);

  it('a healthy worker that starts grades it: right code → full score, lesson done, average', async () => {
    const healthy = await startWorker();
    expect(await healthy.worker!.ready).toEqual({ state: 'ready' });
    const { view, body } = await waitGraded(waitingAttempt);
    expect(body).not.toContain(hiddenCanary);
    expect(view.attempt).toMatchObject({
      status: 'graded',
      score: 4,
      pointsPossible: 4,
      percentage: 100,
      passed: true,
      pendingCount: 0,
      gradingMessage: null,
    });
    const feedback = codeFeedback(view, quiz.code);
    expect(feedback).toMatchObject({ result: 'correct', pointsEarned: 3, verdict: 'accepted' });
    // Visible tests only; the hidden one is passed/failed and time, nothing else.
    expect(feedback.testCases).toEqual([{ input: 'Ada', expectedOutput: 'Hello, Ada' }]);
    expect(feedback.testResults[0]).toMatchObject({ index: 0, hidden: false, passed: true, input: 'Ada' });
    expect(feedback.testResults[1]).toEqual({
      index: 1,
      hidden: true,
      passed: true,
      executionTimeMs: expect.any(Number),
    });
    const [progress] = await asOwner(sql<{ status: string }>`
      select status from public.lesson_progress where user_id = ${learner.id} and lesson_id = ${quizLessonId}`);
    expect(progress?.status).toBe('completed');
    const [enrollment] = await asOwner(sql<{ averageQuizScore: string }>`
      select average_quiz_score from public.enrollments where user_id = ${learner.id} and course_id = ${course.id}`);
    expect(Number(enrollment!.averageQuizScore)).toBe(100);
  }, 120_000);

  it('wrong code → 0 points for it, not passed; a repeated verdict changes nothing', async () => {
    const other = await buildCodeQuiz();
    const { attemptId, submitted } = await takeAndSubmit(other, WRONG_CODE);
    expect(submitted.json().attempt.status).toBe('submitted');
    const { view } = await waitGraded(attemptId);
    expect(view.attempt).toMatchObject({ status: 'graded', score: 1, percentage: 25, passed: false });
    const feedback = codeFeedback(view, other.code);
    expect(feedback).toMatchObject({ result: 'incorrect', pointsEarned: 0, verdict: 'wrong_answer' });
    expect(feedback.testResults[1]).toEqual({
      index: 1,
      hidden: true,
      passed: false,
      executionTimeMs: expect.any(Number),
    });
    // At-least-once jobs: the same reply again (even a "better" one) is ignored.
    const again = await testDb.db.asSystem(async (tx) => {
      const { rows } = await sql<{ graded: boolean }>`
        select private.quiz_record_code_grade(${attemptId}, ${other.code},
          '{"status":"accepted","passedTests":2,"totalTests":2,"results":[]}'::jsonb) as graded`.execute(tx);
      return rows[0]!.graded;
    });
    expect(again).toBe(false);
    const after = await ok(200, 'GET', `/api/quiz-attempts/${attemptId}`, learner);
    expect(after.attempt).toMatchObject({ score: 1, percentage: 25 });
  }, 120_000);

  it('the deadline sweep closes an attempt and its code answer is graded (partial credit)', async () => {
    const timed = await buildCodeQuiz({ timeLimitMinutes: 10, showCorrectAnswers: 'never' });
    const { attempt } = await ok(201, 'POST', `/api/quizzes/${timed.id}/attempts`, learner);
    await answer(attempt.id, timed.code, { code: HALF_CODE, language: 'python' });
    await asOwner(sql`
      update public.quiz_attempts
         set started_at = now() - interval '20 minutes', deadline_at = now() - interval '5 minutes'
       where id = ${attempt.id}`);
    expect(await sweepOverdue(testDb.db)).toBe(1);
    const { view, body } = await waitGraded(attempt.id);
    expect(view.attempt).toMatchObject({
      status: 'graded',
      submitReason: 'deadline',
      score: 1.5,
      percentage: 37.5,
    });
    // Policy `never`: score only, no per-question results at all.
    expect(view.questions.every((q: { feedback: unknown }) => q.feedback === null)).toBe(true);
    expect(body).not.toMatch(/expectedOutput|testResults|verdict/);
    const [row] = await asOwner(sql<{ result: string; pointsEarned: string }>`
      select result, points_earned from private.quiz_attempt_answers
       where attempt_id = ${attempt.id} and question_id = ${timed.code}`);
    expect(row).toMatchObject({ result: 'partial' });
    expect(Number(row!.pointsEarned)).toBe(1.5);
  }, 120_000);

  it('request roles cannot record a grade or requeue', async () => {
    const denied = await testDb.db
      .asUser(learner, (tx) =>
        sql`select private.quiz_record_code_grade(${waitingAttempt}, ${quiz.code}, '{}'::jsonb)`.execute(tx),
      )
      .then(
        () => 'allowed',
        (error: Error) => error.message,
      );
    expect(denied).toMatch(/permission denied/);
  });
});
