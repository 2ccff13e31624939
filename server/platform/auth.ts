import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { decodeJwt, errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import type { Compilable } from 'kysely';
import { AUTH_COOKIES, CSRF_HEADER } from '../../contracts/auth.ts';
import { compileOnly, type Db, type SessionUser, type Tx } from '../db/session.ts';
import { AppError } from './errors.ts';

/** The audience Supabase puts in user tokens; tokens for anything else are refused. */
const AUDIENCE = 'authenticated';

/** Supabase-shaped access-token claims. `anon` tokens (Supabase's anon key) mean "not signed in". */
const claimsSchema = z.discriminatedUnion('role', [
  z.object({
    role: z.literal('authenticated'),
    sub: z.uuid(),
    email: z.string().nullish(),
    session_id: z.uuid().optional(),
  }),
  z.object({ role: z.literal('anon') }),
]);

/** Runs a unit of work as the caller of the current request (see `request.db`). */
export interface RequestDb {
  /** One transaction under row-level security as the signed-in user, or as `anon` when signed out. */
  run<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * One read-only query as the caller in a single round trip (db.readAs). `build` gets a
   * compile-only builder: it describes the query, it cannot run anything itself.
   */
  read<R>(build: (qb: Tx) => Compilable<R>): Promise<R[]>;
}

/** Database access as `user`, or as anon when null: what `request.db` is (seeds and jobs acting for a person use it too). */
export function requestDbFor(db: Db, user: SessionUser | null): RequestDb {
  return {
    run: (work) => (user ? db.asUser(user, work) : db.asAnon(work)),
    read: (build) => db.readAs(user, build(compileOnly)),
  };
}

/** Who the caller is, as far as the credentials tell: the user and the session (sign-in) it belongs to. */
export interface RequestAuth {
  user: SessionUser;
  /** The sign-in session named by the access token (`session_id` claim); absent in hand-made tokens. */
  sessionId: string | undefined;
  /** How the credentials came: `Authorization: Bearer` (API clients) or the access cookie (web). */
  via: 'bearer' | 'cookie';
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in user, or null for an anonymous visitor. Set by the `authenticate` hook. */
    user: SessionUser | null;
    /** The credentials behind `user` (null when anonymous). */
    auth: RequestAuth | null;
    /** Database access as the caller. User-facing code never uses `asSystem`. */
    db: RequestDb;
  }
  interface FastifyContextConfig {
    /**
     * Routes used before (or to establish) a session: sign-in, sign-up, refresh, sign-out, links
     * from emails. An expired or invalid access *cookie* is ignored there instead of answering 401
     * (the browser still holds it), and the CSRF check of this plugin is left to the route: these
     * routes either do not act on the cookie session or verify the CSRF token themselves.
     */
    sessionEntry?: boolean;
  }
}

export interface AuthOptions {
  jwtSecret: string;
  db: Db;
}

const encoder = new TextEncoder();

/**
 * Signs an HS256 access token with Supabase-shaped claims (`sub`, `role`, `email`, `aud`, `exp`, and
 * `session_id` for tokens of a sign-in session). Nothing about permissions is in it: policies read
 * the profile on every request, so a role change applies at once.
 */
export async function signAccessToken(
  secret: string,
  user: SessionUser,
  ttlSeconds = 3600,
  sessionId?: string,
): Promise<string> {
  return new SignJWT({
    role: 'authenticated',
    email: user.email ?? null,
    ...(sessionId ? { session_id: sessionId } : {}),
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(user.id)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(encoder.encode(secret));
}

const invalidToken = () =>
  new AppError('unauthorized', 'The access token is invalid or has expired; sign in again.');

/**
 * Verifies a bearer token and returns who it names: a user, or null for an `anon` token. Anything
 * else — bad signature, other algorithm, expired, wrong audience, a service_role token — is refused:
 * service access never comes through a user-facing request.
 */
export async function verifyAccessToken(key: Uint8Array, token: string): Promise<SessionUser | null> {
  return (await verifyAccessTokenClaims(key, token))?.user ?? null;
}

/** verifyAccessToken, plus the session the token belongs to. */
export async function verifyAccessTokenClaims(
  key: Uint8Array,
  token: string,
): Promise<{ user: SessionUser; sessionId: string | undefined } | null> {
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, key, {
      algorithms: ['HS256'],
      requiredClaims: ['exp'],
      clockTolerance: 5,
    }));
  } catch (error) {
    if (error instanceof joseErrors.JOSEError || error instanceof TypeError) throw invalidToken();
    throw error;
  }
  const claims = claimsSchema.safeParse(payload);
  if (!claims.success) throw invalidToken();
  if (claims.data.role === 'anon') return null;
  const aud = (payload as { aud?: unknown }).aud;
  if (aud !== AUDIENCE && !(Array.isArray(aud) && aud.includes(AUDIENCE))) throw invalidToken();
  return {
    user: { id: claims.data.sub, email: claims.data.email ?? null, sessionId: claims.data.session_id },
    sessionId: claims.data.session_id,
  };
}

type VerifiedToken = Awaited<ReturnType<typeof verifyAccessTokenClaims>>;

/** How many verified tokens a server remembers (a few MB at most; the oldest is forgotten first). */
const VERIFIED_TOKENS_KEPT = 10_000;

/**
 * verifyAccessTokenClaims with a memory: a token's claims never change, so each token is verified
 * once and its result served from memory until the token expires. jose verifies through WebCrypto,
 * whose per-call key import and async dispatch cost about a tenth of a signed-in catalogue request's
 * CPU (profiled in bench/catalog.bench.ts). Only successes are kept, keyed by the whole token text,
 * so an altered token is never a hit. Whether the session behind a token is still live is not a
 * property of the token: the database checks it on every request (private.assert_live_session).
 */
export function createTokenVerifier(key: Uint8Array): (token: string) => Promise<VerifiedToken> {
  const verified = new Map<string, { result: VerifiedToken; expiresAt: number }>();
  return async (token) => {
    const hit = verified.get(token);
    if (hit && Date.now() < hit.expiresAt) return hit.result;
    verified.delete(token);
    const result = await verifyAccessTokenClaims(key, token);
    const exp = (decodeJwt(token).exp ?? 0) * 1000;
    if (verified.size >= VERIFIED_TOKENS_KEPT) verified.delete(verified.keys().next().value!);
    verified.set(token, { result, expiresAt: exp });
    return result;
  };
}

// ---------------------------------------------------------------- cookies and CSRF

/** Reads one cookie from the Cookie header (first occurrence), or undefined. */
export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const raw = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(raw);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

interface CookieOptions {
  path: string;
  httpOnly: boolean;
  secure: boolean;
  /** Seconds; 0 deletes the cookie. */
  maxAge: number;
}

function serializeCookie(name: string, value: string, options: CookieOptions): string {
  return [
    `${name}=${encodeURIComponent(value)}`,
    `Path=${options.path}`,
    `Max-Age=${Math.max(0, Math.floor(options.maxAge))}`,
    ...(options.maxAge <= 0 ? ['Expires=Thu, 01 Jan 1970 00:00:00 GMT'] : []),
    'SameSite=Lax',
    ...(options.httpOnly ? ['HttpOnly'] : []),
    ...(options.secure ? ['Secure'] : []),
  ].join('; ');
}

function appendSetCookie(reply: FastifyReply, cookie: string) {
  const existing = reply.getHeader('set-cookie');
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  reply.header('set-cookie', [...list, cookie]);
}

/** The refresh cookie travels only to the auth routes (refresh, sign-out). */
export const REFRESH_COOKIE_PATH = '/api/auth';

export interface SessionCookies {
  accessToken: string;
  accessTtlSeconds: number;
  /** Absent: the refresh cookie the browser holds stays as it is. */
  refreshToken: string | undefined;
  refreshTtlSeconds: number;
  csrfToken: string;
}

/**
 * Sets the web session: access and refresh tokens in httpOnly cookies, and the CSRF token in a
 * cookie scripts can read (the web echoes it in `x-csrf-token`). SameSite=Lax everywhere; Secure
 * when the app is served over https (PUBLIC_URL).
 */
export function setSessionCookies(reply: FastifyReply, cookies: SessionCookies, secure: boolean) {
  appendSetCookie(
    reply,
    serializeCookie(AUTH_COOKIES.access, cookies.accessToken, {
      path: '/',
      httpOnly: true,
      secure,
      maxAge: cookies.accessTtlSeconds,
    }),
  );
  if (cookies.refreshToken !== undefined) {
    appendSetCookie(
      reply,
      serializeCookie(AUTH_COOKIES.refresh, cookies.refreshToken, {
        path: REFRESH_COOKIE_PATH,
        httpOnly: true,
        secure,
        maxAge: cookies.refreshTtlSeconds,
      }),
    );
  }
  appendSetCookie(
    reply,
    serializeCookie(AUTH_COOKIES.csrf, cookies.csrfToken, {
      path: '/',
      httpOnly: false,
      secure,
      maxAge: cookies.refreshTtlSeconds,
    }),
  );
}

/** Deletes the three session cookies. */
export function clearSessionCookies(reply: FastifyReply, secure: boolean) {
  const gone = (path: string, httpOnly: boolean) => ({ path, httpOnly, secure, maxAge: 0 });
  appendSetCookie(reply, serializeCookie(AUTH_COOKIES.access, '', gone('/', true)));
  appendSetCookie(reply, serializeCookie(AUTH_COOKIES.refresh, '', gone(REFRESH_COOKIE_PATH, true)));
  appendSetCookie(reply, serializeCookie(AUTH_COOKIES.csrf, '', gone('/', false)));
}

/**
 * The CSRF token of a session: HMAC(JWT secret, session id) — a *signed* double-submit token, so a
 * cookie planted by a sibling subdomain cannot be made to match, and no server state is needed.
 */
export function csrfTokenFor(secret: string, sessionId: string): string {
  return createHmac('sha256', secret).update(`csrf:${sessionId}`).digest('base64url');
}

/** Constant-time string comparison (false for different lengths). */
export function safeEqual(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * True when a cookie request carries the session's CSRF token: the `x-csrf-token` header equals
 * the csrf cookie and both equal HMAC(secret, session). The header is what a cross-site page
 * cannot send (it can neither read the cookie nor compute the HMAC).
 */
export function hasValidCsrfToken(request: FastifyRequest, secret: string, sessionId: string): boolean {
  const header = request.headers[CSRF_HEADER];
  const sent = typeof header === 'string' ? header : undefined;
  const expected = csrfTokenFor(secret, sessionId);
  return safeEqual(sent, expected) && safeEqual(readCookie(request, AUTH_COOKIES.csrf), expected);
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
export const isUnsafeMethod = (method: string) => UNSAFE_METHODS.has(method.toUpperCase());

/**
 * Who is calling: `Authorization: Bearer` (API clients) first, else the access cookie (web). An
 * Authorization header that is present but unusable is refused, never silently ignored; so is a bad
 * access cookie, except on session-entry routes (sign-in, refresh…), where it is simply stale.
 */
async function identify(
  request: FastifyRequest,
  verify: (token: string) => Promise<VerifiedToken>,
): Promise<RequestAuth | null> {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/i.exec(header.trim());
    if (!match?.[1])
      throw new AppError('unauthorized', 'The Authorization header must be "Bearer <access token>".');
    const verified = await verify(match[1]);
    return verified && { ...verified, via: 'bearer' };
  }
  const cookie = readCookie(request, AUTH_COOKIES.access);
  if (!cookie) return null;
  try {
    const verified = await verify(cookie);
    return verified && { ...verified, via: 'cookie' };
  } catch (error) {
    if (request.routeOptions.config?.sessionEntry) return null;
    throw error;
  }
}

/**
 * Sets `request.user` from the request's credentials (onRequest hook `authenticate`) and
 * `request.db`, which runs a unit of work as that user — or as anon — under row-level security.
 */
export const authPlugin = fp<AuthOptions>(
  async (app: FastifyInstance, options) => {
    const verify = createTokenVerifier(encoder.encode(options.jwtSecret));
    const { db } = options;

    app.decorateRequest('user', null);
    app.decorateRequest('auth', null);
    app.decorateRequest('db', {
      getter(this: FastifyRequest): RequestDb {
        return requestDbFor(db, this.user);
      },
    });

    app.addHook('onRequest', async function authenticate(request, reply) {
      try {
        request.auth = await identify(request, verify);
        request.user = request.auth?.user ?? null;
      } catch (error) {
        if (error instanceof AppError && error.code === 'unauthorized') {
          reply.header('www-authenticate', 'Bearer error="invalid_token"');
        }
        throw error;
      }
      // Cookies ride along on cross-site requests; Bearer headers do not. So every unsafe request
      // authenticated by the cookie must prove it comes from our pages (double submit, signed).
      if (
        request.auth?.via === 'cookie' &&
        isUnsafeMethod(request.method) &&
        !request.routeOptions.config?.sessionEntry &&
        !hasValidCsrfToken(request, options.jwtSecret, request.auth.sessionId ?? '')
      ) {
        throw new AppError('csrf_failed');
      }
    });
  },
  { name: 'usefulwriter-auth', fastify: '5.x' },
);
