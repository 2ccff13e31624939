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
          ],
          exclude: ['**/*.db.test.ts', '**/node_modules/**'],
        },
      },
      dbProject('pglite'),
      ...(process.env.TEST_DATABASE_URL ? [dbProject('postgres')] : []),
    ],
  },
});
