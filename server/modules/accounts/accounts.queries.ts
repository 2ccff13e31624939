import { sql } from 'kysely';
import type { Tx } from '../../db/session.ts';
import type { DB } from '../../db/types.generated.ts';

/**
 * Accounts queries. Those touching auth.users credentials or the private tables run only inside
 * db.asSystem units of work (the service's `…AsSystem` functions); the rest run as the caller.
 */

export type EmailTokenPurpose = DB['private.email_tokens']['purpose'];
export type SessionRevokeReason = NonNullable<DB['private.auth_sessions']['revokedReason']>;

// ---------------------------------------------------------------- accounts (system)

export interface AccountRow {
  id: string;
  email: string;
  encryptedPassword: string | null;
  emailConfirmedAt: Date | null;
  isActive: boolean;
  role: 'student' | 'instructor' | 'admin';
  fullName: string | null;
  displayName: string | null;
  avatarUrl: string | null;
  timezone: string;
}

const accountColumns = [
  'u.id',
  'p.email',
  'u.encryptedPassword',
  'u.emailConfirmedAt',
  'p.isActive',
  'p.role',
  'p.fullName',
  'p.displayName',
  'p.avatarUrl',
  'p.timezone',
] as const;

/** The account with this address (case-insensitive), credentials included. System path only. */
export async function findAccountByEmail(tx: Tx, email: string): Promise<AccountRow | undefined> {
  return tx
    .selectFrom('auth.users as u')
    .innerJoin('profiles as p', 'p.id', 'u.id')
    .select(accountColumns)
    .where(sql<string>`lower(u.email)`, '=', email.toLowerCase())
    .executeTakeFirst();
}

/** The account by id, credentials included. System path only. */
export async function findAccountById(tx: Tx, id: string): Promise<AccountRow | undefined> {
  return tx
    .selectFrom('auth.users as u')
    .innerJoin('profiles as p', 'p.id', 'u.id')
    .select(accountColumns)
    .where('u.id', '=', id)
    .executeTakeFirst();
}

export interface NewAccount {
  email: string;
  encryptedPassword: string;
  fullName: string;
  dateOfBirth: string;
  timezone: string;
}

/** Inserts the auth user; its profile comes from the on_auth_user_created trigger. Undefined when the address is taken. */
export async function insertAccount(tx: Tx, account: NewAccount): Promise<{ id: string } | undefined> {
  return tx
    .insertInto('auth.users')
    .values({
      email: account.email,
      encryptedPassword: account.encryptedPassword,
      rawUserMetaData: JSON.stringify({
        full_name: account.fullName,
        date_of_birth: account.dateOfBirth,
        timezone: account.timezone,
      }),
    })
    .onConflict((oc) =>
      oc
        .expression(sql`lower(email)`)
        .where('email', 'is not', null)
        .doNothing(),
    )
    .returning('id')
    .executeTakeFirst();
}

export async function updatePasswordHash(tx: Tx, userId: string, encryptedPassword: string): Promise<void> {
  await tx
    .updateTable('auth.users')
    .set({ encryptedPassword, updatedAt: new Date() })
    .where('id', '=', userId)
    .execute();
}

export async function markEmailConfirmed(tx: Tx, userId: string): Promise<void> {
  await tx
    .updateTable('auth.users')
    .set({ emailConfirmedAt: sql`coalesce(email_confirmed_at, now())`, updatedAt: new Date() })
    .where('id', '=', userId)
    .execute();
}

/** Changes the address (the trigger mirrors it into profiles) and counts it as confirmed. */
export async function updateAccountEmail(tx: Tx, userId: string, email: string): Promise<void> {
  await tx
    .updateTable('auth.users')
    .set({ email, emailConfirmedAt: new Date(), updatedAt: new Date() })
    .where('id', '=', userId)
    .execute();
}

export async function touchLastSignIn(tx: Tx, userId: string): Promise<void> {
  await tx.updateTable('auth.users').set({ lastSignInAt: new Date() }).where('id', '=', userId).execute();
}

export async function isEmailTaken(tx: Tx, email: string, exceptUserId?: string): Promise<boolean> {
  let query = tx
    .selectFrom('auth.users')
    .select('id')
    .where(sql<string>`lower(email)`, '=', email.toLowerCase());
  if (exceptUserId) query = query.where('id', '<>', exceptUserId);
  return (await query.executeTakeFirst()) !== undefined;
}

/** Erasure: the auth user goes, and with it (cascades) the profile, sessions and tokens. */
export async function deleteAccountRow(tx: Tx, userId: string): Promise<void> {
  await tx.deleteFrom('auth.users').where('id', '=', userId).execute();
}

/** Erasure: the person's activity stays as anonymous events (no user, IP, user agent or details). */
export async function anonymiseActivityLogs(tx: Tx, userId: string): Promise<void> {
  await tx
    .updateTable('activityLogs')
    .set({ userId: null, ipAddress: null, userAgent: null, sessionId: null, metadata: null })
    .where('userId', '=', userId)
    .execute();
}

/** Erasure: mail sent to the person (it carries their address and name). */
export async function deleteMailTo(tx: Tx, email: string): Promise<void> {
  await tx
    .deleteFrom('mailOutbox')
    .where(sql<string>`lower(to_address)`, '=', email.toLowerCase())
    .execute();
}

// ---------------------------------------------------------------- sessions and refresh tokens (system)

export interface NewSession {
  userId: string;
  ip: string | null;
  userAgent: string | null;
  expiresAt: Date;
}

export async function insertSession(tx: Tx, session: NewSession): Promise<{ id: string }> {
  return tx.insertInto('private.auth_sessions').values(session).returning('id').executeTakeFirstOrThrow();
}

export async function insertRefreshToken(
  tx: Tx,
  token: { sessionId: string; parentId: string | null; tokenHash: string; expiresAt: Date },
): Promise<{ id: string }> {
  return tx.insertInto('private.refresh_tokens').values(token).returning('id').executeTakeFirstOrThrow();
}

export interface RefreshTokenRow {
  id: string;
  sessionId: string;
  userId: string;
  usedAt: Date | null;
  expiresAt: Date;
  sessionRevokedAt: Date | null;
  sessionExpiresAt: Date;
}

/** The refresh token with this hash and its session, locked for the rotation. */
export async function findRefreshTokenForUpdate(
  tx: Tx,
  tokenHash: string,
): Promise<RefreshTokenRow | undefined> {
  return tx
    .selectFrom('private.refresh_tokens as t')
    .innerJoin('private.auth_sessions as s', 's.id', 't.sessionId')
    .select([
      't.id',
      't.sessionId',
      's.userId',
      't.usedAt',
      't.expiresAt',
      's.revokedAt as sessionRevokedAt',
      's.expiresAt as sessionExpiresAt',
    ])
    .where('t.tokenHash', '=', tokenHash)
    .forUpdate()
    .executeTakeFirst();
}

/** The token that replaced `parentId`, if nobody has used it yet. */
export async function findUnusedChildToken(
  tx: Tx,
  parentId: string,
): Promise<{ id: string; expiresAt: Date } | undefined> {
  return tx
    .selectFrom('private.refresh_tokens')
    .select(['id', 'expiresAt'])
    .where('parentId', '=', parentId)
    .where('usedAt', 'is', null)
    .where('expiresAt', '>', new Date())
    .executeTakeFirst();
}

export async function markRefreshTokenUsed(tx: Tx, id: string): Promise<void> {
  await tx.updateTable('private.refresh_tokens').set({ usedAt: new Date() }).where('id', '=', id).execute();
}

export async function touchSession(
  tx: Tx,
  sessionId: string,
  values: { expiresAt: Date; ip: string | null; userAgent: string | null },
): Promise<void> {
  await tx
    .updateTable('private.auth_sessions')
    .set({ ...values, lastUsedAt: new Date() })
    .where('id', '=', sessionId)
    .execute();
}

/** Revokes one session (refresh-token family). */
export async function revokeSession(tx: Tx, sessionId: string, reason: SessionRevokeReason): Promise<number> {
  const result = await tx
    .updateTable('private.auth_sessions')
    .set({ revokedAt: new Date(), revokedReason: reason })
    .where('id', '=', sessionId)
    .where('revokedAt', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Revokes every session of a user, except `keepSessionId` when given. */
export async function revokeUserSessions(
  tx: Tx,
  userId: string,
  reason: SessionRevokeReason,
  keepSessionId?: string,
): Promise<number> {
  let query = tx
    .updateTable('private.auth_sessions')
    .set({ revokedAt: new Date(), revokedReason: reason })
    .where('userId', '=', userId)
    .where('revokedAt', 'is', null);
  if (keepSessionId) query = query.where('id', '<>', keepSessionId);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Whether a session is live (not revoked, not expired) and belongs to an active user. */
export async function isSessionLive(tx: Tx, sessionId: string): Promise<boolean> {
  const row = await tx
    .selectFrom('private.auth_sessions as s')
    .innerJoin('profiles as p', 'p.id', 's.userId')
    .select('s.id')
    .where('s.id', '=', sessionId)
    .where('s.revokedAt', 'is', null)
    .where('s.expiresAt', '>', new Date())
    .where('p.isActive', '=', true)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Housekeeping: sessions ended (revoked or expired) more than 30 days ago go, with their refresh
 * tokens; so do email tokens expired more than 7 days ago. A live session keeps its used tokens:
 * reuse detection needs them.
 */
export async function pruneEndedSessionsAndTokens(tx: Tx): Promise<void> {
  await sql`delete from private.auth_sessions
             where revoked_at < now() - interval '30 days' or expires_at < now() - interval '30 days'`.execute(
    tx,
  );
  await sql`delete from private.email_tokens where expires_at < now() - interval '7 days'`.execute(tx);
}

// ---------------------------------------------------------------- emailed one-time tokens (system)

export async function insertEmailToken(
  tx: Tx,
  token: {
    userId: string;
    purpose: EmailTokenPurpose;
    tokenHash: string;
    newEmail?: string | null;
    expiresAt: Date;
  },
): Promise<{ id: string }> {
  return tx
    .insertInto('private.email_tokens')
    .values({ ...token, newEmail: token.newEmail ?? null })
    .returning('id')
    .executeTakeFirstOrThrow();
}

export interface EmailTokenRow {
  id: string;
  userId: string;
  newEmail: string | null;
}

/** The open (unused, unexpired) token with this hash and purpose, without using it. */
export async function findOpenEmailToken(
  tx: Tx,
  tokenHash: string,
  purpose: EmailTokenPurpose,
): Promise<EmailTokenRow | undefined> {
  return tx
    .selectFrom('private.email_tokens')
    .select(['id', 'userId', 'newEmail'])
    .where('tokenHash', '=', tokenHash)
    .where('purpose', '=', purpose)
    .where('usedAt', 'is', null)
    .where('expiresAt', '>', new Date())
    .executeTakeFirst();
}

/** Uses the token: returns it only if it was open, so two concurrent uses cannot both succeed. */
export async function useEmailToken(
  tx: Tx,
  tokenHash: string,
  purpose: EmailTokenPurpose,
): Promise<EmailTokenRow | undefined> {
  return tx
    .updateTable('private.email_tokens')
    .set({ usedAt: new Date() })
    .where('tokenHash', '=', tokenHash)
    .where('purpose', '=', purpose)
    .where('usedAt', 'is', null)
    .where('expiresAt', '>', new Date())
    .returning(['id', 'userId', 'newEmail'])
    .executeTakeFirst();
}

/** Closes a user's open tokens of the given purposes (their links stop working). */
export async function closeEmailTokens(tx: Tx, userId: string, purposes: EmailTokenPurpose[]): Promise<void> {
  await tx
    .updateTable('private.email_tokens')
    .set({ usedAt: new Date() })
    .where('userId', '=', userId)
    .where('purpose', 'in', purposes)
    .where('usedAt', 'is', null)
    .execute();
}

// ---------------------------------------------------------------- activity log (system)

export interface ActivityEntry {
  userId: string | null;
  action: string;
  ip: string | null;
  userAgent: string | null;
  sessionId?: string | null;
  entityType?: string | null;
  entityId?: string | null;
  /** Facts about the event — never a password, token or hash. */
  metadata?: Record<string, string | number | boolean | null>;
}

export async function insertActivity(tx: Tx, entry: ActivityEntry): Promise<void> {
  await tx
    .insertInto('activityLogs')
    .values({
      userId: entry.userId,
      action: entry.action,
      ipAddress: entry.ip,
      userAgent: entry.userAgent,
      sessionId: entry.sessionId ?? null,
      entityType: entry.entityType ?? null,
      entityId: entry.entityId ?? null,
      metadata: entry.metadata ? JSON.stringify(entry.metadata) : null,
    })
    .execute();
}

// ---------------------------------------------------------------- as the user (RLS)

export interface MySessionRow {
  id: string;
  userAgent: string | null;
  ip: string | null;
  createdAt: Date;
  lastUsedAt: Date;
  expiresAt: Date;
}

/** The caller's live sessions (private.list_my_sessions: own rows only, no token hashes). */
export async function listMySessions(tx: Tx): Promise<MySessionRow[]> {
  const { rows } = await sql<MySessionRow>`select * from private.list_my_sessions()`.execute(tx);
  return rows;
}

export async function revokeMySession(tx: Tx, sessionId: string): Promise<boolean> {
  const { rows } = await sql<{ revoked: boolean }>`
    select private.revoke_my_session(${sessionId}::uuid) as revoked`.execute(tx);
  return rows[0]?.revoked === true;
}

export async function revokeAllMySessions(tx: Tx): Promise<number> {
  const { rows } = await sql<{ count: number }>`select private.revoke_all_my_sessions() as count`.execute(tx);
  return Number(rows[0]?.count ?? 0);
}

const profileColumns = [
  'id',
  'email',
  'role',
  'fullName',
  'displayName',
  'avatarUrl',
  'bio',
  'timezone',
  'preferredLanguage',
  'dailyLearningGoal',
  'emailNotifications',
  'dateOfBirth',
  'subscriptionStatus',
  'isActive',
  'createdAt',
] as const;

/** The caller's own profile row (RLS: profiles_select_own). */
export async function findMyProfile(tx: Tx, userId: string) {
  return tx.selectFrom('profiles').select(profileColumns).where('id', '=', userId).executeTakeFirst();
}

export type ProfilePatch = Partial<{
  fullName: string | null;
  displayName: string | null;
  avatarUrl: string | null;
  bio: string | null;
  timezone: string;
  preferredLanguage: string;
  dailyLearningGoal: number;
  emailNotifications: string;
  dateOfBirth: string | null;
}>;

/** Updates the caller's self-service columns (column grants + profiles_update_own). */
export async function updateMyProfile(tx: Tx, userId: string, patch: ProfilePatch) {
  return tx
    .updateTable('profiles')
    .set(patch)
    .where('id', '=', userId)
    .returning(profileColumns)
    .executeTakeFirst();
}

export async function findMyRole(tx: Tx, userId: string) {
  return tx.selectFrom('profiles').select(['role', 'isActive']).where('id', '=', userId).executeTakeFirst();
}

// ---------------------------------------------------------------- admin (as the admin, RLS)

const adminUserColumns = [
  'id',
  'email',
  'fullName',
  'displayName',
  'role',
  'isActive',
  'createdAt',
  'lastActiveAt',
] as const;

/** One page of users ordered by email, after `afterEmail`; RLS shows an admin every profile. */
export async function listUsers(
  tx: Tx,
  filter: { q?: string; role?: 'student' | 'instructor' | 'admin'; afterEmail?: string; limit: number },
) {
  let query = tx.selectFrom('profiles').select(adminUserColumns).orderBy('email').limit(filter.limit);
  if (filter.role) query = query.where('role', '=', filter.role);
  if (filter.afterEmail) query = query.where('email', '>', filter.afterEmail);
  if (filter.q) {
    const pattern = `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where((eb) =>
      eb.or([
        eb('email', 'ilike', pattern),
        eb('fullName', 'ilike', pattern),
        eb('displayName', 'ilike', pattern),
      ]),
    );
  }
  return query.execute();
}

export async function findUserForAdmin(tx: Tx, userId: string) {
  return tx.selectFrom('profiles').select(adminUserColumns).where('id', '=', userId).executeTakeFirst();
}

/** Admin change of role / status (profiles_update_admin; the guard trigger allows admins). */
export async function updateUserAsAdmin(
  tx: Tx,
  userId: string,
  patch: { role?: 'student' | 'instructor' | 'admin'; isActive?: boolean },
) {
  return tx
    .updateTable('profiles')
    .set(patch)
    .where('id', '=', userId)
    .returning(adminUserColumns)
    .executeTakeFirst();
}
