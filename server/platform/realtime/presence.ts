/**
 * Presence across instances. Each instance knows its own members exactly and announces them over
 * NOTIFY (`realtime_presence`): a join, a leave, and every HEARTBEAT_MS a beat listing its members
 * (in chunks, NOTIFY payloads are small). Entries another instance stops refreshing (it crashed)
 * expire after EXPIRE_MS. Only user ids travel: names are for the instructor's page to look up.
 */

export const HEARTBEAT_MS = 15_000;
export const EXPIRE_MS = 45_000;
const BEAT_CHUNK = 80;

export type PresenceMessage =
  | { op: 'join'; i: string; t: string; u: string; since: string }
  | { op: 'leave'; i: string; t: string; u: string }
  | { op: 'beat'; i: string; t: string; m: Array<[string, string]> }
  | { op: 'hello'; i: string };

interface Entry {
  userId: string;
  since: string;
  seenAt: number;
}

export interface PresenceMember {
  userId: string;
  since: string;
}

export function createPresence(options: {
  instance: string;
  publish(message: PresenceMessage): void;
  /** Membership of a topic changed (debounce on the caller's side if needed). */
  changed(topic: string): void;
  now?: () => number;
}) {
  const now = options.now ?? Date.now;
  /** topic → user → local connection ids tracking them. */
  const local = new Map<string, Map<string, { since: string; connections: Set<string> }>>();
  /** topic → `${instance}|${user}` → entry, for every instance including this one. */
  const known = new Map<string, Map<string, Entry>>();

  const upsert = (topic: string, instance: string, userId: string, since: string) => {
    let entries = known.get(topic);
    if (!entries) known.set(topic, (entries = new Map()));
    const key = `${instance}|${userId}`;
    const isNew = !entries.has(key);
    entries.set(key, { userId, since, seenAt: now() });
    if (isNew) options.changed(topic);
  };
  const remove = (topic: string, instance: string, userId: string) => {
    const entries = known.get(topic);
    if (entries?.delete(`${instance}|${userId}`)) {
      if (entries.size === 0) known.delete(topic);
      options.changed(topic);
    }
  };

  const beat = (topic: string) => {
    const users = [...(local.get(topic) ?? new Map()).entries()].map(
      ([userId, { since }]) => [userId, since] as [string, string],
    );
    for (let i = 0; i < users.length; i += BEAT_CHUNK) {
      options.publish({ op: 'beat', i: options.instance, t: topic, m: users.slice(i, i + BEAT_CHUNK) });
    }
  };

  return {
    /** A local connection is present in `topic` as `userId`. */
    track(topic: string, userId: string, connectionId: string) {
      let users = local.get(topic);
      if (!users) local.set(topic, (users = new Map()));
      let user = users.get(userId);
      if (!user) {
        user = { since: new Date(now()).toISOString(), connections: new Set() };
        users.set(userId, user);
        upsert(topic, options.instance, userId, user.since);
        options.publish({ op: 'join', i: options.instance, t: topic, u: userId, since: user.since });
      }
      user.connections.add(connectionId);
    },
    untrack(topic: string, userId: string, connectionId: string) {
      const users = local.get(topic);
      const user = users?.get(userId);
      if (!users || !user || !user.connections.delete(connectionId) || user.connections.size > 0) return;
      users.delete(userId);
      if (users.size === 0) local.delete(topic);
      remove(topic, options.instance, userId);
      options.publish({ op: 'leave', i: options.instance, t: topic, u: userId });
    },
    /** A presence NOTIFY from any instance (this one included). */
    receive(message: PresenceMessage) {
      if (message.op === 'hello') {
        if (message.i !== options.instance) for (const topic of local.keys()) beat(topic);
        return;
      }
      if (message.i === options.instance) return;
      if (message.op === 'join') upsert(message.t, message.i, message.u, message.since);
      else if (message.op === 'leave') remove(message.t, message.i, message.u);
      else for (const [userId, since] of message.m) upsert(message.t, message.i, userId, since);
    },
    /** Announces every local member and expires other instances' stale entries; call every HEARTBEAT_MS. */
    tick() {
      for (const topic of local.keys()) beat(topic);
      const cutoff = now() - EXPIRE_MS;
      for (const [topic, entries] of known) {
        for (const [key, entry] of entries) {
          if (!key.startsWith(`${options.instance}|`) && entry.seenAt < cutoff) {
            entries.delete(key);
            options.changed(topic);
          }
        }
        if (entries.size === 0) known.delete(topic);
      }
    },
    hello() {
      options.publish({ op: 'hello', i: options.instance });
    },
    /** Who is in `topic`, once per user (earliest arrival), across instances. */
    members(topic: string): PresenceMember[] {
      const byUser = new Map<string, string>();
      for (const entry of known.get(topic)?.values() ?? []) {
        const since = byUser.get(entry.userId);
        if (since === undefined || entry.since < since) byUser.set(entry.userId, entry.since);
      }
      return [...byUser]
        .map(([userId, since]) => ({ userId, since }))
        .sort((a, b) => a.since.localeCompare(b.since));
    },
    /** Leaves every topic (shutdown). */
    leaveAll() {
      for (const [topic, users] of local) {
        for (const userId of users.keys())
          options.publish({ op: 'leave', i: options.instance, t: topic, u: userId });
      }
      local.clear();
    },
  };
}
