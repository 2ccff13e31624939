import { sql } from 'kysely';
import { randomUUID } from 'node:crypto';
import fastifyWebsocket from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { WebSocket } from 'ws';
import { clientMessageSchema, type ServerMessage } from '../../../contracts/realtime.ts';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/session.ts';
import { AppError } from '../errors.ts';
import { createHub, type RealtimeHub } from './hub.ts';
import { pgliteListener, postgresListener, type ChangeListener } from './listener.ts';

export interface RealtimeOptions {
  config: Config;
  db: Db;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** This instance's realtime hub (tests and benchmarks look inside). */
    realtime: RealtimeHub;
  }
}

/** Largest client frame: subscriptions and broadcasts are small (broadcast payloads ≤ 2 KiB). */
const MAX_FRAME_BYTES = 16 * 1024;
/** Client frames allowed per window before the socket is closed as abusive. */
const MAX_FRAMES_PER_WINDOW = 200;
const FRAME_WINDOW_MS = 10_000;
const PING_INTERVAL_MS = 30_000;
const MAX_TOPICS_PER_CONNECTION = 100;
/** Sockets one user may hold on one instance (tabs and devices); each costs checks on every change. */
const MAX_CONNECTIONS_PER_USER = 20;

/**
 * `GET /realtime` (WebSocket). Authenticated like every request — the access cookie (web) or
 * `Authorization: Bearer` (API clients) — by the auth plugin's hook before the upgrade; anonymous
 * upgrades get 401. A socket lives as long as its sign-in session: every change it is sent is
 * checked against the live session, and an ended one closes it with 4401.
 *
 * The database listener starts with the first socket (instances without clients hold no extra
 * connection): a dedicated PostgreSQL connection with DATABASE_URL, or PGlite's own LISTEN.
 */
export const realtimeRoutes = fp<RealtimeOptions>(realtime, {
  name: 'usefulwriter-realtime',
  fastify: '5.x',
});

async function realtime(app: FastifyInstance, { config, db }: RealtimeOptions) {
  const hub = createHub({
    db,
    log: app.log,
    batchSize: config.realtime.batchSize,
    concurrency: config.realtime.concurrency,
    maxTopicsPerConnection: MAX_TOPICS_PER_CONNECTION,
    maxQueuedChecks: 200_000,
  });
  app.decorate('realtime', hub);

  let listener: ChangeListener | undefined;
  let listening: Promise<void> | undefined;
  const ensureListening = () => {
    listening ??= (async () => {
      const events = {
        onNotification: hub.onNotification,
        onReconnected: hub.onReconnected,
      };
      if (config.databaseUrl) listener = postgresListener(config.databaseUrl, events, app.log);
      else if (db.handle.listen) listener = pgliteListener(db.handle, events);
      else {
        app.log.error(
          'realtime: no way to LISTEN (PostgreSQL without DATABASE_URL): no changes will be sent',
        );
        return;
      }
      await listener.start();
      hub.started();
    })().catch((error: unknown) => {
      // Not cached: the next upgrade tries again.
      listening = undefined;
      throw error;
    });
    return listening;
  };

  await app.register(fastifyWebsocket, {
    options: { maxPayload: MAX_FRAME_BYTES },
    preClose(done) {
      hub.close();
      const server = this.websocketServer;
      for (const client of server.clients) client.terminate();
      server.close(() => done());
    },
  });
  // An upgrade refused before @fastify/websocket's own onRequest hook ran (the auth hook's 401, the
  // 503 while closing) would leave its socket open: nothing else owns it. Close it with the answer.
  app.addHook('onResponse', async (request) => {
    if (!request.ws && request.headers.upgrade?.toLowerCase() === 'websocket') request.raw.socket?.destroy();
  });
  app.addHook('onClose', async () => {
    await listener?.close();
  });

  app.get(
    '/realtime',
    {
      websocket: true,
      schema: { hide: true },
      preHandler: async (request) => {
        if (!request.user) throw new AppError('unauthorized', 'Sign in to receive live updates.');
        // A token outlives the session it was issued for by up to its lifetime: refuse the socket
        // now (401) rather than at its first subscribe. The header's liveness check raises 28000.
        await request.db.read((qb) => qb.selectNoFrom(sql<number>`1`.as('live')));
        if (request.auth?.via === 'cookie' && !sameOrigin(request, config.publicUrl)) {
          // Cookies ride along on cross-site WebSocket handshakes (no CORS here): only our pages may use them.
          throw new AppError(
            'forbidden',
            'Live updates with the session cookie are only for this site’s pages.',
          );
        }
        await ensureListening();
      },
    },
    (socket: WebSocket, request: FastifyRequest) => serve(hub, socket, request),
  );
}

function sameOrigin(request: FastifyRequest, publicUrl: string): boolean {
  const origin = request.headers.origin;
  if (!origin) return false;
  try {
    const { host, origin: normalized } = new URL(origin);
    return normalized === new URL(publicUrl).origin || host === request.headers.host;
  } catch {
    return false;
  }
}

/** One socket: registers it with the hub and translates frames both ways. */
function serve(hub: RealtimeHub, socket: WebSocket, request: FastifyRequest) {
  const id = randomUUID();
  const user = request.user!;
  if (hub.connectionsOf(user.id) >= MAX_CONNECTIONS_PER_USER) {
    socket.close(1008, 'too many connections for this user');
    return;
  }
  const reply = (message: ServerMessage) => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
  };
  hub.add({
    id,
    user,
    send: (text) => {
      if (socket.readyState === socket.OPEN) socket.send(text);
    },
    close: (code, reason) => socket.close(code, reason),
  });

  let frames = 0;
  let windowStart = Date.now();
  let alive = true;
  const pinger = setInterval(() => {
    if (!alive) {
      socket.terminate();
      return;
    }
    alive = false;
    socket.ping();
  }, PING_INTERVAL_MS);
  socket.on('pong', () => (alive = true));
  socket.on('close', () => {
    clearInterval(pinger);
    hub.remove(id);
  });
  socket.on('error', (error) => request.log.debug({ err: error }, 'realtime: socket error'));

  socket.on('message', (data, isBinary) => {
    const now = Date.now();
    if (now - windowStart > FRAME_WINDOW_MS) {
      windowStart = now;
      frames = 0;
    }
    if (++frames > MAX_FRAMES_PER_WINDOW) {
      socket.close(1008, 'too many messages');
      return;
    }
    let parsed: ReturnType<typeof clientMessageSchema.safeParse>;
    try {
      parsed = clientMessageSchema.safeParse(isBinary ? undefined : JSON.parse(String(data)));
    } catch {
      reply({ type: 'error', code: 'bad_message', message: 'Frames must be JSON text.' });
      return;
    }
    if (!parsed.success) {
      reply({
        type: 'error',
        code: 'bad_message',
        message: parsed.error.issues
          .map((issue) => `${issue.path.join('.') || 'message'}: ${issue.message}`)
          .join('; '),
      });
      return;
    }
    const message = parsed.data;
    const act = async () => {
      if (message.type === 'ping') return reply({ type: 'pong' });
      if (message.type === 'unsubscribe') {
        hub.unsubscribe(id, message.topic);
        return reply({ type: 'unsubscribed', topic: message.topic });
      }
      const result =
        message.type === 'subscribe'
          ? await hub.subscribe(id, message.topic, { track: message.track, lesson: message.lesson })
          : await hub.broadcast(id, message.topic, message.event, message.payload);
      if (!result.ok)
        return reply({ type: 'error', code: result.code, message: result.message, topic: message.topic });
      if (message.type === 'subscribe') reply({ type: 'subscribed', topic: message.topic });
    };
    act().catch((error: unknown) => {
      // 28000 from the liveness check: the session ended between two frames.
      if ((error as { code?: string }).code === '28000') socket.close(4401, 'session ended');
      else {
        request.log.error({ err: error }, 'realtime: handling a frame failed');
        reply({ type: 'error', code: 'bad_message', message: 'This request failed; try again.' });
      }
    });
  });
}
