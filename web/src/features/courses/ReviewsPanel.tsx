import { useId, useState, type FormEvent } from 'react';
import type { CoursePage as CoursePageData, Review } from '../../../../contracts/courses.ts';
import type { MyReview } from '../../../../contracts/reviews.ts';
import { Avatar } from '../../components/Avatar.tsx';
import { Button } from '../../components/Button.tsx';
import { ConfirmDialog } from '../../components/Dialog.tsx';
import { Alert, ErrorAlert, ErrorState, Spinner } from '../../components/Feedback.tsx';
import { TextArea, TextField } from '../../components/Field.tsx';
import { Card } from '../../components/Page.tsx';
import { isApiError } from '../../lib/api.ts';
import { formatCount, formatDate, formatRating } from '../../lib/format.ts';
import { useCourseReviews, useDeleteReview, useMyReview, useSaveReview } from './courses.api.ts';

/** Rating summary with its distribution, the reviews (latest first, then all page by page) and the viewer's own. */
export function ReviewsPanel({ course }: { course: CoursePageData }) {
  const { rating } = course;
  const [showAll, setShowAll] = useState(false);
  const all = useCourseReviews(course.id, showAll);
  const canReview = course.viewer.enrollment !== null && !course.viewer.isOwner;
  const reviews: Review[] =
    showAll && all.data ? all.data.pages.flatMap((p) => p.items) : course.latestReviews;

  return (
    <Card className="reviews">
      <h2 id="reviews-title">Reviews</h2>
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

      {canReview && <MyReviewBox course={course} />}

      {reviews.length > 0 && (
        <ul className="review-list" aria-label={showAll ? 'All reviews' : 'Latest reviews'}>
          {reviews.map((review) => (
            <ReviewView key={review.id} review={review} />
          ))}
        </ul>
      )}
      {showAll && all.isError && (
        <ErrorState
          error={all.error}
          title="The reviews could not be loaded"
          onRetry={() => void all.refetch()}
        />
      )}
      {!showAll && rating.count > course.latestReviews.length && (
        <Button variant="secondary" onClick={() => setShowAll(true)}>
          Show all {formatCount(rating.count, 'review', 'reviews')}
        </Button>
      )}
      {showAll && all.isFetching && <Spinner label="Loading reviews" />}
      {showAll && all.hasNextPage && !all.isFetchingNextPage && (
        <Button variant="secondary" onClick={() => void all.fetchNextPage()}>
          Show more reviews
        </Button>
      )}
    </Card>
  );
}

export function ReviewView({ review }: { review: Review }) {
  const name = review.reviewer?.displayName ?? 'A learner';
  return (
    <li className="review">
      <div className="person">
        <Avatar name={name} url={review.reviewer?.avatarUrl ?? null} size={36} />
        <div>
          <p className="person-name">{name}</p>
          <p className="muted small">
            <Stars rating={review.rating} /> · {formatDate(review.createdAt)}
          </p>
        </div>
      </div>
      {review.title && <p className="review-title">{review.title}</p>}
      {review.comment && <p className="review-comment">{review.comment}</p>}
    </li>
  );
}

function Stars({ rating }: { rating: number }) {
  return (
    <>
      <span aria-hidden="true">{'★'.repeat(rating) + '☆'.repeat(5 - rating)}</span>
      <span className="visually-hidden">{rating} out of 5 stars</span>
    </>
  );
}

/** "Write a review" / "Edit your review" for an enrolled learner. */
function MyReviewBox({ course }: { course: CoursePageData }) {
  const mine = useMyReview(course.id, true);
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState(false);

  if (mine.isPending) return <Spinner label="Loading your review" />;
  if (mine.isError) return <ErrorAlert error={mine.error} title="Your review could not be loaded" />;
  const review = mine.data.review;

  if (editing) {
    return (
      <ReviewForm
        course={course}
        review={review}
        onDone={(didSave) => {
          setEditing(false);
          setSaved(didSave);
        }}
      />
    );
  }
  return (
    <div className="my-review">
      {saved && <Alert tone="success">Thank you: your review is saved.</Alert>}
      {review && (
        <p className="muted small">
          Your review: <Stars rating={review.rating} />
        </p>
      )}
      <Button
        variant="secondary"
        onClick={() => {
          setSaved(false);
          setEditing(true);
        }}
      >
        {review ? 'Edit your review' : 'Write a review'}
      </Button>
    </div>
  );
}

function ReviewForm({
  course,
  review,
  onDone,
}: {
  course: CoursePageData;
  review: MyReview | null;
  onDone: (saved: boolean) => void;
}) {
  const [rating, setRating] = useState<number>(review?.rating ?? 0);
  const [title, setTitle] = useState(review?.title ?? '');
  const [comment, setComment] = useState(review?.comment ?? '');
  const [ratingMissing, setRatingMissing] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const save = useSaveReview(course.slug, course.id, review !== null);
  const remove = useDeleteReview(course.slug, course.id);
  const fieldErrors = isApiError(save.error) ? save.error.fieldErrors : {};

  const handleSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (rating < 1) {
      setRatingMissing(true);
      return;
    }
    save.mutate(
      { rating, title: title.trim() || null, comment: comment.trim() || null },
      { onSuccess: () => onDone(true) },
    );
  };

  return (
    <form className="review-form" onSubmit={handleSubmit} noValidate>
      <h3>{review ? 'Edit your review' : 'Write a review'}</h3>
      <StarRating
        value={rating}
        onChange={(value) => {
          setRating(value);
          setRatingMissing(false);
        }}
        error={ratingMissing ? 'Choose from 1 to 5 stars.' : fieldErrors.rating}
      />
      <TextField
        label="Title (optional)"
        value={title}
        maxLength={200}
        onChange={(e) => setTitle(e.target.value)}
        error={fieldErrors.title}
      />
      <TextArea
        label="Your review (optional)"
        value={comment}
        maxLength={5000}
        rows={4}
        onChange={(e) => setComment(e.target.value)}
        error={fieldErrors.comment}
      />
      {save.isError && Object.keys(fieldErrors).length === 0 && <ErrorAlert error={save.error} />}
      {remove.isError && <ErrorAlert error={remove.error} />}
      <div className="form-actions">
        <Button type="submit" busy={save.isPending}>
          {review ? 'Save changes' : 'Post review'}
        </Button>
        <Button variant="secondary" onClick={() => onDone(false)} disabled={save.isPending}>
          Cancel
        </Button>
        {review && (
          <Button variant="danger" onClick={() => setConfirmDelete(true)} disabled={save.isPending}>
            Delete review
          </Button>
        )}
      </div>
      <ConfirmDialog
        open={confirmDelete}
        title="Delete your review?"
        confirmLabel="Delete"
        tone="danger"
        busy={remove.isPending}
        onCancel={() => setConfirmDelete(false)}
        onConfirm={() =>
          remove.mutate(undefined, {
            onSuccess: () => {
              setConfirmDelete(false);
              onDone(false);
            },
            onError: () => setConfirmDelete(false),
          })
        }
      >
        Your rating and text will be removed from this course.
      </ConfirmDialog>
    </form>
  );
}

/**
 * Five radio buttons drawn as stars: Tab reaches the group, arrow keys change the rating (native
 * radio behaviour), and each star has a spoken label.
 */
function StarRating({
  value,
  onChange,
  error,
}: {
  value: number;
  onChange: (value: number) => void;
  error?: string | undefined;
}) {
  const name = useId();
  const errorId = `${name}-error`;
  return (
    <fieldset
      className={error ? 'star-rating field-invalid' : 'star-rating'}
      aria-describedby={error ? errorId : undefined}
    >
      <legend className="field-label">Your rating</legend>
      <div className="star-rating-stars">
        {[1, 2, 3, 4, 5].map((stars) => (
          <span key={stars} className="star-rating-option">
            <input
              type="radio"
              id={`${name}-${stars}`}
              name={name}
              value={stars}
              checked={value === stars}
              onChange={() => onChange(stars)}
              className="visually-hidden"
            />
            <label htmlFor={`${name}-${stars}`} className={stars <= value ? 'star star-on' : 'star'}>
              <span aria-hidden="true">★</span>
              <span className="visually-hidden">
                {stars} {stars === 1 ? 'star' : 'stars'}
              </span>
            </label>
          </span>
        ))}
      </div>
      {error && (
        <p id={errorId} className="field-error">
          <span aria-hidden="true">⚠ </span>
          {error}
        </p>
      )}
    </fieldset>
  );
}
