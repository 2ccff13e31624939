import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CourseCard, CourseList } from '../../../contracts/catalog.ts';
import { TEST_JWT_SECRET, testConfig } from '../../../tests/helpers/test-app.ts';
import { createTestDatabase, type TestDatabase } from '../../../tests/helpers/test-db.ts';
import { buildApp, type App } from '../../app.ts';
import type { Db, SessionUser } from '../../db/session.ts';
import { signAccessToken } from '../../platform/auth.ts';
import { makeUser, uniqueSuffix } from '../courses/courses.fixtures.ts';
import { insertCatalogCourse, type CatalogCourseSpec } from './catalog.fixtures.ts';

let testDb: TestDatabase;
let db: Db;
let app: App;
let instructor: SessionUser;
let admin: SessionUser;
let student: SessionUser;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = testDb.db;
  instructor = await makeUser(db, 'instructor', 'ada');
  admin = await makeUser(db, 'admin', 'root');
  student = await makeUser(db, 'student', 'grace');
  app = buildApp({ config: testConfig(), db });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await testDb?.close();
});

async function get(query: Record<string, string | number | boolean | undefined>, user?: SessionUser) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const headers = user ? { authorization: `Bearer ${await signAccessToken(TEST_JWT_SECRET, user, 60)}` } : {};
  return app.inject({ method: 'GET', url: `/api/courses?${params}`, headers });
}

async function list(query: Record<string, string | number | boolean | undefined>, user?: SessionUser) {
  const res = await get(query, user);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<CourseList>();
}

const ids = (page: { items: CourseCard[] }) => page.items.map((c) => c.id);

/** Every page of a listing, following nextCursor; `between` runs before each next page. */
async function allPages(
  query: Record<string, string | number | undefined>,
  between: () => Promise<void> = async () => {},
) {
  const seen: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 50; page++) {
    const result = await list({ ...query, cursor });
    seen.push(...ids(result));
    if (!result.nextCursor) return seen;
    cursor = result.nextCursor;
    await between();
  }
  throw new Error('more than 50 pages');
}

/** A category of its own, so a test sees only its own courses. */
const freshCategory = () => `cat-${uniqueSuffix()}`;
const add = (spec: CatalogCourseSpec = {}, who: SessionUser = instructor) =>
  insertCatalogCourse(db, who, spec);

describe('search relevance', () => {
  it('ranks a title match above a description-only match, and finds tags and instructor names', async () => {
    const category = freshCategory();
    const inDescription = await add({
      category,
      title: 'Gardening for everyone',
      description: 'We also touch on quokkaformatics now and then.',
    });
    const inTitle = await add({ category, title: 'Quokkaformatics in depth', description: 'All about it.' });
    const inTag = await add({ category, title: 'Marsupial data', tags: ['quokkaformatics'] });
    const unrelated = await add({ category, title: 'Pottery', description: 'Clay and wheels.' });

    const result = await list({ q: 'quokkaformatics', category });
    expect(ids(result)).toEqual([inTitle.id, inTag.id, inDescription.id]);
    expect(ids(result)).not.toContain(unrelated.id);

    const teacher = await makeUser(db, 'instructor', 'zebulonia');
    const theirs = await add({ category, title: 'Knots' }, teacher);
    expect(ids(await list({ q: 'zebulonia', category }))).toEqual([theirs.id]);
  });

  it('matches the last word as a prefix while it is typed, and stems whole words', async () => {
    const category = freshCategory();
    const course = await add({ category, title: 'Programming with spreadsheets' });
    for (const q of [
      'progr',
      'programm',
      'programming',
      'spreadsheet',
      'programs',
      'spreadsheets programm',
    ]) {
      expect(ids(await list({ q, category })), q).toEqual([course.id]);
    }
    // Web-search syntax: exclusion and quoted phrases.
    expect(ids(await list({ q: 'programming -spreadsheets', category }))).toEqual([]);
    expect(ids(await list({ q: '"programming with spreadsheets"', category }))).toEqual([course.id]);
    expect(ids(await list({ q: '"spreadsheets programming"', category }))).toEqual([]);
  });

  it('ranks a strong title match first among many description-only matches, across pages', async () => {
    const category = freshCategory();
    const weak = [];
    for (let i = 0; i < 30; i++)
      weak.push(
        await add({
          category,
          title: `Crafts volume ${i}`,
          description: `Wool, wood and now and then a little marquetryx, part ${i}.`,
        }),
      );
    const strong = await add({ category, title: 'Marquetryx for beginners', description: 'Inlays.' });
    const pages = await allPages({ q: 'marquetryx', category, limit: 7 });
    expect(pages[0]).toBe(strong.id);
    expect(new Set(pages)).toEqual(new Set([strong.id, ...weak.map((c) => c.id)]));
    expect(pages).toHaveLength(31);
    // While the word is still being typed, too.
    expect(ids(await list({ q: 'marquet', category, limit: 3 }))[0]).toBe(strong.id);
  });

  it('forgives a typo in a title only when the words as typed find few courses', async () => {
    const category = freshCategory();
    const byWord = [];
    for (let i = 0; i < 3; i++)
      byWord.push(await add({ category, title: `Pens ${i}`, description: 'All about quillfeather nibs.' }));
    const typo = await add({ category, title: 'Quilfeather basics' });
    // Three courses have the word: below the default threshold, the similar title is found too.
    expect(new Set(ids(await list({ q: 'quillfeather', category })))).toEqual(
      new Set([...byWord.map((c) => c.id), typo.id]),
    );
    const search = (below: number) =>
      db.asAnon(async (tx) => {
        const { rows } = await sql<{ id: string }>`
          select id from private.search_published_courses('quillfeather', ${below}::int)`.execute(tx);
        return new Set(rows.map((r) => r.id));
      });
    // At or above the threshold the words found enough: no trigram search, no typo match.
    expect(await search(3)).toEqual(new Set(byWord.map((c) => c.id)));
    expect(await search(4)).toEqual(new Set([...byWord.map((c) => c.id), typo.id]));
  });

  it('tolerates a typo in a title word (trigram similarity)', async () => {
    const category = freshCategory();
    const course = await add({ category, title: 'Kubernetes administration' });
    expect(ids(await list({ q: 'kubernetis', category }))).toEqual([course.id]);
    expect(ids(await list({ q: 'adminstration', category }))).toEqual([course.id]);
    expect(ids(await list({ q: 'xylophone', category }))).toEqual([]);
  });

  it('follows an instructor rename into the search document', async () => {
    const category = freshCategory();
    const teacher = await makeUser(db, 'instructor', 'bartholomew');
    const course = await add({ category }, teacher);
    expect(ids(await list({ q: 'bartholomew', category }))).toEqual([course.id]);
    await db.asSystem((tx) =>
      tx
        .updateTable('profiles')
        .set({ displayName: 'Philippa Renamed' })
        .where('id', '=', teacher.id)
        .execute(),
    );
    expect(ids(await list({ q: 'bartholomew', category }))).toEqual([]);
    expect(ids(await list({ q: 'philippa', category }))).toEqual([course.id]);
  });
});

describe('visibility', () => {
  it('never lists draft, archived or trashed courses, to anon, the owner or an admin', async () => {
    const category = freshCategory();
    const title = 'Invisible ink chemistry';
    const live = await add({ category, title });
    await add({ category, title, status: 'draft' });
    await add({ category, title, status: 'archived' });
    await add({ category, title, deleted: true });
    await add({ category, title, status: 'archived', deleted: true });
    for (const user of [undefined, instructor, admin, student]) {
      expect(ids(await list({ category }, user))).toEqual([live.id]);
      expect(ids(await list({ category, q: 'invisible ink' }, user))).toEqual([live.id]);
      expect(ids(await list({ category, q: 'chemist' }, user))).toEqual([live.id]);
      const facets = (await list({ category, facets: true }, user)).facets!;
      expect(facets.total).toBe(1);
      expect(facets.difficulties).toEqual([{ value: 'beginner', count: 1 }]);
      // The category facet ignores the category filter: it counts this category's one course.
      expect(facets.categories).toContainEqual({ value: category, count: 1 });
    }
  });
});

describe('filters', () => {
  it('filters by category, difficulty, price, language and minimum rating', async () => {
    const category = freshCategory();
    const a = await add({
      category,
      difficultyLevel: 'advanced',
      priceCents: 4900,
      language: 'fr',
      averageRating: 4.6,
    });
    const b = await add({ category, difficultyLevel: 'beginner', language: 'en', averageRating: 3.9 });
    const c = await add({
      category,
      difficultyLevel: 'advanced',
      priceCents: 0,
      language: 'en',
      averageRating: 4,
    });
    const d = await add({ category, accessType: 'subscription', priceCents: 1500, averageRating: 5 });
    const sorted = (page: CourseList) => ids(page).sort();
    const expectIds = async (query: Record<string, string | number>, expected: { id: string }[]) =>
      expect(sorted(await list({ category, ...query })), JSON.stringify(query)).toEqual(
        expected.map((x) => x.id).sort(),
      );

    await expectIds({}, [a, b, c, d]);
    await expectIds({ difficulty: 'advanced' }, [a, c]);
    await expectIds({ price: 'free' }, [b, c]);
    await expectIds({ price: 'paid' }, [a, d]);
    await expectIds({ language: 'fr' }, [a]);
    await expectIds({ minRating: 4 }, [a, c, d]);
    await expectIds({ minRating: 4.5 }, [a, d]);
    await expectIds({ minRating: 4.5, price: 'paid', difficulty: 'advanced', language: 'fr' }, [a]);
    expect(ids(await list({ category: freshCategory() }))).toEqual([]);

    // Each facet applies every filter but its own.
    const facets = (await list({ category, difficulty: 'advanced', facets: true })).facets!;
    expect(facets.total).toBe(2);
    expect(facets.difficulties).toEqual([
      { value: 'advanced', count: 2 },
      { value: 'beginner', count: 2 },
    ]);
    expect(facets.categories).toContainEqual({ value: category, count: 2 });
    const searched = (await list({ category, minRating: 4.5, facets: true })).facets!;
    expect(searched.total).toBe(2);
    expect(searched.difficulties).toEqual([
      { value: 'advanced', count: 1 },
      { value: 'beginner', count: 1 },
    ]);
  });

  it('answers 400 validation_failed for bad filter values and a limit above 50', async () => {
    for (const query of [
      { difficulty: 'expert' },
      { price: 'cheap' },
      { minRating: 6 },
      { language: 'English' },
      { sort: 'random' },
      { limit: 51 },
      { q: 'x'.repeat(201) },
      { sort: 'relevance' },
    ]) {
      const res = await get(query);
      expect(res.statusCode, JSON.stringify(query)).toBe(400);
      expect(res.json().error.code).toBe('validation_failed');
    }
  });
});

describe('sorts', () => {
  it('orders by every sort, ties broken by id', async () => {
    const category = freshCategory();
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    const specs: CatalogCourseSpec[] = [
      { enrollmentCount: 5, averageRating: 4.5, totalReviews: 10, priceCents: 1000 },
      { enrollmentCount: 50, averageRating: 4.5, totalReviews: 30, priceCents: 0 },
      { enrollmentCount: 5, averageRating: 3, totalReviews: 2, priceCents: 1000 },
      { enrollmentCount: 0, averageRating: 5, totalReviews: 1, priceCents: 9900 },
    ];
    type Row = CatalogCourseSpec & { id: string };
    const courses: Row[] = [];
    for (const [i, spec] of specs.entries())
      courses.push({
        ...spec,
        ...(await add({ ...spec, category, publishedAt: new Date(t0 + i * 60_000) })),
      });
    const byId = (x: { id: string }, y: { id: string }) => (x.id < y.id ? -1 : 1);
    const desc =
      (...keys: ((c: Row) => number)[]) =>
      (x: Row, y: Row) => {
        for (const key of keys) if (key(x) !== key(y)) return key(y) - key(x);
        return -byId(x, y);
      };
    const expected = {
      newest: [...courses].reverse(),
      popular: [...courses].sort(desc((c) => c.enrollmentCount!)),
      rating: [...courses].sort(
        desc(
          (c) => c.averageRating!,
          (c) => c.totalReviews!,
        ),
      ),
      price_desc: [...courses].sort(desc((c) => c.priceCents!)),
      price_asc: [...courses].sort((x, y) => x.priceCents! - y.priceCents! || byId(x, y)),
    };
    for (const [sort, order] of Object.entries(expected)) {
      expect(ids(await list({ category, sort })), sort).toEqual(order.map((c) => c.id));
      // The same order page by page.
      expect(await allPages({ category, sort, limit: 1 }), sort).toEqual(order.map((c) => c.id));
    }
    // Without a search the default is newest first; with one, relevance.
    expect(ids(await list({ category }))).toEqual(expected.newest.map((c) => c.id));
  });
});

describe('keyset pagination', () => {
  it('never repeats or skips a course while courses are added between pages, in every sort', async () => {
    const sorts = ['newest', 'popular', 'rating', 'price_asc', 'price_desc', 'relevance'] as const;
    for (const sort of sorts) {
      const category = freshCategory();
      let n = 0;
      // Equal keys on purpose (ties must break by id), words for the relevance sort.
      const spec = (): CatalogCourseSpec => ({
        category,
        title: n % 3 === 0 ? 'Origami basics' : 'Origami',
        description: n % 2 === 0 ? 'Folding origami paper.' : 'Folding paper.',
        enrollmentCount: (n * 7) % 5,
        averageRating: ((n * 3) % 5) + (n % 2) * 0.5,
        totalReviews: n % 3,
        priceCents: ((n++ * 11) % 4) * 500,
      });
      for (let i = 0; i < 13; i++) await add(spec());
      const query = { category, sort, limit: 3, ...(sort === 'relevance' ? { q: 'origami' } : {}) };
      const before = await allPages({ ...query, limit: 50 });
      expect(before).toHaveLength(13);

      const paged = await allPages(query, async () => {
        // New courses land anywhere in the order (same keys, bigger, smaller).
        await add(spec());
        await add(spec());
      });
      expect(new Set(paged).size, `${sort}: repeated a course`).toBe(paged.length);
      expect(
        paged.filter((id) => before.includes(id)),
        `${sort}: skipped or reordered a course`,
      ).toEqual(before);
    }
  });

  it('answers 400 invalid_cursor to a tampered, foreign or stale cursor', async () => {
    const category = freshCategory();
    for (let i = 0; i < 3; i++) await add({ category, title: 'Juggling' });
    const first = await list({ category, limit: 1 });
    const cursor = first.nextCursor!;
    expect((await get({ category, limit: 1, cursor })).statusCode).toBe(200);

    const payload = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const reencode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const tampered = [
      'garbage',
      reencode('not an array'),
      reencode([...payload.slice(0, 2), ['1 or 1=1'], ...payload.slice(3)]),
      reencode([...payload.slice(0, 3), 'not-a-uuid', payload[4]]),
      reencode([...payload.slice(0, 4), 'another-print']),
      reencode([payload[0], 'price_asc', ...payload.slice(2)]),
      cursor.slice(0, -4),
    ];
    for (const bad of tampered) {
      const res = await get({ category, limit: 1, cursor: bad });
      expect(res.statusCode, bad).toBe(400);
      expect(res.json().error.code, bad).toBe('invalid_cursor');
    }
    // A cursor belongs to its search, filters and sort.
    for (const other of [
      { category: freshCategory() },
      { category, sort: 'popular' },
      { category, q: 'juggling' },
      { category, price: 'free' },
    ]) {
      const res = await get({ ...other, limit: 1, cursor });
      expect(res.statusCode, JSON.stringify(other)).toBe(400);
      expect(res.json().error.code).toBe('invalid_cursor');
    }
    // Not SQL-shaped either: characters outside base64url are refused by the schema.
    expect((await get({ category, cursor: "x' or '1'='1" })).json().error.code).toBe('validation_failed');
  });
});
