import { z } from 'zod';

/**
 * Certificate DTOs shared by the server and the web app. A certificate is issued by the database
 * when an enrolment in a course with a certificate completes (db/migrations/0019). Its public id
 * is what verification links carry; timestamps are ISO 8601 strings in UTC.
 */

const isoTimestamp = z.string().meta({ format: 'date-time' });

/** A public id as issued: 26 base32 characters (older ids may be up to 40 of A–Z, 0–9 and '-'). Case-insensitive. */
export const PUBLIC_ID_PATTERN = /^[A-Za-z0-9-]{8,40}$/;

/**
 * Route parameter: any short token. One that cannot be a public id answers 404 like an unknown
 * one, so the verification page shows "not found" rather than a validation error.
 */
export const publicIdParamsSchema = z.object({ publicId: z.string().min(1).max(100) });

/** What anyone may learn about a certificate from its public id — exactly this and nothing else. */
export const certificateVerificationSchema = z
  .object({
    holderName: z.string(),
    courseTitle: z.string(),
    issuedAt: isoTimestamp,
    revoked: z.boolean(),
    revokedAt: isoTimestamp.nullable(),
  })
  .strict()
  .meta({ id: 'CertificateVerification' });
export type CertificateVerification = z.infer<typeof certificateVerificationSchema>;

/** One of the signed-in learner's certificates (My learning's "download certificate"). */
export const myCertificateSchema = z.object({
  id: z.uuid(),
  publicId: z.string(),
  courseId: z.uuid(),
  courseTitle: z.string(),
  /** Null when the course is no longer visible (archived or deleted); the certificate stays valid. */
  courseSlug: z.string().nullable(),
  issuedAt: isoTimestamp,
  revokedAt: isoTimestamp.nullable(),
  /** The PDF, rendered on request: a path on this site (the learner's session authorises it). */
  pdfUrl: z.string(),
  /** The public verification page (absolute: it is printed on the PDF and in its QR code). */
  verifyUrl: z.string(),
});
export type MyCertificate = z.infer<typeof myCertificateSchema>;

export const myCertificatesSchema = z
  .object({ certificates: z.array(myCertificateSchema) })
  .meta({ id: 'MyCertificates' });
export type MyCertificates = z.infer<typeof myCertificatesSchema>;

export const REVOKE_REASON_MAX = 1000;

export const revokeCertificateInputSchema = z
  .object({ reason: z.string().trim().max(REVOKE_REASON_MAX).optional() })
  .strict()
  .meta({ id: 'RevokeCertificateInput' });
export type RevokeCertificateInput = z.infer<typeof revokeCertificateInputSchema>;

/** The revocation as stored: revoking again answers the first revocation, unchanged. */
export const revokedCertificateSchema = z
  .object({ publicId: z.string(), revokedAt: isoTimestamp, reason: z.string().nullable() })
  .meta({ id: 'RevokedCertificate' });
export type RevokedCertificate = z.infer<typeof revokedCertificateSchema>;

/** The path of a certificate's public verification page in the web app. */
export function verifyPath(publicId: string): string {
  return `/verify/${encodeURIComponent(publicId)}`;
}

/** The path of a certificate's PDF in the API. */
export function certificatePdfPath(publicId: string): string {
  return `/api/certificates/${encodeURIComponent(publicId)}/pdf`;
}
