import { useEffect, useRef, useState } from 'react';
import { isRouteErrorResponse, Link, NavLink, Outlet, useLocation, useRouteError } from 'react-router';
import type { AuthUser } from '../../../contracts/auth.ts';
import { Avatar } from '../components/Avatar.tsx';
import { Button, ButtonLink } from '../components/Button.tsx';
import { Alert, EmptyState } from '../components/Feedback.tsx';
import { useDocumentTitle } from '../components/Page.tsx';
import { useResendConfirmation, useSession, useSignOut } from '../features/auth/session.ts';
import { describeError } from '../lib/api.ts';

/** The frame of every page: skip link, header with navigation and the user's menu, main, footer. */
export function Layout() {
  const mainRef = useRef<HTMLElement>(null);
  const { pathname } = useLocation();
  const firstRender = useRef(true);

  // On navigation, move focus to the new page's content so keyboard and screen-reader users start there.
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    mainRef.current?.focus({ preventScroll: false });
  }, [pathname]);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <SiteHeader />
      <ConfirmEmailBanner />
      <main id="main" ref={mainRef} tabIndex={-1} className="main">
        <Outlet />
      </main>
      <footer className="site-footer">
        <p>UsefulWriter — open-source courses you can host yourself.</p>
      </footer>
    </>
  );
}

function SiteHeader() {
  const session = useSession();
  const user = session.data ?? null;
  return (
    <header className="site-header">
      <div className="site-header-inner">
        <Link to="/" className="brand">
          <span className="brand-mark" aria-hidden="true">
            U
          </span>
          UsefulWriter
        </Link>
        <nav aria-label="Main" className="main-nav">
          <ul>
            <li>
              <NavLink to="/" end>
                Courses
              </NavLink>
            </li>
            {user && (
              <li>
                <NavLink to="/my-learning">My learning</NavLink>
              </li>
            )}
            {(user?.role === 'instructor' || user?.role === 'admin') && (
              <li>
                <NavLink to="/author">Teach</NavLink>
              </li>
            )}
            {user?.role === 'admin' && (
              <>
                <li>
                  <NavLink to="/admin/users">Users</NavLink>
                </li>
                <li>
                  <NavLink to="/admin/mailbox">Mailbox</NavLink>
                </li>
                <li>
                  <NavLink to="/admin/judge">Judge</NavLink>
                </li>
                <li>
                  <NavLink to="/admin/payments">Payments</NavLink>
                </li>
              </>
            )}
          </ul>
        </nav>
        <div className="header-account">
          {session.isPending ? null : user ? (
            <UserMenu user={user} />
          ) : (
            <>
              <ButtonLink to="/sign-in" variant="ghost">
                Sign in
              </ButtonLink>
              <ButtonLink to="/sign-up">Sign up</ButtonLink>
            </>
          )}
        </div>
      </div>
    </header>
  );
}

/** A disclosure (button + list of links): Escape or a click outside closes it, focus returns to the button. */
function UserMenu({ user }: { user: AuthUser }) {
  const [open, setOpen] = useState(false);
  const rootRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const signOut = useSignOut();
  const name = user.displayName ?? user.fullName ?? user.email;
  const close = () => setOpen(false);
  useEffect(() => {
    if (!open) return;
    const onPointer = (event: PointerEvent) => {
      if (!rootRef.current?.contains(event.target as Node)) setOpen(false);
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        setOpen(false);
        buttonRef.current?.focus();
      }
    };
    document.addEventListener('pointerdown', onPointer);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('pointerdown', onPointer);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  const handleSignOut = () => {
    close();
    signOut.mutate();
  };

  return (
    <div className="user-menu" ref={rootRef}>
      <button
        ref={buttonRef}
        type="button"
        className="user-menu-button"
        aria-expanded={open}
        aria-controls="user-menu-list"
        onClick={() => setOpen((value) => !value)}
      >
        <Avatar name={name} url={user.avatarUrl} size={32} />
        <span className="user-menu-name">{name}</span>
        <span className="visually-hidden">: account menu</span>
        <span aria-hidden="true" className="caret">
          ▾
        </span>
      </button>
      <div id="user-menu-list" className="user-menu-list" hidden={!open}>
        <p className="user-menu-email">{user.email}</p>
        <ul>
          <li>
            <Link to="/account/profile" onClick={close}>
              Profile and settings
            </Link>
          </li>
          <li>
            <Link to="/account/security" onClick={close}>
              Password and email
            </Link>
          </li>
          <li>
            <Link to="/account/sessions" onClick={close}>
              Sessions
            </Link>
          </li>
          <li>
            <Link to="/purchases" onClick={close}>
              Purchases
            </Link>
          </li>
          <li>
            <Link to="/plans" onClick={close}>
              Plans
            </Link>
          </li>
          {(user.role === 'instructor' || user.role === 'admin') && (
            <>
              <li>
                <Link to="/instructor/sales" onClick={close}>
                  Sales
                </Link>
              </li>
              <li>
                <Link to="/promo-codes" onClick={close}>
                  Promotional codes
                </Link>
              </li>
            </>
          )}
          <li>
            <button type="button" onClick={handleSignOut} disabled={signOut.isPending}>
              Sign out
            </button>
          </li>
        </ul>
      </div>
    </div>
  );
}

function ConfirmEmailBanner() {
  const session = useSession();
  const resend = useResendConfirmation();
  const user = session.data;
  if (!user || user.emailConfirmed) return null;
  return (
    <div className="banner" role="region" aria-label="Confirm your email address">
      <p>
        <strong>Confirm your email address.</strong> We sent a link to {user.email}. Until you open it you
        cannot buy courses.
      </p>
      {resend.isSuccess ? (
        <p role="status">A new link is on its way.</p>
      ) : (
        <Button variant="secondary" busy={resend.isPending} onClick={() => resend.mutate()}>
          Send the link again
        </Button>
      )}
      {resend.isError && <p role="alert">{describeError(resend.error)}</p>}
    </div>
  );
}

export function NotFoundPage() {
  useDocumentTitle('Page not found');
  return (
    <EmptyState heading="h1" title="This page does not exist">
      <ButtonLink to="/" variant="secondary">
        Browse the courses
      </ButtonLink>
    </EmptyState>
  );
}

/** A crash while rendering a route: say so plainly, keep the way home. */
export function RouteErrorPage() {
  const error = useRouteError();
  useDocumentTitle('Something went wrong');
  return (
    <main id="main" className="main">
      <Alert tone="error" title="Something went wrong">
        {isRouteErrorResponse(error) ? `${error.status} ${error.statusText}` : describeError(error)}
      </Alert>
      <p>
        <a href="/">Back to the courses</a>
      </p>
    </main>
  );
}
