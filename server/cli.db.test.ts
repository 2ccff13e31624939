import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../tests/helpers/test-db.ts';
import { TEST_JWT_SECRET } from '../tests/helpers/test-app.ts';

const BIN = fileURLToPath(new URL('../bin/usefulwriter.mjs', import.meta.url));

let dataDir: string | undefined;
let testDb: TestDatabase | undefined;
let child: ChildProcess | undefined;

afterEach(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  child = undefined;
  await testDb?.close();
  testDb = undefined;
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

/**
 * The environment of a real start: a fresh PGlite directory, or on the PostgreSQL project a fresh
 * database from the migrated template (with the JWT secret that DATABASE_URL requires).
 */
async function serverEnv(): Promise<NodeJS.ProcessEnv> {
  dataDir = mkdtempSync(join(tmpdir(), 'uw-cli-'));
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, SEED_DEMO: 'false', LOG_LEVEL: 'info' };
  delete env.DATABASE_URL;
  delete env.JWT_SECRET;
  if (process.env.TEST_ENGINE === 'postgres') {
    testDb = await createTestDatabase();
    Object.assign(env, { DATABASE_URL: testDb.url, JWT_SECRET: TEST_JWT_SECRET });
  }
  return env;
}

function waitFor(proc: ChildProcess, output: { text: string }, pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = pattern.exec(output.text);
      if (match) {
        proc.stdout?.off('data', check);
        resolve(match);
      }
    };
    proc.stdout?.on('data', check);
    proc.once('exit', (code) => reject(new Error(`exited with ${code} before ${pattern}:\n${output.text}`)));
    check();
  });
}

describe('usefulwriter start', () => {
  it('migrates, serves, and on SIGTERM shuts down cleanly with exit code 0', async () => {
    const env = await serverEnv();
    const output = { text: '' };
    child = spawn(process.execPath, [BIN, 'start', '--port', '0'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk: Buffer) => (output.text += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output.text += chunk.toString()));

    const [, url] = await waitFor(child, output, /running at (http:\/\/\S+)/);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(output.text).toMatch(/Applied \d+ migrations|Database schema is up to date/);
    expect(output.text).not.toContain(TEST_JWT_SECRET);

    const exited = new Promise<number | null>((resolve) => child!.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output.text).toContain('"signal":"SIGTERM"');
    expect(output.text).toContain('shutdown complete');
  });
});
