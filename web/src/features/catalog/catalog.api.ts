import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { courseListSchema, type CatalogSort, type CatalogPrice } from '../../../../contracts/catalog.ts';
import type { difficultyLevelSchema } from '../../../../contracts/courses.ts';
import type { z } from 'zod';
import { api } from '../../lib/api.ts';

/** What the visitor asked for; every field comes from (and goes to) the page's query string. */
export interface CatalogFilters {
  q?: string | undefined;
  category?: string | undefined;
  difficulty?: z.infer<typeof difficultyLevelSchema> | undefined;
  price?: CatalogPrice | undefined;
  language?: string | undefined;
  minRating?: number | undefined;
  sort?: CatalogSort | undefined;
}

export const CATALOG_PAGE_SIZE = 12;

export const catalogKeys = {
  all: ['catalog'] as const,
  list: (filters: CatalogFilters) => ['catalog', 'list', filters] as const,
};

/**
 * The catalogue for these filters, page by page (keyset cursor). The first page also asks for the
 * total and the facet counts. While new filters load, the previous results stay on screen.
 */
export function useCatalog(filters: CatalogFilters) {
  return useInfiniteQuery({
    queryKey: catalogKeys.list(filters),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) =>
      api.get(
        '/api/courses',
        courseListSchema,
        { ...filters, limit: CATALOG_PAGE_SIZE, ...(pageParam ? { cursor: pageParam } : { facets: true }) },
        signal,
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  });
}
