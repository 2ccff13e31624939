import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useNavigate, type NavigateFunction } from 'react-router';
import { AUTH_ROUTES, type AuthUser } from '../../../../contracts/auth.ts';
import { callRoute, hasSessionCookie, isApiError } from '../../lib/api.ts';

export const sessionKey = ['session'] as const;

/** Who is signed in: the user, or null for a visitor. A 401 (after one refresh) means null. */
export function useSession() {
  return useQuery({
    queryKey: sessionKey,
    queryFn: async ({ signal }): Promise<AuthUser | null> => {
      // A visitor has no session cookies: no need to ask the server (and log a 401).
      if (!hasSessionCookie()) return null;
      try {
        const { user } = await callRoute(AUTH_ROUTES.session, { signal });
        return user;
      } catch (error) {
        if (isApiError(error, 'unauthorized')) return null;
        throw error;
      }
    },
    staleTime: 60_000,
    retry: false,
  });
}

/** Forget everything that belonged to the previous user: their profile, sessions, admin lists… */
export function resetUserData(queryClient: QueryClient, user: AuthUser | null) {
  queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== 'session' });
  queryClient.setQueryData(sessionKey, user);
}

export function useSignIn() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { email: string; password: string }) => callRoute(AUTH_ROUTES.signIn, { body }),
    onSuccess: ({ user }) => {
      signedOutOnPurpose = false;
      resetUserData(queryClient, user);
    },
  });
}

export const SIGNED_OUT_PATH = '/sign-in?signedOut=1';

/**
 * Set when this tab signs out on purpose, until the signed-out page shows. The router's navigation
 * is a React transition, so on a busy machine the page being left can render once more with nobody
 * signed in: RequireUser then sends it to the signed-out page as well, not to "sign in to continue
 * here" (measured: the sessions page went to /sign-in?next=… one millisecond after the navigation).
 */
let signedOutOnPurpose = false;

export function hasSignedOutOnPurpose(): boolean {
  return signedOutOnPurpose;
}

/** The signed-out page calls this once it shows; a later visit to a private page asks to sign in. */
export function clearSignedOutOnPurpose(): void {
  signedOutOnPurpose = false;
}

/**
 * After the server ended the session: go to the signed-out page, then forget the user (navigating
 * first, so a page for signed-in users does not first see "nobody").
 */
export async function leaveSignedOut(queryClient: QueryClient, navigate: NavigateFunction): Promise<void> {
  signedOutOnPurpose = true;
  await navigate(SIGNED_OUT_PATH);
  resetUserData(queryClient, null);
}

/** Signs out and lands on the sign-in page with the signed-out notice. */
export function useSignOut() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  return useMutation({
    mutationFn: () => callRoute(AUTH_ROUTES.signOut, { body: {} }),
    onMutate: () => {
      signingOut = true;
    },
    // Signed out either way: the server always ends the session and clears the cookies.
    onSettled: async () => {
      try {
        await leaveSignedOut(queryClient, navigate);
      } finally {
        signingOut = false;
      }
    },
  });
}

/**
 * True while the user is signing out. The server refuses an ended session's access token at once,
 * so a request still in flight gets a 401; the "session ended" signal must not then forget the
 * user before useSignOut has navigated away (a private page would redirect to sign-in?next=…).
 */
export function isSigningOut(): boolean {
  return signingOut;
}
let signingOut = false;

export function useResendConfirmation() {
  return useMutation({ mutationFn: () => callRoute(AUTH_ROUTES.resendConfirmation) });
}
