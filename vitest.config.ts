import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

// Database tests (*.db.test.ts) run on embedded PGlite always, and also on a PostgreSQL server
// when TEST_DATABASE_URL is set (CI does): the same files, the same assertions.
const dbProject = (engine: 'pglite' | 'postgres'): TestProjectInlineConfiguration => ({
  test: {
    name: `db-${engine}`,
    include: ['server/**/*.db.test.ts', 'tests/**/*.db.test.ts'],
    env: { TEST_ENGINE: engine },
    globalSetup: ['tests/helpers/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});

export default defineConfig({
  test: {
    reporters: ['default', './tests/helpers/totals-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'server/**/*.test.ts',
            'contracts/**/*.test.ts',
            'tests/**/*.test.ts',
            'bench/**/*.test.ts',
            'web/src/**/*.test.ts',
          ],
          exclude: ['**/*.db.test.ts', '**/*.e2e.test.ts', '**/node_modules/**'],
        },
      },
      // Browser journeys: the built web app and the real server on PGlite, driven in Chromium.
      {
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.e2e.test.ts'],
          env: { TEST_ENGINE: 'pglite' },
          globalSetup: ['tests/helpers/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // One journey at a time: each drives its own Chromium.
          fileParallelism: false,
        },
      },
      dbProject('pglite'),
      ...(process.env.TEST_DATABASE_URL ? [dbProject('postgres')] : []),
    ],
  },
});
