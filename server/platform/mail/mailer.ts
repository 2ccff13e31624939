import type { BaseLogger } from 'pino';
import { z } from 'zod';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/session.ts';
import type { MailContext } from './layout.ts';
import {
  findOutboxMessageByKeyForUpdate,
  insertOutboxMessage,
  markOutboxMessageFailed,
  markOutboxMessageSent,
  requeueOutboxMessage,
  type MailStatus,
  type MailTransportKind,
} from './outbox.queries.ts';
import { createSmtpSender, describeSmtpError, type SmtpMessage } from './smtp.ts';
import { MailDataError, renderMail, type MailTemplateData, type MailTemplateName } from './templates.ts';

export { MailLinkError } from './layout.ts';
export type { MailStatus, MailTransportKind } from './outbox.queries.ts';
export {
  MAIL_TEMPLATE_NAMES,
  MailDataError,
  type MailTemplateData,
  type MailTemplateName,
} from './templates.ts';

/** The product's name in every email. */
export const PRODUCT_NAME = 'UsefulWriter';

/** One email to send: a template, its data, and the key that makes a repeated send a no-op. */
export type MailMessage = {
  [N in MailTemplateName]: {
    /** The recipient's address. */
    to: string;
    template: N;
    data: MailTemplateData<N>;
    /**
     * Unique per message, not per attempt (e.g. `password_reset:<token id>`): jobs are
     * at-least-once, and a second send with the same key returns the first message instead.
     */
    idempotencyKey: string;
    /** Stored with the message for the admin mailbox (ids, reasons); never rendered. */
    metadata?: Record<string, unknown>;
  };
}[MailTemplateName];

export interface SendResult {
  /** The mail_outbox row. */
  id: string;
  status: MailStatus;
}

export interface Mailer {
  /** 'outbox': stored only (the embedded default). 'smtp': stored and delivered by SMTP_URL. */
  readonly transport: MailTransportKind;
  /**
   * Renders and stores the message in mail_outbox, then delivers it (SMTP) or marks it sent
   * (outbox). Idempotent by `idempotencyKey`: a message already sent, or being sent, is returned
   * as it is; a failed one is delivered again.
   *
   * Call it outside any unit of work (after your transaction commits): it opens its own system
   * transactions, and on PGlite a nested one would wait for the connection forever.
   *
   * Throws MailDataError (bad template data) or MailLinkError (a link outside PUBLIC_URL) before
   * anything is stored, IdempotencyKeyConflictError when the key belongs to another message, and
   * MailDeliveryError when SMTP refused or failed (the row is then `failed` with the reason).
   */
  send(message: MailMessage): Promise<SendResult>;
  /** Closes the SMTP client (nothing to do for the outbox). */
  close(): void;
}

/** SMTP did not take the message. The outbox row records it as failed; credentials are never in the message. */
export class MailDeliveryError extends Error {
  override name = 'MailDeliveryError';
  constructor(
    readonly outboxId: string,
    /** The sanitised reason, as stored in mail_outbox.last_error. */
    readonly reason: string,
  ) {
    super(`Mail ${outboxId} could not be delivered by SMTP: ${reason}`);
  }
}

/** The key was used before for a message to another recipient or with another template. */
export class IdempotencyKeyConflictError extends Error {
  override name = 'IdempotencyKeyConflictError';
  constructor(readonly outboxId: string) {
    super(`Mail idempotency key already belongs to message ${outboxId}, to another recipient or template.`);
  }
}

export interface MailerDeps {
  config: Pick<Config, 'publicUrl' | 'smtpUrl' | 'mailFrom'>;
  db: Db;
  logger: Pick<BaseLogger, 'info' | 'warn'>;
}

const recipientSchema = z.email().max(320);
const keySchema = z.string().min(1).max(200);

/** The outbox transport when SMTP_URL is unset, else SMTP (every message is stored in both cases). */
export function createMailer({ config, db, logger }: MailerDeps): Mailer {
  const context: MailContext = { productName: PRODUCT_NAME, publicUrl: config.publicUrl };
  const smtpUrl = config.smtpUrl;
  const smtp = smtpUrl ? createSmtpSender({ smtpUrl, from: config.mailFrom }) : undefined;
  const transport: MailTransportKind = smtp ? 'smtp' : 'outbox';

  async function send(message: MailMessage): Promise<SendResult> {
    const to = recipientSchema.safeParse(message.to);
    if (!to.success) throw new MailDataError('Mail recipient: not a valid email address.');
    const key = keySchema.safeParse(message.idempotencyKey);
    if (!key.success) throw new MailDataError('Mail idempotencyKey: 1 to 200 characters.');
    const rendered = renderMail(message.template, message.data as never, context);

    const stored = await storeMessageAsSystem(db, transport, {
      toAddress: to.data,
      subject: rendered.subject,
      htmlBody: rendered.html,
      textBody: rendered.text,
      template: message.template,
      idempotencyKey: key.data,
      transport,
      metadata: message.metadata ?? {},
    });
    if (!stored.pending) {
      logger.info(
        { outboxId: stored.id, template: message.template, status: stored.status, transport },
        stored.isNew ? 'mail stored in the outbox' : 'mail already handled for this idempotency key',
      );
      return { id: stored.id, status: stored.status };
    }

    // SMTP runs outside any transaction: a unit of work must never wait on the network.
    try {
      await smtp!.deliver(stored.pending);
    } catch (error) {
      const reason = describeSmtpError(error, smtpUrl!);
      await recordDeliveryAsSystem(db, stored.id, { ok: false, reason });
      logger.warn({ outboxId: stored.id, template: message.template, reason }, 'mail delivery failed');
      throw new MailDeliveryError(stored.id, reason);
    }
    await recordDeliveryAsSystem(db, stored.id, { ok: true });
    logger.info({ outboxId: stored.id, template: message.template, transport }, 'mail sent by SMTP');
    return { id: stored.id, status: 'sent' };
  }

  return { transport, send, close: () => smtp?.close() };
}

interface StoredMessage {
  id: string;
  status: MailStatus;
  isNew: boolean;
  /** Set when this call must deliver the message by SMTP. */
  pending?: SmtpMessage;
}

/**
 * System path (bypasses RLS: only the system writes mail_outbox). Stores a new message or finds
 * the one with the same idempotency key, and decides whether this call delivers it: a new or a
 * failed/abandoned message is delivered, one sent or in flight is left alone. With the outbox
 * transport storing is the delivery, so the row is written as sent in the same transaction.
 */
async function storeMessageAsSystem(
  db: Db,
  transport: MailTransportKind,
  row: Parameters<typeof insertOutboxMessage>[1],
): Promise<StoredMessage> {
  const storedOnly = transport === 'outbox';
  return db.asSystem(async (tx) => {
    const inserted = await insertOutboxMessage(tx, row, storedOnly);
    if (inserted) {
      return {
        id: inserted.id,
        status: inserted.status,
        isNew: true,
        ...(storedOnly
          ? {}
          : {
              pending: {
                id: inserted.id,
                to: row.toAddress,
                subject: row.subject,
                html: row.htmlBody,
                text: row.textBody,
              },
            }),
      };
    }
    const existing = await findOutboxMessageByKeyForUpdate(tx, row.idempotencyKey);
    // The conflicting row was deleted in between: the caller's job retries, and then inserts.
    if (!existing) throw new Error('Mail idempotency key vanished during the send; retry it.');
    if (
      existing.toAddress.toLowerCase() !== row.toAddress.toLowerCase() ||
      existing.template !== row.template
    ) {
      throw new IdempotencyKeyConflictError(existing.id);
    }
    if (existing.status === 'sent' || (existing.status === 'queued' && !existing.isAbandoned)) {
      return { id: existing.id, status: existing.status, isNew: false };
    }
    // Failed (or abandoned mid-delivery): deliver the message as stored, the one the mailbox shows.
    if (storedOnly) {
      await markOutboxMessageSent(tx, existing.id, 'outbox');
      return { id: existing.id, status: 'sent', isNew: false };
    }
    await requeueOutboxMessage(tx, existing.id, transport);
    return {
      id: existing.id,
      status: 'queued',
      isNew: false,
      pending: {
        id: existing.id,
        to: existing.toAddress,
        subject: existing.subject,
        html: existing.htmlBody,
        text: existing.textBody,
      },
    };
  });
}

/** System path: records the outcome of an SMTP delivery attempt on the outbox row. */
async function recordDeliveryAsSystem(
  db: Db,
  id: string,
  outcome: { ok: true } | { ok: false; reason: string },
): Promise<void> {
  await db.asSystem((tx) =>
    outcome.ok ? markOutboxMessageSent(tx, id, 'smtp') : markOutboxMessageFailed(tx, id, outcome.reason),
  );
}
