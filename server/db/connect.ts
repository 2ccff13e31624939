import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { CamelCasePlugin, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { PGliteDialect } from './pglite-dialect.ts';
import { PGliteRemote, type PGliteEngine } from './pglite-remote.ts';
import { createPGlitePreparedRead, pipelinedRead, type Statement } from './prepared-read.ts';
import { OID, parseDate, parseNumeric } from './type-parsers.ts';
import type { DB } from './types.generated.ts';

export type Engine = 'pglite' | 'postgres';

export interface DatabaseHandle {
  engine: Engine;
  /** Kysely over the connection owner's role. Only the session helpers and system paths use it. */
  kysely: Kysely<DB>;
  /**
   * Sends parameterless text (possibly several statements) as ONE simple-protocol message and
   * returns the rows of each statement. The one-round-trip read path of session.ts is built on it.
   */
  simpleQuery(text: string): Promise<unknown[][]>;
  /**
   * Runs the statements as named prepared statements in ONE round trip (on PGlite: one call into
   * the engine) and one implicit transaction (prepared-read.ts), so hot reads reuse their plans.
   */
  preparedQuery(statements: readonly Statement[]): Promise<unknown[][]>;
  /**
   * PGlite only: LISTEN on `channel` and call `onPayload` for each NOTIFY (realtime's in-process
   * path). Runs behind the connection lock so LISTEN never lands inside someone's transaction.
   * A PostgreSQL server is listened to over a dedicated connection instead (server/platform/realtime).
   */
  listen?(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** postgres://… for a PostgreSQL server; absent for embedded PGlite. */
  databaseUrl?: string | undefined;
  /** PGlite data directory; absent means in memory. */
  dataDir?: string | undefined;
  /** Ready-made PGlite instance, used in this thread (tests clone a migrated snapshot into one). */
  pglite?: PGlite;
  /**
   * Runs PGlite (for `dataDir`, or in memory) in a worker thread (pglite-remote.ts), so the
   * engine's CPU does not block the event loop. Ignored with `pglite` or `databaseUrl`.
   */
  worker?: boolean;
  /** With `worker`: a PGlite data directory dump to start from (tests, benchmarks). */
  loadDataDir?: Blob;
  poolSize?: number;
  /** Called when an idle pooled connection fails; defaults to a warning on stderr. */
  onIdleError?: (error: Error) => void;
}

const defaultIdleError = (error: Error) => console.warn(`database: idle connection lost (${error.message})`);

const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === OID.int8 || oid === OID.numeric) return parseNumeric;
    if (oid === OID.date) return parseDate;
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

/** Opens PGlite (embedded default) or a PostgreSQL pool, with one value mapping for both. */
export async function connectDatabase(options: ConnectOptions): Promise<DatabaseHandle> {
  const plugins = [new CamelCasePlugin()];
  if (options.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSize ?? 10,
      types: pgTypes,
      application_name: 'usefulwriter',
      // Literals are escaped assuming standard strings (session.ts quoteLiteral): force it.
      options: '-c standard_conforming_strings=on',
    });
    // An idle client losing its server (restart, failover) must not crash the process; the pool
    // replaces it on the next checkout.
    pool.on('error', (error) => (options.onIdleError ?? defaultIdleError)(error));
    const kysely = new Kysely<DB>({ dialect: new PostgresDialect({ pool }), plugins });
    const simpleQuery = async (text: string) => {
      const result = (await pool.query(text)) as pg.QueryResult | pg.QueryResult[];
      return (Array.isArray(result) ? result : [result]).map((r) => r.rows ?? []);
    };
    const preparedQuery = (statements: readonly Statement[]) => pipelinedRead(pool, statements);
    return { engine: 'postgres', kysely, simpleQuery, preparedQuery, close: () => kysely.destroy() };
  }
  const engine: PGliteEngine = options.pglite
    ? inThread(options.pglite)
    : options.worker
      ? await PGliteRemote.start(options.dataDir, options.loadDataDir)
      : inThread(await openPGlite(options.dataDir));
  const pgliteDialect = new PGliteDialect(engine);
  const kysely = new Kysely<DB>({ dialect: pgliteDialect, plugins });
  return {
    engine: 'pglite',
    kysely,
    // PGlite runs one exec at a time on its own; the FIFO lock keeps it out of open units of work.
    simpleQuery: (text) => pgliteDialect.exclusive(async () => (await engine.exec(text)).map((r) => r.rows)),
    preparedQuery: (statements) => pgliteDialect.exclusive(() => engine.preparedRead(statements)),
    listen: async (channel, onPayload) => {
      const unlisten = await pgliteDialect.exclusive(() => engine.listen(channel, onPayload));
      return () => (engine.closed ? Promise.resolve() : pgliteDialect.exclusive(() => unlisten()));
    },
    close: async () => {
      await kysely.destroy();
      if (!engine.closed) await engine.close();
    },
  };
}

/** PGlite in this thread as a PGliteEngine. */
function inThread(pglite: PGlite): PGliteEngine {
  return {
    exec: (text) => pglite.exec(text),
    query: (text, params) => pglite.query(text, params),
    preparedRead: createPGlitePreparedRead(pglite),
    listen: (channel, onPayload) => pglite.listen(channel, onPayload),
    close: () => pglite.close(),
    get closed() {
      return pglite.closed;
    },
  };
}

export const pgliteParsers = {
  [OID.int8]: parseNumeric,
  [OID.numeric]: parseNumeric,
  [OID.date]: parseDate,
};

/**
 * Opens PGlite with the shared value mapping; `loadDataDir` restores a snapshot (tests). Extensions
 * the migrations create must be loaded here (pg_trgm: catalogue typo tolerance, 0014).
 */
export async function openPGlite(dataDir?: string, loadDataDir?: Blob): Promise<PGlite> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  return PGlite.create({ dataDir, loadDataDir, parsers: pgliteParsers, extensions: { pg_trgm } });
}
