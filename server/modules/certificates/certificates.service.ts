import {
  PUBLIC_ID_PATTERN,
  certificatePdfPath,
  verifyPath,
  type CertificateVerification,
  type MyCertificates,
  type RevokedCertificate,
} from '../../../contracts/certificates.ts';
import { compileOnly, type Db, type SessionUser } from '../../db/session.ts';
import type { RequestDb } from '../../platform/auth.ts';
import { AppError, findPgError } from '../../platform/errors.ts';
import type { PageMeta } from '../../platform/web.ts';
import { formatIssueDate, renderCertificatePdf } from './certificate-pdf.ts';
import {
  callerIsAdmin,
  findReadableCertificate,
  listOwnCertificates,
  revokeCertificate as revokeCertificateQuery,
  verificationQuery,
} from './certificates.queries.ts';

/** Who is calling: a Fastify request satisfies it (`request.user`, `request.db`). */
export interface CertificatesCaller {
  readonly user: SessionUser | null;
  readonly db: RequestDb;
}

const certificateNotFound = () => new AppError('not_found', 'There is no certificate with this ID.');

const iso = (value: Date | string) => (value instanceof Date ? value : new Date(value)).toISOString();
const asDate = (value: Date | string) => (value instanceof Date ? value : new Date(value));

/** A token that can be a public id, upper-cased (ids are case-insensitive); null for anything else. */
function normalisePublicId(publicId: string): string | null {
  const trimmed = publicId.trim();
  return PUBLIC_ID_PATTERN.test(trimmed) ? trimmed.toUpperCase() : null;
}

/** The absolute URL of a certificate's verification page. */
export function verifyUrl(publicUrl: string, publicId: string): string {
  return `${publicUrl}${verifyPath(publicId)}`;
}

/**
 * The public facts of a certificate — holder's display name, course title, issue date, whether it
 * was revoked — for anyone, signed in or not. Throws not_found for an unknown id.
 */
export async function verifyCertificate(
  caller: CertificatesCaller,
  publicId: string,
): Promise<CertificateVerification> {
  const id = normalisePublicId(publicId);
  if (!id) throw certificateNotFound();
  const [row] = await caller.db.read((qb) => verificationQuery(qb, id));
  if (!row) throw certificateNotFound();
  return {
    holderName: row.holderName,
    courseTitle: row.courseTitle,
    issuedAt: iso(row.issuedAt),
    revoked: row.isRevoked,
    revokedAt: row.revokedAt === null ? null : iso(row.revokedAt),
  };
}

/** The signed-in learner's certificates, newest first. Throws unauthorized when signed out. */
export async function listMyCertificates(
  caller: CertificatesCaller,
  publicUrl: string,
): Promise<MyCertificates> {
  const user = caller.user;
  if (!user) throw new AppError('unauthorized');
  const rows = await caller.db.run((tx) => listOwnCertificates(tx, user.id));
  return {
    certificates: rows.map((row) => ({
      id: row.id,
      publicId: row.verificationCode,
      courseId: row.courseId,
      courseTitle: row.courseTitle,
      courseSlug: row.courseSlug,
      issuedAt: iso(row.issuedAt),
      revokedAt: row.revokedAt === null ? null : iso(row.revokedAt),
      pdfUrl: certificatePdfPath(row.verificationCode),
      verifyUrl: verifyUrl(publicUrl, row.verificationCode),
    })),
  };
}

/**
 * The certificate as a PDF, for its holder and admins. Anyone else — another learner, an anonymous
 * visitor — gets not_found, as for an unknown id (the public page is the verification route).
 */
export async function getCertificatePdf(
  caller: CertificatesCaller,
  publicId: string,
  publicUrl: string,
): Promise<{ pdf: Buffer; publicId: string }> {
  const id = normalisePublicId(publicId);
  if (!id || !caller.user) throw certificateNotFound();
  const row = await caller.db.run((tx) => findReadableCertificate(tx, id));
  if (!row) throw certificateNotFound();
  // Rendered outside the transaction: CPU work must not hold a database session.
  const pdf = await renderCertificatePdf({
    holderName: row.holderName,
    courseTitle: row.courseTitle,
    instructorName: row.instructorName,
    issuedAt: asDate(row.issuedAt),
    verifyUrl: verifyUrl(publicUrl, row.verificationCode),
    publicId: row.verificationCode,
    revokedAt: row.revokedAt === null ? null : asDate(row.revokedAt),
  });
  return { pdf, publicId: row.verificationCode };
}

/**
 * Revokes a certificate; its verification page then says so. Admins only (unauthorized when
 * signed out, forbidden otherwise, as for other admin actions). Idempotent: revoking again answers
 * the first revocation. Throws not_found for an unknown id.
 */
export async function revokeCertificate(
  caller: CertificatesCaller,
  publicId: string,
  reason: string | undefined,
): Promise<RevokedCertificate> {
  if (!caller.user) throw new AppError('unauthorized');
  const id = normalisePublicId(publicId);
  const row = await caller.db
    .run(async (tx) => {
      if (!(await callerIsAdmin(tx))) {
        throw new AppError('forbidden', 'Only administrators can revoke certificates.');
      }
      return id ? revokeCertificateQuery(tx, id, reason?.trim() || null) : undefined;
    })
    .catch((error: unknown) => {
      // The role changed between the check and the write.
      if (findPgError(error)?.code === '42501') {
        throw new AppError('forbidden', 'Only administrators can revoke certificates.');
      }
      throw error;
    });
  if (!row || !id) throw certificateNotFound();
  return { publicId: id, revokedAt: iso(row.revokedAt), reason: row.revokedReason };
}

// ---------------------------------------------------------------- share tags of /verify/:publicId

const VERIFY_PAGE_PATH = /^\/verify\/([^/]+)\/?$/;

/**
 * The title and description of a verification page (link previews, search engines): the three
 * public facts and the revoked flag, nothing else. Null for other paths; a generic "not found"
 * description for an unknown id. One query, as anon.
 */
export async function findCertificatePageMeta(
  db: Db,
  publicUrl: string,
  path: string,
): Promise<PageMeta | null> {
  const match = VERIFY_PAGE_PATH.exec(path);
  if (!match?.[1]) return null;
  const id = normalisePublicId(match[1]);
  const [row] = id ? await db.readAs(null, verificationQuery(compileOnly, id)) : [];
  const url = verifyUrl(publicUrl, id ?? match[1]);
  if (!row) {
    return {
      title: 'Certificate not found',
      description: 'There is no certificate with this ID.',
      url,
      imageUrl: null,
    };
  }
  const facts = `${row.holderName} completed “${row.courseTitle}” on ${formatIssueDate(asDate(row.issuedAt))}.`;
  return {
    title: row.isRevoked ? 'Revoked certificate' : 'Verified certificate',
    description: row.isRevoked
      ? `This certificate was revoked. ${facts}`
      : `Certificate of completion: ${facts}`,
    url,
    imageUrl: null,
  };
}
