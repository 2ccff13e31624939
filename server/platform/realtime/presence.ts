/**
 * Presence across instances. Each instance knows its own members exactly and announces them over
 * NOTIFY (`realtime_presence`): a join, a leave, and every HEARTBEAT_MS a beat listing its members
 * (in chunks, NOTIFY payloads are small). Entries another instance stops refreshing (it crashed)
 * expire after EXPIRE_MS. Only user ids (and the lesson a member is on) travel: names are looked up
 * for the instructor's live view by the hub, as the instructor.
 *
 * A member of a course topic may say which lesson it is on; with several tabs, the lesson of the
 * tab that moved last wins (`lessonAt`), on this instance and across instances.
 */

export const HEARTBEAT_MS = 15_000;
export const EXPIRE_MS = 45_000;
const BEAT_CHUNK = 80;

/** `l`/`la`: the member's lesson and when it moved there (absent from instances before 0031). */
export type PresenceMessage =
  | { op: 'join'; i: string; t: string; u: string; since: string; l?: string | null; la?: string }
  | { op: 'leave'; i: string; t: string; u: string }
  | { op: 'beat'; i: string; t: string; m: Array<[string, string] | [string, string, string | null, string]> }
  | { op: 'hello'; i: string };

interface Entry {
  userId: string;
  since: string;
  lessonId: string | null;
  lessonAt: string;
  seenAt: number;
}

export interface PresenceMember {
  userId: string;
  since: string;
  lessonId: string | null;
}

interface LocalUser {
  since: string;
  /** connection → the lesson it is on. */
  connections: Map<string, string | null>;
  lessonId: string | null;
  lessonAt: string;
}

export function createPresence(options: {
  instance: string;
  publish(message: PresenceMessage): void;
  /** Membership of a topic changed (debounce on the caller's side if needed). */
  changed(topic: string): void;
  now?: () => number;
}) {
  const now = options.now ?? Date.now;
  /** topic → user → local connections tracking them. */
  const local = new Map<string, Map<string, LocalUser>>();
  /** topic → `${instance}|${user}` → entry, for every instance including this one. */
  const known = new Map<string, Map<string, Entry>>();

  const upsert = (
    topic: string,
    instance: string,
    userId: string,
    since: string,
    lessonId: string | null = null,
    lessonAt: string = since,
  ) => {
    let entries = known.get(topic);
    if (!entries) known.set(topic, (entries = new Map()));
    const key = `${instance}|${userId}`;
    const before = entries.get(key);
    entries.set(key, { userId, since, lessonId, lessonAt, seenAt: now() });
    if (!before || before.lessonId !== lessonId) options.changed(topic);
  };
  const announce = (topic: string, userId: string, user: LocalUser) => {
    upsert(topic, options.instance, userId, user.since, user.lessonId, user.lessonAt);
    options.publish({
      op: 'join',
      i: options.instance,
      t: topic,
      u: userId,
      since: user.since,
      l: user.lessonId,
      la: user.lessonAt,
    });
  };
  const remove = (topic: string, instance: string, userId: string) => {
    const entries = known.get(topic);
    if (entries?.delete(`${instance}|${userId}`)) {
      if (entries.size === 0) known.delete(topic);
      options.changed(topic);
    }
  };

  const beat = (topic: string) => {
    const users = [...(local.get(topic) ?? new Map<string, LocalUser>()).entries()].map(
      ([userId, user]) =>
        [userId, user.since, user.lessonId, user.lessonAt] as [string, string, string | null, string],
    );
    for (let i = 0; i < users.length; i += BEAT_CHUNK) {
      options.publish({ op: 'beat', i: options.instance, t: topic, m: users.slice(i, i + BEAT_CHUNK) });
    }
  };

  return {
    /**
     * A local connection is present in `topic` as `userId`, on `lessonId` if given (null: no lesson).
     * Tracking a connection again moves it to another lesson.
     */
    track(topic: string, userId: string, connectionId: string, lessonId: string | null = null) {
      let users = local.get(topic);
      if (!users) local.set(topic, (users = new Map()));
      let user = users.get(userId);
      const at = new Date(now()).toISOString();
      if (!user) {
        user = { since: at, connections: new Map(), lessonId, lessonAt: at };
        users.set(userId, user);
        user.connections.set(connectionId, lessonId);
        announce(topic, userId, user);
        return;
      }
      user.connections.set(connectionId, lessonId);
      if (user.lessonId !== lessonId) {
        user.lessonId = lessonId;
        user.lessonAt = at;
        announce(topic, userId, user);
      }
    },
    untrack(topic: string, userId: string, connectionId: string) {
      const users = local.get(topic);
      const user = users?.get(userId);
      if (!users || !user || !user.connections.delete(connectionId)) return;
      if (user.connections.size > 0) {
        // Another tab stays: the member is on that tab's lesson.
        const remaining = [...user.connections.values()].at(-1) ?? null;
        if (remaining !== user.lessonId) {
          user.lessonId = remaining;
          user.lessonAt = new Date(now()).toISOString();
          announce(topic, userId, user);
        }
        return;
      }
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
      if (message.op === 'join')
        upsert(
          message.t,
          message.i,
          message.u,
          message.since,
          message.l ?? null,
          message.la ?? message.since,
        );
      else if (message.op === 'leave') remove(message.t, message.i, message.u);
      else
        for (const [userId, since, lessonId, lessonAt] of message.m)
          upsert(message.t, message.i, userId, since, lessonId ?? null, lessonAt ?? since);
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
    /** Who is in `topic`, once per user (earliest arrival; the lesson moved to last), across instances. */
    members(topic: string): PresenceMember[] {
      const byUser = new Map<string, { since: string; lessonId: string | null; lessonAt: string }>();
      for (const entry of known.get(topic)?.values() ?? []) {
        const seen = byUser.get(entry.userId);
        if (!seen) {
          byUser.set(entry.userId, {
            since: entry.since,
            lessonId: entry.lessonId,
            lessonAt: entry.lessonAt,
          });
          continue;
        }
        if (entry.since < seen.since) seen.since = entry.since;
        if (entry.lessonAt > seen.lessonAt) {
          seen.lessonId = entry.lessonId;
          seen.lessonAt = entry.lessonAt;
        }
      }
      return [...byUser]
        .map(([userId, { since, lessonId }]) => ({ userId, since, lessonId }))
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
