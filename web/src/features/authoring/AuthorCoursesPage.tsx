import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import {
  createCourseSchema,
  type AuthoringCourseSummary,
  type CreateCourseInput,
} from '../../../../contracts/authoring.ts';
import { difficultyLevelSchema } from '../../../../contracts/courses.ts';
import { Button, ButtonLink } from '../../components/Button.tsx';
import { ConfirmDialog } from '../../components/Dialog.tsx';
import { Alert, EmptyState, ErrorAlert, ErrorState, LoadingState } from '../../components/Feedback.tsx';
import { SelectField, TextArea, TextField } from '../../components/Field.tsx';
import { Card, PageHeader, useDocumentTitle } from '../../components/Page.tsx';
import { describeError } from '../../lib/api.ts';
import { capitalize, formatCount, formatDateTime, formatMinutes } from '../../lib/format.ts';
import { useFieldErrors } from '../../lib/forms.ts';
import { useSession } from '../auth/session.ts';
import { Thumbnail } from '../../components/CourseVisuals.tsx';
import { useAuthoringCourses, useCourseAction, useCreateCourse } from './authoring.api.ts';
import { CATEGORIES } from './course-form.ts';
import { StatusBadge } from './StatusBadge.tsx';

type View = 'courses' | 'trash';

/**
 * "Teach": the courses I author (an admin may switch to everyone's), newest change first, with
 * their state and counts; the trash beside them; and the way to start a new course.
 */
export function AuthorCoursesPage() {
  useDocumentTitle('Teach');
  const session = useSession();
  const isAdmin = session.data?.role === 'admin';
  const [params, setParams] = useSearchParams();
  const view: View = params.get('view') === 'trash' ? 'trash' : 'courses';
  const scope = isAdmin && params.get('scope') === 'all' ? 'all' : 'mine';
  const [creating, setCreating] = useState(false);

  const setParam = (key: string, value: string | undefined) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };

  return (
    <>
      <PageHeader
        title="Teach"
        lead="Build courses, publish them when the checklist is complete, and keep them up to date."
        actions={
          !creating && (
            <Button onClick={() => setCreating(true)} aria-expanded={creating} aria-controls="new-course">
              Create a course
            </Button>
          )
        }
      />
      {creating && <NewCourseForm onCancel={() => setCreating(false)} />}

      <div className="toolbar">
        <nav aria-label="Course lists">
          <ul className="tabs">
            <li>
              <Link
                to={withParam(params, 'view', undefined)}
                aria-current={view === 'courses' ? 'page' : undefined}
              >
                Courses
              </Link>
            </li>
            <li>
              <Link
                to={withParam(params, 'view', 'trash')}
                aria-current={view === 'trash' ? 'page' : undefined}
              >
                Trash
              </Link>
            </li>
          </ul>
        </nav>
        {isAdmin && (
          <SelectField
            label="Whose courses"
            value={scope}
            onChange={(event) => setParam('scope', event.target.value === 'all' ? 'all' : undefined)}
          >
            <option value="mine">Mine</option>
            <option value="all">Everyone's (administrator)</option>
          </SelectField>
        )}
      </div>

      <CourseList view={view} scope={scope} onCreate={() => setCreating(true)} />
    </>
  );
}

function withParam(params: URLSearchParams, key: string, value: string | undefined): string {
  const next = new URLSearchParams(params);
  if (value) next.set(key, value);
  else next.delete(key);
  const text = next.toString();
  return text ? `?${text}` : '?';
}

function CourseList({ view, scope, onCreate }: { view: View; scope: 'mine' | 'all'; onCreate: () => void }) {
  const query = useAuthoringCourses({ scope, trash: view === 'trash' ? 'only' : 'exclude' });
  const action = useCourseAction();
  const [confirmTrash, setConfirmTrash] = useState<AuthoringCourseSummary | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const nextPageError = query.isFetchNextPageError ? query.error : null;
  if (query.isPending) return <LoadingState label="Loading your courses…" />;
  if (query.isError)
    return (
      <ErrorState
        error={query.error}
        title="Your courses could not be loaded"
        onRetry={() => void query.refetch()}
      />
    );

  const courses = query.data.pages.flatMap((page) => page.items);

  const handleTrash = () => {
    const course = confirmTrash;
    if (!course) return;
    action.mutate(
      { courseId: course.id, action: 'trash' },
      {
        onSuccess: () => {
          setNotice(`“${course.title}” is in the trash. You can restore it from there.`);
          setConfirmTrash(null);
        },
        onError: () => setConfirmTrash(null),
      },
    );
  };

  const handleRestore = (course: AuthoringCourseSummary) => {
    action.mutate(
      { courseId: course.id, action: 'restore' },
      { onSuccess: () => setNotice(`“${course.title}” is restored.`) },
    );
  };

  return (
    <>
      {notice && <Alert tone="success">{notice}</Alert>}
      {action.isError && <ErrorAlert error={action.error} title="That did not work" />}
      {courses.length === 0 ? (
        view === 'trash' ? (
          <EmptyState title="The trash is empty">
            <p>Courses you move to the trash wait here until you restore them.</p>
          </EmptyState>
        ) : (
          <EmptyState title="You have no courses yet">
            <p>Start with a title and a category; everything else can follow.</p>
            <Button onClick={onCreate}>Create your first course</Button>
          </EmptyState>
        )
      ) : (
        <ul
          className="author-course-list"
          aria-label={view === 'trash' ? 'Courses in the trash' : 'Your courses'}
        >
          {courses.map((course) => (
            <li key={course.id}>
              <Card className="author-course">
                <Thumbnail url={course.thumbnailUrl} title={course.title} />
                <div>
                  <h2 className="author-course-title">
                    <Link to={`/author/courses/${course.id}`}>{course.title}</Link>
                  </h2>
                  <p className="author-course-meta">
                    <StatusBadge status={course.status} isTrashed={course.isTrashed} />
                    {scope === 'all' && <span>{course.instructorName}</span>}
                    <span>{formatCount(course.sectionCount, 'section', 'sections')}</span>
                    <span>{formatCount(course.lessonCount, 'lesson', 'lessons')}</span>
                    <span>{formatMinutes(course.totalDurationMinutes)}</span>
                    <span>{formatCount(course.enrollmentCount, 'learner', 'learners')}</span>
                    <span>Updated {formatDateTime(course.updatedAt)}</span>
                  </p>
                </div>
                <div className="author-course-actions">
                  {course.isTrashed ? (
                    <Button
                      variant="secondary"
                      busy={action.isPending && action.variables?.courseId === course.id}
                      onClick={() => handleRestore(course)}
                    >
                      Restore<span className="visually-hidden"> {course.title}</span>
                    </Button>
                  ) : (
                    <>
                      <ButtonLink to={`/author/courses/${course.id}`} variant="secondary">
                        Edit<span className="visually-hidden"> {course.title}</span>
                      </ButtonLink>
                      <Button variant="ghost" onClick={() => setConfirmTrash(course)}>
                        Move to trash<span className="visually-hidden"> {course.title}</span>
                      </Button>
                    </>
                  )}
                </div>
              </Card>
            </li>
          ))}
        </ul>
      )}
      {query.hasNextPage && (
        <div className="load-more">
          <Button
            variant="secondary"
            busy={query.isFetchingNextPage}
            onClick={() => void query.fetchNextPage()}
          >
            Load more courses
          </Button>
        </div>
      )}
      {nextPageError !== null && (
        <ErrorState error={nextPageError} title="More courses could not be loaded" />
      )}
      <ConfirmDialog
        open={confirmTrash !== null}
        title={`Move “${confirmTrash?.title ?? ''}” to the trash?`}
        confirmLabel="Move to trash"
        tone="danger"
        busy={action.isPending}
        onConfirm={handleTrash}
        onCancel={() => setConfirmTrash(null)}
      >
        <p>
          It disappears from the catalogue and from your list. It keeps its address, lessons and learners, and
          you can restore it from the trash.
        </p>
      </ConfirmDialog>
    </>
  );
}

interface NewCourseState {
  title: string;
  category: string;
  difficultyLevel: string;
  description: string;
}

/** The few fields a course needs to exist; the editor takes it from there. */
function NewCourseForm({ onCancel }: { onCancel: () => void }) {
  const [form, setForm] = useState<NewCourseState>({
    title: '',
    category: '',
    difficultyLevel: 'beginner',
    description: '',
  });
  const { errors, validate, fromServer } = useFieldErrors();
  const create = useCreateCourse();
  const navigate = useNavigate();
  const set = (key: keyof NewCourseState, value: string) => setForm((f) => ({ ...f, [key]: value }));

  const handleSubmit = (event: FormEvent) => {
    event.preventDefault();
    const input: CreateCourseInput = {
      title: form.title,
      category: form.category,
      difficultyLevel: form.difficultyLevel as CreateCourseInput['difficultyLevel'],
      description: form.description,
      accessType: 'free',
      priceCents: 0,
    };
    const body = validate(createCourseSchema, input);
    if (!body) return;
    create.mutate(body, {
      onSuccess: (created) => void navigate(`/author/courses/${created.id}`),
      onError: fromServer,
    });
  };

  return (
    <Card>
      <form
        id="new-course"
        onSubmit={handleSubmit}
        noValidate
        className="stack"
        aria-labelledby="new-course-title"
      >
        <h2 id="new-course-title">New course</h2>
        <p className="muted">
          It starts as a free draft that only you can see. The address is made from the title; you can change
          it and everything else in the editor.
        </p>
        <TextField
          label="Title"
          name="title"
          autoFocus
          maxLength={200}
          value={form.title}
          onChange={(e) => set('title', e.target.value)}
          error={errors.title}
        />
        <div className="form-grid">
          <TextField
            label="Category"
            name="category"
            list="course-categories"
            maxLength={100}
            value={form.category}
            onChange={(e) => set('category', e.target.value)}
            error={errors.category}
            hint="Pick a suggestion or type your own."
          />
          <SelectField
            label="Difficulty"
            name="difficultyLevel"
            value={form.difficultyLevel}
            onChange={(e) => set('difficultyLevel', e.target.value)}
            error={errors.difficultyLevel}
          >
            {difficultyLevelSchema.options.map((level) => (
              <option key={level} value={level}>
                {capitalize(level)}
              </option>
            ))}
          </SelectField>
        </div>
        <datalist id="course-categories">
          {CATEGORIES.map((category) => (
            <option key={category} value={category} />
          ))}
        </datalist>
        <TextArea
          label="Short description"
          name="description"
          rows={3}
          maxLength={20_000}
          value={form.description}
          onChange={(e) => set('description', e.target.value)}
          error={errors.description}
          hint="A sentence or two for now (Markdown); the editor has room for the full text."
        />
        {create.isError && !Object.keys(errors).length && (
          <Alert tone="error" title="The course could not be created">
            {describeError(create.error)}
          </Alert>
        )}
        <div className="button-row">
          <Button type="submit" busy={create.isPending}>
            Create the draft
          </Button>
          <Button variant="secondary" onClick={onCancel}>
            Cancel
          </Button>
        </div>
      </form>
    </Card>
  );
}
