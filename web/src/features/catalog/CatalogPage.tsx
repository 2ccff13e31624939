import { useEffect, useEffectEvent, useId, useRef, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import {
  catalogPriceSchema,
  catalogSortSchema,
  type CatalogFacets,
  type CatalogSort,
  type CourseCard,
} from '../../../../contracts/catalog.ts';
import { difficultyLevelSchema } from '../../../../contracts/courses.ts';
import { Button } from '../../components/Button.tsx';
import { RatingText, Thumbnail } from '../../components/CourseVisuals.tsx';
import { EmptyState, ErrorState } from '../../components/Feedback.tsx';
import { SelectField } from '../../components/Field.tsx';
import { PageHeader, useDocumentTitle } from '../../components/Page.tsx';
import { capitalize, formatCount, formatMinutes, formatPrice } from '../../lib/format.ts';
import { CATALOG_PAGE_SIZE, useCatalog, type CatalogFilters } from './catalog.api.ts';

const DIFFICULTIES = difficultyLevelSchema.options;
/** How long typing pauses before the search runs (and lands in the address bar). */
const SEARCH_DEBOUNCE_MS = 350;
const FILTER_KEYS = ['q', 'category', 'difficulty', 'price', 'language', 'minRating', 'sort'] as const;

const SORT_LABELS: Record<CatalogSort, string> = {
  relevance: 'Best match',
  newest: 'Newest',
  popular: 'Most popular',
  rating: 'Highest rated',
  price_asc: 'Price: low to high',
  price_desc: 'Price: high to low',
};
const PRICE_LABELS = { free: 'Free', paid: 'Paid' } as const;
const MIN_RATINGS = [4.5, 4, 3.5, 3];
const LANGUAGES: Record<string, string> = {
  en: 'English',
  es: 'Spanish',
  fr: 'French',
  de: 'German',
  pt: 'Portuguese',
};

/** The filters in the query string, dropping values the API would refuse (a hand-edited URL). */
function filtersFrom(params: URLSearchParams): CatalogFilters {
  const pick = <T extends string>(options: readonly T[], value: string | null) =>
    options.find((o) => o === value);
  const minRating = Number(params.get('minRating'));
  const q = params.get('q')?.trim() || undefined;
  const sort = pick(catalogSortSchema.options, params.get('sort'));
  return {
    q,
    category: params.get('category') || undefined,
    difficulty: pick(DIFFICULTIES, params.get('difficulty')),
    price: pick(catalogPriceSchema.options, params.get('price')),
    language: /^[a-z]{2,3}$/.test(params.get('language') ?? '') ? params.get('language')! : undefined,
    minRating: minRating > 0 && minRating <= 5 ? minRating : undefined,
    // Relevance needs a search: without one the list falls back to the default (newest).
    sort: sort === 'relevance' && !q ? undefined : sort,
  };
}

/**
 * The public catalogue: search (debounced, in the URL so a search can be shared and Back works),
 * filters, sort, result count and "Load more" pages.
 */
export function CatalogPage() {
  useDocumentTitle('Courses');
  const [params, setParams] = useSearchParams();
  const filters = filtersFrom(params);
  const query = useCatalog(filters);
  const hasFilters = FILTER_KEYS.some((key) => key !== 'sort' && params.has(key));

  /** Each change is a history entry, so Back returns to the previous search or filters. */
  const update = (changes: Partial<Record<(typeof FILTER_KEYS)[number], string | undefined>>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    // "Best match" means nothing once the search is cleared.
    if (!next.get('q') && next.get('sort') === 'relevance') next.delete('sort');
    setParams(next);
  };

  const pages = query.data?.pages ?? [];
  const courses = pages.flatMap((page) => page.items);
  const facets = pages[0]?.facets;
  const nextPageError = query.isFetchNextPageError ? query.error : null;
  const isRefreshing = query.isPlaceholderData && query.isFetching;

  return (
    <>
      <PageHeader
        title="Courses"
        lead="Practical courses by working instructors. Preview lessons before you enrol."
      />
      <SearchBox value={filters.q ?? ''} onSearch={(q) => update({ q })} />
      <div className="toolbar" role="group" aria-label="Filter and sort courses">
        <CategorySelect
          value={filters.category}
          facets={facets}
          onChange={(category) => update({ category })}
        />
        <SelectField
          label="Difficulty"
          value={filters.difficulty ?? ''}
          onChange={(event) => update({ difficulty: event.target.value || undefined })}
        >
          <option value="">Any difficulty</option>
          {DIFFICULTIES.map((level) => (
            <option key={level} value={level}>
              {capitalize(level)}
              {facetCount(facets?.difficulties, level)}
            </option>
          ))}
        </SelectField>
        <SelectField
          label="Price"
          value={filters.price ?? ''}
          onChange={(event) => update({ price: event.target.value || undefined })}
        >
          <option value="">Free and paid</option>
          {catalogPriceSchema.options.map((price) => (
            <option key={price} value={price}>
              {PRICE_LABELS[price]}
            </option>
          ))}
        </SelectField>
        <SelectField
          label="Language"
          value={filters.language ?? ''}
          onChange={(event) => update({ language: event.target.value || undefined })}
        >
          <option value="">Any language</option>
          {Object.entries(LANGUAGES).map(([code, name]) => (
            <option key={code} value={code}>
              {name}
            </option>
          ))}
          {filters.language && !LANGUAGES[filters.language] && (
            <option value={filters.language}>{filters.language}</option>
          )}
        </SelectField>
        <SelectField
          label="Rating"
          value={filters.minRating ?? ''}
          onChange={(event) => update({ minRating: event.target.value || undefined })}
        >
          <option value="">Any rating</option>
          {MIN_RATINGS.map((rating) => (
            <option key={rating} value={rating}>
              {rating} stars or more
            </option>
          ))}
        </SelectField>
        <SelectField
          label="Sort by"
          value={filters.sort ?? (filters.q ? 'relevance' : 'newest')}
          onChange={(event) => update({ sort: event.target.value })}
        >
          {catalogSortSchema.options
            .filter((sort) => sort !== 'relevance' || filters.q)
            .map((sort) => (
              <option key={sort} value={sort}>
                {SORT_LABELS[sort]}
              </option>
            ))}
        </SelectField>
      </div>

      <p className="catalog-count" role="status" aria-live="polite">
        {query.isPending
          ? 'Loading courses…'
          : facets && courses.length > 0
            ? `${formatCount(facets.total, 'course', 'courses')}${filters.q ? ` for “${filters.q}”` : ''}`
            : ''}
      </p>

      {query.isPending ? (
        <CatalogSkeleton />
      ) : query.isError && !query.isFetchNextPageError ? (
        <ErrorState
          error={query.error}
          title="The courses could not be loaded"
          onRetry={() => void query.refetch()}
        />
      ) : courses.length === 0 ? (
        <EmptyState title="No courses match">
          {hasFilters ? (
            <>
              <p>Try other words, or fewer filters.</p>
              <Button variant="secondary" onClick={() => setParams(new URLSearchParams())}>
                Clear search and filters
              </Button>
            </>
          ) : (
            <p>Nothing has been published yet.</p>
          )}
        </EmptyState>
      ) : (
        <>
          <ul
            className={isRefreshing ? 'course-grid course-grid-stale' : 'course-grid'}
            aria-label="Courses"
            aria-busy={isRefreshing || undefined}
          >
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
                Load more courses
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

function facetCount(counts: CatalogFacets['categories'] | undefined, value: string): string {
  const count = counts?.find((c) => c.value === value)?.count;
  return count === undefined ? '' : ` (${count})`;
}

/**
 * The search field. Typing runs the search after a pause; Enter runs it at once. When the URL
 * changes from outside (Back, Forward, a shared link) the field follows it.
 */
function SearchBox({ value, onSearch }: { value: string; onSearch: (q: string | undefined) => void }) {
  const id = useId();
  const [text, setText] = useState(value);
  const sent = useRef(value);
  const search = useEffectEvent((q: string) => {
    sent.current = q;
    onSearch(q || undefined);
  });

  useEffect(() => {
    if (value !== sent.current) {
      sent.current = value;
      setText(value);
    }
  }, [value]);

  useEffect(() => {
    if (text.trim() === sent.current) return;
    const timer = setTimeout(() => search(text.trim()), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text]);

  const handleSubmit = (event: FormEvent) => {
    event.preventDefault();
    const q = text.trim();
    if (q === sent.current) return;
    sent.current = q;
    onSearch(q || undefined);
  };

  return (
    <form role="search" className="catalog-search" onSubmit={handleSubmit}>
      <label htmlFor={id} className="field-label">
        Search courses
      </label>
      <div className="catalog-search-row">
        <input
          id={id}
          type="search"
          className="input"
          value={text}
          maxLength={200}
          placeholder="Title, topic, tag or instructor"
          autoComplete="off"
          onChange={(event) => setText(event.target.value)}
        />
        <Button type="submit">Search</Button>
      </div>
    </form>
  );
}

function CategorySelect({
  value,
  facets,
  onChange,
}: {
  value: string | undefined;
  facets: CatalogFacets | undefined;
  onChange: (category: string | undefined) => void;
}) {
  const categories = facets?.categories ?? [];
  return (
    <SelectField
      label="Category"
      value={value ?? ''}
      onChange={(event) => onChange(event.target.value || undefined)}
    >
      <option value="">All categories</option>
      {categories.map(({ value: category, count }) => (
        <option key={category} value={category}>
          {capitalize(category)} ({count})
        </option>
      ))}
      {value && !categories.some((c) => c.value === value) && (
        <option value={value}>{capitalize(value)}</option>
      )}
    </SelectField>
  );
}

/** Placeholder cards while the first page loads, the shape of the real ones. */
function CatalogSkeleton() {
  return (
    <ul className="course-grid" aria-hidden="true">
      {Array.from({ length: Math.min(CATALOG_PAGE_SIZE, 6) }, (_, i) => (
        <li key={i}>
          <div className="course-card skeleton-card">
            <div className="thumbnail skeleton" />
            <div className="course-card-body">
              <div className="skeleton skeleton-line skeleton-short" />
              <div className="skeleton skeleton-line" />
              <div className="skeleton skeleton-line skeleton-short" />
            </div>
          </div>
        </li>
      ))}
    </ul>
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
