/**
 * Issue 4: what browsing and searching the catalogue costs over 10,000 published courses, through
 * the real HTTP API (GET /api/courses), anonymous and signed in, 50 connections, beside the very
 * same SQL run by pgbench in the same run. `npm run bench:catalog`. Not a test: it prints numbers.
 *
 * The rounds, the other-load reading and the ratio arithmetic are bench/harness.ts's (see the
 * course page benchmark and bench/README.md).
 *
 * Environment: as bench/course-page.bench.ts (BENCH_ROUNDS, BENCH_SECONDS, BENCH_WARMUP_SECONDS,
 * BENCH_DATABASE_URL, BENCH_POOL_SIZE, BENCH_LOG_LEVEL), plus
 *   BENCH_ENGINES    default `postgres` here; `pglite` too runs the HTTP cases on PGlite (no pgbench)
 *   BENCH_COURSES    published courses to seed (default 10000)
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { sql } from 'kysely';
import pg from 'pg';
import { courseListQuerySchema } from '../contracts/catalog.ts';
import { connectDatabase, openPGlite, type DatabaseHandle } from '../server/db/connect.ts';
import { migrate } from '../server/db/migrate.ts';
import { claimsFor, createDb, prologue, type Db, type SessionUser } from '../server/db/session.ts';
import { insertSession } from '../server/modules/accounts/accounts.queries.ts';
import { catalogPageQuery } from '../server/modules/catalog/catalog.queries.ts';
import { catalogRequest } from '../server/modules/catalog/catalog.service.ts';
import { signAccessToken } from '../server/platform/auth.ts';
import { createAccount } from '../server/seed/accounts.ts';
import {
  ADMIN_URL,
  CONNECTIONS,
  find,
  fmt,
  httpCase,
  JWT_SECRET,
  log,
  LOG_LEVEL,
  median,
  pgbenchCase,
  pgbenchScript,
  POOL_SIZE,
  ratio,
  results,
  ROUNDS,
  runRounds,
  SECONDS,
  startApp,
  type Case,
} from './harness.ts';

const ENGINES = (process.env.BENCH_ENGINES ?? 'postgres').split(',').map((e) => e.trim());
const COURSES = Number(process.env.BENCH_COURSES ?? 10_000);
const INSTRUCTORS = 50;
const BENCH_DB = 'uw_bench_catalog';

/** A filtered, sorted page of 20: one category, highest rated first. */
const BROWSE = { category: 'programming', sort: 'rating', limit: '20' };
/** A two-word search as typed (the last word a prefix), best match first. */
const SEARCH = { q: 'python data', limit: '20' };
const SEARCH_PGBENCH = 'search, pgbench -M prepared -c 8';
/**
 * The search function as migration 0027 left it (before 0032 gated the trigram search), created
 * under another name in the bench database only, so that the same rounds measure both.
 */
const SEARCH_0027 = 'search, pgbench -M prepared -c 8, search function of 0027';
const FUNCTION_0027 = 'private.bench_search_published_courses_0027';

function createFunction0027(): string {
  const text = readFileSync(
    new URL('../db/migrations/0027_faster_catalog_search.sql', import.meta.url),
    'utf8',
  );
  const start = text.indexOf('CREATE OR REPLACE FUNCTION private.search_published_courses(');
  const end = text.indexOf('END $$;', start);
  if (start < 0 || end < 0) throw new Error('0027 search function not found');
  return text
    .slice(start, end + 'END $$;'.length)
    .replace('private.search_published_courses(', `${FUNCTION_0027}(`);
}

const CATEGORIES = [
  'programming',
  'data',
  'design',
  'business',
  'marketing',
  'music',
  'photography',
  'writing',
  'languages',
  'health',
  'finance',
  'science',
];

/**
 * 50 instructors, then COURSES published courses with varied words, metrics and dates in one
 * INSERT … SELECT (every course trigger fires: audit, instructor name, status, search document),
 * plus 10% drafts, 5% archived and 5% trashed that must never be listed.
 */
async function seedCatalog(db: Db): Promise<SessionUser> {
  const instructors: string[] = [];
  for (let i = 0; i < INSTRUCTORS; i++) {
    const user = await createAccount(db, {
      email: `bench-instructor-${i}@example.test`,
      password: `bench-password-${i}`,
      fullName: `${['Ada', 'Grace', 'Linus', 'Barbara', 'Ken', 'Margaret', 'Guido', 'Anders', 'Rich', 'Sophie'][i % 10]} ${['Lovelace', 'Hopper', 'Torvalds', 'Liskov', 'Thompson', 'Hamilton', 'Rossum', 'Hejlsberg', 'Hickey', 'Wilson'][Math.floor(i / 5) % 10]} ${i}`,
      role: 'instructor',
    });
    instructors.push(user.id);
  }
  const learner = await createAccount(db, {
    email: 'bench-learner@example.test',
    password: 'bench-password-learner',
    fullName: 'Bench Learner',
    role: 'student',
  });
  const total = Math.round(COURSES / 0.8);
  await db.asSystem(async (tx) => {
    // Deterministic: the same catalogue every run.
    await sql`select setseed(0.42)`.execute(tx);
    await sql`
      with words as (
        select array['Python','JavaScript','TypeScript','Rust','Go','SQL','PostgreSQL','React','Data','Machine',
                     'Learning','Statistics','Design','Marketing','Guitar','Piano','Photography','Writing','Spanish',
                     'French','Yoga','Finance','Investing','Excel','Docker','Kubernetes','Cloud','Security','Testing',
                     'Algorithms','Networks','Physics','Chemistry','Biology','Drawing','Video','Productivity',
                     'Leadership','Negotiation','Analytics','Visualization','Science','Web','Mobile','Games'] as topic,
               array['Introduction to','Mastering','Practical','Complete','Modern','Advanced','Hands-on',
                     'Essential','Applied','Fundamentals of'] as prefix,
               array['for Beginners','in Practice','Bootcamp','from Zero','Deep Dive','Masterclass','Projects',
                     'Crash Course','the Right Way','Workshop'] as suffix,
               array['learn','build','understand','practice','explore','projects','real','world','skills',
                     'examples','step','guide','hands','exercises','tools','techniques','professional',
                     'career','confidence','fundamentals','patterns','quizzes','analysis','performance'] as filler
      ),
      n as (select g, random() as r1, random() as r2, random() as r3, random() as r4, random() as r5
              from generate_series(1, ${total}::int) g)
      insert into public.courses (slug, title, subtitle, description, instructor_id, category, tags,
                                  difficulty_level, price_cents, access_type, language, status, published_at,
                                  deleted_at, enrollment_count, average_rating, total_reviews)
      select 'bench-course-' || g,
             w.prefix[1 + (g % 10)] || ' ' || w.topic[1 + floor(r1 * 45)::int] || ' '
               || w.topic[1 + floor(r2 * 45)::int] || ' ' || w.suffix[1 + (g / 10 % 10)],
             'Learn ' || w.topic[1 + floor(r3 * 45)::int] || ' with ' || w.topic[1 + floor(r4 * 45)::int],
             (select string_agg(case when k % 7 = 0 then w.topic[1 + floor(random() * 45)::int]
                                     else w.filler[1 + floor(random() * 24)::int] end, ' ')
                from generate_series(1, 60 + g % 40) k where g > 0),
             (${instructors}::uuid[])[1 + g % ${INSTRUCTORS}],
             (${CATEGORIES}::text[])[1 + floor(r5 * ${CATEGORIES.length})::int],
             array[lower(w.topic[1 + floor(r2 * 45)::int]), lower(w.topic[1 + floor(r4 * 45)::int])],
             (array['beginner','intermediate','advanced'])[1 + g % 3],
             case when g % 4 = 0 then 0 else 900 + (g % 20) * 500 end,
             case when g % 4 = 0 then 'free' else 'paid' end,
             (array['en','en','en','es','fr','de'])[1 + g % 6],
             case when g % 20 = 1 then 'archived' when g % 10 = 2 then 'draft' else 'published' end,
             case when g % 10 = 2 then null
                  else now() - (g * interval '2 hours') - (r1 * interval '1 hour') end,
             case when g % 20 = 3 then now() end,
             floor(r3 * r3 * 5000)::int,
             round((2.5 + r4 * 2.5)::numeric, 2),
             floor(r5 * 400)::int
        from n, words w`.execute(tx);
  });
  return db.asSystem(async (tx) => {
    const session = await insertSession(tx, {
      userId: learner.id,
      ip: '127.0.0.1',
      userAgent: 'catalog.bench',
      expiresAt: new Date(Date.now() + 24 * 3600 * 1000),
    });
    return { ...learner, sessionId: session.id };
  });
}

/** Answers 200 with a full page of 20 for anon and signed in, the same items for both. */
async function checkRoute(url: string, token: string) {
  const bodies: string[] = [];
  for (const auth of [undefined, token]) {
    const res = await fetch(url, auth ? { headers: { authorization: `Bearer ${auth}` } } : {});
    if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}: ${await res.text()}`);
    const body = (await res.json()) as { items: unknown[] };
    if (body.items.length !== 20) throw new Error(`GET ${url} gave ${body.items.length} items, not 20`);
    bodies.push(JSON.stringify(body));
  }
  if (bodies[0] !== bodies[1]) throw new Error(`GET ${url}: anon and signed-in pages differ`);
}

async function benchEngine(engine: 'pglite' | 'postgres') {
  let handle: DatabaseHandle;
  let url: string | undefined;
  if (engine === 'pglite') {
    handle = await connectDatabase({ pglite: await openPGlite() });
  } else {
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    try {
      await admin.connect();
    } catch (error) {
      log(`[postgres] skipped: cannot connect to ${ADMIN_URL} (${(error as Error).message})`);
      return;
    }
    await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DB} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${BENCH_DB}`);
    await admin.end();
    const parsed = new URL(ADMIN_URL);
    parsed.pathname = `/${BENCH_DB}`;
    url = parsed.toString();
    handle = await connectDatabase({ databaseUrl: url, poolSize: POOL_SIZE });
  }
  log(`[${engine}] migrating and seeding ${COURSES} published courses`);
  await migrate(handle);
  const db = createDb(handle);
  const started = performance.now();
  const user = await seedCatalog(db);
  log(`[${engine}] seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (url) {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query('VACUUM ANALYZE');
    await c.query(createFunction0027());
    await c.end();
  }
  const token = await signAccessToken(JWT_SECRET, user, 24 * 3600, user.sessionId);
  const app = await startApp(db);
  const browseUrl = `${app.base}/api/courses?${new URLSearchParams(BROWSE)}`;
  const searchUrl = `${app.base}/api/courses?${new URLSearchParams(SEARCH)}`;
  await checkRoute(browseUrl, token);
  await checkRoute(searchUrl, token);

  const cases: Case[] = [
    httpCase(engine, 'browse, route anon', browseUrl),
    httpCase(engine, 'browse, route signed-in', browseUrl, token),
    httpCase(engine, 'search, route anon', searchUrl),
    httpCase(engine, 'search, route signed-in', searchUrl, token),
  ];
  if (url) {
    // The very SQL the route runs (same builder, same values), as the owner without RLS, and once
    // more inside the product's RLS prologue as the signed-in viewer.
    for (const [name, query] of [
      ['browse', BROWSE],
      ['search', SEARCH],
    ] as const) {
      const compiled = catalogPageQuery(
        handle.kysely,
        catalogRequest(courseListQuerySchema.parse(query)).request,
      ).compile();
      const { script, defines } = pgbenchScript(compiled.sql, compiled.parameters);
      cases.push(
        pgbenchCase(
          engine,
          `${name}, pgbench -M prepared -c 8`,
          url,
          `${script};\n`,
          defines,
          'owner, no RLS',
        ),
      );
      if (name === 'search')
        cases.push(
          pgbenchCase(
            engine,
            SEARCH_0027,
            url,
            `${script.replace('private.search_published_courses(', `${FUNCTION_0027}(`)};\n`,
            defines,
            "owner, no RLS; the page SQL with 0027's search function",
          ),
        );
      if (name === 'browse')
        cases.push(
          pgbenchCase(
            engine,
            `${name}, pgbench -M prepared -c 8, RLS`,
            url,
            `${prologue('authenticated', claimsFor(user))};\n${script};\nCOMMIT;\n`,
            defines,
            'as the viewer',
          ),
        );
    }
  }
  try {
    await runRounds(cases, url ? BENCH_DB : undefined);
  } finally {
    await app.app.close();
    await handle.close();
  }
}

function report() {
  const lines = [
    `Catalogue benchmark — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores (${cpus()[0]?.model.trim()}), ` +
      `Node ${process.version}, ${COURSES} published courses, ${CONNECTIONS} connections, ${ROUNDS} rounds × ${SECONDS} s ` +
      `per case (median round), pool ${POOL_SIZE}, log level ${LOG_LEVEL}`,
    '',
    `browse: GET /api/courses?${new URLSearchParams(BROWSE)} · search: GET /api/courses?${new URLSearchParams(SEARCH)}`,
    '',
    '| engine | case | req/s | req/s range | p50 ms | p99 ms | failures | other load, cores | note |',
    '|---|---|---:|---:|---:|---:|---:|---:|---|',
    ...results.map((r) => {
      const rps = r.rounds.map((s) => s.rps);
      const other = r.rounds.map((s) => s.otherCores);
      const others = other.every((o) => o === null)
        ? '–'
        : `${fmt(median(other), 2)} (≤ ${fmt(Math.max(...other.map((o) => o ?? 0)), 2)})`;
      return (
        `| ${r.engine} | ${r.name} | ${fmt(median(rps), 0)} | ${fmt(Math.min(...rps), 0)}–${fmt(Math.max(...rps), 0)} ` +
        `| ${fmt(median(r.rounds.map((s) => s.p50)))} | ${fmt(median(r.rounds.map((s) => s.p99)))} ` +
        `| ${r.rounds.reduce((n, s) => n + s.failures, 0)} | ${others} | ${r.note ?? ''} |`
      );
    }),
    '',
    '| engine | measure (median round, range) | value | target |',
    '|---|---|---:|---|',
  ];
  const p99 = (engine: string, name: string) =>
    fmt(median(find(engine, name)?.rounds.map((s) => s.p99) ?? []));
  for (const engine of new Set(results.map((r) => r.engine))) {
    if (engine === 'postgres')
      lines.push(
        `| ${engine} | browse anon route / pgbench | ${ratio(engine, 'browse, route anon', 'browse, pgbench -M prepared -c 8')} | ≥ 0.25× |`,
        `| ${engine} | search anon route / pgbench | ${ratio(engine, 'search, route anon', SEARCH_PGBENCH)} | |`,
        `| ${engine} | search SQL now / with 0027's search function (pgbench, same rounds) | ${ratio(engine, SEARCH_PGBENCH, SEARCH_0027)} | |`,
        `| ${engine} | pgbench with RLS / pgbench (browse) | ${ratio(engine, 'browse, pgbench -M prepared -c 8, RLS', 'browse, pgbench -M prepared -c 8')} | |`,
      );
    lines.push(
      `| ${engine} | browse p99 anon / signed-in (ms) | ${p99(engine, 'browse, route anon')} / ${p99(engine, 'browse, route signed-in')} | ≤ 50 ms |`,
      `| ${engine} | search p99 anon / signed-in (ms) | ${p99(engine, 'search, route anon')} / ${p99(engine, 'search, route signed-in')} | ≤ 100 ms |`,
      `| ${engine} | browse signed-in / anon | ${ratio(engine, 'browse, route signed-in', 'browse, route anon')} | ≥ 0.75× |`,
      `| ${engine} | search signed-in / anon | ${ratio(engine, 'search, route signed-in', 'search, route anon')} | ≥ 0.75× |`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

for (const engine of ENGINES) {
  if (engine !== 'pglite' && engine !== 'postgres') throw new Error(`unknown engine ${engine}`);
  await benchEngine(engine);
}
report();
