import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ConfigError, describeConfig, loadConfig, type Config } from './config.ts';
import { connectDatabase, openPGlite } from './db/connect.ts';
import { migrate, MigrationError } from './db/migrate.ts';
import {
  closeOnSignal,
  formatAccountsBox,
  hasAnyProfile,
  migrateWithProgress,
  openDatabase,
  ROLES,
  seedDemoWithProgress,
  startServer,
  type Role,
} from './main.ts';
import { createLogger } from './platform/logger.ts';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const out = process.stdout;

function parsePort(value: string): string {
  if (!/^\d+$/.test(value) || Number(value) > 65_535) {
    throw new InvalidArgumentError('expected an integer from 0 to 65535.');
  }
  return value;
}

/** Configuration comes from the environment; command-line flags override the matching variable. */
function configFrom(overrides: Record<string, string | undefined> = {}): Config {
  const env = { ...process.env };
  for (const [name, value] of Object.entries(overrides)) if (value !== undefined) env[name] = value;
  return loadConfig(env);
}

const program = new Command()
  .name('usefulwriter')
  .description('UsefulWriter LMS: a self-hostable online-course platform.')
  .version(version)
  .showHelpAfterError('(run with --help for usage)')
  .addHelpText(
    'after',
    '\nConfiguration comes from environment variables (see .env.example and docs/configuration.md).\n' +
      'Without DATABASE_URL everything is stored in embedded PostgreSQL (PGlite) under DATA_DIR (./data).',
  );

program
  .command('start')
  .description(
    'Migrate the database, load the demo data on first start (SEED_DEMO), and serve the API and the worker.',
  )
  .addOption(
    new Option('--role <role>', 'what this process runs: the API and worker together, or one of them')
      .choices(ROLES)
      .default('all'),
  )
  .option('--port <port>', 'port to listen on (overrides PORT; 0 picks a free one)', parsePort)
  .action(async (options: { role: Role; port?: string }) => {
    const config = configFrom({ PORT: options.port });
    const logger = createLogger(config.logLevel);
    logger.info({ config: describeConfig(config), version }, 'configuration loaded');
    const server = await startServer({ config, role: options.role, logger, out });
    closeOnSignal(server, config, logger);
  });

program
  .command('migrate')
  .description('Apply pending database migrations (db/migrations/*.sql) and exit.')
  .action(async () => {
    const config = configFrom();
    const db = await openDatabase(config);
    try {
      await migrateWithProgress(db, out);
    } finally {
      await db.handle.close();
    }
  });

program
  .command('seed')
  .description('Load data into the database (migrating it first).')
  .requiredOption('--demo', 'load the demo courses and accounts')
  .option('--force', 'seed even when the database already has accounts')
  .action(async (options: { demo: boolean; force?: boolean }) => {
    const config = configFrom();
    const db = await openDatabase(config);
    try {
      await migrateWithProgress(db, out);
      if (!options.force && (await hasAnyProfile(db))) {
        process.stderr.write('The database already has accounts; not seeding. Use --force to seed anyway.\n');
        process.exitCode = 1;
        return;
      }
      const accounts = await seedDemoWithProgress(db, out);
      out.write(accounts.length > 0 ? formatAccountsBox(accounts) : 'Demo data loaded.\n');
    } finally {
      await db.handle.close();
    }
  });

program
  .command('db-types')
  .description(
    'Regenerate server/db/types.generated.ts from a freshly migrated in-memory database (run after adding a migration).',
  )
  .action(async () => {
    // The types describe the migrations, not any one installation's data: use a scratch database.
    const handle = await connectDatabase({ pglite: await openPGlite() });
    try {
      await migrate(handle);
      const { generateDbTypes } = await import('./db/codegen.ts');
      out.write(`Wrote ${await generateDbTypes(handle)}\n`);
    } finally {
      await handle.close();
    }
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Expected failures get one clear message; anything else keeps its stack for a bug report.
  if (error instanceof ConfigError || error instanceof MigrationError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
}
