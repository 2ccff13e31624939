import type { ChangeEvent, Subscriber, Verdicts } from './authorize.ts';

export interface FanOutOptions {
  /** Subscribers authorised per statement. */
  batchSize: number;
  /** Authorisation statements in flight at once (each holds a pooled connection while it runs). */
  concurrency: number;
  /** Subscriber checks allowed to wait; beyond it the oldest changes are dropped (their clients re-sync). */
  maxQueuedChecks: number;
  authorize(event: ChangeEvent, batch: Subscriber[]): Promise<Verdicts>;
  deliver(event: ChangeEvent, verdicts: Verdicts): void;
  /** A change dropped because the queue was full, or whose check failed: its subscribers must re-sync. */
  lost(event: ChangeEvent, subscribers: Subscriber[], reason: 'overload' | 'error', error?: unknown): void;
}

interface Job {
  event: ChangeEvent;
  subscribers: Subscriber[];
  next: number;
  /** Set while no batch of the job has started: a later identical announcement joins it. */
  coalesceKey: string | undefined;
}

/** Announcements of the same row, operation and keys are interchangeable once neither has been checked. */
const coalesceKeyOf = (event: ChangeEvent) =>
  JSON.stringify([event.table, event.op, event.id, Object.entries(event.keys).sort()]);

/**
 * Authorises changes for their subscribers in batches, round-robin across changes: a change with
 * 1,000 subscribers is checked `batchSize` at a time, and each batch goes to the back of the queue,
 * so a busy course does not stall the changes of every other course behind it.
 *
 * A change announced again (same table, row, operation and keys) while its earlier announcement
 * still waits unchecked is folded into it: the row is re-read when it is checked, so one check
 * already sends the latest state (an author's autosave every second to 1,000 learners costs one
 * fan-out, not a backlog of identical ones).
 */
export function createFanOut(options: FanOutOptions) {
  const queue: Job[] = [];
  const unstarted = new Map<string, Job>();
  let queuedChecks = 0;
  let running = 0;
  let idleWaiters: Array<() => void> = [];

  const pump = () => {
    while (running < options.concurrency && queue.length > 0) {
      const job = queue.shift()!;
      if (job.coalesceKey !== undefined) {
        unstarted.delete(job.coalesceKey);
        job.coalesceKey = undefined;
      }
      const batch = job.subscribers.slice(job.next, job.next + options.batchSize);
      job.next += batch.length;
      queuedChecks -= batch.length;
      if (job.next < job.subscribers.length) queue.push(job);
      running += 1;
      options
        .authorize(job.event, batch)
        .then(
          (verdicts) => options.deliver(job.event, verdicts),
          (error: unknown) => options.lost(job.event, batch, 'error', error),
        )
        .finally(() => {
          running -= 1;
          pump();
          if (running === 0 && queue.length === 0) for (const wake of idleWaiters.splice(0)) wake();
        });
    }
  };

  return {
    /** Queues one change for its (already topic-matched) subscribers. */
    enqueue(event: ChangeEvent, subscribers: Subscriber[]) {
      if (subscribers.length === 0) return;
      const coalesceKey = coalesceKeyOf(event);
      const waiting = unstarted.get(coalesceKey);
      if (waiting) {
        const known = new Set(waiting.subscribers.map((s) => s.key));
        const added = subscribers.filter((s) => !known.has(s.key));
        waiting.subscribers.push(...added);
        queuedChecks += added.length;
      } else {
        const job: Job = { event, subscribers, next: 0, coalesceKey };
        unstarted.set(coalesceKey, job);
        queue.push(job);
        queuedChecks += subscribers.length;
      }
      while (queuedChecks > options.maxQueuedChecks && queue.length > 1) {
        const dropped = queue.shift()!;
        if (dropped.coalesceKey !== undefined) unstarted.delete(dropped.coalesceKey);
        const rest = dropped.subscribers.slice(dropped.next);
        queuedChecks -= rest.length;
        options.lost(dropped.event, rest, 'overload');
      }
      pump();
    },
    /** Resolves when nothing is queued or running (shutdown, tests). */
    idle(): Promise<void> {
      if (running === 0 && queue.length === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    stats: () => ({ queuedChecks, running, queuedChanges: queue.length }),
    clear() {
      queue.length = 0;
      unstarted.clear();
      queuedChecks = 0;
      idleWaiters = idleWaiters.splice(0).filter((wake) => (wake(), false));
    },
  };
}
