import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import type { AttemptView, QuizOverview } from '../../../../contracts/quizzes.ts';
import { Button } from '../../components/Button.tsx';
import { Alert, ErrorAlert } from '../../components/Feedback.tsx';
import { isApiError } from '../../lib/api.ts';
import { QuestionView } from './QuestionView.tsx';
import { quizKeys, startAttempt } from './quizzes.api.ts';

/**
 * A closed attempt's results, as much as the quiz's `showCorrectAnswers` allows: the server sends
 * per-question feedback only when it may, so what is not in the view is simply not shown.
 */
export function AttemptResults({
  view,
  overview,
  onExit,
  onOpen,
}: {
  view: AttemptView;
  overview: QuizOverview;
  onExit: () => void;
  onOpen: (attemptId: string) => void;
}) {
  const { attempt, quiz, questions } = view;
  const queryClient = useQueryClient();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => headingRef.current?.focus(), []);
  const withFeedback = questions.some((q) => q.feedback !== null);
  const pending = attempt.pendingCount > 0;
  const canRetry =
    overview.inProgressAttemptId === null && (overview.attemptsLeft === null || overview.attemptsLeft > 0);

  const retry = async () => {
    setStarting(true);
    setError(null);
    try {
      const next = await startAttempt(quiz.id);
      queryClient.setQueryData(quizKeys.attempt(next.attempt.id), next);
      onOpen(next.attempt.id);
    } catch (caught) {
      setError(caught);
      setStarting(false);
    }
  };

  return (
    <section className="quiz-player" aria-labelledby="results-title">
      <h2 id="results-title" ref={headingRef} tabIndex={-1}>
        Results: {quiz.title}, attempt {attempt.attemptNumber}
      </h2>
      {attempt.submitReason === 'deadline' && (
        <Alert tone="warning" title="The time ran out">
          This attempt was submitted automatically at its deadline, with the answers saved by then.
        </Alert>
      )}
      <div className="quiz-score card" data-testid="quiz-score">
        <p className="quiz-score-figure">
          {attempt.score ?? 0} of {attempt.pointsPossible ?? 0} points
          {attempt.percentage !== null && <> · {attempt.percentage} %</>}
        </p>
        <p>
          {pending ? (
            <span className="badge badge-muted">Grading</span>
          ) : attempt.passed ? (
            <span className="badge badge-success">Passed</span>
          ) : (
            <span className="badge badge-danger">Not passed</span>
          )}{' '}
          <span className="muted">Passing score: {quiz.passingScore} %</span>
        </p>
        {pending && (
          <p className="muted small" role="status" data-testid="quiz-grading">
            Grading your code… {attempt.pendingCount} code answer{attempt.pendingCount === 1 ? '' : 's'}{' '}
            {attempt.pendingCount === 1 ? 'is' : 'are'} being run against the tests; this page updates by
            itself and the score is final after that.
          </p>
        )}
        {pending && attempt.gradingMessage && (
          <Alert tone="warning" title="Grading is waiting">
            {attempt.gradingMessage}
          </Alert>
        )}
      </div>
      {withFeedback ? (
        <ol className="quiz-question-list" aria-label="Your answers">
          {questions.map((question) => (
            <li key={question.id}>
              <QuestionView
                question={question}
                count={questions.length}
                answer={question.answer}
                feedback={question.feedback}
                disabled
              />
            </li>
          ))}
        </ol>
      ) : (
        <p className="muted">
          {quiz.showCorrectAnswers === 'never'
            ? 'This quiz shows your score only, not the correct answers.'
            : 'The correct answers are not shown for this attempt.'}
        </p>
      )}
      <p data-testid="attempts-left">
        {overview.attemptsLeft === null
          ? 'You may take this quiz as often as you like.'
          : overview.attemptsLeft === 0
            ? 'You have no attempts left on this quiz.'
            : `You have ${overview.attemptsLeft} attempt${overview.attemptsLeft === 1 ? '' : 's'} left.`}
      </p>
      {isApiError(error, 'max_attempts_reached') ? (
        <Alert tone="warning" title="No attempts left">
          You have used every attempt on this quiz.
        </Alert>
      ) : (
        error !== null && <ErrorAlert error={error} title="A new attempt could not be started" />
      )}
      <div className="button-row">
        <Button variant="secondary" onClick={onExit}>
          Back to the quiz
        </Button>
        {canRetry && (
          <Button onClick={() => void retry()} busy={starting}>
            Try again
          </Button>
        )}
      </div>
    </section>
  );
}
