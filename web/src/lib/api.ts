import type { z } from 'zod';
import { AUTH_COOKIES, CSRF_HEADER } from '../../../contracts/auth.ts';
import { ERROR_STATUS, type ErrorCode } from '../../../contracts/errors.ts';

/**
 * The typed API client. Every call names the zod schema of its success response (from contracts/),
 * so the data's type is the server's; in development the response is also validated against it,
 * which catches a contract drift on the first screen that shows it.
 *
 * Credentials: the session travels in httpOnly cookies (`credentials: 'include'`). Unsafe methods
 * echo the readable CSRF cookie in a header (double submit). A 401 `unauthorized` (expired access
 * token) triggers one refresh (POST /api/auth/refresh) and one retry; a second 401 means "signed out".
 */

const REFRESH_PATH = '/api/auth/refresh';
/** Failures that never reached, or could not be understood from, the server. */
type ClientErrorCode = 'network_error' | 'invalid_response';
export type ApiErrorCode = ErrorCode | ClientErrorCode;

export interface FieldIssue {
  path: string;
  message: string;
}

/** An API failure the UI can switch on by `code` (never by message). */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly status: number,
    readonly requestId?: string,
    readonly details?: unknown,
    /** Seconds, from a 429's Retry-After. */
    readonly retryAfter?: number,
  ) {
    super(message);
  }

  /** Validation problems by input name: `body.email` → `email`, `body.emailNotifications.promotional` → `emailNotifications.promotional`. */
  get fieldErrors(): Record<string, string> {
    const issues = (this.details as { issues?: unknown } | undefined)?.issues;
    if (!Array.isArray(issues)) return {};
    const out: Record<string, string> = {};
    for (const issue of issues as FieldIssue[]) {
      if (typeof issue?.path !== 'string' || typeof issue.message !== 'string') continue;
      const field = issue.path.replace(/^(body|querystring|params)\.?/, '') || '_';
      out[field] ??= issue.message;
    }
    return out;
  }
}

export function isApiError(error: unknown, code?: ApiErrorCode): error is ApiError {
  return error instanceof ApiError && (code === undefined || error.code === code);
}

/** A readable sentence for any error, with the request id when the server gave one. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === 'network_error')
      return 'Cannot reach the server. Check your connection and try again.';
    if (error.code === 'rate_limited') {
      return error.retryAfter
        ? `Too many attempts. Try again in ${formatWait(error.retryAfter)}.`
        : 'Too many attempts. Try again later.';
    }
    if (error.code === 'internal_error' && error.requestId) {
      return `Something went wrong on our side. If it keeps happening, quote reference ${error.requestId}.`;
    }
    return error.message;
  }
  return error instanceof Error ? error.message : 'Something went wrong.';
}

function formatWait(seconds: number): string {
  if (seconds < 90) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

export function readCookie(name: string): string | undefined {
  for (const part of document.cookie.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
type QueryValue = string | number | boolean | null | undefined;

export interface RequestOptions<S extends z.ZodType> {
  method?: Method;
  /** The success response's schema, from contracts/. */
  schema: S;
  body?: unknown;
  query?: Record<string, QueryValue>;
  signal?: AbortSignal;
}

/** Listeners told when the session is gone (refresh failed): the app drops its cached user. */
const signedOutListeners = new Set<() => void>();
export function onSignedOut(listener: () => void): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

/**
 * Whether this browser holds a session: the readable CSRF cookie lives exactly as long as the
 * httpOnly refresh cookie, so without it there is nothing to refresh and nobody to ask about.
 */
export function hasSessionCookie(): boolean {
  return readCookie(AUTH_COOKIES.csrf) !== undefined;
}

let refreshing: Promise<boolean> | undefined;

/** One refresh at a time: concurrent 401s wait for the same attempt (the refresh token rotates). */
function refreshSession(): Promise<boolean> {
  refreshing ??= send('POST', REFRESH_PATH, {}, undefined)
    .then((response) => response.ok)
    .catch(() => false)
    .finally(() => {
      refreshing = undefined;
    });
  return refreshing;
}

/**
 * For requests made outside `apiRequest` (uploads, which need XMLHttpRequest): after a 401
 * `unauthorized`, refresh the session once. False — and everyone told the session is gone — when
 * there is no session to refresh or the refresh fails.
 */
export async function recoverSession(): Promise<boolean> {
  const recovered = hasSessionCookie() && (await refreshSession());
  if (!recovered) signedOutListeners.forEach((listener) => listener());
  return recovered;
}

function send(
  method: Method,
  path: string,
  body: unknown,
  signal: AbortSignal | undefined,
): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') {
    const csrf = readCookie(AUTH_COOKIES.csrf);
    if (csrf) headers[CSRF_HEADER] = csrf;
  }
  return fetch(path, {
    method,
    headers,
    credentials: 'include',
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
}

function withQuery(path: string, query: Record<string, QueryValue> | undefined): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

async function toApiError(response: Response): Promise<ApiError> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const error = (body as { error?: Record<string, unknown> } | undefined)?.error;
  const retryAfterHeader = Number(response.headers.get('retry-after'));
  const retryAfter = Number.isFinite(retryAfterHeader) && retryAfterHeader > 0 ? retryAfterHeader : undefined;
  if (error && typeof error.code === 'string' && typeof error.message === 'string') {
    return new ApiError(
      error.code as ApiErrorCode,
      error.message,
      response.status,
      typeof error.requestId === 'string' ? error.requestId : undefined,
      error.details,
      retryAfter,
    );
  }
  // Not the API's error shape (a proxy, a crash page): classify by status.
  const code =
    (Object.entries(ERROR_STATUS).find(([, status]) => status === response.status)?.[0] as ErrorCode) ??
    'internal_error';
  return new ApiError(
    code,
    `The server answered ${response.status} ${response.statusText}.`,
    response.status,
    response.headers.get('x-request-id') ?? undefined,
    undefined,
    retryAfter,
  );
}

/**
 * Calls the API and returns the parsed success body, or throws an ApiError. 204 and empty bodies
 * come back as `undefined` (give a schema that accepts it).
 */
export async function apiRequest<S extends z.ZodType>(
  path: string,
  options: RequestOptions<S>,
): Promise<z.output<S>> {
  const method = options.method ?? 'GET';
  const url = withQuery(path, options.query);
  const attempt = async () => {
    try {
      return await send(method, url, options.body, options.signal);
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw new ApiError('network_error', 'Cannot reach the server.', 0);
    }
  };

  let response = await attempt();
  if (response.status === 401 && path !== REFRESH_PATH && hasSessionCookie()) {
    // Only an expired or revoked access token is worth a refresh (not, say, a wrong password).
    const { code } = await toApiError(response.clone());
    if (code === 'unauthorized') {
      if (await refreshSession()) response = await attempt();
      if (response.status === 401) signedOutListeners.forEach((listener) => listener());
    }
  }
  if (!response.ok) throw await toApiError(response);

  const text = await response.text();
  let data: unknown;
  try {
    data = text === '' ? undefined : JSON.parse(text);
  } catch {
    throw new ApiError('invalid_response', 'The server sent a response that is not JSON.', response.status);
  }
  if (import.meta.env.DEV) {
    const parsed = options.schema.safeParse(data);
    if (!parsed.success) {
      console.error(`Response of ${method} ${path} does not match its contract`, parsed.error.issues, data);
      throw new ApiError(
        'invalid_response',
        `The response of ${method} ${path} does not match its contract.`,
        response.status,
      );
    }
    return parsed.data as z.output<S>;
  }
  return data as z.output<S>;
}

/** Shorthands. */
export const api = {
  get: <S extends z.ZodType>(
    path: string,
    schema: S,
    query?: Record<string, QueryValue>,
    signal?: AbortSignal,
  ) => apiRequest(path, { schema, query, signal }),
  post: <S extends z.ZodType>(path: string, schema: S, body: unknown = {}) =>
    apiRequest(path, { method: 'POST', schema, body }),
  patch: <S extends z.ZodType>(path: string, schema: S, body: unknown) =>
    apiRequest(path, { method: 'PATCH', schema, body }),
  delete: <S extends z.ZodType>(path: string, schema: S) => apiRequest(path, { method: 'DELETE', schema }),
};

/** A route as contracts/ describe it (AUTH_ROUTES): method, path with `:params`, success schemas. */
export interface RouteContract {
  method: Method;
  path: string;
  body?: z.ZodType;
  query?: z.ZodType;
  params?: z.ZodType;
  response: Record<number, z.ZodType>;
}

type SuccessOf<R extends RouteContract> = z.output<R['response'][keyof R['response']]>;

export type RouteInput<R extends RouteContract> = (R extends { body: infer B extends z.ZodType }
  ? { body: z.input<B> }
  : { body?: undefined }) &
  (R extends { params: infer P extends z.ZodType } ? { params: z.input<P> } : { params?: undefined }) &
  (R extends { query: infer Q extends z.ZodType } ? { query?: z.input<Q> } : { query?: undefined }) & {
    signal?: AbortSignal;
  };

/**
 * Calls a route of a contract's route list with typed input and output:
 * `callRoute(AUTH_ROUTES.signIn, { body: { email, password } })`.
 */
export function callRoute<R extends RouteContract>(
  route: R,
  ...[input]: R extends { body: z.ZodType } | { params: z.ZodType } ? [RouteInput<R>] : [RouteInput<R>?]
): Promise<SuccessOf<R>> {
  const params = (input?.params ?? {}) as Record<string, string>;
  const path = route.path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`callRoute: missing path parameter ${name} for ${route.path}`);
    return encodeURIComponent(value);
  });
  const schema = Object.values(route.response)[0] as z.ZodType;
  return apiRequest(path, {
    method: route.method,
    schema,
    // Unsafe methods always send a JSON body: the server's schemas expect an object.
    body: input?.body ?? (route.method === 'GET' || route.method === 'DELETE' ? undefined : {}),
    query: input?.query as Record<string, QueryValue> | undefined,
    signal: input?.signal,
  }) as Promise<SuccessOf<R>>;
}
