import { describe, expect, it } from 'vitest';
import type { CatalogSort } from '../../../contracts/catalog.ts';
import { compileOnly } from '../../db/session.ts';
import { AppError } from '../../platform/errors.ts';
import { catalogPageQuery, compiledCatalogPageQuery, type CatalogPageRequest } from './catalog.queries.ts';
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

describe('compiledCatalogPageQuery', () => {
  const id = '6b1f0a52-7a3e-4c1b-9a57-4d3b2f1e0c9d';
  const positions: Record<CatalogSort, string[]> = {
    relevance: ['0.6079271'],
    newest: ['1764150000000000'],
    popular: ['42'],
    rating: ['4.5', '17'],
    price_asc: ['1900'],
    price_desc: ['0'],
  };
  // The bare request, each filter alone (so a shape that forgot one would collide with the bare
  // one), and everything at once; each with and without a search and a position.
  const variants: Partial<CatalogPageRequest>[] = [
    {},
    { category: 'data' },
    { difficulty: 'advanced' },
    { price: 'free' },
    { price: 'paid' },
    { language: 'en' },
    { minRating: 0 },
    { category: 'web', difficulty: 'beginner', price: 'paid', language: 'pt-BR', minRating: 4.5 },
  ];
  const requests: CatalogPageRequest[] = [];
  for (const sort of Object.keys(positions) as CatalogSort[])
    for (const [n, variant] of variants.entries())
      for (const search of sort === 'relevance' ? ['python dat'] : [undefined, `react hoo${n}`])
        for (const after of [undefined, { keys: positions[sort].map((k) => `${k}${n}`), id }])
          requests.push({ sort, limit: 20, ...variant, search, after });

  it('is catalogPageQuery compiled afresh, for every shape and again with other values', () => {
    for (const request of [
      ...requests,
      ...requests.map((r) => ({ ...r, limit: 7, search: r.search && `${r.search}x` })),
    ]) {
      const fresh = catalogPageQuery(compileOnly, request).compile();
      const cached = compiledCatalogPageQuery(request);
      expect({ sql: cached.sql, parameters: cached.parameters }).toEqual({
        sql: fresh.sql,
        parameters: fresh.parameters,
      });
    }
  });
});
