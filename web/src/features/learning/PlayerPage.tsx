import { useEffect, useId, useRef, useState } from 'react';
import { Link, Navigate, useNavigate, useParams } from 'react-router';
import type { CoursePage, LessonOutline } from '../../../../contracts/courses.ts';
import type { CourseProgress, LessonProgress } from '../../../../contracts/learning.ts';
import { Button, ButtonLink } from '../../components/Button.tsx';
import { useModalDialog } from '../../components/Dialog.tsx';
import { Alert, EmptyState, ErrorState, LoadingState } from '../../components/Feedback.tsx';
import { useDocumentTitle } from '../../components/Page.tsx';
import { isApiError } from '../../lib/api.ts';
import { useLiveInvalidation } from '../../lib/useRealtime.ts';
import { useSession } from '../auth/session.ts';
import { useLivePresence } from '../live/useLivePresence.ts';
import { changesTopic } from '../../../../contracts/realtime.ts';
import { describeSeconds, formatSeconds } from '../../lib/format.ts';
import { courseKeys, useCoursePage } from '../courses/courses.api.ts';
import { neighbours, startLesson } from './curriculum.ts';
import { learningKeys, useCourseProgress } from './learning.api.ts';
import { LessonView, type LessonCommands } from './LessonView.tsx';
import { ProgressBar } from './ProgressBar.tsx';
import { SHORTCUTS, shortcutFor } from './shortcuts.ts';
import './learning.css';

/**
 * The course player at /learn/:slug/:lessonId (and /learn/:slug, which opens where the learner left
 * off): the curriculum beside the lesson, previous/next, keyboard shortcuts. Enrolled learners
 * and the course's owners; anyone else is sent to the landing page to enrol.
 */
export function PlayerPage() {
  const { slug = '', lessonId } = useParams();
  const course = useCoursePage(slug);
  const progress = useCourseProgress(course.data?.id);
  // Live: progress made on the learner's other devices, and lessons published or changed meanwhile.
  const liveId = course.data?.id;
  const me = useSession().data?.id;
  useLiveInvalidation(
    liveId && me
      ? [changesTopic('lesson_progress', { user_id: me }), changesTopic('enrollments', { user_id: me })]
      : [],
    [learningKeys.progress(liveId ?? '')],
  );
  useLiveInvalidation(
    liveId
      ? [
          changesTopic('course_lessons', { course_id: liveId }),
          changesTopic('course_sections', { course_id: liveId }),
        ]
      : [],
    [courseKeys.page(slug)],
  );
  // The instructor's live view: this learner is in the course, on this lesson.
  useLivePresence(liveId, lessonId);
  useDocumentTitle(course.data?.title ?? (course.isError ? 'Course not found' : 'Course player'));

  if (course.isPending || (course.data && progress.isPending))
    return <LoadingState label="Loading the course…" />;
  if (course.isError) {
    if (isApiError(course.error, 'not_found') || isApiError(course.error, 'validation_failed')) {
      return (
        <EmptyState heading="h1" title="This course does not exist or is not published">
          <ButtonLink to="/my-learning" variant="secondary">
            Go to My learning
          </ButtonLink>
        </EmptyState>
      );
    }
    return (
      <ErrorState
        error={course.error}
        title="The course could not be loaded"
        onRetry={() => void course.refetch()}
      />
    );
  }
  if (progress.isError) {
    return (
      <ErrorState
        error={progress.error}
        title="Your progress could not be loaded"
        onRetry={() => void progress.refetch()}
      />
    );
  }
  const data = course.data;
  const state = progress.data!;
  if (!data.viewer.isOwner && state.access === 'none') {
    return (
      <EmptyState heading="h1" title={`Enrol in “${data.title}” to start learning`}>
        <ButtonLink to={`/courses/${data.slug}`}>See the course</ButtonLink>
      </EmptyState>
    );
  }
  const lessons = data.sections.flatMap((s) => s.lessons);
  if (lessons.length === 0) {
    return (
      <EmptyState heading="h1" title="This course has no lessons yet">
        <ButtonLink to={`/courses/${data.slug}`} variant="secondary">
          Back to the course page
        </ButtonLink>
      </EmptyState>
    );
  }
  if (!lessonId || !lessons.some((l) => l.id === lessonId)) {
    const start = startLesson(data.sections, state.continueLessonId, state.lessons);
    if (lessonId && start) {
      // A lesson that is not (or no longer) in the course: say so, and offer the right one.
      return (
        <EmptyState heading="h1" title="This lesson is not part of the course">
          <ButtonLink to={`/learn/${data.slug}/${start}`}>Go to the course</ButtonLink>
        </EmptyState>
      );
    }
    return <Navigate to={`/learn/${data.slug}/${start}`} replace />;
  }
  return <Player course={data} progress={state} lessonId={lessonId} />;
}

function Player({
  course,
  progress,
  lessonId,
}: {
  course: CoursePage;
  progress: CourseProgress;
  lessonId: string;
}) {
  const navigate = useNavigate();
  const [helpOpen, setHelpOpen] = useState(false);
  const commands = useRef<LessonCommands | null>(null);
  const { previous, next, index } = neighbours(course.sections, lessonId);
  const lesson = course.sections.flatMap((s) => s.lessons)[index]!;
  const byLesson = new Map(progress.lessons.map((p) => [p.lessonId, p]));
  const canReport = progress.access === 'active';
  const enrollment = progress.enrollment;
  const lessonUrl = (l: LessonOutline) => `/learn/${course.slug}/${l.id}`;

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const action = shortcutFor(event);
      if (!action) return;
      // Inside an open dialog only ? (and the dialog's own Escape) do anything.
      if (helpOpen && action !== 'help') return;
      if (action === 'next' && next) navigate(lessonUrl(next));
      else if (action === 'previous' && previous) navigate(lessonUrl(previous));
      else if (action === 'done') commands.current?.markDone();
      else if (action === 'play') commands.current?.togglePlay();
      else if (action === 'help') setHelpOpen((open) => !open);
      else return;
      event.preventDefault();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  });

  return (
    <div className="player">
      <header className="player-top">
        <div className="player-course">
          <Link to={`/courses/${course.slug}`} className="player-course-title">
            {course.title}
          </Link>
          {enrollment ? (
            <div className="player-course-progress">
              <ProgressBar value={enrollment.progressPercentage} label="Course progress" />
              <span className="muted small">
                {enrollment.completedLessons} of {enrollment.totalLessons} lessons done (
                {enrollment.progressPercentage}%)
              </span>
            </div>
          ) : (
            <span className="muted small">You teach this course: your progress is not recorded.</span>
          )}
        </div>
        <Button variant="ghost" onClick={() => setHelpOpen(true)} aria-haspopup="dialog">
          Keyboard shortcuts
        </Button>
      </header>
      {progress.access === 'expired' && (
        <Alert tone="warning" title="Your access to this course has ended">
          You can still see your progress and notes, but not open lessons or add to them.{' '}
          <Link to={`/courses/${course.slug}`}>Enrol again</Link>
        </Alert>
      )}
      <div className="player-grid">
        <CurriculumSidebar course={course} byLesson={byLesson} currentId={lessonId} exams={progress.exams} />
        <div className="player-main">
          <LessonView
            key={lessonId}
            slug={course.slug}
            courseId={course.id}
            outline={lesson}
            progress={byLesson.get(lessonId) ?? null}
            canReport={canReport}
            commandsRef={commands}
            next={next ? { title: next.title, url: lessonUrl(next) } : null}
          />
          <nav aria-label="Lessons" className="player-steps">
            {previous ? (
              <ButtonLink to={lessonUrl(previous)} variant="secondary" rel="prev">
                <span aria-hidden="true">← </span>Previous
                <span className="visually-hidden">: {previous.title}</span>
              </ButtonLink>
            ) : (
              <span />
            )}
            {next ? (
              <ButtonLink to={lessonUrl(next)} rel="next">
                Next<span className="visually-hidden">: {next.title}</span>
                <span aria-hidden="true"> →</span>
              </ButtonLink>
            ) : (
              <ButtonLink to="/my-learning" variant="secondary">
                Back to My learning
              </ButtonLink>
            )}
          </nav>
        </div>
      </div>
      <ShortcutsDialog open={helpOpen} onClose={() => setHelpOpen(false)} />
    </div>
  );
}

function CurriculumSidebar({
  course,
  byLesson,
  currentId,
  exams,
}: {
  course: CoursePage;
  byLesson: Map<string, LessonProgress>;
  currentId: string;
  exams: CourseProgress['exams'];
}) {
  const currentRef = useRef<HTMLAnchorElement>(null);
  useEffect(() => {
    currentRef.current?.scrollIntoView?.({ block: 'nearest' });
  }, [currentId]);
  return (
    <nav aria-label="Course curriculum" className="player-sidebar">
      <h2 className="visually-hidden">Curriculum</h2>
      {course.sections.map((section) => {
        const done = section.lessons.filter((l) => byLesson.get(l.id)?.status === 'completed').length;
        return (
          <section key={section.id} className="lp-curriculum-section" aria-label={section.title}>
            <h3 className="lp-curriculum-section-title">
              {section.title}
              <span className="muted small">
                {' '}
                {done}/{section.lessons.length}
              </span>
            </h3>
            <ol className="lp-curriculum-lessons">
              {section.lessons.map((l) => {
                const status = byLesson.get(l.id)?.status ?? 'not_started';
                const current = l.id === currentId;
                return (
                  <li
                    key={l.id}
                    className={`lp-curriculum-lesson is-${status}${current ? ' is-current' : ''}`}
                  >
                    <Link
                      to={`/learn/${course.slug}/${l.id}`}
                      aria-current={current ? 'page' : undefined}
                      ref={current ? currentRef : undefined}
                    >
                      <span className="lp-curriculum-tick" aria-hidden="true">
                        {status === 'completed' ? '✓' : status === 'in_progress' ? '◐' : ''}
                      </span>
                      <span className="lp-curriculum-lesson-title">
                        {l.title}
                        <span className="visually-hidden">
                          {status === 'completed'
                            ? ' (completed)'
                            : status === 'in_progress'
                              ? ' (in progress)'
                              : ''}
                        </span>
                      </span>
                      {l.durationSeconds !== null && (
                        <span className="lp-curriculum-duration">
                          <span aria-hidden="true">{formatSeconds(l.durationSeconds)}</span>
                          <span className="visually-hidden">, {describeSeconds(l.durationSeconds)}</span>
                        </span>
                      )}
                    </Link>
                  </li>
                );
              })}
            </ol>
          </section>
        );
      })}
      {exams.length > 0 && (
        <section className="lp-curriculum-section" aria-label="Final exams">
          <h3 className="lp-curriculum-section-title">Final exam{exams.length > 1 ? 's' : ''}</h3>
          <ol className="lp-curriculum-lessons">
            {exams.map((exam) => (
              <li
                key={exam.id}
                className={`lp-curriculum-lesson is-${exam.passed ? 'completed' : 'not_started'}`}
              >
                <Link to={`/quizzes/${exam.id}`}>
                  <span className="lp-curriculum-tick" aria-hidden="true">
                    {exam.passed ? '✓' : ''}
                  </span>
                  <span className="lp-curriculum-lesson-title">
                    {exam.title}
                    <span className="visually-hidden">{exam.passed ? ' (passed)' : ''}</span>
                  </span>
                </Link>
              </li>
            ))}
          </ol>
        </section>
      )}
    </nav>
  );
}

function ShortcutsDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const ref = useModalDialog(open);
  const titleId = useId();
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      <h2 id={titleId} className="dialog-title">
        Keyboard shortcuts
      </h2>
      <p className="muted small">They do nothing while you type in a field, such as your notes.</p>
      <table className="shortcuts-table">
        <thead>
          <tr>
            <th scope="col">Key</th>
            <th scope="col">Action</th>
          </tr>
        </thead>
        <tbody>
          {SHORTCUTS.map((s) => (
            <tr key={s.key}>
              <td>
                <kbd>{s.key}</kbd>
              </td>
              <td>{s.label}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="dialog-actions">
        <Button onClick={onClose} autoFocus>
          Close
        </Button>
      </div>
    </dialog>
  );
}
