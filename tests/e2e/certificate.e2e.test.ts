import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionUser } from '../../server/db/session.ts';
import { requestDbFor } from '../../server/platform/auth.ts';
import { revokeCertificate } from '../../server/modules/certificates/certificates.service.ts';
import { callerFor, enrolFree } from '../../server/modules/courses/courses.service.ts';
import {
  buildCourse,
  completeLesson,
  makeUser,
  type BuiltCourse,
} from '../../server/modules/courses/courses.fixtures.ts';
import {
  browsers,
  expectNoHorizontalOverflow,
  screenshot,
  startApp,
  VIEWPORTS,
  watchForProblems,
  type Browser,
  type RunningApp,
} from './harness.ts';

/**
 * Certificate verification: learners complete a course (the database issues their certificates),
 * and an anonymous visitor opens each certificate's /verify/<id> link — one valid, one revoked by
 * an admin, one that does not exist.
 */
describe('certificate verification journey', () => {
  let running: RunningApp;
  let browser: Browser;
  let course: BuiltCourse;
  let valid: { publicId: string; issuedAt: string };
  let revoked: { publicId: string; issuedAt: string };

  async function completeCourse(name: string, displayName: string) {
    const { db } = running.database;
    const learner = await makeUser(db, 'student', name);
    await db.asUser(learner, (tx) =>
      tx.updateTable('profiles').set({ displayName }).where('id', '=', learner.id).execute(),
    );
    await enrolFree(callerFor(db, learner), course.id);
    for (const lesson of course.lessonIds) await completeLesson(db, learner, lesson);
    const certificate = await db.asUser(learner, (tx) =>
      tx
        .selectFrom('certificates')
        .select(['verificationCode', 'issuedAt'])
        .where('userId', '=', learner.id)
        .executeTakeFirstOrThrow(),
    );
    return {
      learner,
      publicId: certificate.verificationCode,
      issuedAt: new Date(certificate.issuedAt).toISOString(),
    };
  }

  beforeAll(async () => {
    browser = browsers();
    running = await startApp();
    const { db } = running.database;
    const instructor = await makeUser(db, 'instructor', 'ada');
    course = await buildCourse(db, instructor, { course: { title: 'Certified Testing' } });
    valid = await completeCourse('grace', 'Grace Hopper');
    revoked = await completeCourse('alan', 'Alan Turing');
    const admin: SessionUser = await makeUser(db, 'admin', 'margaret');
    await revokeCertificate({ user: admin, db: requestDbFor(db, admin) }, revoked.publicId, 'Refunded');
  });

  afterAll(async () => {
    await browser?.close();
    await running?.close();
  });

  const longDate = (iso: string) =>
    new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(iso));

  it('serves the page with share tags naming only the public facts', async () => {
    const html = await (await fetch(`${running.baseUrl}/verify/${valid.publicId}`)).text();
    expect(html).toContain('<title>Verified certificate · UsefulWriter</title>');
    expect(html).toContain('Grace Hopper completed “Certified Testing”');
    expect(html).toContain(`<link rel="canonical" href="${running.baseUrl}/verify/${valid.publicId}" />`);
    expect(html).not.toContain('@example.test');
  });

  it('shows an anonymous visitor the holder, the course and the date of a valid certificate', async () => {
    const page = await (await browser.newProfile(VIEWPORTS.phone)).newPage();
    const problems = watchForProblems(page, () => false);
    await page.goto(`${running.baseUrl}/verify/${valid.publicId.toLowerCase()}`);
    const card = page.getByRole('region', { name: 'Certificate of completion' });
    await card.waitFor();
    await expect(card.getByText('Grace Hopper', { exact: true }).isVisible()).resolves.toBe(true);
    await expect(card.getByText('Certified Testing', { exact: true }).isVisible()).resolves.toBe(true);
    await expect(card.getByText(longDate(valid.issuedAt), { exact: true }).isVisible()).resolves.toBe(true);
    await expect(card.getByText('This certificate is valid.').isVisible()).resolves.toBe(true);
    await expect(card.getByText('Revoked').count()).resolves.toBe(0);
    await expect(page.title()).resolves.toBe('Verified certificate · UsefulWriter');
    await expectNoHorizontalOverflow(page);
    await screenshot(page, 'certificate-verify-valid');
    expect(problems).toEqual([]);
  });

  it('says clearly that a revoked certificate was revoked', async () => {
    const page = await (await browser.newProfile(VIEWPORTS.desktop)).newPage();
    const problems = watchForProblems(page, () => false);
    await page.goto(`${running.baseUrl}/verify/${revoked.publicId}`);
    const card = page.getByRole('region', { name: 'Certificate of completion' });
    await card.waitFor();
    await expect(card.getByText('Alan Turing', { exact: true }).isVisible()).resolves.toBe(true);
    const status = card.getByRole('status');
    await expect(status.textContent()).resolves.toMatch(
      /Revoked\s*This certificate was revoked on .+ and is no longer valid\./,
    );
    await expect(card.getByText('This certificate is valid.').count()).resolves.toBe(0);
    await expect(page.title()).resolves.toBe('Revoked certificate · UsefulWriter');
    await screenshot(page, 'certificate-verify-revoked');
    expect(problems).toEqual([]);
  });

  it('shows a not-found state for an unknown id', async () => {
    const page = await (await browser.newProfile(VIEWPORTS.desktop)).newPage();
    const problems = watchForProblems(
      page,
      (url, status) => url.includes('/api/certificates/verify/') && status === 404,
    );
    await page.goto(`${running.baseUrl}/verify/AAAAAAAAAAAAAAAAAAAAAAAAAA`);
    await page.getByRole('heading', { level: 1, name: 'Certificate not found' }).waitFor();
    await expect(page.getByRole('region', { name: 'Certificate of completion' }).count()).resolves.toBe(0);
    expect(problems).toEqual([]);
  });
});
