import { randomBytes } from 'node:crypto';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { AUTH_COOKIES, CSRF_HEADER, type SessionResponse } from '../../../contracts/auth.ts';
import { memoryLogger, testConfig } from '../../../tests/helpers/test-app.ts';
import type { TestDatabase } from '../../../tests/helpers/test-db.ts';
import { buildApp, type App } from '../../app.ts';

/** Test fixtures for the accounts HTTP tests: an app on a test database, a cookie jar, mail links. */

export const PUBLIC_URL = 'https://learn.example.org';
/** Sign-up needs a password that is not on the common list. */
export const GOOD_PASSWORD = 'quiet-lantern-orbit-42';

export const unique = () => randomBytes(4).toString('hex');
/** A fresh client address (TEST-NET-2 style private range), so per-IP limits do not couple tests. */
export const randomIp = () =>
  `10.${randomBytes(1)[0]}.${randomBytes(1)[0]}.${1 + (randomBytes(1)[0]! % 250)}`;
export const newEmail = (name = 'user') => `${name}-${unique()}@example.test`;

export interface AccountsTestApp {
  app: App;
  log: ReturnType<typeof memoryLogger>;
}

/**
 * The app with fast argon2 (tests only: NODE_ENV=test allows a cost below OWASP's minimum) unless
 * `realCost`, and an optional pinned clock.
 */
export async function accountsApp(
  t: TestDatabase,
  options: { realCost?: boolean; now?: () => Date; env?: Record<string, string> } = {},
): Promise<AccountsTestApp> {
  const log = memoryLogger();
  const config = testConfig({
    PUBLIC_URL,
    ...(options.realCost ? {} : { ARGON2_MEMORY_KIB: '256', ARGON2_TIME_COST: '1' }),
    ...options.env,
  });
  const app = buildApp({
    config,
    db: t.db,
    logger: log.logger,
    ...(options.now ? { now: options.now } : {}),
  });
  await app.ready();
  return { app, log };
}

/** A browser's cookie jar: keeps what Set-Cookie says, sends it back, echoes the CSRF cookie. */
export class CookieJar {
  readonly cookies = new Map<string, { value: string; path: string }>();

  take(response: LightMyRequestResponse) {
    for (const cookie of response.cookies as Array<{
      name: string;
      value: string;
      path?: string;
      maxAge?: number;
    }>) {
      if (cookie.maxAge === 0 || cookie.value === '') this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, { value: cookie.value, path: cookie.path ?? '/' });
    }
  }

  headerFor(url: string): string {
    return [...this.cookies.entries()]
      .filter(([, c]) => url.startsWith(c.path))
      .map(([name, c]) => `${name}=${encodeURIComponent(c.value)}`)
      .join('; ');
  }

  get(name: string) {
    return this.cookies.get(name)?.value;
  }
}

/** Sends a request as a browser would: cookies attached, CSRF header echoed unless `csrf: false`. */
export async function browser(
  app: App,
  jar: CookieJar,
  options: InjectOptions & { url: string; csrf?: boolean | string },
): Promise<LightMyRequestResponse> {
  const { csrf = true, ...rest } = options;
  const headers: Record<string, string> = { ...(rest.headers as Record<string, string>) };
  const cookie = jar.headerFor(rest.url);
  if (cookie) headers.cookie = cookie;
  const token = typeof csrf === 'string' ? csrf : csrf ? jar.get(AUTH_COOKIES.csrf) : undefined;
  if (token) headers[CSRF_HEADER] = token;
  const response = await app.inject({ ...rest, headers });
  jar.take(response);
  return response;
}

export async function signUp(
  app: App,
  body: Partial<{ email: string; password: string; fullName: string; dateOfBirth: string; timezone: string }>,
  headers: Record<string, string> = {},
  remoteAddress = randomIp(),
) {
  return app.inject({
    method: 'POST',
    url: '/api/auth/sign-up',
    headers,
    remoteAddress,
    payload: {
      email: newEmail(),
      password: GOOD_PASSWORD,
      fullName: 'Test Person',
      dateOfBirth: '1990-05-17',
      timezone: 'Europe/Paris',
      ...body,
    },
  });
}

/** The token of the newest link mailed to `to` whose path is `path` (reads the outbox as the system). */
export async function mailedToken(t: TestDatabase, to: string, path: string): Promise<string | undefined> {
  const { rows } = await sql<{ textBody: string }>`
    select text_body from public.mail_outbox where lower(to_address) = lower(${to})
     order by created_at desc, id desc`.execute(t.handle.kysely);
  for (const row of rows) {
    const match = new RegExp(`${PUBLIC_URL.replace(/[.]/g, '\\.')}${path}\\?token=([A-Za-z0-9_%-]+)`).exec(
      row.textBody,
    );
    if (match) return decodeURIComponent(match[1]!);
  }
  return undefined;
}

export async function mailTemplatesTo(t: TestDatabase, to: string): Promise<string[]> {
  const { rows } = await sql<{ template: string }>`
    select template from public.mail_outbox where lower(to_address) = lower(${to})
     order by created_at, id`.execute(t.handle.kysely);
  return rows.map((r) => r.template);
}

/** Signs up, confirms the address through the mailed link and returns the credentials. */
export async function createConfirmedAccount(
  app: App,
  t: TestDatabase,
  overrides: Partial<{ email: string; password: string; fullName: string }> = {},
) {
  const email = overrides.email ?? newEmail();
  const password = overrides.password ?? GOOD_PASSWORD;
  const response = await signUp(app, {
    email,
    password,
    ...(overrides.fullName ? { fullName: overrides.fullName } : {}),
  });
  if (response.statusCode !== 202) throw new Error(`sign-up failed: ${response.body}`);
  await app.background.settled();
  const token = await mailedToken(t, email, '/confirm');
  const confirmed = await app.inject({
    method: 'POST',
    url: '/api/auth/confirm',
    remoteAddress: randomIp(),
    payload: { token },
  });
  if (confirmed.statusCode !== 200) throw new Error(`confirm failed: ${confirmed.body}`);
  const { rows } = await sql<{ id: string }>`select id from auth.users where email = ${email}`.execute(
    t.handle.kysely,
  );
  return { email, password, id: rows[0]!.id };
}

/** Signs in with tokens in the body (API client style). */
export async function signInApi(
  app: App,
  email: string,
  password: string,
  headers: Record<string, string> = {},
) {
  const response = await app.inject({
    method: 'POST',
    url: '/api/auth/sign-in',
    headers,
    payload: { email, password, tokenDelivery: 'body' },
  });
  return { response, body: response.json() as SessionResponse };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
