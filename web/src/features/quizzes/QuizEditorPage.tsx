import {
  closestCenter,
  DndContext,
  KeyboardSensor,
  PointerSensor,
  useSensor,
  useSensors,
} from '@dnd-kit/core';
import type { Announcements, DragEndEvent } from '@dnd-kit/core';
import {
  SortableContext,
  sortableKeyboardCoordinates,
  useSortable,
  verticalListSortingStrategy,
} from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import {
  updateQuizSchema,
  type AuthoringQuestion,
  type AuthoringQuiz,
} from '../../../../contracts/quizzes.ts';
import { Button, ButtonLink } from '../../components/Button.tsx';
import { ConfirmDialog } from '../../components/Dialog.tsx';
import { Alert, EmptyState, ErrorAlert, QueryView } from '../../components/Feedback.tsx';
import { Checkbox, SelectField, TextArea, TextField } from '../../components/Field.tsx';
import { Card, useDocumentTitle } from '../../components/Page.tsx';
import { isApiError } from '../../lib/api.ts';
import { formatCount } from '../../lib/format.ts';
import { useFieldErrors } from '../../lib/forms.ts';
import { useEditorCourse } from '../authoring/CourseEditorLayout.tsx';
import { QuestionEditor } from './QuestionEditor.tsx';
import {
  emptyQuestionForm,
  kindOf,
  moveItem,
  QUESTION_TYPE_LABELS,
  QUIZ_TYPE_LABELS,
  SHOW_ANSWERS_LABELS,
  toQuestionForm,
  toSettingsBody,
  toSettingsForm,
  type QuizSettingsForm,
} from './quiz-form.ts';
import { useAuthoringQuiz, useQuizMutations } from './quizzes.api.ts';

/** `/author/courses/:courseId/quizzes/:quizId`: a quiz's settings and its questions. */
export function QuizEditorPage() {
  const course = useEditorCourse();
  const { quizId = '' } = useParams();
  const query = useAuthoringQuiz(quizId);
  useDocumentTitle(query.data ? `Quiz: ${query.data.title}` : 'Quiz editor');

  return (
    <QueryView
      query={query}
      loading="Loading the quiz…"
      errorTitle="The quiz could not be loaded"
      notFound={
        <EmptyState title="This quiz does not exist any more">
          <ButtonLink to={`/author/courses/${course.id}/quizzes`} variant="secondary">
            Back to the quizzes
          </ButtonLink>
        </EmptyState>
      }
    >
      {(quiz) => <QuizEditor key={quiz.id} courseId={course.id} quiz={quiz} />}
    </QueryView>
  );
}

function QuizEditor({ courseId, quiz }: { courseId: string; quiz: AuthoringQuiz }) {
  const course = useEditorCourse();
  const lesson = course.sections.flatMap((s) => s.lessons).find((l) => l.id === quiz.lessonId);
  // Owners try their quiz where learners take it (their attempts are previews, never counted).
  const previewUrl = lesson ? `/learn/${course.slug}/${lesson.id}` : `/quizzes/${quiz.id}`;
  return (
    <div className="editor-form quiz-editor">
      <nav aria-label="Quiz breadcrumb" className="breadcrumb">
        <Link to={`/author/courses/${courseId}/quizzes`}>Quizzes</Link> <span aria-hidden="true">›</span>{' '}
        {quiz.title}
      </nav>
      <h2>Quiz: {quiz.title}</h2>
      <p className="muted">
        {lesson ? (
          <>
            The quiz of the lesson{' '}
            <Link to={`/author/courses/${courseId}/lessons/${lesson.id}`}>{lesson.title}</Link>.{' '}
          </>
        ) : (
          'A course-level quiz. '
        )}
        {formatCount(quiz.questionCount, 'question', 'questions')},{' '}
        {formatCount(quiz.totalPoints, 'point', 'points')}.{' '}
        <Link to={`/author/courses/${courseId}/quizzes/${quiz.id}/results`}>Attempts and item analysis</Link>{' '}
        · <Link to={previewUrl}>Try it as a learner</Link>
      </p>
      {quiz.deletedAt && (
        <Alert tone="warning" title="This quiz is in the trash">
          Learners cannot take it.
        </Alert>
      )}
      <QuizSettings courseId={courseId} quiz={quiz} />
      <QuestionList courseId={courseId} quiz={quiz} />
      <DeleteQuiz courseId={courseId} quiz={quiz} />
    </div>
  );
}

function QuizSettings({ courseId, quiz }: { courseId: string; quiz: AuthoringQuiz }) {
  const { update } = useQuizMutations(courseId, quiz.id);
  const [form, setForm] = useState<QuizSettingsForm>(() => toSettingsForm(quiz));
  const [saved, setSaved] = useState(false);
  const { errors, validate, fromServer } = useFieldErrors();
  const set = <K extends keyof QuizSettingsForm>(key: K, value: QuizSettingsForm[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    setSaved(false);
  };

  const handleSubmit = (event: FormEvent) => {
    event.preventDefault();
    const body = validate(updateQuizSchema, toSettingsBody(form));
    if (!body) return;
    update.mutate(body, {
      onSuccess: (next) => {
        setForm(toSettingsForm(next));
        setSaved(true);
      },
      onError: fromServer,
    });
  };

  return (
    <Card>
      <form onSubmit={handleSubmit} noValidate className="stack" aria-labelledby="quiz-settings-title">
        <h3 id="quiz-settings-title">Settings</h3>
        <TextField
          label="Title"
          name="title"
          maxLength={200}
          value={form.title}
          onChange={(e) => set('title', e.target.value)}
          error={errors.title}
        />
        <div className="form-grid">
          <SelectField
            label="Quiz type"
            name="quizType"
            value={form.quizType}
            onChange={(e) => set('quizType', e.target.value as QuizSettingsForm['quizType'])}
            hint="A graded or final quiz completes its lesson when passed; a practice quiz when submitted."
          >
            {Object.entries(QUIZ_TYPE_LABELS).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </SelectField>
          <TextField
            label="Passing score (%)"
            name="passingScore"
            inputMode="numeric"
            value={form.passingScore}
            onChange={(e) => set('passingScore', e.target.value)}
            error={errors.passingScore}
          />
          <TextField
            label="Time limit (minutes)"
            name="timeLimitMinutes"
            inputMode="numeric"
            value={form.timeLimitMinutes}
            onChange={(e) => set('timeLimitMinutes', e.target.value)}
            error={errors.timeLimitMinutes}
            hint="Blank: no time limit."
          />
          <TextField
            label="Attempts allowed"
            name="maxAttempts"
            inputMode="numeric"
            value={form.maxAttempts}
            onChange={(e) => set('maxAttempts', e.target.value)}
            error={errors.maxAttempts}
            hint="Blank: unlimited."
          />
        </div>
        <SelectField
          label="Show correct answers"
          name="showCorrectAnswers"
          value={form.showCorrectAnswers}
          onChange={(e) =>
            set('showCorrectAnswers', e.target.value as QuizSettingsForm['showCorrectAnswers'])
          }
          hint="Correct answers and explanations never reach learners before this allows."
        >
          {Object.entries(SHOW_ANSWERS_LABELS).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </SelectField>
        <Checkbox
          label="Shuffle the questions"
          hint="Each attempt gets its own order, kept when the learner reloads."
          checked={form.randomizeQuestions}
          onChange={(e) => set('randomizeQuestions', e.target.checked)}
        />
        <Checkbox
          label="Shuffle the options"
          checked={form.randomizeAnswers}
          onChange={(e) => set('randomizeAnswers', e.target.checked)}
        />
        <TextArea
          label="Instructions (optional)"
          name="instructions"
          rows={3}
          maxLength={10000}
          value={form.instructions}
          onChange={(e) => set('instructions', e.target.value)}
          error={errors.instructions}
          hint="Shown to learners before they start."
        />
        <TextArea
          label="Description (optional)"
          name="description"
          rows={2}
          maxLength={5000}
          value={form.description}
          onChange={(e) => set('description', e.target.value)}
          error={errors.description}
        />
        {update.isError && !isApiError(update.error, 'validation_failed') && (
          <ErrorAlert error={update.error} title="The settings could not be saved" />
        )}
        <div className="button-row">
          <Button type="submit" busy={update.isPending}>
            Save settings
          </Button>
          {saved && <span role="status">Settings saved.</span>}
        </div>
      </form>
    </Card>
  );
}

type Editing = { kind: 'new' } | { kind: 'edit'; question: AuthoringQuestion } | null;

function QuestionList({ courseId, quiz }: { courseId: string; quiz: AuthoringQuiz }) {
  const mutations = useQuizMutations(courseId, quiz.id);
  const [editing, setEditing] = useState<Editing>(null);
  const [confirmDelete, setConfirmDelete] = useState<AuthoringQuestion | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const questions = quiz.questions;
  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 5 } }),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  );
  const place = (id: unknown) => {
    const index = questions.findIndex((q) => q.id === id);
    return `Question ${index + 1} of ${questions.length}.`;
  };
  const announcements: Announcements = {
    onDragStart: ({ active }) => `Picked up. ${place(active.id)}`,
    onDragOver: ({ over }) => (over ? `Over ${place(over.id)}` : 'Not over a place to drop.'),
    onDragEnd: ({ over }) => (over ? `Dropped at ${place(over.id)}` : 'Dropped where it was.'),
    onDragCancel: () => 'Moving cancelled.',
  };

  const saveOrder = (ids: string[], focusId?: string) => {
    mutations.reorder.mutate(ids);
    if (focusId) {
      const index = ids.indexOf(focusId);
      setAnnouncement(`Question moved to position ${index + 1} of ${ids.length}.`);
    }
  };
  const step = (index: number, delta: number) => {
    const ids = moveItem(
      questions.map((q) => q.id),
      index,
      delta,
    );
    saveOrder(ids, questions[index]!.id);
    // Keep focus on the same button of the moved question.
    requestAnimationFrame(() =>
      document
        .querySelector<HTMLButtonElement>(`[data-step="${questions[index]!.id}:${delta}"]:not(:disabled)`)
        ?.focus(),
    );
  };
  const onDragEnd = ({ active, over }: DragEndEvent) => {
    if (!over || active.id === over.id) return;
    const from = questions.findIndex((q) => q.id === active.id);
    const to = questions.findIndex((q) => q.id === over.id);
    saveOrder(
      moveItem(
        questions.map((q) => q.id),
        from,
        to - from,
      ),
    );
  };

  const saving = editing?.kind === 'new' ? mutations.addQuestion : mutations.replaceQuestion;

  return (
    <Card>
      <div className="section-heading">
        <h3 id="questions-title">Questions</h3>
        <Button
          variant="secondary"
          onClick={() => {
            mutations.addQuestion.reset();
            setEditing({ kind: 'new' });
          }}
        >
          Add a question
        </Button>
      </div>
      <p className="visually-hidden" role="status">
        {announcement}
      </p>
      {mutations.reorder.isError && (
        <ErrorAlert
          error={mutations.reorder.error}
          title="The new order could not be saved; it is back as it was"
        />
      )}
      {(mutations.duplicateQuestion.isError || mutations.deleteQuestion.isError) && (
        <ErrorAlert
          error={mutations.duplicateQuestion.error ?? mutations.deleteQuestion.error}
          title="That did not work"
        />
      )}
      {questions.length === 0 ? (
        <EmptyState title="No questions yet">Learners can take the quiz once it has a question.</EmptyState>
      ) : (
        <DndContext
          sensors={sensors}
          collisionDetection={closestCenter}
          onDragEnd={onDragEnd}
          accessibility={{
            announcements,
            screenReaderInstructions: {
              draggable:
                'To move this question, press Space or Enter, use the arrow keys, then Space or Enter to drop it, or Escape to cancel. The Move up and Move down buttons do the same one step at a time.',
            },
          }}
        >
          <SortableContext items={questions.map((q) => q.id)} strategy={verticalListSortingStrategy}>
            <ol className="question-list" aria-labelledby="questions-title">
              {questions.map((question, index) => (
                <SortableQuestion
                  key={question.id}
                  question={question}
                  index={index}
                  count={questions.length}
                  onStep={(delta) => step(index, delta)}
                  onEdit={() => {
                    mutations.replaceQuestion.reset();
                    setEditing({ kind: 'edit', question });
                  }}
                  onDuplicate={() => mutations.duplicateQuestion.mutate(question.id)}
                  duplicating={
                    mutations.duplicateQuestion.isPending &&
                    mutations.duplicateQuestion.variables === question.id
                  }
                  onDelete={() => setConfirmDelete(question)}
                />
              ))}
            </ol>
          </SortableContext>
        </DndContext>
      )}
      {editing && (
        <QuestionEditor
          key={editing.kind === 'new' ? 'new' : editing.question.id}
          title={
            editing.kind === 'new'
              ? `New question ${questions.length + 1}`
              : `Edit question ${questions.findIndex((q) => q.id === editing.question.id) + 1}`
          }
          initial={editing.kind === 'new' ? emptyQuestionForm() : toQuestionForm(editing.question)}
          busy={saving.isPending}
          error={saving.error}
          onCancel={() => setEditing(null)}
          onSave={(body) => {
            const done = {
              onSuccess: () => {
                setEditing(null);
                setAnnouncement('Question saved.');
                requestAnimationFrame(() => document.getElementById('questions-title')?.scrollIntoView());
              },
            };
            if (editing.kind === 'new') mutations.addQuestion.mutate(body, done);
            else mutations.replaceQuestion.mutate({ questionId: editing.question.id, body }, done);
          }}
        />
      )}
      <ConfirmDialog
        open={confirmDelete !== null}
        title="Delete this question?"
        confirmLabel="Delete question"
        tone="danger"
        busy={mutations.deleteQuestion.isPending}
        onCancel={() => setConfirmDelete(null)}
        onConfirm={() =>
          mutations.deleteQuestion.mutate(confirmDelete!.id, {
            onSettled: () => setConfirmDelete(null),
            onSuccess: () => setAnnouncement('Question deleted.'),
          })
        }
      >
        <p>
          “{confirmDelete?.questionText}” will be removed from the quiz. Past attempts keep their results.
        </p>
      </ConfirmDialog>
    </Card>
  );
}

function SortableQuestion({
  question,
  index,
  count,
  onStep,
  onEdit,
  onDuplicate,
  duplicating,
  onDelete,
}: {
  question: AuthoringQuestion;
  index: number;
  count: number;
  onStep: (delta: -1 | 1) => void;
  onEdit: () => void;
  onDuplicate: () => void;
  duplicating: boolean;
  onDelete: () => void;
}) {
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, transform, transition, isDragging } =
    useSortable({ id: question.id });
  const label = `question ${index + 1}`;
  return (
    <li
      ref={setNodeRef}
      style={{ transform: CSS.Translate.toString(transform), transition }}
      className={isDragging ? 'question-item is-dragging' : 'question-item'}
      data-question={question.id}
    >
      <button
        type="button"
        className="drag-handle"
        ref={setActivatorNodeRef}
        {...attributes}
        {...listeners}
        aria-label={`Move ${label}`}
      >
        <span aria-hidden="true">⠿</span>
      </button>
      <div className="question-item-main">
        <p className="question-item-text">
          <span className="question-number">{index + 1}.</span> {question.questionText}
        </p>
        <p className="muted question-item-meta">
          {QUESTION_TYPE_LABELS[kindOf(question)]} · {formatCount(question.points, 'point', 'points')}
        </p>
      </div>
      <div className="button-row">
        <Button
          variant="ghost"
          className="icon-button"
          data-step={`${question.id}:-1`}
          disabled={index === 0}
          onClick={() => onStep(-1)}
        >
          <span aria-hidden="true">↑</span>
          <span className="visually-hidden">Move {label} up</span>
        </Button>
        <Button
          variant="ghost"
          className="icon-button"
          data-step={`${question.id}:1`}
          disabled={index === count - 1}
          onClick={() => onStep(1)}
        >
          <span aria-hidden="true">↓</span>
          <span className="visually-hidden">Move {label} down</span>
        </Button>
        <Button variant="ghost" onClick={onEdit}>
          Edit<span className="visually-hidden"> {label}</span>
        </Button>
        <Button variant="ghost" onClick={onDuplicate} busy={duplicating}>
          Duplicate<span className="visually-hidden"> {label}</span>
        </Button>
        <Button variant="ghost" onClick={onDelete}>
          Delete<span className="visually-hidden"> {label}</span>
        </Button>
      </div>
    </li>
  );
}

function DeleteQuiz({ courseId, quiz }: { courseId: string; quiz: AuthoringQuiz }) {
  const { remove } = useQuizMutations(courseId, quiz.id);
  const [open, setOpen] = useState(false);
  const navigate = useNavigate();
  if (quiz.deletedAt) return null;
  return (
    <div className="button-row">
      <Button variant="danger" onClick={() => setOpen(true)}>
        Move the quiz to the trash
      </Button>
      {remove.isError && <ErrorAlert error={remove.error} title="The quiz could not be deleted" />}
      <ConfirmDialog
        open={open}
        title="Move this quiz to the trash?"
        confirmLabel="Move to trash"
        tone="danger"
        busy={remove.isPending}
        onCancel={() => setOpen(false)}
        onConfirm={() =>
          remove.mutate(undefined, {
            onSuccess: () => void navigate(`/author/courses/${courseId}/quizzes`, { replace: true }),
            onSettled: () => setOpen(false),
          })
        }
      >
        <p>Learners will no longer be able to take “{quiz.title}”. Past attempts and results are kept.</p>
      </ConfirmDialog>
    </div>
  );
}
