import { useId, type RefObject } from 'react';
import type { AttemptView, QuizAnswer } from '../../../../contracts/quizzes.ts';
import { toggleChoice, type AttemptQuestion } from './quiz-attempt.ts';

const VERDICT_LABELS: Record<string, string> = {
  accepted: 'Accepted',
  wrong_answer: 'Wrong answer',
  time_limit: 'Time limit exceeded',
  memory_limit: 'Memory limit exceeded',
  runtime_error: 'Runtime error',
  compile_error: 'Compilation error',
};

export type Feedback = NonNullable<AttemptView['questions'][number]['feedback']>;

export const RESULT_LABELS: Record<Feedback['result'], string> = {
  correct: 'Correct',
  partial: 'Partly correct',
  incorrect: 'Incorrect',
  unanswered: 'Not answered',
  pending: 'Waiting for grading',
};

/**
 * One question of an attempt: choices in a fieldset with the question as its legend, or a text or
 * code box labelled by it; the hint on request; the feedback when the quiz's policy sends it.
 */
export function QuestionView({
  question,
  count,
  answer,
  feedback,
  disabled,
  headingRef,
  onChange,
}: {
  question: AttemptQuestion;
  count: number;
  answer: QuizAnswer | null;
  feedback: Feedback | null;
  disabled: boolean;
  headingRef?: RefObject<HTMLHeadingElement | null>;
  onChange?: (answer: QuizAnswer) => void;
}) {
  const id = useId();
  const choices = answer && 'choices' in answer ? answer.choices : [];
  const text = answer && 'text' in answer ? answer.text : '';
  const code = answer && 'code' in answer ? answer.code : (question.codeTemplate ?? '');
  const correct = new Set(feedback?.correctOptionIds ?? []);
  const isChoice = question.options !== null;

  return (
    <div className="quiz-question" data-question-id={question.id}>
      <h3 ref={headingRef} tabIndex={-1} className="quiz-question-heading">
        Question {question.position} of {count}{' '}
        <span className="muted small">
          ({question.points} point{question.points === 1 ? '' : 's'}
          {isChoice && question.allowMultiple ? ', choose all that apply' : ''})
        </span>
      </h3>
      {isChoice ? (
        <fieldset disabled={disabled}>
          <legend className="quiz-question-text">{question.questionText}</legend>
          {question.options!.map((option) => {
            const chosen = choices.includes(option.id);
            const mark = feedback?.correctOptionIds
              ? correct.has(option.id)
                ? 'is-correct'
                : chosen
                  ? 'is-wrong'
                  : ''
              : '';
            return (
              <label key={option.id} className={`quiz-choice ${mark}`}>
                <input
                  type={question.allowMultiple ? 'checkbox' : 'radio'}
                  name={`${id}-choice`}
                  value={option.id}
                  checked={chosen}
                  onChange={() =>
                    onChange?.({ choices: toggleChoice(choices, option.id, question.allowMultiple) })
                  }
                />
                <span>
                  {option.text}
                  {mark === 'is-correct' && <span className="visually-hidden"> (correct answer)</span>}
                  {mark === 'is-wrong' && <span className="visually-hidden"> (your answer, incorrect)</span>}
                </span>
              </label>
            );
          })}
        </fieldset>
      ) : (
        <>
          <p id={`${id}-text`} className="quiz-question-text">
            {question.questionText}
          </p>
          {question.questionType === 'code' ? (
            <div className="field">
              <label htmlFor={`${id}-code`} className="field-label">
                Your code{question.programmingLanguage ? ` (${question.programmingLanguage})` : ''}
              </label>
              <textarea
                id={`${id}-code`}
                className="input textarea code-input"
                rows={10}
                spellCheck={false}
                disabled={disabled}
                aria-describedby={`${id}-text`}
                value={code}
                onChange={(e) =>
                  onChange?.({ code: e.target.value, language: question.programmingLanguage ?? undefined })
                }
              />
            </div>
          ) : (
            <div className="field">
              <label htmlFor={`${id}-answer`} className="field-label">
                Your answer
              </label>
              <input
                id={`${id}-answer`}
                className="input"
                maxLength={1000}
                autoComplete="off"
                disabled={disabled}
                aria-describedby={`${id}-text`}
                value={text}
                onChange={(e) => onChange?.({ text: e.target.value })}
              />
            </div>
          )}
        </>
      )}
      {question.hint && !feedback && (
        <details className="quiz-hint">
          <summary>Show a hint</summary>
          <p>{question.hint}</p>
        </details>
      )}
      {feedback && <FeedbackBlock feedback={feedback} question={question} />}
    </div>
  );
}

function FeedbackBlock({ feedback, question }: { feedback: Feedback; question: AttemptQuestion }) {
  const options = new Map((question.options ?? []).map((o) => [o.id, o.text]));
  return (
    <div className="quiz-feedback" role="status">
      <p>
        <strong>{RESULT_LABELS[feedback.result]}</strong> — {feedback.pointsEarned} of {question.points} point
        {question.points === 1 ? '' : 's'}
      </p>
      {feedback.correctOptionIds && feedback.correctOptionIds.length > 0 && (
        <p>
          Correct answer{feedback.correctOptionIds.length > 1 ? 's' : ''}:{' '}
          {feedback.correctOptionIds.map((id) => options.get(id) ?? id).join(', ')}
        </p>
      )}
      {feedback.acceptedAnswers && feedback.acceptedAnswers.length > 0 && (
        <p>Accepted answers: {feedback.acceptedAnswers.join(' · ')}</p>
      )}
      {feedback.verdict && (
        <p data-testid="code-verdict">
          Judge verdict: <strong>{VERDICT_LABELS[feedback.verdict] ?? feedback.verdict}</strong>
        </p>
      )}
      {feedback.testResults && feedback.testResults.length > 0 && (
        <ul className="quiz-test-results" aria-label="Test results">
          {feedback.testResults.map((r) => (
            <li key={r.index}>
              {r.hidden ? 'Hidden test' : 'Test'} {r.index + 1}: {r.passed ? 'passed' : 'failed'} (
              {r.executionTimeMs} ms)
              {!r.hidden && !r.passed && r.output !== undefined && (
                <>
                  {' '}
                  — your output: <code>{r.output}</code>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      {feedback.testCases && feedback.testCases.length > 0 && (
        <details>
          <summary>Visible tests</summary>
          <ul>
            {feedback.testCases.map((test, i) => (
              <li key={i}>
                <code>{test.input}</code> → <code>{test.expectedOutput}</code>
              </li>
            ))}
          </ul>
        </details>
      )}
      {feedback.explanation && <p className="pre-wrap">{feedback.explanation}</p>}
    </div>
  );
}
