import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyPluginAsync,
  type RawServerDefault,
} from 'fastify';
import {
  createJsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type FastifyPluginAsyncZod,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorBodySchema } from '../contracts/errors.ts';
import type { Config } from './config.ts';
import { MigrationError, pendingMigrations, readMigrations, type Migration } from './db/migrate.ts';
import type { Db } from './db/session.ts';
import { accountsRoutes } from './modules/accounts/accounts.routes.ts';
import { catalogRoutes } from './modules/catalog/catalog.routes.ts';
import { certificatesRoutes } from './modules/certificates/certificates.routes.ts';
import { challengesRoutes } from './modules/challenges/challenges.routes.ts';
import { findCertificatePageMeta } from './modules/certificates/certificates.service.ts';
import { authoringRoutes } from './modules/authoring/authoring.routes.ts';
import { coursesRoutes } from './modules/courses/courses.routes.ts';
import { fileContentPath, filesRoutes } from './modules/files/files.routes.ts';
import { landingRoutes } from './modules/courses/landing.routes.ts';
import { findPageMeta } from './modules/courses/landing.service.ts';
import { learningRoutes } from './modules/learning/learning.routes.ts';
import { mailboxRoutes } from './modules/mailbox/mailbox.routes.ts';
import { markdownRoutes } from './modules/markdown/markdown.routes.ts';
import { quizzesRoutes } from './modules/quizzes/quizzes.routes.ts';
import { paymentsRoutes } from './modules/payments/payments.routes.ts';
import { authPlugin } from './platform/auth.ts';
import { createBackground, type Background } from './platform/background.ts';
import { createJobs, type Jobs } from './platform/jobs/jobs.ts';
import { AppError, installErrorHandlers, sendError } from './platform/errors.ts';
import { createLogger } from './platform/logger.ts';
import { webPlugin } from './platform/web.ts';
import { createMailer, type Mailer } from './platform/mail/mailer.ts';
import { createPasswordHasher, type PasswordHasher } from './platform/passwords/passwords.ts';
import { createStorage, type ObjectStorage } from './platform/storage/storage.ts';
import { realtimeRoutes } from './platform/realtime/realtime.routes.ts';

/** A Fastify instance whose routes are typed from their zod schemas. */
export type App = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  ZodTypeProvider
>;

declare module 'fastify' {
  interface FastifyInstance {
    /** The parsed configuration (server side only: it holds the JWT secret). */
    config: Config;
    /** Sends email (outbox, or SMTP with SMTP_URL). Call it after your unit of work commits. */
    mailer: Mailer;
    /** Work started by requests and finished after the reply (see platform/background.ts). */
    background: Background;
    /** Where uploaded files live (local disk or S3, by STORAGE_DRIVER). */
    storage: ObjectStorage;
    /**
     * The database, for work that outlives a request (buffers flushed later, jobs). Inside a
     * request use `request.db`, which runs as the caller.
     */
    db: Db;
    /** Background jobs (pg-boss): send, poll results; the worker role also runs handlers. */
    jobs: Jobs;
  }
}

/**
 * Domain modules: `server/modules/<domain>/<domain>.routes.ts` exports a Fastify plugin with its
 * routes (HTTP + schema only). Register each here, one line per module — this is the only place.
 */
const modules: Array<{ prefix: string; routes: FastifyPluginAsyncZod | FastifyPluginAsync }> = [
  { prefix: '/api', routes: catalogRoutes },
  { prefix: '/api', routes: coursesRoutes },
  { prefix: '/api', routes: landingRoutes },
  { prefix: '/api', routes: authoringRoutes },
  { prefix: '/api', routes: mailboxRoutes },
  { prefix: '/api', routes: accountsRoutes },
  { prefix: '/api', routes: filesRoutes },
  { prefix: '/api', routes: markdownRoutes },
  { prefix: '/api', routes: learningRoutes },
  { prefix: '/api', routes: quizzesRoutes },
  { prefix: '/api', routes: certificatesRoutes },
  { prefix: '/api', routes: challengesRoutes },
  { prefix: '/api', routes: paymentsRoutes },
];

export interface AppDeps {
  config: Config;
  db: Db;
  /** Defaults to JSON logs at `config.logLevel` with credentials redacted. */
  logger?: FastifyBaseLogger;
  /** Defaults to createMailer from the config: the outbox, or SMTP when SMTP_URL is set. */
  mailer?: Mailer;
  /** Defaults to argon2id at the configured cost (ARGON2_MEMORY_KIB / ARGON2_TIME_COST). */
  hasher?: PasswordHasher;
  /** The built web app to serve; defaults to web/dist (tests point it at a fixture). */
  webRoot?: string;
  /** The clock of calendar rules (the sign-up age check); tests pin it. Defaults to the real time. */
  now?: () => Date;
  /** Defaults to createStorage from the config: DATA_DIR/files, or S3 with STORAGE_DRIVER=s3. */
  storage?: ObjectStorage;
  /** Defaults to a jobs platform over `db` that only sends (started on first use, stopped on close). */
  jobs?: Jobs;
}

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/** An incoming x-request-id is kept only when it is a short plain token (it ends up in logs). */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

const READY_TIMEOUT_MS = 2000;

/** Builds the HTTP app without listening: tests call `app.inject`, main.ts calls `app.listen`. */
export function buildApp(deps: AppDeps): App {
  const { config, db } = deps;
  const app = Fastify({
    loggerInstance: deps.logger ?? createLogger(config.logLevel),
    bodyLimit: config.bodyLimitBytes,
    // Slugs may be 120 characters (courses CHECK); Fastify's default of 100 would refuse them.
    routerOptions: { maxParamLength: 200 },
    genReqId(req) {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    // Malformed URLs and similar router-level failures leave in the same error shape as the rest.
    frameworkErrors: (error, request, reply) => sendError(request, reply, error),
    // Requests arriving while closing get a 503 in the API's error shape (onRequest hook below).
    return503OnClosing: false,
    // Behind a load balancer, request.ip (rate limits, sessions, activity log) comes from X-Forwarded-For.
    trustProxy:
      typeof config.trustProxy === 'number'
        ? (_address: string, hop: number) => hop < (config.trustProxy as number)
        : config.trustProxy,
  }).withTypeProvider<ZodTypeProvider>();

  app.decorate('config', config);
  app.decorate('db', db);
  const mailer = deps.mailer ?? createMailer({ config, db, logger: app.log });
  app.decorate('mailer', mailer);
  if (!deps.mailer) app.addHook('onClose', async () => mailer.close());
  const background = createBackground(app.log);
  app.decorate('background', background);
  app.decorate(
    'storage',
    deps.storage ??
      createStorage(config.storage, { secret: config.jwtSecret, localContentPath: fileContentPath }),
  );
  app.addHook('onClose', async () => background.settled());
  const jobs = deps.jobs ?? createJobs({ db, logger: app.log, relay: false });
  app.decorate('jobs', jobs);
  if (!deps.jobs) app.addHook('onClose', async () => jobs.stop());
  app.decorate('accounts', {
    db,
    config,
    mailer,
    hasher: deps.hasher ?? createPasswordHasher(config.argon2),
    background,
    log: app.log,
    now: deps.now ?? (() => new Date()),
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandlers(app);

  // Graceful shutdown: close() waits for in-flight requests, but a keep-alive connection would then
  // stay open until its idle timeout. Responses sent while closing tell the client to hang up.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    reply.header('cross-origin-opener-policy', 'same-origin');
    if (closing) {
      reply.header('retry-after', '1');
      throw new AppError('service_unavailable', 'The server is shutting down; retry the request.');
    }
  });

  app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'UsefulWriter LMS API',
        version,
        description: 'Errors always have the shape `{ error: { code, message, requestId, details? } }`.',
      },
      servers: [{ url: config.publicUrl }],
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
      security: [{ bearerAuth: [] }, {}],
    },
    transform: createJsonSchemaTransform({ skipList: [] }),
    transformObject: jsonSchemaTransformObject,
  });
  app.register(fastifySwaggerUi, { routePrefix: '/api/docs' });

  app.register(authPlugin, { jwtSecret: config.jwtSecret, db });

  app.register(systemRoutes, { db });
  for (const module of modules) app.register(module.routes, { prefix: module.prefix });
  app.register(realtimeRoutes, { config, db });
  // The web app (web/dist) and its client routes, never /api/*; course pages carry share tags.
  app.register(webPlugin, {
    root: deps.webRoot,
    pageMeta: async (path) =>
      (await findCertificatePageMeta(db, config.publicUrl, path)) ?? findPageMeta(db, config.publicUrl, path),
  });

  return app;
}

const statusSchema = z.object({ status: z.literal('ok') });

/** Liveness and readiness, for load balancers and orchestrators. */
const systemRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  let migrationFiles: Migration[] | undefined;

  app.get(
    '/healthz',
    {
      schema: {
        tags: ['system'],
        summary: 'Liveness: the process is up',
        security: [],
        response: { 200: statusSchema },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['system'],
        summary: 'Readiness: the database answers and every migration is applied',
        security: [],
        response: { 200: statusSchema, 503: errorBodySchema },
      },
    },
    async (request) => {
      const problems: string[] = [];
      try {
        await withTimeout(db.ping(), READY_TIMEOUT_MS);
      } catch (error) {
        request.log.warn({ err: error }, 'readiness: database ping failed');
        throw new AppError('service_unavailable', 'Not ready: the database does not answer.', {
          checks: { database: 'failed', migrations: 'unknown' },
        });
      }
      try {
        migrationFiles ??= readMigrations();
        const pending = await pendingMigrations(db.handle, migrationFiles);
        if (pending.length > 0) {
          problems.push(
            `${pending.length} migration${pending.length === 1 ? ' is' : 's are'} not applied: ` +
              `${pending.map((m) => m.name).join(', ')} (run \`usefulwriter migrate\`)`,
          );
        }
      } catch (error) {
        request.log.warn({ err: error }, 'readiness: migration check failed');
        problems.push(
          error instanceof MigrationError ? error.message : 'the migration ledger cannot be read',
        );
      }
      if (problems.length > 0) {
        throw new AppError('service_unavailable', `Not ready: ${problems.join('; ')}.`, {
          checks: { database: 'ok', migrations: 'failed' },
        });
      }
      return { status: 'ok' as const };
    },
  );
};

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
