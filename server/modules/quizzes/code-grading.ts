import { sql } from 'kysely';
import type { FastifyBaseLogger } from 'fastify';
import type { Db, Tx } from '../../db/session.ts';
import type { Jobs } from '../../platform/jobs/jobs.ts';
import type { CodeJudgeOutcome } from '../challenges/challenge-jobs.ts';

/**
 * Code questions in quizzes are graded by the judge worker (migration 0028): closing an attempt
 * enqueues a `judge-code` job per pending code answer, and the worker replies on this queue.
 */
export const QUIZ_CODE_GRADE_QUEUE = 'quiz-code-grade';

interface GradeReply {
  attemptId: string;
  questionId: string;
  outcome: CodeJudgeOutcome;
}

/**
 * System path: stores one judged code answer (only while it is still pending, so a repeated reply
 * changes nothing) and finalises the attempt when it was the last one. True when it graded.
 */
export async function recordCodeGradeAsSystem(tx: Tx, reply: GradeReply): Promise<boolean> {
  const { rows } = await sql<{ graded: boolean }>`
    select private.quiz_record_code_grade(${reply.attemptId}, ${reply.questionId},
                                          ${JSON.stringify(reply.outcome)}::jsonb) as graded`.execute(tx);
  return rows[0]!.graded;
}

/** System path: enqueues a judge job again for every code answer still waiting. Returns how many. */
export async function requeueQuizCodeGradingAsSystem(tx: Tx): Promise<number> {
  const { rows } = await sql<{ n: number }>`select private.quiz_requeue_code_grading() as n`.execute(tx);
  return Number(rows[0]!.n);
}

/**
 * Handles the judge's replies for quiz code answers (worker processes). Define it before the judge
 * worker starts so the reply queue exists when the first verdict arrives.
 */
export async function startQuizCodeGrading(options: {
  db: Db;
  jobs: Jobs;
  logger: FastifyBaseLogger;
}): Promise<void> {
  const { db, jobs } = options;
  const log = options.logger.child({ component: 'quiz-code-grading' });
  await jobs.defineQueue(QUIZ_CODE_GRADE_QUEUE, { retryLimit: 5, retryDelay: 2, retryBackoff: true });
  await jobs.work<GradeReply>(QUIZ_CODE_GRADE_QUEUE, async (job) => {
    const graded = await db.asSystem((tx) => recordCodeGradeAsSystem(tx, job.data));
    // Ids and the verdict only: code and test data stay out of the log.
    log.info(
      {
        job: job.id,
        attempt: job.data.attemptId,
        question: job.data.questionId,
        status: job.data.outcome.status,
        graded,
      },
      'quiz code answer judged',
    );
  });
}
