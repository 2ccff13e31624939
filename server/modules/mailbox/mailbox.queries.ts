import { sql, type SqlBool } from 'kysely';
import type { Tx } from '../../db/session.ts';

/**
 * Reads of mail_outbox for the admin mailbox. They run as the caller: the table's only policy
 * (mail_outbox_select_admin, 0011) shows admins every row and everyone else none.
 */

/** Whether the caller is an active admin (the same predicate the policy uses). */
export async function callerIsAdmin(tx: Tx): Promise<boolean> {
  const { rows } = await sql<{ ok: boolean }>`select private.is_admin() as ok`.execute(tx);
  return rows[0]?.ok === true;
}

export interface MailboxCursor {
  /** created_at as integer microseconds since the epoch: a JS Date would lose the last three digits. */
  createdMicros: string;
  id: string;
}

export interface MailboxFilter {
  limit: number;
  after?: MailboxCursor | undefined;
  /** Whole address, case-insensitive. */
  to?: string | undefined;
}

/**
 * One page of messages, newest first, keyset-paginated on (created_at, id). Fetches `limit + 1`
 * rows so the caller knows whether another page exists. No bodies.
 */
export async function listOutboxMessages(tx: Tx, filter: MailboxFilter) {
  let query = tx
    .selectFrom('mailOutbox as m')
    .select([
      'm.id',
      'm.toAddress',
      'm.subject',
      'm.template',
      'm.status',
      'm.createdAt',
      'm.sentAt',
      sql<string>`(extract(epoch from m.created_at) * 1000000)::bigint::text`.as('createdMicros'),
    ])
    .orderBy('m.createdAt', 'desc')
    .orderBy('m.id', 'desc')
    .limit(filter.limit + 1);
  if (filter.to) query = query.where(sql<SqlBool>`lower(m.to_address) = lower(${filter.to})`);
  if (filter.after) {
    const { createdMicros, id } = filter.after;
    query = query.where(
      sql<SqlBool>`(m.created_at, m.id) < (timestamptz 'epoch' + ${createdMicros}::bigint * interval '1 microsecond', ${id}::uuid)`,
    );
  }
  return query.execute();
}

/** The whole message, or undefined when there is none with this id (or the caller may not read it). */
export async function findOutboxMessage(tx: Tx, id: string) {
  return tx
    .selectFrom('mailOutbox')
    .where('id', '=', id)
    .select([
      'id',
      'toAddress',
      'subject',
      'template',
      'status',
      'createdAt',
      'sentAt',
      'htmlBody',
      'textBody',
      'transport',
      'attempts',
      'lastError',
      'updatedAt',
      'metadata',
    ])
    .executeTakeFirst();
}
