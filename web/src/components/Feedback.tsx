import type { ReactNode } from 'react';
import { describeError, isApiError } from '../lib/api.ts';
import { Button } from './Button.tsx';

type Tone = 'info' | 'success' | 'warning' | 'error';

/**
 * A message box. Errors use role="alert" (announced at once); the others role="status" (announced
 * politely). Render it conditionally, so the announcement happens when it appears.
 */
export function Alert({
  tone = 'info',
  title,
  children,
}: {
  tone?: Tone;
  title?: ReactNode;
  children?: ReactNode;
}) {
  return (
    <div className={`alert alert-${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      {title && <p className="alert-title">{title}</p>}
      {children && <div className="alert-body">{children}</div>}
    </div>
  );
}

/** A form-level error from a failed request, announced to screen readers. */
export function ErrorAlert({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  return (
    <Alert tone="error" title={title}>
      {describeError(error)}
    </Alert>
  );
}

export function Spinner({ label = 'Loading' }: { label?: string }) {
  return (
    <span className="spinner" role="img" aria-label={label}>
      <span className="visually-hidden">{label}</span>
    </span>
  );
}

export function LoadingState({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      <p>{label}</p>
    </div>
  );
}

/** Nothing to show. `heading` makes the title the page's heading (a not-found page has no other). */
export function EmptyState({
  title,
  heading,
  children,
}: {
  title: ReactNode;
  heading?: 'h1' | 'h2';
  children?: ReactNode;
}) {
  const Title = heading ?? 'p';
  return (
    <div className="state state-empty">
      <Title className="state-title">{title}</Title>
      {children && <div>{children}</div>}
    </div>
  );
}

/** A failed load, with a way to try again. */
export function ErrorState({
  error,
  title = 'This could not be loaded',
  onRetry,
}: {
  error: unknown;
  title?: ReactNode;
  onRetry?: () => void;
}) {
  return (
    <div className="state state-error" role="alert">
      <p className="state-title">{title}</p>
      <p>{describeError(error)}</p>
      {onRetry && (
        <Button variant="secondary" onClick={onRetry}>
          Try again
        </Button>
      )}
    </div>
  );
}

/** The part of a TanStack query result that QueryView reads (plain and infinite queries both fit). */
interface LoadableQuery<T> {
  isPending: boolean;
  isError: boolean;
  error: unknown;
  data: T | undefined;
  refetch: () => unknown;
}

/**
 * One way to show a query's three states: a loading state while it is pending, an error with
 * "Try again" when it failed, and `children(data)` once it has data. `notFound` replaces the error
 * when the server said the thing is missing or not the viewer's (404 `not_found`, or a malformed
 * id: `validation_failed`) — the two must read the same, so nothing leaks whether it exists.
 */
export function QueryView<T>({
  query,
  loading,
  errorTitle,
  notFound,
  children,
}: {
  query: LoadableQuery<T>;
  loading: string;
  errorTitle?: ReactNode;
  notFound?: ReactNode;
  children: (data: T) => ReactNode;
}) {
  if (query.isPending) return <LoadingState label={loading} />;
  if (query.isError || query.data === undefined) {
    if (notFound !== undefined && isNotFound(query.error)) return <>{notFound}</>;
    return <ErrorState error={query.error} title={errorTitle} onRetry={() => void query.refetch()} />;
  }
  return <>{children(query.data)}</>;
}

function isNotFound(error: unknown) {
  return isApiError(error, 'not_found') || isApiError(error, 'validation_failed');
}
