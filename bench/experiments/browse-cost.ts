/**
 * Bench experiment: the Node CPU of one catalogue request (GET /api/courses), whole and by part.
 * PostgreSQL runs in its own processes, so this process's CPU (process.cpuUsage) is the route's
 * cost alone, and far less disturbed than wall time by other work on a shared machine.
 *
 *   npm run bench:catalog            # once: seeds the database uw_bench_catalog, then copy it:
 *   psql -c "CREATE DATABASE uw_bench_browse TEMPLATE uw_bench_catalog"
 *   npx tsx bench/experiments/browse-cost.ts
 *
 * Environment: BENCH_DATABASE_URL (the server, default postgres@127.0.0.1), EXP_DB (default
 * uw_bench_browse), EXP_N (requests per whole-route measurement, default 4000), EXP_ROUNDS (3),
 * EXP_ONLY (only the whole-route cases whose name has this), EXP_PARTS=0 (skip the parts).
 */
import fastJson from 'fast-json-stringify';
import { CamelCasePlugin } from 'kysely';
import { z } from 'zod';
import { courseListQuerySchema, courseListSchema } from '../../contracts/catalog.ts';
import { buildApp } from '../../server/app.ts';
import { parseConfig, resolveJwtSecret } from '../../server/config.ts';
import { connectDatabase } from '../../server/db/connect.ts';
import { compileOnly, createDb } from '../../server/db/session.ts';
import { catalogPageQuery, compiledCatalogPageQuery } from '../../server/modules/catalog/catalog.queries.ts';
import { catalogRequest, listCourses } from '../../server/modules/catalog/catalog.service.ts';
import { requestDbFor, signAccessToken } from '../../server/platform/auth.ts';

const admin = new URL(process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
admin.pathname = `/${process.env.EXP_DB ?? 'uw_bench_browse'}`;
const N = Number(process.env.EXP_N ?? 4000);
const ROUNDS = Number(process.env.EXP_ROUNDS ?? 3);
const JWT_SECRET = 'bench-secret-that-is-at-least-32-characters-long';
const BROWSE = '/api/courses?category=programming&sort=rating&limit=20';
const SEARCH = '/api/courses?q=python+data&limit=20';

const handle = await connectDatabase({ databaseUrl: admin.toString(), poolSize: 10 });
const db = createDb(handle);
const app = buildApp({
  config: resolveJwtSecret(parseConfig({ JWT_SECRET, LOG_LEVEL: 'warn', NODE_ENV: 'production' })),
  db,
});
await app.ready();

const learner = (
  await handle.kysely
    .selectFrom('private.auth_sessions')
    .select(['userId', 'id'])
    .orderBy('createdAt', 'desc')
    .limit(1)
    .execute()
    .catch(() => [])
)[0];
const token = learner
  ? await signAccessToken(JWT_SECRET, { id: learner.userId }, 3600, learner.id)
  : undefined;

/** CPU µs of this process per call, `concurrency` calls in flight. */
async function cpuPer(n: number, concurrency: number, fn: () => Promise<unknown>) {
  let next = 0;
  const worker = async () => {
    while (next++ < n) await fn();
  };
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const cpu = process.cpuUsage(c0);
  return { cpu: (cpu.user + cpu.system) / n, wall: ((performance.now() - t0) * 1000) / n };
}

function syncPer(n: number, fn: () => unknown) {
  for (let i = 0; i < n / 10; i++) fn();
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) fn();
  const cpu = process.cpuUsage(c0);
  return (cpu.user + cpu.system) / n;
}

async function inject(url: string, auth?: string) {
  const res = await app.inject({
    method: 'GET',
    url,
    headers: auth ? { authorization: `Bearer ${auth}` } : {},
  });
  if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
  return res;
}

const body = (await inject(BROWSE)).body;
console.log(`browse page: ${body.length} bytes of JSON`);

// The parts, on the browse page's own data.
const query = courseListQuerySchema.parse({ category: 'programming', sort: 'rating', limit: '20' });
const page = JSON.parse(body) as unknown;
const rawRows = await db.readAs(null, catalogPageQuery(compileOnly, catalogRequest(query).request));
const snake = (
  await handle.simpleQuery(
    (() => {
      const c = catalogPageQuery(compileOnly, catalogRequest(query).request).compile();
      return c.sql.replace(/\$(\d+)/g, (_, i) => `'${String(c.parameters[Number(i) - 1])}'`);
    })(),
  )
)[0] as Record<string, unknown>[];
const camel = new CamelCasePlugin();
const stringifyPage = fastJson(
  z.toJSONSchema(courseListSchema, { io: 'output', unrepresentable: 'any' }) as Parameters<
    typeof fastJson
  >[0],
);
if (stringifyPage(page) !== JSON.stringify(page))
  throw new Error('fast-json-stringify differs from JSON.stringify');
console.log(`rows: ${rawRows.length}`);
const parts: [string, () => unknown][] = [
  [
    'query-string zod parse',
    () => courseListQuerySchema.parse({ category: 'programming', sort: 'rating', limit: '20' }),
  ],
  ['catalogRequest', () => catalogRequest(query)],
  [
    'catalogPageQuery build + compile',
    () => catalogPageQuery(compileOnly, catalogRequest(query).request).compile(),
  ],
  [
    'compiledCatalogPageQuery (compiled once per shape)',
    () => compiledCatalogPageQuery(catalogRequest(query).request),
  ],
  [
    'CamelCasePlugin.transformResult',
    () => camel.transformResult({ result: { rows: snake }, queryId: { queryId: 'x' } }),
  ],
  ['zod response parse (courseListSchema)', () => courseListSchema.parse(page)],
  ['JSON.stringify of the page', () => JSON.stringify(page)],
  [
    'zod parse + JSON.stringify (the type provider serializer)',
    () => JSON.stringify(courseListSchema.parse(page)),
  ],
  ['fast-json-stringify from the zod schema', () => stringifyPage(page)],
];
// Serialisation of a page built afresh each time (strings straight from the driver, as in the
// route), minus the building: a page reused in a loop flatters every serialiser.
const fresh = () => JSON.parse(body) as unknown;
const buildOnly = syncPer(5000, fresh);
parts.push(
  ['(fresh page) JSON.stringify, net', () => JSON.stringify(fresh())],
  ['(fresh page) fast-json-stringify, net', () => stringifyPage(fresh())],
  ['(fresh page) zod parse + JSON.stringify, net', () => JSON.stringify(courseListSchema.parse(fresh()))],
);
// Rows to cards: a rest-spread copy (as main had it) against a field-by-field one (as now), on
// fresh copies of the driver's rows with a Date in publishedAt, as before the SQL formatted it (the
// copying itself is measured alone and taken off).
type Row = Omit<(typeof rawRows)[number], 'publishedAt'> & { publishedAt: Date | string };
const isoOf = (value: Date | string) => (value instanceof Date ? value : new Date(value)).toISOString();
const restSpread = ({ cursorKeys: _k, publishedAt, ...card }: Row) => ({
  ...card,
  publishedAt: isoOf(publishedAt),
});
const fieldByField = (r: Row) => ({
  id: r.id,
  slug: r.slug,
  title: r.title,
  subtitle: r.subtitle,
  thumbnailUrl: r.thumbnailUrl,
  instructorName: r.instructorName,
  category: r.category,
  difficultyLevel: r.difficultyLevel,
  language: r.language,
  priceCents: r.priceCents,
  accessType: r.accessType,
  averageRating: r.averageRating,
  totalReviews: r.totalReviews,
  enrollmentCount: r.enrollmentCount,
  lessonCount: r.lessonCount,
  totalDurationMinutes: r.totalDurationMinutes,
  publishedAt: isoOf(r.publishedAt),
});
const freshRows = () => rawRows.map((r): Row => ({ ...r, publishedAt: new Date(r.publishedAt) }));
const copyOnly = syncPer(5000, freshRows);
parts.push(
  ['(fresh rows) 20 cards by rest spread, net', () => freshRows().slice(0, 20).map(restSpread)],
  ['(fresh rows) 20 cards field by field, net', () => freshRows().slice(0, 20).map(fieldByField)],
);
if (process.env.EXP_PARTS !== '0')
  for (const [name, fn] of parts)
    console.log(
      `  ${name}: ${(syncPer(5000, fn) - (name.startsWith('(fresh page') ? buildOnly : name.startsWith('(fresh rows') ? copyOnly : 0)).toFixed(1)} µs`,
    );

const caller = { db: requestDbFor(db, null) } as Parameters<typeof listCourses>[0];
for (let round = 0; round < ROUNDS; round++) {
  const cases: [string, () => Promise<unknown>][] = [
    ['service only (listCourses, anon)', () => listCourses(caller, query)],
    [
      'db.readAs only (anon)',
      () => db.readAs(null, catalogPageQuery(compileOnly, catalogRequest(query).request)),
    ],
    ['browse anon, inject', () => inject(BROWSE)],
    ...(token
      ? ([['browse signed-in, inject', () => inject(BROWSE, token)]] as [string, () => Promise<unknown>][])
      : []),
    ['search anon, inject', () => inject(SEARCH)],
  ];
  for (const [name, fn] of cases.filter(([name]) => name.includes(process.env.EXP_ONLY ?? ''))) {
    await cpuPer(round === 0 ? N : N / 10, 50, fn);
    const { cpu, wall } = await cpuPer(N, 50, fn);
    console.log(
      `round ${round + 1} ${name}: ${cpu.toFixed(0)} µs CPU/req (${(1e6 / wall).toFixed(0)} req/s)`,
    );
  }
}
await app.close();
await handle.close();
