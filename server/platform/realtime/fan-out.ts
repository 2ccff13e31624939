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
}

/**
 * Authorises changes for their subscribers in batches, round-robin across changes: a change with
 * 1,000 subscribers is checked `batchSize` at a time, and each batch goes to the back of the queue,
 * so a busy course does not stall the changes of every other course behind it.
 */
export function createFanOut(options: FanOutOptions) {
  const queue: Job[] = [];
  let queuedChecks = 0;
  let running = 0;
  let idleWaiters: Array<() => void> = [];

  const pump = () => {
    while (running < options.concurrency && queue.length > 0) {
      const job = queue.shift()!;
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
      queue.push({ event, subscribers, next: 0 });
      queuedChecks += subscribers.length;
      while (queuedChecks > options.maxQueuedChecks && queue.length > 1) {
        const dropped = queue.shift()!;
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
      queuedChecks = 0;
      idleWaiters = idleWaiters.splice(0).filter((wake) => (wake(), false));
    },
  };
}
