import type { SessionUser } from '../../db/session.ts';
import type { OwnEnrollmentRow, ProgressRow } from './learning.queries.ts';

/**
 * A short memory of "this learner, in this sign-in session, may write progress on this lesson"
 * for the heartbeat path (issue 5): a position-only heartbeat that finds a live entry is queued
 * without reading the database at all; one that does not pays the one-round-trip access read
 * (progressTargetQuery: lesson visible, may study, live session) and leaves an entry for `ttlMs`.
 *
 * Only allowed answers are remembered, never refusals (an enrolment or a new sign-in counts at
 * once). An entry is forgotten early when this instance writes the learner's progress on the lesson
 * itself (a completion) or revokes a grant of the course. Everything else that ends access — a
 * refund, an unpublished or deleted course or lesson, a sign-out, another instance's revocation —
 * is not seen here: for up to `ttlMs` such a learner's heartbeats are still answered 202 and
 * queued, and the flush, which writes as the learner under row-level security and skips rows the
 * learner may no longer write (learning.queries.ts, heartbeatUpsert), drops them. The database
 * stays the authority on every write; this only decides what to answer before it.
 *
 * The entry also carries the learner's row of the lesson as the queued heartbeats will leave it
 * (advanced on every accepted heartbeat, see projectHeartbeat) and the enrolment's counters as
 * last read (heartbeats move only its minutes; completions, which change the rest, forget the
 * entry), so a remembered heartbeat is answered the same state a read would have given.
 */
export interface AccessMemo {
  readonly ttlMs: number;
  /** The live entry for this learner's session on the lesson, or undefined. */
  find(user: SessionUser, lessonId: string): RememberedAccess | undefined;
  /** Remembers an allowed answer (a fresh access read) for ttlMs. */
  remember(user: SessionUser, lessonId: string, access: Omit<RememberedAccess, 'expiresAt'>): void;
  /** Forgets the learner's entries on a lesson, in every session (their own write of it). */
  forgetLesson(userId: string, lessonId: string): void;
  /** Forgets every entry of a course (a grant of it was revoked on this instance). */
  forgetCourse(courseId: string): void;
  readonly size: number;
}

export interface RememberedAccess {
  courseId: string;
  contentType: string;
  /** Known video length in seconds (0 or null: not a video with a length). */
  videoDurationSeconds: number | null;
  /** The learner's row as the write of what was accepted will leave it; null before any. */
  row: ProgressRow | null;
  enrollment: Omit<OwnEnrollmentRow, 'lastLessonId' | 'canStudy'>;
  expiresAt: number;
}

export interface AccessMemoOptions {
  /** How long an allowed answer is remembered; 0 remembers nothing. */
  ttlMs: number;
  /** Entries kept at most (expired ones are swept first, then all are dropped): default 50,000. */
  maxEntries?: number;
  /** The clock (tests move it instead of waiting). */
  now?: () => number;
}

export function createAccessMemo(options: AccessMemoOptions): AccessMemo {
  const { ttlMs } = options;
  const maxEntries = options.maxEntries ?? 50_000;
  const now = options.now ?? Date.now;
  /** learner id → `${session}:${lesson}` → entry; per learner so their own writes forget cheaply. */
  const byUser = new Map<string, Map<string, RememberedAccess>>();
  let count = 0;
  const inner = (user: SessionUser, lessonId: string) => `${user.sessionId ?? '-'}:${lessonId}`;

  function sweep() {
    const t = now();
    for (const [userId, entries] of byUser) {
      for (const [k, entry] of entries) {
        if (entry.expiresAt <= t) {
          entries.delete(k);
          count--;
        }
      }
      if (entries.size === 0) byUser.delete(userId);
    }
    // Still full of live entries: forget them all (a memory, not a store: reads take over).
    if (count >= maxEntries) {
      byUser.clear();
      count = 0;
    }
  }

  return {
    ttlMs,
    get size() {
      return count;
    },
    find(user, lessonId) {
      const entries = byUser.get(user.id);
      const entry = entries?.get(inner(user, lessonId));
      if (!entry) return undefined;
      if (entry.expiresAt > now()) return entry;
      entries!.delete(inner(user, lessonId));
      count--;
      if (entries!.size === 0) byUser.delete(user.id);
      return undefined;
    },
    remember(user, lessonId, access) {
      if (ttlMs <= 0) return;
      if (count >= maxEntries) sweep();
      let entries = byUser.get(user.id);
      if (!entries) byUser.set(user.id, (entries = new Map()));
      const k = inner(user, lessonId);
      if (!entries.has(k)) count++;
      entries.set(k, { ...access, expiresAt: now() + ttlMs });
    },
    forgetLesson(userId, lessonId) {
      const entries = byUser.get(userId);
      if (!entries) return;
      for (const k of [...entries.keys()]) {
        if (k.endsWith(`:${lessonId}`)) {
          entries.delete(k);
          count--;
        }
      }
      if (entries.size === 0) byUser.delete(userId);
    },
    forgetCourse(courseId) {
      for (const [userId, entries] of byUser) {
        for (const [k, entry] of entries) {
          if (entry.courseId === courseId) {
            entries.delete(k);
            count--;
          }
        }
        if (entries.size === 0) byUser.delete(userId);
      }
    },
  };
}
