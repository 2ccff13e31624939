import { useEffect, useRef, useState, type FormEvent } from 'react';
import { questionInputSchema, type QuestionInput } from '../../../../contracts/quizzes.ts';
import { Button } from '../../components/Button.tsx';
import { ErrorAlert } from '../../components/Feedback.tsx';
import { Checkbox, SelectField, TextArea, TextField } from '../../components/Field.tsx';
import { isApiError } from '../../lib/api.ts';
import { sentence, useFieldErrors, zodFieldErrors } from '../../lib/forms.ts';
import {
  markCorrect,
  QUESTION_TYPE_LABELS,
  toQuestionBody,
  type OptionRow,
  type QuestionForm,
  type QuestionKind,
} from './quiz-form.ts';

/**
 * One question's form: text, type, key, points, explanation and hint. The key is validated with
 * the server's own schema before sending; the server's field errors land on the same inputs.
 */
export function QuestionEditor({
  initial,
  title,
  busy,
  error,
  onSave,
  onCancel,
}: {
  initial: QuestionForm;
  title: string;
  busy: boolean;
  error: unknown;
  onSave: (body: QuestionInput) => void;
  onCancel: () => void;
}) {
  const [form, setForm] = useState(initial);
  const { errors, show } = useFieldErrors();
  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => headingRef.current?.focus(), []);

  useEffect(() => {
    if (isApiError(error, 'validation_failed'))
      show(Object.fromEntries(Object.entries(error.fieldErrors).map(([k, m]) => [k, sentence(m)])));
  }, [error, show]);

  const set = <K extends keyof QuestionForm>(key: K, value: QuestionForm[K]) =>
    setForm((f) => ({ ...f, [key]: value }));
  const setOption = (index: number, patch: Partial<OptionRow>) =>
    set(
      'options',
      form.options.map((o, i) => (i === index ? { ...o, ...patch } : o)),
    );
  const multi = form.kind === 'multi';

  const handleSubmit = (event: FormEvent) => {
    event.preventDefault();
    const body = toQuestionBody(form);
    const parsed = questionInputSchema.safeParse(body);
    if (!parsed.success) {
      show(zodFieldErrors(parsed.error, body));
      return;
    }
    onSave(parsed.data);
  };

  const changeKind = (kind: QuestionKind) => {
    // One answer only: keep the first correct option marked.
    if (kind === 'single') {
      const first = Math.max(
        0,
        form.options.findIndex((o) => o.isCorrect),
      );
      setForm((f) => ({ ...f, kind, options: markCorrect(f.options, first, false) }));
    } else set('kind', kind);
  };

  return (
    <form
      onSubmit={handleSubmit}
      noValidate
      className="stack question-editor"
      aria-labelledby="question-editor-title"
    >
      <h3 id="question-editor-title" tabIndex={-1} ref={headingRef}>
        {title}
      </h3>
      <SelectField
        label="Question type"
        name="kind"
        value={form.kind}
        onChange={(e) => changeKind(e.target.value as QuestionKind)}
      >
        {Object.entries(QUESTION_TYPE_LABELS).map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </SelectField>
      <TextArea
        label="Question"
        name="questionText"
        rows={3}
        maxLength={5000}
        value={form.questionText}
        onChange={(e) => set('questionText', e.target.value)}
        error={errors.questionText}
      />

      {(form.kind === 'single' || form.kind === 'multi') && (
        <fieldset className={errors.options ? 'field fieldset field-invalid' : 'field fieldset'}>
          <legend className="field-label">
            Options — {multi ? 'tick every correct one' : 'choose the correct one'}
          </legend>
          {errors.options && (
            <p className="field-error" role="alert">
              <span aria-hidden="true">⚠ </span>
              {errors.options}
            </p>
          )}
          <ol className="option-editor-list">
            {form.options.map((option, index) => (
              <li key={index} className="option-editor">
                <input
                  type={multi ? 'checkbox' : 'radio'}
                  name="correct-option"
                  id={`option-correct-${index}`}
                  checked={option.isCorrect}
                  onChange={() => set('options', markCorrect(form.options, index, multi))}
                />
                <label htmlFor={`option-correct-${index}`} className="visually-hidden">
                  Option {index + 1} is correct
                </label>
                <TextField
                  label={`Option ${index + 1}`}
                  name={`option-${index}`}
                  maxLength={1000}
                  value={option.text}
                  onChange={(e) => setOption(index, { text: e.target.value })}
                  error={errors[`options.${index}.text`]}
                />
                <Button
                  variant="ghost"
                  disabled={form.options.length <= 2}
                  onClick={() =>
                    set(
                      'options',
                      form.options.filter((_, i) => i !== index),
                    )
                  }
                >
                  Remove<span className="visually-hidden"> option {index + 1}</span>
                </Button>
              </li>
            ))}
          </ol>
          <Button
            variant="secondary"
            disabled={form.options.length >= 20}
            onClick={() => set('options', [...form.options, { text: '', isCorrect: false }])}
          >
            Add an option
          </Button>
        </fieldset>
      )}

      {form.kind === 'true_false' && (
        <fieldset className="field fieldset">
          <legend className="field-label">The correct answer</legend>
          <div className="radio-row">
            {[true, false].map((value) => (
              <label key={String(value)} className="radio">
                <input
                  type="radio"
                  name="correctAnswer"
                  checked={form.correctAnswer === value}
                  onChange={() => set('correctAnswer', value)}
                />
                {value ? 'True' : 'False'}
              </label>
            ))}
          </div>
        </fieldset>
      )}

      {form.kind === 'short_answer' && (
        <>
          <TextArea
            label="Accepted answers"
            name="acceptedAnswers"
            rows={3}
            value={form.acceptedAnswers}
            onChange={(e) => set('acceptedAnswers', e.target.value)}
            error={errors.acceptedAnswers ?? errors['acceptedAnswers.0']}
            hint="One per line. Spaces at the ends and repeated spaces are ignored."
          />
          <Checkbox
            label="Case-sensitive"
            hint="Off: “Paris” also accepts “paris”."
            checked={form.caseSensitive}
            onChange={(e) => set('caseSensitive', e.target.checked)}
          />
          <TextField
            label="Numeric tolerance (optional)"
            name="numericTolerance"
            inputMode="decimal"
            value={form.numericTolerance}
            onChange={(e) => set('numericTolerance', e.target.value)}
            error={errors.numericTolerance}
            hint="For number answers: 0.01 accepts 3.14 for 3.141. Leave blank to compare as text."
          />
        </>
      )}

      {form.kind === 'code' && (
        <>
          <p className="muted">
            Code answers are graded by the code judge after the attempt is submitted: points in proportion to
            the tests passed. Learners see visible tests with their results; of a hidden test only whether it
            passed.
          </p>
          <SelectField
            label="Language"
            name="programmingLanguage"
            value={form.programmingLanguage}
            onChange={(e) =>
              set('programmingLanguage', e.target.value as QuestionForm['programmingLanguage'])
            }
          >
            <option value="python">Python</option>
            <option value="javascript">JavaScript</option>
            <option value="java">Java</option>
          </SelectField>
          <TextArea
            label="Starter code"
            name="codeTemplate"
            rows={5}
            className="input textarea code-input"
            spellCheck={false}
            value={form.codeTemplate}
            onChange={(e) => set('codeTemplate', e.target.value)}
            error={errors.codeTemplate}
          />
          <fieldset className="field fieldset">
            <legend className="field-label">Tests (standard input → expected standard output)</legend>
            {form.testCases.length === 0 && <p className="muted">No tests yet.</p>}
            <ol className="test-case-list">
              {form.testCases.map((test, index) => (
                <li key={index} className="test-case">
                  <TextArea
                    label={`Test ${index + 1} input`}
                    rows={2}
                    className="input textarea code-input"
                    value={test.input}
                    onChange={(e) =>
                      set(
                        'testCases',
                        form.testCases.map((t, i) => (i === index ? { ...t, input: e.target.value } : t)),
                      )
                    }
                  />
                  <TextArea
                    label={`Test ${index + 1} expected output`}
                    rows={2}
                    className="input textarea code-input"
                    value={test.expectedOutput}
                    onChange={(e) =>
                      set(
                        'testCases',
                        form.testCases.map((t, i) =>
                          i === index ? { ...t, expectedOutput: e.target.value } : t,
                        ),
                      )
                    }
                  />
                  <Checkbox
                    label={`Hidden test ${index + 1}`}
                    hint="Learners see only whether it passed, never its input or expected output."
                    checked={test.isHidden}
                    onChange={(e) =>
                      set(
                        'testCases',
                        form.testCases.map((t, i) =>
                          i === index ? { ...t, isHidden: e.target.checked } : t,
                        ),
                      )
                    }
                  />
                  <Button
                    variant="ghost"
                    onClick={() =>
                      set(
                        'testCases',
                        form.testCases.filter((_, i) => i !== index),
                      )
                    }
                  >
                    Remove<span className="visually-hidden"> test {index + 1}</span>
                  </Button>
                </li>
              ))}
            </ol>
            <Button
              variant="secondary"
              disabled={form.testCases.length >= 50}
              onClick={() =>
                set('testCases', [...form.testCases, { input: '', expectedOutput: '', isHidden: false }])
              }
            >
              Add a test
            </Button>
          </fieldset>
        </>
      )}

      <TextField
        label="Points"
        name="points"
        inputMode="numeric"
        className="input input-compact"
        value={form.points}
        onChange={(e) => set('points', e.target.value)}
        error={errors.points}
      />
      <TextArea
        label="Hint (optional)"
        name="hint"
        rows={2}
        maxLength={2000}
        value={form.hint}
        onChange={(e) => set('hint', e.target.value)}
        error={errors.hint}
        hint="Shown to learners while they answer."
      />
      <TextArea
        label="Explanation (optional)"
        name="explanation"
        rows={3}
        maxLength={5000}
        value={form.explanation}
        onChange={(e) => set('explanation', e.target.value)}
        error={errors.explanation}
        hint="Shown with the correct answer, when the quiz’s results policy allows."
      />
      {error && !isApiError(error, 'validation_failed') ? (
        <ErrorAlert error={error} title="The question could not be saved" />
      ) : null}
      <div className="button-row">
        <Button type="submit" busy={busy}>
          Save question
        </Button>
        <Button variant="secondary" onClick={onCancel}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
