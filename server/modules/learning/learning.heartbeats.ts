import type { FastifyBaseLogger } from 'fastify';
import { sql } from 'kysely';
import type { ProgressReport } from '../../../contracts/learning.ts';
import {
  claimsFor,
  compileOnly,
  inlineParameters,
  quoteLiteral,
  type Db,
  type SessionUser,
  type Tx,
} from '../../db/session.ts';
import { createAccessMemo, type AccessMemo } from './learning.access-memo.ts';
import { heartbeatUpsert, type HeartbeatWrite } from './learning.queries.ts';

/**
 * Coalescing of position-only progress heartbeats (issue 5): a heartbeat that cannot complete
 * anything waits in memory up to `windowMs`, merged with the learner's later heartbeats on the same
 * lesson, and is then written with every other waiting heartbeat in one transaction per chunk (one
 * message: each learner's upsert runs as that learner, under RLS and every trigger). A crash may
 * lose up to `windowMs` of position and active time; completions, notes and grants never wait
 * (the service writes them before answering, after writing this lesson's waiting heartbeats first,
 * in the same transaction, so the database sees the reports in the order they arrived).
 *
 * The ordering rule stays the database's (0018): the merge here keeps the newest report's position
 * and the chain of reports that were newer than everything queued before them; the write adds the
 * active seconds of those newer than the row's last report, and the trigger ignores the position
 * when the row already holds a newer report. Two instances behind a load balancer each coalesce
 * their own requests: the database still orders them.
 *
 * Access is checked when a heartbeat is accepted (lesson visible, may study, live sign-in session),
 * and that answer is remembered for `accessTtlMs` (`access`, learning.access-memo.ts: the same
 * learner's next heartbeats on the lesson skip the read). The batch write runs as each learner
 * under RLS and skips the rows of a lesson the learner may no longer write, so a learner whose
 * access ended meanwhile loses their heartbeats and the others' are written; it does not repeat
 * the live-session check: a heartbeat accepted before a sign-out may still be written after it.
 */
export interface HeartbeatBuffer {
  /** 0: coalescing is off (every report is written before it is answered). */
  readonly windowMs: number;
  /** Allowed (learner, session, lesson) answers, remembered for the heartbeat path. */
  readonly access: AccessMemo;
  /**
   * Queues a heartbeat the caller was checked to be allowed to write (lesson visible, may study),
   * merged with the learner's waiting one on the lesson. Returns the waiting entry, or undefined
   * when the buffer is closed or off (the caller then writes it at once).
   */
  add(user: SessionUser, target: HeartbeatTarget, report: ProgressReport): PendingHeartbeat | undefined;
  /** The waiting entry of a learner on a lesson, without taking it. */
  peek(userId: string, lessonId: string): PendingHeartbeat | undefined;
  /**
   * Takes the learner's waiting entry on a lesson out of the buffer so the caller writes it first in
   * its own transaction — after a flush already writing it has finished. `restore` puts it back
   * when that transaction failed.
   */
  take(userId: string, lessonId: string): Promise<PendingHeartbeat | undefined>;
  restore(entry: PendingHeartbeat): void;
  /**
   * Takes all of a learner's waiting entries (after any flush writing some of them has finished),
   * for the caller to write before reading their progress: read-your-writes on this instance.
   */
  takeUser(userId: string): Promise<PendingHeartbeat[]>;
  /** Writes everything waiting now. */
  flush(): Promise<void>;
  /** Stops queueing and writes everything waiting (the app's onClose). */
  close(): Promise<void>;
  readonly size: number;
}

/** What the service learned about the lesson when it checked access. */
export interface HeartbeatTarget {
  lessonId: string;
  courseId: string;
  /** Known video length (the database caps positions at it); null for other lessons. */
  videoDurationSeconds: number | null;
}

export interface PendingHeartbeat extends HeartbeatWrite {
  user: SessionUser;
  courseId: string;
  videoDurationSeconds: number | null;
}

export interface HeartbeatBufferOptions {
  db: Db;
  windowMs: number;
  log: FastifyBaseLogger;
  /**
   * Heartbeats written per transaction (default 50). A completion or a progress read of a learner
   * whose heartbeats are being written waits for their whole chunk: with every trigger a heartbeat
   * row cost ~2 ms of database time warm before 0034 (~1 ms since) and 3–6 ms on a busy machine, so
   * a chunk of 250 held them up to a second (bench/README.md), one of 50 a fifth of that, for the
   * same cost per heartbeat.
   */
  chunkSize?: number;
  /** Flush early once this many (learner, lesson) pairs wait (default 5000). */
  maxPending?: number;
  /** How long an allowed access answer is remembered (default: windowMs; always 0 when coalescing is off). */
  accessTtlMs?: number;
  /** The access memo's clock (tests). */
  now?: () => number;
}

const key = (userId: string, lessonId: string) => `${userId}:${lessonId}`;

/** Merges a report into a waiting entry as applying them in order would (see the module comment). */
export function mergeHeartbeat(entry: PendingHeartbeat, report: ProgressReport, acceptedAt: Date): void {
  const clientTime = new Date(report.clientTime);
  entry.watchedSeconds = Math.max(entry.watchedSeconds, report.watchedSeconds);
  // Not newer than the newest queued report: its position and time would be ignored in order too.
  if (clientTime.getTime() <= entry.clientTime.getTime()) return;
  entry.positionSeconds = report.positionSeconds;
  entry.clientTime = clientTime;
  entry.acceptedAt = acceptedAt;
  entry.chain.push({ clientTime, activeSeconds: report.activeSeconds });
}

export function createHeartbeatBuffer(options: HeartbeatBufferOptions): HeartbeatBuffer {
  const { db, windowMs, log } = options;
  const chunkSize = options.chunkSize ?? 50;
  const maxPending = options.maxPending ?? 5000;
  const waiting = new Map<string, PendingHeartbeat>();
  /** Entries being written, and the write they are part of. */
  const writing = new Map<string, { done: Promise<void>; entry: PendingHeartbeat }>();
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> = Promise.resolve();
  let closed = windowMs <= 0;
  let earlyFlush = false;
  const access = createAccessMemo({
    ttlMs: windowMs <= 0 ? 0 : (options.accessTtlMs ?? windowMs),
    ...(options.now ? { now: options.now } : {}),
  });

  function schedule() {
    if (timer || closed) return;
    timer = setTimeout(() => {
      timer = undefined;
      void flush();
    }, windowMs);
    timer.unref();
  }

  /** One chunk in one transaction, one message: role once, then each learner's claims and upsert. */
  async function writeChunk(chunk: PendingHeartbeat[]) {
    const byUser = new Map<string, PendingHeartbeat[]>();
    for (const entry of chunk) byUser.set(entry.user.id, [...(byUser.get(entry.user.id) ?? []), entry]);
    // The same lock order in every flush: learners by id, lessons by id (the upsert sorts them).
    const users = [...byUser.keys()].sort();
    const parts = [`BEGIN; SELECT set_config('role', 'authenticated', true)`];
    for (const userId of users) {
      const entries = byUser.get(userId)!;
      const compiled = heartbeatUpsert(entries).compile(compileOnly);
      parts.push(
        `SELECT set_config('request.jwt.claims', ${quoteLiteral(JSON.stringify(claimsFor(entries[0]!.user)))}, true)`,
        inlineParameters(compiled.sql, compiled.parameters),
      );
    }
    parts.push('COMMIT');
    try {
      await db.handle.kysely.connection().execute(async (conn) => {
        try {
          await sql.raw(parts.join(';\n')).execute(conn);
        } catch (error) {
          await sql.raw('ROLLBACK').execute(conn);
          throw error;
        }
      });
    } catch (error) {
      // One learner's refusal (access ended, session ended) must not lose the others': retry each
      // learner alone, through the product's own path (asUser: live-session check included).
      log.warn(
        { err: error, heartbeats: chunk.length },
        'heartbeat flush failed; retrying learner by learner',
      );
      for (const userId of users) {
        const entries = byUser.get(userId)!;
        try {
          await db.asUser(entries[0]!.user, (tx) => writeHeartbeats(tx, entries));
        } catch (userError) {
          log.warn({ err: userError, userId, heartbeats: entries.length }, 'queued heartbeats dropped');
        }
      }
    }
  }

  async function flushOnce() {
    if (waiting.size === 0) return;
    const batch = [...waiting.values()];
    waiting.clear();
    for (let i = 0; i < batch.length; i += chunkSize) {
      const chunk = batch.slice(i, i + chunkSize);
      const done = writeChunk(chunk);
      for (const entry of chunk) writing.set(key(entry.user.id, entry.lessonId), { done, entry });
      try {
        await done;
      } catch (error) {
        // writeChunk handles database failures itself; anything else must not stop the other chunks.
        log.error({ err: error, heartbeats: chunk.length }, 'queued heartbeats dropped');
      } finally {
        for (const entry of chunk) {
          const k = key(entry.user.id, entry.lessonId);
          if (writing.get(k)?.done === done) writing.delete(k);
        }
      }
    }
  }

  /** Flushes run one after another (a later one waits for the one in progress). */
  function flush(): Promise<void> {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    flushing = flushing.then(flushOnce, flushOnce);
    return flushing;
  }

  return {
    windowMs,
    access,
    get size() {
      return waiting.size;
    },
    add(user, target, report) {
      if (closed) return undefined;
      const acceptedAt = new Date();
      const k = key(user.id, target.lessonId);
      let entry = waiting.get(k);
      if (entry) {
        mergeHeartbeat(entry, report, acceptedAt);
        // Written with the newest request's credentials (a learner may have signed in again).
        entry.user = user;
      } else {
        const clientTime = new Date(report.clientTime);
        entry = {
          user,
          lessonId: target.lessonId,
          courseId: target.courseId,
          videoDurationSeconds: target.videoDurationSeconds,
          positionSeconds: report.positionSeconds,
          watchedSeconds: report.watchedSeconds,
          clientTime,
          acceptedAt,
          chain: [{ clientTime, activeSeconds: report.activeSeconds }],
        };
        waiting.set(k, entry);
      }
      if (waiting.size < maxPending) schedule();
      else if (!earlyFlush) {
        earlyFlush = true;
        void flush().finally(() => (earlyFlush = false));
      }
      return entry;
    },
    peek(userId, lessonId) {
      return waiting.get(key(userId, lessonId));
    },
    async take(userId, lessonId) {
      const k = key(userId, lessonId);
      // A flush writing this pair goes first: the reports reach the database in arrival order.
      while (writing.has(k)) await writing.get(k)!.done.catch(() => undefined);
      const entry = waiting.get(k);
      waiting.delete(k);
      return entry;
    },
    restore(entry) {
      const k = key(entry.user.id, entry.lessonId);
      if (closed || waiting.has(k)) return;
      waiting.set(k, entry);
      schedule();
    },
    async takeUser(userId) {
      const mine = (map: Map<string, unknown>) => [...map.keys()].filter((k) => k.startsWith(`${userId}:`));
      for (const k of mine(writing)) await writing.get(k)?.done.catch(() => undefined);
      const entries: PendingHeartbeat[] = [];
      for (const k of mine(waiting)) {
        entries.push(waiting.get(k)!);
        waiting.delete(k);
      }
      return entries;
    },
    flush,
    async close() {
      closed = true;
      await flush();
    },
  };
}

/** Writes queued heartbeats of the transaction's learner (the service's immediate path, the retry path). */
export async function writeHeartbeats(tx: Tx, entries: HeartbeatWrite[]): Promise<void> {
  if (entries.length > 0) await heartbeatUpsert(entries).execute(tx);
}
