import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import {
  CATEGORIES,
  challengeInputSchema,
  DIFFICULTIES,
  LANGUAGES,
  type AuthoringChallenge,
  type ChallengeInput,
  type Language,
  type TestCase,
} from '../../../../contracts/challenges.ts';
import { Button, ButtonLink } from '../../components/Button.tsx';
import { ConfirmDialog } from '../../components/Dialog.tsx';
import {
  Alert,
  EmptyState,
  ErrorAlert,
  ErrorState,
  LoadingState,
  QueryView,
} from '../../components/Feedback.tsx';
import { Checkbox, SelectField, TextArea, TextField } from '../../components/Field.tsx';
import { PageHeader, useDocumentTitle } from '../../components/Page.tsx';
import { useAuthoringCourse } from '../authoring/authoring.api.ts';
import {
  useAuthoringChallenge,
  useCourseChallenges,
  useDeleteChallenge,
  usePublishChallenge,
  useSaveChallenge,
} from './challenges.api.ts';
import { VERDICT_TEXT } from './ChallengePage.tsx';
import { LazyCodeEditor } from './LazyCodeEditor.tsx';
import './challenges.css';

const LANGUAGE_NAMES: Record<Language, string> = { python: 'Python', javascript: 'JavaScript', java: 'Java' };
const STATUS_TEXT: Record<AuthoringChallenge['status'], string> = {
  draft: 'Draft',
  checking: 'Checking the solution…',
  published: 'Published',
  check_failed: 'Check failed',
};

/** A course's code challenges, linked from the course editor. */
export function CourseChallengesPage() {
  const { courseId = '' } = useParams();
  const course = useAuthoringCourse(courseId);
  const list = useCourseChallenges(courseId);
  const remove = useDeleteChallenge(courseId);
  const [deleting, setDeleting] = useState<{ id: string; title: string } | null>(null);
  useDocumentTitle(course.data ? `Challenges: ${course.data.title}` : 'Code challenges');
  return (
    <QueryView query={list} loading="Loading the challenges…">
      {(data) => {
        const live = data.challenges.filter((c) => c.deletedAt === null);
        return (
          <div className="ch-page">
            <p>
              <Link to={`/author/courses/${courseId}`}>← Back to the course editor</Link>
            </p>
            <PageHeader
              title="Code challenges"
              lead={course.data?.title}
              actions={
                <ButtonLink to={`/author/courses/${courseId}/challenges/new`}>New challenge</ButtonLink>
              }
            />
            <ErrorAlert error={remove.error} title="The challenge was not deleted" />
            {live.length === 0 ? (
              <EmptyState title="No challenges yet">
                Add a code lesson in the curriculum, then create a challenge for it here.
              </EmptyState>
            ) : (
              <ul className="ch-list">
                {live.map((c) => (
                  <li key={c.id}>
                    <span>
                      <Link to={`/author/courses/${courseId}/challenges/${c.id}`}>{c.title}</Link>{' '}
                      <span className="muted">
                        {c.difficulty} · {c.supportedLanguages.map((l) => LANGUAGE_NAMES[l]).join(', ')}
                      </span>
                    </span>
                    <span className={`badge ${c.status === 'published' ? 'badge-success' : 'badge-muted'}`}>
                      {STATUS_TEXT[c.status]}
                    </span>
                    <Button variant="danger" onClick={() => setDeleting({ id: c.id, title: c.title })}>
                      Delete<span className="visually-hidden"> {c.title}</span>
                    </Button>
                  </li>
                ))}
              </ul>
            )}
            <ConfirmDialog
              open={deleting !== null}
              title={`Delete “${deleting?.title ?? ''}”?`}
              confirmLabel="Delete"
              tone="danger"
              busy={remove.isPending}
              onCancel={() => setDeleting(null)}
              onConfirm={() => deleting && remove.mutate(deleting.id, { onSettled: () => setDeleting(null) })}
            >
              Learners will no longer see it. Their submissions are kept.
            </ConfirmDialog>
          </div>
        );
      }}
    </QueryView>
  );
}

function blankInput(): ChallengeInput {
  return {
    lessonId: null,
    title: '',
    description: '',
    difficulty: 'easy',
    category: null,
    problemStatement: '',
    examples: null,
    constraints: null,
    supportedLanguages: ['python'],
    starterCode: {},
    solutionCode: {},
    testCases: [{ input: '', expectedOutput: '', isHidden: false }],
    timeLimitMs: 2000,
    memoryLimitMb: 256,
    points: 100,
  };
}

function toInput(c: AuthoringChallenge): ChallengeInput {
  return {
    lessonId: c.lessonId,
    title: c.title,
    description: c.description,
    difficulty: c.difficulty,
    category: c.category,
    problemStatement: c.problemStatement,
    examples: c.examples,
    constraints: c.constraints,
    supportedLanguages: c.supportedLanguages,
    starterCode: c.starterCode,
    solutionCode: c.solutionCode,
    testCases: c.testCases,
    timeLimitMs: c.timeLimitMs,
    memoryLimitMb: c.memoryLimitMb,
    points: c.points,
  };
}

/** Create (`new`) or edit a challenge, and ask for publication. */
export function ChallengeEditorPage() {
  const { courseId = '', challengeId = 'new' } = useParams();
  const isNew = challengeId === 'new';
  const query = useAuthoringChallenge(isNew ? undefined : challengeId);
  useDocumentTitle(isNew ? 'New challenge' : (query.data?.title ?? 'Edit challenge'));
  if (!isNew && query.isPending) return <LoadingState label="Loading the challenge…" />;
  if (!isNew && query.isError) return <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
  return (
    <ChallengeForm
      key={query.data?.id ?? 'new'}
      courseId={courseId}
      saved={query.data}
      initial={query.data ? toInput(query.data) : blankInput()}
    />
  );
}

function ChallengeForm({
  courseId,
  saved,
  initial,
}: {
  courseId: string;
  saved: AuthoringChallenge | undefined;
  initial: ChallengeInput;
}) {
  const navigate = useNavigate();
  const [form, setForm] = useState<ChallengeInput>(initial);
  const [problems, setProblems] = useState<string[]>([]);
  const course = useAuthoringCourse(courseId);
  const save = useSaveChallenge(courseId, saved?.id);
  const publish = usePublishChallenge(courseId, saved?.id ?? '');
  const set = <K extends keyof ChallengeInput>(key: K, value: ChallengeInput[K]) =>
    setForm((f) => ({ ...f, [key]: value }));
  const codeLessons =
    course.data?.sections.flatMap((s) => s.lessons.filter((l) => l.contentType === 'code')) ?? [];

  const handleSubmit = (event: FormEvent) => {
    event.preventDefault();
    const parsed = challengeInputSchema.safeParse(form);
    if (!parsed.success) {
      setProblems(parsed.error.issues.map((i) => `${i.path.join('.') || 'form'}: ${i.message}`));
      return;
    }
    setProblems([]);
    save.mutate(parsed.data, {
      onSuccess: (c) => {
        if (!saved) void navigate(`/author/courses/${courseId}/challenges/${c.id}`, { replace: true });
      },
    });
  };

  const toggleLanguage = (language: Language, on: boolean) =>
    set(
      'supportedLanguages',
      on
        ? LANGUAGES.filter((l) => l === language || form.supportedLanguages.includes(l))
        : form.supportedLanguages.filter((l) => l !== language),
    );
  const setTest = (index: number, patch: Partial<TestCase>) =>
    set(
      'testCases',
      form.testCases.map((t, i) => (i === index ? { ...t, ...patch } : t)),
    );

  return (
    <div className="ch-page">
      <p>
        <Link to={`/author/courses/${courseId}/challenges`}>← All challenges of this course</Link>
      </p>
      <PageHeader
        title={saved ? saved.title : 'New challenge'}
        lead={
          saved
            ? `Status: ${STATUS_TEXT[saved.status]}`
            : 'Saved as a draft; publish it once the solution passes.'
        }
      />
      {saved && (
        <PublishPanel challenge={saved} onPublish={(a) => publish.mutate(a)} busy={publish.isPending} />
      )}
      <ErrorAlert error={publish.error} title="The request failed" />
      <form className="ch-form" onSubmit={handleSubmit} noValidate>
        <fieldset>
          <legend>About</legend>
          <TextField
            label="Title"
            required
            value={form.title}
            onChange={(e) => set('title', e.target.value)}
          />
          <TextField
            label="Short description"
            value={form.description}
            onChange={(e) => set('description', e.target.value)}
          />
          <SelectField
            label="Difficulty"
            value={form.difficulty}
            onChange={(e) => set('difficulty', e.target.value as ChallengeInput['difficulty'])}
          >
            {DIFFICULTIES.map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </SelectField>
          <SelectField
            label="Category"
            value={form.category ?? ''}
            onChange={(e) => set('category', (e.target.value || null) as ChallengeInput['category'])}
          >
            <option value="">None</option>
            {CATEGORIES.map((c) => (
              <option key={c} value={c}>
                {c.replace('_', ' ')}
              </option>
            ))}
          </SelectField>
          <SelectField
            label="Code lesson"
            hint="Learners open the challenge from this lesson; an accepted submission completes it."
            value={form.lessonId ?? ''}
            onChange={(e) => set('lessonId', e.target.value || null)}
          >
            <option value="">Not attached to a lesson</option>
            {codeLessons.map((l) => (
              <option key={l.id} value={l.id}>
                {l.title}
              </option>
            ))}
          </SelectField>
        </fieldset>
        <fieldset>
          <legend>Problem</legend>
          <TextArea
            label="Statement (Markdown)"
            rows={8}
            required
            value={form.problemStatement}
            onChange={(e) => set('problemStatement', e.target.value)}
          />
          <TextArea
            label="Examples"
            rows={3}
            value={form.examples ?? ''}
            onChange={(e) => set('examples', e.target.value || null)}
          />
          <TextArea
            label="Constraints"
            rows={3}
            value={form.constraints ?? ''}
            onChange={(e) => set('constraints', e.target.value || null)}
          />
        </fieldset>
        <fieldset>
          <legend>Languages and code</legend>
          {LANGUAGES.map((language) => (
            <Checkbox
              key={language}
              label={LANGUAGE_NAMES[language]}
              checked={form.supportedLanguages.includes(language)}
              onChange={(e) => toggleLanguage(language, e.target.checked)}
            />
          ))}
          {form.supportedLanguages.map((language) => (
            <div key={language}>
              <h3>{LANGUAGE_NAMES[language]}</h3>
              <p className="field-label">Starter code</p>
              <LazyCodeEditor
                id={`starter-${language}`}
                language={language}
                value={form.starterCode[language] ?? ''}
                onChange={(v) => set('starterCode', { ...form.starterCode, [language]: v })}
                label={`${LANGUAGE_NAMES[language]} starter code`}
                minHeight="120px"
              />
              <p className="field-label">Solution (never shown to learners)</p>
              <LazyCodeEditor
                id={`solution-${language}`}
                language={language}
                value={form.solutionCode[language] ?? ''}
                onChange={(v) => set('solutionCode', { ...form.solutionCode, [language]: v })}
                label={`${LANGUAGE_NAMES[language]} solution`}
                minHeight="160px"
              />
            </div>
          ))}
        </fieldset>
        <fieldset>
          <legend>Tests</legend>
          <p className="field-hint">
            Programs read the input on standard input; output is compared ignoring trailing whitespace.
            Learners see visible tests in full; of hidden tests only whether they passed and the time.
          </p>
          {form.testCases.map((t, i) => (
            <div key={i} className="ch-testcase">
              <TextArea
                label={`Test ${i + 1}: input`}
                rows={3}
                value={t.input}
                onChange={(e) => setTest(i, { input: e.target.value })}
              />
              <TextArea
                label={`Test ${i + 1}: expected output`}
                rows={3}
                value={t.expectedOutput}
                onChange={(e) => setTest(i, { expectedOutput: e.target.value })}
              />
              <div className="ch-testcase-actions">
                <Checkbox
                  label="Hidden"
                  checked={t.isHidden}
                  onChange={(e) => setTest(i, { isHidden: e.target.checked })}
                />
                <Button
                  variant="ghost"
                  disabled={form.testCases.length === 1}
                  onClick={() =>
                    set(
                      'testCases',
                      form.testCases.filter((_, j) => j !== i),
                    )
                  }
                >
                  Remove<span className="visually-hidden"> test {i + 1}</span>
                </Button>
              </div>
            </div>
          ))}
          <Button
            variant="secondary"
            onClick={() =>
              set('testCases', [...form.testCases, { input: '', expectedOutput: '', isHidden: true }])
            }
          >
            Add a test
          </Button>
        </fieldset>
        <fieldset>
          <legend>Limits and scoring</legend>
          <TextField
            label="CPU time per test (ms)"
            type="number"
            min={100}
            max={10000}
            value={form.timeLimitMs}
            onChange={(e) => set('timeLimitMs', Number(e.target.value))}
          />
          <TextField
            label="Memory (MB)"
            type="number"
            min={32}
            max={1024}
            value={form.memoryLimitMb}
            onChange={(e) => set('memoryLimitMb', Number(e.target.value))}
          />
          <TextField
            label="Points"
            type="number"
            min={0}
            max={10000}
            value={form.points}
            onChange={(e) => set('points', Number(e.target.value))}
          />
        </fieldset>
        {problems.length > 0 && (
          <Alert tone="error" title="Fix these before saving">
            <ul>
              {problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          </Alert>
        )}
        <ErrorAlert error={save.error} title="The challenge was not saved" />
        {saved?.status === 'published' && (
          <Alert tone="info">
            Saving changes to tests, solutions, languages or limits unpublishes it until checked again.
          </Alert>
        )}
        <div className="ch-actions">
          <Button type="submit" busy={save.isPending}>
            {saved ? 'Save changes' : 'Create challenge'}
          </Button>
        </div>
      </form>
    </div>
  );
}

function PublishPanel({
  challenge,
  onPublish,
  busy,
}: {
  challenge: AuthoringChallenge;
  onPublish: (action: 'publish' | 'unpublish') => void;
  busy: boolean;
}) {
  const check = challenge.publishCheck;
  return (
    <section className="ch-statement" aria-labelledby="ch-publish-title" aria-live="polite">
      <h2 id="ch-publish-title">Publication</h2>
      {challenge.status === 'published' ? (
        <>
          <p>Published: learners enrolled in the course can solve it.</p>
          <Button variant="secondary" onClick={() => onPublish('unpublish')} busy={busy}>
            Unpublish
          </Button>
        </>
      ) : challenge.status === 'checking' ? (
        <p role="status">The judge is running your solution on every test in every language…</p>
      ) : (
        <>
          <p>
            Publishing runs your solution on every test in every supported language; it is published only when
            all pass.
          </p>
          <Button onClick={() => onPublish('publish')} busy={busy}>
            Check and publish
          </Button>
        </>
      )}
      {check && (
        <ul>
          {check.languages.map((l) => (
            <li key={l.language}>
              {LANGUAGE_NAMES[l.language]}: {VERDICT_TEXT[l.verdict] ?? l.verdict.replace('_', ' ')} (
              {l.passedTests}/{l.totalTests} tests)
              {l.message && <pre className="ch-pre">{l.message}</pre>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
