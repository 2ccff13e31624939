import type { Db } from '../server/db/session.ts';

/**
 * BENCHMARK BASELINE ONLY — NEVER USE IN THE PRODUCT. A Db whose asUser/asAnon/readAs run the
 * work directly on the owner's connection: no transaction, no RLS prologue, and (the owner bypasses
 * row-level security) no policies at all. It shows what the same route costs without the security
 * model, so the benchmark can report the price of that model as a ratio.
 */
export function unsafeNoRlsDb(db: Db): Db {
  const { kysely } = db.handle;
  return {
    ...db,
    asUser: (_user, work) => kysely.connection().execute(work),
    asAnon: (work) => kysely.connection().execute(work),
    readAs: async (_user, query) => {
      const compiled = 'isRawBuilder' in query ? query.compile(kysely) : query.compile();
      const result = await kysely.executeQuery(compiled);
      return result.rows as never[];
    },
  };
}
