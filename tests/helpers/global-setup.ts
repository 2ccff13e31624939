import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { connectDatabase, openPGlite } from '../../server/db/connect.ts';
import { migrate, readMigrations } from '../../server/db/migrate.ts';

export const TEMPLATE_ENV = 'USEFULWRITER_TEST_TEMPLATE';

export type TemplateInfo =
  { engine: 'pglite'; snapshotPath: string } | { engine: 'postgres'; adminUrl: string; templateName: string };

/** Migrates one template per run (PGlite snapshot or PostgreSQL template database). */
export default async function setup(project: TestProject) {
  const engine = project.config.env?.TEST_ENGINE ?? process.env.TEST_ENGINE ?? 'pglite';
  const migrations = readMigrations();
  const fingerprint = createHash('sha256')
    .update(migrations.map((m) => m.checksum).join(''))
    .digest('hex')
    .slice(0, 12);

  let info: TemplateInfo;
  if (engine === 'pglite') {
    const pglite = await openPGlite();
    const handle = await connectDatabase({ pglite });
    await migrate(handle, { files: migrations });
    const dump = await pglite.dumpDataDir('none');
    const dir = join(tmpdir(), 'usefulwriter-tests');
    mkdirSync(dir, { recursive: true });
    const snapshotPath = join(dir, `pglite-${fingerprint}-${process.pid}.tar`);
    writeFileSync(snapshotPath, Buffer.from(await dump.arrayBuffer()));
    await handle.close();
    info = { engine, snapshotPath };
  } else {
    const adminUrl = process.env.TEST_DATABASE_URL;
    if (!adminUrl) throw new Error('TEST_ENGINE=postgres needs TEST_DATABASE_URL');
    // Unique per run, so parallel runs on one server never drop each other's template.
    const templateName = `uw_template_${fingerprint}_${process.pid}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${templateName} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${templateName}`);
    } finally {
      await admin.end();
    }
    const url = new URL(adminUrl);
    url.pathname = `/${templateName}`;
    const handle = await connectDatabase({ databaseUrl: url.toString(), poolSize: 1 });
    await migrate(handle, { files: migrations });
    await handle.close();
    info = { engine: 'postgres', adminUrl, templateName };
  }
  project.provide(TEMPLATE_ENV, JSON.stringify(info));
  return async () => {
    if (info.engine === 'pglite') return rmSync(info.snapshotPath, { force: true });
    const admin = new pg.Client({ connectionString: info.adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${info.templateName} WITH (FORCE)`);
    await admin.end();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    [TEMPLATE_ENV]: string;
  }
}
