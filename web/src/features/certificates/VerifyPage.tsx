import { Link, useParams } from 'react-router';
import { EmptyState, QueryView } from '../../components/Feedback.tsx';
import { useDocumentTitle } from '../../components/Page.tsx';
import { useCertificateVerification } from './certificates.api.ts';
import './certificates.css';

const locale = typeof navigator === 'undefined' ? 'en' : navigator.language;

/** A certificate's dates are calendar dates in UTC, as printed on the PDF. */
export function formatCertificateDate(iso: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(iso));
}

/**
 * /verify/:publicId — public, for anyone holding a certificate's link or QR code: the holder's
 * display name, the course and the date of issue, and whether the certificate was revoked.
 */
export function VerifyPage() {
  const { publicId = '' } = useParams();
  const verification = useCertificateVerification(publicId);
  const data = verification.data;
  useDocumentTitle(
    data ? (data.revoked ? 'Revoked certificate' : 'Verified certificate') : 'Certificate verification',
  );

  return (
    <QueryView
      query={verification}
      loading="Checking the certificate…"
      errorTitle="The certificate could not be checked"
      notFound={
        <div className="certificate-verify">
          <EmptyState title="Certificate not found" heading="h1">
            <p>
              There is no certificate with the ID <code className="certificate-id">{publicId}</code>. Check
              the link or the ID printed on the certificate.
            </p>
            <p>
              <Link to="/">Browse courses</Link>
            </p>
          </EmptyState>
        </div>
      }
    >
      {({ holderName, courseTitle, issuedAt, revoked, revokedAt }) => {
        return (
          <div className="certificate-verify">
            <section
              className={`card certificate-card ${revoked ? 'certificate-card-revoked' : ''}`}
              aria-labelledby="certificate-heading"
            >
              {revoked ? (
                <p className="certificate-status certificate-status-revoked" role="status">
                  <span className="badge badge-danger">Revoked</span> This certificate was revoked
                  {revokedAt ? (
                    <>
                      {' '}
                      on <time dateTime={revokedAt}>{formatCertificateDate(revokedAt)}</time>
                    </>
                  ) : null}{' '}
                  and is no longer valid.
                </p>
              ) : (
                <p className="certificate-status certificate-status-valid">
                  <span className="badge badge-success">Verified</span> This certificate is valid.
                </p>
              )}
              <h1 id="certificate-heading" className="certificate-heading">
                Certificate of completion
              </h1>
              <dl className="certificate-facts">
                <dt>Awarded to</dt>
                <dd className="certificate-holder">{holderName}</dd>
                <dt>Course</dt>
                <dd className="certificate-course">{courseTitle}</dd>
                <dt>Issued on</dt>
                <dd>
                  <time dateTime={issuedAt} className="certificate-date">
                    {formatCertificateDate(issuedAt)}
                  </time>
                </dd>
                <dt>Certificate ID</dt>
                <dd>
                  <code className="certificate-id">{publicId.toUpperCase()}</code>
                </dd>
              </dl>
            </section>
          </div>
        );
      }}
    </QueryView>
  );
}
