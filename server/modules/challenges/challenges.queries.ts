import { sql } from 'kysely';
import type { Language } from '../../../contracts/challenges.ts';
import type { Tx } from '../../db/session.ts';

/** A test case as stored in code_challenges.test_cases (the seed's snake_case shape). */
export interface StoredTestCase {
  input: string;
  expected_output: string;
  is_hidden: boolean;
}

export type PerLanguage = Partial<Record<Language, string>>;

export interface ChallengeValues {
  lessonId: string | null;
  title: string;
  description: string;
  difficulty: 'easy' | 'medium' | 'hard';
  category: 'algorithms' | 'data_structures' | 'web' | 'database' | 'other' | null;
  problemStatement: string;
  examples: string | null;
  constraints: string | null;
  supportedLanguages: Language[];
  starterCode: PerLanguage;
  solutionCode: PerLanguage;
  testCases: StoredTestCase[];
  timeLimitMs: number;
  memoryLimitMb: number;
  points: number;
}

/** The columns request roles may read (no solution, no tests). */
const PUBLIC_COLUMNS = [
  'id',
  'courseId',
  'lessonId',
  'title',
  'description',
  'difficulty',
  'category',
  'problemStatement',
  'examples',
  'constraints',
  'supportedLanguages',
  'starterCode',
  'timeLimitMs',
  'memoryLimitMb',
  'points',
  'status',
  'publishedAt',
  'contentVersion',
  'deletedAt',
  'updatedAt',
] as const;

/** A challenge's public columns, as RLS lets the caller see it (learners: published, enrolled). */
export async function findChallenge(tx: Tx, challengeId: string) {
  return tx
    .selectFrom('codeChallenges')
    .select(PUBLIC_COLUMNS)
    .where('id', '=', challengeId)
    .executeTakeFirst();
}

/** A course's slug, as the caller may see it. */
export async function findCourseSlug(tx: Tx, courseId: string): Promise<string | null> {
  const row = await tx.selectFrom('courses').select('slug').where('id', '=', courseId).executeTakeFirst();
  return row?.slug ?? null;
}

/** The challenge of a lesson, as the caller may see it (deleted ones left out). */
export async function findLessonChallenge(tx: Tx, lessonId: string) {
  return tx
    .selectFrom('codeChallenges')
    .select(PUBLIC_COLUMNS)
    .where('lessonId', '=', lessonId)
    .where('deletedAt', 'is', null)
    .executeTakeFirst();
}

/** Solution and tests, for the course owner or an admin only (null for anyone else). */
export async function findChallengeSecrets(tx: Tx, challengeId: string) {
  const { rows } = await sql<{ solutionCode: PerLanguage | null; testCases: StoredTestCase[] }>`
    select s.solution_code as "solutionCode", s.test_cases as "testCases"
      from private.challenge_secrets(${challengeId}) s`.execute(tx);
  return rows[0] ?? null;
}

/** The last publish check, for the owner or an admin only. */
export async function findPublishCheck(tx: Tx, challengeId: string): Promise<unknown> {
  const { rows } = await sql<{
    check: unknown;
  }>`select private.challenge_publish_check(${challengeId}) as check`.execute(tx);
  return rows[0]?.check ?? null;
}

/** The visible tests of a challenge the caller can read (empty otherwise). */
export async function findVisibleTests(tx: Tx, challengeId: string) {
  const { rows } = await sql<{ tests: { input: string; expected_output: string }[] }>`
    select private.challenge_visible_tests(${challengeId}) as tests`.execute(tx);
  return rows[0]?.tests ?? [];
}

/** A course's challenges, deleted ones included (owner or admin). */
export async function listCourseChallenges(tx: Tx, courseId: string) {
  return tx
    .selectFrom('codeChallenges')
    .select(PUBLIC_COLUMNS)
    .where('courseId', '=', courseId)
    .orderBy('createdAt')
    .orderBy('id')
    .execute();
}

function row(values: ChallengeValues) {
  return {
    lessonId: values.lessonId,
    title: values.title,
    description: values.description,
    difficulty: values.difficulty,
    category: values.category,
    problemStatement: values.problemStatement,
    examples: values.examples,
    constraints: values.constraints,
    supportedLanguages: values.supportedLanguages,
    starterCode: JSON.stringify(values.starterCode),
    solutionCode: JSON.stringify(values.solutionCode),
    testCases: JSON.stringify(values.testCases),
    timeLimitMs: values.timeLimitMs,
    memoryLimitMb: values.memoryLimitMb,
    points: values.points,
  };
}

/** Inserts a draft challenge; RLS refuses a course the caller does not manage. */
export async function insertChallenge(tx: Tx, courseId: string, values: ChallengeValues): Promise<string> {
  const inserted = await tx
    .insertInto('codeChallenges')
    .values({ courseId, ...row(values) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return inserted.id;
}

/** Replaces a challenge's authored fields (the reset trigger handles the publish state). */
export async function updateChallenge(tx: Tx, challengeId: string, values: ChallengeValues) {
  await tx.updateTable('codeChallenges').set(row(values)).where('id', '=', challengeId).execute();
}

/** Soft delete. */
export async function softDeleteChallenge(tx: Tx, challengeId: string) {
  await tx
    .updateTable('codeChallenges')
    .set({ deletedAt: sql`now()` })
    .where('id', '=', challengeId)
    .where('deletedAt', 'is', null)
    .execute();
}

/** Asks for publication: `checking` + a judge job (false when the caller may not manage it). */
export async function requestPublish(tx: Tx, challengeId: string): Promise<boolean> {
  const { rows } = await sql<{
    ok: boolean;
  }>`select private.request_challenge_publish(${challengeId}) as ok`.execute(tx);
  return rows[0]?.ok === true;
}

/** Back to draft (false when the caller may not manage it). */
export async function unpublish(tx: Tx, challengeId: string): Promise<boolean> {
  const { rows } = await sql<{
    ok: boolean;
  }>`select private.unpublish_challenge(${challengeId}) as ok`.execute(tx);
  return rows[0]?.ok === true;
}

const SUBMISSION_COLUMNS = [
  'id',
  'challengeId',
  'language',
  'code',
  'status',
  'submittedAt',
  'judgedAt',
  'executionTimeMs',
  'memoryUsedMb',
  'passedTests',
  'totalTests',
  'score',
  'judgeMessage',
  'testResults',
] as const;

/** Records a submission as the caller (the insert trigger enqueues its judge job). */
export async function insertSubmission(tx: Tx, challengeId: string, language: Language, code: string) {
  return tx
    .insertInto('codeSubmissions')
    .values({ challengeId, language, code })
    .returning(SUBMISSION_COLUMNS)
    .executeTakeFirstOrThrow();
}

/** How many of the caller's submissions to this challenge are still waiting for the judge. */
export async function countWaitingSubmissions(tx: Tx, userId: string, challengeId: string): Promise<number> {
  const found = await tx
    .selectFrom('codeSubmissions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('userId', '=', userId)
    .where('challengeId', '=', challengeId)
    .where('status', 'in', ['pending', 'running'])
    .executeTakeFirstOrThrow();
  return Number(found.n);
}

/** The user's submissions to a challenge, newest first. */
export async function listSubmissions(tx: Tx, userId: string, challengeId: string, limit = 50) {
  return tx
    .selectFrom('codeSubmissions')
    .select(SUBMISSION_COLUMNS)
    .where('userId', '=', userId)
    .where('challengeId', '=', challengeId)
    .orderBy('submittedAt', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/** One submission as RLS lets the caller see it (own, or of a course they manage). */
export async function findSubmission(tx: Tx, submissionId: string) {
  return tx
    .selectFrom('codeSubmissions')
    .select(SUBMISSION_COLUMNS)
    .where('id', '=', submissionId)
    .executeTakeFirst();
}

/** Whether the user has an accepted submission to the challenge. */
export async function hasAccepted(tx: Tx, userId: string, challengeId: string): Promise<boolean> {
  const found = await tx
    .selectFrom('codeSubmissions')
    .select('id')
    .where('userId', '=', userId)
    .where('challengeId', '=', challengeId)
    .where('status', '=', 'accepted')
    .limit(1)
    .executeTakeFirst();
  return found !== undefined;
}

// ---------------------------------------------------------------- system paths (the judge worker)

/** Everything the judge needs for one submission. System transaction only: it reads hidden tests. */
export async function loadSubmissionForJudgingAsSystem(tx: Tx, submissionId: string) {
  return tx
    .selectFrom('codeSubmissions as s')
    .innerJoin('codeChallenges as c', 'c.id', 's.challengeId')
    .select(['s.id', 's.status', 's.language', 's.code', 'c.testCases', 'c.timeLimitMs', 'c.memoryLimitMb'])
    .where('s.id', '=', submissionId)
    .executeTakeFirst();
}

/** Marks a waiting submission `running`; false when it was already judged. */
export async function markRunningAsSystem(tx: Tx, submissionId: string): Promise<boolean> {
  const { rows } = await sql<{
    ok: boolean;
  }>`select private.mark_code_submission_running(${submissionId}) as ok`.execute(tx);
  return rows[0]?.ok === true;
}

export interface VerdictValues {
  status: string;
  testResults: unknown[] | null;
  executionTimeMs: number | null;
  memoryUsedMb: number | null;
  passedTests: number | null;
  totalTests: number | null;
  message: string | null;
}

/** Writes a verdict for that one submission (only while it waits); completes the lesson when accepted. */
export async function recordVerdictAsSystem(
  tx: Tx,
  submissionId: string,
  v: VerdictValues,
): Promise<boolean> {
  const { rows } = await sql<{ ok: boolean }>`
    select private.record_code_verdict(${submissionId}, ${v.status},
      ${v.testResults === null ? null : JSON.stringify(v.testResults)}::jsonb, ${v.executionTimeMs}::int,
      ${v.memoryUsedMb}::int, ${v.passedTests}::int, ${v.totalTests}::int, ${v.message}) as ok`.execute(tx);
  return rows[0]?.ok === true;
}

/** A challenge as the publish check needs it. System transaction only. */
export async function loadChallengeForCheckAsSystem(tx: Tx, challengeId: string) {
  return tx
    .selectFrom('codeChallenges')
    .select([
      'id',
      'status',
      'contentVersion',
      'supportedLanguages',
      'solutionCode',
      'testCases',
      'timeLimitMs',
      'memoryLimitMb',
    ])
    .where('id', '=', challengeId)
    .executeTakeFirst();
}

/** Stores a publish check's outcome, for the version it ran on only. */
export async function recordPublishCheckAsSystem(
  tx: Tx,
  challengeId: string,
  contentVersion: number,
  passed: boolean,
  check: object,
): Promise<boolean> {
  const { rows } = await sql<{ ok: boolean }>`
    select private.record_publish_check(${challengeId}, ${contentVersion}::int, ${passed},
      ${JSON.stringify(check)}::jsonb) as ok`.execute(tx);
  return rows[0]?.ok === true;
}

/** Submissions left waiting while no judge could run them. */
export async function listUnjudgedAsSystem(tx: Tx, limit = 500) {
  return tx
    .selectFrom('codeSubmissions')
    .select('id')
    .where('status', '=', 'judge_unavailable')
    .orderBy('submittedAt')
    .limit(limit)
    .execute();
}

export interface WorkerHealthRow {
  workerId: string;
  hostname: string;
  state: 'starting' | 'ready' | 'refusing';
  slots: number;
  sandbox: object;
  canaries: { ran: boolean; ok: boolean; failures: string[] };
}

/** The worker's own health row (the admin page reads it). */
export async function upsertWorkerHealthAsSystem(tx: Tx, h: WorkerHealthRow) {
  await sql`
    insert into private.judge_workers (worker_id, hostname, state, slots, sandbox, canaries, updated_at)
    values (${h.workerId}, ${h.hostname}, ${h.state}, ${h.slots}, ${JSON.stringify(h.sandbox)}::jsonb,
            ${JSON.stringify(h.canaries)}::jsonb, now())
    on conflict (worker_id) do update
       set hostname = excluded.hostname, state = excluded.state, slots = excluded.slots,
           sandbox = excluded.sandbox, canaries = excluded.canaries, updated_at = now()`.execute(tx);
}

/** The worker is alive (heartbeat). */
export async function touchWorkerHealthAsSystem(tx: Tx, workerId: string) {
  await sql`update private.judge_workers set updated_at = now() where worker_id = ${workerId}`.execute(tx);
}

/** The worker stopped: it leaves the health page. */
export async function deleteWorkerHealthAsSystem(tx: Tx, workerId: string) {
  await sql`delete from private.judge_workers where worker_id = ${workerId}`.execute(tx);
}

/** The judge's health for an admin (null for anyone else). */
export async function findJudgeHealth(tx: Tx): Promise<unknown> {
  const { rows } = await sql<{ health: unknown }>`select private.judge_health() as health`.execute(tx);
  return rows[0]?.health ?? null;
}
