import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '../../tests/helpers/test-db.ts';
import { migrate, MigrationError, pendingMigrations, readMigrations } from './migrate.ts';

describe('migrations', () => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await createTestDatabase();
  });
  afterEach(async () => t.close());

  it('applying twice is a no-op', async () => {
    expect(await pendingMigrations(t.handle)).toEqual([]);
    expect(await migrate(t.handle)).toEqual([]);
  });

  it('refuses an applied migration whose file was edited', async () => {
    const files = readMigrations();
    const edited = files.map((m, i) =>
      i === 1 ? { ...m, checksum: 'edited', sql: `${m.sql}\n-- edit` } : m,
    );
    await expect(migrate(t.handle, { files: edited })).rejects.toThrow(MigrationError);
    await expect(migrate(t.handle, { files: edited })).rejects.toThrow(/edited after it was applied/);
  });

  it('applies a new migration once, and rolls back a failing one entirely', async () => {
    const files = readMigrations();
    const next = String(Number(files.at(-1)!.version) + 1).padStart(4, '0');
    const good = {
      version: next,
      name: `${next}_probe`,
      checksum: 'c1',
      sql: 'CREATE TABLE private.probe (id int);',
    };
    expect((await migrate(t.handle, { files: [...files, good] })).map((m) => m.name)).toEqual([good.name]);
    expect(await migrate(t.handle, { files: [...files, good] })).toEqual([]);

    const after = String(Number(files.at(-1)!.version) + 2).padStart(4, '0');
    const bad = {
      version: after,
      name: `${after}_broken`,
      checksum: 'c2',
      sql: 'CREATE TABLE private.half (id int); SELECT * FROM no_such_table;',
    };
    await expect(migrate(t.handle, { files: [...files, good, bad] })).rejects.toThrow(/0*\d+_broken failed/);
    const { rows } = await sql<{
      present: boolean;
    }>`select to_regclass('private.half') is not null as present`.execute(t.handle.kysely);
    expect(rows[0]?.present).toBe(false);
  });

  it('two concurrent migrators do not both apply a migration', async () => {
    const files = readMigrations();
    const next = String(Number(files.at(-1)!.version) + 1).padStart(4, '0');
    // A migration that fails if applied twice (CREATE TABLE without IF NOT EXISTS).
    const probe = {
      version: next,
      name: `${next}_race`,
      checksum: 'r',
      sql: 'CREATE TABLE private.race (id int);',
    };
    const results = await Promise.all([
      migrate(t.handle, { files: [...files, probe] }),
      migrate(t.handle, { files: [...files, probe] }),
    ]);
    expect(results.map((r) => r.length).sort()).toEqual([0, 1]);
  });
});
