import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { sql } from 'kysely';
import {
  MAX_BROADCAST_BYTES,
  parseTopic,
  REALTIME_CLOSE,
  type ServerMessage,
  type Topic,
} from '../../../contracts/realtime.ts';
import type { Db, SessionUser } from '../../db/session.ts';
import {
  authorizeBatch,
  endedSubscribers,
  parseChangeEvent,
  type ChangeEvent,
  type Subscriber,
  type Verdicts,
} from './authorize.ts';
import { createFanOut } from './fan-out.ts';
import { CHANNELS, notify, type Channel } from './listener.ts';
import { createPresence, HEARTBEAT_MS, type PresenceMessage } from './presence.ts';

/** One WebSocket, as the hub sees it (transport-free, so tests and benchmarks can drive it). */
export interface Connection {
  readonly id: string;
  readonly user: SessionUser;
  send(text: string): void;
  close(code: number, reason: string): void;
}

interface ConnectionState {
  connection: Connection;
  topics: Map<string, Topic>;
  /** Presence topics this connection counts in, and those whose member list it receives (→ course id). */
  tracking: Set<string>;
  watching: Map<string, string>;
  /** Per watched topic, the newest member list being named: an older one finishing later is not sent. */
  presenceSeq: Map<string, number>;
  open: boolean;
}

export interface HubOptions {
  db: Db;
  log: FastifyBaseLogger;
  batchSize: number;
  concurrency: number;
  maxTopicsPerConnection: number;
  maxQueuedChecks: number;
}

export type SubscribeResult =
  { ok: true } | { ok: false; code: 'not_found' | 'forbidden' | 'too_many_topics'; message: string };

/** How often quiet sockets are checked for ended sign-in sessions. */
const SESSION_SWEEP_MS = 60_000;

const NOT_FOUND: SubscribeResult = {
  ok: false,
  code: 'not_found',
  message: 'No such course or lesson, or you may not join it.',
};

/**
 * The realtime hub of one instance: who is subscribed to what, the fan-out of announced changes
 * (authorised per subscriber, in batches, by the database), broadcasts and presence. Notifications
 * come from the listener (every instance's commits); nothing is sent that was not re-checked.
 */
export function createHub(options: HubOptions) {
  const { db, log } = options;
  const instance = randomUUID();
  const states = new Map<string, ConnectionState>();
  /** table → connections with at least one changes topic on it. */
  const byTable = new Map<string, Set<ConnectionState>>();
  /** topic → connections subscribed (presence and broadcast topics). */
  const byTopic = new Map<string, Set<ConnectionState>>();
  /** subscriber key → its open connections (a user may have several tabs on one session). */
  const bySubscriber = new Map<string, Set<ConnectionState>>();

  const subscriberKey = (user: SessionUser) => `${user.id}:${user.sessionId ?? ''}`;
  const send = (state: ConnectionState, message: ServerMessage) => {
    if (state.open) state.connection.send(JSON.stringify(message));
  };

  const fanOut = createFanOut({
    batchSize: options.batchSize,
    concurrency: options.concurrency,
    maxQueuedChecks: options.maxQueuedChecks,
    authorize: (event, batch) => authorizeBatch(db.handle, event, batch),
    deliver: (event, verdicts) => deliver(event, verdicts),
    lost(event, subscribers, reason, error) {
      if (reason === 'error')
        log.error({ err: error, table: event.table }, 'realtime: authorising a change failed');
      else
        log.warn(
          { table: event.table, subscribers: subscribers.length },
          'realtime: overloaded, change dropped',
        );
      for (const subscriber of subscribers) {
        for (const state of bySubscriber.get(subscriber.key) ?? []) send(state, { type: 'resync' });
      }
    },
  });

  /** Topics of `state` that `event` matches. */
  const matchingTopics = (state: ConnectionState, event: ChangeEvent) => {
    const topics: string[] = [];
    for (const [name, topic] of state.topics) {
      if (topic.kind !== 'changes' || topic.table !== event.table) continue;
      if (topic.filter && event.keys[topic.filter.column] !== topic.filter.value) continue;
      topics.push(name);
    }
    return topics;
  };

  const onChange = (event: ChangeEvent) => {
    const subscribers = new Map<string, Subscriber>();
    for (const state of byTable.get(event.table) ?? []) {
      if (matchingTopics(state, event).length === 0) continue;
      const { user } = state.connection;
      const key = subscriberKey(user);
      if (!subscribers.has(key)) subscribers.set(key, { key, userId: user.id, sessionId: user.sessionId });
    }
    fanOut.enqueue(event, [...subscribers.values()]);
  };

  function deliver(event: ChangeEvent, verdicts: Verdicts) {
    // The frame is the same for everyone but its topic list: serialise once per distinct list.
    const frames = new Map<string, string>();
    for (const key of verdicts.visible) {
      for (const state of bySubscriber.get(key) ?? []) {
        // Topics are matched again: the socket may have unsubscribed while the check ran.
        const topics = matchingTopics(state, event);
        if (topics.length === 0 || !state.open) continue;
        const topicsKey = topics.join('\n');
        let frame = frames.get(topicsKey);
        if (frame === undefined) {
          const message: ServerMessage = {
            type: 'change',
            topics,
            table: event.table,
            op: event.op,
            id: event.id,
            keys: event.keys,
            ...(verdicts.row ? { row: verdicts.row } : {}),
          };
          frame = JSON.stringify(message);
          frames.set(topicsKey, frame);
        }
        state.connection.send(frame);
      }
    }
    for (const key of verdicts.ended) {
      for (const state of bySubscriber.get(key) ?? []) {
        state.connection.close(REALTIME_CLOSE.sessionEnded, 'session ended');
      }
    }
  }

  // ------------------------------------------------------------ presence

  const presenceTimers = new Map<string, NodeJS.Timeout>();
  const presence = createPresence({
    instance,
    publish: (message) => publish(CHANNELS.presence, JSON.stringify(message)),
    changed(topic) {
      // Joins come in bursts (a class starting): one member list per topic per 100 ms.
      if (presenceTimers.has(topic)) return;
      presenceTimers.set(
        topic,
        setTimeout(() => {
          presenceTimers.delete(topic);
          sendPresence(topic);
        }, 100),
      );
    },
  });
  const sendPresence = (topic: string) => {
    for (const state of byTopic.get(topic) ?? []) {
      if (state.watching.has(topic)) void sendPresenceTo(state, topic);
    }
  };
  /**
   * The member list of `topic` to one watcher (owner, admin), with names looked up AS the watcher:
   * private.live_learner_cards (0031) names only the course's learners, owner and admins, and only
   * to those who manage the course. A failed lookup still sends the list, without names.
   */
  const sendPresenceTo = async (state: ConnectionState, topic: string) => {
    const courseId = state.watching.get(topic);
    const seq = (state.presenceSeq.get(topic) ?? 0) + 1;
    state.presenceSeq.set(topic, seq);
    const members = presence.members(topic);
    let names = new Map<string, string>();
    if (courseId && members.length > 0) {
      try {
        const rows = await db.readAs(
          state.connection.user,
          sql<{
            id: string;
            name: string;
          }>`select id, name from private.live_learner_cards(${courseId}::uuid, ${members.map((m) => m.userId)}::uuid[])`,
        );
        names = new Map(rows.map((row) => [row.id, row.name]));
      } catch (error) {
        if ((error as { code?: string }).code === '28000') return; // the session ended: the sweep closes it
        log.warn({ err: error }, 'realtime: naming presence members failed');
      }
    }
    // The list may have changed while the names were read: then the newer list is sent instead.
    if (!state.watching.has(topic) || state.presenceSeq.get(topic) !== seq) return;
    send(state, {
      type: 'presence',
      topic,
      members: members.map((m) => (names.has(m.userId) ? { ...m, name: names.get(m.userId)! } : m)),
    });
  };
  const heartbeat = setInterval(() => presence.tick(), HEARTBEAT_MS);
  heartbeat.unref();

  /**
   * Sockets whose sign-in ended are closed when a change is checked for them; this sweep closes the
   * quiet ones too (they would otherwise still hear presence and broadcasts).
   */
  const sweepSessions = async () => {
    const subscribers = [...bySubscriber.entries()].map(([key, set]) => {
      const { user } = [...set][0]!.connection;
      return { key, userId: user.id, sessionId: user.sessionId };
    });
    for (const key of await endedSubscribers(db.handle, subscribers)) {
      for (const state of bySubscriber.get(key) ?? []) {
        state.connection.close(REALTIME_CLOSE.sessionEnded, 'session ended');
      }
    }
  };
  const sweeper = setInterval(() => {
    sweepSessions().catch((error: unknown) => log.warn({ err: error }, 'realtime: session sweep failed'));
  }, SESSION_SWEEP_MS);
  sweeper.unref();

  const publish = (channel: Channel, payload: string) => {
    notify(db.handle, channel, payload).catch((error: unknown) =>
      log.warn({ err: error, channel }, 'realtime: publishing failed'),
    );
  };

  /**
   * What `user` may do in the course behind a presence/broadcast topic, read as them (RLS, live
   * session), and whether `lesson` (if given) is a lesson of that course they can see.
   */
  const courseAccess = async (user: SessionUser, topic: Topic, lesson?: string) => {
    if (topic.kind === 'changes') return undefined;
    const courseId =
      topic.scope === 'course'
        ? sql<string>`${topic.id}::uuid`
        : sql<string>`(select l.course_id from public.course_lessons l where l.id = ${topic.id}::uuid)`;
    const lessonOk = lesson
      ? sql<boolean>`exists (select 1 from public.course_lessons l where l.id = ${lesson}::uuid and l.course_id = c.id)`
      : sql<boolean>`true`;
    const [row] = await db.readAs(
      user,
      sql<{ id: string; study: boolean | null; manage: boolean | null; lessonOk: boolean | null }>`
        select c.id, private.can_study_course(c.id) as study, private.can_manage_course(c.id) as manage,
               ${lessonOk} as lesson_ok
          from (select ${courseId} as id) c where c.id is not null`,
    );
    return row
      ? {
          courseId: row.id,
          study: row.study === true,
          manage: row.manage === true,
          lessonOk: row.lessonOk === true,
        }
      : undefined;
  };

  // ------------------------------------------------------------ subscriptions

  const index = <K>(map: Map<K, Set<ConnectionState>>, key: K, state: ConnectionState, add: boolean) => {
    let set = map.get(key);
    if (add) {
      if (!set) map.set(key, (set = new Set()));
      set.add(state);
    } else if (set) {
      set.delete(state);
      if (set.size === 0) map.delete(key);
    }
  };

  const dropTopic = (state: ConnectionState, name: string) => {
    const topic = state.topics.get(name);
    if (!topic) return false;
    state.topics.delete(name);
    if (topic.kind === 'changes') {
      const stillOnTable = [...state.topics.values()].some(
        (t) => t.kind === 'changes' && t.table === topic.table,
      );
      if (!stillOnTable) index(byTable, topic.table, state, false);
    } else {
      index(byTopic, name, state, false);
      state.watching.delete(name);
      state.presenceSeq.delete(name);
      if (state.tracking.delete(name)) presence.untrack(name, state.connection.user.id, state.connection.id);
    }
    return true;
  };

  return {
    instance,

    /** Registers an open connection. */
    add(connection: Connection) {
      const state: ConnectionState = {
        connection,
        topics: new Map(),
        tracking: new Set(),
        watching: new Map(),
        presenceSeq: new Map(),
        open: true,
      };
      states.set(connection.id, state);
      index(bySubscriber, subscriberKey(connection.user), state, true);
      send(state, { type: 'welcome', userId: connection.user.id, instance });
    },

    /** Open connections of one user on this instance (the route caps them). */
    connectionsOf(userId: string): number {
      let count = 0;
      for (const state of states.values()) if (state.connection.user.id === userId) count += 1;
      return count;
    },

    /** Forgets a closed connection and everything it subscribed to. */
    remove(connectionId: string) {
      const state = states.get(connectionId);
      if (!state) return;
      state.open = false;
      for (const name of [...state.topics.keys()]) dropTopic(state, name);
      index(bySubscriber, subscriberKey(state.connection.user), state, false);
      states.delete(connectionId);
    },

    /**
     * Subscribes a connection to a topic. Changes topics need no check here (every change is
     * checked as the subscriber before it is sent); presence and broadcast topics are joined only by
     * those studying or managing the course, and a presence member list goes only to managers.
     */
    async subscribe(
      connectionId: string,
      name: string,
      opts: { track?: boolean; lesson?: string } = {},
    ): Promise<SubscribeResult> {
      const state = states.get(connectionId);
      if (!state) return NOT_FOUND;
      const topic = parseTopic(name);
      const lesson =
        topic.kind === 'presence' && topic.scope === 'course' ? opts.lesson?.toLowerCase() : undefined;
      if (state.topics.has(name)) {
        // Subscribed again with a lesson: the member moved to another lesson of the course.
        if (lesson && state.tracking.has(name)) {
          const access = await courseAccess(state.connection.user, topic, lesson);
          if (!access?.lessonOk) return NOT_FOUND;
          if (state.tracking.has(name)) presence.track(name, state.connection.user.id, connectionId, lesson);
        }
        return { ok: true };
      }
      if (state.topics.size >= options.maxTopicsPerConnection) {
        return {
          ok: false,
          code: 'too_many_topics',
          message: `A connection may hold at most ${options.maxTopicsPerConnection} topics; unsubscribe from some first.`,
        };
      }
      if (topic.kind === 'changes') {
        state.topics.set(name, topic);
        index(byTable, topic.table, state, true);
        return { ok: true };
      }
      const access = await courseAccess(state.connection.user, topic, lesson);
      if (!access || !(access.study || access.manage) || !access.lessonOk) return NOT_FOUND;
      if (!state.open || state.topics.has(name)) return { ok: true };
      state.topics.set(name, topic);
      index(byTopic, name, state, true);
      if (topic.kind === 'presence') {
        if (access.manage) state.watching.set(name, access.courseId);
        if (opts.track !== false) {
          state.tracking.add(name);
          presence.track(name, state.connection.user.id, connectionId, lesson ?? null);
        }
        if (access.manage) void sendPresenceTo(state, name);
      }
      return { ok: true };
    },

    unsubscribe(connectionId: string, name: string): boolean {
      const state = states.get(connectionId);
      return state ? dropTopic(state, name) : false;
    },

    /** Sends a broadcast to everyone subscribed to a course's broadcast topic, on every instance. */
    async broadcast(
      connectionId: string,
      name: string,
      event: string,
      payload: unknown,
    ): Promise<SubscribeResult> {
      const state = states.get(connectionId);
      const topic = parseTopic(name);
      if (!state || topic.kind !== 'broadcast') {
        return { ok: false, code: 'forbidden', message: 'Broadcasts go to broadcast:course:<id> topics.' };
      }
      const access = await courseAccess(state.connection.user, topic);
      if (!access?.manage) {
        return {
          ok: false,
          code: 'forbidden',
          message: 'Only the course owner or an admin may broadcast to it.',
        };
      }
      const text = JSON.stringify({ t: name, e: event, p: payload ?? null, f: state.connection.user.id });
      if (Buffer.byteLength(text) > MAX_BROADCAST_BYTES) {
        return {
          ok: false,
          code: 'forbidden',
          message: `A broadcast may carry at most ${MAX_BROADCAST_BYTES} bytes.`,
        };
      }
      publish(CHANNELS.broadcast, text);
      return { ok: true };
    },

    /** A NOTIFY from the listener. Malformed payloads are ignored (anyone with SQL can NOTIFY). */
    onNotification(channel: Channel, payload: string) {
      if (channel === CHANNELS.changes) {
        const event = parseChangeEvent(payload);
        if (event) onChange(event);
        return;
      }
      let message: unknown;
      try {
        message = JSON.parse(payload);
      } catch {
        return;
      }
      if (channel === CHANNELS.presence) {
        if (message && typeof message === 'object' && 'op' in message)
          presence.receive(message as PresenceMessage);
        return;
      }
      const b = message as { t?: unknown; e?: unknown; p?: unknown; f?: unknown };
      if (typeof b.t !== 'string' || typeof b.e !== 'string' || typeof b.f !== 'string') return;
      for (const state of byTopic.get(b.t) ?? []) {
        send(state, { type: 'broadcast', topic: b.t, event: b.e, payload: b.p, from: b.f });
      }
    },

    /** The listener reconnected: changes may have been missed, so every client re-syncs. */
    onReconnected() {
      for (const state of states.values()) send(state, { type: 'resync' });
      presence.hello();
    },

    /** Announces this instance (others reply with their presence). */
    started() {
      presence.hello();
    },

    /** Closes (4401) every socket whose sign-in session ended; runs every minute on its own. */
    sweepSessions,

    /** Resolves when every queued change has been checked and delivered (tests, benchmarks). */
    idle: () => fanOut.idle(),
    stats: () => ({ connections: states.size, ...fanOut.stats() }),

    /** Shutdown: leave presence everywhere, stop the heartbeat, close every socket (clients reconnect elsewhere). */
    close() {
      clearInterval(heartbeat);
      clearInterval(sweeper);
      for (const timer of presenceTimers.values()) clearTimeout(timer);
      presence.leaveAll();
      fanOut.clear();
      for (const state of [...states.values()]) {
        state.connection.close(REALTIME_CLOSE.goingAway, 'server shutting down');
      }
    },
  };
}

export type RealtimeHub = ReturnType<typeof createHub>;
