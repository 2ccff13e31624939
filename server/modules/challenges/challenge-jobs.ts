import type { Language } from '../../../contracts/challenges.ts';
import type { JudgeTest } from '../judge/judge.ts';
import type { learnerTestResults } from './results.ts';

/** Queue names (the submission one is also written by migration 0024's insert trigger). */
export const QUEUES = {
  submission: 'judge-submission',
  run: 'challenge-run',
  publishCheck: 'challenge-publish-check',
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
