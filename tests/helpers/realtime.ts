import type { ServerMessage } from '../../contracts/realtime.ts';
import { WebSocket } from 'ws';
import { signAccessToken } from '../../server/platform/auth.ts';
import type { SessionUser } from '../../server/db/session.ts';
import { createRealtimeClient, type WebSocketLike } from '../../web/src/lib/realtime-client.ts';
import { TEST_JWT_SECRET } from './test-app.ts';

/** ws:// URL of /realtime on a server listening at `baseUrl` (http://host:port). */
export const realtimeUrl = (baseUrl: string) => `${baseUrl.replace(/^http/, 'ws')}/realtime`;

/** A raw test socket that records every frame, with helpers to wait for one. */
export interface TestSocket {
  ws: WebSocket;
  messages: ServerMessage[];
  closed: Promise<{ code: number; reason: string }>;
  send(message: unknown): void;
  /** Resolves with the first recorded (or future) message matching `predicate`. */
  next<T extends ServerMessage>(predicate: (m: ServerMessage) => m is T, timeoutMs?: number): Promise<T>;
  next(predicate: (m: ServerMessage) => boolean, timeoutMs?: number): Promise<ServerMessage>;
  /** Subscribes and resolves with `subscribed` or the `error` about that topic. */
  subscribe(topic: string, extra?: { track?: boolean; lesson?: string }): Promise<ServerMessage>;
  close(): void;
}

export async function tokenFor(user: SessionUser): Promise<string> {
  return signAccessToken(TEST_JWT_SECRET, user, 3600, user.sessionId);
}

/** Opens /realtime as `user` (Bearer token) and waits for the welcome frame. */
export async function openSocket(baseUrl: string, user: SessionUser): Promise<TestSocket> {
  const ws = new WebSocket(realtimeUrl(baseUrl), {
    headers: { authorization: `Bearer ${await tokenFor(user)}` },
  });
  const messages: ServerMessage[] = [];
  const waiters: Array<{ predicate: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }> =
    [];
  ws.on('message', (data) => {
    const message = JSON.parse(String(data)) as ServerMessage;
    messages.push(message);
    for (const waiter of [...waiters]) {
      if (waiter.predicate(message)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(message);
      }
    }
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  const socket: TestSocket = {
    ws,
    messages,
    closed,
    send: (message) => ws.send(JSON.stringify(message)),
    next(predicate: (m: ServerMessage) => boolean, timeoutMs = 10_000): Promise<never> {
      const found = messages.find(predicate);
      if (found) return Promise.resolve(found as never);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(
            new Error(`no matching realtime message in ${timeoutMs} ms; got ${JSON.stringify(messages)}`),
          );
        }, timeoutMs);
        const waiter = {
          predicate,
          resolve: (m: ServerMessage) => {
            clearTimeout(timer);
            resolve(m as never);
          },
        };
        waiters.push(waiter);
      });
    },
    subscribe(topic, extra = {}) {
      const start = messages.length;
      ws.send(JSON.stringify({ type: 'subscribe', topic, ...extra }));
      return socket.next(
        (m) =>
          messages.indexOf(m) >= start &&
          ((m.type === 'subscribed' && m.topic === topic) || (m.type === 'error' && m.topic === topic)),
      );
    },
    close: () => ws.close(),
  };
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (request, response) => {
      request.destroy();
      reject(new Error(`handshake answered ${response.statusCode}`));
    });
    ws.once('error', reject);
  });
  await socket.next((m) => m.type === 'welcome');
  return socket;
}

/** The handshake's HTTP status when the upgrade is refused (or 101). */
export function handshakeStatus(baseUrl: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(realtimeUrl(baseUrl), { headers });
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (request, response) => {
      resolve(response.statusCode ?? 0);
      request.destroy();
    });
    ws.once('error', (error) => {
      if (!String(error.message).includes('Unexpected server response')) reject(error);
    });
  });
}

/** The web app's realtime client, over `ws` with a Bearer token (Node has no browser WebSocket). */
export async function webClientFor(
  baseUrl: string,
  user: SessionUser,
  delays = { minDelayMs: 50, maxDelayMs: 400 },
) {
  const token = await tokenFor(user);
  return createRealtimeClient({
    url: realtimeUrl(baseUrl),
    ...delays,
    createSocket: (url) => {
      const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
      // ws emits 'error' before 'close' on a refused handshake; the client only needs 'close'.
      ws.on('error', () => {});
      return ws as unknown as WebSocketLike;
    },
  });
}

/**
 * Waits until every change the hub has queued is checked and sent, then until each socket has read
 * everything sent before (a ping's pong comes after them): "nothing else will arrive" becomes true.
 */
export async function settle(hub: { idle(): Promise<void> }, sockets: TestSocket[]): Promise<void> {
  await hub.idle();
  await Promise.all(
    sockets.map((socket) => {
      const start = socket.messages.length;
      socket.send({ type: 'ping' });
      return socket.next((m) => m.type === 'pong' && socket.messages.indexOf(m) >= start);
    }),
  );
}

/** Resolves when `condition()` holds, polling; rejects after `timeoutMs` with `what`. */
export async function eventually(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
