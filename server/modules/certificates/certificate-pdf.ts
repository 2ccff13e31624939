import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';

/** What a certificate PDF shows. Text is the holder's and authors' own: rendered as text, never markup. */
export interface CertificatePdfInput {
  holderName: string;
  courseTitle: string;
  instructorName: string | null;
  issuedAt: Date;
  /** The public verification page, printed and encoded in the QR code. */
  verifyUrl: string;
  publicId: string;
  revokedAt: Date | null;
}

// DejaVu (from the dejavu-fonts-ttf package, installed with the app: nothing is downloaded) covers
// Latin, Greek and Cyrillic names, which PDF's built-in Helvetica cannot print. pdfkit embeds only
// the glyphs used. Read once, on the first certificate.
const require = createRequire(import.meta.url);
let fonts: { regular: Buffer; bold: Buffer; serifBold: Buffer } | undefined;
function loadFonts() {
  fonts ??= {
    regular: readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf')),
    bold: readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf')),
    serifBold: readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSerif-Bold.ttf')),
  };
  return fonts;
}

/** "26 November 2026": the issue date as printed (UTC, like the verification page). */
export function formatIssueDate(date: Date): string {
  return new Intl.DateTimeFormat('en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  }).format(date);
}

const INK = '#1f2937';
const MUTED = '#6b7280';
const ACCENT = '#2f5d8a';

/**
 * Renders a certificate of completion: A4 landscape, the holder's name, the course, its
 * instructor, the issue date, the verification URL (printed and as a link) and a QR code of it.
 * The verification URL is also the document's subject, so tools that index PDFs find it.
 */
export async function renderCertificatePdf(input: CertificatePdfInput): Promise<Buffer> {
  const { regular, bold, serifBold } = loadFonts();
  const doc = new PDFDocument({
    size: 'A4',
    layout: 'landscape',
    margin: 0,
    info: {
      Title: `Certificate of completion — ${input.courseTitle}`,
      Subject: input.verifyUrl,
      Author: 'UsefulWriter',
      CreationDate: input.issuedAt,
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  doc.registerFont('regular', regular);
  doc.registerFont('bold', bold);
  doc.registerFont('serif-bold', serifBold);

  const width = doc.page.width;
  const height = doc.page.height;
  const inner = 60;
  const textWidth = width - 2 * inner - 40;

  doc
    .lineWidth(3)
    .strokeColor(ACCENT)
    .rect(24, 24, width - 48, height - 48)
    .stroke();
  doc
    .lineWidth(0.75)
    .rect(32, 32, width - 64, height - 64)
    .stroke();

  doc.font('bold').fontSize(14).fillColor(ACCENT);
  doc.text('CERTIFICATE OF COMPLETION', inner + 20, 80, {
    width: textWidth,
    align: 'center',
    characterSpacing: 3,
  });

  doc.font('regular').fontSize(13).fillColor(MUTED);
  doc.text('This certifies that', inner + 20, 135, { width: textWidth, align: 'center' });

  doc.font('serif-bold').fontSize(34).fillColor(INK);
  doc.text(input.holderName, inner + 20, 165, { width: textWidth, align: 'center' });
  doc.moveDown(0.3);

  doc.font('regular').fontSize(13).fillColor(MUTED);
  doc.text('has completed the course', { width: textWidth, align: 'center' });
  doc.moveDown(0.5);
  doc.font('bold').fontSize(22).fillColor(INK);
  doc.text(input.courseTitle, { width: textWidth, align: 'center' });
  if (input.instructorName) {
    doc.moveDown(0.4);
    doc.font('regular').fontSize(13).fillColor(MUTED);
    doc.text(`taught by ${input.instructorName}`, { width: textWidth, align: 'center' });
  }

  // Footer: date and verification on the left, QR code on the right.
  const qrSize = 110;
  const qrX = width - inner - 20 - qrSize;
  const qrY = height - inner - 20 - qrSize;
  const footerWidth = qrX - inner - 40;
  doc.font('regular').fontSize(11).fillColor(MUTED);
  doc.text('Issued on', inner + 20, qrY + 4, { width: footerWidth });
  doc.font('bold').fontSize(13).fillColor(INK).text(formatIssueDate(input.issuedAt), { width: footerWidth });
  doc.moveDown(0.6);
  doc
    .font('regular')
    .fontSize(10)
    .fillColor(MUTED)
    .text('Verify this certificate at', { width: footerWidth });
  doc.fillColor(ACCENT).text(input.verifyUrl, { width: footerWidth, link: input.verifyUrl, underline: true });
  doc.fillColor(MUTED).text(`Certificate ID ${input.publicId}`, { width: footerWidth });

  drawQrCode(doc, input.verifyUrl, qrX, qrY, qrSize);

  if (input.revokedAt) {
    doc.font('bold').fontSize(16).fillColor('#b91c1c');
    doc.text(`REVOKED on ${formatIssueDate(input.revokedAt)}`, inner + 20, 48, {
      width: textWidth,
      align: 'center',
    });
  }

  doc.end();
  return done;
}

/** The QR code as vector squares (sharp at any zoom), with its quiet zone. */
function drawQrCode(doc: PDFKit.PDFDocument, text: string, x: number, y: number, size: number) {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const quiet = 2;
  const cell = size / (modules.size + 2 * quiet);
  doc.rect(x, y, size, size).fill('#ffffff');
  doc.fillColor('#000000');
  for (let row = 0; row < modules.size; row++) {
    for (let col = 0; col < modules.size; col++) {
      if (modules.get(row, col)) doc.rect(x + (col + quiet) * cell, y + (row + quiet) * cell, cell, cell);
    }
  }
  doc.fill();
  doc.link(x, y, size, size, text);
}
