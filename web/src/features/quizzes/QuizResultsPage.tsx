import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import type {
  AttemptsReport,
  AuthoringQuiz,
  ItemAnalysis,
  QuizAnswer,
} from '../../../../contracts/quizzes.ts';
import { Button } from '../../components/Button.tsx';
import { EmptyState, ErrorAlert, ErrorState, LoadingState } from '../../components/Feedback.tsx';
import { TextField } from '../../components/Field.tsx';
import { Card, useDocumentTitle } from '../../components/Page.tsx';
import { formatDateTime } from '../../lib/format.ts';
import { useFieldErrors } from '../../lib/forms.ts';
import { useEditorCourse } from '../authoring/CourseEditorLayout.tsx';
import { RESULT_LABELS } from './QuestionView.tsx';
import { useAttemptsReport, useAuthoringQuiz, useGrantExtra, useItemAnalysis } from './quizzes.api.ts';

type Attempt = AttemptsReport['attempts'][number];

/** `/author/courses/:courseId/quizzes/:quizId/results`: attempts per learner, item analysis, extras. */
export function QuizResultsPage() {
  const course = useEditorCourse();
  const { quizId = '' } = useParams();
  const quiz = useAuthoringQuiz(quizId);
  const report = useAttemptsReport(quizId);
  const analysis = useItemAnalysis(quizId);
  useDocumentTitle(quiz.data ? `Results: ${quiz.data.title}` : 'Quiz results');

  const failed = [quiz, report, analysis].find((q) => q.isError);
  if (failed)
    return (
      <ErrorState
        error={failed.error}
        title="The results could not be loaded"
        onRetry={() => [quiz, report, analysis].forEach((q) => void q.refetch())}
      />
    );
  if (!quiz.data || !report.data || !analysis.data) return <LoadingState label="Loading the results…" />;

  return (
    <div className="stack quiz-results">
      <nav aria-label="Quiz breadcrumb" className="breadcrumb">
        <Link to={`/author/courses/${course.id}/quizzes`}>Quizzes</Link> <span aria-hidden="true">›</span>{' '}
        <Link to={`/author/courses/${course.id}/quizzes/${quizId}`}>{quiz.data.title}</Link>{' '}
        <span aria-hidden="true">›</span> Results
      </nav>
      <h2>Results: {quiz.data.title}</h2>
      <Attempts quiz={quiz.data} report={report.data} />
      <Analysis analysis={analysis.data} />
    </div>
  );
}

/** A learner's answer in words: option texts for choices, the text or code as written. */
function describeAnswer(quiz: AuthoringQuiz, questionId: string, answer: QuizAnswer | null): string {
  if (!answer) return '—';
  if ('choices' in answer) {
    const options = quiz.questions.find((q) => q.id === questionId)?.options ?? [];
    if (answer.choices.length === 0) return '—';
    return answer.choices.map((id) => options.find((o) => o.id === id)?.text ?? id).join(', ');
  }
  if ('text' in answer) return answer.text.trim() === '' ? '—' : answer.text;
  return answer.code.trim() === '' ? '—' : answer.code;
}

function Attempts({ quiz, report }: { quiz: AuthoringQuiz; report: AttemptsReport }) {
  // One group per learner, in the order of their first attempt.
  const learners = new Map<string, Attempt[]>();
  for (const attempt of report.attempts)
    learners.set(attempt.userId, [...(learners.get(attempt.userId) ?? []), attempt]);
  const texts = new Map(quiz.questions.map((q) => [q.id, q.questionText]));

  return (
    <Card>
      <h3>Attempts by learner</h3>
      {learners.size === 0 ? (
        <EmptyState title="Nobody has taken this quiz yet" />
      ) : (
        <ul className="quiz-admin-list">
          {[...learners.entries()].map(([userId, attempts]) => {
            const name = attempts[0]!.learnerName ?? attempts[0]!.learnerEmail ?? 'A learner';
            return (
              <li key={userId} className="quiz-learner" data-learner={userId}>
                <h4>
                  {name}
                  {attempts[0]!.learnerEmail && attempts[0]!.learnerName && (
                    <span className="muted small"> · {attempts[0]!.learnerEmail}</span>
                  )}
                  {attempts[0]!.isPreview && <span className="badge badge-muted"> Preview</span>}
                </h4>
                <div className="table-scroll">
                  <table className="quiz-table">
                    <caption className="visually-hidden">Attempts of {name}</caption>
                    <thead>
                      <tr>
                        <th scope="col">Attempt</th>
                        <th scope="col">Status</th>
                        <th scope="col">Score</th>
                        <th scope="col">Submitted</th>
                      </tr>
                    </thead>
                    <tbody>
                      {attempts.map((a) => (
                        <tr key={a.id}>
                          <th scope="row">{a.attemptNumber}</th>
                          <td>
                            {a.status === 'in_progress'
                              ? 'In progress'
                              : a.pendingCount > 0
                                ? 'Waiting for grading'
                                : a.passed
                                  ? 'Passed'
                                  : 'Not passed'}
                            {a.submitReason === 'deadline' && (
                              <span className="muted small"> (time ran out)</span>
                            )}
                          </td>
                          <td>
                            {a.score === null ? '—' : `${a.score} / ${a.pointsPossible ?? 0}`}
                            {a.percentage !== null && ` (${a.percentage} %)`}
                          </td>
                          <td>{a.submittedAt ? formatDateTime(a.submittedAt) : '—'}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
                {attempts.map((a) => (
                  <details key={a.id} className="quiz-attempt-answers">
                    <summary>
                      Answers of attempt {a.attemptNumber}
                      <span className="visually-hidden"> by {name}</span>
                    </summary>
                    <ol>
                      {a.answers.map((answer) => (
                        <li key={answer.questionId}>
                          <p className="quiz-question-text">
                            {texts.get(answer.questionId) ?? 'A deleted question'}
                          </p>
                          <p>
                            <span className="pre-wrap">
                              {describeAnswer(quiz, answer.questionId, answer.answer)}
                            </span>{' '}
                            <span className="muted small">
                              {answer.result ? RESULT_LABELS[answer.result] : 'Not graded yet'}
                              {answer.pointsEarned !== null &&
                                ` · ${answer.pointsEarned} point${answer.pointsEarned === 1 ? '' : 's'}`}
                            </span>
                          </p>
                        </li>
                      ))}
                    </ol>
                  </details>
                ))}
                {!attempts[0]!.isPreview && <GrantExtra quizId={quiz.id} userId={userId} name={name} />}
              </li>
            );
          })}
        </ul>
      )}
    </Card>
  );
}

function GrantExtra({ quizId, userId, name }: { quizId: string; userId: string; name: string }) {
  const grant = useGrantExtra(quizId);
  const [attempts, setAttempts] = useState('1');
  const [minutes, setMinutes] = useState('0');
  const { errors, show, fromServer } = useFieldErrors();
  const handleSubmit = (event: FormEvent) => {
    event.preventDefault();
    const extraAttempts = /^\d+$/.test(attempts.trim()) ? Number(attempts) : Number.NaN;
    const extraMinutes = /^\d+$/.test(minutes.trim()) ? Number(minutes) : Number.NaN;
    const problems: Record<string, string> = {};
    if (!(extraAttempts >= 0 && extraAttempts <= 10))
      problems.extraAttempts = 'Give a whole number from 0 to 10.';
    if (!(extraMinutes >= 0 && extraMinutes <= 600))
      problems.extraMinutes = 'Give a whole number of minutes from 0 to 600.';
    if (Object.keys(problems).length === 0 && extraAttempts + extraMinutes === 0)
      problems.extraAttempts = 'Grant at least one extra attempt or one extra minute.';
    if (Object.keys(problems).length > 0) return show(problems);
    grant.mutate({ userId, extraAttempts, extraMinutes }, { onError: fromServer });
  };
  return (
    <form
      onSubmit={handleSubmit}
      noValidate
      className="inline-form"
      aria-label={`Grant ${name} extra attempts or time`}
    >
      <TextField
        label="Extra attempts"
        inputMode="numeric"
        className="input input-compact"
        value={attempts}
        onChange={(e) => setAttempts(e.target.value)}
        error={errors.extraAttempts}
      />
      <TextField
        label="Extra minutes"
        inputMode="numeric"
        className="input input-compact"
        value={minutes}
        onChange={(e) => setMinutes(e.target.value)}
        error={errors.extraMinutes}
        hint="Added to each new attempt and to one in progress."
      />
      <Button type="submit" variant="secondary" busy={grant.isPending}>
        Grant<span className="visually-hidden"> to {name}</span>
      </Button>
      {grant.isSuccess && (
        <p role="status" className="small">
          Granted. {name} now has {grant.data.extraAttempts} extra attempt
          {grant.data.extraAttempts === 1 ? '' : 's'}
          {grant.data.attemptsAllowed !== null && ` (${grant.data.attemptsAllowed} in all)`} and{' '}
          {grant.data.extraMinutes} extra minutes.
        </p>
      )}
      {grant.isError && <ErrorAlert error={grant.error} title="The grant did not work" />}
    </form>
  );
}

const percent = (part: number, whole: number) =>
  whole === 0 ? '—' : `${Math.round((100 * part) / whole)} %`;

function Analysis({ analysis }: { analysis: ItemAnalysis }) {
  return (
    <Card>
      <h3>Item analysis</h3>
      <p className="muted">
        From {analysis.attempts} submitted attempt{analysis.attempts === 1 ? '' : 's'} (previews left out).
      </p>
      {analysis.questions.length === 0 ? (
        <EmptyState title="No questions yet" />
      ) : (
        <ol className="quiz-question-list">
          {analysis.questions.map((q) => (
            <li key={q.questionId} className="quiz-analysis-item" data-analysis-question={q.questionId}>
              <p className="quiz-question-text">{q.questionText}</p>
              <p className="small">
                Answered right:{' '}
                <strong>{q.correctRate === null ? '—' : `${Math.round(q.correctRate * 100)} %`}</strong> (
                {q.correct} of {q.attempts}
                {q.partial > 0 && `, ${q.partial} partly`}
                {q.pending > 0 && `, ${q.pending} waiting for grading`}) · answered by {q.answered} · average{' '}
                {q.averagePoints === null ? '—' : q.averagePoints} of {q.points} points
              </p>
              {q.options && (
                <div className="table-scroll">
                  <table className="quiz-table">
                    <caption className="visually-hidden">How often each option was chosen</caption>
                    <thead>
                      <tr>
                        <th scope="col">Option</th>
                        <th scope="col">Correct</th>
                        <th scope="col">Chosen</th>
                      </tr>
                    </thead>
                    <tbody>
                      {q.options.map((o) => (
                        <tr key={o.id}>
                          <th scope="row">{o.text}</th>
                          <td>{o.isCorrect ? 'Yes' : 'No'}</td>
                          <td>
                            {o.chosen} ({percent(o.chosen, q.attempts)})
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </li>
          ))}
        </ol>
      )}
    </Card>
  );
}
