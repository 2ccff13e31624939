import { Outlet } from 'react-router';
import { ButtonLink } from '../../components/Button.tsx';
import { EmptyState } from '../../components/Feedback.tsx';
import { useDocumentTitle } from '../../components/Page.tsx';
import { useSession } from '../auth/session.ts';

/** Instructors author their own courses, admins everyone's; learners are told so. Inside <RequireUser>. */
export function RequireAuthor() {
  const session = useSession();
  const role = session.data?.role;
  if (role === 'instructor' || role === 'admin') return <Outlet />;
  return <NotAnAuthor />;
}

function NotAnAuthor() {
  useDocumentTitle('Teaching');
  return (
    <EmptyState heading="h1" title="Teaching is for instructors">
      <p>Your account is a learner's. Ask an administrator if you would like to teach here.</p>
      <ButtonLink to="/" variant="secondary">
        Back to the courses
      </ButtonLink>
    </EmptyState>
  );
}
