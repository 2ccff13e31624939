// What one course page costs in PGlite, as owner / anon / signed-in, and where the time goes.
//
//   npx tsx bench/experiments/page-cost.ts                     # this tree's page SQL against main's
//   PAGE_COST_BEFORE=<git ref> npx tsx bench/experiments/page-cost.ts
//   PAGE_COST_ROUNDS=7 PAGE_COST_READS=500 …                   # more rounds / reads per round
//   PAGE_COST_REVIEWS=2000 …                                   # the course gets that many more reviews
//   EXPLAIN=1 …                                                # EXPLAIN ANALYZE of the signed-in page
//
// "before" is the page SQL of another commit (courses.queries.ts at PAGE_COST_BEFORE, default main;
// skipped when it is the same text), run on the same database as "after", so schema changes of this
// tree (indexes, helpers) are present for both. Rounds interleave before/after (the order flips each
// round) and the report gives each case's median round and the per-round after/before ratios.
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sql, type CompiledQuery } from 'kysely';
import { connectDatabase, openPGlite } from '../../server/db/connect.ts';
import { migrate } from '../../server/db/migrate.ts';
import { createDb, type Tx } from '../../server/db/session.ts';
import { compiledCoursePageQuery } from '../../server/modules/courses/courses.queries.ts';
import { seedDemo } from '../../server/seed/demo.ts';

const SLUG = 'typescript-from-zero';
const ROUNDS = Number(process.env.PAGE_COST_ROUNDS ?? 5);
const READS = Number(process.env.PAGE_COST_READS ?? 300);
const BEFORE = process.env.PAGE_COST_BEFORE ?? 'main';

type Compile = (tx: Tx, slug: string, viewerId: string | null) => CompiledQuery;

/** compiledCoursePageQuery as it was at `ref`, or null when git cannot give it. */
async function compilerAt(ref: string): Promise<Compile | null> {
  let text: string;
  try {
    text = execFileSync('git', ['show', `${ref}:server/modules/courses/courses.queries.ts`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return null;
  }
  // The same module one directory over: its relative imports now start from bench/experiments.
  const file = fileURLToPath(new URL(`./.page-cost-before-${process.pid}.ts`, import.meta.url));
  writeFileSync(
    file,
    text
      .replaceAll("'../../db/", "'../../server/db/")
      .replaceAll("'../../../contracts/", "'../../contracts/"),
  );
  try {
    const mod = (await import(file)) as { compiledCoursePageQuery: Compile };
    return mod.compiledCoursePageQuery;
  } finally {
    rmSync(file, { force: true });
  }
}

const pglite = await openPGlite();
const handle = await connectDatabase({ pglite });
await migrate(handle);
const db = createDb(handle);
await seedDemo(db);
const { rows } = await sql<{
  userId: string;
}>`select e.user_id from enrollments e join courses c on c.id = e.course_id
  where c.slug = ${SLUG} order by e.progress_percentage desc limit 1`.execute(handle.kysely);
const user = { id: rows[0]!.userId };
const extraReviews = Number(process.env.PAGE_COST_REVIEWS ?? 0);
if (extraReviews > 0) {
  // Reviewers of their own, as the owner (triggers recount the course's rating once per review).
  await sql`insert into auth.users (email) select 'page-cost-' || n || '@example.test' from generate_series(1, ${extraReviews}::int) n`.execute(
    handle.kysely,
  );
  await sql`insert into course_reviews (course_id, user_id, rating, title, created_at)
    select c.id, u.id, 1 + (row_number() over () % 5)::int, 'Review', now() - interval '1 day' * random()
      from courses c, auth.users u where c.slug = ${SLUG} and u.email like 'page-cost-%'`.execute(
    handle.kysely,
  );
  await sql`analyze`.execute(handle.kysely);
}

/** CPU of this process per page, in ms: PGlite runs in it, so this is the engine's cost too. */
async function cpuPerRead(fn: () => Promise<unknown>, n = READS): Promise<number> {
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) await fn();
  const cpu = process.cpuUsage(c0);
  return (cpu.user + cpu.system) / n / 1000;
}

const versions: [string, Compile][] = [['after', compiledCoursePageQuery]];
const before = await compilerAt(BEFORE);
if (
  before &&
  before(handle.kysely, SLUG, user.id).sql !== compiledCoursePageQuery(handle.kysely, SLUG, user.id).sql
)
  versions.unshift([`before (${BEFORE})`, before]);
else
  console.log(`(no "before": ${before ? `${BEFORE} has the same page SQL` : `git show ${BEFORE} failed`})`);

const cases = versions.flatMap(([version, compile]) => {
  const signed = compile(handle.kysely, SLUG, user.id);
  const anon = compile(handle.kysely, SLUG, null);
  return [
    {
      version,
      persona: 'owner, prepared',
      run: () => handle.preparedQuery([{ text: signed.sql, values: signed.parameters }]),
    },
    { version, persona: 'anon readAs', run: () => db.readAs(null, { compile: () => anon }) },
    { version, persona: 'signed-in readAs', run: () => db.readAs(user, { compile: () => signed }) },
  ];
});

for (const c of cases) await cpuPerRead(c.run, 30); // warm-up
const samples = new Map<(typeof cases)[number], number[]>(cases.map((c) => [c, []]));
const loadBefore = (await import('node:os')).loadavg()[0]!;
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? cases : [...cases].reverse();
  for (const c of order) samples.get(c)!.push(await cpuPerRead(c.run));
}
const loadAfter = (await import('node:os')).loadavg()[0]!;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

console.log(
  `\nCPU per page (ms), PGlite, ${ROUNDS} rounds × ${READS} reads, median round (range); load average ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)} on ${(await import('node:os')).cpus().length} CPUs\n`,
);
console.log('| case | version | CPU ms / page | range |');
console.log('|---|---|---:|---:|');
for (const c of cases) {
  const xs = samples.get(c)!;
  console.log(
    `| ${c.persona} | ${c.version} | ${median(xs).toFixed(3)} | ${Math.min(...xs).toFixed(3)}–${Math.max(...xs).toFixed(3)} |`,
  );
}
if (versions.length === 2) {
  console.log('\n| case | after / before, median of per-round ratios (range) |\n|---|---:|');
  for (const persona of new Set(cases.map((c) => c.persona))) {
    const [b, a] = cases.filter((c) => c.persona === persona).map((c) => samples.get(c)!);
    const ratios = a!.map((x, i) => x / b![i]!);
    console.log(
      `| ${persona} | ${median(ratios).toFixed(2)}× (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}) |`,
    );
  }
}
console.log(
  `\nheader only (signed-in): ${(await cpuPerRead(() => db.readAs(user, sql`select 1`))).toFixed(3)} ms CPU per read`,
);

if (process.env.EXPLAIN) {
  const signed = compiledCoursePageQuery(handle.kysely, SLUG, user.id);
  const text = signed.sql.replace(
    /\$(\d+)/g,
    (_, n: string) => `'${String(signed.parameters[Number(n) - 1])}'`,
  );
  for (let run = 0; run < 3; run++) {
    const plan = await db.asUser(user, (tx) =>
      sql.raw(`explain (analyze, verbose, buffers) ${text}`).execute(tx),
    );
    if (run === 2) for (const r of plan.rows as Record<string, string>[]) console.log(Object.values(r)[0]);
  }
}
await handle.close();
