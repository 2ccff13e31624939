import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { OWASP_ARGON2_MINIMUM } from './platform/passwords/passwords.ts';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const MIN_SECRET_LENGTH = 32;

/** The whole runtime configuration, parsed once at boot. Nothing else reads process.env. */
export interface Config {
  port: number;
  host: string;
  /** Absolute path; holds the embedded database, the generated JWT secret and (local driver) files. */
  dataDir: string;
  /** postgres://… when running against a PostgreSQL server; absent means embedded PGlite. */
  databaseUrl: string | undefined;
  /** Where embedded PGlite keeps its data (`${dataDir}/pglite`); unused with databaseUrl. */
  pgliteDir: string;
  /** Run embedded PGlite in a worker thread (server/db/pglite-remote.ts); unused with databaseUrl. */
  pgliteWorker: boolean;
  databasePoolSize: number;
  logLevel: LogLevel;
  /** HS256 key for access tokens. Never log it. */
  jwtSecret: string;
  /** Base URL users reach the app at, without a trailing slash. */
  publicUrl: string;
  bodyLimitBytes: number;
  seedDemo: boolean;
  shutdownTimeoutMs: number;
  nodeEnv: 'development' | 'production' | 'test';
  /** smtp:// or smtps:// URL (may carry credentials: never log it); absent means outbox only. */
  smtpUrl: string | undefined;
  /** The From header of every email. */
  mailFrom: string;
  /** argon2id cost for password hashes; never below OWASP's minimum outside NODE_ENV=test. */
  argon2: { memoryKib: number; timeCost: number };
  /**
   * Which proxies to believe about the client's address (X-Forwarded-For): false (none), true
   * (all), a hop count, or addresses/CIDRs. Per-IP rate limits depend on it behind a load balancer.
   */
  trustProxy: boolean | number | string[];
  /** Where uploaded files live: local disk (`${dataDir}/files`) or an S3-compatible bucket. */
  storage: StorageConfig;
  /** Upload byte limits per kind of file, and how long a signed file URL lives. */
  uploads: { maxBytes: { image: number; video: number; resource: number }; urlTtlSeconds: number };
  /** Seconds after a quiz deadline still accepted (network), and how often overdue attempts are closed (0 = never). */
  quizzes: { graceSeconds: number; sweepIntervalSeconds: number };
  /**
   * How long position-only progress heartbeats may wait in memory before they are written together
   * (milliseconds); 0 writes every report before answering it. Completions and notes never wait.
   */
  progressHeartbeatFlushMs: number;
  /**
   * How long a learner's allowed access to a lesson is remembered for their position-only
   * heartbeats (milliseconds, per sign-in session); 0 checks it on every heartbeat.
   */
  progressAccessMemoMs: number;
  /** The code judge worker: concurrent sandbox runs and where the sandbox finds its tools. */
  judge: JudgeConfig;
  /**
   * Payments: Stripe when a secret key is set, else the built-in test checkout (no money moves).
   * `apiBase` points the SDK elsewhere (a local stand-in in tests). Never log the keys.
   */
  payments: {
    stripeSecretKey: string | undefined;
    stripeWebhookSecret: string | undefined;
    stripeApiBase: string | undefined;
    currency: string;
    /** Minutes a checkout (and the promotional code it reserves) stays open; Stripe allows 30–1440. */
    checkoutTtlMinutes: number;
  };
  /** Realtime fan-out: subscribers authorised per statement, and such statements in flight at once. */
  realtime: { batchSize: number; concurrency: number };
}

export interface JudgeConfig {
  /** Concurrent sandboxed runs in this worker (default: one per core). */
  slots: number;
  /** Work directory for boxes, the launcher and the seccomp filter; absent means the system temp dir. */
  workDir: string | undefined;
  /** First slot uid when the worker runs as root (slot n runs as uidBase + n). */
  uidBase: number;
  /** A real python3.X interpreter binary; absent means the newest /usr/bin/python3.X. */
  python: string | undefined;
  /** The bubblewrap binary; absent means `bwrap` on PATH. */
  bwrap: string | undefined;
  /** A JDK 17+; absent means the JDK of `javac` on PATH, else Debian's openjdk-17. */
  javaHome: string | undefined;
}

export type StorageConfig =
  | { driver: 'local'; dir: string }
  | {
      driver: 's3';
      /** Absent means AWS itself; set it for MinIO, R2, B2, Ceph… */
      endpoint: string | undefined;
      region: string;
      bucket: string;
      /** Both absent means the AWS SDK's default credential chain (environment, instance role…). */
      accessKeyId: string | undefined;
      /** Never log it. */
      secretAccessKey: string | undefined;
      forcePathStyle: boolean;
    };

/** What the environment alone yields: the JWT secret may still have to come from `${dataDir}/jwt-secret`. */
export type ParsedConfig = Omit<Config, 'jwtSecret'> & { jwtSecret: string | undefined };

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
}

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const envSchema = z.object({
  PORT: int(0, 65_535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  DATABASE_POOL_SIZE: int(1, 1000).default(10),
  PGLITE_WORKER: z.stringbool().default(true),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  JWT_SECRET: z.string().min(MIN_SECRET_LENGTH).optional(),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  BODY_LIMIT_BYTES: int(1, 1024 * 1024 * 1024).default(1024 * 1024),
  SEED_DEMO: z.stringbool().default(true),
  SHUTDOWN_TIMEOUT_MS: int(1, 24 * 60 * 60 * 1000).default(10_000),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  SMTP_URL: z.url({ protocol: /^smtps?$/, hostname: /^\S+$/ }).optional(),
  MAIL_FROM: z
    .string()
    .regex(/^(?:[^<>@\r\n]*<[^<>@\s]+@[^<>@\s]+>|[^<>@\s]+@[^<>@\s]+)$/)
    .default('UsefulWriter <no-reply@localhost>'),
  ARGON2_MEMORY_KIB: int(8, 4 * 1024 * 1024).default(OWASP_ARGON2_MINIMUM.memoryKib),
  ARGON2_TIME_COST: int(1, 100).default(OWASP_ARGON2_MINIMUM.timeCost),
  TRUST_PROXY: z
    .string()
    .regex(/^(true|false|\d{1,2}|[0-9a-fA-F.:/]+(,[0-9a-fA-F.:/]+)*)$/)
    .default('false'),
  STORAGE_DRIVER: z.enum(['local', 's3']).default('local'),
  S3_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  S3_REGION: z
    .string()
    .regex(/^[a-z0-9-]{1,64}$/)
    .default('us-east-1'),
  S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/)
    .optional(),
  S3_ACCESS_KEY_ID: z.string().min(1).max(256).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).max(256).optional(),
  S3_FORCE_PATH_STYLE: z.stringbool().default(false),
  UPLOAD_MAX_IMAGE_BYTES: int(1, 1024 ** 4).default(10 * 1024 * 1024),
  UPLOAD_MAX_VIDEO_BYTES: int(1, 1024 ** 4).default(2 * 1024 * 1024 * 1024),
  UPLOAD_MAX_RESOURCE_BYTES: int(1, 1024 ** 4).default(100 * 1024 * 1024),
  FILE_URL_TTL_SECONDS: int(10, 7 * 24 * 60 * 60).default(300),
  QUIZ_GRACE_SECONDS: int(0, 300).default(10),
  QUIZ_SWEEP_INTERVAL_SECONDS: int(0, 3600).default(30),
  PROGRESS_HEARTBEAT_FLUSH_MS: int(0, 10_000).default(2000),
  PROGRESS_ACCESS_MEMO_MS: int(0, 60_000).default(0),
  UW_JUDGE_SLOTS: int(1, 256).optional(),
  UW_JUDGE_DIR: z.string().regex(/^\//).optional(),
  UW_JUDGE_UID_BASE: int(1000, 2 ** 31 - 65_536).default(60_000),
  UW_JUDGE_PYTHON: z.string().regex(/^\//).optional(),
  UW_JUDGE_BWRAP: z.string().regex(/^\//).optional(),
  JAVA_HOME: z.string().regex(/^\//).optional(),
  STRIPE_SECRET_KEY: z
    .string()
    .regex(/^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/)
    .optional(),
  STRIPE_WEBHOOK_SECRET: z
    .string()
    .regex(/^whsec_[A-Za-z0-9_]+$/)
    .optional(),
  STRIPE_API_BASE: z.url({ protocol: /^https?$/ }).optional(),
  PAYMENTS_CURRENCY: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .default('USD'),
  CHECKOUT_TTL_MINUTES: int(30, 1440).default(60),
  REALTIME_BATCH_SIZE: int(1, 10_000).default(500),
  REALTIME_CONCURRENCY: int(1, 64).default(2),
});

type EnvName = keyof typeof envSchema.shape;

/** One line per variable: what a valid value looks like (also the source of docs/configuration.md). */
export const EXPECTED: Record<EnvName, string> = {
  PORT: 'an integer from 0 to 65535 (0 picks a free port)',
  HOST: 'a non-empty host or IP address to listen on',
  DATA_DIR: 'a non-empty directory path',
  DATABASE_URL: 'a postgres:// or postgresql:// URL',
  DATABASE_POOL_SIZE: 'an integer from 1 to 1000',
  PGLITE_WORKER: 'true or false (also 1/0, yes/no, on/off)',
  LOG_LEVEL: `one of ${LOG_LEVELS.join(', ')}`,
  JWT_SECRET: `a string of at least ${MIN_SECRET_LENGTH} characters`,
  PUBLIC_URL: 'an http:// or https:// URL',
  BODY_LIMIT_BYTES: 'an integer number of bytes from 1 to 1073741824',
  SEED_DEMO: 'true or false (also 1/0, yes/no, on/off)',
  SHUTDOWN_TIMEOUT_MS: 'an integer number of milliseconds from 1 to 86400000',
  NODE_ENV: 'one of development, production, test',
  SMTP_URL: 'an smtp:// or smtps:// URL (smtp://user:password@host:587)',
  MAIL_FROM: 'an address (no-reply@example.org) or a name and address (Name <no-reply@example.org>)',
  ARGON2_MEMORY_KIB: `an integer number of KiB, at least ${OWASP_ARGON2_MINIMUM.memoryKib} (lower only with NODE_ENV=test)`,
  ARGON2_TIME_COST: `an integer number of passes, at least ${OWASP_ARGON2_MINIMUM.timeCost} (lower only with NODE_ENV=test)`,
  TRUST_PROXY: 'false, true, a number of proxy hops (1), or comma-separated proxy addresses/CIDRs',
  STORAGE_DRIVER: 'local or s3',
  S3_ENDPOINT: 'an http:// or https:// URL of an S3-compatible service',
  S3_REGION: 'a region name such as us-east-1 (lowercase letters, digits and hyphens)',
  S3_BUCKET:
    'a bucket name (3–63 lowercase letters, digits, dots and hyphens); required with STORAGE_DRIVER=s3',
  S3_ACCESS_KEY_ID: 'an access key id (set together with S3_SECRET_ACCESS_KEY)',
  S3_SECRET_ACCESS_KEY: 'a secret access key (set together with S3_ACCESS_KEY_ID)',
  S3_FORCE_PATH_STYLE: 'true or false (also 1/0, yes/no, on/off)',
  UPLOAD_MAX_IMAGE_BYTES: 'an integer number of bytes from 1 to 1099511627776',
  UPLOAD_MAX_VIDEO_BYTES: 'an integer number of bytes from 1 to 1099511627776',
  UPLOAD_MAX_RESOURCE_BYTES: 'an integer number of bytes from 1 to 1099511627776',
  FILE_URL_TTL_SECONDS: 'an integer number of seconds from 10 to 604800',
  QUIZ_GRACE_SECONDS: 'an integer number of seconds from 0 to 300',
  QUIZ_SWEEP_INTERVAL_SECONDS: 'an integer number of seconds from 0 (no sweep) to 3600',
  PROGRESS_HEARTBEAT_FLUSH_MS: 'an integer number of milliseconds from 0 (off) to 10000',
  PROGRESS_ACCESS_MEMO_MS: 'an integer number of milliseconds from 0 (off) to 60000',
  UW_JUDGE_SLOTS: 'an integer from 1 to 256 (concurrent sandboxed runs per judge worker)',
  UW_JUDGE_DIR: 'an absolute directory path',
  UW_JUDGE_UID_BASE: 'an integer uid from 1000 (slot uids start here when the worker runs as root)',
  UW_JUDGE_PYTHON: 'an absolute path to a python3.X interpreter binary',
  UW_JUDGE_BWRAP: 'an absolute path to the bwrap binary',
  JAVA_HOME: 'an absolute path to a JDK 17 or newer',
  STRIPE_SECRET_KEY:
    'a Stripe secret or restricted key (sk_test_…, sk_live_…); unset means the built-in test checkout',
  STRIPE_WEBHOOK_SECRET: 'the webhook signing secret (whsec_…); required with STRIPE_SECRET_KEY',
  STRIPE_API_BASE:
    'an http:// or https:// URL of a Stripe-compatible API (tests); unset means api.stripe.com',
  PAYMENTS_CURRENCY: 'a three-letter ISO 4217 code in capitals (USD)',
  CHECKOUT_TTL_MINUTES: 'an integer number of minutes from 30 to 1440',
  REALTIME_BATCH_SIZE: 'an integer number of subscribers from 1 to 10000',
  REALTIME_CONCURRENCY: 'an integer from 1 to 64',
};

/** Values never echoed back in error messages (a database URL may carry a password). */
const SECRET_VARS = new Set<EnvName>([
  'JWT_SECRET',
  'DATABASE_URL',
  'SMTP_URL',
  'S3_ACCESS_KEY_ID',
  'S3_SECRET_ACCESS_KEY',
  'STRIPE_SECRET_KEY',
  'STRIPE_WEBHOOK_SECRET',
]);

/**
 * Parses the environment without side effects. Throws a ConfigError listing every problem, one
 * line per variable. Empty strings count as unset, as they do in most .env tooling.
 */
export function parseConfig(env: Record<string, string | undefined>): ParsedConfig {
  const names = Object.keys(envSchema.shape) as EnvName[];
  const input: Partial<Record<EnvName, string>> = {};
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) input[name] = value;
  }

  const problems = new Map<EnvName, string>();
  const result = envSchema.safeParse(input);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const name = issue.path[0] as EnvName;
      if (problems.has(name)) continue;
      const got = SECRET_VARS.has(name) ? '' : `, got ${JSON.stringify(input[name])}`;
      problems.set(name, `${name}: expected ${EXPECTED[name]}${got}`);
    }
  }
  // Every API instance must verify every other instance's tokens, so a shared database needs a shared secret.
  if (input.DATABASE_URL && !input.JWT_SECRET && !problems.has('JWT_SECRET')) {
    problems.set(
      'JWT_SECRET',
      `JWT_SECRET: required when DATABASE_URL is set (all instances must share it); expected ${EXPECTED.JWT_SECRET}`,
    );
  }
  // The cost may only go below OWASP's minimum in tests (fast suites); never in a deployment.
  if (result.success && result.data.NODE_ENV !== 'test') {
    if (result.data.ARGON2_MEMORY_KIB < OWASP_ARGON2_MINIMUM.memoryKib)
      problems.set('ARGON2_MEMORY_KIB', `ARGON2_MEMORY_KIB: expected ${EXPECTED.ARGON2_MEMORY_KIB}`);
    if (result.data.ARGON2_TIME_COST < OWASP_ARGON2_MINIMUM.timeCost)
      problems.set('ARGON2_TIME_COST', `ARGON2_TIME_COST: expected ${EXPECTED.ARGON2_TIME_COST}`);
  }
  // An S3 store needs a bucket; a key id without its secret (or the reverse) is a typo, not a choice.
  if (input.STORAGE_DRIVER === 's3' && !input.S3_BUCKET && !problems.has('S3_BUCKET'))
    problems.set('S3_BUCKET', `S3_BUCKET: required with STORAGE_DRIVER=s3; expected ${EXPECTED.S3_BUCKET}`);
  if (Boolean(input.S3_ACCESS_KEY_ID) !== Boolean(input.S3_SECRET_ACCESS_KEY)) {
    const missing = input.S3_ACCESS_KEY_ID ? 'S3_SECRET_ACCESS_KEY' : 'S3_ACCESS_KEY_ID';
    if (!problems.has(missing)) problems.set(missing, `${missing}: expected ${EXPECTED[missing]}`);
  }
  // Stripe without its webhook secret would take money and never hear that it did.
  if (input.STRIPE_SECRET_KEY && !input.STRIPE_WEBHOOK_SECRET && !problems.has('STRIPE_WEBHOOK_SECRET'))
    problems.set(
      'STRIPE_WEBHOOK_SECRET',
      `STRIPE_WEBHOOK_SECRET: required with STRIPE_SECRET_KEY; expected ${EXPECTED.STRIPE_WEBHOOK_SECRET}`,
    );
  if (!result.success || problems.size > 0) throw new ConfigError([...problems.values()]);

  const e = result.data;
  const dataDir = resolve(e.DATA_DIR);
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir,
    databaseUrl: e.DATABASE_URL,
    pgliteDir: join(dataDir, 'pglite'),
    pgliteWorker: e.PGLITE_WORKER,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    logLevel: e.LOG_LEVEL,
    jwtSecret: e.JWT_SECRET,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    seedDemo: e.SEED_DEMO,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    nodeEnv: e.NODE_ENV,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    argon2: { memoryKib: e.ARGON2_MEMORY_KIB, timeCost: e.ARGON2_TIME_COST },
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    storage:
      e.STORAGE_DRIVER === 's3'
        ? {
            driver: 's3',
            endpoint: e.S3_ENDPOINT,
            region: e.S3_REGION,
            bucket: e.S3_BUCKET!,
            accessKeyId: e.S3_ACCESS_KEY_ID,
            secretAccessKey: e.S3_SECRET_ACCESS_KEY,
            forcePathStyle: e.S3_FORCE_PATH_STYLE,
          }
        : { driver: 'local', dir: join(dataDir, 'files') },
    uploads: {
      maxBytes: {
        image: e.UPLOAD_MAX_IMAGE_BYTES,
        video: e.UPLOAD_MAX_VIDEO_BYTES,
        resource: e.UPLOAD_MAX_RESOURCE_BYTES,
      },
      urlTtlSeconds: e.FILE_URL_TTL_SECONDS,
    },
    quizzes: { graceSeconds: e.QUIZ_GRACE_SECONDS, sweepIntervalSeconds: e.QUIZ_SWEEP_INTERVAL_SECONDS },
    progressHeartbeatFlushMs: e.PROGRESS_HEARTBEAT_FLUSH_MS,
    progressAccessMemoMs: e.PROGRESS_ACCESS_MEMO_MS,
    judge: {
      slots: e.UW_JUDGE_SLOTS ?? availableParallelism(),
      workDir: e.UW_JUDGE_DIR,
      uidBase: e.UW_JUDGE_UID_BASE,
      python: e.UW_JUDGE_PYTHON,
      bwrap: e.UW_JUDGE_BWRAP,
      javaHome: e.JAVA_HOME,
    },
    payments: {
      stripeSecretKey: e.STRIPE_SECRET_KEY,
      stripeWebhookSecret: e.STRIPE_WEBHOOK_SECRET,
      stripeApiBase: e.STRIPE_API_BASE,
      currency: e.PAYMENTS_CURRENCY,
      checkoutTtlMinutes: e.CHECKOUT_TTL_MINUTES,
    },
    realtime: { batchSize: e.REALTIME_BATCH_SIZE, concurrency: e.REALTIME_CONCURRENCY },
  };
}

function parseTrustProxy(value: string): boolean | number | string[] {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value.split(',');
}

/**
 * Completes the config with a JWT secret: the configured one, else (embedded PGlite only) the one
 * persisted at `${dataDir}/jwt-secret`, generated on first start with mode 0600 so tokens survive
 * restarts.
 */
export function resolveJwtSecret(parsed: ParsedConfig): Config {
  if (parsed.jwtSecret) return { ...parsed, jwtSecret: parsed.jwtSecret };
  const file = join(parsed.dataDir, 'jwt-secret');
  mkdirSync(parsed.dataDir, { recursive: true });
  try {
    // 'wx' fails when the file exists, so two processes starting at once cannot overwrite each other.
    writeFileSync(file, `${randomBytes(48).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  chmodSync(file, 0o600);
  const secret = readFileSync(file, 'utf8').trim();
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new ConfigError([
      `JWT_SECRET: the secret stored in ${file} is shorter than ${MIN_SECRET_LENGTH} characters; delete the file to generate a new one`,
    ]);
  }
  return { ...parsed, jwtSecret: secret };
}

/** Boot-time entry: parses and completes the config, or prints every problem and exits 1. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  try {
    return resolveJwtSecret(parseConfig(env));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\nSee docs/configuration.md and .env.example.\n`);
    process.exit(1);
  }
}

/** The config as it may be logged: secrets out, passwords masked. */
export function describeConfig(config: Config): Record<string, unknown> {
  const masked = (value: string | undefined) => {
    if (!value) return undefined;
    const url = new URL(value);
    if (url.password) url.password = '***';
    return url.toString();
  };
  return {
    ...config,
    databaseUrl: masked(config.databaseUrl),
    smtpUrl: masked(config.smtpUrl),
    jwtSecret: '[redacted]',
    storage:
      config.storage.driver === 's3'
        ? {
            ...config.storage,
            accessKeyId: config.storage.accessKeyId && '[redacted]',
            secretAccessKey: config.storage.secretAccessKey && '[redacted]',
          }
        : config.storage,
    payments: {
      ...config.payments,
      stripeSecretKey: config.payments.stripeSecretKey && '[redacted]',
      stripeWebhookSecret: config.payments.stripeWebhookSecret && '[redacted]',
    },
  };
}
