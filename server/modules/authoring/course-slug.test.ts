import { describe, expect, it } from 'vitest';
import { courseSlugSchema } from '../../../contracts/courses.ts';
import { FALLBACK_SLUG, SLUG_BASE_MAX, slugify, withSuffix } from './course-slug.ts';

describe('slugify', () => {
  it('folds accents and special letters to ASCII, lowercases and hyphenates', () => {
    expect(slugify('Café Ørsted: Straße & Łódź!')).toBe('cafe-orsted-strasse-and-lodz');
    expect(slugify('  TypeScript   from -- Zero  ')).toBe('typescript-from-zero');
    expect(slugify('Ångström Ñandú Œuvre')).toBe('angstrom-nandu-oeuvre');
    expect(slugify('C++ in 21 days')).toBe('c-in-21-days');
  });

  it('falls back when nothing folds to ASCII', () => {
    expect(slugify('日本語の講座')).toBe(FALLBACK_SLUG);
    expect(slugify('!!!')).toBe(FALLBACK_SLUG);
  });

  it('cuts long titles at a word boundary, and an overlong single word at the limit', () => {
    const long = slugify('word '.repeat(60));
    expect(long.length).toBeLessThanOrEqual(SLUG_BASE_MAX);
    expect(long.endsWith('-word')).toBe(true);
    expect(slugify('x'.repeat(300))).toBe('x'.repeat(SLUG_BASE_MAX));
  });

  it('always produces a slug the courses CHECK accepts, even with a suffix', () => {
    for (const title of ['Hello', 'a'.repeat(500), '--a--b--', 'ÉÉÉ', '1 2 3', `${'long '.repeat(40)}end`]) {
      expect(courseSlugSchema.safeParse(withSuffix(slugify(title), 9999)).success, title).toBe(true);
    }
  });

  it('adds the suffix only when one is needed', () => {
    expect(withSuffix('intro', 0)).toBe('intro');
    expect(withSuffix('intro', 2)).toBe('intro-2');
  });
});
