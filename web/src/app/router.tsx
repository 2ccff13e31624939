import { createBrowserRouter, Navigate, useLocation } from 'react-router';
import { AdminMailboxPage, AdminMessagePage } from '../features/admin/AdminMailboxPage.tsx';
import { AdminUsersPage } from '../features/admin/AdminUsersPage.tsx';
import { AdminJudgePage } from '../features/admin/AdminJudgePage.tsx';
import { ProfilePage } from '../features/account/ProfilePage.tsx';
import { SecurityPage } from '../features/account/SecurityPage.tsx';
import { SessionsPage } from '../features/account/SessionsPage.tsx';
import { ConfirmEmailChangePage } from '../features/auth/ConfirmEmailChangePage.tsx';
import { ConfirmEmailPage } from '../features/auth/ConfirmEmailPage.tsx';
import { ForgotPasswordPage, ResetPasswordPage } from '../features/auth/PasswordResetPages.tsx';
import { SignInPage } from '../features/auth/SignInPage.tsx';
import { SignUpPage } from '../features/auth/SignUpPage.tsx';
import { CatalogPage } from '../features/catalog/CatalogPage.tsx';
import { CoursePage } from '../features/courses/CoursePage.tsx';
import { VerifyPage } from '../features/certificates/VerifyPage.tsx';
import { authoringRoutes } from '../features/authoring/authoring.routes.tsx';
import { learningRoutes } from '../features/learning/learning.routes.tsx';
import { challengesRoutes } from '../features/challenges/challenges.routes.tsx';
import {
  adminPaymentsRoutes,
  paymentsRoutes,
  publicPaymentsRoutes,
} from '../features/payments/payments.routes.tsx';
import { Layout, NotFoundPage, RouteErrorPage } from './Layout.tsx';
import { RequireUser } from './RequireUser.tsx';

/** `/courses` is where people expect the catalogue (it is the home page): keep their search and filters. */
function CoursesAlias() {
  const location = useLocation();
  return <Navigate to={{ pathname: '/', search: location.search }} replace />;
}

/** Every client route. The server answers each of these paths with index.html (server/platform/web.ts). */
export const router = createBrowserRouter([
  {
    element: <Layout />,
    errorElement: <RouteErrorPage />,
    children: [
      { index: true, element: <CatalogPage /> },
      { path: 'courses', element: <CoursesAlias /> },
      { path: 'courses/:slug', element: <CoursePage /> },
      { path: 'verify/:publicId', element: <VerifyPage /> },
      { path: 'sign-up', element: <SignUpPage /> },
      { path: 'sign-in', element: <SignInPage /> },
      { path: 'confirm', element: <ConfirmEmailPage /> },
      { path: 'confirm-email-change', element: <ConfirmEmailChangePage /> },
      { path: 'forgot-password', element: <ForgotPasswordPage /> },
      { path: 'reset-password', element: <ResetPasswordPage /> },
      ...publicPaymentsRoutes,
      {
        element: <RequireUser />,
        children: [
          { path: 'account/profile', element: <ProfilePage /> },
          { path: 'account/security', element: <SecurityPage /> },
          { path: 'account/sessions', element: <SessionsPage /> },
          ...learningRoutes,
          ...authoringRoutes,
          {
            path: 'quizzes/:quizId',
            lazy: async () => ({ Component: (await import('../features/quizzes/QuizPage.tsx')).QuizPage }),
          },
          ...challengesRoutes,
          ...paymentsRoutes,
        ],
      },
      {
        element: <RequireUser role="admin" />,
        children: [
          { path: 'admin/users', element: <AdminUsersPage /> },
          { path: 'admin/mailbox', element: <AdminMailboxPage /> },
          { path: 'admin/mailbox/:id', element: <AdminMessagePage /> },
          { path: 'admin/judge', element: <AdminJudgePage /> },
          ...adminPaymentsRoutes,
        ],
      },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);
