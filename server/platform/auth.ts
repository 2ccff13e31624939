import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import type { Compilable } from 'kysely';
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

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in user, or null for an anonymous visitor. Set by the `authenticate` hook. */
    user: SessionUser | null;
    /** Database access as the caller. User-facing code never uses `asSystem`. */
    db: RequestDb;
  }
}

export interface AuthOptions {
  jwtSecret: string;
  db: Db;
}

const encoder = new TextEncoder();

/** Signs an HS256 access token with Supabase-shaped claims (tests, the benchmark, later the sign-in flow). */
export async function signAccessToken(secret: string, user: SessionUser, ttlSeconds = 3600): Promise<string> {
  return new SignJWT({ role: 'authenticated', email: user.email ?? null })
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
  return { id: claims.data.sub, email: claims.data.email ?? null };
}

/**
 * Who is calling. One place to grow: bearer tokens today; session cookies join here later. An
 * Authorization header that is present but unusable is refused, never silently ignored.
 */
async function identify(request: FastifyRequest, key: Uint8Array): Promise<SessionUser | null> {
  const header = request.headers.authorization;
  if (header === undefined) return null;
  const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/i.exec(header.trim());
  if (!match?.[1])
    throw new AppError('unauthorized', 'The Authorization header must be "Bearer <access token>".');
  return verifyAccessToken(key, match[1]);
}

/**
 * Sets `request.user` from the request's credentials (onRequest hook `authenticate`) and
 * `request.db`, which runs a unit of work as that user — or as anon — under row-level security.
 */
export const authPlugin = fp<AuthOptions>(
  async (app: FastifyInstance, options) => {
    const key = encoder.encode(options.jwtSecret);
    const { db } = options;

    app.decorateRequest('user', null);
    app.decorateRequest('db', {
      getter(this: FastifyRequest): RequestDb {
        return requestDbFor(db, this.user);
      },
    });

    app.addHook('onRequest', async function authenticate(request, reply) {
      try {
        request.user = await identify(request, key);
      } catch (error) {
        if (error instanceof AppError && error.code === 'unauthorized') {
          reply.header('www-authenticate', 'Bearer error="invalid_token"');
        }
        throw error;
      }
    });
  },
  { name: 'usefulwriter-auth', fastify: '5.x' },
);
