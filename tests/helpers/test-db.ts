import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import pg from 'pg';
import { inject } from 'vitest';
import { connectDatabase, openPGlite, type DatabaseHandle } from '../../server/db/connect.ts';
import { createDb, type Db } from '../../server/db/session.ts';
import { TEMPLATE_ENV, type TemplateInfo } from './global-setup.ts';

/**
 * A freshly migrated database for one test file: PGlite restored from the migrated snapshot, or
 * on PostgreSQL a new database created from the migrated template. Drop it with `close()`.
 */
export interface TestDatabase {
  handle: DatabaseHandle;
  db: Db;
  /** Connection URL (PostgreSQL only), for tests that start processes of their own. */
  url?: string;
  close(): Promise<void>;
}

function templateInfo(): TemplateInfo {
  const raw = inject(TEMPLATE_ENV);
  if (!raw) throw new Error('Database tests need the global setup (tests/helpers/global-setup.ts).');
  return JSON.parse(raw) as TemplateInfo;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const info = templateInfo();
  if (info.engine === 'pglite') {
    const snapshot = new Blob([readFileSync(info.snapshotPath)]);
    const pglite = await openPGlite(undefined, snapshot);
    const handle = await connectDatabase({ pglite });
    return { handle, db: createDb(handle), close: () => handle.close() };
  }
  const name = `uw_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: info.adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${info.templateName}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(info.adminUrl, name);
  const handle = await connectDatabase({ databaseUrl: url, poolSize: 5 });
  return {
    handle,
    db: createDb(handle),
    url,
    close: async () => {
      await handle.close();
      const dropper = new pg.Client({ connectionString: info.adminUrl });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.end();
    },
  };
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Runs raw SQL as the database owner (test setup only). */
export async function execAsOwner(handle: DatabaseHandle, text: string): Promise<void> {
  await sql.raw(text).execute(handle.kysely);
}
