import { describe, expect, it } from 'vitest';
import { AppError } from '../../platform/errors.ts';
import { decodeCursor, encodeCursor } from './catalog.service.ts';

describe('cursors', () => {
  const filter = { category: 'web', search: 'react hoo' };
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
