import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Tx } from '../../db/session.ts';

/**
 * Rate limits of the accounts paths, stored in private.rate_limit_events so that every API instance
 * counts the same events. Each limit is a sliding window: at most `max` events of `bucket` for one
 * subject (an address, an IP, a user) in the last `windowSeconds`. docs/security.md lists them.
 */
export interface Limit {
  bucket: string;
  max: number;
  windowSeconds: number;
}

const MINUTE = 60;
const HOUR = 60 * MINUTE;

export const LIMITS = {
  /** Every sign-in request from one IP (answered 429 beyond). */
  signInPerIp: { bucket: 'sign_in.ip', max: 100, windowSeconds: 15 * MINUTE },
  /** Failed sign-ins for one address (existing or not). At 10 the account locks — for failing IPs only. */
  signInFailuresPerAccount: { bucket: 'sign_in.fail.account', max: 10, windowSeconds: 15 * MINUTE },
  /** Failed sign-ins for one address from one IP: such an IP is "failing" for the lock above. */
  signInFailuresPerAccountIp: { bucket: 'sign_in.fail.account_ip', max: 1, windowSeconds: 15 * MINUTE },
  signUpPerIp: { bucket: 'sign_up.ip', max: 5, windowSeconds: HOUR },
  /** "Someone tried to sign up with your address" mails to one address (silently not sent beyond). */
  signUpNoticePerAddress: { bucket: 'sign_up.notice.address', max: 3, windowSeconds: HOUR },
  passwordResetPerIp: { bucket: 'password_reset.ip', max: 5, windowSeconds: HOUR },
  /** Reset mails to one address (silently not sent beyond: the answer must not differ). */
  passwordResetPerAddress: { bucket: 'password_reset.address', max: 3, windowSeconds: HOUR },
  /** Uses of emailed links (confirm, reset, email change) from one IP. */
  emailTokenPerIp: { bucket: 'email_token.ip', max: 30, windowSeconds: 15 * MINUTE },
  resendConfirmationPerUser: { bucket: 'resend_confirmation.user', max: 5, windowSeconds: HOUR },
  emailChangePerUser: { bucket: 'email_change.user', max: 5, windowSeconds: HOUR },
  /** Wrong current passwords (change password, change email, delete account) for one user. */
  passwordCheckFailuresPerUser: { bucket: 'password_check.fail.user', max: 10, windowSeconds: 15 * MINUTE },
} as const satisfies Record<string, Limit>;

/** What is counted is the SHA-256 of the subject: neither addresses nor IPs are stored in clear. */
export const subjectHash = (...parts: string[]) =>
  createHash('sha256').update(parts.join('\u0000')).digest('hex');

export interface LimitState {
  count: number;
  /** Seconds until the count drops below `max` (0 when it already is). */
  retryAfterSeconds: number;
}

/**
 * How many events of `limit` the subject has in the window, and when it is under the limit again.
 * One query whatever the count, so that checking a busy subject costs what checking an idle one does
 * (sign-in must take the same time for known and unknown addresses).
 */
export async function readLimit(tx: Tx, limit: Limit, subject: string): Promise<LimitState> {
  const { rows } = await sql<{ count: number; remainingMs: number | null }>`
    select count(*)::int as count,
           (extract(epoch from (array_agg(occurred_at order by occurred_at desc))[${limit.max}]
              + make_interval(secs => ${limit.windowSeconds}) - now()) * 1000)::float8 as remaining_ms
      from private.rate_limit_events
     where bucket = ${limit.bucket} and subject = ${subject}
       and occurred_at > now() - make_interval(secs => ${limit.windowSeconds})`.execute(tx);
  const { count, remainingMs } = rows[0] ?? { count: 0, remainingMs: null };
  // The window holds `count` events; it is under the limit once the newest `max`-th one ages out.
  if (count < limit.max || remainingMs === null) return { count, retryAfterSeconds: 0 };
  return { count, retryAfterSeconds: Math.max(1, Math.ceil(remainingMs / 1000)) };
}

/** Counts one event. */
export async function recordEvent(tx: Tx, limit: Limit, subject: string): Promise<void> {
  await sql`insert into private.rate_limit_events (bucket, subject) values (${limit.bucket}, ${subject})`.execute(
    tx,
  );
}

/**
 * Counts one event unless the subject is already at the limit: returns 0 when counted, else the
 * seconds to wait. Serialised per bucket+subject (advisory lock), so concurrent requests on several
 * instances cannot all slip under the limit at once.
 */
export async function consume(tx: Tx, limit: Limit, subject: string): Promise<number> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`${limit.bucket}:${subject}`}, 0))`.execute(tx);
  const state = await readLimit(tx, limit, subject);
  if (state.retryAfterSeconds > 0) return state.retryAfterSeconds;
  await recordEvent(tx, limit, subject);
  return 0;
}

/** Deletes events older than every window (a day). Cheap; the accounts module calls it now and then. */
export async function pruneRateLimitEvents(tx: Tx): Promise<void> {
  await sql`delete from private.rate_limit_events where occurred_at < now() - interval '1 day'`.execute(tx);
}
