import type { FastifyBaseLogger } from 'fastify';

/**
 * Work a request starts but does not wait for (e.g. the database and mail work behind "we sent you
 * a link", which must take the same time whether or not the address has an account). Failures are
 * logged, never thrown at anyone. `settled()` waits for everything started so far: the app calls it
 * on close, tests call it before reading what the work wrote.
 */
export interface Background {
  run(name: string, task: () => Promise<unknown>): void;
  settled(): Promise<void>;
}

export function createBackground(log: FastifyBaseLogger): Background {
  const pending = new Set<Promise<unknown>>();
  return {
    run(name, task) {
      const promise = (async () => {
        try {
          // Start after the current request's answer has been written: on embedded PGlite the
          // database runs on this thread, so work begun earlier would delay (and time) the answer.
          await new Promise((resolve) => setImmediate(resolve));
          await task();
        } catch (error) {
          log.error({ err: error, task: name }, 'background task failed');
        }
      })();
      pending.add(promise);
      void promise.finally(() => pending.delete(promise));
    },
    async settled() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}
