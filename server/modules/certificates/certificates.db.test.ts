import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../tests/helpers/test-db.ts';
import type { Db, SessionUser } from '../../db/session.ts';
import { callerFor, enrolFree } from '../courses/courses.service.ts';
import { buildCourse, completeLesson, makeUser, type BuiltCourse } from '../courses/courses.fixtures.ts';

// Issuing happens in the database (0019): these tests drive it the way the app does — a learner's
// progress completes the enrolment — and read the result as the system.

let testDb: TestDatabase;
let db: Db;
let owner: SessionUser;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = testDb.db;
  owner = await makeUser(db, 'instructor', 'ada');
});

afterAll(async () => {
  await testDb?.close();
});

async function enrol(learner: SessionUser, course: BuiltCourse) {
  await enrolFree(callerFor(db, learner), course.id);
}

async function certificatesOf(userId: string) {
  return db.asSystem((tx) =>
    tx.selectFrom('certificates').selectAll().where('userId', '=', userId).execute(),
  );
}

async function enrollmentOf(userId: string, courseId: string) {
  return db.asSystem((tx) =>
    tx
      .selectFrom('enrollments')
      .selectAll()
      .where('userId', '=', userId)
      .where('courseId', '=', courseId)
      .executeTakeFirstOrThrow(),
  );
}

describe('certificate issuing (0019)', () => {
  it('issues exactly one certificate when the enrolment completes, with an unguessable public id', async () => {
    const course = await buildCourse(db, owner, { course: { title: 'Clear Writing' } });
    const learner = await makeUser(db, 'student', 'grace');
    await db.asUser(learner, (tx) =>
      tx.updateTable('profiles').set({ displayName: 'Grace H.' }).where('id', '=', learner.id).execute(),
    );
    await enrol(learner, course);
    const [first, second, third] = course.lessonIds as [string, string, string];
    await completeLesson(db, learner, first);
    await completeLesson(db, learner, second);
    expect(await certificatesOf(learner.id)).toHaveLength(0); // not complete yet

    await completeLesson(db, learner, third);
    const [cert, ...more] = await certificatesOf(learner.id);
    expect(more).toHaveLength(0);
    const enrollment = await enrollmentOf(learner.id, course.id);
    expect(enrollment.isCompleted).toBe(true);
    expect(cert).toMatchObject({
      courseId: course.id,
      enrollmentId: enrollment.id,
      holderName: 'Grace H.',
      courseTitle: 'Clear Writing',
      revokedAt: null,
    });
    expect(cert!.instructorName).toMatch(/^Ada /);
    // 26 base32 characters: 130 bits.
    expect(cert!.verificationCode).toMatch(/^[A-Z2-7]{26}$/);
    expect(enrollment).toMatchObject({
      certificateIssued: true,
      certificateId: cert!.verificationCode,
      certificateUrl: `/verify/${cert!.verificationCode}`,
    });

    // Later progress (a recount) and a re-completion never issue a second one.
    await db.asSystem((tx) =>
      tx
        .updateTable('enrollments')
        .set({ isCompleted: false, completedAt: null })
        .where('id', '=', enrollment.id)
        .execute(),
    );
    await db.asSystem((tx) =>
      tx
        .updateTable('enrollments')
        .set({ isCompleted: true, completedAt: new Date() })
        .where('id', '=', enrollment.id)
        .execute(),
    );
    const after = await certificatesOf(learner.id);
    expect(after.map((c) => c.verificationCode)).toEqual([cert!.verificationCode]);
  });

  it('issues none for a course without a certificate', async () => {
    const course = await buildCourse(db, owner, { course: { hasCertificate: false } });
    const learner = await makeUser(db, 'student', 'linus');
    await enrol(learner, course);
    for (const lesson of course.lessonIds) await completeLesson(db, learner, lesson);
    expect((await enrollmentOf(learner.id, course.id)).isCompleted).toBe(true);
    expect(await certificatesOf(learner.id)).toHaveLength(0);
    expect((await enrollmentOf(learner.id, course.id)).certificateIssued).toBe(false);
  });

  it('public ids are all different', async () => {
    const codes = await db.asSystem(async (tx) => {
      const { rows } = await sql<{ code: string }>`
        select private.new_certificate_code() as code from generate_series(1, 500)`.execute(tx);
      return rows.map((r) => r.code);
    });
    expect(new Set(codes).size).toBe(500);
    for (const code of codes) expect(code).toMatch(/^[A-Z2-7]{26}$/);
  });

  it('concurrent completions issue one certificate', async () => {
    const course = await buildCourse(db, owner);
    const learner = await makeUser(db, 'student', 'edsger');
    await enrol(learner, course);
    const [first, ...rest] = course.lessonIds as [string, ...string[]];
    await completeLesson(db, learner, first);
    // The last two lessons complete at the same time, in separate transactions.
    await Promise.all(rest.map((lesson) => completeLesson(db, learner, lesson)));
    expect(await certificatesOf(learner.id)).toHaveLength(1);

    // Many writers racing to issue for the same completed enrolment: still one.
    const enrollment = await enrollmentOf(learner.id, course.id);
    await db.asSystem((tx) =>
      tx.deleteFrom('certificates').where('enrollmentId', '=', enrollment.id).execute(),
    );
    await Promise.all(
      Array.from({ length: 6 }, () =>
        db.asSystem((tx) => sql`select private.issue_certificate(${enrollment.id}::uuid)`.execute(tx)),
      ),
    );
    expect(await certificatesOf(learner.id)).toHaveLength(1);
  });

  it('learners and request roles cannot write certificates or call the issuer', async () => {
    const learner = await makeUser(db, 'student', 'barbara');
    const course = await buildCourse(db, owner);
    await enrol(learner, course);
    const enrollment = await enrollmentOf(learner.id, course.id);
    await expect(
      db.asUser(learner, (tx) => sql`select private.issue_certificate(${enrollment.id}::uuid)`.execute(tx)),
    ).rejects.toThrow(/permission denied/);
    await expect(
      db.asUser(learner, (tx) =>
        sql`select * from private.revoke_certificate('AAAAAAAAAAAAAAAAAAAAAAAAAA', null)`.execute(tx),
      ),
    ).rejects.toThrow(/only administrators/);
    expect(await certificatesOf(learner.id)).toHaveLength(0);
  });
});
