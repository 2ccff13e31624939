import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { courseListSchema, coursePageSchema, type CourseListQuery } from '../../../../contracts/courses.ts';
import { api } from '../../lib/api.ts';

export const courseKeys = {
  all: ['courses'] as const,
  list: (filters: Pick<CourseListQuery, 'category' | 'difficulty'>) => ['courses', 'list', filters] as const,
  page: (slug: string) => ['courses', 'page', slug] as const,
};

/** The catalogue, page by page (keyset cursor). */
export function useCourseList(filters: Pick<CourseListQuery, 'category' | 'difficulty'>) {
  return useInfiniteQuery({
    queryKey: courseKeys.list(filters),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) =>
      api.get('/api/courses', courseListSchema, { ...filters, cursor: pageParam, limit: 12 }, signal),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

export function useCoursePage(slug: string) {
  return useQuery({
    queryKey: courseKeys.page(slug),
    queryFn: ({ signal }) =>
      api.get(`/api/courses/${encodeURIComponent(slug)}`, coursePageSchema, undefined, signal),
  });
}
