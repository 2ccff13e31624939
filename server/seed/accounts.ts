import type { Db, SessionUser } from '../db/session.ts';
import { hashDemoPassword } from './demo-password.ts';

export interface AccountSpec {
  email: string;
  password: string;
  fullName: string;
  displayName?: string;
  role: 'student' | 'instructor' | 'admin';
  bio?: string;
  avatarUrl?: string;
  timezone?: string;
  /** An active plan, for subscription courses. */
  subscription?: { tier: 'basic' | 'premium' | 'lifetime'; expiresAt: Date | null };
}

/**
 * Creates a confirmed account (auth.users row, its profile by trigger, then role and card) and
 * returns it as a session user. Runs as the system: there is no sign-up path yet, and role and
 * subscription columns are admin/system-only by design (access.md), so no request path sets them.
 */
export async function createAccount(db: Db, spec: AccountSpec): Promise<SessionUser> {
  const encryptedPassword = await hashDemoPassword(spec.password);
  return db.asSystem(async (tx) => {
    const user = await tx
      .insertInto('auth.users')
      .values({
        email: spec.email,
        encryptedPassword,
        emailConfirmedAt: new Date(),
        rawUserMetaData: JSON.stringify({
          full_name: spec.fullName,
          display_name: spec.displayName ?? spec.fullName,
          ...(spec.timezone ? { timezone: spec.timezone } : {}),
        }),
      })
      .returning(['id', 'email'])
      .executeTakeFirstOrThrow();
    await tx
      .updateTable('profiles')
      .set({
        role: spec.role,
        bio: spec.bio ?? null,
        avatarUrl: spec.avatarUrl ?? null,
        ...(spec.subscription
          ? {
              subscriptionStatus: 'active',
              subscriptionTier: spec.subscription.tier,
              subscriptionExpiresAt: spec.subscription.expiresAt,
            }
          : {}),
      })
      .where('id', '=', user.id)
      .execute();
    return { id: user.id, email: user.email };
  });
}
