import type { FastifyBaseLogger } from 'fastify';
import { sql } from 'kysely';
import {
  ACCESS_TOKEN_TTL_SECONDS,
  MINIMUM_AGE_YEARS,
  REFRESH_TOKEN_TTL_SECONDS,
  type AdminUser,
  type AuthUser,
  type EmailNotifications,
  type MyProfile,
  type SessionInfo,
  type UpdateMyProfileBody,
} from '../../../contracts/auth.ts';
import type { Config } from '../../config.ts';
import type { Db, SessionUser, Tx } from '../../db/session.ts';
import {
  csrfTokenFor,
  safeEqual,
  signAccessToken,
  type RequestAuth,
  type RequestDb,
} from '../../platform/auth.ts';
import type { Background } from '../../platform/background.ts';
import { AppError, findPgError } from '../../platform/errors.ts';
import type { Mailer, MailMessage } from '../../platform/mail/mailer.ts';
import { newPasswordProblem, type PasswordHasher } from '../../platform/passwords/passwords.ts';
import { isAtLeast } from './age.ts';
import * as q from './accounts.queries.ts';
import { consume, LIMITS, pruneRateLimitEvents, readLimit, recordEvent, subjectHash } from './rate-limit.ts';
import { hashOpaqueToken, newOpaqueToken } from './tokens.ts';

/**
 * Accounts: sign-up, sign-in, sessions, links sent by email, password and address changes, erasure,
 * profile and the admin's user list.
 *
 * Trust boundaries. Paths that run before anyone is signed in (sign-up, sign-in, refresh, sign-out
 * by refresh token, confirmation and reset links) are *system paths*: they read credentials and the
 * private tables through db.asSystem, and their helpers end in `AsSystem`. Everything a signed-in
 * person does to their own data (profile, sessions page, sign out everywhere) and everything an admin
 * does to users runs as that person, under row-level security. The activity log is written by the
 * system (access.md: system only).
 */

const CONFIRM_TTL_HOURS = 24;
const RESET_TTL_MINUTES = 60;
const EMAIL_CHANGE_TTL_HOURS = 24;
const USER_AGENT_MAX = 512;

export interface AccountsDeps {
  db: Db;
  config: Pick<Config, 'jwtSecret' | 'publicUrl'>;
  mailer: Mailer;
  hasher: PasswordHasher;
  background: Background;
  log: FastifyBaseLogger;
  now: () => Date;
}

/** Where a request comes from, for rate limits, the sessions list and the activity log. */
export interface ClientInfo {
  ip: string;
  userAgent: string | null;
}

/** Who is calling (a Fastify request satisfies it). */
export interface Caller {
  readonly user: SessionUser | null;
  readonly auth: RequestAuth | null;
  readonly db: RequestDb;
}

export interface IssuedSession {
  user: AuthUser;
  sessionId: string;
  accessToken: string;
  accessTokenExpiresAt: Date;
  /** Absent only for a cookie refresh inside the grace window (the browser keeps its newer cookie). */
  refreshToken: string | undefined;
  refreshTokenExpiresAt: Date;
  csrfToken: string;
}

export const ACCEPTED_SIGN_UP =
  'Thanks! If this address can be used, a link to confirm it is on its way. Check your inbox, then sign in.';
export const ACCEPTED_RESET =
  'If an account uses this address, a link to choose a new password is on its way. It works once, for 60 minutes.';

const clientUserAgent = (client: ClientInfo) => client.userAgent?.slice(0, USER_AGENT_MAX) ?? null;

function rateLimited(retryAfterSeconds: number, message?: string): AppError {
  return new AppError('rate_limited', message ?? 'Too many attempts; try again later.', {
    retryAfterSeconds,
  });
}

const requireUser = (caller: Caller): SessionUser => {
  if (!caller.user) throw new AppError('unauthorized');
  return caller.user;
};

const validation = (path: string, message: string) =>
  new AppError('validation_failed', `${path}: ${message}`, { issues: [{ path, message }] });

function toAuthUser(account: q.AccountRow): AuthUser {
  return {
    id: account.id,
    email: account.email,
    emailConfirmed: account.emailConfirmedAt !== null,
    role: account.role,
    fullName: account.fullName,
    displayName: account.displayName,
    avatarUrl: account.avatarUrl,
    timezone: account.timezone,
  };
}

/**
 * Housekeeping as the system, at most every 10 minutes per process, after a sign-in's answer: old
 * rate-limit events, sessions ended a month ago, long-expired email tokens.
 */
let lastPrune = 0;
function pruneNowAndThen(deps: AccountsDeps) {
  if (Date.now() - lastPrune < 10 * 60_000) return;
  lastPrune = Date.now();
  deps.background.run('accounts-housekeeping', () =>
    deps.db.asSystem(async (tx) => {
      await pruneRateLimitEvents(tx);
      await q.pruneEndedSessionsAndTokens(tx);
    }),
  );
}

function link(deps: AccountsDeps, path: string, token: string) {
  return `${deps.config.publicUrl}${path}?token=${encodeURIComponent(token)}`;
}

/** Sends after the unit of work committed (the mailer opens its own system transactions). */
async function sendMail(deps: AccountsDeps, message: MailMessage) {
  await deps.mailer.send(message);
}

// ================================================================ time zones

/** Time-zone names both the runtime (Intl) and the database know, loaded once per database. */
const knownTimezones = new WeakMap<Db, Promise<Set<string>>>();

function timezonesOf(db: Db): Promise<Set<string>> {
  let names = knownTimezones.get(db);
  if (!names) {
    names = db
      .asAnon((tx) => sql<{ name: string }>`select name from pg_catalog.pg_timezone_names`.execute(tx))
      .then(({ rows }) => {
        const inDatabase = new Set(rows.map((r) => r.name));
        return new Set(Intl.supportedValuesOf('timeZone').filter((name) => inDatabase.has(name)));
      });
    names.catch(() => knownTimezones.delete(db));
    knownTimezones.set(db, names);
  }
  return names;
}

/** The IANA names the pickers offer and sign-up and the profile accept. */
export async function listTimezones(deps: AccountsDeps): Promise<string[]> {
  return [...(await timezonesOf(deps.db))].sort();
}

/**
 * Refuses a zone the database does not know (profiles.timezone is checked by a trigger): found
 * here, before the answer, rather than in sign-up's background work, where it would be lost.
 */
async function assertKnownTimezone(deps: AccountsDeps, timezone: string, path: string) {
  if (timezone === 'UTC') return;
  if (!(await timezonesOf(deps.db)).has(timezone)) {
    throw validation(path, 'is not a time zone this server knows; pick one from the list');
  }
}

// ================================================================ sign-up and confirmation

export interface SignUpInput {
  email: string;
  password: string;
  fullName: string;
  dateOfBirth: string;
  timezone: string;
}

/**
 * Sign-up — a system path (no one is signed in; the account is created through db.asSystem). Answers the same (202, same body, same time) whether or not the address has an account:
 * the checks that depend only on the input come first, the password is hashed in both cases, and
 * the database and mail work runs in the background. A new address gets an account and a
 * confirmation link; a known one gets a "someone tried to sign up with your address" notice.
 */
export async function signUp(deps: AccountsDeps, client: ClientInfo, input: SignUpInput): Promise<string> {
  await assertKnownTimezone(deps, input.timezone, 'body.timezone');
  if (!isAtLeast(MINIMUM_AGE_YEARS, input.dateOfBirth, input.timezone, deps.now())) {
    throw validation(
      'body.dateOfBirth',
      `you must be at least ${MINIMUM_AGE_YEARS} years old to create an account (counted in your time zone, ${input.timezone})`,
    );
  }
  if (new Date(`${input.dateOfBirth}T00:00:00Z`).getUTCFullYear() < 1900) {
    throw validation('body.dateOfBirth', 'must be a real date of birth');
  }
  const problem = newPasswordProblem(input.password, input.email);
  if (problem) throw validation('body.password', problem);

  const wait = await deps.db.asSystem((tx) => consume(tx, LIMITS.signUpPerIp, subjectHash(client.ip)));
  if (wait > 0) throw rateLimited(wait, 'Too many sign-ups from your network; try again later.');

  const encryptedPassword = await deps.hasher.hash(input.password);
  deps.background.run('sign-up', () => completeSignUpAsSystem(deps, client, input, encryptedPassword));
  return ACCEPTED_SIGN_UP;
}

/** System path (no one is signed in yet): creates the account, or notifies the address's owner. */
async function completeSignUpAsSystem(
  deps: AccountsDeps,
  client: ClientInfo,
  input: SignUpInput,
  encryptedPassword: string,
) {
  const token = newOpaqueToken();
  const outcome = await deps.db.asSystem(async (tx) => {
    const created = await q.insertAccount(tx, {
      email: input.email,
      encryptedPassword,
      fullName: input.fullName,
      dateOfBirth: input.dateOfBirth,
      timezone: input.timezone,
    });
    if (!created) {
      const existing = await q.findAccountByEmail(tx, input.email);
      const wait = await consume(tx, LIMITS.signUpNoticePerAddress, subjectHash(input.email));
      return { kind: 'existing' as const, existing, notify: wait === 0 };
    }
    const stored = await q.insertEmailToken(tx, {
      userId: created.id,
      purpose: 'confirm',
      tokenHash: hashOpaqueToken(token),
      expiresAt: new Date(Date.now() + CONFIRM_TTL_HOURS * 3600_000),
    });
    await q.insertActivity(tx, {
      userId: created.id,
      action: 'auth.signed_up',
      ip: client.ip,
      userAgent: clientUserAgent(client),
    });
    return { kind: 'created' as const, userId: created.id, tokenId: stored.id };
  });

  if (outcome.kind === 'created') {
    await sendMail(deps, {
      to: input.email,
      template: 'email_confirmation',
      data: {
        displayName: input.fullName,
        confirmUrl: link(deps, '/confirm', token),
        expiresInHours: CONFIRM_TTL_HOURS,
      },
      idempotencyKey: `email_confirmation:${outcome.tokenId}`,
      metadata: { userId: outcome.userId },
    });
  } else if (outcome.existing && outcome.notify) {
    await sendMail(deps, {
      to: outcome.existing.email,
      template: 'sign_up_attempt_notice',
      data: {
        displayName: outcome.existing.displayName,
        resetPasswordUrl: `${deps.config.publicUrl}/forgot-password`,
      },
      idempotencyKey: `sign_up_attempt_notice:${newOpaqueToken()}`,
      metadata: { userId: outcome.existing.id },
    });
  }
}

/** Confirms an address with the token from the link (single use, expiring) — a system path: the token is the credential. */
export async function confirmEmail(deps: AccountsDeps, client: ClientInfo, token: string): Promise<void> {
  await limitEmailTokenUse(deps, client);
  const confirmed = await deps.db.asSystem(async (tx) => {
    const used = await q.useEmailToken(tx, hashOpaqueToken(token), 'confirm');
    if (!used) return false;
    await q.markEmailConfirmed(tx, used.userId);
    await q.insertActivity(tx, {
      userId: used.userId,
      action: 'auth.email_confirmed',
      ip: client.ip,
      userAgent: clientUserAgent(client),
    });
    return true;
  });
  if (!confirmed) throw invalidLink();
}

const invalidLink = () =>
  new AppError('invalid_token', 'This link is invalid, was already used or has expired; ask for a new one.');

async function limitEmailTokenUse(deps: AccountsDeps, client: ClientInfo) {
  const wait = await deps.db.asSystem((tx) => consume(tx, LIMITS.emailTokenPerIp, subjectHash(client.ip)));
  if (wait > 0) throw rateLimited(wait);
}

/** Sends the confirmation link again to the signed-in user, unless the address is already confirmed. */
export async function resendConfirmation(deps: AccountsDeps, caller: Caller, client: ClientInfo) {
  const user = requireUser(caller);
  const token = newOpaqueToken();
  const outcome = await deps.db.asSystem(async (tx) => {
    const account = await q.findAccountById(tx, user.id);
    if (!account?.isActive) throw new AppError('unauthorized');
    if (account.emailConfirmedAt) return { kind: 'confirmed' as const };
    const wait = await consume(tx, LIMITS.resendConfirmationPerUser, subjectHash(user.id));
    if (wait > 0) return { kind: 'limited' as const, wait };
    const stored = await q.insertEmailToken(tx, {
      userId: user.id,
      purpose: 'confirm',
      tokenHash: hashOpaqueToken(token),
      expiresAt: new Date(Date.now() + CONFIRM_TTL_HOURS * 3600_000),
    });
    await q.insertActivity(tx, {
      userId: user.id,
      action: 'auth.confirmation_resent',
      ip: client.ip,
      userAgent: clientUserAgent(client),
    });
    return { kind: 'send' as const, account, tokenId: stored.id };
  });
  if (outcome.kind === 'limited') throw rateLimited(outcome.wait);
  if (outcome.kind === 'confirmed') return 'Your address is already confirmed.';
  await sendMail(deps, {
    to: outcome.account.email,
    template: 'email_confirmation',
    data: {
      displayName: outcome.account.displayName,
      confirmUrl: link(deps, '/confirm', token),
      expiresInHours: CONFIRM_TTL_HOURS,
    },
    idempotencyKey: `email_confirmation:${outcome.tokenId}`,
    metadata: { userId: user.id },
  });
  return 'A new confirmation link is on its way.';
}

// ================================================================ sign-in and sessions

async function issueSession(
  deps: AccountsDeps,
  tx: Tx,
  account: q.AccountRow,
  client: ClientInfo,
  existingSessionId?: string,
  parentTokenId?: string,
): Promise<IssuedSession> {
  const refreshToken = newOpaqueToken();
  const refreshTokenExpiresAt = new Date(Date.now() + REFRESH_TOKEN_TTL_SECONDS * 1000);
  let sessionId = existingSessionId;
  if (sessionId) {
    await q.touchSession(tx, sessionId, {
      expiresAt: refreshTokenExpiresAt,
      ip: client.ip,
      userAgent: clientUserAgent(client),
    });
  } else {
    ({ id: sessionId } = await q.insertSession(tx, {
      userId: account.id,
      ip: client.ip,
      userAgent: clientUserAgent(client),
      expiresAt: refreshTokenExpiresAt,
    }));
  }
  await q.insertRefreshToken(tx, {
    sessionId,
    parentId: parentTokenId ?? null,
    tokenHash: hashOpaqueToken(refreshToken),
    expiresAt: refreshTokenExpiresAt,
  });
  const accessToken = await signAccessToken(
    deps.config.jwtSecret,
    { id: account.id, email: account.email },
    ACCESS_TOKEN_TTL_SECONDS,
    sessionId,
  );
  return {
    user: toAuthUser(account),
    sessionId,
    accessToken,
    accessTokenExpiresAt: new Date(Date.now() + ACCESS_TOKEN_TTL_SECONDS * 1000),
    refreshToken,
    refreshTokenExpiresAt,
    csrfToken: csrfTokenFor(deps.config.jwtSecret, sessionId),
  };
}

/**
 * Sign-in (system path: nobody is signed in yet). Known and unknown addresses take the same steps:
 * one lookup, one argon2 verify (against a dummy hash when there is no account), the same failure
 * bookkeeping and the same 401 `invalid_credentials`.
 *
 * Limits: 100 sign-in requests per IP per 15 minutes; after 10 failures for one address within 15
 * minutes, that address is locked — but only for IPs that have themselves failed on it in that
 * window, so an attacker locks out themselves, not the owner signing in from elsewhere.
 */
export async function signIn(
  deps: AccountsDeps,
  client: ClientInfo,
  input: { email: string; password: string },
): Promise<IssuedSession> {
  pruneNowAndThen(deps);
  const accountKey = subjectHash(input.email);
  const pairKey = subjectHash(input.email, client.ip);
  const ua = clientUserAgent(client);

  const gate = await deps.db.asSystem(async (tx) => {
    const ipWait = await consume(tx, LIMITS.signInPerIp, subjectHash(client.ip));
    if (ipWait > 0) return { wait: ipWait, locked: false };
    // The same queries whether or not the address has an account, or is locked: equal time.
    const failures = await readLimit(tx, LIMITS.signInFailuresPerAccount, accountKey);
    const pair = await readLimit(tx, LIMITS.signInFailuresPerAccountIp, pairKey);
    const account = await q.findAccountByEmail(tx, input.email);
    if (failures.retryAfterSeconds > 0 && pair.count > 0) {
      await q.insertActivity(tx, {
        userId: account?.id ?? null,
        action: 'auth.sign_in_locked',
        ip: client.ip,
        userAgent: ua,
      });
      return { wait: failures.retryAfterSeconds, locked: true };
    }
    return { wait: 0, locked: false, account };
  });
  if (gate.wait > 0) {
    throw rateLimited(
      gate.wait,
      gate.locked
        ? 'Too many failed sign-ins for this account from your network; try again later or reset your password.'
        : 'Too many sign-in attempts from your network; try again later.',
    );
  }

  const account = gate.account;
  // Always one argon2 verify: an unknown address is checked against a dummy hash.
  const verified = await deps.hasher.verify(account?.encryptedPassword, input.password);

  if (!account || !verified.ok) {
    await deps.db.asSystem(async (tx) => {
      await recordEvent(tx, LIMITS.signInFailuresPerAccount, accountKey);
      await recordEvent(tx, LIMITS.signInFailuresPerAccountIp, pairKey);
      await q.insertActivity(tx, {
        userId: account?.id ?? null,
        action: 'auth.sign_in_failed',
        ip: client.ip,
        userAgent: ua,
      });
      const failures = await readLimit(tx, LIMITS.signInFailuresPerAccount, accountKey);
      if (failures.count === LIMITS.signInFailuresPerAccount.max) {
        await q.insertActivity(tx, {
          userId: account?.id ?? null,
          action: 'auth.account_locked',
          ip: client.ip,
          userAgent: ua,
          metadata: { failures: failures.count, lockSeconds: failures.retryAfterSeconds },
        });
      }
    });
    throw new AppError('invalid_credentials');
  }

  if (!account.isActive) {
    await deps.db.asSystem((tx) =>
      q.insertActivity(tx, {
        userId: account.id,
        action: 'auth.sign_in_refused_inactive',
        ip: client.ip,
        userAgent: ua,
      }),
    );
    throw new AppError('forbidden', 'This account is deactivated. Contact an administrator.');
  }

  const rehash = verified.needsRehash ? await deps.hasher.hash(input.password) : undefined;
  return deps.db.asSystem(async (tx) => {
    if (rehash) await q.updatePasswordHash(tx, account.id, rehash);
    await q.touchLastSignIn(tx, account.id);
    const issued = await issueSession(deps, tx, account, client);
    await q.insertActivity(tx, {
      userId: account.id,
      action: 'auth.sign_in',
      ip: client.ip,
      userAgent: ua,
      sessionId: issued.sessionId,
    });
    return issued;
  });
}

export interface RefreshInput {
  refreshToken: string;
  /** 'cookie': the token came in the refresh cookie, so the CSRF header must match its session. */
  via: 'cookie' | 'body';
  csrfHeader: string | undefined;
}

const signInAgain = () => new AppError('unauthorized', 'Your session has ended; sign in again.');

/**
 * How long after a rotation the web may present the previous refresh cookie again (concurrent
 * refreshes from several tabs) and get an access token instead of a revoked session.
 */
export const REUSE_GRACE_MS = 10_000;

async function issueAccessOnly(
  deps: AccountsDeps,
  account: q.AccountRow,
  sessionId: string,
  refreshTokenExpiresAt: Date,
): Promise<IssuedSession> {
  return {
    user: toAuthUser(account),
    sessionId,
    accessToken: await signAccessToken(
      deps.config.jwtSecret,
      { id: account.id, email: account.email },
      ACCESS_TOKEN_TTL_SECONDS,
      sessionId,
    ),
    accessTokenExpiresAt: new Date(Date.now() + ACCESS_TOKEN_TTL_SECONDS * 1000),
    refreshToken: undefined,
    refreshTokenExpiresAt,
    csrfToken: csrfTokenFor(deps.config.jwtSecret, sessionId),
  };
}

/**
 * Refresh (system path: the refresh token is the credential). Rotates: the presented token is
 * marked used and a new one issued in the same session. A token presented a second time was
 * copied — the whole session (family) is revoked and the caller must sign in again. The one
 * exception: a cookie refresh repeated within REUSE_GRACE_MS while the newer token is unused gets
 * an access token only (browser tabs refreshing at once).
 */
export async function refreshSession(
  deps: AccountsDeps,
  client: ClientInfo,
  input: RefreshInput,
): Promise<IssuedSession> {
  const outcome = await deps.db.asSystem(async (tx) => {
    const token = await q.findRefreshTokenForUpdate(tx, hashOpaqueToken(input.refreshToken));
    if (!token) return { kind: 'unknown' as const };
    if (
      input.via === 'cookie' &&
      !safeEqual(input.csrfHeader, csrfTokenFor(deps.config.jwtSecret, token.sessionId))
    ) {
      return { kind: 'csrf' as const };
    }
    if (token.sessionRevokedAt || token.sessionExpiresAt <= new Date()) return { kind: 'ended' as const };
    if (token.usedAt && input.via === 'cookie' && Date.now() - token.usedAt.getTime() < REUSE_GRACE_MS) {
      // Two tabs refreshed at once with the same cookie: the other one already rotated it and the
      // browser holds the new refresh cookie. Answer with an access token only — no refresh token,
      // so nothing copied can keep a session alive — as long as the newer token is still unused.
      const child = await q.findUnusedChildToken(tx, token.id);
      const account = child && (await q.findAccountById(tx, token.userId));
      if (child && account?.isActive) {
        return {
          kind: 'issued' as const,
          issued: await issueAccessOnly(deps, account, token.sessionId, child.expiresAt),
        };
      }
    }
    if (token.usedAt) {
      await q.revokeSession(tx, token.sessionId, 'refresh_token_reuse');
      await q.insertActivity(tx, {
        userId: token.userId,
        action: 'auth.refresh_token_reused',
        ip: client.ip,
        userAgent: clientUserAgent(client),
        sessionId: token.sessionId,
      });
      return { kind: 'reused' as const };
    }
    if (token.expiresAt <= new Date()) return { kind: 'ended' as const };
    const account = await q.findAccountById(tx, token.userId);
    if (!account?.isActive) {
      await q.revokeSession(tx, token.sessionId, 'deactivated');
      return { kind: 'ended' as const };
    }
    await q.markRefreshTokenUsed(tx, token.id);
    const issued = await issueSession(deps, tx, account, client, token.sessionId, token.id);
    return { kind: 'issued' as const, issued };
  });
  if (outcome.kind === 'csrf') throw new AppError('csrf_failed');
  if (outcome.kind !== 'issued') throw signInAgain();
  return outcome.issued;
}

/**
 * Sign-out of one session (a system path: a refresh token may be all the caller has): the one of the refresh token (cookie or body) or else of the access
 * token. Always succeeds for the caller; a cookie sign-out needs the session's CSRF token.
 */
export async function signOut(
  deps: AccountsDeps,
  caller: Caller,
  client: ClientInfo,
  input: { refreshToken: string | undefined; via: 'cookie' | 'body'; csrfHeader: string | undefined },
): Promise<void> {
  await deps.db.asSystem(async (tx) => {
    let sessionId: string | undefined;
    let userId: string | undefined;
    if (input.refreshToken) {
      const token = await q.findRefreshTokenForUpdate(tx, hashOpaqueToken(input.refreshToken));
      if (token) ({ sessionId, userId } = token);
    } else if (caller.auth?.sessionId) {
      sessionId = caller.auth.sessionId;
      userId = caller.auth.user.id;
    }
    if (!sessionId || !userId) return;
    const cookieRequest = input.via === 'cookie' || caller.auth?.via === 'cookie';
    if (cookieRequest && !safeEqual(input.csrfHeader, csrfTokenFor(deps.config.jwtSecret, sessionId))) {
      throw new AppError('csrf_failed');
    }
    if ((await q.revokeSession(tx, sessionId, 'sign_out')) > 0) {
      await q.insertActivity(tx, {
        userId,
        action: 'auth.sign_out',
        ip: client.ip,
        userAgent: clientUserAgent(client),
        sessionId,
      });
    }
  });
}

/** Ends every session of the caller (runs as the user: private.revoke_all_my_sessions). */
export async function signOutEverywhere(deps: AccountsDeps, caller: Caller, client: ClientInfo) {
  const user = requireUser(caller);
  const ended = await caller.db.run((tx) => q.revokeAllMySessions(tx));
  await deps.db.asSystem((tx) =>
    q.insertActivity(tx, {
      userId: user.id,
      action: 'auth.sign_out_everywhere',
      ip: client.ip,
      userAgent: clientUserAgent(client),
      sessionId: caller.auth?.sessionId ?? null,
      metadata: { sessionsEnded: ended },
    }),
  );
}

/**
 * The signed-in user, if their session is still live: an access token of a session that was
 * revoked (sign-out, deactivation, password change) is refused here at once, not only at expiry.
 */
export async function getSessionUser(deps: AccountsDeps, caller: Caller): Promise<AuthUser> {
  const user = requireUser(caller);
  const account = await deps.db.asSystem(async (tx) => {
    const sessionId = caller.auth?.sessionId;
    if (sessionId && !(await q.isSessionLive(tx, sessionId))) return undefined;
    return q.findAccountById(tx, user.id);
  });
  if (!account?.isActive) throw signInAgain();
  return toAuthUser(account);
}

export async function listMySessions(caller: Caller): Promise<SessionInfo[]> {
  requireUser(caller);
  const rows = await caller.db.run((tx) => q.listMySessions(tx));
  return rows.map((row) => ({
    id: row.id,
    userAgent: row.userAgent,
    ip: row.ip,
    createdAt: new Date(row.createdAt).toISOString(),
    lastUsedAt: new Date(row.lastUsedAt).toISOString(),
    expiresAt: new Date(row.expiresAt).toISOString(),
    current: row.id === caller.auth?.sessionId,
  }));
}

/** Ends one of the caller's sessions (as the user; someone else's answers 404 like a missing one). */
export async function revokeMySession(
  deps: AccountsDeps,
  caller: Caller,
  client: ClientInfo,
  sessionId: string,
): Promise<void> {
  const user = requireUser(caller);
  const revoked = await caller.db.run((tx) => q.revokeMySession(tx, sessionId));
  if (!revoked) throw new AppError('not_found', 'No such session.');
  await deps.db.asSystem((tx) =>
    q.insertActivity(tx, {
      userId: user.id,
      action: 'auth.session_revoked',
      ip: client.ip,
      userAgent: clientUserAgent(client),
      sessionId: caller.auth?.sessionId ?? null,
      entityType: 'session',
      entityId: sessionId,
    }),
  );
}

// ================================================================ passwords

/**
 * Reset request — a system path (no one is signed in). Same answer and time for every address: after the per-IP limit, the lookup, token
 * and mail run in the background. Deactivated accounts get no link; one address gets at most 3
 * links an hour (silently: the answer must not change).
 */
export async function requestPasswordReset(deps: AccountsDeps, client: ClientInfo, email: string) {
  const wait = await deps.db.asSystem((tx) => consume(tx, LIMITS.passwordResetPerIp, subjectHash(client.ip)));
  if (wait > 0) throw rateLimited(wait, 'Too many reset requests from your network; try again later.');
  deps.background.run('password-reset-request', () => sendPasswordResetAsSystem(deps, client, email));
  return ACCEPTED_RESET;
}

/** System path: the reset link for the account with this address, if there is one. */
async function sendPasswordResetAsSystem(deps: AccountsDeps, client: ClientInfo, email: string) {
  const token = newOpaqueToken();
  const outcome = await deps.db.asSystem(async (tx) => {
    const account = await q.findAccountByEmail(tx, email);
    if (!account?.isActive) return undefined;
    if ((await consume(tx, LIMITS.passwordResetPerAddress, subjectHash(email))) > 0) return undefined;
    const stored = await q.insertEmailToken(tx, {
      userId: account.id,
      purpose: 'reset',
      tokenHash: hashOpaqueToken(token),
      expiresAt: new Date(Date.now() + RESET_TTL_MINUTES * 60_000),
    });
    await q.insertActivity(tx, {
      userId: account.id,
      action: 'auth.password_reset_requested',
      ip: client.ip,
      userAgent: clientUserAgent(client),
    });
    return { account, tokenId: stored.id };
  });
  if (!outcome) return;
  await sendMail(deps, {
    to: outcome.account.email,
    template: 'password_reset',
    data: {
      displayName: outcome.account.displayName,
      resetUrl: link(deps, '/reset-password', token),
      expiresInMinutes: RESET_TTL_MINUTES,
    },
    idempotencyKey: `password_reset:${outcome.tokenId}`,
    metadata: { userId: outcome.account.id },
  });
}

/** Sets a new password with a reset link (system path); ends every session of the account. */
export async function completePasswordReset(
  deps: AccountsDeps,
  client: ClientInfo,
  input: { token: string; password: string },
): Promise<void> {
  await limitEmailTokenUse(deps, client);
  const tokenHash = hashOpaqueToken(input.token);
  const open = await deps.db.asSystem(async (tx) => {
    const token = await q.findOpenEmailToken(tx, tokenHash, 'reset');
    return token && (await q.findAccountById(tx, token.userId));
  });
  if (!open) throw invalidLink();
  const problem = newPasswordProblem(input.password, open.email);
  if (problem) throw validation('body.password', problem);
  // Hash outside the unit of work: it must not hold a connection (PGlite has one) for 50 ms of CPU.
  const encryptedPassword = await deps.hasher.hash(input.password);
  const done = await deps.db.asSystem(async (tx) => {
    const used = await q.useEmailToken(tx, tokenHash, 'reset');
    if (!used) return false;
    await q.updatePasswordHash(tx, used.userId, encryptedPassword);
    // Following the link proved the mailbox is theirs.
    await q.markEmailConfirmed(tx, used.userId);
    await q.closeEmailTokens(tx, used.userId, ['reset']);
    await q.revokeUserSessions(tx, used.userId, 'password_reset');
    await q.insertActivity(tx, {
      userId: used.userId,
      action: 'auth.password_reset_completed',
      ip: client.ip,
      userAgent: clientUserAgent(client),
    });
    return true;
  });
  if (!done) throw invalidLink();
  deps.background.run('password-changed-notice', () => sendPasswordChangedNotice(deps, open));
}

async function sendPasswordChangedNotice(deps: AccountsDeps, account: q.AccountRow) {
  await sendMail(deps, {
    to: account.email,
    template: 'password_changed_notice',
    data: {
      displayName: account.displayName,
      changedAt: new Date(),
      resetPasswordUrl: `${deps.config.publicUrl}/forgot-password`,
    },
    idempotencyKey: `password_changed_notice:${newOpaqueToken()}`,
    metadata: { userId: account.id },
  });
}

/**
 * Checks the caller's current password (system read of the hash). Wrong ones count towards 10 per
 * 15 minutes per user, so a stolen session cannot be used to guess the password.
 */
async function verifyCurrentPasswordAsSystem(
  deps: AccountsDeps,
  user: SessionUser,
  client: ClientInfo,
  password: string,
  field: string,
): Promise<q.AccountRow> {
  const subject = subjectHash(user.id);
  const { account, wait } = await deps.db.asSystem(async (tx) => ({
    account: await q.findAccountById(tx, user.id),
    wait: (await readLimit(tx, LIMITS.passwordCheckFailuresPerUser, subject)).retryAfterSeconds,
  }));
  if (!account?.isActive) throw signInAgain();
  if (wait > 0) throw rateLimited(wait, 'Too many wrong passwords; try again later.');
  const verified = await deps.hasher.verify(account.encryptedPassword, password);
  if (!verified.ok) {
    await deps.db.asSystem(async (tx) => {
      await recordEvent(tx, LIMITS.passwordCheckFailuresPerUser, subject);
      await q.insertActivity(tx, {
        userId: user.id,
        action: 'auth.password_check_failed',
        ip: client.ip,
        userAgent: clientUserAgent(client),
      });
    });
    throw new AppError('invalid_credentials', 'The password is wrong.', {
      issues: [{ path: field, message: 'is wrong' }],
    });
  }
  return account;
}

/** Changes the password (needs the current one) and ends every other session. */
export async function changePassword(
  deps: AccountsDeps,
  caller: Caller,
  client: ClientInfo,
  input: { currentPassword: string; newPassword: string },
): Promise<void> {
  const user = requireUser(caller);
  const account = await verifyCurrentPasswordAsSystem(
    deps,
    user,
    client,
    input.currentPassword,
    'body.currentPassword',
  );
  const problem = newPasswordProblem(input.newPassword, account.email);
  if (problem) throw validation('body.newPassword', problem);
  const encryptedPassword = await deps.hasher.hash(input.newPassword);
  await deps.db.asSystem(async (tx) => {
    await q.updatePasswordHash(tx, user.id, encryptedPassword);
    await q.closeEmailTokens(tx, user.id, ['reset']);
    const ended = await q.revokeUserSessions(tx, user.id, 'password_changed', caller.auth?.sessionId);
    await q.insertActivity(tx, {
      userId: user.id,
      action: 'auth.password_changed',
      ip: client.ip,
      userAgent: clientUserAgent(client),
      sessionId: caller.auth?.sessionId ?? null,
      metadata: { otherSessionsEnded: ended },
    });
  });
  deps.background.run('password-changed-notice', () => sendPasswordChangedNotice(deps, account));
}

// ================================================================ email change

/**
 * Starts an address change: a link to the new address (the change happens when it is opened). The
 * answer is the same whether or not the new address is already taken (then nothing is sent).
 */
export async function requestEmailChange(
  deps: AccountsDeps,
  caller: Caller,
  client: ClientInfo,
  input: { newEmail: string; password: string },
): Promise<string> {
  const user = requireUser(caller);
  const account = await verifyCurrentPasswordAsSystem(deps, user, client, input.password, 'body.password');
  if (input.newEmail === account.email.toLowerCase()) {
    throw validation('body.newEmail', 'is already the address of your account');
  }
  const token = newOpaqueToken();
  const outcome = await deps.db.asSystem(async (tx) => {
    const wait = await consume(tx, LIMITS.emailChangePerUser, subjectHash(user.id));
    if (wait > 0) return { wait };
    await q.insertActivity(tx, {
      userId: user.id,
      action: 'auth.email_change_requested',
      ip: client.ip,
      userAgent: clientUserAgent(client),
    });
    if (await q.isEmailTaken(tx, input.newEmail)) return { wait: 0 };
    await q.closeEmailTokens(tx, user.id, ['email_change']);
    const stored = await q.insertEmailToken(tx, {
      userId: user.id,
      purpose: 'email_change',
      tokenHash: hashOpaqueToken(token),
      newEmail: input.newEmail,
      expiresAt: new Date(Date.now() + EMAIL_CHANGE_TTL_HOURS * 3600_000),
    });
    return { wait: 0, tokenId: stored.id };
  });
  if (outcome.wait > 0) throw rateLimited(outcome.wait);
  const { tokenId } = outcome;
  // After the answer, so that its time does not tell whether the new address is taken.
  if (tokenId) {
    deps.background.run('email-change-confirmation', () =>
      sendMail(deps, {
        to: input.newEmail,
        template: 'email_change_confirmation',
        data: {
          displayName: account.displayName,
          newEmail: input.newEmail,
          confirmUrl: link(deps, '/confirm-email-change', token),
          expiresInHours: EMAIL_CHANGE_TTL_HOURS,
        },
        idempotencyKey: `email_change_confirmation:${tokenId}`,
        metadata: { userId: user.id },
      }),
    );
  }
  return `A link to confirm the change is on its way to ${input.newEmail}. Your address changes when you open it.`;
}

/** Applies an address change with the link sent to the new address (system path); notifies the old one. */
export async function confirmEmailChange(
  deps: AccountsDeps,
  client: ClientInfo,
  token: string,
): Promise<string> {
  await limitEmailTokenUse(deps, client);
  const outcome = await deps.db.asSystem(async (tx) => {
    const used = await q.useEmailToken(tx, hashOpaqueToken(token), 'email_change');
    if (!used?.newEmail) return undefined;
    const account = await q.findAccountById(tx, used.userId);
    if (!account?.isActive) return undefined;
    if (await q.isEmailTaken(tx, used.newEmail, used.userId)) return { taken: true as const };
    await q.updateAccountEmail(tx, used.userId, used.newEmail);
    // Links sent to the old address (confirm, reset) stop working.
    await q.closeEmailTokens(tx, used.userId, ['confirm', 'reset', 'email_change']);
    await q.insertActivity(tx, {
      userId: used.userId,
      action: 'auth.email_changed',
      ip: client.ip,
      userAgent: clientUserAgent(client),
    });
    return { taken: false as const, account, newEmail: used.newEmail };
  });
  if (!outcome) throw invalidLink();
  if (outcome.taken) throw new AppError('conflict', 'This address is now used by another account.');
  const { account, newEmail } = outcome;
  deps.background.run('email-changed-notice', () =>
    sendMail(deps, {
      to: account.email,
      template: 'email_changed_notice',
      data: {
        displayName: account.displayName,
        newEmail,
        changedAt: new Date(),
        secureAccountUrl: `${deps.config.publicUrl}/forgot-password`,
      },
      idempotencyKey: `email_changed_notice:${newOpaqueToken()}`,
      metadata: { userId: account.id },
    }),
  );
  return newEmail;
}

// ================================================================ erasure

/**
 * Deletes the caller's account (needs the password). Erasure, as the system: the activity log keeps
 * the events without the person (no user, IP, user agent), mail to the address is deleted, and the
 * auth user goes — cascading to profile, learning data, sessions and tokens, while payment records
 * stay with user_id NULL (their FK is ON DELETE SET NULL) as the law requires.
 */
export async function deleteMyAccount(
  deps: AccountsDeps,
  caller: Caller,
  client: ClientInfo,
  password: string,
): Promise<void> {
  const user = requireUser(caller);
  const account = await verifyCurrentPasswordAsSystem(deps, user, client, password, 'body.password');
  try {
    await deps.db.asSystem(async (tx) => {
      await q.anonymiseActivityLogs(tx, user.id);
      await q.deleteMailTo(tx, account.email);
      await q.deleteAccountRow(tx, user.id);
      await q.insertActivity(tx, {
        userId: null,
        action: 'account.deleted',
        ip: client.ip,
        userAgent: clientUserAgent(client),
      });
    });
  } catch (error) {
    if (findPgError(error)?.code === '23503') {
      throw new AppError(
        'conflict',
        'This account still owns courses. Ask an administrator to transfer them, then delete the account.',
      );
    }
    throw error;
  }
}

// ================================================================ profile (as the user)

type ProfileRow = NonNullable<Awaited<ReturnType<typeof q.findMyProfile>>>;

function toEmailNotifications(value: unknown): EmailNotifications {
  const raw = (value && typeof value === 'object' ? value : {}) as Record<string, unknown>;
  return {
    courseUpdates: raw.course_updates !== false,
    weeklyProgress: raw.weekly_progress !== false,
    promotional: raw.promotional === true,
    dripContent: raw.drip_content !== false,
  };
}

function toMyProfile(row: ProfileRow, emailConfirmed: boolean): MyProfile {
  return {
    id: row.id,
    email: row.email,
    emailConfirmed,
    role: row.role,
    fullName: row.fullName,
    displayName: row.displayName,
    avatarUrl: row.avatarUrl,
    bio: row.bio,
    timezone: row.timezone,
    preferredLanguage: row.preferredLanguage,
    dailyLearningGoal: row.dailyLearningGoal,
    emailNotifications: toEmailNotifications(row.emailNotifications),
    dateOfBirth: row.dateOfBirth,
    subscriptionStatus: row.subscriptionStatus,
    createdAt: new Date(row.createdAt).toISOString(),
  };
}

/** Whether the caller's address is confirmed: auth.users is not readable by request roles. */
async function isEmailConfirmedAsSystem(deps: AccountsDeps, userId: string): Promise<boolean> {
  const account = await deps.db.asSystem((tx) => q.findAccountById(tx, userId));
  return account?.emailConfirmedAt != null;
}

export async function getMyProfile(deps: AccountsDeps, caller: Caller): Promise<MyProfile> {
  const user = requireUser(caller);
  const row = await caller.db.run((tx) => q.findMyProfile(tx, user.id));
  if (!row?.isActive) throw signInAgain();
  return toMyProfile(row, await isEmailConfirmedAsSystem(deps, user.id));
}

/** Updates the self-service columns, as the user (column grants and RLS are the lock). */
export async function updateMyProfile(
  deps: AccountsDeps,
  caller: Caller,
  body: UpdateMyProfileBody,
): Promise<MyProfile> {
  const user = requireUser(caller);
  if (body.timezone !== undefined) await assertKnownTimezone(deps, body.timezone, 'body.timezone');
  const row = await caller.db.run(async (tx) => {
    const current = await q.findMyProfile(tx, user.id);
    if (!current?.isActive) throw signInAgain();
    const timezone = body.timezone ?? current.timezone;
    const dateOfBirth = body.dateOfBirth === undefined ? current.dateOfBirth : body.dateOfBirth;
    if (
      (body.dateOfBirth !== undefined || body.timezone !== undefined) &&
      dateOfBirth &&
      !isAtLeast(MINIMUM_AGE_YEARS, dateOfBirth, timezone, deps.now())
    ) {
      throw validation('body.dateOfBirth', `you must be at least ${MINIMUM_AGE_YEARS} years old`);
    }
    const patch: q.ProfilePatch = {};
    if (body.fullName !== undefined) patch.fullName = body.fullName;
    if (body.displayName !== undefined) patch.displayName = body.displayName;
    if (body.avatarUrl !== undefined) patch.avatarUrl = body.avatarUrl;
    if (body.bio !== undefined) patch.bio = body.bio;
    if (body.timezone !== undefined) patch.timezone = body.timezone;
    if (body.preferredLanguage !== undefined) patch.preferredLanguage = body.preferredLanguage;
    if (body.dailyLearningGoal !== undefined) patch.dailyLearningGoal = body.dailyLearningGoal;
    if (body.dateOfBirth !== undefined) patch.dateOfBirth = body.dateOfBirth;
    if (body.emailNotifications !== undefined) {
      const merged = { ...toEmailNotifications(current.emailNotifications), ...body.emailNotifications };
      patch.emailNotifications = JSON.stringify({
        course_updates: merged.courseUpdates,
        weekly_progress: merged.weeklyProgress,
        promotional: merged.promotional,
        drip_content: merged.dripContent,
      });
    }
    if (Object.keys(patch).length === 0) return current;
    return q.updateMyProfile(tx, user.id, patch);
  });
  if (!row) throw new AppError('not_found');
  return toMyProfile(row, await isEmailConfirmedAsSystem(deps, user.id));
}

// ================================================================ admin (as the admin)

async function asAdmin<T>(caller: Caller, work: (tx: Tx, admin: SessionUser) => Promise<T>): Promise<T> {
  const user = requireUser(caller);
  return caller.db.run(async (tx) => {
    const me = await q.findMyRole(tx, user.id);
    if (me?.role !== 'admin' || !me.isActive) {
      throw new AppError('forbidden', 'Only administrators can manage users.');
    }
    return work(tx, user);
  });
}

type AdminUserRow = NonNullable<Awaited<ReturnType<typeof q.findUserForAdmin>>>;
function toAdminUser(row: AdminUserRow): AdminUser {
  return {
    id: row.id,
    email: row.email,
    fullName: row.fullName,
    displayName: row.displayName,
    role: row.role,
    isActive: row.isActive,
    createdAt: new Date(row.createdAt).toISOString(),
    lastActiveAt: row.lastActiveAt ? new Date(row.lastActiveAt).toISOString() : null,
  };
}

const encodeCursor = (email: string) => Buffer.from(email, 'utf8').toString('base64url');
function decodeCursor(cursor: string): string {
  const email = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!email.includes('@') || email.length > 320) {
    throw validation('querystring.cursor', 'is not a cursor this API issued');
  }
  return email;
}

/** Lists users for an admin (as the admin, under RLS), ordered by email, keyset pages. */
export async function listUsers(
  caller: Caller,
  query: { q?: string; role?: 'student' | 'instructor' | 'admin'; cursor?: string; limit: number },
) {
  const afterEmail = query.cursor ? decodeCursor(query.cursor) : undefined;
  const rows = await asAdmin(caller, (tx) =>
    q.listUsers(tx, {
      ...(query.q ? { q: query.q } : {}),
      ...(query.role ? { role: query.role } : {}),
      ...(afterEmail ? { afterEmail } : {}),
      limit: query.limit + 1,
    }),
  );
  const page = rows.slice(0, query.limit);
  return {
    items: page.map(toAdminUser),
    nextCursor: rows.length > query.limit ? encodeCursor(page[page.length - 1]!.email) : null,
  };
}

/**
 * An admin changes a role or (de)activates an account, as the admin under RLS
 * (profiles_update_admin). Deactivation ends the user's sessions in the same transaction (trigger
 * profiles_end_sessions_on_deactivation); a role change applies on the user's next request.
 */
export async function updateUser(
  deps: AccountsDeps,
  caller: Caller,
  client: ClientInfo,
  userId: string,
  patch: { role?: 'student' | 'instructor' | 'admin'; isActive?: boolean },
): Promise<AdminUser> {
  const { before, after, adminId } = await asAdmin(caller, async (tx, admin) => {
    if (userId === admin.id) {
      throw new AppError('conflict', 'Administrators cannot change their own role or deactivate themselves.');
    }
    const found = await q.findUserForAdmin(tx, userId);
    if (!found) throw new AppError('not_found', 'No such user.');
    const updated = await q.updateUserAsAdmin(tx, userId, patch);
    if (!updated) throw new AppError('not_found', 'No such user.');
    return { before: found, after: updated, adminId: admin.id };
  });
  const entries: q.ActivityEntry[] = [];
  const base = { ip: client.ip, userAgent: clientUserAgent(client), entityType: 'user', entityId: userId };
  if (before.role !== after.role) {
    entries.push({
      ...base,
      userId: adminId,
      action: 'admin.role_changed',
      metadata: { from: before.role, to: after.role },
    });
  }
  if (before.isActive !== after.isActive) {
    entries.push({
      ...base,
      userId: adminId,
      action: after.isActive ? 'admin.user_reactivated' : 'admin.user_deactivated',
    });
  }
  if (entries.length > 0) {
    await deps.db.asSystem(async (tx) => {
      for (const entry of entries) await q.insertActivity(tx, entry);
    });
  }
  return toAdminUser(after);
}
