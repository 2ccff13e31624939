import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, execAsOwner, type TestDatabase } from '../../../tests/helpers/test-db.ts';
import { connectDatabase, openPGlite } from '../../db/connect.ts';
import { migrate, readMigrations } from '../../db/migrate.ts';
import type { Db, SessionUser, Tx } from '../../db/session.ts';
import { buildCourse, makeUser, type BuiltCourse } from './courses.fixtures.ts';

// Migration 0033's helpers for the course page check readability once per course instead of a
// policy call per row. Each must return exactly what the policies let the same caller read: here
// every persona reads every kind of course both ways — through the helper, and through plain
// queries under row-level security — and the answers must be equal.

let testDb: TestDatabase;
let db: Db;
let owner: SessionUser;
let personas: Record<string, SessionUser | null>;
let courses: Record<string, BuiltCourse>;
let learner: SessionUser;
let lapsed: SessionUser;

const run = <T>(user: SessionUser | null, work: (tx: Tx) => Promise<T>) =>
  user ? db.asUser(user, work) : db.asAnon(work);

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = testDb.db;
  owner = await makeUser(db, 'instructor', 'ada');
  learner = await makeUser(db, 'student', 'grace');
  lapsed = await makeUser(db, 'student', 'alan');
  personas = {
    anon: null,
    owner,
    learner,
    lapsed,
    stranger: await makeUser(db, 'student', 'edsger'),
    otherInstructor: await makeUser(db, 'instructor', 'linus'),
    admin: await makeUser(db, 'admin', 'barbara'),
  };
  courses = {
    published: await buildCourse(db, owner),
    draft: await buildCourse(db, owner, { draft: true }),
    archived: await buildCourse(db, owner),
    deleted: await buildCourse(db, owner),
  };
  await db.asSystem(async (tx) => {
    for (const course of Object.values(courses)) {
      // A deleted lesson in a live section, and a deleted section with a live lesson in it.
      await tx
        .updateTable('courseLessons')
        .set({ deletedAt: new Date() })
        .where('id', '=', course.lessonIds[1]!)
        .execute();
      const hidden = await tx
        .insertInto('courseSections')
        .values({ courseId: course.id, title: 'Gone', sortOrder: 9 })
        .returning('id')
        .executeTakeFirstOrThrow();
      await tx
        .insertInto('courseLessons')
        .values({
          courseId: course.id,
          sectionId: hidden.id,
          title: 'Orphan',
          sortOrder: 0,
          contentType: 'article',
        })
        .execute();
      await tx
        .updateTable('courseSections')
        .set({ deletedAt: new Date() })
        .where('id', '=', hidden.id)
        .execute();
      // A second live lesson with the same sort order: the tie is broken by id on both sides.
      await tx
        .insertInto('courseLessons')
        .values({
          courseId: course.id,
          sectionId: course.sectionIds[1]!,
          title: 'Twin',
          sortOrder: 0,
          contentType: 'video',
          videoDurationSeconds: 60,
          isPreview: true,
        })
        .execute();
      for (const [user, expiresAt] of [
        [learner, null],
        [lapsed, new Date(Date.now() - 86_400_000)],
      ] as const) {
        await tx
          .insertInto('enrollments')
          .values({ userId: user.id, courseId: course.id, accessType: 'free_grant', expiresAt })
          .execute();
        await tx
          .insertInto('lessonProgress')
          .values({
            userId: user.id,
            lessonId: course.lessonIds[0]!,
            status: 'completed',
            timeSpentMinutes: 3,
          } as never)
          .execute();
        await tx
          .insertInto('lessonProgress')
          .values({ userId: user.id, lessonId: course.lessonIds[2]!, status: 'in_progress' } as never)
          .execute();
        await tx
          .insertInto('courseReviews')
          .values({ courseId: course.id, userId: user.id, rating: user === learner ? 5 : 2 })
          .execute();
      }
    }
    await tx
      .updateTable('courses')
      .set({ status: 'archived' })
      .where('id', '=', courses.archived!.id)
      .execute();
    await tx
      .updateTable('courses')
      .set({ deletedAt: new Date() })
      .where('id', '=', courses.deleted!.id)
      .execute();
  });
});

afterAll(async () => {
  await testDb?.close();
});

const cases = () =>
  Object.keys({
    anon: 0,
    owner: 0,
    learner: 0,
    lapsed: 0,
    stranger: 0,
    otherInstructor: 0,
    admin: 0,
  }).flatMap((persona) =>
    ['published', 'draft', 'archived', 'deleted'].map((course) => ({ persona, course })),
  );

/** The live outline as plain queries under RLS read it: what the page showed before 0033. */
async function outlineUnderRls(tx: Tx, courseId: string) {
  const sections = await tx
    .selectFrom('courseSections')
    .where('courseId', '=', courseId)
    .where('deletedAt', 'is', null)
    .orderBy('sortOrder')
    .orderBy('id')
    .select(['id', 'title', 'description', 'sortOrder', 'lessonCount', 'totalDurationMinutes'])
    .execute();
  return Promise.all(
    sections.map(async (section) => ({
      ...section,
      lessons: await tx
        .selectFrom('courseLessons')
        .where('sectionId', '=', section.id)
        .where('deletedAt', 'is', null)
        .orderBy('sortOrder')
        .orderBy('id')
        .select([
          'id',
          'title',
          'description',
          'contentType',
          'sortOrder',
          'videoDurationSeconds as durationSeconds',
          'isPreview',
        ])
        .execute(),
    })),
  );
}

describe('private.course_outline', () => {
  it.each(cases())(
    'gives $persona the outline of the $course course that RLS gives',
    async ({ persona, course }) => {
      const { id } = courses[course]!;
      const { visible, rls, helper } = await run(personas[persona]!, async (tx) => ({
        visible: (await tx.selectFrom('courses').where('id', '=', id).select('id').execute()).length === 1,
        rls: await outlineUnderRls(tx, id),
        helper: (
          await sql<{ outline: unknown }>`select private.course_outline(${id}::uuid) as outline`.execute(tx)
        ).rows[0]!.outline,
      }));
      // NULL exactly when the course row itself is hidden; otherwise the same rows in the same order.
      expect(helper === null).toBe(!visible);
      expect(helper ?? []).toEqual(rls);
    },
  );

  it('control: the cases above include hidden courses, deleted rows and visible outlines', async () => {
    const anonPublished = await run(null, (tx) => outlineUnderRls(tx, courses.published!.id));
    // Twin ties with Deeper on sort_order: their order is the id's, so compare as sets here.
    expect(anonPublished.map((s) => s.lessons.map((l) => l.title).sort())).toEqual([
      ['Welcome'],
      ['Deeper', 'Twin'],
    ]);
    expect(await run(null, (tx) => outlineUnderRls(tx, courses.draft!.id))).toEqual([]);
    expect(await run(learner, (tx) => outlineUnderRls(tx, courses.archived!.id))).toHaveLength(2);
    expect(await run(lapsed, (tx) => outlineUnderRls(tx, courses.archived!.id))).toEqual([]);
  });
});

describe('private.course_profile_cards', () => {
  it.each(cases())(
    'shows $persona, for the $course course, the cards of its instructor and reviewers that RLS shows',
    async ({ persona, course }) => {
      const { id } = courses[course]!;
      const everyone = [owner, learner, lapsed, personas.stranger!, personas.otherInstructor!].map(
        (u) => u.id,
      );
      const { expected, cards, publicCards } = await run(personas[persona]!, async (tx) => {
        const instructor = await tx
          .selectFrom('courses')
          .where('id', '=', id)
          .select('instructorId')
          .execute();
        const reviewers = await tx
          .selectFrom('courseReviews')
          .where('courseId', '=', id)
          .select('userId')
          .execute();
        const cardsOf = async (fn: 'course_profile_cards' | 'public_profile_cards') => {
          const call =
            fn === 'course_profile_cards'
              ? sql`private.course_profile_cards(${id}::uuid, ${everyone}::uuid[])`
              : sql`private.public_profile_cards(${everyone}::uuid[])`;
          const { rows } = await sql<{
            id: string;
            displayName: string;
          }>`select id, display_name, avatar_url, bio from ${call} order by id`.execute(tx);
          return rows;
        };
        return {
          expected: [
            ...new Set([...instructor.map((r) => r.instructorId), ...reviewers.map((r) => r.userId)]),
          ]
            .filter((x) => x !== null)
            .sort(),
          cards: await cardsOf('course_profile_cards'),
          publicCards: await cardsOf('public_profile_cards'),
        };
      });
      expect(cards.map((c) => c.id)).toEqual(expected);
      // Never more than the general card function shows, and the same card.
      for (const card of cards) expect(publicCards).toContainEqual(card);
    },
  );

  it('control: reviewers of the published course get cards, people unrelated to it do not', async () => {
    const ids = [owner.id, learner.id, personas.stranger!.id];
    const { rows } = await run(null, (tx) =>
      sql<{
        id: string;
        displayName: string;
      }>`select id, display_name from private.course_profile_cards(${courses.published!.id}::uuid, ${ids}::uuid[])`.execute(
        tx,
      ),
    );
    expect(rows.map((r) => r.id).sort()).toEqual([owner.id, learner.id].sort());
    expect(rows.every((r) => r.displayName.length > 0)).toBe(true);
  });
});

describe('courses.rating_distribution', () => {
  /** The counters of the course against a recount from its reviews. */
  async function expectTrue(courseId: string) {
    const [row] = (
      await sql<{
        kept: number[];
        recounted: number[];
        total: number;
        average: number;
        n: number;
        avg: number;
      }>`select c.rating_distribution as kept, c.total_reviews as total, c.average_rating::float8 as average,
                array(select count(r.id)::int from generate_series(1, 5) s(star)
                        left join course_reviews r on r.course_id = c.id and r.rating = s.star
                       group by s.star order by s.star) as recounted,
                (select count(*)::int from course_reviews r where r.course_id = c.id) as n,
                (select coalesce(round(avg(rating), 2), 0)::float8 from course_reviews r where r.course_id = c.id) as avg
           from courses c where c.id = ${courseId}::uuid`.execute(testDb.handle.kysely)
    ).rows;
    expect(row!.kept).toEqual(row!.recounted);
    expect(row!.kept.reduce((a, b) => a + b, 0)).toBe(row!.total);
    expect([row!.total, row!.average]).toEqual([row!.n, row!.avg]);
    return row!.kept;
  }

  it('follows reviews added, re-rated, moved to another course and deleted', async () => {
    const a = await buildCourse(db, owner);
    const b = await buildCourse(db, owner);
    expect(await expectTrue(a.id)).toEqual([0, 0, 0, 0, 0]);
    const people = [learner, lapsed, personas.stranger!];
    const ids = await db.asSystem(async (tx) => {
      const out: string[] = [];
      for (const [i, user] of people.entries()) {
        const { id } = await tx
          .insertInto('courseReviews')
          .values({ courseId: a.id, userId: user.id, rating: [5, 3, 5][i]! })
          .returning('id')
          .executeTakeFirstOrThrow();
        out.push(id);
      }
      return out;
    });
    expect(await expectTrue(a.id)).toEqual([0, 0, 1, 0, 2]);

    await db.asSystem((tx) =>
      tx.updateTable('courseReviews').set({ rating: 1 }).where('id', '=', ids[0]!).execute(),
    );
    expect(await expectTrue(a.id)).toEqual([1, 0, 1, 0, 1]);

    await db.asSystem((tx) =>
      tx.updateTable('courseReviews').set({ courseId: b.id }).where('id', '=', ids[1]!).execute(),
    );
    expect(await expectTrue(a.id)).toEqual([1, 0, 0, 0, 1]);
    expect(await expectTrue(b.id)).toEqual([0, 0, 1, 0, 0]);

    await db.asSystem((tx) => tx.deleteFrom('courseReviews').where('id', 'in', [ids[0]!, ids[2]!]).execute());
    expect(await expectTrue(a.id)).toEqual([0, 0, 0, 0, 0]);
    expect(await expectTrue(b.id)).toEqual([0, 0, 1, 0, 0]);
  });

  it('follows a learner editing and deleting their own review through RLS, and nobody else can write it', async () => {
    const course = await buildCourse(db, owner);
    await db.asSystem((tx) =>
      tx
        .insertInto('enrollments')
        .values({ userId: learner.id, courseId: course.id, accessType: 'free_grant' })
        .execute(),
    );
    await db.asUser(learner, (tx) =>
      tx.insertInto('courseReviews').values({ courseId: course.id, rating: 4 }).execute(),
    );
    expect(await expectTrue(course.id)).toEqual([0, 0, 0, 1, 0]);
    await db.asUser(learner, (tx) =>
      tx.updateTable('courseReviews').set({ rating: 2 }).where('courseId', '=', course.id).execute(),
    );
    expect(await expectTrue(course.id)).toEqual([0, 1, 0, 0, 0]);
    // The owner may not set the counter (no column privilege).
    await expect(
      db.asUser(owner, (tx) =>
        tx
          .updateTable('courses')
          .set({ ratingDistribution: [9, 9, 9, 9, 9] } as never)
          .where('id', '=', course.id)
          .execute(),
      ),
    ).rejects.toThrow(/permission denied/);
    await db.asUser(learner, (tx) =>
      tx.deleteFrom('courseReviews').where('courseId', '=', course.id).execute(),
    );
    expect(await expectTrue(course.id)).toEqual([0, 0, 0, 0, 0]);
  });

  it('agrees with the reviews on every course in the database', async () => {
    const { rows } = await sql<{ id: string }>`
      select c.id from courses c
       where c.rating_distribution <> array(select count(r.id)::int from generate_series(1, 5) s(star)
                                              left join course_reviews r on r.course_id = c.id and r.rating = s.star
                                             group by s.star order by s.star)`.execute(testDb.handle.kysely);
    expect(rows).toEqual([]);
    const [{ n }] = (
      await sql<{ n: number }>`select count(*)::int as n from courses where total_reviews > 0`.execute(
        testDb.handle.kysely,
      )
    ).rows as [{ n: number }];
    expect(n).toBeGreaterThan(3); // control: the courses above have reviews
  });

  it('is filled in by the migration for reviews written before it (PGlite, migrated step by step)', async () => {
    const handle = await connectDatabase({ pglite: await openPGlite() });
    try {
      const files = readMigrations();
      await migrate(handle, { files: files.filter((m) => m.name < '0033') });
      await execAsOwner(
        handle,
        `insert into auth.users (email) values ('one@example.test'), ('two@example.test'), ('three@example.test');
         insert into courses (slug, title, description, instructor_id, category, difficulty_level, price_cents,
                              access_type, status, published_at)
           select 'before-0033-' || n, 'Before', 'Reviewed before 0033', (select id from auth.users order by email limit 1),
                  'programming', 'beginner', 0, 'free', 'published', now()
             from generate_series(1, 2) n;
         insert into course_reviews (course_id, user_id, rating)
           select c.id, u.id, case when u.email like 'one%' then 5 when c.slug like '%1' then 2 else 4 end
             from courses c cross join auth.users u;`,
      );
      await migrate(handle, { files });
      const { rows } = await sql<{
        slug: string;
        ratingDistribution: number[];
      }>`select slug, rating_distribution from courses order by slug`.execute(handle.kysely);
      expect(rows).toEqual([
        { slug: 'before-0033-1', ratingDistribution: [0, 2, 0, 0, 1] },
        { slug: 'before-0033-2', ratingDistribution: [0, 0, 0, 2, 1] },
      ]);
    } finally {
      await handle.close();
    }
  });
});
