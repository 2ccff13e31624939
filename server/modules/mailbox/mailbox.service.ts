import { z } from 'zod';
import {
  MAILBOX_MAX_LIMIT,
  type MailboxMessage,
  type MailboxPage,
  type MailboxQuery,
} from '../../../contracts/mail.ts';
import type { SessionUser, Tx } from '../../db/session.ts';
import type { RequestDb } from '../../platform/auth.ts';
import { AppError } from '../../platform/errors.ts';
import {
  callerIsAdmin,
  findOutboxMessage,
  listOutboxMessages,
  type MailboxCursor,
} from './mailbox.queries.ts';

/** Who is calling and how their units of work run (a Fastify request satisfies it). */
export interface Caller {
  readonly user: SessionUser | null;
  readonly db: RequestDb;
}

/**
 * Non-admins get 403 forbidden, not the 404 used for rows that are not yours: the mailbox is one
 * admin page whose existence is public knowledge (it is in the API docs), and the check comes
 * before any id is looked at, so nothing about any message leaks. RLS is the lock either way: the
 * reads below run as the caller and show non-admins no rows.
 */
async function asAdmin<T>(caller: Caller, work: (tx: Tx) => Promise<T>): Promise<T> {
  if (!caller.user) throw new AppError('unauthorized');
  return caller.db.run(async (tx) => {
    if (!(await callerIsAdmin(tx))) {
      throw new AppError('forbidden', 'Only administrators can read the mailbox.');
    }
    return work(tx);
  });
}

function iso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}
function isoOrNull(value: Date | string | null): string | null {
  return value === null ? null : iso(value);
}

const cursorSchema = z.object({ createdMicros: z.string().regex(/^-?\d{1,20}$/), id: z.uuid() });

function encodeCursor(cursor: MailboxCursor): string {
  return Buffer.from(`${cursor.createdMicros}~${cursor.id}`).toString('base64url');
}

function decodeCursor(text: string): MailboxCursor {
  const [createdMicros, id] = Buffer.from(text, 'base64url').toString('utf8').split('~');
  const parsed = cursorSchema.safeParse({ createdMicros, id });
  if (!parsed.success) {
    throw new AppError('validation_failed', 'querystring.cursor: is not a cursor this API issued');
  }
  return parsed.data;
}

/**
 * One page of the admin mailbox, newest first; `nextCursor` is null on the last page. Throws
 * unauthorized when signed out, forbidden unless the caller is an admin.
 */
export async function listMailbox(caller: Caller, query: MailboxQuery): Promise<MailboxPage> {
  const limit = Math.min(Math.max(query.limit, 1), MAILBOX_MAX_LIMIT);
  const after = query.cursor ? decodeCursor(query.cursor) : undefined;
  const rows = await asAdmin(caller, (tx) => listOutboxMessages(tx, { limit, after, to: query.to }));
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map((row) => ({
      id: row.id,
      to: row.toAddress,
      subject: row.subject,
      template: row.template,
      status: row.status,
      createdAt: iso(row.createdAt),
      sentAt: isoOrNull(row.sentAt),
    })),
    nextCursor:
      rows.length > limit && last ? encodeCursor({ createdMicros: last.createdMicros, id: last.id }) : null,
  };
}

/**
 * One whole message of the admin mailbox, with its HTML and text bodies. Throws unauthorized when
 * signed out, forbidden unless the caller is an admin, not_found when there is no such message.
 */
export async function getMailboxMessage(caller: Caller, id: string): Promise<MailboxMessage> {
  const row = await asAdmin(caller, (tx) => findOutboxMessage(tx, id));
  if (!row) throw new AppError('not_found', 'There is no message with this id in the mailbox.');
  return {
    id: row.id,
    to: row.toAddress,
    subject: row.subject,
    template: row.template,
    status: row.status,
    createdAt: iso(row.createdAt),
    sentAt: isoOrNull(row.sentAt),
    html: row.htmlBody,
    text: row.textBody,
    transport: row.transport,
    attempts: row.attempts,
    lastError: row.lastError,
    updatedAt: iso(row.updatedAt),
    metadata: (row.metadata ?? {}) as Record<string, unknown>,
  };
}
