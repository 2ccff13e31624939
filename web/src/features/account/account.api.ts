import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { AUTH_ROUTES, type UpdateMyProfileBody } from '../../../../contracts/auth.ts';
import { callRoute } from '../../lib/api.ts';
import { sessionKey } from '../auth/session.ts';

export const accountKeys = {
  profile: ['me', 'profile'] as const,
  sessions: ['me', 'sessions'] as const,
};

export function useMyProfile() {
  return useQuery({
    queryKey: accountKeys.profile,
    queryFn: ({ signal }) => callRoute(AUTH_ROUTES.getMyProfile, { signal }),
  });
}

export function useUpdateMyProfile() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: UpdateMyProfileBody) => callRoute(AUTH_ROUTES.updateMyProfile, { body }),
    onSuccess: (profile) => {
      queryClient.setQueryData(accountKeys.profile, profile);
      // The header shows the name and avatar from the session.
      void queryClient.invalidateQueries({ queryKey: sessionKey });
    },
  });
}

export function useMySessions() {
  return useQuery({
    queryKey: accountKeys.sessions,
    queryFn: ({ signal }) => callRoute(AUTH_ROUTES.listMySessions, { signal }),
  });
}

export function useRevokeSession() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (sessionId: string) => callRoute(AUTH_ROUTES.revokeMySession, { params: { sessionId } }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: accountKeys.sessions }),
  });
}

export function useSignOutEverywhere() {
  return useMutation({ mutationFn: () => callRoute(AUTH_ROUTES.signOutEverywhere) });
}
