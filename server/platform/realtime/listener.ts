import type { FastifyBaseLogger } from 'fastify';
import pg from 'pg';
import type { DatabaseHandle } from '../../db/connect.ts';
import { quoteLiteral } from '../../db/session.ts';

/** The NOTIFY channels realtime uses: row changes (0026 triggers), broadcasts and presence. */
export const CHANNELS = {
  changes: 'realtime',
  broadcast: 'realtime_broadcast',
  presence: 'realtime_presence',
} as const;
export type Channel = (typeof CHANNELS)[keyof typeof CHANNELS];

export interface ListenerEvents {
  /** One NOTIFY payload on one of CHANNELS. */
  onNotification(channel: Channel, payload: string): void;
  /**
   * The listener (re)connected after losing its connection: notifications in between are lost, so
   * subscribers must re-sync. Not called for the first connection.
   */
  onReconnected(): void;
}

/** Receives NOTIFYs for every instance of the app; one per process. */
export interface ChangeListener {
  start(): Promise<void>;
  close(): Promise<void>;
}

const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 5000;

/**
 * LISTENs over a dedicated PostgreSQL connection (never a pooled one: a pooled connection is handed
 * to requests, and LISTEN belongs to its session). When the connection drops (server restart,
 * failover) it reconnects with exponential back-off and reports `onReconnected`.
 */
export function postgresListener(
  databaseUrl: string,
  events: ListenerEvents,
  log: FastifyBaseLogger,
): ChangeListener {
  let client: pg.Client | undefined;
  let closed = false;
  let connectedOnce = false;
  let delay = RECONNECT_MIN_MS;
  let timer: NodeJS.Timeout | undefined;

  const connect = async () => {
    const next = new pg.Client({ connectionString: databaseUrl, application_name: 'usefulwriter-realtime' });
    next.on('notification', (message) => {
      if (message.payload !== undefined) events.onNotification(message.channel as Channel, message.payload);
    });
    next.on('error', (error) => {
      log.warn({ err: error }, 'realtime: listener connection failed');
      lost(next);
    });
    next.on('end', () => lost(next));
    await next.connect();
    await next.query(
      Object.values(CHANNELS)
        .map((channel) => `LISTEN ${channel};`)
        .join(' '),
    );
    if (closed) {
      await next.end().catch(() => {});
      return;
    }
    client = next;
    delay = RECONNECT_MIN_MS;
    if (connectedOnce) {
      log.info('realtime: listener reconnected');
      events.onReconnected();
    }
    connectedOnce = true;
  };

  const lost = (which: pg.Client) => {
    if (client !== which && client !== undefined) return;
    client = undefined;
    which.removeAllListeners('end');
    void which.end().catch(() => {});
    schedule();
  };

  const schedule = () => {
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      connect().catch((error: unknown) => {
        log.warn({ err: error, retryInMs: delay }, 'realtime: listener cannot connect yet');
        delay = Math.min(delay * 2, RECONNECT_MAX_MS);
        schedule();
      });
    }, delay);
    timer.unref();
  };

  return {
    async start() {
      try {
        await connect();
      } catch (error) {
        // The API still starts; realtime catches up when the database answers (clients re-sync).
        log.warn({ err: error }, 'realtime: listener cannot connect yet');
        connectedOnce = true;
        schedule();
      }
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      const current = client;
      client = undefined;
      if (current) {
        current.removeAllListeners('end');
        await current.end().catch(() => {});
      }
    },
  };
}

/** The embedded path: PGlite is in this process, so its own LISTEN delivers the NOTIFYs. */
export function pgliteListener(handle: DatabaseHandle, events: ListenerEvents): ChangeListener {
  const unlisten: Array<() => Promise<void>> = [];
  return {
    async start() {
      for (const channel of Object.values(CHANNELS)) {
        unlisten.push(await handle.listen!(channel, (payload) => events.onNotification(channel, payload)));
      }
    },
    async close() {
      for (const stop of unlisten.splice(0)) await stop().catch(() => {});
    },
  };
}

/** Sends a NOTIFY (broadcasts and presence); every instance, this one included, receives it. */
export async function notify(handle: DatabaseHandle, channel: Channel, payload: string): Promise<void> {
  await handle.simpleQuery(`SELECT pg_notify('${channel}', ${quoteLiteral(payload)})`);
}
