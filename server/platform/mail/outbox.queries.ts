import { sql } from 'kysely';
import type { Tx } from '../../db/session.ts';
import type { MailOutbox } from '../../db/types.generated.ts';

/**
 * Writes to mail_outbox. Only the system writes this table (0011), so every function here expects a
 * transaction opened with `db.asSystem` by the mailer's named system path.
 */

export type MailTransportKind = MailOutbox['transport'];
export type MailStatus = 'queued' | 'sent' | 'failed';

/** A row left `queued` this long was abandoned mid-delivery (process died): a later send may retry it. */
export const ABANDONED_AFTER_MINUTES = 10;

export interface NewOutboxMessage {
  toAddress: string;
  subject: string;
  htmlBody: string;
  textBody: string;
  template: string;
  idempotencyKey: string;
  transport: MailTransportKind;
  metadata: Record<string, unknown>;
}

/**
 * Inserts a message unless its idempotency key exists. `delivered` stores it as sent at once (the
 * outbox transport, where storing is the delivery); otherwise it waits `queued` for SMTP.
 * Returns undefined when the key was taken.
 */
export async function insertOutboxMessage(tx: Tx, message: NewOutboxMessage, delivered: boolean) {
  return tx
    .insertInto('mailOutbox')
    .values({
      ...message,
      metadata: JSON.stringify(message.metadata),
      ...(delivered
        ? { status: 'sent' as const, attempts: 1, sentAt: sql<Date>`now()` }
        : { status: 'queued' as const, attempts: 0 }),
    })
    .onConflict((oc) => oc.column('idempotencyKey').doNothing())
    .returning(['id', 'status'])
    .executeTakeFirst();
}

/** The message with this key, locked until the transaction ends, and whether it was abandoned mid-delivery. */
export async function findOutboxMessageByKeyForUpdate(tx: Tx, idempotencyKey: string) {
  return tx
    .selectFrom('mailOutbox')
    .where('idempotencyKey', '=', idempotencyKey)
    .select([
      'id',
      'toAddress',
      'subject',
      'htmlBody',
      'textBody',
      'template',
      'status',
      sql<boolean>`status = 'queued' and updated_at < now() - make_interval(mins => ${ABANDONED_AFTER_MINUTES})`.as(
        'isAbandoned',
      ),
    ])
    .forUpdate()
    .executeTakeFirst();
}

/** Takes a failed or abandoned message back for another delivery attempt through `transport`. */
export async function requeueOutboxMessage(tx: Tx, id: string, transport: MailTransportKind) {
  await tx
    .updateTable('mailOutbox')
    .set({ status: 'queued', transport, sentAt: null })
    .where('id', '=', id)
    .execute();
}

/** Records a successful delivery attempt. */
export async function markOutboxMessageSent(tx: Tx, id: string, transport: MailTransportKind) {
  await tx
    .updateTable('mailOutbox')
    .set({
      status: 'sent',
      transport,
      sentAt: sql<Date>`now()`,
      attempts: sql<number>`attempts + 1`,
      lastError: null,
    })
    .where('id', '=', id)
    .execute();
}

/** Records a failed delivery attempt; `error` must already be free of credentials. */
export async function markOutboxMessageFailed(tx: Tx, id: string, error: string) {
  await tx
    .updateTable('mailOutbox')
    .set({ status: 'failed', sentAt: null, attempts: sql<number>`attempts + 1`, lastError: error })
    .where('id', '=', id)
    .execute();
}
