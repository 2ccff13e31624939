import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { FastifyBaseLogger } from 'fastify';
import type { Language } from '../../../contracts/challenges.ts';
import type { JudgeConfig } from '../../config.ts';
import type { Db } from '../../db/session.ts';
import { enqueueInTransaction, type Jobs } from '../../platform/jobs/jobs.ts';
import { runCanaries, type CanaryReport } from '../judge/canaries.ts';
import {
  createJudge,
  SandboxUnavailableError,
  sandboxStatus,
  type Judge,
  type SandboxStatus,
} from '../judge/judge.ts';
import { configureJudgeHost } from '../judge/settings.ts';
import { requeueQuizCodeGradingAsSystem } from '../quizzes/code-grading.ts';
import { SUBMISSION_RETRIES } from './challenge-jobs.ts';
import {
  listUnjudgedAsSystem,
  loadChallengeForCheckAsSystem,
  loadSubmissionForJudgingAsSystem,
  markRunningAsSystem,
  recordPublishCheckAsSystem,
  recordVerdictAsSystem,
  upsertWorkerHealthAsSystem,
  touchWorkerHealthAsSystem,
  deleteWorkerHealthAsSystem,
  type PerLanguage,
} from './challenges.queries.ts';
import {
  QUEUES,
  type CodeJudgeOutcome,
  type CodeJudgeRequest,
  type RunJobData,
  type RunJobOutput,
} from './challenge-jobs.ts';
import { learnerTestResults, toJudgeTests, unavailableMessage } from './results.ts';

export interface JudgeWorkerOptions {
  db: Db;
  jobs: Jobs;
  logger: FastifyBaseLogger;
  config: JudgeConfig;
  /** Tests pass a judge of their own; default createJudge({ slots: config.slots }). */
  judge?: Judge;
  /** Tests pass the canaries to run; default the start-up suite. */
  canaries?: (judge: Judge) => Promise<CanaryReport>;
}

export interface JudgeWorker {
  /** Resolves once the sandbox was probed and the canaries ran. */
  ready: Promise<{ state: 'ready' | 'refusing'; reason?: string }>;
  /** Stops the health heartbeat and removes this worker from the health page (call after jobs.stop()). */
  stop(): Promise<void>;
}

/** How often a worker says it is alive; the health page shows workers seen in the last 2 minutes. */
const HEARTBEAT_MS = 30_000;

interface Readiness {
  state: 'ready' | 'refusing';
  /** Why it refuses, with the fix (stored on submissions it cannot judge). */
  reason?: string;
}

/**
 * Starts the judge worker: probes the sandbox, runs the canary attacks, and handles submission,
 * run and publish-check jobs (`config.slots` at a time). It refuses to judge — submissions get
 * `judge_unavailable` (the reason and exact fix go to the health row and the log) — when the sandbox cannot run or a canary escaped;
 * nothing ever runs unsandboxed. Handlers wait for the probe, so a job never beats the canaries.
 */
export async function startJudgeWorker(options: JudgeWorkerOptions): Promise<JudgeWorker> {
  const { db, jobs, logger, config } = options;
  const log = logger.child({ component: 'judge-worker' });
  configureJudgeHost(config);
  const judge = options.judge ?? createJudge({ slots: config.slots });
  const workerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

  const health = async (state: 'starting' | Readiness['state'], sandbox: SandboxStatus, canaries: object) =>
    db
      .asSystem((tx) =>
        upsertWorkerHealthAsSystem(tx, {
          workerId,
          hostname: hostname(),
          state,
          slots: config.slots,
          sandbox,
          canaries: canaries as { ran: boolean; ok: boolean; failures: string[] },
        }),
      )
      .catch((error: unknown) => log.error({ err: error }, 'judge worker: could not record its health'));

  const ready: Promise<Readiness> = (async (): Promise<Readiness> => {
    const status = await sandboxStatus();
    await health('starting', status, { ran: false, ok: false, failures: [] });
    if (!status.available) {
      const reason = `${status.reason ?? 'the sandbox cannot run'}; fix: ${status.fix ?? 'see the README'}`;
      log.error(
        { reason: status.reason, fix: status.fix },
        'judge worker: sandbox unavailable, refusing to judge',
      );
      await health('refusing', status, { ran: false, ok: false, failures: [] });
      return { state: 'refusing', reason };
    }
    let report: CanaryReport;
    try {
      report = await (options.canaries ?? runCanaries)(judge);
    } catch (error) {
      report = { ok: false, failures: [`the canary suite failed to run: ${(error as Error).message}`] };
    }
    if (!report.ok) {
      log.error(
        { failures: report.failures },
        'judge worker: a canary escaped the sandbox, refusing to judge',
      );
      await health('refusing', status, { ran: true, ...report });
      return {
        state: 'refusing',
        reason: `${report.failures.length} canary attack(s) not blocked: ${report.failures.join('; ')}`,
      };
    }
    await health('ready', status, { ran: true, ...report });
    log.info({ slots: config.slots }, 'judge worker: sandbox checked, canaries blocked, judging');
    // Submissions that arrived while no judge could run get their turn now.
    const waiting = await db.asSystem(async (tx) => {
      const rows = await listUnjudgedAsSystem(tx);
      for (const row of rows) await enqueueInTransaction(tx, QUEUES.submission, { submissionId: row.id });
      // Quiz code answers left waiting (migration 0028) too.
      return rows.length + (await requeueQuizCodeGradingAsSystem(tx));
    });
    if (waiting > 0) {
      log.info({ waiting }, 'judge worker: re-queued submissions left unjudged');
      await jobs.relayOutbox();
    }
    return { state: 'ready' };
  })().catch((error: unknown) => {
    log.error({ err: error }, 'judge worker: start-up check failed, refusing to judge');
    return { state: 'refusing' as const, reason: (error as Error).message };
  });

  await jobs.defineQueue(QUEUES.submission, {
    retryLimit: SUBMISSION_RETRIES,
    retryDelay: 2,
    retryBackoff: true,
  });
  await jobs.defineQueue(QUEUES.run, { retryLimit: 0, expireInSeconds: 120 });
  await jobs.defineQueue(QUEUES.publishCheck, { retryLimit: 2, retryDelay: 5 });
  await jobs.defineQueue(QUEUES.code, { retryLimit: 2, retryDelay: 2 });

  await jobs.work<{ submissionId: string }>(
    QUEUES.submission,
    async (job) => {
      const readiness = await ready;
      await judgeSubmission(
        log,
        db,
        judge,
        readiness,
        job.data.submissionId,
        job.retryCount >= SUBMISSION_RETRIES,
      );
      log.info({ job: job.id, submission: job.data.submissionId }, 'judge worker: submission judged');
    },
    { concurrency: config.slots },
  );

  await jobs.work<RunJobData, RunJobOutput>(
    QUEUES.run,
    async (job) => runVisibleTests(log, judge, await ready, job.data),
    { concurrency: config.slots },
  );

  await jobs.work<{ challengeId: string; contentVersion: number }>(QUEUES.publishCheck, async (job) => {
    await checkForPublication(log, db, judge, await ready, job.data.challengeId, job.data.contentVersion);
    log.info({ job: job.id, challenge: job.data.challengeId }, 'judge worker: publish check done');
  });

  await jobs.work<CodeJudgeRequest, CodeJudgeOutcome>(
    QUEUES.code,
    async (job) => {
      const outcome = await judgeAnyCode(log, judge, await ready, job.data);
      if (job.data.reply) {
        // The reply's id follows from the request's: a retried request job replies once.
        await jobs.send(
          job.data.reply.queue,
          { ...job.data.reply.data, outcome },
          { id: derivedUuid(job.id, 'reply') },
        );
      }
      return outcome;
    },
    { concurrency: config.slots },
  );

  const heartbeat = setInterval(() => {
    void db
      .asSystem((tx) => touchWorkerHealthAsSystem(tx, workerId))
      .catch((error: unknown) => log.warn({ err: error }, 'judge worker: heartbeat failed'));
  }, HEARTBEAT_MS);
  heartbeat.unref();

  return {
    ready,
    async stop() {
      clearInterval(heartbeat);
      await ready;
      await db
        .asSystem((tx) => deleteWorkerHealthAsSystem(tx, workerId))
        .catch((error: unknown) => log.warn({ err: error }, 'judge worker: could not remove its health row'));
    },
  };
}

/** A uuid determined by `id` and `salt` (a job derived from another, idempotently). */
function derivedUuid(id: string, salt: string): string {
  const h = createHash('sha256').update(`${id}:${salt}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Judges code against the request's tests; nothing is stored here (the caller stores the outcome). */
async function judgeAnyCode(
  log: FastifyBaseLogger,
  judge: Judge,
  readiness: Readiness,
  request: CodeJudgeRequest,
): Promise<CodeJudgeOutcome> {
  const unavailable = (message: string): CodeJudgeOutcome => ({
    status: 'judge_unavailable',
    passedTests: 0,
    totalTests: request.tests.length,
    executionTimeMs: null,
    memoryUsedMb: null,
    results: [],
    message,
  });
  if (readiness.state !== 'ready') return unavailable(unavailableMessage('submission'));
  try {
    const result = await judge.judge({
      language: request.language,
      source: request.code,
      tests: request.tests,
      timeLimitMs: request.timeLimitMs,
      memoryLimitMb: request.memoryLimitMb,
    });
    return {
      status: result.verdict,
      passedTests: result.passedTests,
      totalTests: result.totalTests,
      executionTimeMs: Math.round(result.executionTimeMs),
      memoryUsedMb: Math.round(result.memoryUsedMb),
      results: learnerTestResults(result, request.tests),
      message: result.compileOutput?.slice(0, 8000) ?? null,
    };
  } catch (error) {
    if (error instanceof SandboxUnavailableError) {
      log.warn(
        { reason: error.reason, fix: error.fix },
        'judge worker: sandbox unavailable for this language',
      );
      return unavailable(unavailableMessage('submission'));
    }
    throw error;
  }
}

/** Judges one submission and stores the verdict for that submission only. Idempotent. */
async function judgeSubmission(
  log: FastifyBaseLogger,
  db: Db,
  judge: Judge,
  readiness: Readiness,
  submissionId: string,
  lastAttempt: boolean,
): Promise<void> {
  const submission = await db.asSystem((tx) => loadSubmissionForJudgingAsSystem(tx, submissionId));
  if (!submission || !['pending', 'running', 'judge_unavailable'].includes(submission.status)) return;
  const unavailable = (message: string) =>
    db.asSystem((tx) =>
      recordVerdictAsSystem(tx, submissionId, {
        status: 'judge_unavailable',
        testResults: null,
        executionTimeMs: null,
        memoryUsedMb: null,
        passedTests: null,
        totalTests: null,
        message,
      }),
    );
  if (readiness.state !== 'ready') {
    await unavailable(unavailableMessage('submission'));
    return;
  }
  if (!(await db.asSystem((tx) => markRunningAsSystem(tx, submissionId)))) {
    // Another attempt of this job is running it, or it was judged meanwhile.
    if (submission.status !== 'running') return;
  }
  const tests = toJudgeTests(submission.testCases);
  try {
    const result = await judge.judge({
      language: submission.language as Language,
      source: submission.code,
      tests,
      timeLimitMs: submission.timeLimitMs,
      memoryLimitMb: submission.memoryLimitMb,
    });
    await db.asSystem((tx) =>
      recordVerdictAsSystem(tx, submissionId, {
        status: result.verdict,
        testResults: learnerTestResults(result, tests),
        executionTimeMs: Math.round(result.executionTimeMs),
        memoryUsedMb: Math.round(result.memoryUsedMb),
        passedTests: result.passedTests,
        totalTests: result.totalTests,
        message: result.compileOutput?.slice(0, 8000) ?? null,
      }),
    );
  } catch (error) {
    if (error instanceof SandboxUnavailableError) {
      log.warn(
        { reason: error.reason, fix: error.fix },
        'judge worker: sandbox unavailable for this language',
      );
      await unavailable(unavailableMessage('submission'));
      return;
    }
    if (lastAttempt) {
      await db.asSystem((tx) =>
        recordVerdictAsSystem(tx, submissionId, {
          status: 'internal_error',
          testResults: null,
          executionTimeMs: null,
          memoryUsedMb: null,
          passedTests: null,
          totalTests: null,
          message: 'The judge failed on this submission; please submit again.',
        }),
      );
      return;
    }
    throw error; // retried by the queue
  }
}

/** Runs code against the visible tests only; nothing is stored (the job's output is the result). */
async function runVisibleTests(
  log: FastifyBaseLogger,
  judge: Judge,
  readiness: Readiness,
  data: RunJobData,
): Promise<RunJobOutput> {
  const none = (message: string): RunJobOutput => ({
    verdict: null,
    passedTests: null,
    totalTests: null,
    results: [],
    message,
  });
  if (readiness.state !== 'ready') return none(unavailableMessage('run'));
  // Runs carry visible tests only (the API put them there); refuse anything else outright.
  const tests = data.tests.filter((t) => !t.hidden);
  if (tests.length === 0)
    return none('This challenge has no visible examples to run against; submit instead.');
  try {
    const result = await judge.judge({
      language: data.language,
      source: data.code,
      tests,
      timeLimitMs: data.timeLimitMs,
      memoryLimitMb: data.memoryLimitMb,
    });
    return {
      verdict: result.verdict,
      passedTests: result.passedTests,
      totalTests: result.totalTests,
      results: learnerTestResults(result, tests),
      message: result.compileOutput?.slice(0, 8000) ?? null,
    };
  } catch (error) {
    if (error instanceof SandboxUnavailableError) {
      log.warn(
        { reason: error.reason, fix: error.fix },
        'judge worker: sandbox unavailable for this language',
      );
      return none(unavailableMessage('run'));
    }
    throw error;
  }
}

/** The publish gate: the solution must pass every test in every supported language. */
async function checkForPublication(
  log: FastifyBaseLogger,
  db: Db,
  judge: Judge,
  readiness: Readiness,
  challengeId: string,
  contentVersion: number,
): Promise<void> {
  const challenge = await db.asSystem((tx) => loadChallengeForCheckAsSystem(tx, challengeId));
  if (!challenge || challenge.status !== 'checking' || challenge.contentVersion !== contentVersion) return;
  const solutions = (challenge.solutionCode ?? {}) as PerLanguage;
  const tests = toJudgeTests(challenge.testCases);
  const languages: {
    language: Language;
    verdict: string;
    passedTests: number;
    totalTests: number;
    message?: string;
  }[] = [];
  for (const language of challenge.supportedLanguages as Language[]) {
    const source = solutions[language];
    if (readiness.state !== 'ready') {
      languages.push({
        language,
        verdict: 'judge_unavailable',
        passedTests: 0,
        totalTests: tests.length,
        message: unavailableMessage('check'),
      });
      continue;
    }
    if (!source?.trim()) {
      languages.push({
        language,
        verdict: 'missing_solution',
        passedTests: 0,
        totalTests: tests.length,
        message: `Add a ${language} solution, or remove ${language} from the supported languages.`,
      });
      continue;
    }
    try {
      const result = await judge.judge({
        language,
        source,
        tests,
        timeLimitMs: challenge.timeLimitMs,
        memoryLimitMb: challenge.memoryLimitMb,
      });
      const firstFailed = result.results.find((r) => !r.passed);
      languages.push({
        language,
        verdict: result.verdict,
        passedTests: result.passedTests,
        totalTests: result.totalTests,
        ...(result.compileOutput
          ? { message: result.compileOutput.slice(0, 4000) }
          : firstFailed
            ? {
                message: `Test ${firstFailed.index + 1}${firstFailed.hidden ? ' (hidden)' : ''}: ${firstFailed.verdict}${firstFailed.message ? ` — ${firstFailed.message}` : ''}`,
              }
            : {}),
      });
    } catch (error) {
      if (!(error instanceof SandboxUnavailableError)) throw error;
      log.warn(
        { reason: error.reason, fix: error.fix },
        'judge worker: sandbox unavailable for this language',
      );
      languages.push({
        language,
        verdict: 'judge_unavailable',
        passedTests: 0,
        totalTests: tests.length,
        message: unavailableMessage('check'),
      });
    }
  }
  const passed = languages.length > 0 && languages.every((l) => l.verdict === 'accepted');
  await db.asSystem((tx) =>
    recordPublishCheckAsSystem(tx, challengeId, contentVersion, passed, { passed, languages }),
  );
}
