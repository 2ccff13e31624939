import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionUser, Tx } from '../../server/db/session.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.ts';

// 0016_authoring.sql observed through the tables: the resources lesson type, the slug-suffix
// function, and last_updated_at following the outline (only for request-role writes).
let t: TestDatabase;
let seq = 0;

async function createUser(role: 'student' | 'instructor' | 'admin' = 'student'): Promise<SessionUser> {
  seq += 1;
  const email = `user${seq}-${Date.now()}@example.test`;
  return t.db.asSystem(async (tx) => {
    const { id } = await tx
      .insertInto('auth.users')
      .values({ email })
      .returning('id')
      .executeTakeFirstOrThrow();
    await tx.updateTable('profiles').set({ role }).where('id', '=', id).execute();
    return { id, email };
  });
}

async function createCourse(owner: SessionUser, slug = `course-${++seq}-${Date.now()}`) {
  return t.db.asUser(owner, async (tx) => {
    const course = await tx
      .insertInto('courses')
      .values({
        slug,
        title: 'Touching things',
        description: 'A course about timestamps',
        instructorId: owner.id,
        category: 'programming',
        difficultyLevel: 'beginner',
        priceCents: 0,
        accessType: 'free',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const section = await tx
      .insertInto('courseSections')
      .values({ courseId: course.id, title: 'One', sortOrder: 0 })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { id: course.id, sectionId: section.id };
  });
}

const lastUpdatedAt = async (courseId: string) =>
  (
    await t.db.asSystem((tx) =>
      tx.selectFrom('courses').select('lastUpdatedAt').where('id', '=', courseId).executeTakeFirstOrThrow(),
    )
  ).lastUpdatedAt!.getTime();

/** Moves the course's last_updated_at into the past as the system (which does not count as an edit). */
const backdate = (courseId: string) =>
  t.db.asSystem((tx) =>
    tx
      .updateTable('courses')
      .set({ lastUpdatedAt: new Date('2020-01-01T00:00:00Z') })
      .where('id', '=', courseId)
      .execute(),
  );
const OLD = new Date('2020-01-01T00:00:00Z').getTime();

const suffixFor = (user: SessionUser, base: string) =>
  t.db.asUser(user, async (tx: Tx) => {
    const { rows } = await sql<{
      suffix: number | null;
    }>`select private.free_course_slug_suffix(${base}) as suffix`.execute(tx);
    return rows[0]!.suffix;
  });

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.close());

describe('resources lessons', () => {
  it('accepts content_type resources and still rejects unknown types', async () => {
    const owner = await createUser('instructor');
    const course = await createCourse(owner);
    const insert = (contentType: string) =>
      t.db.asUser(owner, (tx) =>
        tx
          .insertInto('courseLessons')
          .values({
            courseId: course.id,
            sectionId: course.sectionId,
            title: 'Files',
            sortOrder: 0,
            contentType: contentType as 'resources',
            downloadableResources: JSON.stringify([{ name: 'a.pdf', url: '/api/files/x', size: 10 }]),
          })
          .execute(),
      );
    await expect(insert('resources')).resolves.toBeDefined();
    await expect(insert('podcast')).rejects.toThrow(/content_type_check/);
  });
});

describe('private.free_course_slug_suffix', () => {
  it('finds the smallest free suffix across every course, drafts and trashed ones of others included', async () => {
    const owner = await createUser('instructor');
    const other = await createUser('instructor');
    const base = `suffix-${Date.now()}`;
    expect(await suffixFor(owner, base)).toBe(0);
    const taken = await createCourse(other, base); // a draft the owner cannot read
    expect(await suffixFor(owner, base)).toBe(2);
    await createCourse(other, `${base}-2`);
    await createCourse(other, `${base}-4`);
    expect(await suffixFor(owner, base)).toBe(3);
    await t.db.asUser(other, (tx) =>
      tx.updateTable('courses').set({ deletedAt: new Date() }).where('id', '=', taken.id).execute(),
    );
    expect(await suffixFor(owner, base)).toBe(3); // trashed courses keep their slug
  });

  it('answers NULL to a learner and is not callable by anon', async () => {
    const learner = await createUser('student');
    expect(await suffixFor(learner, 'anything')).toBeNull();
    await expect(
      t.db.asAnon((tx) => sql`select private.free_course_slug_suffix('anything')`.execute(tx)),
    ).rejects.toThrow(/permission denied/);
  });
});

describe('last_updated_at follows the outline', () => {
  it('moves when an author adds, edits, reorders or deletes sections and lessons', async () => {
    const owner = await createUser('instructor');
    const course = await createCourse(owner);
    const steps: Array<(tx: Tx) => Promise<unknown>> = [
      (tx) =>
        tx.insertInto('courseSections').values({ courseId: course.id, title: 'Two', sortOrder: 1 }).execute(),
      (tx) =>
        tx.updateTable('courseSections').set({ title: 'Uno' }).where('id', '=', course.sectionId).execute(),
      (tx) =>
        tx
          .insertInto('courseLessons')
          .values({
            courseId: course.id,
            sectionId: course.sectionId,
            title: 'Lesson',
            sortOrder: 0,
            contentType: 'article',
            articleContent: 'Hello',
          })
          .execute(),
      (tx) =>
        tx.updateTable('courseLessons').set({ sortOrder: 5 }).where('courseId', '=', course.id).execute(),
      (tx) =>
        tx
          .updateTable('courseLessons')
          .set({ deletedAt: new Date() })
          .where('courseId', '=', course.id)
          .execute(),
    ];
    for (const step of steps) {
      await backdate(course.id);
      await t.db.asUser(owner, step);
      expect(await lastUpdatedAt(course.id)).toBeGreaterThan(OLD);
    }
  });

  it('does not move when the system recounts (counter triggers) or writes as the service role', async () => {
    const owner = await createUser('instructor');
    const course = await createCourse(owner);
    await backdate(course.id);
    await t.db.asSystem((tx) =>
      tx
        .insertInto('courseLessons')
        .values({
          courseId: course.id,
          sectionId: course.sectionId,
          title: 'Seeded',
          sortOrder: 0,
          contentType: 'video',
          videoUrl: 'https://video.example.test/a.mp4',
          videoDurationSeconds: 120,
        })
        .execute(),
    );
    // The counters moved (the trigger rewrote the section and the course) but not "last updated".
    const row = await t.db.asSystem((tx) =>
      tx
        .selectFrom('courses')
        .select(['lessonCount', 'lastUpdatedAt'])
        .where('id', '=', course.id)
        .executeTakeFirstOrThrow(),
    );
    expect(row).toMatchObject({ lessonCount: 1 });
    expect(row.lastUpdatedAt!.getTime()).toBe(OLD);
  });
});
