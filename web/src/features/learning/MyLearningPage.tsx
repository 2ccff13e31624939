import { Link } from 'react-router';
import type { MyLearningItem } from '../../../../contracts/learning.ts';
import { Thumbnail } from '../../components/CourseVisuals.tsx';
import { Button, ButtonLink } from '../../components/Button.tsx';
import { EmptyState, QueryView } from '../../components/Feedback.tsx';
import { PageHeader, useDocumentTitle } from '../../components/Page.tsx';
import { formatDate } from '../../lib/format.ts';
import { useLiveInvalidation } from '../../lib/useRealtime.ts';
import { useSession } from '../auth/session.ts';
import { changesTopic } from '../../../../contracts/realtime.ts';
import { CertificateLinks } from '../certificates/CertificateLinks.tsx';
import { DashboardPanel } from './DashboardPanel.tsx';
import { learningKeys, useMyLearning } from './learning.api.ts';
import { ProgressBar } from './ProgressBar.tsx';
import './learning.css';

/** Where Continue opens: the player at the lesson to continue (it resumes a video at its position). */
export function continueUrl(item: MyLearningItem): string {
  const lesson = item.continueLesson ?? item.lastLesson;
  return lesson ? `/learn/${item.course.slug}/${lesson.id}` : `/learn/${item.course.slug}`;
}

/** My learning: the dashboard, then every enrolment, courses in progress first, completed ones apart. */
export function MyLearningPage() {
  useDocumentTitle('My learning');
  const query = useMyLearning();
  // Live: "continue" and progress follow what the learner does on other devices.
  const me = useSession().data?.id;
  useLiveInvalidation([me && changesTopic('enrollments', { user_id: me })], [learningKeys.myLearning]);
  const items = query.data?.pages.flatMap((page) => page.items) ?? [];
  const inProgress = items.filter((item) => !item.progress.isCompleted);
  const completed = items.filter((item) => item.progress.isCompleted);

  return (
    <div className="my-learning">
      <PageHeader title="My learning" />
      <DashboardPanel />
      <QueryView query={query} loading="Loading your courses…" errorTitle="Your courses could not be loaded">
        {() =>
          items.length === 0 ? (
            <EmptyState title="You are not enrolled in any course yet">
              <ButtonLink to="/">Browse the courses</ButtonLink>
            </EmptyState>
          ) : (
            <>
              <section aria-labelledby="in-progress-title">
                <h2 id="in-progress-title">In progress</h2>
                {inProgress.length === 0 ? (
                  <p className="muted">
                    Nothing in progress. <Link to="/">Find a new course</Link>
                  </p>
                ) : (
                  <ul className="enrolments">
                    {inProgress.map((item) => (
                      <EnrolmentCard key={item.enrollmentId} item={item} />
                    ))}
                  </ul>
                )}
              </section>
              {completed.length > 0 && (
                <section aria-labelledby="completed-title">
                  <h2 id="completed-title">Completed</h2>
                  <ul className="enrolments">
                    {completed.map((item) => (
                      <EnrolmentCard key={item.enrollmentId} item={item} />
                    ))}
                  </ul>
                </section>
              )}
              {query.hasNextPage && (
                <div className="load-more">
                  <Button
                    variant="secondary"
                    busy={query.isFetchingNextPage}
                    onClick={() => void query.fetchNextPage()}
                  >
                    Show more courses
                  </Button>
                </div>
              )}
            </>
          )
        }
      </QueryView>
    </div>
  );
}

function EnrolmentCard({ item }: { item: MyLearningItem }) {
  const { course, progress } = item;
  const expired = item.access === 'expired';
  const titleId = `enrolment-${item.enrollmentId}`;
  return (
    <li className="enrolment card" aria-labelledby={titleId}>
      <Thumbnail url={course.thumbnailUrl} title={course.title} />
      <div className="enrolment-body">
        <h3 id={titleId} className="enrolment-title">
          <Link to={`/courses/${course.slug}`}>{course.title}</Link>
        </h3>
        {course.instructorName && <p className="muted small">By {course.instructorName}</p>}
        <ProgressBar value={progress.progressPercentage} label={`Progress in ${course.title}`} />
        <p className="small">
          {progress.completedLessons} of {progress.totalLessons} lessons done ({progress.progressPercentage}%)
          {progress.isCompleted && progress.completedAt && (
            <> · Completed on {formatDate(progress.completedAt)}</>
          )}
        </p>
        {item.lastLesson && !progress.isCompleted && (
          <p className="muted small">Last lesson: {item.lastLesson.title}</p>
        )}
        {expired && (
          <p className="badge badge-warning">
            Access ended{item.expiresAt ? ` on ${formatDate(item.expiresAt)}` : ''}
          </p>
        )}
        <div className="enrolment-actions">
          {expired ? (
            <ButtonLink to={`/courses/${course.slug}`} variant="secondary">
              See the course<span className="visually-hidden">: {course.title}</span>
            </ButtonLink>
          ) : (
            <ButtonLink to={continueUrl(item)} variant={progress.isCompleted ? 'secondary' : 'primary'}>
              {progress.isCompleted
                ? 'Review'
                : progress.completedLessons === 0 && !item.lastLesson
                  ? 'Start'
                  : 'Continue'}
              <span className="visually-hidden">: {course.title}</span>
            </ButtonLink>
          )}
          {progress.isCompleted && item.certificateIssued && (
            <CertificateLinks courseId={course.id} courseTitle={course.title} />
          )}
        </div>
      </div>
    </li>
  );
}
