import { useState } from 'react';
import { Link } from 'react-router';
import { courseNotReadyDetailsSchema, type ChecklistItem } from '../../../../contracts/authoring.ts';
import { Button, ButtonLink } from '../../components/Button.tsx';
import { ConfirmDialog } from '../../components/Dialog.tsx';
import { Alert, ErrorAlert, QueryView } from '../../components/Feedback.tsx';
import { Card } from '../../components/Page.tsx';
import { isApiError } from '../../lib/api.ts';
import { formatCount, formatDateTime } from '../../lib/format.ts';
import { useCourseAction, usePublishChecklist, type CourseAction } from './authoring.api.ts';
import { landingPath } from './course-form.ts';
import { useEditorCourse } from './CourseEditorLayout.tsx';
import { StatusBadge } from './StatusBadge.tsx';

/** Where in the editor each checklist item is fixed. */
const FIX_IN: Record<ChecklistItem['key'], 'details' | 'curriculum'> = {
  title: 'details',
  description: 'details',
  category: 'details',
  price: 'details',
  learning_outcomes: 'details',
  thumbnail: 'details',
  has_lesson: 'curriculum',
  lessons_have_content: 'curriculum',
  sections_not_empty: 'curriculum',
  preview_lesson: 'curriculum',
};

const CONFIRM: Partial<
  Record<CourseAction, { title: string; body: string; label: string; danger: boolean }>
> = {
  archive: {
    title: 'Archive this course?',
    body: 'It leaves the catalogue and nobody new can enrol. Enrolled learners keep their access. You can publish it again later.',
    label: 'Archive',
    danger: false,
  },
  unpublish: {
    title: 'Back to draft?',
    body: 'It leaves the catalogue and only you can see it. Nobody is enrolled yet, so nobody loses access.',
    label: 'Back to draft',
    danger: false,
  },
  trash: {
    title: 'Move this course to the trash?',
    body: 'It disappears from the catalogue and from your list. It keeps its address, lessons and learners, and you can restore it.',
    label: 'Move to trash',
    danger: true,
  },
};

const DONE_MESSAGES: Record<CourseAction, string> = {
  publish: 'Published: the course is in the catalogue.',
  unpublish: 'The course is a draft again.',
  archive: 'Archived: the course left the catalogue; its learners keep it.',
  trash: 'The course is in the trash.',
  restore: 'The course is restored.',
};

/** The Publish tab: what is still missing, and the state changes (publish, archive, trash, restore). */
export function PublishPage() {
  const course = useEditorCourse();
  const checklist = usePublishChecklist(course.id);
  const action = useCourseAction();
  const [confirming, setConfirming] = useState<CourseAction | null>(null);
  const [done, setDone] = useState<CourseAction | null>(null);

  const run = (kind: CourseAction) => {
    setDone(null);
    action.mutate(
      { courseId: course.id, action: kind },
      {
        onSuccess: () => setDone(kind),
        onSettled: () => setConfirming(null),
      },
    );
  };
  const ask = (kind: CourseAction) => (CONFIRM[kind] ? setConfirming(kind) : run(kind));

  const notReady =
    isApiError(action.error, 'course_not_ready') &&
    courseNotReadyDetailsSchema.safeParse(action.error.details);
  const canPublish = !course.isTrashed && checklist.data?.canPublish === true;
  const base = `/author/courses/${course.id}`;
  const confirm = confirming ? CONFIRM[confirming] : undefined;

  return (
    <div className="stack">
      {done && <Alert tone="success">{DONE_MESSAGES[done]}</Alert>}
      {action.isError &&
        (notReady && notReady.success ? (
          <Alert tone="error" title="Not ready to publish yet">
            <ul>
              {notReady.data.items.map((item) => (
                <li key={item.key}>
                  {item.label}: {item.hint}
                </li>
              ))}
            </ul>
          </Alert>
        ) : (
          <ErrorAlert error={action.error} title="That did not work" />
        ))}

      <Card>
        <h2>State</h2>
        <p>
          <StatusBadge status={course.status} isTrashed={course.isTrashed} />{' '}
          {course.publishedAt && (
            <span className="muted">First published {formatDateTime(course.publishedAt)}. </span>
          )}
          {course.lastUpdatedAt && (
            <span className="muted">Content last updated {formatDateTime(course.lastUpdatedAt)}. </span>
          )}
          <span className="muted">{formatCount(course.enrollmentCount, 'learner', 'learners')}.</span>
        </p>
        <p>
          <Link to={landingPath(course.slug)}>View landing page</Link>
          {course.status !== 'published' && (
            <span className="muted"> (only you and administrators can see it until it is published)</span>
          )}
        </p>
      </Card>

      <Card>
        <h2 id="checklist-title">Before publishing</h2>
        <QueryView
          query={checklist}
          loading="Checking the course…"
          errorTitle="The checklist could not be loaded"
        >
          {(data) => (
            <>
              <ul className="checklist" aria-labelledby="checklist-title">
                {data.items.map((item) => (
                  <li
                    key={item.key}
                    className={`checklist-item ${item.done ? 'checklist-done' : 'checklist-missing'}`}
                  >
                    <span className="checklist-mark" aria-hidden="true">
                      {item.done ? '✓' : item.required ? '!' : '–'}
                    </span>
                    <div>
                      <p>
                        <strong>{item.label}</strong>{' '}
                        <span className="visually-hidden">
                          {item.done ? ': done.' : item.required ? ': missing, required.' : ': recommended.'}
                        </span>
                        {!item.done && !item.required && (
                          <span className="badge badge-muted">Recommended</span>
                        )}
                      </p>
                      {!item.done && (
                        <p className="muted small">
                          {item.hint}{' '}
                          <Link to={FIX_IN[item.key] === 'details' ? base : `${base}/curriculum`}>
                            Fix it in {FIX_IN[item.key] === 'details' ? 'Details' : 'Curriculum'}
                            <span className="visually-hidden"> ({item.label})</span>
                          </Link>
                        </p>
                      )}
                    </div>
                  </li>
                ))}
              </ul>
              {!data.canPublish && !course.isTrashed && (
                <p id="publish-blocked" className="muted">
                  Publishing opens once every required item is done.
                </p>
              )}
            </>
          )}
        </QueryView>
        <div className="button-row">
          {course.isTrashed ? (
            <Button
              busy={action.isPending && action.variables?.action === 'restore'}
              onClick={() => ask('restore')}
            >
              Restore from the trash
            </Button>
          ) : (
            <>
              {course.status !== 'published' && (
                <Button
                  disabled={!canPublish}
                  aria-describedby={!canPublish ? 'publish-blocked' : undefined}
                  busy={action.isPending && action.variables?.action === 'publish'}
                  onClick={() => ask('publish')}
                >
                  {course.status === 'archived' ? 'Publish again' : 'Publish'}
                </Button>
              )}
              {course.status === 'published' && (
                <Button variant="secondary" onClick={() => ask('archive')}>
                  Archive
                </Button>
              )}
              {course.status === 'published' && course.enrollmentCount === 0 && (
                <Button variant="secondary" onClick={() => ask('unpublish')}>
                  Back to draft
                </Button>
              )}
              <Button variant="danger" onClick={() => ask('trash')}>
                Move to trash
              </Button>
            </>
          )}
          {course.status === 'published' && !course.isTrashed && (
            <ButtonLink to={landingPath(course.slug)} variant="ghost">
              View landing page
            </ButtonLink>
          )}
        </div>
      </Card>

      <ConfirmDialog
        open={confirm !== undefined}
        title={confirm?.title ?? ''}
        confirmLabel={confirm?.label ?? ''}
        tone={confirm?.danger ? 'danger' : 'primary'}
        busy={action.isPending}
        onConfirm={() => confirming && run(confirming)}
        onCancel={() => setConfirming(null)}
      >
        <p>{confirm?.body}</p>
      </ConfirmDialog>
    </div>
  );
}
