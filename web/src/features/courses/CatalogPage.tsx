import { useSearchParams, Link } from 'react-router';
import { difficultyLevelSchema, type CourseCard } from '../../../../contracts/courses.ts';
import { Button } from '../../components/Button.tsx';
import { EmptyState, ErrorState, LoadingState } from '../../components/Feedback.tsx';
import { SelectField } from '../../components/Field.tsx';
import { PageHeader, useDocumentTitle } from '../../components/Page.tsx';
import { capitalize, formatCount, formatMinutes, formatPrice, formatRating } from '../../lib/format.ts';
import { useCourseList } from './courses.api.ts';

const DIFFICULTIES = difficultyLevelSchema.options;

/** The published catalogue, newest first, filtered by difficulty and category (kept in the URL). */
export function CatalogPage() {
  useDocumentTitle('Courses');
  const [params, setParams] = useSearchParams();
  const difficultyParam = params.get('difficulty');
  const difficulty = DIFFICULTIES.find((d) => d === difficultyParam);
  const category = params.get('category') ?? undefined;
  const query = useCourseList({ difficulty, category });

  const setFilter = (key: string, value: string | undefined) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };

  const courses = query.data?.pages.flatMap((page) => page.items) ?? [];
  const nextPageError = query.isFetchNextPageError ? query.error : null;

  return (
    <>
      <PageHeader
        title="Courses"
        lead="Practical courses by working instructors. Preview lessons before you enrol."
      />
      <div className="toolbar" role="group" aria-label="Filter courses">
        <SelectField
          label="Difficulty"
          value={difficulty ?? ''}
          onChange={(event) => setFilter('difficulty', event.target.value || undefined)}
        >
          <option value="">Any difficulty</option>
          {DIFFICULTIES.map((level) => (
            <option key={level} value={level}>
              {capitalize(level)}
            </option>
          ))}
        </SelectField>
        {category && (
          <p className="filter-chip">
            Category: <strong>{category}</strong>{' '}
            <Button variant="ghost" onClick={() => setFilter('category', undefined)}>
              Clear<span className="visually-hidden"> category filter</span>
            </Button>
          </p>
        )}
      </div>

      {query.isPending ? (
        <LoadingState label="Loading courses…" />
      ) : query.isError ? (
        <ErrorState
          error={query.error}
          title="The courses could not be loaded"
          onRetry={() => void query.refetch()}
        />
      ) : courses.length === 0 ? (
        <EmptyState title="No courses match">
          {difficulty || category ? (
            <Button variant="secondary" onClick={() => setParams(new URLSearchParams(), { replace: true })}>
              Show all courses
            </Button>
          ) : (
            <p>Nothing has been published yet.</p>
          )}
        </EmptyState>
      ) : (
        <>
          <ul className="course-grid" aria-label="Courses">
            {courses.map((course) => (
              <li key={course.id}>
                <CourseCardView course={course} />
              </li>
            ))}
          </ul>
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
          {nextPageError !== null && (
            <ErrorState error={nextPageError} title="More courses could not be loaded" />
          )}
        </>
      )}
    </>
  );
}

function CourseCardView({ course }: { course: CourseCard }) {
  return (
    <article className="course-card">
      <Thumbnail url={course.thumbnailUrl} title={course.title} />
      <div className="course-card-body">
        <p className="eyebrow">
          {capitalize(course.category)} · {capitalize(course.difficultyLevel)}
        </p>
        <h2 className="course-card-title">
          <Link to={`/courses/${course.slug}`} className="stretched-link">
            {course.title}
          </Link>
        </h2>
        {course.subtitle && <p className="course-card-subtitle">{course.subtitle}</p>}
        <p className="muted">{course.instructorName}</p>
        <p className="course-card-meta">
          <RatingText average={course.averageRating} count={course.totalReviews} />
          <span>{formatCount(course.lessonCount, 'lesson', 'lessons')}</span>
          <span>{formatMinutes(course.totalDurationMinutes)}</span>
        </p>
        <p className="course-card-price">{formatPrice(course.priceCents, course.accessType)}</p>
      </div>
    </article>
  );
}

export function RatingText({ average, count }: { average: number; count: number }) {
  if (count === 0) return <span className="muted">No reviews yet</span>;
  return (
    <span className="rating-text">
      <span aria-hidden="true" className="star">
        ★
      </span>{' '}
      <span className="visually-hidden">Rated </span>
      {formatRating(average)}
      <span className="visually-hidden"> out of 5</span> ({formatCount(count, 'review', 'reviews')})
    </span>
  );
}

export function Thumbnail({ url, title }: { url: string | null; title: string }) {
  if (url) return <img className="thumbnail" src={url} alt="" loading="lazy" />;
  // No image: a calm coloured panel with the initial, derived from the title so it is stable.
  const hue = [...title].reduce((sum, ch) => sum + ch.charCodeAt(0), 0) % 360;
  return (
    <div
      className="thumbnail thumbnail-placeholder"
      style={{ backgroundColor: `hsl(${hue} 55% 38%)` }}
      aria-hidden="true"
    >
      {title.charAt(0)}
    </div>
  );
}
