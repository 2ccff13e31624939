import { sql } from 'kysely';
import type { Tx } from '../../db/session.ts';

// Every query runs as the caller under row-level security: certificates are readable by their
// holder and by admins (0010); anyone else verifies through private.verify_certificate (0019).

export interface VerificationRow {
  holderName: string;
  courseTitle: string;
  issuedAt: Date;
  isRevoked: boolean;
  revokedAt: Date | null;
}

/** The public facts of a certificate by its public id (no row when there is none). One statement, any caller. */
export function verificationQuery(qb: Tx, publicId: string) {
  return qb
    .selectFrom(sql<VerificationRow>`private.verify_certificate(${publicId})`.as('v'))
    .select(['v.holderName', 'v.courseTitle', 'v.issuedAt', 'v.isRevoked', 'v.revokedAt']);
}

/** The caller's own certificates, newest first, with the course's slug while the course is visible. */
export async function listOwnCertificates(tx: Tx, userId: string) {
  return tx
    .selectFrom('certificates as c')
    .leftJoin('courses as co', (join) =>
      join.onRef('co.id', '=', 'c.courseId').on('co.deletedAt', 'is', null),
    )
    .where('c.userId', '=', userId)
    .select([
      'c.id',
      'c.verificationCode',
      'c.courseId',
      'c.courseTitle',
      'co.slug as courseSlug',
      'c.issuedAt',
      'c.revokedAt',
    ])
    .orderBy('c.issuedAt', 'desc')
    .orderBy('c.id')
    .execute();
}

/** A certificate the caller may read (its holder, or an admin), by public id; undefined otherwise. */
export async function findReadableCertificate(tx: Tx, publicId: string) {
  return tx
    .selectFrom('certificates as c')
    .where('c.verificationCode', '=', publicId.toUpperCase())
    .select([
      'c.verificationCode',
      'c.holderName',
      'c.courseTitle',
      'c.instructorName',
      'c.issuedAt',
      'c.revokedAt',
    ])
    .executeTakeFirst();
}

/** Whether the caller is an admin (the profile's role, read now: a demotion applies at once). */
export async function callerIsAdmin(tx: Tx): Promise<boolean> {
  const { rows } = await sql<{ ok: boolean }>`select private.is_admin() as ok`.execute(tx);
  return rows[0]?.ok === true;
}

/**
 * Revokes a certificate (admins only: the function raises 42501 for anyone else). Idempotent: the
 * first revocation is kept. Undefined when there is no certificate with this public id.
 */
export async function revokeCertificate(tx: Tx, publicId: string, reason: string | null) {
  const { rows } = await sql<{ revokedAt: Date; revokedReason: string | null }>`
    select revoked_at, revoked_reason from private.revoke_certificate(${publicId}, ${reason})`.execute(tx);
  return rows[0];
}
