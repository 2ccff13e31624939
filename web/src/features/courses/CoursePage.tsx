import { useState } from 'react';
import { Link, useParams } from 'react-router';
import type {
  CoursePage as CoursePageData,
  LessonOutline,
  SectionOutline,
} from '../../../../contracts/courses.ts';
import { Button, ButtonLink } from '../../components/Button.tsx';
import { Avatar } from '../../components/Avatar.tsx';
import { EmptyState, ErrorAlert, QueryView } from '../../components/Feedback.tsx';
import { Card, useDocumentTitle } from '../../components/Page.tsx';
import {
  capitalize,
  describeSeconds,
  formatCount,
  formatDate,
  formatMinutes,
  formatPrice,
  formatSeconds,
} from '../../lib/format.ts';
import { RatingText, Thumbnail } from '../../components/CourseVisuals.tsx';
import { useCoursePage, useEnrolFree } from './courses.api.ts';
import { BuyBox } from '../payments/BuyBox.tsx';
import { SubscriptionBox } from '../payments/SubscriptionBox.tsx';
import { LessonPlayerDialog } from './LessonPlayerDialog.tsx';
import { PlayerDialog, PlayerVideo } from './PlayerDialog.tsx';
import { LockIcon } from './LockIcon.tsx';
import { ReviewsPanel } from './ReviewsPanel.tsx';
import './course-page.css';

const CONTENT_TYPE_LABELS: Record<string, string> = {
  video: 'Video',
  article: 'Article',
  quiz: 'Quiz',
  assignment: 'Assignment',
  scorm: 'Interactive',
  code: 'Code challenge',
};

/** A course's landing page: what it teaches, its outline (never lesson content), instructor and reviews. */
export function CoursePage() {
  const { slug = '' } = useParams();
  const query = useCoursePage(slug);
  useDocumentTitle(query.data?.title ?? (query.isError ? 'Course not found' : 'Course'));

  return (
    <QueryView
      query={query}
      loading="Loading the course…"
      errorTitle="The course could not be loaded"
      notFound={
        <EmptyState heading="h1" title="This course does not exist or is not published">
          <ButtonLink to="/" variant="secondary">
            Browse the courses
          </ButtonLink>
        </EmptyState>
      }
    >
      {(course) => <CourseView course={course} />}
    </QueryView>
  );
}

/** The viewer's enrolment while it gives access (a refunded or revoked one has expired). */
function liveEnrollment(course: CoursePageData) {
  const e = course.viewer.enrollment;
  return e && (e.expiresAt === null || new Date(e.expiresAt).getTime() > Date.now()) ? e : null;
}

/** Whether the viewer may open every lesson (enrolled learners and those who manage the course). */
function hasFullAccess(course: CoursePageData): boolean {
  return course.viewer.isOwner || liveEnrollment(course) !== null;
}

/** Where "Continue" takes an enrolled learner: the last lesson opened, else the first not completed. */
function nextLesson(course: CoursePageData): LessonOutline | undefined {
  const lessons = course.sections.flatMap((s) => s.lessons);
  const enrollment = course.viewer.enrollment;
  const last = lessons.find((l) => l.id === enrollment?.lastLessonId);
  const done = new Set(enrollment?.completedLessonIds ?? []);
  return last ?? lessons.find((l) => !done.has(l.id)) ?? lessons[0];
}

function CourseView({ course }: { course: CoursePageData }) {
  const previews = course.sections.reduce((n, s) => n + s.lessons.filter((l) => l.isPreview).length, 0);
  const [playing, setPlaying] = useState<LessonOutline | null>(null);
  const [watchingPreview, setWatchingPreview] = useState(false);
  const fullAccess = hasFullAccess(course);
  return (
    <article className="course-page">
      <header className="course-hero">
        <nav aria-label="Breadcrumb" className="breadcrumb">
          <Link to="/">Courses</Link> <span aria-hidden="true">›</span>{' '}
          <Link to={`/?category=${encodeURIComponent(course.category)}`}>{capitalize(course.category)}</Link>
        </nav>
        <h1>{course.title}</h1>
        {course.subtitle && <p className="lead">{course.subtitle}</p>}
        <p className="course-hero-meta">
          <RatingText average={course.rating.average} count={course.rating.count} />
          <span>{formatCount(course.enrollmentCount, 'learner', 'learners')}</span>
          <span>{capitalize(course.difficultyLevel)}</span>
          <span>Language: {course.language}</span>
          {course.lastUpdatedAt && <span>Updated {formatDate(course.lastUpdatedAt)}</span>}
        </p>
        {course.instructor && <p>By {course.instructor.displayName}</p>}
        {course.status !== 'published' && (
          <p className="badge badge-warning">{capitalize(course.status)}: only you can see this page</p>
        )}
      </header>

      {/* Beside the content on a desktop; on a phone its cards interleave (buy box first, people last). */}
      <aside className="course-side" aria-label="Enrolment, instructor and reviews">
        <Card className="course-buy">
          {course.previewVideoUrl ? (
            <button type="button" className="course-preview-button" onClick={() => setWatchingPreview(true)}>
              <Thumbnail url={course.thumbnailUrl} title={course.title} />
              <span className="course-preview-label">
                <span aria-hidden="true">▶</span> Watch the course preview
              </span>
            </button>
          ) : (
            <Thumbnail url={course.thumbnailUrl} title={course.title} />
          )}
          <div className="course-buy-body">
            <p className="price">{formatPrice(course.priceCents, course.accessType)}</p>
            <EnrolmentBox course={course} />
            <ul className="facts">
              <li>{formatCount(course.lessonCount, 'lesson', 'lessons')}</li>
              <li>{formatMinutes(course.totalDurationMinutes)} in total</li>
              {previews > 0 && <li>{formatCount(previews, 'free preview', 'free previews')}</li>}
              {course.hasCertificate && <li>Certificate of completion</li>}
              {course.captionsAvailable.length > 0 && (
                <li>Captions: {course.captionsAvailable.join(', ')}</li>
              )}
            </ul>
          </div>
        </Card>
        {course.instructor && (
          <Card className="instructor-card">
            <h2>Your instructor</h2>
            <div className="person">
              <Avatar name={course.instructor.displayName} url={course.instructor.avatarUrl} size={56} />
              <p className="person-name">{course.instructor.displayName}</p>
            </div>
            {course.instructor.bio && <p>{course.instructor.bio}</p>}
          </Card>
        )}
        <ReviewsPanel course={course} />
      </aside>

      <div className="course-main">
        {course.learningOutcomes.length > 0 && (
          <Card>
            <h2>What you will learn</h2>
            <ul className="check-list">
              {course.learningOutcomes.map((outcome) => (
                <li key={outcome}>{outcome}</li>
              ))}
            </ul>
          </Card>
        )}

        <section aria-labelledby="outline-title" className="outline">
          <h2 id="outline-title">Course outline</h2>
          <p className="muted">
            {formatCount(course.sections.length, 'section', 'sections')} ·{' '}
            {formatCount(course.lessonCount, 'lesson', 'lessons')} ·{' '}
            {formatMinutes(course.totalDurationMinutes)}
          </p>
          {course.sections.length === 0 ? (
            <EmptyState title="No lessons yet" />
          ) : (
            course.sections.map((section, index) => (
              <SectionView
                key={section.id}
                section={section}
                defaultOpen={index === 0}
                fullAccess={fullAccess}
                slug={course.slug}
                onPlay={setPlaying}
              />
            ))
          )}
        </section>

        <section aria-labelledby="about-title">
          <h2 id="about-title">About this course</h2>
          {/* Rendered from Markdown and sanitised on the server (server/platform/markdown.ts). */}
          <div className="prose" dangerouslySetInnerHTML={{ __html: course.descriptionHtml }} />
          {course.prerequisites.length > 0 && (
            <>
              <h3>Before you start</h3>
              <ul>
                {course.prerequisites.map((item) => (
                  <li key={item}>{item}</li>
                ))}
              </ul>
            </>
          )}
          {course.targetAudience && (
            <>
              <h3>Who it is for</h3>
              <p>{course.targetAudience}</p>
            </>
          )}
        </section>
      </div>
      <LessonPlayerDialog
        slug={course.slug}
        lessonId={playing?.id ?? null}
        lessonTitle={playing?.title ?? ''}
        onClose={() => setPlaying(null)}
      />
      {course.previewVideoUrl && (
        <PlayerDialog
          open={watchingPreview}
          title={`Preview: ${course.title}`}
          onClose={() => setWatchingPreview(false)}
        >
          <PlayerVideo url={course.previewVideoUrl} autoPlay />
        </PlayerDialog>
      )}
    </article>
  );
}

/**
 * The buy box's action: free courses enrol here; paid ones are bought (features/payments); subscription ones say so; enrolled learners continue; owners edit.
 */
function EnrolmentBox({ course }: { course: CoursePageData }) {
  const { viewer } = course;
  const enrol = useEnrolFree(course.slug, course.id);
  if (viewer.isOwner) {
    return (
      <div className="enrol-box">
        <p className="muted">You teach this course.</p>
        <ButtonLink to={`/author/courses/${course.id}`} className="btn-block">
          Edit course
        </ButtonLink>
        <ButtonLink to={`/learn/${course.slug}`} variant="secondary" className="btn-block">
          Open in the player
        </ButtonLink>
      </div>
    );
  }
  const e = liveEnrollment(course);
  if (e) {
    const next = nextLesson(course);
    return (
      <div className="enrol-box">
        <p className="badge badge-success">
          <span aria-hidden="true">✓ </span>Enrolled
        </p>
        <div
          className="progress"
          role="progressbar"
          aria-label="Your progress"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={e.progressPercentage}
        >
          <span style={{ width: `${e.progressPercentage}%` }} />
        </div>
        <p className="muted">
          {e.completedLessons} of {e.totalLessons} lessons done ({e.progressPercentage}%)
        </p>
        {/* The player opens at that lesson and resumes a video where it stopped. */}
        <ButtonLink
          to={next ? `/learn/${course.slug}/${next.id}` : `/learn/${course.slug}`}
          className="btn-block"
        >
          Continue
        </ButtonLink>
      </div>
    );
  }
  if (course.accessType === 'paid') {
    return (
      <BuyBox
        courseId={course.id}
        slug={course.slug}
        priceCents={course.priceCents}
        signedIn={viewer.isSignedIn}
      />
    );
  }
  if (course.accessType === 'subscription') {
    return <SubscriptionBox courseId={course.id} slug={course.slug} signedIn={viewer.isSignedIn} />;
  }
  if (!viewer.isSignedIn) {
    return (
      <ButtonLink to={`/sign-in?next=${encodeURIComponent(`/courses/${course.slug}`)}`} className="btn-block">
        Sign in to enrol
      </ButtonLink>
    );
  }
  return (
    <div className="enrol-box">
      <Button className="btn-block" busy={enrol.isPending} onClick={() => enrol.mutate()}>
        Enrol for free
      </Button>
      {enrol.isError && <ErrorAlert error={enrol.error} title="You could not be enrolled" />}
    </div>
  );
}

function SectionView({
  section,
  defaultOpen,
  fullAccess,
  slug,
  onPlay,
}: {
  section: SectionOutline;
  defaultOpen: boolean;
  fullAccess: boolean;
  slug: string;
  onPlay: (lesson: LessonOutline) => void;
}) {
  return (
    <details className="section" open={defaultOpen}>
      <summary>
        <span className="section-title">{section.title}</span>
        <span className="section-meta">
          {formatCount(section.lessonCount, 'lesson', 'lessons')} ·{' '}
          {formatMinutes(section.totalDurationMinutes)}
        </span>
      </summary>
      {section.description && <p className="section-description">{section.description}</p>}
      <ol className="lessons">
        {section.lessons.map((lesson) => {
          const playable = fullAccess || lesson.isPreview;
          return (
            <li key={lesson.id} className={playable ? 'lesson' : 'lesson lesson-locked'}>
              <span className="lesson-type">
                {CONTENT_TYPE_LABELS[lesson.contentType] ?? lesson.contentType}
              </span>
              {fullAccess ? (
                // Enrolled learners and owners study in the player (progress, notes, resume).
                <Link to={`/learn/${slug}/${lesson.id}`} className="lesson-title lesson-open">
                  {lesson.title}
                  <span className="visually-hidden">: open in the player</span>
                </Link>
              ) : playable ? (
                <button type="button" className="lesson-title lesson-open" onClick={() => onPlay(lesson)}>
                  {lesson.title}
                  <span className="visually-hidden">
                    {lesson.isPreview && !fullAccess ? ': play the free preview' : ': open the lesson'}
                  </span>
                </button>
              ) : (
                <span className="lesson-title">
                  <LockIcon /> {lesson.title}
                  <span className="lesson-lock-note">
                    <span className="visually-hidden">: locked. </span>Enrol to unlock
                  </span>
                </span>
              )}
              {lesson.isPreview && <span className="badge badge-preview">Preview</span>}
              {lesson.durationSeconds !== null && (
                <span className="lesson-duration">
                  <span aria-hidden="true">{formatSeconds(lesson.durationSeconds)}</span>
                  <span className="visually-hidden">{describeSeconds(lesson.durationSeconds)}</span>
                </span>
              )}
            </li>
          );
        })}
      </ol>
    </details>
  );
}
