import { createHmac, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_COOKIES, type SessionResponse } from '../../../contracts/auth.ts';
import { TEST_JWT_SECRET } from '../../../tests/helpers/test-app.ts';
import { createTestDatabase, type TestDatabase } from '../../../tests/helpers/test-db.ts';
import type { App } from '../../app.ts';
import { signAccessToken } from '../../platform/auth.ts';
import { pruneEndedSessionsAndTokens } from './accounts.queries.ts';
import { createAccount } from '../../seed/accounts.ts';
import {
  accountsApp,
  bearer,
  browser,
  CookieJar,
  createConfirmedAccount,
  GOOD_PASSWORD,
  mailedToken,
  mailTemplatesTo,
  newEmail,
  randomIp,
  signInApi,
  signUp,
} from './accounts.fixtures.ts';

let t: TestDatabase;
let app: App;
let serverLog: () => string;
/** Every secret handed out during this file: none may ever appear in activity_logs. */
const secrets = new Set<string>();

beforeAll(async () => {
  t = await createTestDatabase();
  const built = await accountsApp(t);
  app = built.app;
  serverLog = built.log.text;
});
afterAll(async () => {
  await app?.close();
  await t?.close();
});

const rows = async <R>(query: ReturnType<typeof sql<R>>) => (await query.execute(t.handle.kysely)).rows;

async function apiSession(email: string, password: string, headers: Record<string, string> = {}) {
  const { response, body } = await signInApi(app, email, password, headers);
  expect(response.statusCode, response.body).toBe(200);
  secrets.add(body.tokens!.accessToken).add(body.tokens!.refreshToken);
  return body;
}

async function refresh(refreshToken: string) {
  return app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken } });
}

function forgeToken(payload: Record<string, unknown>, header: Record<string, unknown>, key?: string) {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode(header)}.${encode(payload)}`;
  const signature = key ? createHmac('sha256', key).update(unsigned).digest('base64url') : '';
  return `${unsigned}.${signature}`;
}

describe('sign-up and confirmation', () => {
  it('creates an unconfirmed account, mails a link, and the link confirms it once', async () => {
    const email = newEmail('mixed.case');
    const response = await signUp(app, { email: email.toUpperCase(), fullName: 'Ada Lovelace' });
    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({ message: expect.stringContaining('Check your inbox') });
    await app.background.settled();

    const token = await mailedToken(t, email, '/confirm');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    secrets.add(token!);

    // Unconfirmed accounts can sign in; the flag says so.
    const before = await apiSession(email, GOOD_PASSWORD);
    expect(before.user).toMatchObject({
      email,
      emailConfirmed: false,
      role: 'student',
      fullName: 'Ada Lovelace',
    });

    const confirmed = await app.inject({ method: 'POST', url: '/api/auth/confirm', payload: { token } });
    expect(confirmed.statusCode).toBe(200);
    expect(confirmed.json()).toEqual({ emailConfirmed: true });
    const session = await app.inject({
      method: 'GET',
      url: '/api/auth/session',
      headers: bearer(before.tokens!.accessToken),
    });
    expect(session.json().user.emailConfirmed).toBe(true);

    // Single use.
    const again = await app.inject({ method: 'POST', url: '/api/auth/confirm', payload: { token } });
    expect(again.statusCode).toBe(400);
    expect(again.json().error.code).toBe('invalid_token');

    // The profile was created by the trigger with the sign-up data.
    const [profile] = await rows(
      sql<{
        dateOfBirth: string;
        timezone: string;
      }>`select date_of_birth, timezone from profiles where email = ${email}`,
    );
    expect(profile).toEqual({ dateOfBirth: '1990-05-17', timezone: 'Europe/Paris' });
  });

  it('refuses an expired confirmation link', async () => {
    const email = newEmail();
    await signUp(app, { email });
    await app.background.settled();
    const token = await mailedToken(t, email, '/confirm');
    await rows(sql`update private.email_tokens set expires_at = now() - interval '1 second'
                    where user_id = (select id from auth.users where email = ${email})`);
    const response = await app.inject({ method: 'POST', url: '/api/auth/confirm', payload: { token } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('invalid_token');
  });

  it('resends the confirmation link to a signed-in unconfirmed user', async () => {
    const email = newEmail();
    await signUp(app, { email });
    await app.background.settled();
    const session = await apiSession(email, GOOD_PASSWORD);
    const response = await app.inject({
      method: 'POST',
      url: '/api/auth/resend-confirmation',
      headers: bearer(session.tokens!.accessToken),
    });
    expect(response.statusCode).toBe(202);
    expect(await mailTemplatesTo(t, email)).toEqual(['email_confirmation', 'email_confirmation']);
  });

  it('answers a sign-up for a taken address exactly like a new one, and tells the owner instead', async () => {
    const owner = await createConfirmedAccount(app, t);
    const fresh = await signUp(app, { email: newEmail() });
    const taken = await signUp(app, { email: owner.email, password: 'another-long-passphrase-9' });
    expect(taken.statusCode).toBe(fresh.statusCode);
    expect(taken.json()).toEqual(fresh.json());
    await app.background.settled();
    expect(await mailTemplatesTo(t, owner.email)).toEqual(['email_confirmation', 'sign_up_attempt_notice']);
    // The owner's password did not change.
    await apiSession(owner.email, owner.password);
  });

  it.each([
    ['a malformed email', { email: 'not-an-email' }, 'body.email'],
    ['a 7-character password', { password: 'short12' }, 'body.password'],
    ['a 129-character password', { password: 'x'.repeat(129) }, 'body.password'],
    ['a common password', { password: 'iloveyou123' }, 'body.password'],
    ['a common password in capitals', { password: 'PASSWORD1' }, 'body.password'],
    ['an unknown time zone', { timezone: 'Mars/Olympus' }, 'body.timezone'],
    ['an impossible date', { dateOfBirth: '2001-02-30' }, 'body.dateOfBirth'],
    ['an empty name', { fullName: '   ' }, 'body.fullName'],
  ])('refuses %s (400 validation_failed on the field)', async (_name, body, path) => {
    const response = await signUp(app, body);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error.code).toBe('validation_failed');
    expect(response.json().error.details.issues.map((i: { path: string }) => i.path)).toContain(path);
  });

  it('refuses the address itself as password, unknown fields and non-JSON bodies', async () => {
    const email = newEmail('samepassword');
    const same = await signUp(app, { email, password: email });
    expect(same.json().error.details.issues[0]).toEqual({
      path: 'body.password',
      message: 'must not be your email address',
    });
    const extra = await app.inject({
      method: 'POST',
      url: '/api/auth/sign-up',
      payload: {
        email,
        password: GOOD_PASSWORD,
        fullName: 'X',
        dateOfBirth: '1990-01-01',
        timezone: 'UTC',
        role: 'admin',
      },
    });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().error.details.issues).toContainEqual({
      path: 'body.role',
      message: 'is not an allowed field',
    });
    const form = await app.inject({
      method: 'POST',
      url: '/api/auth/sign-up',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'email=a%40b.c',
    });
    expect(form.statusCode).toBe(415);
    const text = await app.inject({
      method: 'POST',
      url: '/api/auth/sign-up',
      headers: { 'content-type': 'text/plain' },
      payload: JSON.stringify({ email }),
    });
    expect(text.statusCode).toBe(400);
  });

  it('accepts a 128-character passphrase (≥ 64 supported)', async () => {
    const email = newEmail();
    const password = 'correct horse battery staple '.repeat(5).slice(0, 128);
    expect((await signUp(app, { email, password })).statusCode).toBe(202);
    await app.background.settled();
    await apiSession(email, password);
  });
});

describe('time zones', () => {
  it('lists the IANA names both the runtime and the database know, sorted', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/auth/timezones' });
    expect(response.statusCode).toBe(200);
    const { timezones } = response.json() as { timezones: string[] };
    expect(timezones.length).toBeGreaterThan(300);
    expect(timezones).toEqual(expect.arrayContaining(['Europe/Paris', 'Asia/Tokyo', 'America/Los_Angeles']));
    expect([...timezones].sort()).toEqual(timezones);
    const inDatabase = new Set(
      (await rows(sql<{ name: string }>`select name from pg_timezone_names`)).map((r) => r.name),
    );
    expect(timezones.filter((name) => !inDatabase.has(name))).toEqual([]);
  });
});

describe('under-age sign-up, counted in the user’s time zone', () => {
  // 2026-06-15 01:30 UTC: already the 15th in Tokyo (10:30), still the 14th in Los Angeles (18:30).
  const NOW = new Date('2026-06-15T01:30:00Z');
  let pinned: App;
  beforeAll(async () => {
    ({ app: pinned } = await accountsApp(t, { now: () => NOW }));
  });
  afterAll(async () => pinned?.close());

  it('a 14th birthday that is today in Tokyo is allowed there', async () => {
    const response = await signUp(pinned, { dateOfBirth: '2012-06-15', timezone: 'Asia/Tokyo' });
    expect(response.statusCode, response.body).toBe(202);
  });

  it('the same birthday is still tomorrow in Los Angeles: refused with a clear message', async () => {
    const response = await signUp(pinned, { dateOfBirth: '2012-06-15', timezone: 'America/Los_Angeles' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({
      code: 'validation_failed',
      details: { issues: [{ path: 'body.dateOfBirth' }] },
    });
    expect(response.json().error.message).toMatch(/at least 14 years old.*America\/Los_Angeles/);
  });

  it('someone who turned 14 yesterday in Los Angeles is allowed', async () => {
    const response = await signUp(pinned, { dateOfBirth: '2012-06-14', timezone: 'America/Los_Angeles' });
    expect(response.statusCode).toBe(202);
  });

  it('a 13-year-old is refused everywhere', async () => {
    const response = await signUp(pinned, { dateOfBirth: '2013-01-01', timezone: 'Pacific/Kiritimati' });
    expect(response.statusCode).toBe(400);
  });
});

describe('sign-in, access tokens and refresh', () => {
  let account: { email: string; password: string; id: string };
  beforeAll(async () => {
    account = await createConfirmedAccount(app, t);
  });

  it('wrong password and unknown address get the same 401 invalid_credentials', async () => {
    const wrong = await signInApi(app, account.email, 'not-the-password-123');
    const unknown = await signInApi(app, newEmail(), 'not-the-password-123');
    expect(wrong.response.statusCode).toBe(401);
    expect(unknown.response.statusCode).toBe(401);
    const strip = (body: { error: { requestId: string } }) => ({ ...body.error, requestId: undefined });
    expect(strip(wrong.response.json())).toEqual(strip(unknown.response.json()));
    expect(wrong.response.json().error.code).toBe('invalid_credentials');
  });

  it('issues a Supabase-shaped access token (sub, role, email, aud, exp ~15 min, session_id)', async () => {
    const session = await apiSession(account.email, account.password);
    const [, payload] = session.tokens!.accessToken.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    expect(claims).toMatchObject({
      sub: account.id,
      role: 'authenticated',
      email: account.email,
      aud: 'authenticated',
      session_id: session.session.id,
    });
    expect(claims.exp - claims.iat).toBe(15 * 60);
    expect(Object.keys(claims).sort()).toEqual(['aud', 'email', 'exp', 'iat', 'role', 'session_id', 'sub']);
    expect(session.tokens!.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses tokens signed with another key, alg none, edited claims and expired ones', async () => {
    const session = await apiSession(account.email, account.password);
    const [header, payload, signature] = session.tokens!.accessToken.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const candidates = {
      otherKey: await signAccessToken('another-secret-that-is-also-32-characters!', { id: account.id }, 60),
      algNone: forgeToken({ ...claims }, { alg: 'none', typ: 'JWT' }),
      editedClaims: `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: randomUUID() })).toString('base64url')}.${signature}`,
      editedRole: `${header}.${Buffer.from(JSON.stringify({ ...claims, role: 'service_role' })).toString('base64url')}.${signature}`,
      forgedServiceRole: forgeToken(
        { ...claims, role: 'service_role' },
        { alg: 'HS256', typ: 'JWT' },
        TEST_JWT_SECRET,
      ),
      hs512: forgeToken({ ...claims }, { alg: 'HS512', typ: 'JWT' }, TEST_JWT_SECRET),
      expired: await signAccessToken(
        TEST_JWT_SECRET,
        { id: account.id, email: account.email },
        -60,
        session.session.id,
      ),
      garbage: 'abc.def.ghi',
    };
    for (const [name, token] of Object.entries(candidates)) {
      const response = await app.inject({ method: 'GET', url: '/api/auth/session', headers: bearer(token) });
      expect(response.statusCode, name).toBe(401);
      expect(response.json().error.code, name).toBe('unauthorized');
    }
    const ok = await app.inject({
      method: 'GET',
      url: '/api/auth/session',
      headers: bearer(session.tokens!.accessToken),
    });
    expect(ok.statusCode).toBe(200);
  });

  it('rotates refresh tokens; a reused one revokes the whole family', async () => {
    const session = await apiSession(account.email, account.password);
    const first = session.tokens!.refreshToken;
    const rotated = await refresh(first);
    expect(rotated.statusCode, rotated.body).toBe(200);
    const second = (rotated.json() as SessionResponse).tokens!.refreshToken;
    secrets.add(second).add((rotated.json() as SessionResponse).tokens!.accessToken);
    expect(second).not.toBe(first);
    expect(rotated.json().session.id).toBe(session.session.id);

    // The old token again: reuse → 401, and the newest token of the family is dead too.
    const reused = await refresh(first);
    expect(reused.statusCode).toBe(401);
    const afterReuse = await refresh(second);
    expect(afterReuse.statusCode).toBe(401);
    const [revoked] = await rows(
      sql<{
        revokedReason: string;
      }>`select revoked_reason from private.auth_sessions where id = ${session.session.id}`,
    );
    expect(revoked!.revokedReason).toBe('refresh_token_reuse');
    // And the access token of that session no longer passes the session check.
    const check = await app.inject({
      method: 'GET',
      url: '/api/auth/session',
      headers: bearer(session.tokens!.accessToken),
    });
    expect(check.statusCode).toBe(401);
  });

  it('refuses an expired refresh token, an unknown one, and a missing one', async () => {
    const session = await apiSession(account.email, account.password);
    await rows(sql`update private.refresh_tokens set expires_at = now() - interval '1 second'
                    where session_id = ${session.session.id}`);
    expect((await refresh(session.tokens!.refreshToken)).statusCode).toBe(401);
    expect((await refresh('x'.repeat(43))).statusCode).toBe(401);
    const missing = await app.inject({ method: 'POST', url: '/api/auth/refresh', payload: {} });
    expect(missing.statusCode).toBe(401);
  });

  it('signs out one session (refresh token dead) and everywhere (all dead)', async () => {
    const a = await apiSession(account.email, account.password);
    const b = await apiSession(account.email, account.password);
    const c = await apiSession(account.email, account.password);
    const out = await app.inject({
      method: 'POST',
      url: '/api/auth/sign-out',
      payload: { refreshToken: a.tokens!.refreshToken },
    });
    expect(out.statusCode).toBe(200);
    expect((await refresh(a.tokens!.refreshToken)).statusCode).toBe(401);
    const bRotated = await refresh(b.tokens!.refreshToken);
    expect(bRotated.statusCode).toBe(200);

    const everywhere = await app.inject({
      method: 'POST',
      url: '/api/auth/sign-out-everywhere',
      headers: bearer(c.tokens!.accessToken),
    });
    expect(everywhere.statusCode).toBe(200);
    expect((await refresh(bRotated.json().tokens.refreshToken)).statusCode).toBe(401);
    expect((await refresh(c.tokens!.refreshToken)).statusCode).toBe(401);
    const [log] = await rows(
      sql<{
        n: number;
      }>`select count(*)::int as n from activity_logs where user_id = ${account.id} and action = 'auth.sign_out_everywhere'`,
    );
    expect(log!.n).toBe(1);
  });

  it('signs the demo accounts in with the printed passwords (seeded with argon2id)', async () => {
    const email = newEmail('demo');
    await createAccount(t.db, { email, password: 'demo-password-123', fullName: 'Demo', role: 'instructor' });
    const session = await apiSession(email, 'demo-password-123');
    expect(session.user).toMatchObject({ role: 'instructor', emailConfirmed: true });
  });
});

describe('web sessions: cookies and CSRF', () => {
  let account: { email: string; password: string; id: string };
  let jar: CookieJar;
  let signIn: Awaited<ReturnType<typeof browser>>;
  beforeAll(async () => {
    account = await createConfirmedAccount(app, t);
    jar = new CookieJar();
    signIn = await browser(app, jar, {
      method: 'POST',
      url: '/api/auth/sign-in',
      payload: { email: account.email, password: account.password },
    });
  });

  it('sets httpOnly, Secure, SameSite=Lax cookies; the refresh cookie only for /api/auth; no tokens in the body', () => {
    expect(signIn.statusCode, signIn.body).toBe(200);
    expect(signIn.json().tokens).toBeUndefined();
    const raw = ([] as string[]).concat(signIn.headers['set-cookie'] as string | string[]);
    const find = (name: string) => raw.find((c) => c.startsWith(`${name}=`))!;
    expect(find(AUTH_COOKIES.access)).toMatch(/Path=\/;.*SameSite=Lax; HttpOnly; Secure/);
    expect(find(AUTH_COOKIES.refresh)).toMatch(/Path=\/api\/auth;.*SameSite=Lax; HttpOnly; Secure/);
    expect(find(AUTH_COOKIES.csrf)).toMatch(/Path=\/;.*SameSite=Lax; Secure/);
    expect(find(AUTH_COOKIES.csrf)).not.toMatch(/HttpOnly/);
    expect(signIn.headers['cache-control']).toBe('no-store');
    for (const name of Object.values(AUTH_COOKIES)) secrets.add(jar.get(name)!);
  });

  it('identifies the user from the access cookie', async () => {
    const response = await browser(app, jar, { method: 'GET', url: '/api/me/profile' });
    expect(response.statusCode).toBe(200);
    expect(response.json().email).toBe(account.email);
  });

  it('refuses unsafe cookie requests without the CSRF header, or with a wrong one', async () => {
    const payload = { bio: 'Changed by a cross-site form?' };
    const missing = await browser(app, jar, {
      method: 'PATCH',
      url: '/api/me/profile',
      payload,
      csrf: false,
    });
    expect(missing.statusCode).toBe(403);
    expect(missing.json().error.code).toBe('csrf_failed');
    const wrong = await browser(app, jar, {
      method: 'PATCH',
      url: '/api/me/profile',
      payload,
      csrf: 'x'.repeat(43),
    });
    expect(wrong.statusCode).toBe(403);
    // A header matching a planted cookie is not enough: the token is bound to the session (HMAC).
    const planted = new CookieJar();
    for (const [name, value] of jar.cookies) planted.cookies.set(name, { ...value });
    planted.cookies.set(AUTH_COOKIES.csrf, { value: 'planted-token-value', path: '/' });
    const plantedResponse = await browser(app, planted, { method: 'PATCH', url: '/api/me/profile', payload });
    expect(plantedResponse.statusCode).toBe(403);
    const [profile] = await rows(
      sql<{ bio: string | null }>`select bio from profiles where id = ${account.id}`,
    );
    expect(profile!.bio).toBeNull();

    const ok = await browser(app, jar, { method: 'PATCH', url: '/api/me/profile', payload });
    expect(ok.statusCode, ok.body).toBe(200);
  });

  it('exempts Bearer requests from CSRF', async () => {
    const session = await apiSession(account.email, account.password);
    const response = await app.inject({
      method: 'PATCH',
      url: '/api/me/profile',
      headers: bearer(session.tokens!.accessToken),
      payload: { dailyLearningGoal: 45 },
    });
    expect(response.statusCode).toBe(200);
  });

  it('refreshes from the cookie only with the CSRF header, rotating the cookies', async () => {
    const without = await browser(app, jar, { method: 'POST', url: '/api/auth/refresh', csrf: false });
    expect(without.statusCode, without.body).toBe(403);
    const before = jar.get(AUTH_COOKIES.refresh);
    const response = await browser(app, jar, { method: 'POST', url: '/api/auth/refresh' });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().tokens).toBeUndefined();
    expect(jar.get(AUTH_COOKIES.refresh)).not.toBe(before);
    secrets.add(jar.get(AUTH_COOKIES.refresh)!).add(jar.get(AUTH_COOKIES.access)!);
  });

  it('two tabs refreshing with the same cookie at once both get in; a late replay still ends the session', async () => {
    const tabs = new CookieJar();
    await browser(app, tabs, {
      method: 'POST',
      url: '/api/auth/sign-in',
      payload: { email: account.email, password: account.password },
    });
    const shared = new Map(tabs.cookies);
    const first = await browser(app, tabs, { method: 'POST', url: '/api/auth/refresh' });
    expect(first.statusCode, first.body).toBe(200);
    // The second tab sent the old cookie before the first answer arrived.
    const secondTab = new CookieJar();
    for (const [name, value] of shared) secondTab.cookies.set(name, { ...value });
    const second = await browser(app, secondTab, { method: 'POST', url: '/api/auth/refresh' });
    expect(second.statusCode, second.body).toBe(200);
    const raw = ([] as string[]).concat(second.headers['set-cookie'] as string | string[]);
    expect(raw.some((c) => c.startsWith(`${AUTH_COOKIES.access}=`))).toBe(true);
    expect(raw.some((c) => c.startsWith(`${AUTH_COOKIES.refresh}=`))).toBe(false); // no new refresh token
    // The rotated cookie still works, so the session lives on.
    expect((await browser(app, tabs, { method: 'POST', url: '/api/auth/refresh' })).statusCode).toBe(200);

    // The same old cookie replayed after the grace window, or by an API client: reuse → session ended.
    const sessionId = first.json().session.id as string;
    await rows(
      sql`update private.refresh_tokens set used_at = used_at - interval '11 seconds' where session_id = ${sessionId}`,
    );
    const late = await browser(app, secondTab, { method: 'POST', url: '/api/auth/refresh' });
    expect(late.statusCode).toBe(401);
    expect((await browser(app, tabs, { method: 'POST', url: '/api/auth/refresh' })).statusCode).toBe(401);
  });

  it('an expired access cookie answers 401 on API routes but does not block signing in', async () => {
    const stale = new CookieJar();
    const expired = await signAccessToken(TEST_JWT_SECRET, { id: account.id, email: account.email }, -60);
    stale.cookies.set(AUTH_COOKIES.access, { value: expired, path: '/' });
    expect((await browser(app, stale, { method: 'GET', url: '/api/me/profile' })).statusCode).toBe(401);
    const again = await browser(app, stale, {
      method: 'POST',
      url: '/api/auth/sign-in',
      payload: { email: account.email, password: account.password },
    });
    expect(again.statusCode).toBe(200);
  });

  it('lists the sessions with the current one marked, and ends one of them', async () => {
    const other = await apiSession(account.email, account.password, { 'user-agent': 'TestPhone/1.0' });
    const list = await browser(app, jar, { method: 'GET', url: '/api/me/sessions' });
    expect(list.statusCode).toBe(200);
    const sessions = list.json().sessions as Array<{
      id: string;
      current: boolean;
      userAgent: string | null;
    }>;
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    const phone = sessions.find((s) => s.id === other.session.id)!;
    expect(phone).toMatchObject({ userAgent: 'TestPhone/1.0', current: false, ip: '127.0.0.1' });
    expect(JSON.stringify(list.json())).not.toMatch(/hash/i);

    const revoke = await browser(app, jar, { method: 'DELETE', url: `/api/me/sessions/${phone.id}` });
    expect(revoke.statusCode).toBe(200);
    expect((await refresh(other.tokens!.refreshToken)).statusCode).toBe(401);
    // Someone else's session, or an unknown id: 404.
    const stranger = await createConfirmedAccount(app, t);
    const theirs = await apiSession(stranger.email, stranger.password);
    const notMine = await browser(app, jar, {
      method: 'DELETE',
      url: `/api/me/sessions/${theirs.session.id}`,
    });
    expect(notMine.statusCode).toBe(404);
    expect((await refresh(theirs.tokens!.refreshToken)).statusCode).toBe(200);
  });

  it('signs out with the cookie (CSRF required) and clears the cookies', async () => {
    const refreshCookie = jar.get(AUTH_COOKIES.refresh)!;
    const without = await browser(app, jar, { method: 'POST', url: '/api/auth/sign-out', csrf: false });
    expect(without.statusCode).toBe(403);
    const out = await browser(app, jar, { method: 'POST', url: '/api/auth/sign-out' });
    expect(out.statusCode).toBe(200);
    expect(jar.cookies.size).toBe(0);
    expect((await refresh(refreshCookie)).statusCode).toBe(401);
  });
});

describe('password reset', () => {
  it('mails a single-use link that sets a new password and ends every session', async () => {
    const account = await createConfirmedAccount(app, t);
    const session = await apiSession(account.email, account.password);
    const request = await app.inject({
      method: 'POST',
      url: '/api/auth/password-reset/request',
      remoteAddress: randomIp(),
      payload: { email: account.email.toUpperCase() },
    });
    expect(request.statusCode).toBe(202);
    await app.background.settled();
    const token = await mailedToken(t, account.email, '/reset-password');
    expect(token).toBeDefined();
    secrets.add(token!);

    const weak = await app.inject({
      method: 'POST',
      url: '/api/auth/password-reset/complete',
      payload: { token, password: 'password123' },
    });
    expect(weak.statusCode).toBe(400);
    const newPassword = 'a-brand-new-passphrase-77';
    const done = await app.inject({
      method: 'POST',
      url: '/api/auth/password-reset/complete',
      payload: { token, password: newPassword },
    });
    expect(done.statusCode, done.body).toBe(200);
    expect((await refresh(session.tokens!.refreshToken)).statusCode).toBe(401);
    expect((await signInApi(app, account.email, account.password)).response.statusCode).toBe(401);
    await apiSession(account.email, newPassword);

    const reused = await app.inject({
      method: 'POST',
      url: '/api/auth/password-reset/complete',
      payload: { token, password: 'yet-another-passphrase-88' },
    });
    expect(reused.statusCode).toBe(400);
    expect(reused.json().error.code).toBe('invalid_token');
    await app.background.settled();
    expect(await mailTemplatesTo(t, account.email)).toContain('password_changed_notice');
  });

  it('refuses an expired reset link', async () => {
    const account = await createConfirmedAccount(app, t);
    await app.inject({
      method: 'POST',
      url: '/api/auth/password-reset/request',
      remoteAddress: randomIp(),
      payload: { email: account.email },
    });
    await app.background.settled();
    const token = await mailedToken(t, account.email, '/reset-password');
    await rows(
      sql`update private.email_tokens set expires_at = now() - interval '1 second' where user_id = ${account.id}`,
    );
    const response = await app.inject({
      method: 'POST',
      url: '/api/auth/password-reset/complete',
      payload: { token, password: 'a-brand-new-passphrase-77' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('invalid_token');
    await apiSession(account.email, account.password);
  });

  it('answers an unknown address exactly like a known one, and sends nothing', async () => {
    const account = await createConfirmedAccount(app, t);
    const unknownEmail = newEmail('nobody');
    const known = await app.inject({
      method: 'POST',
      url: '/api/auth/password-reset/request',
      remoteAddress: randomIp(),
      payload: { email: account.email },
    });
    const unknown = await app.inject({
      method: 'POST',
      url: '/api/auth/password-reset/request',
      remoteAddress: randomIp(),
      payload: { email: unknownEmail },
    });
    expect(unknown.statusCode).toBe(known.statusCode);
    expect(unknown.json()).toEqual(known.json());
    await app.background.settled();
    expect(await mailTemplatesTo(t, unknownEmail)).toEqual([]);
  });
});

describe('signed-in account changes', () => {
  it('changes the password with the current one and ends every other session', async () => {
    const account = await createConfirmedAccount(app, t);
    const current = await apiSession(account.email, account.password);
    const other = await apiSession(account.email, account.password);
    const wrong = await app.inject({
      method: 'POST',
      url: '/api/me/password',
      headers: bearer(current.tokens!.accessToken),
      payload: { currentPassword: 'wrong-password-000', newPassword: 'a-brand-new-passphrase-77' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe('invalid_credentials');
    const ok = await app.inject({
      method: 'POST',
      url: '/api/me/password',
      headers: bearer(current.tokens!.accessToken),
      payload: { currentPassword: account.password, newPassword: 'a-brand-new-passphrase-77' },
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect((await refresh(other.tokens!.refreshToken)).statusCode).toBe(401);
    expect((await refresh(current.tokens!.refreshToken)).statusCode).toBe(200);
    await apiSession(account.email, 'a-brand-new-passphrase-77');
  });

  it('changes the address only when the link sent to the new one is opened; the old one is told', async () => {
    const account = await createConfirmedAccount(app, t);
    const session = await apiSession(account.email, account.password);
    const target = newEmail('moved');
    const request = await app.inject({
      method: 'POST',
      url: '/api/me/email',
      headers: bearer(session.tokens!.accessToken),
      payload: { newEmail: target, password: account.password },
    });
    expect(request.statusCode, request.body).toBe(202);
    // Nothing changed yet.
    await apiSession(account.email, account.password);
    await app.background.settled();
    const token = await mailedToken(t, target, '/confirm-email-change');
    secrets.add(token!);
    const confirm = await app.inject({
      method: 'POST',
      url: '/api/auth/email-change/confirm',
      payload: { token },
    });
    expect(confirm.statusCode, confirm.body).toBe(200);
    expect(confirm.json()).toEqual({ email: target });
    await apiSession(target, account.password);
    expect((await signInApi(app, account.email, account.password)).response.statusCode).toBe(401);
    await app.background.settled();
    expect(await mailTemplatesTo(t, account.email)).toContain('email_changed_notice');
    const again = await app.inject({
      method: 'POST',
      url: '/api/auth/email-change/confirm',
      payload: { token },
    });
    expect(again.json().error.code).toBe('invalid_token');
  });

  it('answers a change to a taken address like any other, and sends it nothing', async () => {
    const account = await createConfirmedAccount(app, t);
    const other = await createConfirmedAccount(app, t);
    const session = await apiSession(account.email, account.password);
    const ask = (newEmail: string) =>
      app.inject({
        method: 'POST',
        url: '/api/me/email',
        headers: bearer(session.tokens!.accessToken),
        payload: { newEmail, password: account.password },
      });
    const free = newEmail('free');
    const toFree = await ask(free);
    const toTaken = await ask(other.email);
    expect(toTaken.statusCode).toBe(202);
    expect(toTaken.json().message.replace(other.email, 'X')).toBe(toFree.json().message.replace(free, 'X'));
    await app.background.settled();
    expect(await mailTemplatesTo(t, other.email)).toEqual(['email_confirmation']);
  });

  it('deletes the account: user and profile gone, payments kept anonymised, logs without personal data', async () => {
    const account = await createConfirmedAccount(app, t);
    const session = await apiSession(account.email, account.password, { 'user-agent': 'DeleteMe/1.0' });
    await t.db.asSystem((tx) =>
      tx
        .insertInto('paymentTransactions')
        .values({
          userId: account.id,
          type: 'purchase',
          status: 'completed',
          amountCents: 1999,
          productType: 'course',
          productName: 'Erasure test course',
          provider: 'test_checkout',
        })
        .execute(),
    );
    const wrong = await app.inject({
      method: 'POST',
      url: '/api/me/delete',
      headers: bearer(session.tokens!.accessToken),
      payload: { password: 'wrong-password-000' },
    });
    expect(wrong.statusCode).toBe(401);
    const response = await app.inject({
      method: 'POST',
      url: '/api/me/delete',
      headers: bearer(session.tokens!.accessToken),
      payload: { password: account.password },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(await rows(sql`select 1 from auth.users where id = ${account.id}`)).toEqual([]);
    expect(await rows(sql`select 1 from profiles where id = ${account.id}`)).toEqual([]);
    expect(await rows(sql`select 1 from private.auth_sessions where user_id = ${account.id}`)).toEqual([]);
    const [payment] = await rows(sql<{ userId: string | null; amountCents: number }>`
      select user_id, amount_cents from payment_transactions where amount_cents = 1999 order by created_at desc limit 1`);
    expect(payment).toEqual({ userId: null, amountCents: 1999 });
    const logs = await rows(sql<{ row: string }>`select to_jsonb(l)::text as row from activity_logs l`);
    const text = logs.map((l) => l.row).join('\n');
    expect(text).not.toContain(account.id);
    expect(text).not.toContain('DeleteMe/1.0');
    expect(await mailTemplatesTo(t, account.email)).toEqual([]);
    expect((await refresh(session.tokens!.refreshToken)).statusCode).toBe(401);
    expect((await signInApi(app, account.email, account.password)).response.statusCode).toBe(401);
  });
});

describe('profile', () => {
  it('reads and updates the self-service columns only', async () => {
    const account = await createConfirmedAccount(app, t, { fullName: 'Pat Profile' });
    const session = await apiSession(account.email, account.password);
    const headers = bearer(session.tokens!.accessToken);
    const got = await app.inject({ method: 'GET', url: '/api/me/profile', headers });
    expect(got.json()).toMatchObject({
      email: account.email,
      emailConfirmed: true,
      fullName: 'Pat Profile',
      timezone: 'Europe/Paris',
      emailNotifications: {
        courseUpdates: true,
        weeklyProgress: true,
        promotional: false,
        dripContent: true,
      },
    });
    const patched = await app.inject({
      method: 'PATCH',
      url: '/api/me/profile',
      headers,
      payload: {
        displayName: 'Pat',
        timezone: 'Asia/Tokyo',
        preferredLanguage: 'pt-BR',
        dailyLearningGoal: 90,
        emailNotifications: { promotional: true },
        avatarUrl: 'https://cdn.example.org/pat.png',
        bio: 'Hello',
      },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({
      displayName: 'Pat',
      timezone: 'Asia/Tokyo',
      preferredLanguage: 'pt-BR',
      dailyLearningGoal: 90,
      emailNotifications: { courseUpdates: true, promotional: true },
    });
    for (const payload of [
      { role: 'admin' },
      { isActive: false },
      { email: 'x@example.org' },
      { timezone: 'Not/AZone' },
      { dailyLearningGoal: 0 },
      { avatarUrl: 'javascript:alert(1)' },
      { dateOfBirth: '2020-01-01' },
    ]) {
      const refused = await app.inject({ method: 'PATCH', url: '/api/me/profile', headers, payload });
      expect(refused.statusCode, JSON.stringify(payload)).toBe(400);
    }
    const [row] = await rows(sql<{ role: string }>`select role from profiles where id = ${account.id}`);
    expect(row!.role).toBe('student');
    expect((await app.inject({ method: 'GET', url: '/api/me/profile' })).statusCode).toBe(401);
  });
});

describe('admin: users, roles and deactivation', () => {
  let admin: { email: string; password: string; id: string };
  let adminToken: string;
  beforeAll(async () => {
    admin = await createConfirmedAccount(app, t, { fullName: 'Ada Admin' });
    await t.db.asSystem((tx) =>
      tx.updateTable('profiles').set({ role: 'admin' }).where('id', '=', admin.id).execute(),
    );
    adminToken = (await apiSession(admin.email, admin.password)).tokens!.accessToken;
  });

  it('lists, searches, filters and pages users for admins only', async () => {
    const tag = `zz${Date.now().toString(36)}`;
    for (let i = 0; i < 3; i++)
      await createConfirmedAccount(app, t, {
        email: `${tag}-${i}@example.test`,
        fullName: `Searchable ${i}`,
      });
    const page1 = await app.inject({
      method: 'GET',
      url: `/api/admin/users?q=${tag}&limit=2`,
      headers: bearer(adminToken),
    });
    expect(page1.statusCode, page1.body).toBe(200);
    expect(page1.json().items.map((u: { email: string }) => u.email)).toEqual([
      `${tag}-0@example.test`,
      `${tag}-1@example.test`,
    ]);
    const page2 = await app.inject({
      method: 'GET',
      url: `/api/admin/users?q=${tag}&limit=2&cursor=${page1.json().nextCursor}`,
      headers: bearer(adminToken),
    });
    expect(page2.json()).toEqual({
      items: [expect.objectContaining({ email: `${tag}-2@example.test` })],
      nextCursor: null,
    });
    const admins = await app.inject({
      method: 'GET',
      url: '/api/admin/users?role=admin&limit=100',
      headers: bearer(adminToken),
    });
    expect(admins.json().items.every((u: { role: string }) => u.role === 'admin')).toBe(true);
    const byName = await app.inject({
      method: 'GET',
      url: '/api/admin/users?q=Searchable%202',
      headers: bearer(adminToken),
    });
    expect(byName.json().items).toHaveLength(1);

    const student = await createConfirmedAccount(app, t);
    const studentToken = (await apiSession(student.email, student.password)).tokens!.accessToken;
    const refused = await app.inject({
      method: 'GET',
      url: '/api/admin/users',
      headers: bearer(studentToken),
    });
    expect(refused.statusCode).toBe(403);
    const patch = await app.inject({
      method: 'PATCH',
      url: `/api/admin/users/${admin.id}`,
      headers: bearer(studentToken),
      payload: { role: 'student' },
    });
    expect(patch.statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/api/admin/users' })).statusCode).toBe(401);
  });

  it('a role change applies on the next request, with the same access token', async () => {
    const user = await createConfirmedAccount(app, t);
    const token = (await apiSession(user.email, user.password)).tokens!.accessToken;
    expect(
      (await app.inject({ method: 'GET', url: '/api/admin/users', headers: bearer(token) })).statusCode,
    ).toBe(403);
    const promote = await app.inject({
      method: 'PATCH',
      url: `/api/admin/users/${user.id}`,
      headers: bearer(adminToken),
      payload: { role: 'admin' },
    });
    expect(promote.statusCode, promote.body).toBe(200);
    expect(promote.json()).toMatchObject({ id: user.id, role: 'admin', isActive: true });
    expect(
      (await app.inject({ method: 'GET', url: '/api/admin/users', headers: bearer(token) })).statusCode,
    ).toBe(200);
    const demote = await app.inject({
      method: 'PATCH',
      url: `/api/admin/users/${user.id}`,
      headers: bearer(adminToken),
      payload: { role: 'student' },
    });
    expect(demote.statusCode).toBe(200);
    expect(
      (await app.inject({ method: 'GET', url: '/api/admin/users', headers: bearer(token) })).statusCode,
    ).toBe(403);
    const [log] = await rows(sql<{ n: number }>`
      select count(*)::int as n from activity_logs where action = 'admin.role_changed' and entity_id = ${user.id}`);
    expect(log!.n).toBe(2);
  });

  it('deactivation ends every session and refuses sign-in; reactivation allows it again', async () => {
    const user = await createConfirmedAccount(app, t);
    const session = await apiSession(user.email, user.password);
    const off = await app.inject({
      method: 'PATCH',
      url: `/api/admin/users/${user.id}`,
      headers: bearer(adminToken),
      payload: { isActive: false },
    });
    expect(off.statusCode, off.body).toBe(200);
    expect(off.json().isActive).toBe(false);
    expect((await refresh(session.tokens!.refreshToken)).statusCode).toBe(401);
    const check = await app.inject({
      method: 'GET',
      url: '/api/auth/session',
      headers: bearer(session.tokens!.accessToken),
    });
    expect(check.statusCode).toBe(401);
    const signIn = await signInApi(app, user.email, user.password);
    expect(signIn.response.statusCode).toBe(403);
    expect(signIn.response.json().error.message).toMatch(/deactivated/);
    // A wrong password for a deactivated account is still just a wrong password.
    expect((await signInApi(app, user.email, 'wrong-password-000')).response.statusCode).toBe(401);

    const on = await app.inject({
      method: 'PATCH',
      url: `/api/admin/users/${user.id}`,
      headers: bearer(adminToken),
      payload: { isActive: true },
    });
    expect(on.statusCode).toBe(200);
    await apiSession(user.email, user.password);
    const actions = await rows(sql<{ action: string }>`
      select action from activity_logs where entity_id = ${user.id} order by created_at`);
    expect(actions.map((a) => a.action)).toEqual(['admin.user_deactivated', 'admin.user_reactivated']);
  });

  it('refuses self-demotion, unknown users, empty and malformed patches', async () => {
    const self = await app.inject({
      method: 'PATCH',
      url: `/api/admin/users/${admin.id}`,
      headers: bearer(adminToken),
      payload: { role: 'student' },
    });
    expect(self.statusCode).toBe(409);
    const unknown = await app.inject({
      method: 'PATCH',
      url: `/api/admin/users/${randomUUID()}`,
      headers: bearer(adminToken),
      payload: { role: 'student' },
    });
    expect(unknown.statusCode).toBe(404);
    for (const payload of [{}, { role: 'superuser' }, { isActive: 'no' }, { email: 'x@y.z' }]) {
      const response = await app.inject({
        method: 'PATCH',
        url: `/api/admin/users/${randomUUID()}`,
        headers: bearer(adminToken),
        payload,
      });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
    }
    const badCursor = await app.inject({
      method: 'GET',
      url: '/api/admin/users?cursor=bm9wZQ',
      headers: bearer(adminToken),
    });
    expect(badCursor.statusCode).toBe(400);
  });
});

describe('housekeeping', () => {
  it('drops sessions ended over 30 days ago and long-expired email tokens, keeps live ones', async () => {
    const account = await createConfirmedAccount(app, t);
    const old = await apiSession(account.email, account.password);
    const live = await apiSession(account.email, account.password);
    await rows(sql`update private.auth_sessions set revoked_at = now() - interval '31 days', revoked_reason = 'sign_out'
                    where id = ${old.session.id}`);
    await rows(
      sql`update private.email_tokens set expires_at = now() - interval '8 days' where user_id = ${account.id}`,
    );
    await t.db.asSystem(pruneEndedSessionsAndTokens);
    const sessions = await rows(
      sql<{ id: string }>`select id from private.auth_sessions where user_id = ${account.id}`,
    );
    expect(sessions.map((r) => r.id)).toEqual([live.session.id]);
    expect(
      await rows(sql`select 1 from private.refresh_tokens where session_id = ${old.session.id}`),
    ).toEqual([]);
    expect(await rows(sql`select 1 from private.email_tokens where user_id = ${account.id}`)).toEqual([]);
    expect((await refresh(live.tokens!.refreshToken)).statusCode).toBe(200);
  });
});

describe('the activity log', () => {
  it('records the security events with IP and user agent', async () => {
    const account = await createConfirmedAccount(app, t);
    await signInApi(app, account.email, 'wrong-password-000', { 'user-agent': 'Audit/2.0' });
    await apiSession(account.email, account.password, { 'user-agent': 'Audit/2.0' });
    const logged = await rows(sql<{ action: string; ipAddress: string; userAgent: string }>`
      select action, host(ip_address) as ip_address, user_agent from activity_logs
       where user_id = ${account.id} and action in ('auth.sign_in_failed', 'auth.sign_in') order by created_at`);
    expect(logged).toEqual([
      { action: 'auth.sign_in_failed', ipAddress: '127.0.0.1', userAgent: 'Audit/2.0' },
      { action: 'auth.sign_in', ipAddress: '127.0.0.1', userAgent: 'Audit/2.0' },
    ]);
  });

  it('never contains a password, token or hash (checked after every test above)', async () => {
    await app.background.settled();
    const logs = await rows(sql<{ row: string }>`select to_jsonb(l)::text as row from activity_logs l`);
    expect(logs.length).toBeGreaterThan(20);
    const text = logs.map((l) => l.row).join('\n');
    const hashes = await rows(sql<{ value: string }>`
      select token_hash as value from private.refresh_tokens
      union all select token_hash from private.email_tokens
      union all select encrypted_password from auth.users where encrypted_password is not null`);
    expect(hashes.length).toBeGreaterThan(10);
    const forbidden = [...secrets, GOOD_PASSWORD, 'a-brand-new-passphrase-77', ...hashes.map((h) => h.value)];
    expect(secrets.size).toBeGreaterThan(10);
    for (const value of forbidden)
      expect(text.includes(value), `activity_logs contains ${value.slice(0, 12)}…`).toBe(false);
    expect(text).not.toMatch(/argon2|scrypt|password"/i);
  });

  it('never puts those in the server log either', () => {
    const text = serverLog();
    expect(text).toContain('"url":"/api/auth/sign-in"'); // control: requests are logged
    for (const value of [...secrets, GOOD_PASSWORD]) expect(text.includes(value)).toBe(false);
  });
});
