import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  DEFAULT_MESSAGES,
  ERROR_STATUS,
  type ErrorBody,
  type ErrorCode,
  type ValidationIssue,
} from '../../contracts/errors.ts';

/**
 * The one error type services and routes throw. The code picks the HTTP status (contracts/errors.ts);
 * the message is shown to the user, so it must not contain secrets or other users' data.
 */
export class AppError extends Error {
  override name = 'AppError';
  readonly statusCode: number;

  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details?: unknown,
    options?: ErrorOptions,
  ) {
    super(message ?? DEFAULT_MESSAGES[code], options);
    this.statusCode = ERROR_STATUS[code];
  }
}

/** What the client is told, plus how loudly to log it. */
export interface ClassifiedError {
  code: ErrorCode;
  message: string;
  details?: unknown;
  /** Server faults are logged with their stack; client faults at info. */
  serverFault: boolean;
  /** Extra log fields (never sent to the client). */
  log?: Record<string, unknown>;
}

// ---------------------------------------------------------------- validation

interface SchemaIssue {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

function joinPath(context: string, instancePath: string, extra?: unknown): string {
  const parts = instancePath.split('/').filter(Boolean);
  if (typeof extra === 'string') parts.push(extra);
  return [context, ...parts].join('.');
}

/** Turns zod (via fastify-type-provider-zod) or Ajv issues into one readable line per field. */
export function describeValidationIssues(context: string, issues: SchemaIssue[]): ValidationIssue[] {
  return issues.flatMap((issue): ValidationIssue[] => {
    const { keyword, instancePath, params } = issue;
    const message = (issue.message ?? 'is invalid').replace(/^Invalid input: /, '');
    if (keyword === 'unrecognized_keys' && Array.isArray(params.keys)) {
      return params.keys.map((key) => ({
        path: joinPath(context, instancePath, String(key)),
        message: 'is not an allowed field',
      }));
    }
    if (keyword === 'additionalProperties') {
      return [
        {
          path: joinPath(context, instancePath, params.additionalProperty),
          message: 'is not an allowed field',
        },
      ];
    }
    if (keyword === 'required') {
      return [{ path: joinPath(context, instancePath, params.missingProperty), message: 'is required' }];
    }
    if (keyword === 'invalid_type' && /received undefined$/.test(message)) {
      return [{ path: joinPath(context, instancePath), message: 'is required' }];
    }
    return [{ path: joinPath(context, instancePath), message }];
  });
}

function classifyValidation(error: FastifyError): ClassifiedError {
  const issues = describeValidationIssues(
    error.validationContext ?? 'request',
    (error.validation ?? []) as SchemaIssue[],
  );
  const [first] = issues;
  const message = first
    ? `${first.path}: ${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`
    : DEFAULT_MESSAGES.validation_failed;
  return { code: 'validation_failed', message, details: { issues }, serverFault: false };
}

// ---------------------------------------------------------------- PostgreSQL

export interface PgErrorLike {
  code: string;
  message: string;
  severity?: string;
  constraint?: string;
  table?: string;
  column?: string;
  detail?: string;
  routine?: string;
}

/** Finds a PostgreSQL server error (pg or PGlite) in an error or its causes. */
export function findPgError(error: unknown): PgErrorLike | undefined {
  let current = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const candidate = current as Partial<PgErrorLike>;
    // SQLSTATE is five characters; `severity` tells a server error from a Node errno such as EPIPE.
    if (
      typeof candidate.code === 'string' &&
      /^[0-9A-Z]{5}$/.test(candidate.code) &&
      'severity' in candidate
    ) {
      return candidate as PgErrorLike;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * SQLSTATE → API error. The database is the lock (RLS, CHECK, NOT NULL, unique), so its refusals are
 * the client's fault and must never become a 500 or echo SQL. Services that know better (which field,
 * which rule) catch and throw a precise AppError instead.
 *
 * 42501 (RLS / privilege) answers 404 not_found, not 403: the SQLSTATE alone cannot tell "this row
 * exists but is not yours" from "no such row", and telling them apart would leak existence. A service
 * that knows the caller merely lacks a capability (e.g. "only instructors can create courses") throws
 * AppError('forbidden') with that message itself.
 */
export function classifyPgError(pg: PgErrorLike): ClassifiedError | undefined {
  const log = {
    sqlState: pg.code,
    dbMessage: pg.message,
    constraint: pg.constraint,
    table: pg.table,
    column: pg.column,
    detail: pg.detail,
  };
  const clientFault = (code: ErrorCode, message: string): ClassifiedError => ({
    code,
    message,
    serverFault: false,
    log,
  });
  switch (pg.code) {
    case '28000': // private.assert_live_session: the account was deactivated or the session ended
      return clientFault('unauthorized', 'Your session has ended. Sign in again.');
    case '42501':
      return clientFault('not_found', DEFAULT_MESSAGES.not_found);
    case '23505':
      return clientFault('conflict', 'A record with the same unique value already exists.');
    case '23503':
      return clientFault(
        'conflict',
        'This refers to a record that does not exist, or is still referenced by others.',
      );
    case '23514':
      return clientFault('validation_failed', 'A value is outside the allowed range or set.');
    case '23502':
      return clientFault(
        'validation_failed',
        pg.column ? `${pg.column} is required.` : 'A required value is missing.',
      );
    case '22P02':
      return clientFault(
        'validation_failed',
        'A value has the wrong format (for example an id that is not a UUID).',
      );
    case '22023':
      return clientFault('validation_failed', 'A parameter value is not valid.');
    case '22001':
      return clientFault('validation_failed', 'A value is too long.');
    case '22003':
      return clientFault('validation_failed', 'A number is out of range.');
    case '40001':
    case '40P01':
      return {
        code: 'service_unavailable',
        message: 'The request collided with another; retry it.',
        serverFault: false,
        log,
      };
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------- everything else

const STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'service_unavailable',
};

export function classifyError(error: unknown, request?: FastifyRequest): ClassifiedError {
  if (error instanceof AppError) {
    const serverFault = error.statusCode >= 500;
    return { code: error.code, message: error.message, details: error.details, serverFault };
  }
  const fastifyError = error as Partial<FastifyError> | null;
  if (fastifyError && Array.isArray(fastifyError.validation))
    return classifyValidation(fastifyError as FastifyError);

  switch (fastifyError?.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { code: 'invalid_json', message: DEFAULT_MESSAGES.invalid_json, serverFault: false };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return {
        code: 'invalid_json',
        message: 'The request body is empty but its content type is JSON.',
        serverFault: false,
      };
    case 'FST_ERR_CTP_BODY_TOO_LARGE': {
      const limit = request?.routeOptions.bodyLimit;
      const message = limit
        ? `The request body is larger than the limit of ${limit} bytes.`
        : DEFAULT_MESSAGES.payload_too_large;
      return { code: 'payload_too_large', message, serverFault: false };
    }
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': {
      const type = request?.headers['content-type']?.split(';')[0]?.slice(0, 100);
      const message = `Content type ${type ? `"${type}" ` : ''}is not supported here; send application/json.`;
      return { code: 'unsupported_media_type', message, serverFault: false };
    }
  }

  const pg = findPgError(error);
  if (pg) {
    const classified = classifyPgError(pg);
    if (classified) return classified;
    return { code: 'internal_error', message: DEFAULT_MESSAGES.internal_error, serverFault: true };
  }

  // Framework client errors (FST_ERR_CTP_INVALID_CONTENT_LENGTH, …) carry a 4xx and a safe message.
  const status = fastifyError?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500 && fastifyError?.code?.startsWith('FST_')) {
    return {
      code: STATUS_CODES[status] ?? 'bad_request',
      message: fastifyError.message ?? DEFAULT_MESSAGES.bad_request,
      serverFault: false,
    };
  }
  return { code: 'internal_error', message: DEFAULT_MESSAGES.internal_error, serverFault: true };
}

export function errorBody(
  request: FastifyRequest,
  code: ErrorCode,
  message: string,
  details?: unknown,
): ErrorBody {
  return { error: { code, message, requestId: request.id, ...(details === undefined ? {} : { details }) } };
}

/** What gets logged for a failed request: database errors without their SQL text or parameters. */
function logFields(error: unknown, classified: ClassifiedError): Record<string, unknown> {
  const pg = findPgError(error);
  if (pg)
    return { code: classified.code, db: classified.log ?? { sqlState: pg.code, dbMessage: pg.message } };
  if (classified.serverFault) return { code: classified.code, err: error };
  return { code: classified.code, reason: classified.message };
}

export function sendError(request: FastifyRequest, reply: FastifyReply, error: unknown) {
  const classified = classifyError(error, request);
  if (classified.serverFault) request.log.error(logFields(error, classified), 'request failed');
  else request.log.info(logFields(error, classified), 'request rejected');
  // 429 answers say when to come back (AppError('rate_limited', …, { retryAfterSeconds })).
  const retryAfter = (classified.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
  if (classified.code === 'rate_limited' && typeof retryAfter === 'number') {
    reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfter))));
  }
  return reply
    .code(ERROR_STATUS[classified.code])
    .header('x-request-id', request.id)
    .type('application/json; charset=utf-8')
    .send(errorBody(request, classified.code, classified.message, classified.details));
}

/** Installs the error and not-found handlers: every failure leaves as `{ error: { code, message, requestId } }`. */
export function installErrorHandlers(app: FastifyInstance) {
  app.setErrorHandler((error, request, reply) => sendError(request, reply, error));
  app.setNotFoundHandler((request, reply) => {
    const path = (request.url.split('?')[0] ?? '').slice(0, 200);
    return sendError(request, reply, new AppError('not_found', `No route for ${request.method} ${path}.`));
  });
}
