import { callerCanManageCourse, findCourseLesson } from '../courses/courses.queries.ts';
import type {
  AuthoringChallenge,
  AuthoringChallengeList,
  ChallengeInput,
  CodeInput,
  JudgeHealth,
  Language,
  LearnerChallenge,
  RunResult,
  Submission,
  SubmissionList,
  TestResultView,
} from '../../../contracts/challenges.ts';
import type { SessionUser, Tx } from '../../db/session.ts';
import type { RequestDb } from '../../platform/auth.ts';
import { AppError, findPgError } from '../../platform/errors.ts';
import type { Jobs } from '../../platform/jobs/jobs.ts';
import { renderMarkdownCached } from '../../platform/markdown.ts';
import {
  countWaitingSubmissions,
  findChallenge,
  findChallengeSecrets,
  findCourseSlug,
  findJudgeHealth,
  findLessonChallenge,
  findPublishCheck,
  findSubmission,
  findVisibleTests,
  hasAccepted,
  insertChallenge,
  insertSubmission,
  listCourseChallenges,
  listSubmissions,
  requestPublish,
  softDeleteChallenge,
  unpublish,
  updateChallenge,
  type ChallengeValues,
  type PerLanguage,
} from './challenges.queries.ts';
import { QUEUES, type RunJobData, type RunJobOutput } from './challenge-jobs.ts';
import { toJudgeTests } from './results.ts';

/** Who calls, and what the service may use on their behalf. */
export interface ChallengeCaller {
  readonly user: SessionUser | null;
  readonly db: RequestDb;
}

/** The jobs platform and a way to relay a just-committed outbox row without waiting for the poll. */
export interface JudgeQueue {
  jobs: Jobs;
  /** Called after a commit that enqueued through the outbox. */
  nudge(): void;
  /** Whether the user may start another run now (a per-process rate limit; runs cost sandbox time). */
  allowRun(userId: string): boolean;
}

/** Runs per user and minute that one API process accepts. */
export const RUNS_PER_MINUTE = 20;

/** A sliding one-minute window of run starts per user (in memory, per process). */
export function createRunLimiter(limit = RUNS_PER_MINUTE, now = () => Date.now()) {
  const starts = new Map<string, number[]>();
  return (userId: string): boolean => {
    const t = now();
    const recent = (starts.get(userId) ?? []).filter((at) => t - at < 60_000);
    if (recent.length >= limit) {
      starts.set(userId, recent);
      return false;
    }
    recent.push(t);
    starts.set(userId, recent);
    // Forget users idle for a minute, so the map does not grow with every learner ever seen.
    if (starts.size > 10_000)
      for (const [id, at] of starts) if (t - (at.at(-1) ?? 0) >= 60_000) starts.delete(id);
    return true;
  };
}

/** At most this many submissions per learner and challenge wait for the judge at once. */
export const MAX_WAITING_SUBMISSIONS = 3;

const challengeNotFound = () => new AppError('not_found', 'Challenge not found.');
const courseNotFound = () => new AppError('not_found', 'Course not found.');

function requireUser(caller: ChallengeCaller): SessionUser {
  if (!caller.user) throw new AppError('unauthorized');
  return caller.user;
}

const iso = (value: Date | string) => (value instanceof Date ? value : new Date(value)).toISOString();
const isoOrNull = (value: Date | string | null) => (value === null ? null : iso(value));

function onlyLanguages(code: unknown, languages: Language[]): PerLanguage {
  const source = (code ?? {}) as PerLanguage;
  return Object.fromEntries(
    languages.filter((l) => typeof source[l] === 'string').map((l) => [l, source[l]]),
  );
}

function valuesOf(input: ChallengeInput): ChallengeValues {
  return {
    lessonId: input.lessonId,
    title: input.title,
    description: input.description,
    difficulty: input.difficulty,
    category: input.category,
    problemStatement: input.problemStatement,
    examples: input.examples,
    constraints: input.constraints,
    supportedLanguages: input.supportedLanguages,
    // Code for a language the challenge does not support is dropped, not stored.
    starterCode: onlyLanguages(input.starterCode, input.supportedLanguages),
    solutionCode: onlyLanguages(input.solutionCode, input.supportedLanguages),
    testCases: input.testCases.map((t) => ({
      input: t.input,
      expected_output: t.expectedOutput,
      is_hidden: t.isHidden,
    })),
    timeLimitMs: input.timeLimitMs,
    memoryLimitMb: input.memoryLimitMb,
    points: input.points,
  };
}

async function checkLesson(tx: Tx, courseId: string, lessonId: string | null) {
  if (!lessonId) return;
  const lesson = await findCourseLesson(tx, courseId, lessonId);
  if (!lesson || lesson.deletedAt !== null || lesson.contentType !== 'code') {
    throw new AppError('validation_failed', 'lessonId must be a code lesson of this course.', {
      issues: [{ path: 'body.lessonId', message: 'is not a code lesson of this course' }],
    });
  }
}

function lessonTaken(error: unknown): never {
  if (findPgError(error)?.code === '23505')
    throw new AppError(
      'conflict',
      'This lesson already has a challenge; edit that one or pick another lesson.',
    );
  throw error;
}

async function authoringChallenge(tx: Tx, challengeId: string): Promise<AuthoringChallenge> {
  const challenge = await findChallenge(tx, challengeId);
  const secrets = challenge ? await findChallengeSecrets(tx, challengeId) : null;
  // Secrets come only to the owner or an admin: anyone else gets the same 404 as for a missing one.
  if (!challenge || !secrets) throw challengeNotFound();
  const languages = challenge.supportedLanguages as Language[];
  return {
    id: challenge.id,
    courseId: challenge.courseId,
    lessonId: challenge.lessonId,
    title: challenge.title,
    description: challenge.description,
    difficulty: challenge.difficulty,
    category: challenge.category,
    problemStatement: challenge.problemStatement,
    examples: challenge.examples,
    constraints: challenge.constraints,
    supportedLanguages: languages,
    starterCode: onlyLanguages(challenge.starterCode, languages),
    solutionCode: onlyLanguages(secrets.solutionCode, languages),
    testCases: toJudgeTests(secrets.testCases).map((t) => ({
      input: t.input,
      expectedOutput: t.expected,
      isHidden: t.hidden,
    })),
    timeLimitMs: challenge.timeLimitMs,
    memoryLimitMb: challenge.memoryLimitMb,
    points: challenge.points,
    status: challenge.status,
    publishedAt: isoOrNull(challenge.publishedAt),
    contentVersion: challenge.contentVersion,
    publishCheck: (await findPublishCheck(tx, challengeId)) as AuthoringChallenge['publishCheck'],
    deletedAt: isoOrNull(challenge.deletedAt),
    updatedAt: iso(challenge.updatedAt),
  };
}

// ---------------------------------------------------------------- authoring

/** A course's challenges, trash included (owner or admin; 404 otherwise). */
export async function listChallenges(
  caller: ChallengeCaller,
  courseId: string,
): Promise<AuthoringChallengeList> {
  requireUser(caller);
  return caller.db.run(async (tx) => {
    if (!(await callerCanManageCourse(tx, courseId))) throw courseNotFound();
    const rows = await listCourseChallenges(tx, courseId);
    return {
      challenges: rows.map((c) => ({
        id: c.id,
        lessonId: c.lessonId,
        title: c.title,
        difficulty: c.difficulty,
        status: c.status,
        supportedLanguages: c.supportedLanguages as Language[],
        points: c.points,
        deletedAt: isoOrNull(c.deletedAt),
        updatedAt: iso(c.updatedAt),
      })),
    };
  });
}

/** Creates a draft challenge in a course the caller manages. */
export async function createChallenge(caller: ChallengeCaller, courseId: string, input: ChallengeInput) {
  requireUser(caller);
  return caller.db.run(async (tx) => {
    if (!(await callerCanManageCourse(tx, courseId))) throw courseNotFound();
    await checkLesson(tx, courseId, input.lessonId);
    const id = await insertChallenge(tx, courseId, valuesOf(input)).catch(lessonTaken);
    return authoringChallenge(tx, id);
  });
}

/** Every field of a challenge, solution and tests included (owner or admin). */
export async function getAuthoringChallenge(caller: ChallengeCaller, challengeId: string) {
  requireUser(caller);
  return caller.db.run((tx) => authoringChallenge(tx, challengeId));
}

/** Replaces a challenge's fields; an edit of what is judged takes it back to draft (trigger). */
export async function replaceChallenge(caller: ChallengeCaller, challengeId: string, input: ChallengeInput) {
  requireUser(caller);
  return caller.db.run(async (tx) => {
    const current = await authoringChallenge(tx, challengeId);
    if (current.deletedAt) throw challengeNotFound();
    await checkLesson(tx, current.courseId, input.lessonId);
    await updateChallenge(tx, challengeId, valuesOf(input)).catch(lessonTaken);
    return authoringChallenge(tx, challengeId);
  });
}

/** Moves a challenge to the trash. */
export async function deleteChallenge(caller: ChallengeCaller, challengeId: string): Promise<void> {
  requireUser(caller);
  await caller.db.run(async (tx) => {
    const current = await authoringChallenge(tx, challengeId);
    if (current.deletedAt) throw challengeNotFound();
    await softDeleteChallenge(tx, challengeId);
  });
}

/** Asks the judge to check the solution in every language; published only if all tests pass. */
export async function publishChallenge(caller: ChallengeCaller, queue: JudgeQueue, challengeId: string) {
  requireUser(caller);
  const result = await caller.db.run(async (tx) => {
    if (!(await requestPublish(tx, challengeId))) throw challengeNotFound();
    return authoringChallenge(tx, challengeId);
  });
  queue.nudge();
  return result;
}

/** Back to draft: learners stop seeing it. */
export async function unpublishChallenge(caller: ChallengeCaller, challengeId: string) {
  requireUser(caller);
  return caller.db.run(async (tx) => {
    if (!(await unpublish(tx, challengeId))) throw challengeNotFound();
    return authoringChallenge(tx, challengeId);
  });
}

// ---------------------------------------------------------------- learning

async function learnerView(
  tx: Tx,
  user: SessionUser,
  challenge: NonNullable<Awaited<ReturnType<typeof findChallenge>>>,
): Promise<LearnerChallenge> {
  const languages = challenge.supportedLanguages as Language[];
  const visible = await findVisibleTests(tx, challenge.id);
  return {
    id: challenge.id,
    courseId: challenge.courseId,
    courseSlug: (await findCourseSlug(tx, challenge.courseId)) ?? '',
    lessonId: challenge.lessonId,
    title: challenge.title,
    description: challenge.description,
    difficulty: challenge.difficulty,
    category: challenge.category,
    problemStatementHtml: renderMarkdownCached(challenge.problemStatement),
    examples: challenge.examples,
    constraints: challenge.constraints,
    supportedLanguages: languages,
    starterCode: onlyLanguages(challenge.starterCode, languages),
    timeLimitMs: challenge.timeLimitMs,
    memoryLimitMb: challenge.memoryLimitMb,
    points: challenge.points,
    status: challenge.status,
    visibleTests: toJudgeTests(visible).map((t) => ({ input: t.input, expectedOutput: t.expected })),
    solved: await hasAccepted(tx, user.id, challenge.id),
  };
}

/** A challenge as a learner sees it: statement, starter code and visible tests only. */
export async function getChallenge(caller: ChallengeCaller, challengeId: string): Promise<LearnerChallenge> {
  const user = requireUser(caller);
  return caller.db.run(async (tx) => {
    const challenge = await findChallenge(tx, challengeId);
    if (!challenge || challenge.deletedAt) throw challengeNotFound();
    return learnerView(tx, user, challenge);
  });
}

/** The challenge of a code lesson. */
export async function getLessonChallenge(
  caller: ChallengeCaller,
  lessonId: string,
): Promise<LearnerChallenge> {
  const user = requireUser(caller);
  return caller.db.run(async (tx) => {
    const challenge = await findLessonChallenge(tx, lessonId);
    if (!challenge) throw challengeNotFound();
    return learnerView(tx, user, challenge);
  });
}

function checkLanguage(languages: string[], language: Language) {
  if (!languages.includes(language)) {
    throw new AppError('validation_failed', `This challenge does not accept ${language}.`, {
      issues: [{ path: 'body.language', message: `must be one of ${languages.join(', ')}` }],
    });
  }
}

/**
 * Runs code against the visible tests on the judge worker; nothing is recorded. The job carries
 * the visible tests only, read through the learner's own rights.
 */
export async function startRun(
  caller: ChallengeCaller,
  queue: JudgeQueue,
  challengeId: string,
  input: CodeInput,
): Promise<{ runId: string }> {
  const user = requireUser(caller);
  if (!queue.allowRun(user.id))
    throw new AppError(
      'rate_limited',
      `At most ${RUNS_PER_MINUTE} runs a minute; wait a moment and run again.`,
    );
  const data: RunJobData = await caller.db.run(async (tx) => {
    const challenge = await findChallenge(tx, challengeId);
    if (!challenge || challenge.deletedAt) throw challengeNotFound();
    checkLanguage(challenge.supportedLanguages, input.language);
    const visible = await findVisibleTests(tx, challengeId);
    if (visible.length === 0)
      throw new AppError(
        'conflict',
        'This challenge has no visible examples to run against; submit instead.',
      );
    return {
      userId: user.id,
      challengeId,
      language: input.language,
      code: input.code,
      tests: toJudgeTests(visible).map((t) => ({ ...t, hidden: false })),
      timeLimitMs: challenge.timeLimitMs,
      memoryLimitMb: challenge.memoryLimitMb,
    };
  });
  const runId = await queue.jobs.send(QUEUES.run, data);
  if (!runId) throw new AppError('service_unavailable', 'The run could not be queued; try again.');
  return { runId };
}

const RUN_STATES: Record<string, RunResult['state']> = {
  created: 'queued',
  retry: 'queued',
  active: 'running',
  completed: 'done',
  failed: 'failed',
  cancelled: 'failed',
};

/** A run's state and results; only its own author may read it (404 for anyone else). */
export async function getRun(caller: ChallengeCaller, queue: JudgeQueue, runId: string): Promise<RunResult> {
  const user = requireUser(caller);
  const job = await queue.jobs.getJob<RunJobData>(QUEUES.run, runId);
  if (!job || job.data.userId !== user.id) throw new AppError('not_found', 'Run not found.');
  const state = RUN_STATES[job.state] ?? 'queued';
  const output = state === 'done' ? (job.output as RunJobOutput | null) : null;
  return {
    runId,
    state,
    verdict: output?.verdict ?? null,
    passedTests: output?.passedTests ?? null,
    totalTests: output?.totalTests ?? null,
    results: output?.results ?? [],
    message:
      state === 'failed' ? 'The judge could not finish this run; try again.' : (output?.message ?? null),
  };
}

function submissionView(row: NonNullable<Awaited<ReturnType<typeof findSubmission>>>): Submission {
  return {
    id: row.id,
    challengeId: row.challengeId,
    language: row.language as Language,
    code: row.code,
    status: row.status as Submission['status'],
    submittedAt: iso(row.submittedAt),
    judgedAt: isoOrNull(row.judgedAt),
    executionTimeMs: row.executionTimeMs,
    memoryUsedMb: row.memoryUsedMb,
    passedTests: row.passedTests,
    totalTests: row.totalTests,
    score: row.score,
    judgeMessage: row.judgeMessage,
    testResults: (row.testResults as TestResultView[] | null) ?? null,
  };
}

/** Records a submission (pending) whose judge job commits with it; the verdict follows. */
export async function submitCode(
  caller: ChallengeCaller,
  queue: JudgeQueue,
  challengeId: string,
  input: CodeInput,
): Promise<Submission> {
  const user = requireUser(caller);
  const row = await caller.db.run(async (tx) => {
    const challenge = await findChallenge(tx, challengeId);
    if (!challenge || challenge.deletedAt) throw challengeNotFound();
    checkLanguage(challenge.supportedLanguages, input.language);
    if ((await countWaitingSubmissions(tx, user.id, challengeId)) >= MAX_WAITING_SUBMISSIONS)
      throw new AppError(
        'rate_limited',
        'Wait for your earlier submissions to be judged before submitting again.',
      );
    return insertSubmission(tx, challengeId, input.language, input.code);
  });
  queue.nudge();
  return submissionView(row);
}

/** The caller's submissions to a challenge, newest first. */
export async function listMySubmissions(
  caller: ChallengeCaller,
  challengeId: string,
): Promise<SubmissionList> {
  const user = requireUser(caller);
  return caller.db.run(async (tx) => {
    const challenge = await findChallenge(tx, challengeId);
    if (!challenge) throw challengeNotFound();
    return { submissions: (await listSubmissions(tx, user.id, challengeId)).map(submissionView) };
  });
}

/** One submission (own, or of a course the caller manages). */
export async function getSubmission(caller: ChallengeCaller, submissionId: string): Promise<Submission> {
  requireUser(caller);
  return caller.db.run(async (tx) => {
    const row = await findSubmission(tx, submissionId);
    if (!row) throw new AppError('not_found', 'Submission not found.');
    return submissionView(row);
  });
}

/** The judge workers' sandbox status and canary results (admins; 404 for anyone else). */
export async function getJudgeHealth(caller: ChallengeCaller): Promise<JudgeHealth> {
  requireUser(caller);
  const health = await caller.db.run((tx) => findJudgeHealth(tx));
  if (!health) throw new AppError('not_found');
  return health as JudgeHealth;
}
