// Scratch: what one course page costs in PGlite, as owner / anon / signed-in, and where the time goes.
import { sql } from 'kysely';
import { connectDatabase, openPGlite } from '../../server/db/connect.ts';
import { migrate } from '../../server/db/migrate.ts';
import { createDb } from '../../server/db/session.ts';
import { compiledCoursePageQuery } from '../../server/modules/courses/courses.queries.ts';
import { seedDemo } from '../../server/seed/demo.ts';

const SLUG = 'typescript-from-zero';
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

async function time(label: string, fn: () => Promise<unknown>, n = 300) {
  for (let i = 0; i < 30; i++) await fn();
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) await fn();
  const cpu = process.cpuUsage(c0);
  const wall = (performance.now() - t0) / n;
  // CPU time of this process per page: PGlite runs in it, so it is the engine's cost too, and far
  // less disturbed than wall time by other work on a shared machine.
  console.log(
    `${label}: ${((cpu.user + cpu.system) / n / 1000).toFixed(3)} ms CPU, ${wall.toFixed(3)} ms wall`,
  );
}
const signed = compiledCoursePageQuery(handle.kysely, SLUG, user.id);
const anon = compiledCoursePageQuery(handle.kysely, SLUG, null);
await time('owner, prepared', () => handle.preparedQuery([{ text: signed.sql, values: signed.parameters }]));
await time('owner, pglite.query', () => pglite.query(signed.sql, [...signed.parameters]));
await time('anon readAs', () => db.readAs(null, { compile: () => anon } as never));
await time('signed-in readAs', () => db.readAs(user, { compile: () => signed } as never));
const { inlineParameters } = await import('../../server/db/session.ts');
await time('anon simple literal (old path)', () =>
  handle.simpleQuery(
    `SELECT set_config('role', 'anon', true), set_config('request.jwt.claims', '{"role":"anon"}', true);\n${inlineParameters(anon.sql, anon.parameters)}`,
  ),
);
await time('owner simple literal', () => handle.simpleQuery(inlineParameters(signed.sql, signed.parameters)));
await time('header only (signed-in)', () => db.readAs(user, sql`select 1`));
if (process.env.EXPLAIN)
  for (let run = 0; run < 3; run++) {
    const plan = await db.asUser(user, (tx) =>
      sql
        .raw(
          `explain (analyze, verbose, buffers) ${signed.sql.replace(/\$(\d+)/g, (_, n) => `'${signed.parameters[Number(n) - 1]}'`)}`,
        )
        .execute(tx),
    );
    if (run === 2) for (const r of plan.rows as Record<string, string>[]) console.log(Object.values(r)[0]);
  }
await handle.close();
