import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, EXPECTED, parseConfig, resolveJwtSecret } from './config.ts';

const SECRET = 's'.repeat(32);

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('applies the documented defaults to an empty environment', () => {
    expect(parseConfig({})).toEqual({
      port: 3000,
      host: '0.0.0.0',
      dataDir: resolve('./data'),
      databaseUrl: undefined,
      pgliteDir: join(resolve('./data'), 'pglite'),
      pgliteWorker: true,
      databasePoolSize: 10,
      logLevel: 'info',
      jwtSecret: undefined,
      publicUrl: 'http://localhost:3000',
      bodyLimitBytes: 1024 * 1024,
      seedDemo: true,
      shutdownTimeoutMs: 10_000,
      nodeEnv: 'development',
      smtpUrl: undefined,
      mailFrom: 'UsefulWriter <no-reply@localhost>',
      argon2: { memoryKib: 19_456, timeCost: 2 },
      trustProxy: false,
      storage: { driver: 'local', dir: join(resolve('./data'), 'files') },
      uploads: {
        maxBytes: { image: 10 * 1024 * 1024, video: 2 * 1024 ** 3, resource: 100 * 1024 * 1024 },
        urlTtlSeconds: 300,
      },
      quizzes: { graceSeconds: 10, sweepIntervalSeconds: 30 },
      progressHeartbeatFlushMs: 2000,
      progressAccessMemoMs: 0,
      judge: {
        slots: availableParallelism(),
        workDir: undefined,
        uidBase: 60_000,
        python: undefined,
        bwrap: undefined,
        javaHome: undefined,
      },
      payments: {
        stripeSecretKey: undefined,
        stripeWebhookSecret: undefined,
        stripeApiBase: undefined,
        currency: 'USD',
        checkoutTtlMinutes: 60,
      },
      realtime: { batchSize: 500, concurrency: 2 },
    });
  });

  it('reads every variable', () => {
    const config = parseConfig({
      PORT: '8080',
      HOST: '127.0.0.1',
      DATA_DIR: '/var/lib/uw',
      DATABASE_URL: 'postgresql://uw:pw@db:5432/uw',
      DATABASE_POOL_SIZE: '25',
      PGLITE_WORKER: 'false',
      LOG_LEVEL: 'debug',
      JWT_SECRET: SECRET,
      PUBLIC_URL: 'https://learn.example.org/',
      BODY_LIMIT_BYTES: '2048',
      SEED_DEMO: 'false',
      SHUTDOWN_TIMEOUT_MS: '500',
      NODE_ENV: 'production',
      SMTP_URL: 'smtps://mailer:pw@smtp.example.org:465',
      MAIL_FROM: 'Learn <no-reply@learn.example.org>',
      ARGON2_MEMORY_KIB: '65536',
      ARGON2_TIME_COST: '3',
      TRUST_PROXY: '10.0.0.0/8,192.168.1.1',
      STORAGE_DRIVER: 's3',
      S3_ENDPOINT: 'http://minio:9000',
      S3_REGION: 'eu-west-1',
      S3_BUCKET: 'course-files',
      S3_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      S3_SECRET_ACCESS_KEY: 'secret-key',
      S3_FORCE_PATH_STYLE: 'true',
      UPLOAD_MAX_IMAGE_BYTES: '1000',
      UPLOAD_MAX_VIDEO_BYTES: '2000',
      UPLOAD_MAX_RESOURCE_BYTES: '3000',
      FILE_URL_TTL_SECONDS: '60',
      QUIZ_GRACE_SECONDS: '5',
      QUIZ_SWEEP_INTERVAL_SECONDS: '0',
      PROGRESS_HEARTBEAT_FLUSH_MS: '0',
      PROGRESS_ACCESS_MEMO_MS: '15000',
      UW_JUDGE_SLOTS: '3',
      UW_JUDGE_DIR: '/var/lib/uw-judge',
      UW_JUDGE_UID_BASE: '70000',
      UW_JUDGE_PYTHON: '/usr/bin/python3.11',
      UW_JUDGE_BWRAP: '/usr/local/bin/bwrap',
      JAVA_HOME: '/usr/lib/jvm/java-17-openjdk-amd64',
      STRIPE_SECRET_KEY: 'sk_live_abc123',
      STRIPE_WEBHOOK_SECRET: 'whsec_abc123',
      STRIPE_API_BASE: 'http://stripe-mock:12111',
      PAYMENTS_CURRENCY: 'EUR',
      CHECKOUT_TTL_MINUTES: '45',
      REALTIME_BATCH_SIZE: '100',
      REALTIME_CONCURRENCY: '4',
    });
    expect(config).toEqual({
      port: 8080,
      host: '127.0.0.1',
      dataDir: '/var/lib/uw',
      databaseUrl: 'postgresql://uw:pw@db:5432/uw',
      pgliteDir: '/var/lib/uw/pglite',
      pgliteWorker: false,
      databasePoolSize: 25,
      logLevel: 'debug',
      jwtSecret: SECRET,
      publicUrl: 'https://learn.example.org',
      bodyLimitBytes: 2048,
      seedDemo: false,
      shutdownTimeoutMs: 500,
      nodeEnv: 'production',
      smtpUrl: 'smtps://mailer:pw@smtp.example.org:465',
      mailFrom: 'Learn <no-reply@learn.example.org>',
      argon2: { memoryKib: 65_536, timeCost: 3 },
      trustProxy: ['10.0.0.0/8', '192.168.1.1'],
      storage: {
        driver: 's3',
        endpoint: 'http://minio:9000',
        region: 'eu-west-1',
        bucket: 'course-files',
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'secret-key',
        forcePathStyle: true,
      },
      uploads: { maxBytes: { image: 1000, video: 2000, resource: 3000 }, urlTtlSeconds: 60 },
      quizzes: { graceSeconds: 5, sweepIntervalSeconds: 0 },
      progressHeartbeatFlushMs: 0,
      progressAccessMemoMs: 15000,
      judge: {
        slots: 3,
        workDir: '/var/lib/uw-judge',
        uidBase: 70_000,
        python: '/usr/bin/python3.11',
        bwrap: '/usr/local/bin/bwrap',
        javaHome: '/usr/lib/jvm/java-17-openjdk-amd64',
      },
      payments: {
        stripeSecretKey: 'sk_live_abc123',
        stripeWebhookSecret: 'whsec_abc123',
        stripeApiBase: 'http://stripe-mock:12111',
        currency: 'EUR',
        checkoutTtlMinutes: 45,
      },
      realtime: { batchSize: 100, concurrency: 4 },
    });
  });

  it('refuses an argon2 cost below OWASP’s minimum except in tests', () => {
    const weak = { ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1' };
    expect(problemsOf({ ...weak, NODE_ENV: 'production' })).toEqual([
      `ARGON2_MEMORY_KIB: expected ${EXPECTED.ARGON2_MEMORY_KIB}`,
      `ARGON2_TIME_COST: expected ${EXPECTED.ARGON2_TIME_COST}`,
    ]);
    expect(problemsOf({ ...weak })).toHaveLength(2); // development too
    expect(parseConfig({ ...weak, NODE_ENV: 'test' }).argon2).toEqual({ memoryKib: 1024, timeCost: 1 });
  });

  it('reads TRUST_PROXY as a boolean, a hop count or addresses', () => {
    expect(parseConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(parseConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(problemsOf({ TRUST_PROXY: 'everyone' })).toHaveLength(1);
  });

  it('derives PUBLIC_URL from PORT and treats empty strings as unset', () => {
    const config = parseConfig({ PORT: '4000', HOST: '', SEED_DEMO: '  ' });
    expect(config.publicUrl).toBe('http://localhost:4000');
    expect(config.host).toBe('0.0.0.0');
    expect(config.seedDemo).toBe(true);
  });

  it('lists every problem, one line per variable, saying what is expected', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      DATABASE_POOL_SIZE: '0',
      LOG_LEVEL: 'loud',
      PUBLIC_URL: 'ftp://example.org',
      BODY_LIMIT_BYTES: '1.5',
      SEED_DEMO: 'maybe',
      SHUTDOWN_TIMEOUT_MS: '-1',
      NODE_ENV: 'staging',
      DATABASE_URL: 'mysql://root:hunter2@db/uw',
    });
    expect(problems).toHaveLength(10);
    expect(problems).toEqual(
      expect.arrayContaining([
        'PORT: expected an integer from 0 to 65535 (0 picks a free port), got "eighty"',
        'DATABASE_POOL_SIZE: expected an integer from 1 to 1000, got "0"',
        'LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"',
        'PUBLIC_URL: expected an http:// or https:// URL, got "ftp://example.org"',
        'SEED_DEMO: expected true or false (also 1/0, yes/no, on/off), got "maybe"',
        'NODE_ENV: expected one of development, production, test, got "staging"',
        // A database URL may carry a password: its value is never echoed.
        'DATABASE_URL: expected a postgres:// or postgresql:// URL',
        expect.stringMatching(/^JWT_SECRET: required when DATABASE_URL is set/),
      ]),
    );
    expect(problems.some((p) => p.startsWith('BODY_LIMIT_BYTES: '))).toBe(true);
    expect(problems.some((p) => p.startsWith('SHUTDOWN_TIMEOUT_MS: '))).toBe(true);
    expect(problems.join('\n')).not.toContain('hunter2');
  });

  it('puts every problem in the ConfigError message', () => {
    expect(() => parseConfig({ PORT: 'x', LOG_LEVEL: 'y' })).toThrow(
      /2 problems[\s\S]*- PORT: [\s\S]*- LOG_LEVEL: /,
    );
  });

  describe('JWT_SECRET', () => {
    it('must be at least 32 characters, and is never echoed', () => {
      expect(problemsOf({ JWT_SECRET: 'short-secret' })).toEqual([
        'JWT_SECRET: expected a string of at least 32 characters',
      ]);
    });

    it('is required with DATABASE_URL, because all instances must share it', () => {
      const problems = problemsOf({ DATABASE_URL: 'postgres://db/uw', PORT: 'x' });
      expect(problems).toHaveLength(2);
      expect(problems).toContainEqual(
        expect.stringMatching(/^JWT_SECRET: required when DATABASE_URL is set/),
      );
    });

    it('may be absent with embedded PGlite', () => {
      expect(parseConfig({}).jwtSecret).toBeUndefined();
      expect(parseConfig({ DATABASE_URL: 'postgres://db/uw', JWT_SECRET: SECRET }).jwtSecret).toBe(SECRET);
    });
  });
});

describe('SMTP_URL and MAIL_FROM', () => {
  it('accept smtp:// and smtps:// URLs and plain or named addresses', () => {
    expect(parseConfig({ SMTP_URL: 'smtp://127.0.0.1:2525' }).smtpUrl).toBe('smtp://127.0.0.1:2525');
    expect(parseConfig({ MAIL_FROM: 'no-reply@example.org' }).mailFrom).toBe('no-reply@example.org');
  });

  it('refuse other URLs without echoing them (they may carry a password), and malformed senders', () => {
    expect(
      problemsOf({ SMTP_URL: 'http://mailer:hunter2@smtp.example.org', MAIL_FROM: 'Name <a@b> c@d' }),
    ).toEqual([
      `SMTP_URL: expected ${EXPECTED.SMTP_URL}`,
      `MAIL_FROM: expected ${EXPECTED.MAIL_FROM}, got "Name <a@b> c@d"`,
    ]);
    expect(problemsOf({ SMTP_URL: 'smtp:/no-host' })).toHaveLength(1);
  });

  it('describeConfig masks the SMTP password', () => {
    const config = resolveJwtSecret(
      parseConfig({ SMTP_URL: 'smtp://mailer:hunter2@smtp.example.org:587', JWT_SECRET: SECRET }),
    );
    const text = JSON.stringify(describeConfig(config));
    expect(text).not.toContain('hunter2');
    expect(text).toContain('smtp://mailer:***@smtp.example.org:587');
  });
});

describe('file storage', () => {
  it('needs a bucket for S3, and an access key id and secret together', () => {
    expect(problemsOf({ STORAGE_DRIVER: 's3' })).toEqual([
      `S3_BUCKET: required with STORAGE_DRIVER=s3; expected ${EXPECTED.S3_BUCKET}`,
    ]);
    expect(problemsOf({ S3_SECRET_ACCESS_KEY: 'hunter2' })).toEqual([
      `S3_ACCESS_KEY_ID: expected ${EXPECTED.S3_ACCESS_KEY_ID}`,
    ]);
    expect(parseConfig({ STORAGE_DRIVER: 's3', S3_BUCKET: 'files' }).storage).toMatchObject({
      driver: 's3',
      region: 'us-east-1',
      accessKeyId: undefined,
      forcePathStyle: false,
    });
  });

  it('refuses malformed values without echoing the secret, and describeConfig redacts it', () => {
    expect(problemsOf({ STORAGE_DRIVER: 'ftp', S3_BUCKET: 'No_Such', FILE_URL_TTL_SECONDS: '5' })).toEqual([
      `STORAGE_DRIVER: expected ${EXPECTED.STORAGE_DRIVER}, got "ftp"`,
      `S3_BUCKET: expected ${EXPECTED.S3_BUCKET}, got "No_Such"`,
      `FILE_URL_TTL_SECONDS: expected ${EXPECTED.FILE_URL_TTL_SECONDS}, got "5"`,
    ]);
    const config = resolveJwtSecret(
      parseConfig({
        STORAGE_DRIVER: 's3',
        S3_BUCKET: 'files',
        S3_ACCESS_KEY_ID: 'AKIDEXAMPLE',
        S3_SECRET_ACCESS_KEY: 'hunter2',
        JWT_SECRET: SECRET,
      }),
    );
    const text = JSON.stringify(describeConfig(config));
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('AKIDEXAMPLE');
    expect(text).toContain('"bucket":"files"');
  });
});

describe('resolveJwtSecret', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('keeps a configured secret and writes no file', () => {
    dir = mkdtempSync(join(tmpdir(), 'uw-config-'));
    const config = resolveJwtSecret(parseConfig({ DATA_DIR: dir, JWT_SECRET: SECRET }));
    expect(config.jwtSecret).toBe(SECRET);
    expect(() => statSync(join(dir!, 'jwt-secret'))).toThrow();
  });

  it('generates a secret once at DATA_DIR/jwt-secret with mode 0600 and reuses it', () => {
    dir = mkdtempSync(join(tmpdir(), 'uw-config-'));
    const first = resolveJwtSecret(parseConfig({ DATA_DIR: join(dir, 'data') }));
    const file = join(dir, 'data', 'jwt-secret');
    expect(first.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toBe(first.jwtSecret);
    const second = resolveJwtSecret(parseConfig({ DATA_DIR: join(dir, 'data') }));
    expect(second.jwtSecret).toBe(first.jwtSecret);
  });

  it('refuses a stored secret that is too short', () => {
    dir = mkdtempSync(join(tmpdir(), 'uw-config-'));
    writeFileSync(join(dir, 'jwt-secret'), 'short\n');
    expect(() => resolveJwtSecret(parseConfig({ DATA_DIR: dir }))).toThrow(ConfigError);
  });
});

describe('describeConfig', () => {
  it('hides the JWT secret and the database password', () => {
    const config = resolveJwtSecret(
      parseConfig({ DATABASE_URL: 'postgres://uw:hunter2@db:5432/uw', JWT_SECRET: SECRET }),
    );
    const text = JSON.stringify(describeConfig(config));
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('hunter2');
    expect(text).toContain('postgres://uw:***@db:5432/uw');
  });
});

describe('documentation', () => {
  const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');

  it('.env.example documents every variable and parses as it stands', () => {
    const text = read('../.env.example');
    const env: Record<string, string> = {};
    for (const line of text.split('\n')) {
      const match = /^([A-Z_]+)=(.*)$/.exec(line);
      if (match) env[match[1]!] = match[2]!;
    }
    for (const name of Object.keys(EXPECTED)) {
      expect(text, name).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
    }
    expect(() => parseConfig(env)).not.toThrow();
  });

  it("the README's configuration table has a row for every variable", () => {
    const text = read('../README.md');
    for (const name of Object.keys(EXPECTED)) expect(text, name).toContain(`| \`${name}\` |`);
  });
});
