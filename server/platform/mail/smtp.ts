import { createTransport } from 'nodemailer';

/** One stored message handed to SMTP. */
export interface SmtpMessage {
  /** The outbox id; it also makes the Message-ID, so a retried delivery carries the same one. */
  id: string;
  to: string;
  subject: string;
  html: string;
  text: string;
}

export interface SmtpSender {
  deliver(message: SmtpMessage): Promise<void>;
  close(): void;
}

/** Bounds on a stuck server: a send must fail, not hang the job that waits for it. */
const TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

/** The longest error text kept (mail_outbox.last_error allows 2000 characters). */
const MAX_ERROR_LENGTH = 1000;

/**
 * An SMTP client for `smtpUrl` (smtp:// upgrades with STARTTLS when offered, smtps:// is TLS from
 * the start; query options such as `?requireTLS=true` pass through to nodemailer). One connection
 * per message: sends are rare and a pool would keep sockets open between them.
 */
export function createSmtpSender(options: { smtpUrl: string; from: string }): SmtpSender {
  const transporter = createTransport({
    url: options.smtpUrl,
    ...TIMEOUTS,
    // Messages are our own templates: nothing in them may make nodemailer read files or fetch URLs.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  const domain = /@([^@>\s]+)>?\s*$/.exec(options.from)?.[1] ?? 'localhost';
  return {
    async deliver(message) {
      await transporter.sendMail({
        from: options.from,
        to: message.to,
        subject: message.subject,
        html: message.html,
        text: message.text,
        messageId: `<${message.id}@${domain}>`,
        // RFC 3834: a machine wrote this; auto-responders should not answer it.
        headers: { 'Auto-Submitted': 'auto-generated' },
      });
    },
    close() {
      transporter.close();
    },
  };
}

/** Every form a credential of `smtpUrl` could take in an error: as typed, decoded, and AUTH PLAIN/LOGIN base64. */
function secretsOf(smtpUrl: string): string[] {
  let url: URL;
  try {
    url = new URL(smtpUrl);
  } catch {
    return [];
  }
  if (!url.password) return [];
  const decode = (value: string) => {
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  };
  const user = decode(url.username);
  const password = decode(url.password);
  const base64 = (value: string) => Buffer.from(value, 'utf8').toString('base64');
  return [
    url.password,
    password,
    base64(password),
    base64(`\u0000${user}\u0000${password}`),
    base64(`${user}\u0000${user}\u0000${password}`),
  ].filter((secret) => secret.length >= 3);
}

/**
 * An SMTP failure as it may be stored and logged: code, server reply and message, with the
 * configured password (in any form) and any `user:password@` in a URL replaced by `***`.
 */
export function describeSmtpError(error: unknown, smtpUrl: string): string {
  const e = (error ?? {}) as { code?: unknown; responseCode?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  const status = typeof e.responseCode === 'number' ? String(e.responseCode) : undefined;
  const message = typeof e.message === 'string' ? e.message : String(error);
  let text = [code, status].filter(Boolean).join(' ');
  text = text ? `${text}: ${message}` : message;
  for (const secret of secretsOf(smtpUrl)) text = text.split(secret).join('***');
  text = text.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s/:@]*):[^\s/@]*@/gi, '$1:***@');
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH - 1)}…` : text;
}
