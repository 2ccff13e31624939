import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../tests/helpers/test-db.ts';
import type { App } from '../../app.ts';
import {
  accountsApp,
  bearer,
  createConfirmedAccount,
  newEmail,
  randomIp,
  signUp,
} from './accounts.fixtures.ts';
import { LIMITS, subjectHash } from './rate-limit.ts';

let t: TestDatabase;
let app: App;
/** A second API instance on the same database: limits must hold across instances. */
let other: App;

beforeAll(async () => {
  t = await createTestDatabase();
  ({ app } = await accountsApp(t));
  ({ app: other } = await accountsApp(t));
});
afterAll(async () => {
  await app?.close();
  await other?.close();
  await t?.close();
});

const run = (query: ReturnType<typeof sql>) => query.execute(t.handle.kysely);

function signIn(target: App, email: string, password: string, ip: string) {
  return target.inject({
    method: 'POST',
    url: '/api/auth/sign-in',
    remoteAddress: ip,
    payload: { email, password, tokenDelivery: 'body' },
  });
}

function expectRateLimited(response: Awaited<ReturnType<App['inject']>>, maxSeconds: number) {
  expect(response.statusCode, response.body).toBe(429);
  expect(response.json().error.code).toBe('rate_limited');
  const retryAfter = Number(response.headers['retry-after']);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(maxSeconds);
}

describe('sign-up and reset requests: 5 per IP per hour, counted across instances', () => {
  it('the sixth sign-up from one IP within the hour gets 429 with Retry-After', async () => {
    const ip = randomIp();
    for (let i = 0; i < 5; i++) {
      const target = i % 2 === 0 ? app : other;
      expect((await signUp(target, {}, {}, ip)).statusCode).toBe(202);
    }
    expectRateLimited(await signUp(app, {}, {}, ip), 3600);
    expectRateLimited(await signUp(other, {}, {}, ip), 3600);
    // Another IP is not affected.
    expect((await signUp(app, {}, {}, randomIp())).statusCode).toBe(202);
    await app.background.settled();
    await other.background.settled();
  });

  it('the sixth reset request from one IP gets 429, whatever the address', async () => {
    const ip = randomIp();
    const request = (email: string) =>
      app.inject({
        method: 'POST',
        url: '/api/auth/password-reset/request',
        remoteAddress: ip,
        payload: { email },
      });
    for (let i = 0; i < 5; i++) expect((await request(newEmail())).statusCode).toBe(202);
    expectRateLimited(await request(newEmail()), 3600);
  });

  it('one address gets at most 3 reset links an hour, silently (same 202)', async () => {
    const account = await createConfirmedAccount(app, t);
    for (let i = 0; i < 5; i++) {
      const response = await app.inject({
        method: 'POST',
        url: '/api/auth/password-reset/request',
        remoteAddress: randomIp(),
        payload: { email: account.email },
      });
      expect(response.statusCode).toBe(202);
    }
    await app.background.settled();
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from mail_outbox where to_address = ${account.email} and template = 'password_reset'`.execute(
      t.handle.kysely,
    );
    expect(rows[0]!.n).toBe(3);
  });
});

describe('sign-in lockout: 10 failures per account in 15 minutes lock it for the failing IPs only', () => {
  it('locks the attacker’s IP while the owner signs in from elsewhere; the lock ends with the window', async () => {
    const account = await createConfirmedAccount(app, t);
    const attacker = randomIp();
    for (let i = 0; i < 10; i++) {
      const target = i % 2 === 0 ? app : other;
      expect((await signIn(target, account.email, `wrong-guess-${i}-xyz`, attacker)).statusCode).toBe(401);
    }
    // Locked for the attacker — even the right password is not checked.
    expectRateLimited(await signIn(app, account.email, account.password, attacker), 15 * 60);
    expectRateLimited(await signIn(other, account.email, 'another-guess-xyz', attacker), 15 * 60);

    // The owner, from an IP with no failures, signs in.
    const owner = randomIp();
    expect((await signIn(app, account.email, account.password, owner)).statusCode).toBe(200);
    // A new IP that fails while the account is locked becomes locked too (one guess per IP).
    const second = randomIp();
    expect((await signIn(app, account.email, 'guess-from-second-ip', second)).statusCode).toBe(401);
    expectRateLimited(await signIn(app, account.email, account.password, second), 15 * 60);

    const { rows } = await sql<{ action: string }>`
      select action from activity_logs where user_id = ${account.id}
         and action in ('auth.account_locked', 'auth.sign_in_locked') order by created_at`.execute(
      t.handle.kysely,
    );
    expect(rows.map((r) => r.action)).toEqual([
      'auth.account_locked',
      'auth.sign_in_locked',
      'auth.sign_in_locked',
      'auth.sign_in_locked',
    ]);

    // 15 minutes later the failures have left the window: the attacker's IP may try again.
    await run(sql`update private.rate_limit_events set occurred_at = occurred_at - interval '16 minutes'
                   where bucket like 'sign_in.fail.%'`);
    expect((await signIn(app, account.email, account.password, attacker)).statusCode).toBe(200);
  });

  it('locks an unknown address exactly like a known one (no enumeration through the lock)', async () => {
    const ghost = newEmail('ghost');
    const ip = randomIp();
    for (let i = 0; i < 10; i++) {
      expect((await signIn(app, ghost, `wrong-guess-${i}-xyz`, ip)).statusCode).toBe(401);
    }
    expectRateLimited(await signIn(app, ghost, 'wrong-guess-x-xyz', ip), 15 * 60);
  });

  it('answers 429 after 100 sign-in requests from one IP in 15 minutes', async () => {
    const ip = randomIp();
    // 99 earlier requests from this IP (planted, to keep the test fast), then two real ones.
    await run(sql`insert into private.rate_limit_events (bucket, subject)
                  select ${LIMITS.signInPerIp.bucket}, ${subjectHash(ip)} from generate_series(1, 99)`);
    expect((await signIn(app, newEmail(), 'some-password-123', ip)).statusCode).toBe(401);
    expectRateLimited(await signIn(app, newEmail(), 'some-password-123', ip), 15 * 60);
  });
});

describe('wrong current passwords from a signed-in session', () => {
  it('10 in 15 minutes block further password checks (429)', async () => {
    const account = await createConfirmedAccount(app, t);
    const signedIn = await signIn(app, account.email, account.password, randomIp());
    const headers = bearer(signedIn.json().tokens.accessToken);
    for (let i = 0; i < 10; i++) {
      const response = await app.inject({
        method: 'POST',
        url: '/api/me/password',
        headers,
        payload: { currentPassword: `wrong-${i}-password`, newPassword: 'a-brand-new-passphrase-77' },
      });
      expect(response.statusCode).toBe(401);
    }
    const blocked = await app.inject({
      method: 'POST',
      url: '/api/me/delete',
      headers,
      payload: { password: account.password },
    });
    expectRateLimited(blocked, 15 * 60);
  });
});

describe('emailed links', () => {
  it('30 uses per IP per 15 minutes', async () => {
    const ip = randomIp();
    for (let i = 0; i < LIMITS.emailTokenPerIp.max; i++) {
      const response = await app.inject({
        method: 'POST',
        url: '/api/auth/confirm',
        remoteAddress: ip,
        payload: { token: `no-such-token-${i}-aaaaaaaaaaaa` },
      });
      expect(response.statusCode).toBe(400);
    }
    const blocked = await app.inject({
      method: 'POST',
      url: '/api/auth/confirm',
      remoteAddress: ip,
      payload: { token: 'no-such-token-x-aaaaaaaaaaaa' },
    });
    expectRateLimited(blocked, 15 * 60);
  });
});
