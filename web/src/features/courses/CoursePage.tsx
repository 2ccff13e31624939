import { Link, useParams } from 'react-router';
import type { CoursePage as CoursePageData, Review, SectionOutline } from '../../../../contracts/courses.ts';
import { ButtonLink } from '../../components/Button.tsx';
import { Avatar } from '../../components/Avatar.tsx';
import { EmptyState, ErrorState, LoadingState } from '../../components/Feedback.tsx';
import { Card, useDocumentTitle } from '../../components/Page.tsx';
import { isApiError } from '../../lib/api.ts';
import {
  capitalize,
  describeSeconds,
  formatCount,
  formatDate,
  formatMinutes,
  formatPrice,
  formatRating,
  formatSeconds,
} from '../../lib/format.ts';
import { RatingText, Thumbnail } from './CatalogPage.tsx';
import { useCoursePage } from './courses.api.ts';

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

  if (query.isPending) return <LoadingState label="Loading the course…" />;
  if (query.isError) {
    if (isApiError(query.error, 'not_found') || isApiError(query.error, 'validation_failed')) {
      return (
        <EmptyState heading="h1" title="This course does not exist or is not published">
          <ButtonLink to="/" variant="secondary">
            Browse the courses
          </ButtonLink>
        </EmptyState>
      );
    }
    return (
      <ErrorState
        error={query.error}
        title="The course could not be loaded"
        onRetry={() => void query.refetch()}
      />
    );
  }
  return <CourseView course={query.data} />;
}

function CourseView({ course }: { course: CoursePageData }) {
  const previews = course.sections.reduce((n, s) => n + s.lessons.filter((l) => l.isPreview).length, 0);
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
          <Thumbnail url={course.thumbnailUrl} title={course.title} />
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
        <RatingSummary course={course} />
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
              <SectionView key={section.id} section={section} defaultOpen={index === 0} />
            ))
          )}
        </section>

        <section aria-labelledby="about-title">
          <h2 id="about-title">About this course</h2>
          {course.description.split(/\n{2,}/).map((paragraph, index) => (
            <p key={index}>{paragraph}</p>
          ))}
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
    </article>
  );
}

function EnrolmentBox({ course }: { course: CoursePageData }) {
  const { viewer } = course;
  if (viewer.isOwner) return <p className="muted">You teach this course.</p>;
  if (viewer.enrollment) {
    const e = viewer.enrollment;
    return (
      <div>
        <p>You are enrolled.</p>
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
      </div>
    );
  }
  if (!viewer.isSignedIn) {
    return (
      <ButtonLink to={`/sign-in?next=${encodeURIComponent(`/courses/${course.slug}`)}`} className="btn-block">
        Sign in to enrol
      </ButtonLink>
    );
  }
  return <p className="muted">Enrolment opens here soon.</p>;
}

function SectionView({ section, defaultOpen }: { section: SectionOutline; defaultOpen: boolean }) {
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
        {section.lessons.map((lesson) => (
          <li key={lesson.id} className="lesson">
            <span className="lesson-type">
              {CONTENT_TYPE_LABELS[lesson.contentType] ?? lesson.contentType}
            </span>
            <span className="lesson-title">{lesson.title}</span>
            {lesson.isPreview && <span className="badge badge-preview">Preview</span>}
            {lesson.durationSeconds !== null && (
              <span className="lesson-duration">
                <span aria-hidden="true">{formatSeconds(lesson.durationSeconds)}</span>
                <span className="visually-hidden">{describeSeconds(lesson.durationSeconds)}</span>
              </span>
            )}
          </li>
        ))}
      </ol>
    </details>
  );
}

function RatingSummary({ course }: { course: CoursePageData }) {
  const { rating } = course;
  return (
    <Card className="reviews">
      <h2>Reviews</h2>
      {rating.count === 0 ? (
        <p className="muted">No reviews yet.</p>
      ) : (
        <>
          <p className="rating-big">
            <span className="rating-number">{formatRating(rating.average)}</span>
            <span className="muted"> out of 5 · {formatCount(rating.count, 'review', 'reviews')}</span>
          </p>
          <ul className="distribution" aria-label="Ratings by stars">
            {[5, 4, 3, 2, 1].map((stars) => {
              const count = rating.distribution[stars - 1] ?? 0;
              const percent = rating.count ? Math.round((count / rating.count) * 100) : 0;
              return (
                <li key={stars}>
                  <span className="distribution-label">{stars} ★</span>
                  <span className="bar" aria-hidden="true">
                    <span style={{ width: `${percent}%` }} />
                  </span>
                  <span className="distribution-count">
                    {count}
                    <span className="visually-hidden">
                      {' '}
                      {count === 1 ? 'review gives' : 'reviews give'} {stars} {stars === 1 ? 'star' : 'stars'}
                    </span>
                  </span>
                </li>
              );
            })}
          </ul>
        </>
      )}
      {course.latestReviews.length > 0 && (
        <ul className="review-list" aria-label="Latest reviews">
          {course.latestReviews.map((review) => (
            <ReviewView key={review.id} review={review} />
          ))}
        </ul>
      )}
    </Card>
  );
}

function ReviewView({ review }: { review: Review }) {
  const name = review.reviewer?.displayName ?? 'A learner';
  return (
    <li className="review">
      <div className="person">
        <Avatar name={name} url={review.reviewer?.avatarUrl ?? null} size={36} />
        <div>
          <p className="person-name">{name}</p>
          <p className="muted small">
            <span aria-hidden="true">{'★'.repeat(review.rating) + '☆'.repeat(5 - review.rating)}</span>
            <span className="visually-hidden">{review.rating} out of 5 stars</span> ·{' '}
            {formatDate(review.createdAt)}
          </p>
        </div>
      </div>
      {review.title && <p className="review-title">{review.title}</p>}
      {review.comment && <p>{review.comment}</p>}
    </li>
  );
}
