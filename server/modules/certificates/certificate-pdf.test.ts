import { describe, expect, it } from 'vitest';
import { formatIssueDate, renderCertificatePdf } from './certificate-pdf.ts';

const base = {
  holderName: 'Zoë Ελένη Ирина',
  courseTitle: 'Writing <b>clear</b> prose',
  instructorName: 'Ada Lovelace',
  issuedAt: new Date('2026-03-29T23:30:00Z'),
  verifyUrl: 'https://learn.example.test/verify/ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  publicId: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  revokedAt: null,
};

describe('renderCertificatePdf', () => {
  it('renders a PDF with the bundled DejaVu fonts and links to the verification URL', async () => {
    const pdf = await renderCertificatePdf(base);
    const text = pdf.toString('latin1');
    expect(text.startsWith('%PDF-')).toBe(true);
    // Names in Greek and Cyrillic need a Unicode font: the embedded subsets are DejaVu's.
    expect(text).toMatch(/\/BaseFont \/[A-Z]{6}\+DejaVuSerif-Bold/);
    expect(text).toMatch(/\/BaseFont \/[A-Z]{6}\+DejaVuSans\b/);
    expect(text).not.toMatch(/\/BaseFont \/Helvetica/);
    // The printed URL and the QR code both link to the verification page.
    expect(text.split(`/URI (${base.verifyUrl})`).length - 1).toBe(2);
  });

  it('renders revoked certificates and certificates without an instructor', async () => {
    const pdf = await renderCertificatePdf({
      ...base,
      instructorName: null,
      revokedAt: new Date('2026-04-02T10:00:00Z'),
    });
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it('prints the issue date in UTC', () => {
    expect(formatIssueDate(base.issuedAt)).toBe('29 March 2026');
  });
});
