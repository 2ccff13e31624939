import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { AUTH_ROUTES, type ProfileRole } from '../../../../contracts/auth.ts';
import { mailboxMessageSchema, mailboxPageSchema } from '../../../../contracts/mail.ts';
import { api, callRoute } from '../../lib/api.ts';

export const adminKeys = {
  users: (filters: { q: string; role?: ProfileRole }) => ['admin', 'users', filters] as const,
  mailbox: (to: string) => ['admin', 'mailbox', to] as const,
  message: (id: string) => ['admin', 'mailbox', 'message', id] as const,
};

export function useAdminUsers(filters: { q: string; role?: ProfileRole }) {
  return useInfiniteQuery({
    queryKey: adminKeys.users(filters),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) =>
      callRoute(AUTH_ROUTES.adminListUsers, {
        query: { q: filters.q || undefined, role: filters.role, cursor: pageParam, limit: 25 },
        signal,
      }),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: (previous) => previous,
  });
}

export function useUpdateUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ userId, ...body }: { userId: string; role?: ProfileRole; isActive?: boolean }) =>
      callRoute(AUTH_ROUTES.adminUpdateUser, { params: { userId }, body }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['admin', 'users'] }),
  });
}

export function useMailbox(to: string) {
  return useInfiniteQuery({
    queryKey: adminKeys.mailbox(to),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) =>
      api.get(
        '/api/admin/mailbox',
        mailboxPageSchema,
        { to: to || undefined, cursor: pageParam, limit: 25 },
        signal,
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

export function useMailboxMessage(id: string) {
  return useQuery({
    queryKey: adminKeys.message(id),
    queryFn: ({ signal }) =>
      api.get(`/api/admin/mailbox/${encodeURIComponent(id)}`, mailboxMessageSchema, undefined, signal),
  });
}
