import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/**
 * Test fixtures for mail: a real SMTP server on 127.0.0.1 (the `smtp-server` package) that keeps
 * what it receives, and a small MIME reader for asserting on the parts of a captured message.
 */

export const SMTP_USER = 'mailer';
/** Distinctive, so a test can prove it never reaches the outbox, an error or a log line. */
export const SMTP_PASSWORD = 'pw-Sm7p-s3cr3t-9x';

export interface ReceivedMail {
  mailFrom: string;
  rcptTo: string[];
  /** The DATA stream as received (headers and MIME body). */
  raw: string;
}

export interface TestSmtpServer {
  port: number;
  /** `smtp://mailer:<password>@127.0.0.1:<port>` */
  url: string;
  received: ReceivedMail[];
  logins: { username: string | undefined; password: string | null | undefined }[];
  /** When set, RCPT TO is refused with 550 and the text this returns (undefined accepts). */
  rejectRecipient: ((address: string) => string | undefined) | undefined;
  close(): Promise<void>;
}

/** Starts a plain-text SMTP server with AUTH (PLAIN/LOGIN, no STARTTLS) on a free local port. */
export async function startSmtpServer(): Promise<TestSmtpServer> {
  const state: Omit<TestSmtpServer, 'port' | 'url' | 'close'> = {
    received: [],
    logins: [],
    rejectRecipient: undefined,
  };
  const server = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, _session, callback) {
      state.logins.push({ username: auth.username, password: auth.password });
      if (auth.username === SMTP_USER && auth.password === SMTP_PASSWORD) callback(null, { user: SMTP_USER });
      else callback(new Error('Invalid username or password'));
    },
    onRcptTo(address, _session, callback) {
      const reason = state.rejectRecipient?.(address.address);
      if (reason === undefined) return callback();
      callback(Object.assign(new Error(reason), { responseCode: 550 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const from = session.envelope.mailFrom;
        state.received.push({
          mailFrom: from ? from.address : '',
          rcptTo: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return Object.assign(state, {
    port,
    url: `smtp://${SMTP_USER}:${SMTP_PASSWORD}@127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

export interface MimePart {
  headers: Record<string, string>;
  /** The decoded body (quoted-printable and base64 undone). */
  body: string;
}

export interface ParsedMail {
  headers: Record<string, string>;
  /** The leaf parts of a multipart message (or the message itself). */
  parts: MimePart[];
}

function splitHeaders(text: string): { headers: Record<string, string>; body: string } {
  const end = text.indexOf('\r\n\r\n');
  const head = end === -1 ? text : text.slice(0, end);
  const body = end === -1 ? '' : text.slice(end + 4);
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body };
}

function decodeBody(body: string, encoding: string | undefined): string {
  switch (encoding?.toLowerCase()) {
    case 'quoted-printable':
      return Buffer.from(
        body
          .replace(/=\r\n/g, '')
          .replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
        'latin1',
      ).toString('utf8');
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    default:
      return body;
  }
}

/** Reads a received message: its headers and decoded leaf parts (enough for our own messages). */
export function parseMail(raw: string): ParsedMail {
  const { headers, body } = splitHeaders(raw);
  const parts: MimePart[] = [];
  const visit = (partHeaders: Record<string, string>, partBody: string) => {
    const boundary = /boundary="?([^";]+)"?/i.exec(partHeaders['content-type'] ?? '')?.[1];
    if (!boundary) {
      parts.push({
        headers: partHeaders,
        body: decodeBody(partBody, partHeaders['content-transfer-encoding']),
      });
      return;
    }
    const sections = partBody.split(`--${boundary}`).slice(1);
    for (const section of sections) {
      if (section.startsWith('--')) break;
      const inner = splitHeaders(section.replace(/^\r\n/, '').replace(/\r\n$/, ''));
      visit(inner.headers, inner.body);
    }
  };
  visit(headers, body);
  return { headers, parts };
}
