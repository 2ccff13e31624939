import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { memoryLogger, testConfig } from '../../../tests/helpers/test-app.ts';
import { createTestDatabase, execAsOwner, type TestDatabase } from '../../../tests/helpers/test-db.ts';
import { parseMail, SMTP_PASSWORD, startSmtpServer, type TestSmtpServer } from './mail.fixtures.ts';
import {
  createMailer,
  IdempotencyKeyConflictError,
  MailDataError,
  MailDeliveryError,
  MailLinkError,
  type Mailer,
  type MailMessage,
} from './mailer.ts';

const PUBLIC_URL = 'https://learn.example.org';
let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.close();
});

const unique = () => randomBytes(4).toString('hex');

/** A password reset to a fresh address, with a fresh key and token. */
function resetMessage(overrides: Partial<Extract<MailMessage, { template: 'password_reset' }>> = {}) {
  const token = `tok-${unique()}`;
  return {
    to: `learner-${unique()}@example.test`,
    template: 'password_reset' as const,
    data: { displayName: 'Ada', resetUrl: `${PUBLIC_URL}/reset-password?token=${token}` },
    idempotencyKey: `password_reset:${unique()}`,
    ...overrides,
  };
}

async function outboxRow(id: string) {
  return t.db.asSystem((tx) =>
    tx.selectFrom('mailOutbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow(),
  );
}

async function countByKey(key: string) {
  const rows = await t.db.asSystem((tx) =>
    tx.selectFrom('mailOutbox').select('id').where('idempotencyKey', '=', key).execute(),
  );
  return rows.length;
}

describe('outbox transport (no SMTP_URL)', () => {
  const log = memoryLogger();
  let mailer: Mailer;
  beforeAll(() => {
    mailer = createMailer({ config: testConfig({ PUBLIC_URL }), db: t.db, logger: log.logger });
  });

  it('stores the rendered message as sent, with both parts, as the system', async () => {
    const message = resetMessage({ metadata: { userId: 'u-1', reason: 'forgot' } });
    expect(mailer.transport).toBe('outbox');
    const result = await mailer.send(message);
    expect(result).toEqual({ id: expect.any(String), status: 'sent' });

    const row = await outboxRow(result.id);
    expect(row).toMatchObject({
      toAddress: message.to,
      subject: 'Reset your UsefulWriter password',
      template: 'password_reset',
      idempotencyKey: message.idempotencyKey,
      status: 'sent',
      attempts: 1,
      lastError: null,
      transport: 'outbox',
      metadata: { userId: 'u-1', reason: 'forgot' },
      createdBy: null, // written by the system, not on anyone's behalf
    });
    expect(row.sentAt).toBeInstanceOf(Date);
    expect(row.htmlBody).toContain(`href="${message.data.resetUrl}"`);
    expect(row.textBody).toContain(message.data.resetUrl);
    expect(log.text()).toContain(result.id);
  });

  it('is idempotent by key: the same send returns the first message and stores nothing new', async () => {
    const message = resetMessage();
    const first = await mailer.send(message);
    const again = await mailer.send({
      ...message,
      data: { ...message.data, resetUrl: `${PUBLIC_URL}/reset-password?token=other` },
    });
    expect(again).toEqual(first);
    expect(await countByKey(message.idempotencyKey)).toBe(1);
    expect((await outboxRow(first.id)).textBody).toContain(message.data.resetUrl);
  });

  it('stores one message when the same key is sent concurrently', async () => {
    const message = resetMessage();
    const results = await Promise.all(Array.from({ length: 5 }, () => mailer.send(message)));
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(await countByKey(message.idempotencyKey)).toBe(1);
  });

  it('refuses a key that belongs to another recipient or template', async () => {
    const message = resetMessage();
    const first = await mailer.send(message);
    await expect(mailer.send({ ...message, to: 'someone-else@example.test' })).rejects.toThrow(
      IdempotencyKeyConflictError,
    );
    await expect(
      mailer.send({
        to: message.to,
        template: 'email_confirmation',
        data: { confirmUrl: `${PUBLIC_URL}/confirm?token=x` },
        idempotencyKey: message.idempotencyKey,
      }),
    ).rejects.toMatchObject({ outboxId: first.id });
  });

  it('stores nothing when the data, the recipient or a link is wrong', async () => {
    const message = resetMessage();
    await expect(mailer.send({ ...message, data: { resetUrl: 'nope' } })).rejects.toThrow(MailDataError);
    await expect(mailer.send({ ...message, to: 'not an address' })).rejects.toThrow(MailDataError);
    await expect(mailer.send({ ...message, idempotencyKey: '' })).rejects.toThrow(MailDataError);
    await expect(
      mailer.send({ ...message, data: { resetUrl: 'https://evil.example/reset-password?token=t' } }),
    ).rejects.toThrow(MailLinkError);
    expect(await countByKey(message.idempotencyKey)).toBe(0);
  });

  it('delivers a message that failed earlier (e.g. by SMTP) when it is sent again', async () => {
    const message = resetMessage();
    const { id } = await mailer.send(message);
    await t.db.asSystem((tx) =>
      tx
        .updateTable('mailOutbox')
        .set({ status: 'failed', sentAt: null, lastError: 'ECONNECTION: earlier', transport: 'smtp' })
        .where('id', '=', id)
        .execute(),
    );
    expect(await mailer.send(message)).toEqual({ id, status: 'sent' });
    expect(await outboxRow(id)).toMatchObject({
      status: 'sent',
      attempts: 2,
      lastError: null,
      transport: 'outbox',
    });
  });
});

describe('SMTP transport (SMTP_URL set)', () => {
  let smtp: TestSmtpServer;
  let mailer: Mailer;
  const log = memoryLogger();

  beforeAll(async () => {
    smtp = await startSmtpServer();
    mailer = createMailer({
      config: testConfig({
        PUBLIC_URL,
        SMTP_URL: smtp.url,
        MAIL_FROM: 'Learn Team <no-reply@learn.example.org>',
      }),
      db: t.db,
      logger: log.logger,
    });
  });
  afterAll(async () => {
    mailer?.close();
    await smtp?.close();
  });
  afterEach(() => {
    smtp.rejectRecipient = undefined;
  });

  it('stores the message and delivers it: envelope, headers and both MIME parts', async () => {
    const message = resetMessage();
    expect(mailer.transport).toBe('smtp');
    const before = smtp.received.length;
    const result = await mailer.send(message);
    expect(result).toEqual({ id: expect.any(String), status: 'sent' });

    expect(smtp.logins.at(-1)).toEqual({ username: 'mailer', password: SMTP_PASSWORD });
    expect(smtp.received).toHaveLength(before + 1);
    const received = smtp.received.at(-1)!;
    expect(received.mailFrom).toBe('no-reply@learn.example.org');
    expect(received.rcptTo).toEqual([message.to]);

    const mail = parseMail(received.raw);
    expect(mail.headers.subject).toBe('Reset your UsefulWriter password');
    expect(mail.headers.from).toBe('Learn Team <no-reply@learn.example.org>');
    expect(mail.headers.to).toBe(message.to);
    expect(mail.headers['message-id']).toBe(`<${result.id}@learn.example.org>`);
    expect(mail.headers['auto-submitted']).toBe('auto-generated');
    expect(mail.headers['content-type']).toMatch(/^multipart\/alternative/);

    const row = await outboxRow(result.id);
    const types = mail.parts.map((p) => p.headers['content-type']?.split(';')[0]);
    expect(types).toEqual(['text/plain', 'text/html']);
    const [text, html] = mail.parts;
    expect(text!.body.replace(/\r\n/g, '\n')).toBe(row.textBody);
    expect(html!.body.replace(/\r\n/g, '\n')).toBe(row.htmlBody);
    expect(html!.body).toContain(`href="${message.data.resetUrl}"`);
    expect(text!.body).toContain(message.data.resetUrl);

    expect(row).toMatchObject({ status: 'sent', attempts: 1, transport: 'smtp', lastError: null });
    expect(row.sentAt).toBeInstanceOf(Date);
  });

  it('does not deliver twice for the same key', async () => {
    const message = resetMessage();
    const first = await mailer.send(message);
    const count = smtp.received.length;
    expect(await mailer.send(message)).toEqual(first);
    expect(smtp.received).toHaveLength(count);
  });

  it('records a refused recipient as failed, without the password, throws, and delivers on a later send', async () => {
    const message = resetMessage();
    // A server that echoes the credential back: it must still never be stored, thrown or logged.
    smtp.rejectRecipient = () => `5.1.1 Mailbox unavailable (session for mailer:${SMTP_PASSWORD})`;
    const count = smtp.received.length;

    const error = await mailer.send(message).then(
      () => {
        throw new Error('expected the send to fail');
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MailDeliveryError);
    const failure = error as MailDeliveryError;
    expect(failure.message).toContain('550');
    expect(failure.message).not.toContain(SMTP_PASSWORD);
    expect(smtp.received).toHaveLength(count);

    const row = await outboxRow(failure.outboxId);
    expect(row).toMatchObject({ status: 'failed', attempts: 1, sentAt: null, transport: 'smtp' });
    expect(row.lastError).toMatch(/^EENVELOPE 550: .*Mailbox unavailable/);
    expect(row.lastError).toContain('mailer:***');
    expect(row.lastError).not.toContain(SMTP_PASSWORD);
    expect(log.text()).toContain(failure.outboxId);
    expect(log.text()).not.toContain(SMTP_PASSWORD);
    expect(log.text()).not.toContain(message.to);

    // The job runs again (at-least-once): the failed message is delivered, as stored.
    smtp.rejectRecipient = undefined;
    expect(await mailer.send(message)).toEqual({ id: failure.outboxId, status: 'sent' });
    expect(smtp.received).toHaveLength(count + 1);
    expect(await outboxRow(failure.outboxId)).toMatchObject({ status: 'sent', attempts: 2, lastError: null });
  });

  it('leaves a message in flight alone, and retries one abandoned mid-delivery', async () => {
    const message = resetMessage();
    const { id } = await mailer.send(message);
    // As if a process died after storing it: queued, last touched now, then 11 minutes ago.
    await t.db.asSystem((tx) =>
      tx.updateTable('mailOutbox').set({ status: 'queued', sentAt: null }).where('id', '=', id).execute(),
    );
    const count = smtp.received.length;
    expect(await mailer.send(message)).toEqual({ id, status: 'queued' });
    expect(smtp.received).toHaveLength(count);

    await execAsOwner(
      t.handle,
      `BEGIN;
       ALTER TABLE public.mail_outbox DISABLE TRIGGER mail_outbox_audit;
       UPDATE public.mail_outbox SET updated_at = now() - interval '11 minutes' WHERE id = '${id}';
       ALTER TABLE public.mail_outbox ENABLE TRIGGER mail_outbox_audit;
       COMMIT;`,
    );
    expect(await mailer.send(message)).toEqual({ id, status: 'sent' });
    expect(smtp.received).toHaveLength(count + 1);
  });
});

describe('SMTP transport failures', () => {
  it('records an unreachable server as failed and throws, without credentials', async () => {
    // A port that was free a moment ago: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));

    const mailer = createMailer({
      config: testConfig({ PUBLIC_URL, SMTP_URL: `smtp://mailer:${SMTP_PASSWORD}@127.0.0.1:${port}` }),
      db: t.db,
      logger: memoryLogger().logger,
    });
    const error = (await mailer.send(resetMessage()).catch((e: unknown) => e)) as MailDeliveryError;
    mailer.close();
    expect(error).toBeInstanceOf(MailDeliveryError);
    const row = await outboxRow(error.outboxId);
    expect(row.status).toBe('failed');
    expect(row.lastError).toMatch(/ECONNREFUSED|ECONNECTION|ESOCKET/);
    expect(row.lastError).not.toContain(SMTP_PASSWORD);
  });
});

describe('mail_outbox constraints', () => {
  it('refuse a sent row without a time and a failed row without a reason', async () => {
    const { id } = await createMailer({
      config: testConfig({ PUBLIC_URL }),
      db: t.db,
      logger: memoryLogger().logger,
    }).send(resetMessage());
    for (const set of [
      sql`sent_at = null`,
      sql`status = 'failed', sent_at = null`,
      sql`status = 'bounced'`,
      sql`transport = 'carrier-pigeon'`,
    ]) {
      await expect(
        t.db.asSystem((tx) => sql`update public.mail_outbox set ${set} where id = ${id}`.execute(tx)),
      ).rejects.toMatchObject({ code: '23514' });
    }
  });
});
