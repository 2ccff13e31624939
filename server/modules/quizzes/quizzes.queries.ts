import { sql } from 'kysely';
import type { Tx } from '../../db/session.ts';
import type {
  QUESTION_TYPES,
  PROGRAMMING_LANGUAGES,
  QUIZ_TYPES,
  SHOW_CORRECT_ANSWERS,
} from '../../../contracts/quizzes.ts';

/** Quiz columns an author edits (camelCase, as CamelCasePlugin maps them). */
export interface QuizValues {
  lessonId?: string | null;
  title?: string;
  description?: string | null;
  instructions?: string | null;
  quizType?: (typeof QUIZ_TYPES)[number];
  passingScore?: number;
  timeLimitMinutes?: number | null;
  maxAttempts?: number | null;
  randomizeQuestions?: boolean;
  randomizeAnswers?: boolean;
  showCorrectAnswers?: (typeof SHOW_CORRECT_ANSWERS)[number];
}

/** Question columns as stored: option and test-case keys in snake_case (the seed's JSON shape). */
export interface QuestionValues {
  questionText: string;
  questionType: (typeof QUESTION_TYPES)[number];
  explanation: string | null;
  hint: string | null;
  points: number;
  allowMultiple: boolean;
  options: { id: string; text: string; is_correct: boolean }[] | null;
  acceptedAnswers: string[] | null;
  caseSensitive: boolean;
  numericTolerance: number | null;
  programmingLanguage: (typeof PROGRAMMING_LANGUAGES)[number] | null;
  codeTemplate: string | null;
  testCases: { input: string; expected_output: string; is_hidden?: boolean }[] | null;
}

const quizColumns = [
  'id',
  'courseId',
  'lessonId',
  'title',
  'description',
  'instructions',
  'quizType',
  'passingScore',
  'timeLimitMinutes',
  'maxAttempts',
  'randomizeQuestions',
  'randomizeAnswers',
  'showCorrectAnswers',
  'totalPoints',
  'questionCount',
  'deletedAt',
  'updatedAt',
] as const;

const questionColumns = [
  'id',
  'quizId',
  'sortOrder',
  'questionType',
  'questionText',
  'explanation',
  'hint',
  'points',
  'allowMultiple',
  'options',
  'acceptedAnswers',
  'caseSensitive',
  'numericTolerance',
  'programmingLanguage',
  'codeTemplate',
  'testCases',
  'updatedAt',
] as const;

export async function listCourseQuizzes(tx: Tx, courseId: string) {
  return tx
    .selectFrom('quizzes')
    .select(quizColumns)
    .where('courseId', '=', courseId)
    .orderBy('createdAt')
    .orderBy('id')
    .execute();
}

export type QuizRow = Awaited<ReturnType<typeof listCourseQuizzes>>[number];

/** A quiz the caller may read (RLS), trashed included when the caller owns it. */
export async function findQuiz(tx: Tx, quizId: string) {
  return tx.selectFrom('quizzes').select(quizColumns).where('id', '=', quizId).executeTakeFirst();
}

/** The live quiz of a lesson, if the caller may read it. */
export async function findLessonQuizId(tx: Tx, lessonId: string): Promise<string | undefined> {
  const row = await tx
    .selectFrom('quizzes')
    .select('id')
    .where('lessonId', '=', lessonId)
    .where('deletedAt', 'is', null)
    .executeTakeFirst();
  return row?.id;
}

export async function insertQuiz(tx: Tx, courseId: string, values: QuizValues): Promise<string> {
  const { id } = await tx
    .insertInto('quizzes')
    .values({ courseId, title: values.title!, quizType: values.quizType!, ...values })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

export async function updateQuiz(tx: Tx, quizId: string, values: QuizValues): Promise<void> {
  await tx.updateTable('quizzes').set(values).where('id', '=', quizId).execute();
}

export async function softDeleteQuiz(tx: Tx, quizId: string): Promise<void> {
  await tx
    .updateTable('quizzes')
    .set({ deletedAt: sql<Date>`now()` })
    .where('id', '=', quizId)
    .where('deletedAt', 'is', null)
    .execute();
}

/** Live questions of a quiz in authored order (owners only, by RLS). */
export async function listQuestions(tx: Tx, quizId: string) {
  return tx
    .selectFrom('quizQuestions')
    .select(questionColumns)
    .where('quizId', '=', quizId)
    .where('deletedAt', 'is', null)
    .orderBy('sortOrder')
    .orderBy('createdAt')
    .orderBy('id')
    .execute();
}

export type QuestionRow = Awaited<ReturnType<typeof listQuestions>>[number];

export async function findQuestion(tx: Tx, quizId: string, questionId: string) {
  return tx
    .selectFrom('quizQuestions')
    .select(questionColumns)
    .where('id', '=', questionId)
    .where('quizId', '=', quizId)
    .where('deletedAt', 'is', null)
    .executeTakeFirst();
}

function questionColumnsFor(values: QuestionValues) {
  return {
    ...values,
    options: values.options === null ? null : JSON.stringify(values.options),
    acceptedAnswers: values.acceptedAnswers === null ? null : JSON.stringify(values.acceptedAnswers),
    testCases: values.testCases === null ? null : JSON.stringify(values.testCases),
  };
}

export async function insertQuestion(
  tx: Tx,
  quizId: string,
  sortOrder: number,
  values: QuestionValues,
): Promise<string> {
  const { id } = await tx
    .insertInto('quizQuestions')
    .values({ quizId, sortOrder, ...questionColumnsFor(values) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

export async function updateQuestion(tx: Tx, questionId: string, values: QuestionValues): Promise<void> {
  await tx
    .updateTable('quizQuestions')
    .set(questionColumnsFor(values))
    .where('id', '=', questionId)
    .execute();
}

export async function softDeleteQuestion(tx: Tx, questionId: string): Promise<void> {
  await tx
    .updateTable('quizQuestions')
    .set({ deletedAt: sql<Date>`now()` })
    .where('id', '=', questionId)
    .execute();
}

export async function nextSortOrder(tx: Tx, quizId: string): Promise<number> {
  const row = await tx
    .selectFrom('quizQuestions')
    .select(sql<number>`coalesce(max(sort_order) + 1, 0)`.as('next'))
    .where('quizId', '=', quizId)
    .where('deletedAt', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.next);
}

/** Writes sort_order = position for each id, in one statement. */
export async function setQuestionOrder(tx: Tx, quizId: string, questionIds: string[]): Promise<void> {
  await sql`
    update public.quiz_questions q set sort_order = o.n - 1
      from unnest(${questionIds}::uuid[]) with ordinality as o(id, n)
     where q.id = o.id and q.quiz_id = ${quizId} and q.sort_order is distinct from o.n - 1`.execute(tx);
}

/** Locks the quiz row so concurrent reorders and duplicates of one quiz apply one after another. */
export async function lockQuiz(tx: Tx, quizId: string): Promise<void> {
  await sql`select 1 from public.quizzes where id = ${quizId} for no key update`.execute(tx);
}

// ---------------------------------------------------------------- the attempt engine (0020)

/** The engine's answer: a document, or `{ error: code }` for a refusal (writes before it are kept). */
export type EngineResult = Record<string, unknown> & { error?: string };

async function callEngine(tx: Tx, call: ReturnType<typeof sql>): Promise<EngineResult> {
  const { rows } = await sql<{ result: EngineResult }>`select ${call} as result`.execute(tx);
  return rows[0]!.result;
}

export const quizOverview = (tx: Tx, quizId: string) => callEngine(tx, sql`private.quiz_overview(${quizId})`);
export const startAttempt = (tx: Tx, quizId: string) => callEngine(tx, sql`private.quiz_start(${quizId})`);
export const readAttempt = (tx: Tx, attemptId: string) =>
  callEngine(tx, sql`private.quiz_attempt(${attemptId})`);
export const saveAnswer = (
  tx: Tx,
  attemptId: string,
  questionId: string,
  answer: unknown,
  clientSeq: number,
) =>
  callEngine(
    tx,
    sql`private.quiz_save_answer(${attemptId}, ${questionId}, ${JSON.stringify(answer)}::jsonb, ${clientSeq}::bigint)`,
  );
export const submitAttempt = (tx: Tx, attemptId: string) =>
  callEngine(tx, sql`private.quiz_submit(${attemptId})`);
export const attemptsReport = (tx: Tx, quizId: string) =>
  callEngine(tx, sql`private.quiz_attempts_report(${quizId})`);
export const itemAnalysis = (tx: Tx, quizId: string) =>
  callEngine(tx, sql`private.quiz_item_analysis(${quizId})`);
export const grantExtra = (tx: Tx, quizId: string, userId: string, attempts: number, minutes: number) =>
  callEngine(
    tx,
    sql`private.quiz_grant_extra(${quizId}, ${userId}, ${attempts}::integer, ${minutes}::integer)`,
  );

/** System path: closes every attempt past its deadline and grace. Returns how many. */
export async function sweepOverdueAttempts(tx: Tx): Promise<number> {
  const { rows } = await sql<{ closed: number }>`select private.quiz_sweep() as closed`.execute(tx);
  return Number(rows[0]!.closed);
}

/** System path: the grace after a deadline (QUIZ_GRACE_SECONDS), read by the engine. */
export async function setGraceSeconds(tx: Tx, seconds: number): Promise<void> {
  await sql`update private.quiz_settings set grace_seconds = ${seconds} where grace_seconds is distinct from ${seconds}`.execute(
    tx,
  );
}
