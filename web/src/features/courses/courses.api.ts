import { useQuery } from '@tanstack/react-query';
import { coursePageSchema } from '../../../../contracts/courses.ts';
import { api } from '../../lib/api.ts';

export const courseKeys = {
  all: ['courses'] as const,
  page: (slug: string) => ['courses', 'page', slug] as const,
};

export function useCoursePage(slug: string) {
  return useQuery({
    queryKey: courseKeys.page(slug),
    queryFn: ({ signal }) =>
      api.get(`/api/courses/${encodeURIComponent(slug)}`, coursePageSchema, undefined, signal),
  });
}
