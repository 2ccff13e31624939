import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_JWT_SECRET, testConfig } from '../../../tests/helpers/test-app.ts';
import { createTestDatabase, type TestDatabase } from '../../../tests/helpers/test-db.ts';
import { buildApp, type App } from '../../app.ts';
import type { SessionUser } from '../../db/session.ts';
import { signAccessToken } from '../../platform/auth.ts';
import { buildCourse, makeUser, type BuiltCourse } from '../courses/courses.fixtures.ts';
import { applyGraceSeconds, sweepOverdue } from './quizzes.service.ts';

// The quiz engine end to end through HTTP (app.inject), on PGlite and PostgreSQL. Deadlines are
// moved by rewriting stored timestamps, never by waiting.

let testDb: TestDatabase;
let app: App;
let owner: SessionUser;
let otherInstructor: SessionUser;
let learner: SessionUser;
let learnerB: SessionUser;
let stranger: SessionUser;
let course: BuiltCourse;
let quizLessonId: string;

const GRACE_SECONDS = 10;

beforeAll(async () => {
  testDb = await createTestDatabase();
  const { db } = testDb;
  owner = await makeUser(db, 'instructor', 'olga');
  otherInstructor = await makeUser(db, 'instructor', 'ivan');
  learner = await makeUser(db, 'student', 'lena');
  learnerB = await makeUser(db, 'student', 'bob');
  stranger = await makeUser(db, 'student', 'sam');
  course = await buildCourse(db, owner);
  quizLessonId = (
    await db.asUser(owner, (tx) =>
      tx
        .insertInto('courseLessons')
        .values({
          courseId: course.id,
          sectionId: course.sectionIds[1]!,
          title: 'Check yourself',
          sortOrder: 5,
          contentType: 'quiz',
        })
        .returning('id')
        .executeTakeFirstOrThrow(),
    )
  ).id;
  app = buildApp({ config: testConfig({ QUIZ_GRACE_SECONDS: String(GRACE_SECONDS) }), db });
  await app.ready();
  for (const user of [learner, learnerB])
    expect((await call('POST', `/api/courses/${course.id}/enrollment`, user)).statusCode).toBe(200);
});

afterAll(async () => {
  await app?.close();
  await testDb?.close();
});

type Method = 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
async function call(method: Method, url: string, user?: SessionUser, body?: unknown) {
  const headers = user
    ? { authorization: `Bearer ${await signAccessToken(TEST_JWT_SECRET, user, 600)}` }
    : {};
  return app.inject({ method, url, headers, ...(body === undefined ? {} : { payload: body as object }) });
}
/** Calls and expects `status`, returning the JSON body. */
async function ok(status: number, method: Method, url: string, user?: SessionUser, body?: unknown) {
  const response = await call(method, url, user, body);
  expect(response.statusCode, `${method} ${url}: ${response.body}`).toBe(status);
  return response.body ? response.json() : null;
}

/** Runs SQL as the database owner (test setup: moving clocks, reading private tables). */
async function asOwner<R>(query: ReturnType<typeof sql<R>>) {
  return (await query.execute(testDb.handle.kysely)).rows;
}

interface BuiltQuiz {
  id: string;
  questions: { single: string; multi: string; trueFalse: string; short: string; code?: string };
  /** Strings planted in answer keys, accepted answers, explanations and tests. */
  canaries: string[];
}

function canary(kind: string) {
  return `cnry-${kind}-${randomBytes(4).toString('hex')}`;
}

/** A quiz with one question of each type, keys and explanations carrying canaries. */
async function buildQuiz(
  config: Record<string, unknown>,
  options: { code?: boolean } = {},
): Promise<BuiltQuiz> {
  const quiz = await ok(201, 'POST', `/api/courses/${course.id}/quizzes`, owner, {
    title: 'Checkpoint',
    ...config,
  });
  const canaries: string[] = [];
  const c = (kind: string) => {
    const value = canary(kind);
    canaries.push(value);
    return value;
  };
  const add = async (body: Record<string, unknown>) =>
    (await ok(201, 'POST', `/api/quizzes/${quiz.id}/questions`, owner, body)).id as string;
  const single = await add({
    questionType: 'multiple_choice',
    questionText: 'Which planet is red?',
    explanation: c('explanation-single'),
    hint: 'Think of rust.',
    points: 1,
    options: [
      { id: 'mars', text: 'Mars', isCorrect: true },
      { id: 'venus', text: 'Venus', isCorrect: false },
      { id: 'earth', text: 'Earth', isCorrect: false },
    ],
  });
  const multi = await add({
    questionType: 'multiple_choice',
    questionText: 'Which are prime?',
    explanation: c('explanation-multi'),
    allowMultiple: true,
    points: 2,
    options: [
      { id: 'two', text: '2', isCorrect: true },
      { id: 'three', text: '3', isCorrect: true },
      { id: 'four', text: '4', isCorrect: false },
    ],
  });
  const trueFalse = await add({
    questionType: 'true_false',
    questionText: 'Water boils at 100 °C at sea level.',
    explanation: c('explanation-tf'),
    correctAnswer: true,
    points: 1,
  });
  const short = await add({
    questionType: 'short_answer',
    questionText: 'Name the secret word, or give 42.',
    explanation: c('explanation-short'),
    acceptedAnswers: [c('accepted'), '42'],
    numericTolerance: 0.5,
    points: 2,
  });
  const questions: BuiltQuiz['questions'] = { single, multi, trueFalse, short };
  if (options.code) {
    questions.code = await add({
      questionType: 'code',
      questionText: 'Add two numbers.',
      explanation: c('explanation-code'),
      programmingLanguage: 'python',
      codeTemplate: 'def add(a, b):\n    pass\n',
      testCases: [{ input: c('test-input'), expectedOutput: c('test-output') }],
      points: 3,
    });
  }
  return { id: quiz.id, questions, canaries };
}

const RIGHT = {
  single: { choices: ['mars'] },
  multi: { choices: ['two', 'three'] },
  trueFalse: { choices: ['true'] },
  short: { text: ' 42.3 ' },
};

const noCanary = (body: string, canaries: string[]) =>
  canaries.filter((c) => body.toLowerCase().includes(c.toLowerCase()));

/** Key material a learner must not see before the policy allows (besides the canaries). */
function keyMarkers(body: string): string[] {
  return [
    'correctOptionIds',
    'isCorrect',
    'is_correct',
    'acceptedAnswers',
    'accepted_answers',
    'testCases',
  ].filter((m) => body.includes(m));
}

let seq = 0;
const nextSeq = () => ++seq;

async function save(user: SessionUser, attemptId: string, questionId: string, answer: unknown) {
  return call('PUT', `/api/quiz-attempts/${attemptId}/answers/${questionId}`, user, {
    answer,
    clientSeq: nextSeq(),
  });
}

async function answerAll(user: SessionUser, attemptId: string, quiz: BuiltQuiz, answers = RIGHT) {
  const bodies: string[] = [];
  for (const key of ['single', 'multi', 'trueFalse', 'short'] as const) {
    const response = await save(user, attemptId, quiz.questions[key], answers[key]);
    expect(response.statusCode, response.body).toBe(200);
    bodies.push(response.body);
  }
  return bodies;
}

describe('authoring', () => {
  it('creates a quiz with every config field, keeps totals in the database, reorders and duplicates', async () => {
    const created = await ok(201, 'POST', `/api/courses/${course.id}/quizzes`, owner, {
      title: 'Everything',
      description: 'All fields',
      instructions: 'Read carefully.',
      quizType: 'final_exam',
      passingScore: 80,
      timeLimitMinutes: 45,
      maxAttempts: null,
      randomizeQuestions: true,
      randomizeAnswers: false,
      showCorrectAnswers: 'never',
    });
    expect(created).toMatchObject({
      quizType: 'final_exam',
      passingScore: 80,
      timeLimitMinutes: 45,
      maxAttempts: null,
      randomizeQuestions: true,
      randomizeAnswers: false,
      showCorrectAnswers: 'never',
      questionCount: 0,
      totalPoints: 0,
      questions: [],
    });
    const base = { questionType: 'true_false', correctAnswer: false } as const;
    const a = await ok(201, 'POST', `/api/quizzes/${created.id}/questions`, owner, {
      ...base,
      questionText: 'A',
      points: 3,
    });
    const b = await ok(201, 'POST', `/api/quizzes/${created.id}/questions`, owner, {
      ...base,
      questionText: 'B',
      points: 4,
    });
    expect(a.options).toEqual([
      { id: 'true', text: 'True', isCorrect: false },
      { id: 'false', text: 'False', isCorrect: true },
    ]);
    let quiz = await ok(200, 'GET', `/api/quizzes/${created.id}/authoring`, owner);
    expect([quiz.questionCount, quiz.totalPoints]).toEqual([2, 7]);

    const copy = await ok(201, 'POST', `/api/quizzes/${created.id}/questions/${a.id}/duplicate`, owner);
    expect(copy).toMatchObject({ questionText: 'A', points: 3, position: 2 });
    quiz = await ok(200, 'GET', `/api/quizzes/${created.id}/authoring`, owner);
    expect(quiz.questions.map((q: { id: string }) => q.id)).toEqual([a.id, copy.id, b.id]);
    expect([quiz.questionCount, quiz.totalPoints]).toEqual([3, 10]);

    quiz = await ok(200, 'PUT', `/api/quizzes/${created.id}/questions/order`, owner, {
      questionIds: [b.id, a.id, copy.id],
    });
    expect(quiz.questions.map((q: { questionText: string }) => q.questionText)).toEqual(['B', 'A', 'A']);
    const mismatch = await call('PUT', `/api/quizzes/${created.id}/questions/order`, owner, {
      questionIds: [b.id, a.id],
    });
    expect(mismatch.json().error.code).toBe('order_mismatch');

    const replaced = await ok(200, 'PUT', `/api/quizzes/${created.id}/questions/${copy.id}`, owner, {
      questionType: 'short_answer',
      questionText: 'Spell it',
      acceptedAnswers: ['colour', 'color'],
      caseSensitive: true,
      points: 1,
    });
    expect(replaced).toMatchObject({
      questionType: 'short_answer',
      acceptedAnswers: ['colour', 'color'],
      caseSensitive: true,
      options: null,
    });
    await ok(204, 'DELETE', `/api/quizzes/${created.id}/questions/${b.id}`, owner);
    quiz = await ok(200, 'PATCH', `/api/quizzes/${created.id}`, owner, { maxAttempts: 5, title: 'Renamed' });
    expect(quiz).toMatchObject({ title: 'Renamed', maxAttempts: 5, questionCount: 2, totalPoints: 4 });
  });

  it('refuses invalid questions, other people, and lessons that are not quiz lessons', async () => {
    const quiz = await ok(201, 'POST', `/api/courses/${course.id}/quizzes`, owner, { title: 'Rules' });
    const twoRight = await call('POST', `/api/quizzes/${quiz.id}/questions`, owner, {
      questionType: 'multiple_choice',
      questionText: 'Pick',
      options: [
        { text: 'x', isCorrect: true },
        { text: 'y', isCorrect: true },
      ],
    });
    expect(twoRight.statusCode).toBe(400);
    expect(twoRight.json().error.code).toBe('validation_failed');
    const noneRight = await call('POST', `/api/quizzes/${quiz.id}/questions`, owner, {
      questionType: 'multiple_choice',
      questionText: 'Pick',
      allowMultiple: true,
      options: [
        { text: 'x', isCorrect: false },
        { text: 'y', isCorrect: false },
      ],
    });
    expect(noneRight.statusCode).toBe(400);
    const badLesson = await call('POST', `/api/courses/${course.id}/quizzes`, owner, {
      title: 'On an article',
      lessonId: course.lessonIds[1],
    });
    expect(badLesson.statusCode).toBe(400);
    for (const user of [otherInstructor, learner]) {
      expect((await call('GET', `/api/quizzes/${quiz.id}/authoring`, user)).statusCode).toBe(404);
      expect((await call('PATCH', `/api/quizzes/${quiz.id}`, user, { title: 'Mine' })).statusCode).toBe(404);
      expect((await call('GET', `/api/courses/${course.id}/quizzes`, user)).statusCode).toBe(404);
      expect(
        (await call('POST', `/api/courses/${course.id}/quizzes`, user, { title: 'Intruder' })).statusCode,
      ).toBe(404);
    }
    expect((await call('GET', `/api/quizzes/${quiz.id}/authoring`)).statusCode).toBe(401);
  });
});

describe('answer-key canaries', () => {
  it('after_submission: no key through any learner route before submitting; all of it after', async () => {
    const quiz = await buildQuiz(
      { showCorrectAnswers: 'after_submission', lessonId: quizLessonId, maxAttempts: null },
      { code: true },
    );
    const bodies: string[] = [];
    const collect = async (method: Method, url: string, body?: unknown, status = 200) => {
      const response = await call(method, url, learner, body);
      expect(response.statusCode, `${method} ${url}: ${response.body}`).toBe(status);
      bodies.push(response.body);
      return response.json();
    };
    await collect('GET', `/api/lessons/${quizLessonId}/quiz`);
    await collect('GET', `/api/quizzes/${quiz.id}`);
    const started = await collect('POST', `/api/quizzes/${quiz.id}/attempts`, undefined, 201);
    await collect('POST', `/api/quizzes/${quiz.id}/attempts`); // resumed
    await collect('GET', `/api/quiz-attempts/${started.attempt.id}`);
    bodies.push(...(await answerAll(learner, started.attempt.id, quiz)));
    await collect('PUT', `/api/quiz-attempts/${started.attempt.id}/answers/${quiz.questions.code}`, {
      answer: { code: 'def add(a, b): return a + b', language: 'python' },
      clientSeq: nextSeq(),
    });
    await collect('GET', `/api/quiz-attempts/${started.attempt.id}`);
    await collect('GET', `/api/quizzes/${quiz.id}`);
    const before = bodies.join('\n');
    expect(noCanary(before, quiz.canaries)).toEqual([]);
    expect(keyMarkers(before)).toEqual([]);
    // Control: the readings are real (questions, options and the learner's answers are there).
    expect(before).toContain('Which planet is red?');
    expect(before).toContain('Think of rust.');
    expect(before).toContain('def add(a, b): return a + b');

    const result = await collect('POST', `/api/quiz-attempts/${started.attempt.id}/submit`);
    const after = [
      JSON.stringify(result),
      (await call('GET', `/api/quiz-attempts/${started.attempt.id}`, learner)).body,
    ].join('\n');
    expect(noCanary(after, quiz.canaries).sort()).toEqual([...quiz.canaries].sort());
    // The code answer waits for the judge: never correct, attempt not graded yet.
    expect(result.attempt).toMatchObject({
      status: 'submitted',
      pendingCount: 1,
      percentage: null,
      passed: false,
      score: 6,
    });
    const code = result.questions.find((q: { id: string }) => q.id === quiz.questions.code);
    expect(code.feedback).toMatchObject({ result: 'pending', pointsEarned: 0 });
  });

  it('never: the result shows the score only, never keys or explanations', async () => {
    const quiz = await buildQuiz({ showCorrectAnswers: 'never', maxAttempts: null });
    const started = await ok(201, 'POST', `/api/quizzes/${quiz.id}/attempts`, learner);
    const bodies = await answerAll(learner, started.attempt.id, quiz);
    const submitted = await call('POST', `/api/quiz-attempts/${started.attempt.id}/submit`, learner);
    const reread = await call('GET', `/api/quiz-attempts/${started.attempt.id}`, learner);
    const overview = await call('GET', `/api/quizzes/${quiz.id}`, learner);
    const all = [...bodies, submitted.body, reread.body, overview.body].join('\n');
    expect(noCanary(all, quiz.canaries)).toEqual([]);
    expect(keyMarkers(all)).toEqual([]);
    expect(submitted.json().attempt).toMatchObject({
      status: 'graded',
      score: 6,
      percentage: 100,
      passed: true,
    });
    expect(submitted.json().questions.every((q: { feedback: unknown }) => q.feedback === null)).toBe(true);
  });

  it('immediately: feedback for a question once its answer is saved, which then is final', async () => {
    const quiz = await buildQuiz({ showCorrectAnswers: 'immediately', maxAttempts: null });
    const started = await ok(201, 'POST', `/api/quizzes/${quiz.id}/attempts`, learner);
    expect(noCanary(JSON.stringify(started), quiz.canaries)).toEqual([]);
    const saved = await save(learner, started.attempt.id, quiz.questions.single, { choices: ['venus'] });
    expect(saved.statusCode).toBe(200);
    const explanation = quiz.canaries.find((c) => c.includes('explanation-single'))!;
    expect(saved.json().feedback).toMatchObject({
      result: 'incorrect',
      pointsEarned: 0,
      correctOptionIds: ['mars'],
      explanation,
    });
    // Only that question's key: the others stay hidden.
    const view = await call('GET', `/api/quiz-attempts/${started.attempt.id}`, learner);
    expect(noCanary(view.body, quiz.canaries)).toEqual([explanation]);
    const changed = await save(learner, started.attempt.id, quiz.questions.single, { choices: ['mars'] });
    expect(changed.statusCode).toBe(409);
    expect(changed.json().error.code).toBe('answer_locked');
  });
});

describe('attempts', () => {
  it('keep the stored order and deadline across reloads; autosave is last-write-wins by clientSeq', async () => {
    const quiz = await buildQuiz({
      timeLimitMinutes: 10,
      randomizeQuestions: true,
      randomizeAnswers: true,
      maxAttempts: null,
    });
    const first = await ok(201, 'POST', `/api/quizzes/${quiz.id}/attempts`, learnerB);
    const attemptId = first.attempt.id;
    expect(first.attempt.deadlineAt).not.toBeNull();
    expect(first.attempt.remainingSeconds).toBeGreaterThan(0);
    expect(first.attempt.remainingSeconds).toBeLessThanOrEqual(600);
    const order = (v: { questions: { id: string; options: { id: string }[] | null }[] }) =>
      v.questions.map((q) => `${q.id}:${(q.options ?? []).map((o) => o.id).join(',')}`);
    const reload = await ok(200, 'GET', `/api/quiz-attempts/${attemptId}`, learnerB);
    const resumed = await ok(200, 'POST', `/api/quizzes/${quiz.id}/attempts`, learnerB);
    for (const view of [reload, resumed]) {
      expect(view.attempt.id).toBe(attemptId);
      expect(view.attempt.deadlineAt).toBe(first.attempt.deadlineAt);
      expect(order(view)).toEqual(order(first));
    }
    // The stored order is the seed's: it matches the database, not a fresh shuffle.
    const [stored] = await asOwner(
      sql<{
        questionOrder: string[];
      }>`select question_order from public.quiz_attempts where id = ${attemptId}`,
    );
    expect(first.questions.map((q: { id: string }) => q.id)).toEqual(stored!.questionOrder);

    const put = (answer: unknown, clientSeq: number) =>
      call('PUT', `/api/quiz-attempts/${attemptId}/answers/${quiz.questions.short}`, learnerB, {
        answer,
        clientSeq,
      });
    expect((await put({ text: 'second' }, 20)).json()).toMatchObject({ applied: true, clientSeq: 20 });
    const stale = (await put({ text: 'first' }, 10)).json();
    expect(stale).toMatchObject({ applied: false, clientSeq: 20, answer: { text: 'second' } });
    const repeat = (await put({ text: 'second' }, 20)).json();
    expect(repeat).toMatchObject({ applied: false, clientSeq: 20 });
    const view = await ok(200, 'GET', `/api/quiz-attempts/${attemptId}`, learnerB);
    expect(view.questions.find((q: { id: string }) => q.id === quiz.questions.short).answer).toEqual({
      text: 'second',
    });

    // Answers must fit their question.
    const wrongShape = await call(
      'PUT',
      `/api/quiz-attempts/${attemptId}/answers/${quiz.questions.single}`,
      learnerB,
      {
        answer: { text: 'mars' },
        clientSeq: 30,
      },
    );
    expect(wrongShape.statusCode).toBe(400);
    const unknownOption = await save(learnerB, attemptId, quiz.questions.single, { choices: ['pluto'] });
    expect(unknownOption.statusCode).toBe(400);
    const twoOnSingle = await save(learnerB, attemptId, quiz.questions.single, {
      choices: ['mars', 'venus'],
    });
    expect(twoOnSingle.statusCode).toBe(400);
    const foreignQuestion = await save(learnerB, attemptId, crypto.randomUUID(), { choices: ['mars'] });
    expect(foreignQuestion.statusCode).toBe(404);
  });

  it('ignore client-supplied scores and keys: strict bodies are refused and grading is the server’s', async () => {
    const quiz = await buildQuiz({ maxAttempts: null, passingScore: 90 });
    const { attempt } = await ok(201, 'POST', `/api/quizzes/${quiz.id}/attempts`, learnerB);
    const forged = await call(
      'PUT',
      `/api/quiz-attempts/${attempt.id}/answers/${quiz.questions.single}`,
      learnerB,
      {
        answer: { choices: ['venus'] },
        clientSeq: nextSeq(),
        isCorrect: true,
        pointsEarned: 1,
      },
    );
    expect(forged.statusCode).toBe(400);
    expect(forged.json().error.code).toBe('validation_failed');
    const forgedAnswer = await call(
      'PUT',
      `/api/quiz-attempts/${attempt.id}/answers/${quiz.questions.single}`,
      learnerB,
      {
        answer: { choices: ['venus'], correct: true },
        clientSeq: nextSeq(),
      },
    );
    expect(forgedAnswer.statusCode).toBe(400);
    const forgedSubmit = await call('POST', `/api/quiz-attempts/${attempt.id}/submit`, learnerB, {
      score: 6,
      percentage: 100,
      passed: true,
    });
    expect(forgedSubmit.statusCode).toBe(400);
    // Still in progress: the forged submit changed nothing.
    expect((await ok(200, 'GET', `/api/quiz-attempts/${attempt.id}`, learnerB)).attempt.status).toBe(
      'in_progress',
    );
    expect((await save(learnerB, attempt.id, quiz.questions.single, { choices: ['venus'] })).statusCode).toBe(
      200,
    );
    const result = await ok(200, 'POST', `/api/quiz-attempts/${attempt.id}/submit`, learnerB);
    expect(result.attempt).toMatchObject({ status: 'graded', score: 0, percentage: 0, passed: false });
    // The learner's database role cannot write scores either.
    await expect(
      testDb.db.asUser(learnerB, (tx) =>
        tx.updateTable('quizAttempts').set({ score: 6, passed: true }).where('id', '=', attempt.id).execute(),
      ),
    ).rejects.toThrow();
  });

  it('20 parallel starts never exceed max_attempts', async () => {
    const quiz = await buildQuiz({ maxAttempts: 2 });
    const start = () => call('POST', `/api/quizzes/${quiz.id}/attempts`, learner);
    const count = async () =>
      Number(
        (
          await asOwner(
            sql<{
              n: number;
            }>`select count(*)::int as n from public.quiz_attempts where quiz_id = ${quiz.id} and user_id = ${learner.id}`,
          )
        )[0]!.n,
      );
    for (let round = 1; round <= 2; round++) {
      const responses = await Promise.all(Array.from({ length: 20 }, start));
      const statuses = responses.map((r) => r.statusCode);
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.filter((s) => s !== 201 && s !== 200)).toEqual([]);
      expect(new Set(responses.map((r) => r.json().attempt.id)).size).toBe(1);
      expect(await count()).toBe(round);
      await ok(200, 'POST', `/api/quiz-attempts/${responses[0]!.json().attempt.id}/submit`, learner);
    }
    const refused = await Promise.all(Array.from({ length: 20 }, start));
    expect(refused.map((r) => r.statusCode)).toEqual(Array(20).fill(409));
    expect(refused[0]!.json().error.code).toBe('max_attempts_reached');
    expect(await count()).toBe(2);
    const overview = await ok(200, 'GET', `/api/quizzes/${quiz.id}`, learner);
    expect(overview).toMatchObject({
      attemptsUsed: 2,
      attemptsAllowed: 2,
      attemptsLeft: 0,
      inProgressAttemptId: null,
    });

    // The owner grants one more: exactly one more attempt, even under 20 parallel starts.
    const grant = await ok(200, 'POST', `/api/quizzes/${quiz.id}/extra-grants`, owner, {
      userId: learner.id,
      extraAttempts: 1,
    });
    expect(grant).toMatchObject({ extraAttempts: 1, attemptsAllowed: 3 });
    const third = await Promise.all(Array.from({ length: 20 }, start));
    expect(third.filter((r) => r.statusCode === 201)).toHaveLength(1);
    expect(new Set(third.map((r) => r.json().attempt.id)).size).toBe(1);
    expect(third[0]!.json().attempt.attemptNumber).toBe(3);
    expect(await count()).toBe(3);
  });
});

describe('deadlines', () => {
  /** Moves an attempt's clock: started `minutesAgo`, deadline `secondsAgo` in the past. */
  async function backdate(attemptId: string, secondsAgo: number) {
    await asOwner(sql`
      update public.quiz_attempts
         set started_at = now() - interval '11 minutes',
             deadline_at = now() - make_interval(secs => ${secondsAgo})
       where id = ${attemptId}`);
  }

  it('accepts saves and a submit within the grace; after it refuses them and closes the attempt as it stood', async () => {
    const quiz = await buildQuiz({ timeLimitMinutes: 10, maxAttempts: null, passingScore: 10 });
    const { attempt } = await ok(201, 'POST', `/api/quizzes/${quiz.id}/attempts`, learner);
    expect((await save(learner, attempt.id, quiz.questions.single, RIGHT.single)).statusCode).toBe(200);
    await backdate(attempt.id, 2); // within the 10 s grace
    expect((await save(learner, attempt.id, quiz.questions.trueFalse, RIGHT.trueFalse)).statusCode).toBe(200);

    await backdate(attempt.id, GRACE_SECONDS + 20);
    const late = await save(learner, attempt.id, quiz.questions.short, RIGHT.short);
    expect(late.statusCode).toBe(409);
    expect(late.json().error.code).toBe('deadline_passed');
    const submit = await call('POST', `/api/quiz-attempts/${attempt.id}/submit`, learner);
    expect(submit.statusCode).toBe(409);
    expect(submit.json().error.code).toBe('attempt_closed');
    const view = await ok(200, 'GET', `/api/quiz-attempts/${attempt.id}`, learner);
    // Graded as it stood: the two answers saved in time count, the late one does not.
    expect(view.attempt).toMatchObject({
      status: 'graded',
      submitReason: 'deadline',
      score: 2,
      remainingSeconds: null,
    });
    expect(view.attempt.submittedAt).toBe(view.attempt.deadlineAt);
  });

  it('a submit after deadline + grace is refused with deadline_passed', async () => {
    const quiz = await buildQuiz({ timeLimitMinutes: 10, maxAttempts: null });
    const { attempt } = await ok(201, 'POST', `/api/quizzes/${quiz.id}/attempts`, learner);
    await backdate(attempt.id, GRACE_SECONDS + 1);
    const submit = await call('POST', `/api/quiz-attempts/${attempt.id}/submit`, learner);
    expect(submit.statusCode).toBe(409);
    expect(submit.json().error.code).toBe('deadline_passed');
    expect(submit.json().error.message).toMatch(/Time is up/);
    expect((await ok(200, 'GET', `/api/quiz-attempts/${attempt.id}`, learner)).attempt.status).toBe('graded');
  });

  it('overdue attempts are closed by the sweep (once) and on any read', async () => {
    const quiz = await buildQuiz({ timeLimitMinutes: 5, maxAttempts: null });
    const a = (await ok(201, 'POST', `/api/quizzes/${quiz.id}/attempts`, learner)).attempt.id;
    const b = (await ok(201, 'POST', `/api/quizzes/${quiz.id}/attempts`, learnerB)).attempt.id;
    await save(learner, a, quiz.questions.multi, { choices: ['two'] });
    await backdate(a, GRACE_SECONDS + 5);
    await backdate(b, 1); // within the grace: left alone
    expect(await sweepOverdue(testDb.db)).toBe(1);
    expect(await sweepOverdue(testDb.db)).toBe(0);
    const statuses = await asOwner(
      sql<{ id: string; status: string; submitReason: string | null; score: number | null }>`
        select id, status, submit_reason, score from public.quiz_attempts where id in (${a}, ${b})`,
    );
    expect(statuses.find((s) => s.id === a)).toMatchObject({
      status: 'graded',
      submitReason: 'deadline',
      score: 1,
    });
    expect(statuses.find((s) => s.id === b)).toMatchObject({ status: 'in_progress' });
    // A read of an overdue attempt closes it too.
    await backdate(b, GRACE_SECONDS + 5);
    expect((await ok(200, 'GET', `/api/quiz-attempts/${b}`, learnerB)).attempt).toMatchObject({
      status: 'graded',
      submitReason: 'deadline',
    });
  });

  it('QUIZ_GRACE_SECONDS reaches the engine', async () => {
    const quiz = await buildQuiz({ timeLimitMinutes: 10, maxAttempts: null });
    const { attempt } = await ok(201, 'POST', `/api/quizzes/${quiz.id}/attempts`, learnerB);
    expect(attempt.graceSeconds).toBe(GRACE_SECONDS);
    try {
      await applyGraceSeconds(testDb.db, 60);
      await backdate(attempt.id, 30); // past the 10 s grace, within 60 s
      expect((await save(learnerB, attempt.id, quiz.questions.single, RIGHT.single)).statusCode).toBe(200);
      expect((await ok(200, 'GET', `/api/quiz-attempts/${attempt.id}`, learnerB)).attempt.graceSeconds).toBe(
        60,
      );
    } finally {
      await applyGraceSeconds(testDb.db, GRACE_SECONDS);
    }
    const late = await save(learnerB, attempt.id, quiz.questions.trueFalse, RIGHT.trueFalse);
    expect(late.json().error.code).toBe('deadline_passed');
  });

  it('extra minutes extend the attempt in progress', async () => {
    const quiz = await buildQuiz({ timeLimitMinutes: 10, maxAttempts: null });
    const { attempt } = await ok(201, 'POST', `/api/quizzes/${quiz.id}/attempts`, learnerB);
    await ok(200, 'POST', `/api/quizzes/${quiz.id}/extra-grants`, owner, {
      userId: learnerB.id,
      extraMinutes: 15,
    });
    const view = await ok(200, 'GET', `/api/quiz-attempts/${attempt.id}`, learnerB);
    expect(Date.parse(view.attempt.deadlineAt) - Date.parse(attempt.deadlineAt)).toBe(15 * 60_000);
    expect((await ok(200, 'GET', `/api/quizzes/${quiz.id}`, learnerB)).extraMinutes).toBe(15);
  });
});

describe('results', () => {
  it('a passed graded quiz completes its lesson (a learner saying done does not) and sets average_quiz_score', async () => {
    const [lesson] = await asOwner(
      sql<{
        id: string;
      }>`insert into public.course_lessons (course_id, section_id, title, sort_order, content_type)
                          values (${course.id}, ${course.sectionIds[0]}, 'Graded check', 9, 'quiz') returning id`,
    );
    const quiz = await buildQuiz({
      lessonId: lesson!.id,
      quizType: 'graded',
      passingScore: 60,
      maxAttempts: null,
    });
    const progress = () =>
      asOwner(
        sql<{
          status: string;
        }>`select status from public.lesson_progress where user_id = ${learnerB.id} and lesson_id = ${lesson!.id}`,
      );
    const average = async () =>
      (
        await asOwner(
          sql<{
            averageQuizScore: number | null;
          }>`select average_quiz_score from public.enrollments where user_id = ${learnerB.id} and course_id = ${course.id}`,
        )
      )[0]!.averageQuizScore;

    // A failed attempt (1 of 6 points) completes nothing, but counts in the average.
    const failed = await ok(201, 'POST', `/api/quizzes/${quiz.id}/attempts`, learnerB);
    await save(learnerB, failed.attempt.id, quiz.questions.single, RIGHT.single);
    const failedResult = await ok(200, 'POST', `/api/quiz-attempts/${failed.attempt.id}/submit`, learnerB);
    expect(failedResult.attempt).toMatchObject({ passed: false, percentage: 16.67 });
    expect(await progress()).toEqual([]);
    const afterFail = Number(await average());

    // Saying "done" does not complete a quiz lesson (0022): only passing it does.
    const skip = await ok(200, 'PUT', `/api/lessons/${lesson!.id}/progress`, learnerB, {
      clientTime: new Date().toISOString(),
      completed: true,
    });
    expect(skip.lesson.status).toBe('in_progress');
    expect(await progress()).toEqual([{ status: 'in_progress' }]);

    const passed = await ok(201, 'POST', `/api/quizzes/${quiz.id}/attempts`, learnerB);
    await answerAll(learnerB, passed.attempt.id, quiz, { ...RIGHT, multi: { choices: ['two'] } });
    const result = await ok(200, 'POST', `/api/quiz-attempts/${passed.attempt.id}/submit`, learnerB);
    expect(result.attempt).toMatchObject({ status: 'graded', passed: true, score: 5, percentage: 83.33 });
    expect(await progress()).toEqual([{ status: 'completed' }]);
    // The average takes each quiz's best graded percentage; this quiz's best rose to 83.33.
    expect(Number(await average())).toBeGreaterThan(afterFail);
    const progressRoute = await ok(200, 'GET', `/api/courses/${course.id}/progress`, learnerB);
    expect(JSON.stringify(progressRoute)).toContain(lesson!.id);
  });
});

describe('who may see what', () => {
  it("a learner cannot read, save or submit another learner's attempt; strangers cannot start", async () => {
    const quiz = await buildQuiz({ maxAttempts: null });
    const { attempt } = await ok(201, 'POST', `/api/quizzes/${quiz.id}/attempts`, learner);
    for (const [method, url, body] of [
      ['GET', `/api/quiz-attempts/${attempt.id}`, undefined],
      [
        'PUT',
        `/api/quiz-attempts/${attempt.id}/answers/${quiz.questions.single}`,
        { answer: { choices: ['mars'] }, clientSeq: 1 },
      ],
      ['POST', `/api/quiz-attempts/${attempt.id}/submit`, undefined],
    ] as const) {
      for (const user of [learnerB, owner]) {
        const response = await call(method, url, user, body);
        expect(response.statusCode, `${method} ${url}`).toBe(404);
      }
    }
    expect((await call('POST', `/api/quizzes/${quiz.id}/attempts`, stranger)).statusCode).toBe(404);
    expect((await call('GET', `/api/quizzes/${quiz.id}`, stranger)).statusCode).toBe(404);
    expect((await call('POST', `/api/quizzes/${quiz.id}/attempts`)).statusCode).toBe(401);

    // Under RLS: only own attempts; no per-question results; not the seed's answers column.
    const rows = await testDb.db.asUser(learnerB, (tx) =>
      tx.selectFrom('quizAttempts').select(['id', 'userId']).where('quizId', '=', quiz.id).execute(),
    );
    expect(rows.every((r) => r.userId === learnerB.id)).toBe(true);
    await expect(
      testDb.db.asUser(learner, (tx) => sql`select answers from public.quiz_attempts`.execute(tx)),
    ).rejects.toThrow(/permission denied/);
    await expect(
      testDb.db.asUser(learner, (tx) => sql`select * from private.quiz_attempt_answers`.execute(tx)),
    ).rejects.toThrow(/permission denied/);
    await expect(
      testDb.db.asUser(learner, (tx) => sql`select * from public.quiz_questions`.execute(tx)),
    ).resolves.toMatchObject({ rows: [] });
  });

  it('instructors see attempts and item analysis only for their own courses', async () => {
    const quiz = await buildQuiz({ maxAttempts: null });
    const a = await ok(201, 'POST', `/api/quizzes/${quiz.id}/attempts`, learner);
    await answerAll(learner, a.attempt.id, quiz);
    await ok(200, 'POST', `/api/quiz-attempts/${a.attempt.id}/submit`, learner);
    const b = await ok(201, 'POST', `/api/quizzes/${quiz.id}/attempts`, learnerB);
    await answerAll(learnerB, b.attempt.id, quiz, {
      ...RIGHT,
      single: { choices: ['venus'] },
      multi: { choices: ['two', 'four'] },
    });
    await ok(200, 'POST', `/api/quiz-attempts/${b.attempt.id}/submit`, learnerB);
    // An owner preview does not count in the analysis.
    const preview = await ok(201, 'POST', `/api/quizzes/${quiz.id}/attempts`, owner);
    expect(preview.attempt.isPreview).toBe(true);
    await save(owner, preview.attempt.id, quiz.questions.single, { choices: ['earth'] });
    await ok(200, 'POST', `/api/quiz-attempts/${preview.attempt.id}/submit`, owner);

    const report = await ok(200, 'GET', `/api/quizzes/${quiz.id}/attempts-report`, owner);
    const mine = report.attempts.find((r: { userId: string }) => r.userId === learnerB.id);
    expect(mine).toMatchObject({ status: 'graded', score: 3 });
    expect(
      mine.answers.find((x: { questionId: string }) => x.questionId === quiz.questions.single),
    ).toMatchObject({
      answer: { choices: ['venus'] },
      result: 'incorrect',
      pointsEarned: 0,
    });

    const analysis = await ok(200, 'GET', `/api/quizzes/${quiz.id}/item-analysis`, owner);
    expect(analysis.attempts).toBe(2);
    const single = analysis.questions.find(
      (q: { questionId: string }) => q.questionId === quiz.questions.single,
    );
    expect(single).toMatchObject({ attempts: 2, answered: 2, correct: 1, correctRate: 0.5 });
    expect(
      Object.fromEntries(single.options.map((o: { id: string; chosen: number }) => [o.id, o.chosen])),
    ).toEqual({
      mars: 1,
      venus: 1,
      earth: 0,
    });
    const multi = analysis.questions.find(
      (q: { questionId: string }) => q.questionId === quiz.questions.multi,
    );
    expect(multi).toMatchObject({ correct: 1, partial: 0, attempts: 2 });

    for (const user of [otherInstructor, learner]) {
      expect((await call('GET', `/api/quizzes/${quiz.id}/attempts-report`, user)).statusCode).toBe(404);
      expect((await call('GET', `/api/quizzes/${quiz.id}/item-analysis`, user)).statusCode).toBe(404);
      expect(
        (
          await call('POST', `/api/quizzes/${quiz.id}/extra-grants`, user, {
            userId: learner.id,
            extraAttempts: 1,
          })
        ).statusCode,
      ).toBe(404);
    }
    // Another instructor's database role does not see these attempts either.
    const seen = await testDb.db.asUser(otherInstructor, (tx) =>
      tx.selectFrom('quizAttempts').select('id').where('quizId', '=', quiz.id).execute(),
    );
    expect(seen).toEqual([]);
  });
});
