import { callerCanManageCourse, findCourseLesson } from '../courses/courses.queries.ts';
import { randomBytes } from 'node:crypto';
import type {
  AttemptsReport,
  AttemptView,
  AuthoringQuestion,
  AuthoringQuiz,
  AuthoringQuizSummary,
  CreateQuizInput,
  ExtraGrant,
  ExtraGrantInput,
  ItemAnalysis,
  QuestionInput,
  QuizOverview,
  SaveAnswerInput,
  SavedAnswer,
  UpdateQuizInput,
} from '../../../contracts/quizzes.ts';
import type { ErrorCode } from '../../../contracts/errors.ts';
import type { Db, SessionUser, Tx } from '../../db/session.ts';
import type { RequestDb } from '../../platform/auth.ts';
import { AppError, findPgError } from '../../platform/errors.ts';
import {
  attemptsReport,
  findLessonQuizId,
  findQuestion,
  findQuiz,
  grantExtra,
  insertQuestion,
  insertQuiz,
  itemAnalysis,
  listCourseQuizzes,
  listQuestions,
  lockQuiz,
  nextSortOrder,
  quizOverview,
  readAttempt,
  saveAnswer,
  setGraceSeconds,
  setQuestionOrder,
  softDeleteQuestion,
  softDeleteQuiz,
  startAttempt,
  submitAttempt,
  sweepOverdueAttempts,
  updateQuestion,
  updateQuiz,
  type EngineResult,
  type QuestionRow,
  type QuestionValues,
  type QuizRow,
  type QuizValues,
} from './quizzes.queries.ts';

/** Who is calling: a Fastify request satisfies it (`request.user`, `request.db`). */
export interface QuizCaller {
  readonly user: SessionUser | null;
  readonly db: RequestDb;
}

function requireUser(caller: QuizCaller): SessionUser {
  if (!caller.user) throw new AppError('unauthorized');
  return caller.user;
}

const quizNotFound = () => new AppError('not_found', 'Quiz not found.');
const courseNotFound = () => new AppError('not_found', 'Course not found.');
const questionNotFound = () => new AppError('not_found', 'Question not found.');

const iso = (value: Date | string) => (value instanceof Date ? value : new Date(value)).toISOString();
const isoOrNull = (value: Date | string | null) => (value === null ? null : iso(value));

// ---------------------------------------------------------------- engine answers

/** Refusal codes of the engine (0020) → API errors with a message a person can act on. */
const ENGINE_ERRORS: Record<string, [ErrorCode, string?]> = {
  not_found: ['not_found', 'Quiz or attempt not found.'],
  max_attempts_reached: ['max_attempts_reached'],
  attempt_closed: ['attempt_closed'],
  deadline_passed: ['deadline_passed'],
  answer_locked: ['answer_locked'],
  quiz_empty: ['quiz_empty'],
  question_not_in_attempt: ['not_found', 'This question is not part of the attempt.'],
  invalid_answer: [
    'validation_failed',
    'The answer does not fit the question: choose among its options (one, unless several are allowed), or send text for a short answer and code for a code question.',
  ],
  invalid_grant: [
    'validation_failed',
    'Grant 0–10 extra attempts and 0–600 extra minutes, at least one of them.',
  ],
};

function engineError(result: EngineResult): AppError | undefined {
  if (!result.error) return undefined;
  const [code, message] = ENGINE_ERRORS[result.error] ?? ['internal_error'];
  return new AppError(code, message);
}

const TIMESTAMP_KEY = /(At|Now)$/;

/** Timestamps inside the engine's JSON come in PostgreSQL's text form; the API speaks ISO 8601. */
function isoTimestamps<T>(value: unknown): T {
  if (Array.isArray(value)) return value.map((v) => isoTimestamps(v)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, v]) => [
        key,
        TIMESTAMP_KEY.test(key) && typeof v === 'string' ? iso(v) : isoTimestamps(v),
      ]),
    ) as T;
  }
  return value as T;
}

/**
 * Runs engine calls in one transaction and commits whatever they wrote — a refusal such as
 * deadline_passed keeps the attempt it closed — then throws the refusal as an AppError.
 */
async function engine<T>(caller: QuizCaller, work: (tx: Tx) => Promise<EngineResult>): Promise<T> {
  requireUser(caller);
  const result = await caller.db.run(work);
  const error = engineError(result);
  if (error) throw error;
  return isoTimestamps<T>(result);
}

// ---------------------------------------------------------------- taking a quiz

/** The quiz as the caller may take it: config, attempts used and left, the one in progress. */
export function getQuizOverview(caller: QuizCaller, quizId: string): Promise<QuizOverview> {
  return engine(caller, (tx) => quizOverview(tx, quizId));
}

/** The quiz of a quiz lesson, as getQuizOverview. */
export function getLessonQuiz(caller: QuizCaller, lessonId: string): Promise<QuizOverview> {
  return engine(caller, async (tx) => {
    const quizId = await findLessonQuizId(tx, lessonId);
    return quizId ? quizOverview(tx, quizId) : { error: 'not_found' };
  });
}

/** Starts an attempt or resumes the one in progress; `created` tells which. */
export async function startQuizAttempt(
  caller: QuizCaller,
  quizId: string,
): Promise<{ created: boolean; view: AttemptView }> {
  let created = false;
  const view = await engine<AttemptView>(caller, async (tx) => {
    const started = await startAttempt(tx, quizId);
    if (started.error) return started;
    created = started.resumed === false;
    return readAttempt(tx, started.attemptId as string);
  });
  return { created, view };
}

/** One of the caller's attempts; an overdue one is closed (as it stood) before it is shown. */
export function getQuizAttempt(caller: QuizCaller, attemptId: string): Promise<AttemptView> {
  return engine(caller, (tx) => readAttempt(tx, attemptId));
}

/** Autosaves one answer (highest clientSeq wins). */
export function saveQuizAnswer(
  caller: QuizCaller,
  attemptId: string,
  questionId: string,
  input: SaveAnswerInput,
): Promise<SavedAnswer> {
  return engine(caller, (tx) => saveAnswer(tx, attemptId, questionId, input.answer, input.clientSeq));
}

/** Submits and grades the caller's attempt; answers the attempt with its results as the policy allows. */
export function submitQuizAttempt(caller: QuizCaller, attemptId: string): Promise<AttemptView> {
  return engine(caller, async (tx) => {
    const submitted = await submitAttempt(tx, attemptId);
    return submitted.error ? submitted : readAttempt(tx, attemptId);
  });
}

// ---------------------------------------------------------------- instructor views

export function getAttemptsReport(caller: QuizCaller, quizId: string): Promise<AttemptsReport> {
  return engine(caller, (tx) => attemptsReport(tx, quizId));
}

export function getItemAnalysis(caller: QuizCaller, quizId: string): Promise<ItemAnalysis> {
  return engine(caller, (tx) => itemAnalysis(tx, quizId));
}

/** Grants a learner extra attempts and/or minutes on a quiz the caller owns. */
export function grantQuizExtra(
  caller: QuizCaller,
  quizId: string,
  input: ExtraGrantInput,
): Promise<ExtraGrant> {
  return engine(caller, (tx) =>
    grantExtra(tx, quizId, input.userId, input.extraAttempts, input.extraMinutes),
  );
}

// ---------------------------------------------------------------- authoring

function quizSummaryDto(row: QuizRow): AuthoringQuizSummary {
  return {
    id: row.id,
    courseId: row.courseId,
    lessonId: row.lessonId,
    title: row.title,
    description: row.description,
    instructions: row.instructions,
    quizType: row.quizType as AuthoringQuizSummary['quizType'],
    passingScore: row.passingScore,
    timeLimitMinutes: row.timeLimitMinutes,
    maxAttempts: row.maxAttempts,
    randomizeQuestions: row.randomizeQuestions,
    randomizeAnswers: row.randomizeAnswers,
    showCorrectAnswers: row.showCorrectAnswers as AuthoringQuizSummary['showCorrectAnswers'],
    totalPoints: row.totalPoints,
    questionCount: row.questionCount,
    deletedAt: isoOrNull(row.deletedAt),
    updatedAt: iso(row.updatedAt),
  };
}

interface StoredOption {
  id: string;
  text: string;
  isCorrect: boolean;
}
interface StoredTestCase {
  input: string;
  expectedOutput: string;
  isHidden?: boolean;
}

function questionDto(row: QuestionRow, position: number): AuthoringQuestion {
  return {
    id: row.id,
    quizId: row.quizId,
    position,
    questionType: row.questionType as AuthoringQuestion['questionType'],
    questionText: row.questionText,
    explanation: row.explanation,
    hint: row.hint,
    points: row.points,
    allowMultiple: row.allowMultiple,
    options:
      (row.options as StoredOption[] | null)?.map((o) => ({
        id: o.id,
        text: o.text,
        isCorrect: o.isCorrect,
      })) ?? null,
    acceptedAnswers: (row.acceptedAnswers as string[] | null) ?? null,
    caseSensitive: row.caseSensitive,
    numericTolerance: row.numericTolerance === null ? null : Number(row.numericTolerance),
    programmingLanguage: row.programmingLanguage as AuthoringQuestion['programmingLanguage'],
    codeTemplate: row.codeTemplate,
    testCases:
      (row.testCases as StoredTestCase[] | null)?.map((t) => ({
        input: t.input,
        expectedOutput: t.expectedOutput,
        isHidden: t.isHidden === true,
      })) ?? null,
    updatedAt: iso(row.updatedAt),
  };
}

/** Author input → stored columns (option ids generated where missing; keys in the seed's snake_case). */
export function questionValues(input: QuestionInput): QuestionValues {
  const base: QuestionValues = {
    questionText: input.questionText,
    questionType: input.questionType,
    explanation: input.explanation,
    hint: input.hint,
    points: input.points,
    allowMultiple: false,
    options: null,
    acceptedAnswers: null,
    caseSensitive: false,
    numericTolerance: null,
    programmingLanguage: null,
    codeTemplate: null,
    testCases: null,
  };
  switch (input.questionType) {
    case 'multiple_choice': {
      const taken = new Set(input.options.map((o) => o.id).filter(Boolean));
      const freshId = () => {
        let id: string;
        do id = `o${randomBytes(3).toString('hex')}`;
        while (taken.has(id));
        taken.add(id);
        return id;
      };
      return {
        ...base,
        allowMultiple: input.allowMultiple,
        options: input.options.map((o) => ({ id: o.id ?? freshId(), text: o.text, is_correct: o.isCorrect })),
      };
    }
    case 'true_false':
      return {
        ...base,
        options: [
          { id: 'true', text: 'True', is_correct: input.correctAnswer },
          { id: 'false', text: 'False', is_correct: !input.correctAnswer },
        ],
      };
    case 'short_answer':
      return {
        ...base,
        acceptedAnswers: input.acceptedAnswers,
        caseSensitive: input.caseSensitive,
        numericTolerance: input.numericTolerance,
      };
    case 'code':
      return {
        ...base,
        programmingLanguage: input.programmingLanguage,
        codeTemplate: input.codeTemplate,
        testCases: input.testCases.map((t) => ({
          input: t.input,
          expected_output: t.expectedOutput,
          is_hidden: t.isHidden,
        })),
      };
  }
}

/** The quiz, when the caller owns its course (or is an admin); not_found otherwise. */
async function getManagedQuiz(tx: Tx, quizId: string): Promise<QuizRow> {
  const quiz = await findQuiz(tx, quizId);
  if (!quiz || !(await callerCanManageCourse(tx, quiz.courseId))) throw quizNotFound();
  return quiz;
}

async function checkLesson(tx: Tx, courseId: string, lessonId: string | null | undefined) {
  if (!lessonId) return;
  const lesson = await findCourseLesson(tx, courseId, lessonId);
  if (!lesson || lesson.deletedAt !== null || lesson.contentType !== 'quiz') {
    throw new AppError('validation_failed', 'lessonId must be a quiz lesson of this course.', {
      issues: [{ path: 'body.lessonId', message: 'is not a quiz lesson of this course' }],
    });
  }
}

function lessonTaken(error: unknown): never {
  if (findPgError(error)?.code === '23505')
    throw new AppError('conflict', 'This lesson already has a quiz; edit that one or pick another lesson.');
  throw error;
}

async function authoringQuiz(tx: Tx, quizId: string): Promise<AuthoringQuiz> {
  const quiz = await getManagedQuiz(tx, quizId);
  const questions = await listQuestions(tx, quizId);
  return { ...quizSummaryDto(quiz), questions: questions.map((q, i) => questionDto(q, i + 1)) };
}

function quizValues(input: Partial<CreateQuizInput>): QuizValues {
  return { ...input };
}

export async function listQuizzes(caller: QuizCaller, courseId: string) {
  requireUser(caller);
  return caller.db.run(async (tx) => {
    if (!(await callerCanManageCourse(tx, courseId))) throw courseNotFound();
    return { quizzes: (await listCourseQuizzes(tx, courseId)).map(quizSummaryDto) };
  });
}

export async function createQuiz(caller: QuizCaller, courseId: string, input: CreateQuizInput) {
  requireUser(caller);
  return caller.db.run(async (tx) => {
    if (!(await callerCanManageCourse(tx, courseId))) throw courseNotFound();
    await checkLesson(tx, courseId, input.lessonId);
    const id = await insertQuiz(tx, courseId, quizValues(input)).catch(lessonTaken);
    return authoringQuiz(tx, id);
  });
}

export async function getAuthoringQuiz(caller: QuizCaller, quizId: string) {
  requireUser(caller);
  return caller.db.run((tx) => authoringQuiz(tx, quizId));
}

export async function editQuiz(caller: QuizCaller, quizId: string, input: UpdateQuizInput) {
  requireUser(caller);
  return caller.db.run(async (tx) => {
    const quiz = await getManagedQuiz(tx, quizId);
    await checkLesson(tx, quiz.courseId, input.lessonId);
    await updateQuiz(tx, quizId, quizValues(input)).catch(lessonTaken);
    return authoringQuiz(tx, quizId);
  });
}

export async function deleteQuiz(caller: QuizCaller, quizId: string): Promise<void> {
  requireUser(caller);
  await caller.db.run(async (tx) => {
    await getManagedQuiz(tx, quizId);
    await softDeleteQuiz(tx, quizId);
  });
}

export async function addQuestion(caller: QuizCaller, quizId: string, input: QuestionInput) {
  requireUser(caller);
  return caller.db.run(async (tx) => {
    await getManagedQuiz(tx, quizId);
    await lockQuiz(tx, quizId);
    const id = await insertQuestion(tx, quizId, await nextSortOrder(tx, quizId), questionValues(input));
    return questionAt(tx, quizId, id);
  });
}

async function questionAt(tx: Tx, quizId: string, questionId: string): Promise<AuthoringQuestion> {
  const all = await listQuestions(tx, quizId);
  const index = all.findIndex((q) => q.id === questionId);
  if (index < 0) throw questionNotFound();
  return questionDto(all[index]!, index + 1);
}

export async function replaceQuestion(
  caller: QuizCaller,
  quizId: string,
  questionId: string,
  input: QuestionInput,
) {
  requireUser(caller);
  return caller.db.run(async (tx) => {
    await getManagedQuiz(tx, quizId);
    if (!(await findQuestion(tx, quizId, questionId))) throw questionNotFound();
    await updateQuestion(tx, questionId, questionValues(input));
    return questionAt(tx, quizId, questionId);
  });
}

export async function deleteQuestion(caller: QuizCaller, quizId: string, questionId: string): Promise<void> {
  requireUser(caller);
  await caller.db.run(async (tx) => {
    await getManagedQuiz(tx, quizId);
    if (!(await findQuestion(tx, quizId, questionId))) throw questionNotFound();
    await softDeleteQuestion(tx, questionId);
  });
}

/** Copies a question (key, explanation and all) and places the copy right after it. */
export async function duplicateQuestion(caller: QuizCaller, quizId: string, questionId: string) {
  requireUser(caller);
  return caller.db.run(async (tx) => {
    await getManagedQuiz(tx, quizId);
    await lockQuiz(tx, quizId);
    const all = await listQuestions(tx, quizId);
    const index = all.findIndex((q) => q.id === questionId);
    if (index < 0) throw questionNotFound();
    const source = questionDto(all[index]!, index + 1);
    const copy: QuestionValues = {
      questionText: source.questionText,
      questionType: source.questionType,
      explanation: source.explanation,
      hint: source.hint,
      points: source.points,
      allowMultiple: source.allowMultiple,
      options: source.options?.map((o) => ({ id: o.id, text: o.text, is_correct: o.isCorrect })) ?? null,
      acceptedAnswers: source.acceptedAnswers,
      caseSensitive: source.caseSensitive,
      numericTolerance: source.numericTolerance,
      programmingLanguage: source.programmingLanguage,
      codeTemplate: source.codeTemplate,
      testCases:
        source.testCases?.map((t) => ({
          input: t.input,
          expected_output: t.expectedOutput,
          is_hidden: t.isHidden,
        })) ?? null,
    };
    const id = await insertQuestion(tx, quizId, index + 1, copy);
    const order = all.map((q) => q.id);
    order.splice(index + 1, 0, id);
    await setQuestionOrder(tx, quizId, order);
    return questionAt(tx, quizId, id);
  });
}

/** Reorders the quiz's questions; the list must be exactly its live questions (else order_mismatch). */
export async function reorderQuestions(caller: QuizCaller, quizId: string, questionIds: string[]) {
  requireUser(caller);
  return caller.db.run(async (tx) => {
    await getManagedQuiz(tx, quizId);
    await lockQuiz(tx, quizId);
    const current = (await listQuestions(tx, quizId)).map((q) => q.id);
    const same =
      current.length === questionIds.length &&
      new Set(questionIds).size === questionIds.length &&
      questionIds.every((id) => current.includes(id));
    if (!same) throw new AppError('order_mismatch');
    await setQuestionOrder(tx, quizId, questionIds);
    return authoringQuiz(tx, quizId);
  });
}

// ---------------------------------------------------------------- the deadline sweep (system path)

/** Closes attempts past deadline + grace, as they stand. Safe to run on several instances at once. */
export function sweepOverdue(db: Db): Promise<number> {
  return db.asSystem((tx) => sweepOverdueAttempts(tx));
}

/** Writes QUIZ_GRACE_SECONDS where the engine reads it (system path, at boot). */
export function applyGraceSeconds(db: Db, seconds: number): Promise<void> {
  return db.asSystem((tx) => setGraceSeconds(tx, seconds));
}
