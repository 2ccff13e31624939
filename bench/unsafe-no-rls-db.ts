import { CamelCasePlugin, type QueryId } from 'kysely';
import { compileOnly, type Db } from '../server/db/session.ts';

const camelCase = new CamelCasePlugin();
const readQueryId: QueryId = { queryId: 'read-as-no-rls' };

/**
 * BENCHMARK BASELINE ONLY — NEVER USE IN THE PRODUCT. A Db whose asUser/asAnon/readAs run the
 * work directly on the owner's connection: no transaction, no RLS prologue, and (the owner bypasses
 * row-level security) no policies at all. It shows what the same route costs without the security
 * model, so the benchmark can report the price of that model as a ratio.
 *
 * readAs mirrors session.ts readInSession step for step — compiled on `compileOnly`, sent as a
 * named prepared statement through `handle.preparedQuery`, rows camel-cased — and leaves out only
 * the session header (role, claims, live-session check), so the route runs the very same SQL, only
 * as the owner.
 */
export function unsafeNoRlsDb(db: Db): Db {
  const { kysely } = db.handle;
  return {
    ...db,
    asUser: (_user, work) => kysely.connection().execute(work),
    asAnon: (work) => kysely.connection().execute(work),
    readAs: async (_user, query) => {
      const compiled = 'isRawBuilder' in query ? query.compile(compileOnly) : query.compile();
      const results = await db.handle.preparedQuery([{ text: compiled.sql, values: compiled.parameters }]);
      const rows = (results[0] ?? []) as Record<string, unknown>[];
      const transformed = await camelCase.transformResult({ result: { rows }, queryId: readQueryId });
      return transformed.rows as never[];
    },
  };
}
