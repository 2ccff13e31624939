import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../bin/usefulwriter.mjs', import.meta.url));

function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 30_000,
  });
}

describe('usefulwriter CLI', () => {
  it('lists its commands in --help', () => {
    const { status, stdout } = run(['--help']);
    expect(status).toBe(0);
    for (const command of ['start', 'migrate', 'seed', 'db-types']) {
      expect(stdout).toMatch(new RegExp(`^  ${command}\\b.*\\S`, 'm'));
    }
    expect(stdout).toContain('docs/configuration.md');
  });

  it('documents the start options', () => {
    const { status, stdout } = run(['start', '--help']);
    expect(status).toBe(0);
    expect(stdout).toContain('--role <role>');
    expect(stdout).toContain('"all", "api", "worker"');
    expect(stdout).toContain('--port <port>');
  });

  it('rejects an unknown role', () => {
    const { status, stderr } = run(['start', '--role', 'everything']);
    expect(status).toBe(1);
    expect(stderr).toContain('Allowed choices are all, api, worker');
  });

  it('exits 1 listing every configuration problem', () => {
    const { status, stderr } = run(['migrate'], { PORT: 'eighty', LOG_LEVEL: 'loud', JWT_SECRET: 'short' });
    expect(status).toBe(1);
    expect(stderr).toContain('3 problems');
    expect(stderr).toMatch(/^ {2}- PORT: expected an integer/m);
    expect(stderr).toMatch(/^ {2}- LOG_LEVEL: expected one of/m);
    expect(stderr).toMatch(/^ {2}- JWT_SECRET: expected a string of at least 32 characters$/m);
    expect(stderr).not.toContain('short');
  });
});
