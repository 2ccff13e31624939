import { formatCount, formatRating } from '../lib/format.ts';

/** A course's average rating and review count, read out in full by screen readers. */
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

/** A course's thumbnail, or a calm coloured panel with its initial when it has none. */
export function Thumbnail({ url, title }: { url: string | null; title: string }) {
  if (url) return <img className="thumbnail" src={url} alt="" loading="lazy" />;
  // The hue derives from the title so a course keeps its colour.
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
