import { useMyCertificates } from './certificates.api.ts';

/**
 * My learning's certificate actions for one completed course: download the PDF and open the public
 * verification page. While the list loads (or if the certificate is not issued yet) it says nothing
 * misleading: "Certificate issued" only once the server lists it.
 */
export function CertificateLinks({ courseId, courseTitle }: { courseId: string; courseTitle: string }) {
  const certificates = useMyCertificates();
  const certificate = certificates.data?.certificates.find((c) => c.courseId === courseId);
  if (certificates.isPending) return <span className="muted small">Loading your certificate…</span>;
  if (!certificate) return null;
  if (certificate.revokedAt) return <span className="muted small">Certificate revoked</span>;
  return (
    <span className="certificate-links">
      <a className="btn btn-secondary" href={certificate.pdfUrl} download>
        Download certificate<span className="visually-hidden"> for {courseTitle}</span> (PDF)
      </a>{' '}
      <a href={certificate.verifyUrl} target="_blank" rel="noreferrer">
        Verification page<span className="visually-hidden"> for {courseTitle}</span>
      </a>
    </span>
  );
}
