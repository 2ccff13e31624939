import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql, type Kysely } from 'kysely';
import type { DatabaseHandle } from './connect.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../db/migrations/', import.meta.url));

/** Any two processes migrating the same server serialise on this advisory lock key. */
const MIGRATION_LOCK_KEY = 7_316_250_001;

export interface Migration {
  version: string;
  name: string;
  checksum: string;
  sql: string;
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/** Reads `NNNN_name.sql` files in order, with their SHA-256 checksums. */
export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => {
      const text = readFileSync(join(dir, file), 'utf8');
      return {
        version: file.slice(0, 4),
        name: file.replace(/\.sql$/, ''),
        checksum: createHash('sha256').update(text).digest('hex'),
        sql: text,
      };
    });
}

const ensureLedger = `
  CREATE SCHEMA IF NOT EXISTS private;
  CREATE TABLE IF NOT EXISTS private.schema_migrations (
    version text PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`;

interface AppliedRow {
  version: string;
  name: string;
  checksum: string;
}

async function readLedger(db: Kysely<unknown>): Promise<AppliedRow[]> {
  const exists = await sql<{ present: boolean }>`
    select to_regclass('private.schema_migrations') is not null as present`.execute(db);
  if (!exists.rows[0]?.present) return [];
  const { rows } = await sql<AppliedRow>`
    select version, name, checksum from private.schema_migrations order by version`.execute(db);
  return rows;
}

/** Compares files with the ledger: throws on an edited or vanished applied migration. */
function planMigrations(files: Migration[], applied: AppliedRow[]): Migration[] {
  const byVersion = new Map(files.map((m) => [m.version, m]));
  for (const row of applied) {
    const file = byVersion.get(row.version);
    if (!file) {
      throw new MigrationError(
        `Migration ${row.name} is recorded as applied but its file is missing from db/migrations. ` +
          'Migrations are forward-only: restore the file.',
      );
    }
    if (file.checksum !== row.checksum) {
      throw new MigrationError(
        `Migration ${file.name} was edited after it was applied (checksum differs). ` +
          'Applied migrations are immutable: revert the edit and add a new migration instead.',
      );
    }
  }
  const appliedVersions = new Set(applied.map((r) => r.version));
  return files.filter((m) => !appliedVersions.has(m.version));
}

/** Migrations not yet applied (throws when the ledger and the files disagree). */
export async function pendingMigrations(handle: DatabaseHandle, files = readMigrations()) {
  return planMigrations(files, await readLedger(handle.kysely as Kysely<unknown>));
}

export interface MigrateOptions {
  files?: Migration[];
  onProgress?: (event: { migration: Migration; index: number; total: number }) => void;
}

/**
 * Applies pending migrations, each in its own transaction with its ledger row. Applying twice is
 * a no-op; concurrent callers on PostgreSQL wait on an advisory lock and then find nothing to do.
 */
export async function migrate(handle: DatabaseHandle, options: MigrateOptions = {}): Promise<Migration[]> {
  const files = options.files ?? readMigrations();
  return (handle.kysely as Kysely<unknown>).connection().execute(async (conn) => {
    // PGlite is one connection behind the driver's lock already; PostgreSQL needs a session lock.
    if (handle.engine === 'postgres') await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(conn);
    try {
      await sql.raw(ensureLedger).execute(conn);
      const pending = planMigrations(files, await readLedger(conn));
      for (const [index, migration] of pending.entries()) {
        options.onProgress?.({ migration, index, total: pending.length });
        try {
          await sql.raw(`BEGIN;\n${migration.sql}\n;`).execute(conn);
          await sql`insert into private.schema_migrations (version, name, checksum)
                    values (${migration.version}, ${migration.name}, ${migration.checksum})`.execute(conn);
          await sql.raw('COMMIT').execute(conn);
        } catch (error) {
          await sql.raw('ROLLBACK').execute(conn);
          throw new MigrationError(`Migration ${migration.name} failed: ${(error as Error).message}`, {
            cause: error,
          });
        }
      }
      return pending;
    } finally {
      if (handle.engine === 'postgres')
        await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(conn);
    }
  });
}
