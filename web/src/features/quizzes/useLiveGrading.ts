import { changesTopic } from '../../../../contracts/realtime.ts';
import { useSession } from '../auth/session.ts';
import { useLiveInvalidation } from '../../lib/useRealtime.ts';
import { quizKeys } from './quizzes.api.ts';

/**
 * "Grading your code…" ends live: while an attempt's code answers are with the judge, the learner's
 * quiz_attempts changes (announced on /realtime when a grade is recorded) refetch the attempt.
 * Returns whether that subscription is live; the caller polls only while it is not.
 */
export function useLiveGrading(attemptId: string, grading: boolean): boolean {
  const me = useSession().data?.id;
  const topic = grading && me ? changesTopic('quiz_attempts', { user_id: me }) : undefined;
  return useLiveInvalidation([topic], [quizKeys.attempt(attemptId)], { refetchOnSubscribe: true }).live;
}
