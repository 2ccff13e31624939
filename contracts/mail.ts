import { z } from 'zod';

/**
 * The admin mailbox (GET /api/admin/mailbox): every email the product sent, as stored in
 * mail_outbox. Admin-only — bodies carry confirmation and password-reset links. Timestamps travel
 * as ISO 8601 strings.
 */

const isoTimestamp = z.string().meta({ format: 'date-time' });

/** queued: stored, delivery pending or in flight; sent: delivered (or stored, for the outbox transport); failed: SMTP refused or failed. */
export const mailStatusSchema = z.enum(['queued', 'sent', 'failed']);
export type MailStatus = z.infer<typeof mailStatusSchema>;

/** outbox: stored only (no SMTP_URL); smtp: stored and delivered by SMTP. */
export const mailTransportSchema = z.enum(['outbox', 'smtp']);
export type MailTransport = z.infer<typeof mailTransportSchema>;

export const MAILBOX_MAX_LIMIT = 100;

export const mailboxQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAILBOX_MAX_LIMIT).default(25),
  /** Opaque: the `nextCursor` of the previous page. */
  cursor: z
    .string()
    .max(200)
    .regex(/^[A-Za-z0-9_-]+$/)
    .optional(),
  /** Only messages to this address (the whole address, case-insensitive). */
  to: z.email().max(320).optional(),
});
export type MailboxQuery = z.infer<typeof mailboxQuerySchema>;

const mailboxItemShape = {
  id: z.uuid(),
  to: z.string(),
  subject: z.string(),
  /** The template that rendered it (server/platform/mail/templates.ts). */
  template: z.string(),
  status: mailStatusSchema,
  createdAt: isoTimestamp,
  sentAt: isoTimestamp.nullable(),
};

/** One line of the mailbox list: no bodies. */
export const mailboxItemSchema = z.object(mailboxItemShape).meta({ id: 'MailboxItem' });
export type MailboxItem = z.infer<typeof mailboxItemSchema>;

/** Newest first; `nextCursor` is null on the last page. */
export const mailboxPageSchema = z
  .object({ items: z.array(mailboxItemSchema), nextCursor: z.string().nullable() })
  .meta({ id: 'MailboxPage' });
export type MailboxPage = z.infer<typeof mailboxPageSchema>;

export const mailboxMessageParamsSchema = z.object({ id: z.uuid() });

/** A whole message. `html` is the email as sent: show it in a sandboxed frame, never inline in the page. */
export const mailboxMessageSchema = z
  .object({
    ...mailboxItemShape,
    html: z.string(),
    text: z.string(),
    transport: mailTransportSchema,
    /** Delivery attempts so far. */
    attempts: z.number().int(),
    /** Why the last delivery failed (credentials removed); null once sent. */
    lastError: z.string().nullable(),
    updatedAt: isoTimestamp,
    /** What the sending code attached (ids, reasons). */
    metadata: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'MailboxMessage' });
export type MailboxMessage = z.infer<typeof mailboxMessageSchema>;
