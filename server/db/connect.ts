import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { CamelCasePlugin, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { PGliteDialect } from './pglite-dialect.ts';
import { OID, parseDate, parseNumeric } from './type-parsers.ts';
import type { DB } from './types.generated.ts';

export type Engine = 'pglite' | 'postgres';

export interface DatabaseHandle {
  engine: Engine;
  /** Kysely over the connection owner's role. Only the session helpers and system paths use it. */
  kysely: Kysely<DB>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** postgres://… for a PostgreSQL server; absent for embedded PGlite. */
  databaseUrl?: string | undefined;
  /** PGlite data directory; absent means in memory. */
  dataDir?: string | undefined;
  /** Ready-made PGlite instance (tests clone a migrated snapshot into one). */
  pglite?: PGlite;
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
    });
    // An idle client losing its server (restart, failover) must not crash the process; the pool
    // replaces it on the next checkout.
    pool.on('error', (error) => (options.onIdleError ?? defaultIdleError)(error));
    const kysely = new Kysely<DB>({ dialect: new PostgresDialect({ pool }), plugins });
    return { engine: 'postgres', kysely, close: () => kysely.destroy() };
  }
  const pglite = options.pglite ?? (await openPGlite(options.dataDir));
  const kysely = new Kysely<DB>({ dialect: new PGliteDialect(pglite), plugins });
  return {
    engine: 'pglite',
    kysely,
    close: async () => {
      await kysely.destroy();
      if (!pglite.closed) await pglite.close();
    },
  };
}

export const pgliteParsers = {
  [OID.int8]: parseNumeric,
  [OID.numeric]: parseNumeric,
  [OID.date]: parseDate,
};

/** Opens PGlite with the shared value mapping; `loadDataDir` restores a snapshot (tests). */
export async function openPGlite(dataDir?: string, loadDataDir?: Blob): Promise<PGlite> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  return PGlite.create({ dataDir, loadDataDir, parsers: pgliteParsers });
}
