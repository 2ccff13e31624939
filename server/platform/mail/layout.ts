/**
 * The one place email HTML is written. Templates describe a message as blocks of plain text and
 * links; this file renders them as HTML (every value escaped here, so no template can forget) and
 * as the plain-text part, inside a simple layout with the product name and PUBLIC_URL.
 */

/** Where the product lives: every email names it and links back to it. */
export interface MailContext {
  productName: string;
  /** PUBLIC_URL without a trailing slash; every link in an email must point under it. */
  publicUrl: string;
}

export type MailBlock =
  /** A paragraph of plain text. */
  | { kind: 'paragraph'; text: string }
  /** The message's one action: a button in HTML, the label and the URL on their own lines in text. */
  | { kind: 'action'; label: string; url: string }
  /** Secondary text (expiry, "if this was not you"). */
  | { kind: 'note'; text: string };

export interface MailContent {
  subject: string;
  /** The first line of the body, also the inbox preview. */
  heading: string;
  blocks: MailBlock[];
}

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** Thrown when a message would link outside PUBLIC_URL: a reset link must never point elsewhere. */
export class MailLinkError extends Error {
  override name = 'MailLinkError';
}

/**
 * Refuses links that are not http(s) under PUBLIC_URL. Links carry account credentials (tokens),
 * so one built from a forged Host header or user input must fail loudly rather than be mailed.
 */
export function assertOwnLink(url: string, context: MailContext): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new MailLinkError('A link in the email is not a valid URL.');
  }
  const base = new URL(`${context.publicUrl}/`);
  if (
    parsed.origin !== base.origin ||
    !parsed.pathname.startsWith(base.pathname) ||
    parsed.username ||
    parsed.password
  ) {
    throw new MailLinkError(`A link in the email does not point under PUBLIC_URL (${base.origin}).`);
  }
}

const FONT = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";

function htmlBlock(block: MailBlock): string {
  switch (block.kind) {
    case 'paragraph':
      return `<p style="margin:0 0 16px;font-size:16px;line-height:24px;color:#1f2933">${escapeHtml(block.text)}</p>`;
    case 'note':
      return `<p style="margin:0 0 16px;font-size:14px;line-height:20px;color:#616e7c">${escapeHtml(block.text)}</p>`;
    case 'action': {
      const href = escapeHtml(block.url);
      return (
        `<table role="presentation" cellpadding="0" cellspacing="0" style="margin:8px 0 24px"><tr>` +
        `<td style="border-radius:6px;background:#2557d6">` +
        `<a href="${href}" style="display:inline-block;padding:12px 24px;font-size:16px;font-weight:600;color:#ffffff;text-decoration:none;border-radius:6px">${escapeHtml(block.label)}</a>` +
        `</td></tr></table>` +
        `<p style="margin:0 0 16px;font-size:13px;line-height:20px;color:#616e7c">If the button does not work, copy this link into your browser:<br>` +
        `<a href="${href}" style="color:#2557d6;word-break:break-all">${escapeHtml(block.url)}</a></p>`
      );
    }
  }
}

function textBlock(block: MailBlock): string {
  switch (block.kind) {
    case 'paragraph':
    case 'note':
      return block.text;
    case 'action':
      return `${block.label}:\n${block.url}`;
  }
}

/** Renders a message as its HTML and plain-text parts. Links must already have passed assertOwnLink. */
export function renderLayout(content: MailContent, context: MailContext): RenderedMail {
  const product = escapeHtml(context.productName);
  const home = escapeHtml(`${context.publicUrl}/`);
  const homeLabel = escapeHtml(new URL(context.publicUrl).host);
  const html = [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light">',
    `<title>${escapeHtml(content.subject)}</title>`,
    '</head>',
    `<body style="margin:0;padding:0;background:#f5f7fa;font-family:${FONT}">`,
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f5f7fa"><tr><td align="center" style="padding:32px 16px">`,
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px">`,
    `<tr><td style="padding:0 0 16px;font-size:18px;font-weight:700"><a href="${home}" style="color:#1f2933;text-decoration:none">${product}</a></td></tr>`,
    `<tr><td style="background:#ffffff;border-radius:8px;padding:32px">`,
    `<h1 style="margin:0 0 24px;font-size:22px;line-height:30px;color:#1f2933">${escapeHtml(content.heading)}</h1>`,
    ...content.blocks.map(htmlBlock),
    `</td></tr>`,
    `<tr><td style="padding:16px 0 0;font-size:12px;line-height:18px;color:#7b8794">` +
      `You received this email because of your account at ${product} (<a href="${home}" style="color:#7b8794">${homeLabel}</a>). ` +
      `It was sent automatically; replies are not read.</td></tr>`,
    '</table>',
    '</td></tr></table>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
  const text = [
    content.heading,
    '',
    ...content.blocks.flatMap((block) => [textBlock(block), '']),
    '-- ',
    `${context.productName} · ${context.publicUrl}/`,
    'You received this email because of your account there. It was sent automatically; replies are not read.',
    '',
  ].join('\n');
  return { subject: content.subject, html, text };
}
