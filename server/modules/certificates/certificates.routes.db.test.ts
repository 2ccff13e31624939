import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_JWT_SECRET, testConfig } from '../../../tests/helpers/test-app.ts';
import { createTestDatabase, type TestDatabase } from '../../../tests/helpers/test-db.ts';
import { buildApp, type App } from '../../app.ts';
import type { SessionUser } from '../../db/session.ts';
import { signAccessToken } from '../../platform/auth.ts';
import { buildCourse, completeLesson, makeUser, type BuiltCourse } from '../courses/courses.fixtures.ts';
import { findCertificatePageMeta } from './certificates.service.ts';

const PUBLIC_URL = 'https://learn.example.test';

let testDb: TestDatabase;
let app: App;
let owner: SessionUser;
let holder: SessionUser;
let other: SessionUser;
let admin: SessionUser;
let course: BuiltCourse;
let publicId: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  const { db } = testDb;
  owner = await makeUser(db, 'instructor', 'ada');
  holder = await makeUser(db, 'student', 'grace');
  other = await makeUser(db, 'student', 'alan');
  admin = await makeUser(db, 'admin', 'margaret');
  await db.asUser(holder, (tx) =>
    tx.updateTable('profiles').set({ displayName: 'Grace Hopper' }).where('id', '=', holder.id).execute(),
  );
  course = await buildCourse(db, owner, { course: { title: 'Compilers for Everyone' } });
  app = buildApp({ config: testConfig({ PUBLIC_URL }), db });
  await app.ready();

  expect((await call('POST', `/api/courses/${course.id}/enrollment`, holder)).statusCode).toBe(200);
  for (const lesson of course.lessonIds) await completeLesson(db, holder, lesson);
  const mine = await call('GET', '/api/me/certificates', holder);
  publicId = mine.json().certificates[0].publicId;
});

afterAll(async () => {
  await app?.close();
  await testDb?.close();
});

async function call(method: 'GET' | 'POST', url: string, user?: SessionUser, body?: unknown) {
  const headers = user ? { authorization: `Bearer ${await signAccessToken(TEST_JWT_SECRET, user, 60)}` } : {};
  return app.inject({ method, url, headers, ...(body === undefined ? {} : { payload: body as object }) });
}

describe('GET /api/me/certificates', () => {
  it("lists the learner's own certificates with their PDF and verification links", async () => {
    const res = await call('GET', '/api/me/certificates', holder);
    expect(res.statusCode).toBe(200);
    const { certificates } = res.json();
    expect(certificates).toHaveLength(1);
    expect(certificates[0]).toEqual({
      id: expect.any(String),
      publicId: expect.stringMatching(/^[A-Z2-7]{26}$/),
      courseId: course.id,
      courseTitle: 'Compilers for Everyone',
      courseSlug: course.slug,
      issuedAt: expect.any(String),
      revokedAt: null,
      pdfUrl: `/api/certificates/${publicId}/pdf`,
      verifyUrl: `${PUBLIC_URL}/verify/${publicId}`,
    });
    // Another learner, even an admin, sees only their own (none); anonymous callers must sign in.
    expect((await call('GET', '/api/me/certificates', other)).json()).toEqual({ certificates: [] });
    expect((await call('GET', '/api/me/certificates', admin)).json()).toEqual({ certificates: [] });
    expect((await call('GET', '/api/me/certificates')).statusCode).toBe(401);
  });
});

describe('GET /api/certificates/verify/:publicId', () => {
  it('tells anyone the holder, the course and the date — exactly those and the revoked flag', async () => {
    const res = await call('GET', `/api/certificates/verify/${publicId}`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(
      ['courseTitle', 'holderName', 'issuedAt', 'revokedAt', 'revoked'].sort(),
    );
    expect(body).toMatchObject({
      holderName: 'Grace Hopper',
      courseTitle: 'Compilers for Everyone',
      revoked: false,
      revokedAt: null,
    });
    expect(new Date(body.issuedAt).getTime()).toBeGreaterThan(Date.now() - 10 * 60_000);
    // Nothing about the account leaks: no email, no user id, no enrolment.
    expect(res.body).not.toContain(holder.email);
    expect(res.body).not.toContain(holder.id);
    // Ids are case-insensitive, and the same answer comes to a signed-in stranger.
    expect((await call('GET', `/api/certificates/verify/${publicId.toLowerCase()}`)).json()).toEqual(body);
    expect((await call('GET', `/api/certificates/verify/${publicId}`, other)).json()).toEqual(body);
  });

  it('answers 404 not_found for an unknown or malformed id', async () => {
    for (const id of ['AAAAAAAAAAAAAAAAAAAAAAAAAA', 'not a code', '%27%20or%201%3D1--']) {
      const res = await call('GET', `/api/certificates/verify/${id}`);
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    }
  });
});

describe('GET /api/certificates/:publicId/pdf', () => {
  it('renders the PDF for its holder, with the verification URL', async () => {
    const res = await call('GET', `/api/certificates/${publicId}/pdf`, holder);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['cache-control']).toBe('private, no-store');
    const pdf = res.rawPayload;
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    // The URL is the link annotation of the printed URL and of the QR code (uncompressed objects).
    expect(pdf.toString('latin1')).toContain(`(${PUBLIC_URL}/verify/${publicId})`);
  });

  it('renders it for an admin too', async () => {
    const res = await call('GET', `/api/certificates/${publicId}/pdf`, admin);
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it('answers 404 to another learner, the instructor and anonymous visitors', async () => {
    for (const user of [other, owner, undefined]) {
      const res = await call('GET', `/api/certificates/${publicId}/pdf`, user);
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    }
    expect((await call('GET', '/api/certificates/AAAAAAAAAAAAAAAAAAAAAAAAAA/pdf', holder)).statusCode).toBe(
      404,
    );
  });
});

describe('POST /api/admin/certificates/:publicId/revoke', () => {
  it('refuses anonymous callers (401) and non-admins (403), changing nothing', async () => {
    expect((await call('POST', `/api/admin/certificates/${publicId}/revoke`)).statusCode).toBe(401);
    for (const user of [holder, other, owner]) {
      const res = await call('POST', `/api/admin/certificates/${publicId}/revoke`, user, { reason: 'nope' });
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('forbidden');
    }
    expect((await call('GET', `/api/certificates/verify/${publicId}`)).json().revoked).toBe(false);
  });

  it('answers 400 to unknown fields and 404 to unknown ids', async () => {
    const bad = await call('POST', `/api/admin/certificates/${publicId}/revoke`, admin, {
      reason: 'x',
      userId: 'y',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('validation_failed');
    const unknown = await call(
      'POST',
      '/api/admin/certificates/AAAAAAAAAAAAAAAAAAAAAAAAAA/revoke',
      admin,
      {},
    );
    expect(unknown.statusCode).toBe(404);
  });

  it('lets an admin revoke (idempotently); verification then says revoked', async () => {
    const first = await call('POST', `/api/admin/certificates/${publicId}/revoke`, admin, {
      reason: 'Refunded',
    });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ publicId, revokedAt: expect.any(String), reason: 'Refunded' });

    // Again, with another reason and without a body: the first revocation stands.
    const again = await call('POST', `/api/admin/certificates/${publicId}/revoke`, admin);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(first.json());

    const verified = (await call('GET', `/api/certificates/verify/${publicId}`)).json();
    expect(verified).toMatchObject({
      revoked: true,
      revokedAt: first.json().revokedAt,
      holderName: 'Grace Hopper',
    });
    const mine = (await call('GET', '/api/me/certificates', holder)).json();
    expect(mine.certificates[0].revokedAt).toBe(first.json().revokedAt);
  });
});

describe('the /verify/:publicId page', () => {
  it('gets share tags with the public facts only, and a not-found title for unknown ids', async () => {
    const meta = await findCertificatePageMeta(testDb.db, PUBLIC_URL, `/verify/${publicId}`);
    expect(meta).toMatchObject({ url: `${PUBLIC_URL}/verify/${publicId}`, imageUrl: null });
    expect(meta!.description).toContain('Grace Hopper');
    expect(meta!.description).toContain('Compilers for Everyone');
    expect(meta!.description).not.toContain(holder.email);
    const unknown = await findCertificatePageMeta(
      testDb.db,
      PUBLIC_URL,
      '/verify/AAAAAAAAAAAAAAAAAAAAAAAAAA',
    );
    expect(unknown?.title).toBe('Certificate not found');
    expect(await findCertificatePageMeta(testDb.db, PUBLIC_URL, '/courses/x')).toBeNull();
  });
});
