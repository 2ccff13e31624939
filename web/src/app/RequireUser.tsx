import { Navigate, Outlet, useLocation } from 'react-router';
import type { ProfileRole } from '../../../contracts/auth.ts';
import { ButtonLink } from '../components/Button.tsx';
import { EmptyState, ErrorState, LoadingState } from '../components/Feedback.tsx';
import { useDocumentTitle } from '../components/Page.tsx';
import { hasSignedOutOnPurpose, SIGNED_OUT_PATH, useSession } from '../features/auth/session.ts';

/** Routes for signed-in users (optionally of one role); visitors go to sign in and come back. */
export function RequireUser({ role }: { role?: ProfileRole }) {
  const session = useSession();
  const location = useLocation();
  if (session.isPending) return <LoadingState label="Checking your session…" />;
  if (session.isError) return <ErrorState error={session.error} onRetry={() => void session.refetch()} />;
  if (!session.data) {
    if (hasSignedOutOnPurpose()) return <Navigate to={SIGNED_OUT_PATH} replace />;
    const next = `${location.pathname}${location.search}`;
    return <Navigate to={`/sign-in?next=${encodeURIComponent(next)}`} replace />;
  }
  if (role && session.data.role !== role) return <Forbidden />;
  return <Outlet />;
}

function Forbidden() {
  useDocumentTitle('Not allowed');
  return (
    <EmptyState heading="h1" title="This page is for administrators">
      <ButtonLink to="/" variant="secondary">
        Back to the courses
      </ButtonLink>
    </EmptyState>
  );
}
