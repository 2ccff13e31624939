import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import {
  createLessonSchema,
  type AuthoringLesson,
  type AuthoringSection,
} from '../../../../contracts/authoring.ts';
import { Button, ButtonLink } from '../../components/Button.tsx';
import { Alert, EmptyState } from '../../components/Feedback.tsx';
import { Checkbox, SelectField, TextArea, TextField } from '../../components/Field.tsx';
import { Card, useDocumentTitle } from '../../components/Page.tsx';
import { describeError, isApiError } from '../../lib/api.ts';
import { sentence, useFieldErrors, zodFieldErrors } from '../../lib/forms.ts';
import { useCreateQuiz } from '../quizzes/quizzes.api.ts';
import { useCurriculumMutations, useUpdateLesson } from './authoring.api.ts';
import { useEditorCourse } from './CourseEditorLayout.tsx';
import {
  AUTHORED_TYPES,
  emptyLessonForm,
  formatBytes,
  isAuthoredType,
  LESSON_TYPE_LABELS,
  mapLessonErrors,
  toCommonLessonBody,
  toCreateLessonBody,
  toLessonForm,
  toUpdateLessonBody,
  type LessonFormState,
  type ResourceRow,
} from './lesson-form.ts';
import { MarkdownEditor } from './MarkdownEditor.tsx';
import { UnsavedChangesGuard } from './unsaved.tsx';
import { renderUpload } from './uploads.tsx';

/** A lesson's editor: `lessons/new?section=<id>` adds one, `lessons/<id>` edits it. */
export function LessonEditorPage() {
  const course = useEditorCourse();
  const { lessonId = '' } = useParams();
  const [params] = useSearchParams();
  const curriculum = `/author/courses/${course.id}/curriculum`;

  if (lessonId === 'new') {
    const section = course.sections.find((s) => s.id === params.get('section'));
    if (!section)
      return <MissingLesson curriculum={curriculum} what="This section does not exist any more" />;
    return <LessonForm key={`new-${section.id}`} courseId={course.id} section={section} />;
  }
  const section = course.sections.find((s) => s.lessons.some((l) => l.id === lessonId));
  const lesson = section?.lessons.find((l) => l.id === lessonId);
  if (!section || !lesson)
    return <MissingLesson curriculum={curriculum} what="This lesson does not exist any more" />;
  return <LessonForm key={lesson.id} courseId={course.id} section={section} lesson={lesson} />;
}

function MissingLesson({ curriculum, what }: { curriculum: string; what: string }) {
  useDocumentTitle('Lesson not found');
  return (
    <EmptyState title={what}>
      <ButtonLink to={curriculum} variant="secondary">
        Back to the curriculum
      </ButtonLink>
    </EmptyState>
  );
}

function LessonForm({
  courseId,
  section,
  lesson,
}: {
  courseId: string;
  section: AuthoringSection;
  lesson?: AuthoringLesson;
}) {
  const isNew = lesson === undefined;
  const lessonId = lesson?.id;
  useDocumentTitle(isNew ? 'New lesson' : `Edit lesson: ${lesson.title}`);
  const initial = lesson ? toLessonForm(lesson) : emptyLessonForm();
  const [form, setForm] = useState<LessonFormState>(initial);
  const [baseline, setBaseline] = useState(initial);
  const [savedNotice, setSavedNotice] = useState(false);
  const { errors, show, setErrors } = useFieldErrors();
  const { createLesson } = useCurriculumMutations(courseId);
  const updateLesson = useUpdateLesson(courseId);
  const save = isNew ? createLesson : updateLesson;
  const navigate = useNavigate();
  const curriculum = `/author/courses/${courseId}/curriculum`;
  // A new lesson may become any type authored here, or a quiz (whose questions have their own editor).
  const authored = isNew || isAuthoredType(form.contentType);
  const isQuiz = form.contentType === 'quiz';
  const createQuiz = useCreateQuiz(courseId);
  const isDirty = JSON.stringify(form) !== JSON.stringify(baseline);

  const set = <K extends keyof LessonFormState>(key: K, value: LessonFormState[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    setSavedNotice(false);
  };

  const handleServerError = (error: unknown) => {
    if (!isApiError(error, 'validation_failed')) return;
    const fields = Object.fromEntries(Object.entries(error.fieldErrors).map(([k, m]) => [k, sentence(m)]));
    show(mapLessonErrors(fields));
  };

  const handleSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (!authored) {
      if (form.title.trim() === '') return show({ title: 'This field is required.' });
      updateLesson.mutate(
        { lessonId: lesson!.id, body: toCommonLessonBody(form) },
        { onSuccess: afterSave, onError: handleServerError },
      );
      return;
    }
    const body = toCreateLessonBody(form);
    const parsed = createLessonSchema.safeParse(body);
    if (!parsed.success) {
      const problems = mapLessonErrors(zodFieldErrors(parsed.error, body));
      // "expected number, received NaN" says little: say what to type.
      if (problems.duration)
        problems.duration = 'Give the length in whole minutes and seconds (at least 1 second).';
      show(problems);
      return;
    }
    if (isNew) {
      createLesson.mutate(
        { sectionId: section.id, body: parsed.data },
        {
          onSuccess: (created) => {
            setBaseline(form);
            // A quiz lesson goes on to its quiz (created now); the others back to the curriculum.
            if (created.contentType === 'quiz') {
              const quizPage = `/author/courses/${courseId}/quizzes/for-lesson/${created.id}`;
              createQuiz.mutate(
                { title: created.title, lessonId: created.id },
                { onSettled: () => void navigate(quizPage, { replace: true }) },
              );
            } else void navigate(curriculum, { replace: true });
          },
          onError: handleServerError,
        },
      );
    } else {
      updateLesson.mutate(
        { lessonId: lesson.id, body: toUpdateLessonBody(form) },
        { onSuccess: afterSave, onError: handleServerError },
      );
    }
  };

  function afterSave(saved: AuthoringLesson) {
    const next = toLessonForm(saved);
    setForm(next);
    setBaseline(next);
    setErrors({});
    setSavedNotice(true);
  }

  const serverProblem = save.isError && !isApiError(save.error, 'validation_failed');

  return (
    <form onSubmit={handleSubmit} noValidate className="editor-form" aria-labelledby="lesson-editor-title">
      <UnsavedChangesGuard when={isDirty && !save.isPending && !save.isSuccess} />
      <nav aria-label="Lesson breadcrumb" className="breadcrumb">
        <Link to={curriculum}>Curriculum</Link> <span aria-hidden="true">›</span> {section.title}
      </nav>
      <h2 id="lesson-editor-title">
        {isNew ? `New lesson in “${section.title}”` : `Lesson: ${lesson.title}`}
      </h2>

      <Card>
        <div className="stack">
          <TextField
            label="Lesson title"
            name="title"
            maxLength={200}
            autoFocus={isNew}
            value={form.title}
            onChange={(e) => set('title', e.target.value)}
            error={errors.title}
          />
          <SelectField
            label="Lesson type"
            name="contentType"
            value={form.contentType}
            disabled={!authored}
            onChange={(e) => set('contentType', e.target.value)}
            error={errors.contentType}
            hint={
              authored
                ? 'Quizzes, assignments, code challenges and interactive (SCORM) lessons get their own editors.'
                : 'This lesson’s content is edited in its own editor; here you change its title, description and preview.'
            }
          >
            {(authored ? [...AUTHORED_TYPES, ...(isNew ? ['quiz'] : [])] : [form.contentType]).map((type) => (
              <option key={type} value={type}>
                {LESSON_TYPE_LABELS[type] ?? type}
              </option>
            ))}
          </SelectField>
          <TextArea
            label="Short description"
            name="description"
            rows={2}
            maxLength={5000}
            value={form.description}
            onChange={(e) => set('description', e.target.value)}
            error={errors.description}
            hint="Shown in the course outline under the lesson’s title."
          />
          <Checkbox
            label="Free preview"
            hint="Anyone can watch or read it from the landing page, without enrolling."
            checked={form.isPreview}
            onChange={(e) => set('isPreview', e.target.checked)}
          />
        </div>
      </Card>

      {form.contentType === 'video' && (
        <Card>
          <h3>Video</h3>
          <div className="stack">
            <TextField
              label="Video URL"
              name="videoUrl"
              type="url"
              inputMode="url"
              placeholder="https://…"
              value={form.videoUrl}
              onChange={(e) => set('videoUrl', e.target.value)}
              error={errors.videoUrl}
              hint="A link to an MP4 or WebM file, or upload one below."
            />
            {renderUpload({
              courseId,
              purpose: 'lesson_video',
              lessonId,
              onUploaded: (file) => set('videoUrl', file.url),
            })}
            <DurationField form={form} set={set} error={errors.duration} required />
            <MarkdownEditor
              label="Notes or transcript (optional)"
              name="articleContent"
              rows={6}
              value={form.articleContent}
              onChange={(value) => set('articleContent', value)}
              error={errors.articleContent}
            />
          </div>
        </Card>
      )}

      {form.contentType === 'article' && (
        <Card>
          <h3>Article</h3>
          <div className="stack">
            <MarkdownEditor
              label="Article"
              name="articleContent"
              rows={16}
              value={form.articleContent}
              onChange={(value) => set('articleContent', value)}
              error={errors.articleContent}
            />
            <DurationField form={form} set={set} error={errors.duration} label="Reading time (optional)" />
          </div>
        </Card>
      )}

      {form.contentType === 'resources' && (
        <Card>
          <h3>Introduction</h3>
          <MarkdownEditor
            label="Introduction to the files (optional)"
            name="articleContent"
            rows={5}
            value={form.articleContent}
            onChange={(value) => set('articleContent', value)}
            error={errors.articleContent}
          />
        </Card>
      )}

      {isQuiz && (
        <Card>
          <h3>Quiz</h3>
          {isNew ? (
            <p>After you add the lesson, its quiz opens: settings, questions and answers.</p>
          ) : (
            <ButtonLink
              to={`/author/courses/${courseId}/quizzes/for-lesson/${lesson.id}`}
              variant="secondary"
            >
              Edit the quiz
            </ButtonLink>
          )}
        </Card>
      )}

      {authored && !isQuiz && (
        <ResourcesEditor
          courseId={courseId}
          lessonId={lessonId}
          rows={form.resources}
          onChange={(rows) => set('resources', rows)}
          errors={errors}
          required={form.contentType === 'resources'}
        />
      )}

      <div className="sticky-actions">
        <Button type="submit" busy={save.isPending || createQuiz.isPending} disabled={!isNew && !isDirty}>
          {isNew ? 'Add lesson' : 'Save lesson'}
        </Button>
        <ButtonLink to={curriculum} variant="secondary">
          Back to the curriculum
        </ButtonLink>
        {isDirty && !isNew ? (
          <span className="unsaved">Unsaved changes</span>
        ) : savedNotice ? (
          <span role="status">Lesson saved.</span>
        ) : null}
      </div>
      {serverProblem && (
        <Alert tone="error" title="The lesson could not be saved">
          {describeError(save.error)}
        </Alert>
      )}
    </form>
  );
}

function DurationField({
  form,
  set,
  error,
  label = 'Duration',
  required = false,
}: {
  form: LessonFormState;
  set: <K extends keyof LessonFormState>(key: K, value: LessonFormState[K]) => void;
  error?: string;
  label?: string;
  required?: boolean;
}) {
  return (
    <fieldset
      className={error ? 'field fieldset field-invalid' : 'field fieldset'}
      aria-describedby={error ? 'duration-error' : undefined}
    >
      <legend className="field-label">{label}</legend>
      <div className="input-group duration-group">
        <TextField
          label="Minutes"
          name="minutes"
          inputMode="numeric"
          className="input input-compact"
          value={form.minutes}
          required={required}
          aria-invalid={error ? true : undefined}
          onChange={(e) => set('minutes', e.target.value)}
        />
        <TextField
          label="Seconds"
          name="seconds"
          inputMode="numeric"
          className="input input-compact"
          value={form.seconds}
          aria-invalid={error ? true : undefined}
          onChange={(e) => set('seconds', e.target.value)}
        />
      </div>
      {error && (
        <p id="duration-error" className="field-error">
          <span aria-hidden="true">⚠ </span>
          {error}
        </p>
      )}
    </fieldset>
  );
}

/** Downloadable files of a lesson: each with a name, a link (or upload), and optionally size and type. */
function ResourcesEditor({
  courseId,
  lessonId,
  rows,
  onChange,
  errors,
  required,
}: {
  courseId: string;
  lessonId: string | undefined;
  rows: ResourceRow[];
  onChange: (rows: ResourceRow[]) => void;
  errors: Record<string, string>;
  required: boolean;
}) {
  const update = (index: number, patch: Partial<ResourceRow>) =>
    onChange(rows.map((row, i) => (i === index ? { ...row, ...patch } : row)));
  const focusLast = () =>
    requestAnimationFrame(() =>
      document.querySelector<HTMLInputElement>('.resource-item:last-child input')?.focus(),
    );

  return (
    <Card>
      <h3>Downloadable files</h3>
      <p className="muted">
        {required
          ? 'This lesson is a set of files: add at least one.'
          : 'Slides, worksheets or code that go with the lesson (optional).'}
      </p>
      {errors.resources && (
        <p className="field-error" role="alert">
          <span aria-hidden="true">⚠ </span>
          {errors.resources}
        </p>
      )}
      {rows.length > 0 && (
        <ol className="resource-list" aria-label="Files">
          {rows.map((row, index) => {
            const error = (field: string) => errors[`resources.${index}.${field}`];
            const size = Number(row.size);
            return (
              <li key={index} className="resource-item">
                <TextField
                  label={`File ${index + 1} name`}
                  name={`resources.${index}.name`}
                  maxLength={200}
                  value={row.name}
                  onChange={(e) => update(index, { name: e.target.value })}
                  error={error('name')}
                />
                <TextField
                  label={`File ${index + 1} URL`}
                  name={`resources.${index}.url`}
                  type="url"
                  inputMode="url"
                  placeholder="https://…"
                  value={row.url}
                  onChange={(e) => update(index, { url: e.target.value })}
                  error={error('url')}
                />
                <TextField
                  label={`File ${index + 1} size (bytes)`}
                  name={`resources.${index}.size`}
                  inputMode="numeric"
                  value={row.size}
                  onChange={(e) => update(index, { size: e.target.value })}
                  error={error('size')}
                  hint={row.size && Number.isFinite(size) ? formatBytes(size) : undefined}
                />
                <TextField
                  label={`File ${index + 1} type`}
                  name={`resources.${index}.type`}
                  placeholder="application/pdf"
                  maxLength={100}
                  value={row.type}
                  onChange={(e) => update(index, { type: e.target.value })}
                  error={error('type')}
                />
                <Button variant="ghost" onClick={() => onChange(rows.filter((_, i) => i !== index))}>
                  Remove<span className="visually-hidden"> file {index + 1}</span>
                </Button>
              </li>
            );
          })}
        </ol>
      )}
      <div className="button-row">
        <Button
          variant="secondary"
          disabled={rows.length >= 50}
          onClick={() => {
            onChange([...rows, { name: '', url: '', size: '', type: '' }]);
            focusLast();
          }}
        >
          Add a file by URL
        </Button>
        {renderUpload({
          courseId,
          purpose: 'lesson_resource',
          lessonId,
          onUploaded: (file) =>
            onChange([
              ...rows,
              { name: file.name, url: file.url, size: String(file.sizeBytes), type: file.contentType },
            ]),
        })}
      </div>
    </Card>
  );
}
