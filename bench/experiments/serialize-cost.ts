/**
 * Bench experiment: the per-request CPU the Node side spends on one course page besides the
 * database — zod response validation (fastify-type-provider-zod's serializer parses the reply),
 * JSON.stringify, the CamelCasePlugin walk over the nested JSON, and building the query itself. `npx tsx bench/experiments/serialize-cost.ts`
 */
import { CamelCasePlugin } from 'kysely';
import { coursePageSchema } from '../../contracts/courses.ts';
import { connectDatabase, openPGlite } from '../../server/db/connect.ts';
import { migrate } from '../../server/db/migrate.ts';
import { createDb } from '../../server/db/session.ts';
import { compiledCoursePageQuery, coursePageQuery } from '../../server/modules/courses/courses.queries.ts';
import { callerFor, getCoursePage } from '../../server/modules/courses/courses.service.ts';
import { seedDemo } from '../../server/seed/demo.ts';

const handle = await connectDatabase({ pglite: await openPGlite() });
await migrate(handle);
const db = createDb(handle);
await seedDemo(db);
const page = await getCoursePage(callerFor(db, null), 'typescript-from-zero');
const snake = JSON.parse(JSON.stringify(page).replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)) as Record<
  string,
  unknown
>;
const camel = new CamelCasePlugin();

function time(name: string, n: number, fn: () => unknown) {
  for (let i = 0; i < n / 10; i++) fn();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn();
  console.log(`${name}: ${(((performance.now() - t0) / n) * 1000).toFixed(1)} µs per page`);
}
console.log(`page JSON: ${JSON.stringify(page).length} bytes`);
time('zod coursePageSchema.parse', 5000, () => coursePageSchema.parse(page));
time('JSON.stringify', 5000, () => JSON.stringify(page));
time('CamelCasePlugin.transformResult', 5000, () =>
  camel.transformResult({ result: { rows: [snake] }, queryId: { queryId: 'x' } }),
);
time('Kysely build + compile of the page query', 5000, () =>
  coursePageQuery(handle.kysely, 'typescript-from-zero', '030edcbb-1b0b-44bd-8bf2-0bdb3f79ad16').compile(),
);
time('the same, compiled once per shape (compiledCoursePageQuery)', 5000, () =>
  compiledCoursePageQuery(handle.kysely, 'typescript-from-zero', '030edcbb-1b0b-44bd-8bf2-0bdb3f79ad16'),
);
await handle.close();
