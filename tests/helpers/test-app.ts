import type { DatabaseHandle } from '../../server/db/connect.ts';
import type { Db, SessionUser, Tx } from '../../server/db/session.ts';
import { parseConfig, resolveJwtSecret, type Config } from '../../server/config.ts';
import { createLogger } from '../../server/platform/logger.ts';

export const TEST_JWT_SECRET = 'test-secret-that-is-at-least-32-characters-long';

/** A config for tests: parsed like production, with a fixed secret, silent logs and extra env on top. */
export function testConfig(env: Record<string, string> = {}): Config {
  return resolveJwtSecret(
    parseConfig({ JWT_SECRET: TEST_JWT_SECRET, LOG_LEVEL: 'silent', NODE_ENV: 'test', ...env }),
  );
}

export interface FakeDbCall {
  as: 'user' | 'anon' | 'system' | 'read';
  user?: SessionUser;
}

/**
 * A Db with no database behind it, for HTTP tests that need none. It records who each unit of work
 * ran as and hands `work` an executor that must not be used.
 */
export function fakeDb(options: { ping?: () => Promise<void> } = {}): Db & { calls: FakeDbCall[] } {
  const calls: FakeDbCall[] = [];
  const tx = new Proxy({} as Tx, {
    get() {
      throw new Error('fakeDb: this test has no database; use a *.db.test.ts');
    },
  });
  return {
    calls,
    engine: 'pglite',
    handle: {} as DatabaseHandle,
    asUser: (user, work) => (calls.push({ as: 'user', user }), work(tx)),
    asAnon: (work) => (calls.push({ as: 'anon' }), work(tx)),
    asSystem: (work) => (calls.push({ as: 'system' }), work(tx)),
    readAs: async (user) => (calls.push({ as: 'read', ...(user ? { user } : {}) }), []),
    ping: options.ping ?? (async () => {}),
  };
}

/** A logger that keeps its lines in memory, for asserting what was (and was not) logged. */
export function memoryLogger() {
  const lines: string[] = [];
  const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
  return { logger, lines, text: () => lines.join('') };
}
