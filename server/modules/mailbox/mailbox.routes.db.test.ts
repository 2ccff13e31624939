import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as f from '../../../tests/helpers/factories.ts';
import { memoryLogger, TEST_JWT_SECRET, testConfig } from '../../../tests/helpers/test-app.ts';
import { createTestDatabase, type TestDatabase } from '../../../tests/helpers/test-db.ts';
import { buildApp, type App } from '../../app.ts';
import type { SessionUser } from '../../db/session.ts';
import { signAccessToken } from '../../platform/auth.ts';

const PUBLIC_URL = 'https://learn.example.org';
let t: TestDatabase;
let app: App;
let admin: f.CreatedUser;
let inactiveAdmin: f.CreatedUser;
let student: f.CreatedUser;
let instructor: f.CreatedUser;
/** Recipient of the paginated series, and what was sent to them, oldest first. */
const series = { to: '', ids: [] as string[] };
let resetId: string;
const RESET_TOKEN = `tok-${randomBytes(6).toString('hex')}`;

beforeAll(async () => {
  t = await createTestDatabase();
  ({ admin, inactiveAdmin, student, instructor } = await t.db.asSystem(async (tx) => ({
    admin: await f.createUser(tx, { role: 'admin' }),
    inactiveAdmin: await f.createUser(tx, { role: 'admin', isActive: false }),
    student: await f.createUser(tx, { role: 'student' }),
    instructor: await f.createUser(tx, { role: 'instructor' }),
  })));
  app = buildApp({ config: testConfig({ PUBLIC_URL }), db: t.db, logger: memoryLogger().logger });
  await app.ready();

  // Messages go through the real mailer (outbox transport), one send per transaction.
  series.to = `Series-${randomBytes(4).toString('hex')}@Example.test`;
  for (let i = 0; i < 5; i++) {
    const { id } = await app.mailer.send({
      to: series.to,
      template: 'email_confirmation',
      data: { confirmUrl: `${PUBLIC_URL}/confirm?token=series-${i}` },
      idempotencyKey: `series:${series.to}:${i}`,
    });
    series.ids.push(id);
  }
  ({ id: resetId } = await app.mailer.send({
    to: student.email,
    template: 'password_reset',
    data: { displayName: '<b>Stu</b>', resetUrl: `${PUBLIC_URL}/reset-password?token=${RESET_TOKEN}` },
    idempotencyKey: `reset:${student.id}`,
    metadata: { userId: student.id },
  }));
});

afterAll(async () => {
  await app?.close();
  await t?.close();
});

async function get(url: string, user?: SessionUser) {
  const headers = user ? { authorization: `Bearer ${await signAccessToken(TEST_JWT_SECRET, user, 60)}` } : {};
  return app.inject({ method: 'GET', url, headers });
}

interface Item {
  id: string;
  to: string;
  subject: string;
  template: string;
  status: string;
  createdAt: string;
  sentAt: string | null;
}

describe('GET /api/admin/mailbox', () => {
  it('shows an admin every message, newest first, without bodies', async () => {
    const res = await get('/api/admin/mailbox', admin);
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const { items, nextCursor } = res.json() as { items: Item[]; nextCursor: string | null };
    expect(nextCursor).toBeNull();
    expect(items.map((i) => i.id)).toEqual([resetId, ...[...series.ids].reverse()]);
    expect(items[0]).toEqual({
      id: resetId,
      to: student.email,
      subject: 'Reset your UsefulWriter password',
      template: 'password_reset',
      status: 'sent',
      createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T.*Z$/),
      sentAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T.*Z$/),
    });
    expect(res.body).not.toContain(RESET_TOKEN);
  });

  it('filters by recipient: the whole address, case-insensitive', async () => {
    const res = await get(`/api/admin/mailbox?to=${encodeURIComponent(series.to.toLowerCase())}`, admin);
    expect(res.statusCode).toBe(200);
    expect((res.json().items as Item[]).map((i) => i.id)).toEqual([...series.ids].reverse());
    const partial = await get(`/api/admin/mailbox?to=${encodeURIComponent(`x${series.to}`)}`, admin);
    expect(partial.json().items).toEqual([]);
    const notAnAddress = await get('/api/admin/mailbox?to=series', admin);
    expect(notAnAddress.statusCode).toBe(400);
    expect(notAnAddress.json().error.code).toBe('validation_failed');
  });

  it('pages with a cursor: every message once, in order, and a null cursor at the end', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `to=${encodeURIComponent(series.to)}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await get(`/api/admin/mailbox?${query}`, admin);
      expect(res.statusCode).toBe(200);
      const body = res.json() as { items: Item[]; nextCursor: string | null };
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...body.items.map((i) => i.id));
      cursor = body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual([...series.ids].reverse());
  });

  it('refuses a cursor it did not issue and a limit out of range', async () => {
    for (const query of ['cursor=bm90LWEtY3Vyc29y', 'limit=0', 'limit=101', 'unknown=1']) {
      const res = await get(`/api/admin/mailbox?${query}`, admin);
      expect(res.statusCode, query).toBe(400);
      expect(res.json().error.code, query).toBe('validation_failed');
    }
  });

  it('answers 403 forbidden to students and instructors; 401 to deactivated admins and when signed out', async () => {
    const deactivated = await get('/api/admin/mailbox', inactiveAdmin);
    expect(deactivated.statusCode).toBe(401);
    expect(deactivated.json().error.code).toBe('unauthorized');
    for (const user of [student, instructor]) {
      const res = await get('/api/admin/mailbox', user);
      expect(res.statusCode).toBe(403);
      expect(res.json().error).toMatchObject({
        code: 'forbidden',
        message: 'Only administrators can read the mailbox.',
      });
      expect(res.body).not.toContain(student.email);
    }
    const anon = await get('/api/admin/mailbox');
    expect(anon.statusCode).toBe(401);
    expect(anon.json().error.code).toBe('unauthorized');
  });
});

describe('GET /api/admin/mailbox/:id', () => {
  it('gives an admin the whole message: HTML and text bodies, delivery details, metadata', async () => {
    const res = await get(`/api/admin/mailbox/${resetId}`, admin);
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const message = res.json();
    expect(message).toMatchObject({
      id: resetId,
      to: student.email,
      template: 'password_reset',
      status: 'sent',
      transport: 'outbox',
      attempts: 1,
      lastError: null,
      metadata: { userId: student.id },
    });
    expect(message.html).toContain(`href="${PUBLIC_URL}/reset-password?token=${RESET_TOKEN}"`);
    expect(message.html).toContain('Hi &lt;b&gt;Stu&lt;/b&gt;,');
    expect(message.text).toContain(`${PUBLIC_URL}/reset-password?token=${RESET_TOKEN}`);
    expect(message.text).toContain('Hi <b>Stu</b>,');
  });

  it('answers 400 for an id that is not a UUID and 404 for an unknown one', async () => {
    const bad = await get('/api/admin/mailbox/not-a-uuid', admin);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('validation_failed');
    const missing = await get(`/api/admin/mailbox/${randomUUID()}`, admin);
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('not_found');
  });

  it('answers 403 to non-admins whether or not the message exists, and never shows the link', async () => {
    for (const user of [student, instructor]) {
      for (const id of [resetId, randomUUID()]) {
        const res = await get(`/api/admin/mailbox/${id}`, user);
        expect(res.statusCode).toBe(403);
        expect(res.json().error.code).toBe('forbidden');
        expect(res.body).not.toContain(RESET_TOKEN);
      }
    }
    // The recipient too: the mailbox is the admins', not the learner's own inbox.
    expect((await get(`/api/admin/mailbox/${resetId}`, student)).body).not.toContain(RESET_TOKEN);
    expect((await get(`/api/admin/mailbox/${resetId}`)).statusCode).toBe(401);
  });
});
