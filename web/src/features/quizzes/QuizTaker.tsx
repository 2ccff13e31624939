import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import type { AttemptView, QuizOverview } from '../../../../contracts/quizzes.ts';
import { Button } from '../../components/Button.tsx';
import { Alert, ErrorAlert, ErrorState, LoadingState } from '../../components/Feedback.tsx';
import { isApiError } from '../../lib/api.ts';
import { formatDateTime } from '../../lib/format.ts';
import { useLiveInvalidation } from '../../lib/useRealtime.ts';
import { changesTopic } from '../../../../contracts/realtime.ts';
import { useSession } from '../auth/session.ts';
import { learningKeys } from '../learning/learning.api.ts';
import { AttemptResults } from './AttemptResults.tsx';
import { AttemptRunner } from './AttemptRunner.tsx';
import { fetchAttempt, quizKeys, startAttempt } from './quizzes.api.ts';
import { QUIZ_TYPE_LABELS } from './quiz-form.ts';
import { useLiveGrading } from './useLiveGrading.ts';
import './quizzes.css';

/**
 * Taking a quiz: its overview (rules, attempts), an attempt in progress, or an attempt's results.
 * The attempt on screen is in the address (`?attempt=<id>`), so a reload comes back to it with
 * the same questions, answers and deadline, all from the server.
 */
export function QuizTaker({
  overview,
  courseId,
  overviewKey,
}: {
  overview: QuizOverview;
  courseId: string | undefined;
  overviewKey: readonly unknown[];
}) {
  const [params, setParams] = useSearchParams();
  const queryClient = useQueryClient();
  const attemptId = params.get('attempt');
  const open = (id: string | null, replace = false) =>
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        if (id) next.set('attempt', id);
        else next.delete('attempt');
        return next;
      },
      { replace },
    );
  /** After a submit or a close at the deadline: attempts, progress and averages have changed. */
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: overviewKey });
    if (courseId) void queryClient.invalidateQueries({ queryKey: learningKeys.progress(courseId) });
  };

  // Live: an attempt of this quiz closed elsewhere (another tab, the deadline sweep, the judge), or
  // extra attempts granted by the instructor (announced as the learner's enrollment with the quiz's
  // id, 0031): the overview's attempts and counts refetch.
  const me = useSession().data?.id;
  useLiveInvalidation(
    me && !attemptId
      ? [changesTopic('quiz_attempts', { user_id: me }), changesTopic('enrollments', { user_id: me })]
      : [],
    [overviewKey],
    { filter: (message) => message.keys.quiz_id === overview.quiz.id },
  );

  if (attemptId)
    return (
      <AttemptScreen
        key={attemptId}
        attemptId={attemptId}
        overview={overview}
        onExit={() => open(null)}
        onOpen={(id) => open(id, true)}
        onClosed={refresh}
      />
    );
  return <OverviewPanel overview={overview} onOpen={(id) => open(id)} onStarted={refresh} />;
}

function OverviewPanel({
  overview,
  onOpen,
  onStarted,
}: {
  overview: QuizOverview;
  onOpen: (attemptId: string) => void;
  onStarted: () => void;
}) {
  const { quiz } = overview;
  const queryClient = useQueryClient();
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const outOfAttempts = overview.inProgressAttemptId === null && overview.attemptsLeft === 0;

  const start = async () => {
    setStarting(true);
    setError(null);
    try {
      const view = await startAttempt(quiz.id);
      queryClient.setQueryData(quizKeys.attempt(view.attempt.id), view);
      onStarted();
      onOpen(view.attempt.id);
    } catch (caught) {
      setError(caught);
      setStarting(false);
    }
  };

  return (
    <section className="quiz-player" aria-labelledby="quiz-title">
      <h2 id="quiz-title">{quiz.title}</h2>
      {overview.access === 'preview' && (
        <Alert tone="info" title="Preview">
          You own this quiz: your attempts are not counted in results or item analysis.
        </Alert>
      )}
      {quiz.description && <p>{quiz.description}</p>}
      {quiz.instructions && (
        <div className="quiz-instructions">
          <h3>Instructions</h3>
          <p className="pre-wrap">{quiz.instructions}</p>
        </div>
      )}
      <ul className="quiz-facts">
        <li>{QUIZ_TYPE_LABELS[quiz.quizType]}</li>
        <li>
          {quiz.questionCount} question{quiz.questionCount === 1 ? '' : 's'}, {quiz.totalPoints} point
          {quiz.totalPoints === 1 ? '' : 's'}
        </li>
        <li>Passing score: {quiz.passingScore} %</li>
        <li>{quiz.timeLimitMinutes ? `Time limit: ${quiz.timeLimitMinutes} minutes` : 'No time limit'}</li>
        <li data-testid="attempts-left">
          {overview.attemptsAllowed === null
            ? `Attempts: unlimited (${overview.attemptsUsed} used)`
            : `Attempts: ${overview.attemptsUsed} of ${overview.attemptsAllowed} used, ${overview.attemptsLeft} left`}
        </li>
      </ul>
      {isApiError(error, 'max_attempts_reached') ? (
        <Alert tone="warning" title="No attempts left">
          You have used every attempt on this quiz. Ask your instructor if you need another one.
        </Alert>
      ) : isApiError(error, 'quiz_empty') ? (
        <Alert tone="info" title="This quiz has no questions yet">
          Come back when your instructor has added them.
        </Alert>
      ) : (
        error !== null && <ErrorAlert error={error} title="The quiz could not be started" />
      )}
      {overview.inProgressAttemptId ? (
        <div className="button-row">
          <Button onClick={() => onOpen(overview.inProgressAttemptId!)}>Resume your attempt</Button>
          <span className="muted small">The timer has kept running since you started.</span>
        </div>
      ) : outOfAttempts ? (
        <Alert tone="warning" title="No attempts left">
          You have used all {overview.attemptsAllowed} attempts on this quiz.
        </Alert>
      ) : (
        <div className="button-row">
          <Button onClick={() => void start()} busy={starting} disabled={quiz.questionCount === 0}>
            {overview.attemptsUsed === 0 ? 'Start the quiz' : 'Start a new attempt'}
          </Button>
          {quiz.timeLimitMinutes && (
            <span className="muted small">The timer starts now and keeps running if you leave the page.</span>
          )}
        </div>
      )}
      {overview.attempts.length > 0 && (
        <div className="table-scroll">
          <table className="quiz-table">
            <caption className="visually-hidden">Your attempts</caption>
            <thead>
              <tr>
                <th scope="col">Attempt</th>
                <th scope="col">Submitted</th>
                <th scope="col">Score</th>
                <th scope="col">Result</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {overview.attempts.map((attempt) => (
                <tr key={attempt.id}>
                  <th scope="row">{attempt.attemptNumber}</th>
                  <td>{attempt.submittedAt ? formatDateTime(attempt.submittedAt) : 'In progress'}</td>
                  <td>{attempt.percentage === null ? '—' : `${attempt.percentage} %`}</td>
                  <td>
                    {attempt.status === 'in_progress'
                      ? '—'
                      : attempt.pendingCount > 0
                        ? 'Waiting for grading'
                        : attempt.passed
                          ? 'Passed'
                          : 'Not passed'}
                  </td>
                  <td>
                    {attempt.status !== 'in_progress' && (
                      <Button variant="ghost" onClick={() => onOpen(attempt.id)}>
                        Results<span className="visually-hidden"> of attempt {attempt.attemptNumber}</span>
                      </Button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function AttemptScreen({
  attemptId,
  overview,
  onExit,
  onOpen,
  onClosed,
}: {
  attemptId: string;
  overview: QuizOverview;
  onExit: () => void;
  onOpen: (attemptId: string) => void;
  onClosed: () => void;
}) {
  const queryClient = useQueryClient();
  const gradingLive = useLiveGrading(
    attemptId,
    isGrading(queryClient.getQueryData<AttemptView>(quizKeys.attempt(attemptId))),
  );
  const query = useQuery({
    queryKey: quizKeys.attempt(attemptId),
    queryFn: ({ signal }) => fetchAttempt(attemptId, signal),
    // The attempt changes only by what this page does (saves, submit) or at its deadline — and,
    // while code answers are being judged ("grading"), by the judge: live over /realtime, polled
    // only while the socket is down.
    staleTime: Infinity,
    refetchOnWindowFocus: false,
    refetchInterval: (q) => (isGrading(q.state.data) && !gradingLive ? GRADING_POLL_MS : false),
  });
  // Live: extra minutes granted by the instructor move this attempt's deadline (quiz_attempts is
  // announced, re-read as the learner): read the attempt again, and the timer follows. Only the
  // deadline matters here — the learner's own saves change the row too.
  const me = useSession().data?.id;
  useLiveInvalidation(
    me ? [changesTopic('quiz_attempts', { user_id: me })] : [],
    [quizKeys.attempt(attemptId)],
    { filter: (message) => message.id === attemptId && deadlineMoved(message.row, query.data) },
  );
  const grading = isGrading(query.data);
  const wasGrading = useRef(grading);
  useEffect(() => {
    // The verdict is in: the overview (attempts, best score, lesson completion) changed too.
    if (wasGrading.current && !grading && query.data?.attempt.status === 'graded') onClosed();
    wasGrading.current = grading;
  }, [grading, onClosed, query.data]);
  const closed = query.data !== undefined && query.data.attempt.status !== 'in_progress';
  const wasClosed = useRef(closed);
  useEffect(() => {
    if (closed && !wasClosed.current) onClosed();
    wasClosed.current = closed;
  }, [closed, onClosed]);

  if (query.isPending) return <LoadingState label="Loading your attempt…" />;
  if (query.isError) {
    if (isApiError(query.error, 'not_found') || isApiError(query.error, 'validation_failed'))
      return (
        <Alert tone="warning" title="This attempt is not available">
          <Button variant="secondary" onClick={onExit}>
            Back to the quiz
          </Button>
        </Alert>
      );
    return (
      <ErrorState
        error={query.error}
        title="Your attempt could not be loaded"
        onRetry={() => void query.refetch()}
      />
    );
  }
  const view = query.data;
  if (view.quiz.id !== overview.quiz.id)
    return (
      <Alert tone="warning" title="This attempt belongs to another quiz">
        <Button variant="secondary" onClick={onExit}>
          Back to the quiz
        </Button>
      </Alert>
    );
  const setView = (next: AttemptView) => queryClient.setQueryData(quizKeys.attempt(attemptId), next);
  const reload = () => queryClient.invalidateQueries({ queryKey: quizKeys.attempt(attemptId) });

  if (view.attempt.status === 'in_progress')
    return <AttemptRunner key={view.attempt.id} view={view} onSubmitted={setView} onReload={reload} />;
  return <AttemptResults view={view} overview={overview} onExit={onExit} onOpen={onOpen} />;
}

const GRADING_POLL_MS = 2500;

/** Whether a changed attempt row carries another deadline than the one on screen. */
function deadlineMoved(row: Record<string, unknown> | undefined, view: AttemptView | undefined): boolean {
  if (!view || typeof row?.deadlineAt !== 'string' || view.attempt.deadlineAt === null) return false;
  return Date.parse(row.deadlineAt) !== Date.parse(view.attempt.deadlineAt);
}

/** Submitted with code answers still waiting for the judge. */
function isGrading(view: AttemptView | undefined): boolean {
  return view !== undefined && view.attempt.status === 'submitted' && view.attempt.pendingCount > 0;
}
