import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../tests/helpers/test-db.ts';
import type { App } from '../../app.ts';
import { createPasswordHasher, OWASP_ARGON2_MINIMUM } from '../../platform/passwords/passwords.ts';
import {
  accountsApp,
  createConfirmedAccount,
  GOOD_PASSWORD,
  newEmail,
  randomIp,
} from './accounts.fixtures.ts';

/**
 * No account enumeration: sign-in, sign-up and reset answer a known and an unknown address with the
 * same status, headers and body, and in the same time. This file runs argon2id at the real (OWASP)
 * cost, since that is what an attacker would time.
 *
 * Timing: 40 samples of each kind in back-to-back pairs (alternating which goes first), so that
 * load on the machine hits both alike; the median of the pairwise differences must stay under a
 * quarter of one argon2 verification (at least MIN_TOLERANCE_MS), measured between the pairs under
 * the same load — the work that would give an unknown address away if it were skipped.
 */

const SAMPLES = 40;
/**
 * On a fast machine one verification takes ~10 ms, and a quarter of that is within the scheduling
 * noise of a loaded 2-core machine (CI runs the PGlite and PostgreSQL projects side by side); 5 ms
 * still catches a skipped verification, which the control in expectIndistinguishable proves.
 */
const MIN_TOLERANCE_MS = 5;
let t: TestDatabase;
let app: App;
let known: { email: string; password: string };

beforeAll(async () => {
  t = await createTestDatabase();
  ({ app } = await accountsApp(t, { realCost: true }));
  known = await createConfirmedAccount(app, t);
}, 120_000);
afterAll(async () => {
  await app?.close();
  await t?.close();
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

type Response = Awaited<ReturnType<App['inject']>>;

/** What a client can observe, minus what differs on every request anyway. */
function observable(response: Response) {
  const { 'x-request-id': _id, date: _date, 'content-length': length, ...headers } = response.headers;
  const body = response.json() as { error?: { requestId?: string } };
  if (body.error) delete body.error.requestId;
  return { status: response.statusCode, headers, length, body };
}

const calibration = createPasswordHasher(OWASP_ARGON2_MINIMUM);
let calibrationHash: string;

/** One argon2id verification now: the yardstick, measured under the same load as the samples. */
async function timeArgon2(): Promise<number> {
  calibrationHash ??= await calibration.hash('calibration-password');
  const start = performance.now();
  await calibration.verify(calibrationHash, 'wrong-password');
  return performance.now() - start;
}

async function compare(send: (email: string) => Promise<Response>, unknownEmail: () => string) {
  const first = { known: await send(known.email), unknown: await send(unknownEmail()) };
  expect(observable(first.unknown)).toEqual(observable(first.known));
  await app.background.settled();
  const timings = { known: [] as number[], unknown: [] as number[], argon2: [] as number[] };
  for (let i = 0; i < SAMPLES; i++) {
    for (const kind of i % 2 === 0 ? (['known', 'unknown'] as const) : (['unknown', 'known'] as const)) {
      const email = kind === 'known' ? known.email : unknownEmail();
      const start = performance.now();
      const response = await send(email);
      timings[kind].push(performance.now() - start);
      expect(response.statusCode).toBe(first.known.statusCode);
      // Background work (mail, database) happens after the answer: let it finish outside the timing.
      await app.background.settled();
    }
    timings.argon2.push(await timeArgon2());
  }
  // Each pair ran back to back, so the median of the pairwise differences ignores load that comes
  // and goes between pairs (the other test project shares the two cores).
  const pairwise = timings.known.map((k, i) => k - timings.unknown[i]!);
  const argon2Ms = median(timings.argon2);
  return {
    difference: Math.abs(median(pairwise)),
    known: median(timings.known),
    unknown: median(timings.unknown),
    argon2Ms,
    tolerance: Math.max(argon2Ms * 0.25, MIN_TOLERANCE_MS),
  };
}

/** The difference must stay under this, and one argon2 verification (what a leak would add) above it. */
function expectIndistinguishable(result: Awaited<ReturnType<typeof compare>>) {
  const detail = JSON.stringify(result);
  expect(result.argon2Ms, `control: a skipped argon2 would show (${detail})`).toBeGreaterThan(
    result.tolerance,
  );
  expect(result.difference, detail).toBeLessThan(result.tolerance);
}

describe('known and unknown addresses are indistinguishable', () => {
  it('argon2id runs at the OWASP cost in this file (control)', async () => {
    const { rows } = await sql<{ hash: string }>`
      select encrypted_password as hash from auth.users where email = ${known.email}`.execute(
      t.handle.kysely,
    );
    expect(rows[0]!.hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  it('sign-in: wrong password vs no such account', async () => {
    const result = await compare(
      (email) =>
        app.inject({
          method: 'POST',
          url: '/api/auth/sign-in',
          remoteAddress: randomIp(),
          payload: { email, password: 'wrong-password-123' },
        }),
      () => newEmail('nobody'),
    );
    // Both must include the argon2 verification (dummy hash for the unknown address).
    expect(result.unknown).toBeGreaterThan(result.argon2Ms * 0.5);
    expectIndistinguishable(result);
  }, 120_000);

  it('sign-up: taken address vs new address', async () => {
    const result = await compare(
      (email) =>
        app.inject({
          method: 'POST',
          url: '/api/auth/sign-up',
          remoteAddress: randomIp(),
          payload: {
            email,
            password: GOOD_PASSWORD,
            fullName: 'Someone',
            dateOfBirth: '1990-01-01',
            timezone: 'Europe/Paris',
          },
        }),
      () => newEmail('newcomer'),
    );
    expectIndistinguishable(result);
  }, 120_000);

  it('password reset request: known vs unknown address', async () => {
    const result = await compare(
      (email) =>
        app.inject({
          method: 'POST',
          url: '/api/auth/password-reset/request',
          remoteAddress: randomIp(),
          payload: { email },
        }),
      () => newEmail('nobody'),
    );
    expectIndistinguishable(result);
  }, 120_000);

  it('the known account still works (control: the samples did not lock or change it)', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/auth/sign-in',
      remoteAddress: randomIp(),
      payload: { email: known.email, password: known.password },
    });
    expect(response.statusCode).toBe(200);
  });
});
