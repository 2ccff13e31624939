import { describe, expect, it } from 'vitest';
import { PGliteDialect } from './pglite-dialect.ts';

const engine = {
  exec: () => Promise.resolve([]),
  query: () => Promise.resolve({ rows: [] }),
};

/** Synchronous work, as an in-thread PGlite query is. */
function busy(ms: number) {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

describe('PGliteDialect lock', () => {
  it('hands the engine over in request order', async () => {
    const dialect = new PGliteDialect(engine);
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        dialect.exclusive(async () => {
          await Promise.resolve();
          order.push(i);
        }),
      ),
    );
    expect(order).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('lets the event loop run between holders of synchronous work (no starved connections)', async () => {
    const dialect = new PGliteDialect(engine);
    let holdersBeforeTheLoopRan: number | undefined;
    let holders = 0;
    setImmediate(() => (holdersBeforeTheLoopRan = holders));
    await Promise.all(
      Array.from({ length: 50 }, () =>
        dialect.exclusive(async () => {
          busy(2);
          holders++;
        }),
      ),
    );
    // 50 × 2 ms of work: handed over in microtasks alone, the event loop would wait for all 50.
    expect(holdersBeforeTheLoopRan).toBeLessThan(50);
  });
});
