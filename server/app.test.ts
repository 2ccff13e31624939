import { connect, type AddressInfo } from 'node:net';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { errorBodySchema } from '../contracts/errors.ts';
import { fakeDb, memoryLogger, TEST_JWT_SECRET, testConfig } from '../tests/helpers/test-app.ts';
import { buildApp, type App } from './app.ts';
import { signAccessToken } from './platform/auth.ts';
import { AppError } from './platform/errors.ts';

const USER = { id: '7b0c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d', email: 'ada@example.test' };

/** Test-only routes, registered by the tests themselves (never in production code). */
const testRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/test/echo',
    {
      schema: {
        body: z.strictObject({ title: z.string().min(1), count: z.number().int() }),
        querystring: z.strictObject({ page: z.coerce.number().int().min(1).optional() }),
      },
    },
    async (request) => ({ body: request.body, page: request.query.page ?? null }),
  );
  app.get('/test/whoami', async (request) => ({
    user: request.user,
    ranAs: await request.db.run(async () => 'ok'),
  }));
  app.get('/test/app-error', async () => {
    throw new AppError('forbidden', 'Only instructors may do this.', { need: 'instructor' });
  });
  app.get('/test/boom', async () => {
    throw new Error('secret internals: password=hunter2');
  });
  app.get(
    '/test/pg/:sqlstate',
    { schema: { params: z.object({ sqlstate: z.string() }) } },
    async (request) => {
      throw Object.assign(new Error('SQL: insert into private.secrets values ($1) -- leaked?'), {
        code: request.params.sqlstate,
        severity: 'ERROR',
        constraint: 'secrets_pkey',
        query: 'insert into private.secrets values ($1)',
      });
    },
  );
  app.get('/test/slow', async () => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    return { finished: true };
  });
};

let app: App | undefined;

function makeApp(
  options: { env?: Record<string, string>; db?: ReturnType<typeof fakeDb>; logger?: App['log'] } = {},
) {
  app = buildApp({ config: testConfig(options.env), db: options.db ?? fakeDb(), logger: options.logger });
  app.register(testRoutes);
  return app;
}

afterEach(async () => {
  await app?.close();
  app = undefined;
});

function expectErrorShape(body: unknown, code: string, requestId?: string) {
  const parsed = errorBodySchema.parse(body);
  expect(parsed.error.code).toBe(code);
  if (requestId) expect(parsed.error.requestId).toBe(requestId);
  return parsed.error;
}

describe('system routes', () => {
  it('GET /healthz answers 200 ok with a request id and security headers', async () => {
    const res = await makeApp().inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('GET /readyz answers 503 service_unavailable when the database does not answer', async () => {
    const db = fakeDb({ ping: () => Promise.reject(new Error('connect ECONNREFUSED 10.0.0.5:5432')) });
    const res = await makeApp({ db }).inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    const error = expectErrorShape(res.json(), 'service_unavailable', res.headers['x-request-id'] as string);
    expect(error.message).toMatch(/database/);
    expect(res.body).not.toContain('10.0.0.5');
  });
});

describe('request ids', () => {
  it('keeps a sane incoming x-request-id', async () => {
    const res = await makeApp().inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'lb-1234.abc' },
    });
    expect(res.headers['x-request-id']).toBe('lb-1234.abc');
  });

  it('replaces an x-request-id that is not a plain token', async () => {
    const res = await makeApp().inject({
      method: 'GET',
      url: '/api/nope',
      headers: { 'x-request-id': 'evil\u001b[31m id' },
    });
    const id = res.headers['x-request-id'] as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expectErrorShape(res.json(), 'not_found', id);
  });
});

describe('error responses', () => {
  // Other GET paths are the web app's client routes (server/platform/web.ts): never under /api.
  it('answers an unknown API route with 404 not_found naming it', async () => {
    const res = await makeApp().inject({ method: 'GET', url: '/api/no/such/route?x=1' });
    expect(res.statusCode).toBe(404);
    const error = expectErrorShape(res.json(), 'not_found', res.headers['x-request-id'] as string);
    expect(error.message).toBe('No route for GET /api/no/such/route.');
  });

  it('answers an unknown route of another method with 404 not_found naming it', async () => {
    const res = await makeApp().inject({ method: 'POST', url: '/no/such/route?x=1' });
    expect(res.statusCode).toBe(404);
    const error = expectErrorShape(res.json(), 'not_found', res.headers['x-request-id'] as string);
    expect(error.message).toBe('No route for POST /no/such/route.');
  });

  it('answers malformed JSON with 400 invalid_json', async () => {
    const res = await makeApp().inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"title": "x", ',
    });
    expect(res.statusCode).toBe(400);
    expectErrorShape(res.json(), 'invalid_json');
  });

  it('answers an unknown field with 400 validation_failed naming the field', async () => {
    const res = await makeApp().inject({
      method: 'POST',
      url: '/test/echo',
      payload: { title: 'x', count: 1, isAdmin: true },
    });
    expect(res.statusCode).toBe(400);
    const error = expectErrorShape(res.json(), 'validation_failed');
    expect(error.message).toBe('body.isAdmin: is not an allowed field');
  });

  it('answers a wrong type with 400 validation_failed naming the field', async () => {
    const res = await makeApp().inject({
      method: 'POST',
      url: '/test/echo',
      payload: { title: 'x', count: 'three' },
    });
    expect(res.statusCode).toBe(400);
    const error = expectErrorShape(res.json(), 'validation_failed');
    expect(error.message).toBe('body.count: expected number, received string');
    expect(error.details).toEqual({
      issues: [{ path: 'body.count', message: 'expected number, received string' }],
    });
  });

  it('answers a missing field with 400 validation_failed saying it is required', async () => {
    const res = await makeApp().inject({ method: 'POST', url: '/test/echo', payload: { count: 2 } });
    expect(res.statusCode).toBe(400);
    expect(expectErrorShape(res.json(), 'validation_failed').message).toBe('body.title: is required');
  });

  it('validates the query string too', async () => {
    const res = await makeApp().inject({
      method: 'POST',
      url: '/test/echo?page=0',
      payload: { title: 'x', count: 2 },
    });
    expect(res.statusCode).toBe(400);
    expect(expectErrorShape(res.json(), 'validation_failed').message).toMatch(/^querystring\.page: /);
  });

  it('accepts a valid body', async () => {
    const res = await makeApp().inject({
      method: 'POST',
      url: '/test/echo?page=2',
      payload: { title: 'x', count: 2 },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ body: { title: 'x', count: 2 }, page: 2 });
  });

  it('answers a body over BODY_LIMIT_BYTES with 413 payload_too_large', async () => {
    const res = await makeApp({ env: { BODY_LIMIT_BYTES: '1024' } }).inject({
      method: 'POST',
      url: '/test/echo',
      payload: { title: 'x'.repeat(2000), count: 1 },
    });
    expect(res.statusCode).toBe(413);
    expect(expectErrorShape(res.json(), 'payload_too_large').message).toContain('1024 bytes');
  });

  it('answers an unsupported content type with 415', async () => {
    const res = await makeApp().inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/xml' },
      payload: '<title>x</title>',
    });
    expect(res.statusCode).toBe(415);
    expectErrorShape(res.json(), 'unsupported_media_type');
  });

  it('answers an AppError with its status, message and details', async () => {
    const res = await makeApp().inject({ method: 'GET', url: '/test/app-error' });
    expect(res.statusCode).toBe(403);
    const error = expectErrorShape(res.json(), 'forbidden');
    expect(error).toMatchObject({
      message: 'Only instructors may do this.',
      details: { need: 'instructor' },
    });
  });

  it('answers an unknown error with 500 internal_error; the details go to the log only', async () => {
    const { logger, text } = memoryLogger();
    const res = await makeApp({ logger }).inject({ method: 'GET', url: '/test/boom' });
    expect(res.statusCode).toBe(500);
    const error = expectErrorShape(res.json(), 'internal_error', res.headers['x-request-id'] as string);
    expect(error.details).toBeUndefined();
    expect(res.body).not.toContain('hunter2');
    expect(text()).toContain('secret internals');
    expect(text()).toContain(error.requestId);
  });

  it.each([
    ['42501', 404, 'not_found'],
    ['23505', 409, 'conflict'],
    ['23514', 400, 'validation_failed'],
    ['23502', 400, 'validation_failed'],
    ['22P02', 400, 'validation_failed'],
    ['22023', 400, 'validation_failed'],
    ['XX000', 500, 'internal_error'],
  ])('maps SQLSTATE %s to %i %s without leaking SQL', async (sqlstate, status, code) => {
    const { logger, text } = memoryLogger();
    const res = await makeApp({ logger }).inject({ method: 'GET', url: `/test/pg/${sqlstate}` });
    expect(res.statusCode).toBe(status);
    expectErrorShape(res.json(), code);
    expect(res.body).not.toMatch(/insert|secrets|SQL/i);
    expect(text()).toContain(sqlstate);
    expect(text()).not.toContain('insert into private.secrets values ($1)"'); // the query text itself is not logged
  });
});

describe('authentication', () => {
  it('answers a malformed bearer token with 401 unauthorized', async () => {
    const res = await makeApp().inject({
      method: 'GET',
      url: '/test/whoami',
      headers: { authorization: 'Bearer not.a.jwt' },
    });
    expect(res.statusCode).toBe(401);
    expectErrorShape(res.json(), 'unauthorized');
    expect(res.headers['www-authenticate']).toContain('invalid_token');
  });

  it('answers an expired token with 401', async () => {
    const token = await signAccessToken(TEST_JWT_SECRET, USER, -60);
    const res = await makeApp().inject({
      method: 'GET',
      url: '/test/whoami',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.statusCode).toBe(401);
  });

  it('answers a token signed with another secret with 401', async () => {
    const token = await signAccessToken('another-secret-that-is-also-32-characters', USER, 60);
    const res = await makeApp().inject({
      method: 'GET',
      url: '/test/whoami',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.statusCode).toBe(401);
  });

  it('answers a non-bearer Authorization header with 401', async () => {
    const res = await makeApp().inject({
      method: 'GET',
      url: '/test/whoami',
      headers: { authorization: 'Basic YTpi' },
    });
    expect(res.statusCode).toBe(401);
  });

  it('runs the unit of work as the token user when signed in, as anon otherwise', async () => {
    const db = fakeDb();
    const a = makeApp({ db });
    const token = await signAccessToken(TEST_JWT_SECRET, USER, 60);
    const signedIn = await a.inject({
      method: 'GET',
      url: '/test/whoami',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(signedIn.statusCode).toBe(200);
    expect(signedIn.json()).toEqual({ user: USER, ranAs: 'ok' });
    const anonymous = await a.inject({ method: 'GET', url: '/test/whoami' });
    expect(anonymous.json()).toEqual({ user: null, ranAs: 'ok' });
    expect(db.calls).toEqual([{ as: 'user', user: USER }, { as: 'anon' }]);
  });

  it('never logs the bearer token', async () => {
    const { logger, text } = memoryLogger();
    const token = await signAccessToken(TEST_JWT_SECRET, USER, 60);
    await makeApp({ logger }).inject({
      method: 'GET',
      url: '/test/whoami',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(text()).toContain('request completed');
    expect(text()).not.toContain(token.split('.')[2]);
  });
});

describe('OpenAPI', () => {
  it('serves an OpenAPI 3.1 document generated from the zod schemas', async () => {
    const res = await makeApp().inject({ method: 'GET', url: '/api/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/healthz', '/readyz', '/test/echo']));
    const body = doc.paths['/test/echo'].post.requestBody.content['application/json'].schema;
    expect(body).toMatchObject({ type: 'object', required: ['title', 'count'], additionalProperties: false });
    expect(Object.keys(doc.paths)).not.toContain('/api/docs/json');
  });

  it('serves the documentation UI', async () => {
    const res = await makeApp().inject({ method: 'GET', url: '/api/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
  });
});

describe('graceful shutdown', () => {
  it('lets an in-flight request finish when the app closes', async () => {
    const a = makeApp();
    await a.listen({ port: 0, host: '127.0.0.1' });
    const { port } = a.server.address() as AddressInfo;
    const inFlight = fetch(`http://127.0.0.1:${port}/test/slow`);
    await new Promise((resolve) => setTimeout(resolve, 100)); // the request has reached the handler
    const closed = a.close();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ finished: true });
    await closed;
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });

  it('answers a request that arrives while draining with 503 in the error shape', async () => {
    const a = makeApp();
    await a.listen({ port: 0, host: '127.0.0.1' });
    const { port } = a.server.address() as AddressInfo;
    const inFlight = fetch(`http://127.0.0.1:${port}/test/slow`); // keeps close() draining
    // A connection whose request is half sent when close() starts, finished while draining.
    const socket = connect(port, '127.0.0.1');
    let raw = '';
    socket.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closed = a.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const ended = new Promise((resolve) => socket.once('close', resolve));
    socket.write('\r\n');
    await ended;
    expect(raw).toMatch(/^HTTP\/1\.1 503 /);
    expect(raw).toMatch(/^connection: close$/im);
    const body = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4));
    expect(expectErrorShape(body, 'service_unavailable').message).toContain('shutting down');
    expect((await inFlight).status).toBe(200);
    await closed;
  });
});
