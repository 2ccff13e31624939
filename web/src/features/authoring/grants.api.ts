import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  grantListSchema,
  grantSchema,
  revokedGrantSchema,
  type GrantInput,
} from '../../../../contracts/learning.ts';
import { api } from '../../lib/api.ts';

const grantsKey = (courseId: string) => ['authoring', 'grants', courseId] as const;

/** Access granted by email to one course (its owner or an admin). */
export function useGrants(courseId: string) {
  return useQuery({
    queryKey: grantsKey(courseId),
    queryFn: ({ signal }) =>
      api.get(`/api/courses/${encodeURIComponent(courseId)}/grants`, grantListSchema, undefined, signal),
  });
}

export function useGrantMutations(courseId: string) {
  const queryClient = useQueryClient();
  const path = `/api/courses/${encodeURIComponent(courseId)}/grants`;
  const refresh = () => queryClient.invalidateQueries({ queryKey: grantsKey(courseId) });
  return {
    grant: useMutation({
      mutationFn: (input: GrantInput) => api.post(path, grantSchema, input),
      onSuccess: refresh,
    }),
    revoke: useMutation({
      mutationFn: (email: string) => api.post(`${path}/revoke`, revokedGrantSchema, { email }),
      onSuccess: refresh,
    }),
  };
}
