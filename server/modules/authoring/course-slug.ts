/** Generated course slugs: readable, ASCII, and short enough to take a "-N" suffix. */

/** Longest generated base; with "-N" the slug stays within the 120 characters of the courses CHECK. */
export const SLUG_BASE_MAX = 100;

/** Used when a title has no letters or digits that fold to ASCII (e.g. only CJK characters). */
export const FALLBACK_SLUG = 'course';

// Letters NFKD does not decompose into ASCII plus a combining mark.
const FOLDS: Record<string, string> = {
  ß: 'ss',
  ẞ: 'ss',
  æ: 'ae',
  Æ: 'ae',
  œ: 'oe',
  Œ: 'oe',
  ø: 'o',
  Ø: 'o',
  ł: 'l',
  Ł: 'l',
  đ: 'd',
  Đ: 'd',
  ð: 'd',
  Ð: 'd',
  þ: 'th',
  Þ: 'th',
  ı: 'i',
  '&': ' and ',
};

/**
 * The slug a title suggests: ASCII-folded ("Café Ørsted" → "cafe-orsted"), lowercase, words
 * joined by single hyphens, cut at a word boundary to SLUG_BASE_MAX characters.
 */
export function slugify(title: string): string {
  const folded = title
    .replace(/[ßẞæÆœŒøØłŁđĐðÐþÞı&]/g, (c) => FOLDS[c] ?? c)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
  const words = folded.split(/[^a-z0-9]+/).filter(Boolean);
  let slug = '';
  for (const word of words) {
    const next = slug ? `${slug}-${word}` : word;
    if (next.length > SLUG_BASE_MAX) {
      // A single overlong word is cut; otherwise stop at the last whole word.
      if (!slug) slug = word.slice(0, SLUG_BASE_MAX);
      break;
    }
    slug = next;
  }
  return slug || FALLBACK_SLUG;
}

/** The base with the suffix the database found free (0 = the base itself). */
export function withSuffix(base: string, suffix: number): string {
  return suffix === 0 ? base : `${base}-${suffix}`;
}
