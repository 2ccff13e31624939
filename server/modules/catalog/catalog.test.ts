import { describe, expect, it } from 'vitest';
import { AppError } from '../../platform/errors.ts';
import { decodeCursor, encodeCursor, parseSearch } from './catalog.service.ts';

describe('parseSearch', () => {
  it('splits off the last word, which matches as a prefix', () => {
    expect(parseSearch('intro to progr')).toEqual({
      text: 'intro to progr',
      head: 'intro to',
      last: 'progr',
    });
    expect(parseSearch('  Python  ')).toEqual({ text: 'Python', head: '', last: 'python' });
    expect(parseSearch('Éco')).toEqual({ text: 'Éco', head: '', last: 'éco' });
  });

  it('leaves web-search syntax whole: negation, open or closed quotes, or, punctuation', () => {
    for (const text of [
      'python -django',
      '"machine learn',
      '"machine learning"',
      'python or',
      'node.js',
      'c++',
    ])
      expect(parseSearch(text), text).toEqual({ text, head: text, last: null });
  });

  it('is null for nothing to search', () => {
    expect(parseSearch(undefined)).toBeNull();
    expect(parseSearch('   ')).toBeNull();
  });
});

describe('cursors', () => {
  const filter = { category: 'web', search: parseSearch('react hoo') ?? undefined };
  const position = { keys: ['0.6079271'], id: '6b1f0a52-7a3e-4c1b-9a57-4d3b2f1e0c9d' };

  it('round-trip for the same search, filters and sort', () => {
    expect(decodeCursor(encodeCursor('relevance', filter, position), 'relevance', filter)).toEqual(position);
  });

  it('refuse another sort, other filters, or keys that are not the sort’s', () => {
    const cursor = encodeCursor('relevance', filter, position);
    const refused = (run: () => unknown) => {
      expect(run).toThrow(AppError);
      try {
        run();
      } catch (error) {
        expect((error as AppError).code).toBe('invalid_cursor');
      }
    };
    refused(() => decodeCursor(cursor, 'newest', filter));
    refused(() => decodeCursor(cursor, 'relevance', { ...filter, category: 'data' }));
    refused(() => decodeCursor(encodeCursor('popular', filter, position), 'popular', filter));
    refused(() => decodeCursor(encodeCursor('rating', filter, position), 'rating', filter));
    refused(() => decodeCursor('bm90IGpzb24', 'relevance', filter));
  });
});
