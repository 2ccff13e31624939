import type { Language } from '../../../contracts/challenges.ts';
import type { JudgeTest } from '../judge/judge.ts';
import type { learnerTestResults } from './results.ts';

/** Queue names (the submission one is also written by migration 0024's insert trigger). */
export const QUEUES = {
  submission: 'judge-submission',
  run: 'challenge-run',
  publishCheck: 'challenge-publish-check',
  /** Any code to judge against given tests (quiz code questions); see CodeJudgeRequest. */
  code: 'judge-code',
} as const;

/** Retries of a submission's judge job before it is marked internal_error. */
export const SUBMISSION_RETRIES = 3;

/** A Run's job: the visible tests travel with it, so the worker needs nothing else for it. */
export interface RunJobData {
  userId: string;
  challengeId: string;
  language: Language;
  code: string;
  tests: JudgeTest[];
  timeLimitMs: number;
  memoryLimitMb: number;
}

/** A Run's job output (what GET /challenge-runs/:id shows). */
export interface RunJobOutput {
  verdict: string | null;
  passedTests: number | null;
  totalTests: number | null;
  results: ReturnType<typeof learnerTestResults>;
  message: string | null;
}

/**
 * Judging any code against tests on the judge worker — for other modules (quiz code questions).
 * Send it with `jobs.send(QUEUES.code, request)`, or from a system transaction with
 * `enqueueInTransaction(tx, QUEUES.code, request)`. The job's output is a CodeJudgeOutcome; with
 * `reply`, the worker also sends `{ ...reply.data, outcome }` to the `reply.queue` queue (once per
 * request job: the reply's id is derived from the request's), where the caller's own handler
 * stores the grade. Hidden tests' data never appears in the outcome.
 */
export interface CodeJudgeRequest {
  language: Language;
  code: string;
  tests: JudgeTest[];
  timeLimitMs: number;
  memoryLimitMb: number;
  reply?: { queue: string; data: Record<string, unknown> };
}

export interface CodeJudgeOutcome {
  /** A verdict, or `judge_unavailable` (`message` says so; the reason and fix are on the admin health page). */
  status: string;
  passedTests: number;
  totalTests: number;
  executionTimeMs: number | null;
  memoryUsedMb: number | null;
  results: ReturnType<typeof learnerTestResults>;
  message: string | null;
}
