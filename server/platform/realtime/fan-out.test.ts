import { describe, expect, it } from 'vitest';
import type { ChangeEvent, Subscriber } from './authorize.ts';
import { createFanOut } from './fan-out.ts';

const event = (id: string): ChangeEvent => ({ table: 'course_lessons', op: 'UPDATE', id, keys: {} });
const subscribers = (n: number, prefix: string): Subscriber[] =>
  Array.from({ length: n }, (_, i) => ({
    key: `${prefix}${i}`,
    userId: `${prefix}${i}`,
    sessionId: undefined,
  }));

describe('createFanOut', () => {
  it('interleaves batches of a busy change with other changes (round-robin), in batches of batchSize', async () => {
    const checked: Array<{ id: string; size: number }> = [];
    const delivered: string[] = [];
    const fanOut = createFanOut({
      batchSize: 100,
      concurrency: 1,
      maxQueuedChecks: 10_000,
      authorize: async (e, batch) => {
        checked.push({ id: e.id, size: batch.length });
        return { visible: batch.map((s) => s.key), ended: [], row: undefined };
      },
      deliver: (e, verdicts) => delivered.push(...verdicts.visible.map((key) => `${e.id}:${key}`)),
      lost: () => {
        throw new Error('nothing should be lost');
      },
    });
    fanOut.enqueue(event('busy'), subscribers(1000, 'b'));
    fanOut.enqueue(event('quiet'), subscribers(3, 'q'));
    await fanOut.idle();
    // The quiet course's change waits for the batch in flight and the one queued before it arrived,
    // not for all ten batches of the busy one.
    expect(checked.findIndex((c) => c.id === 'quiet')).toBe(2);
    expect(checked.filter((c) => c.id === 'busy').every((c) => c.size === 100)).toBe(true);
    expect(checked).toHaveLength(11);
    expect(delivered).toHaveLength(1003);
  });

  it('drops the oldest change when too many checks wait, and reports its subscribers as lost', async () => {
    const lost: Array<{ id: string; n: number; reason: string }> = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const fanOut = createFanOut({
      batchSize: 10,
      concurrency: 1,
      maxQueuedChecks: 25,
      authorize: async (_e, batch) => {
        await gate;
        return { visible: batch.map((s) => s.key), ended: [], row: undefined };
      },
      deliver: () => {},
      lost: (e, subs, reason) => lost.push({ id: e.id, n: subs.length, reason }),
    });
    fanOut.enqueue(event('first'), subscribers(20, 'f')); // 10 in flight, 10 waiting
    fanOut.enqueue(event('second'), subscribers(20, 's')); // 30 waiting: over the limit
    expect(lost).toEqual([{ id: 'first', n: 10, reason: 'overload' }]);
    release();
    await fanOut.idle();
  });

  it('reports a failed check as lost (its clients re-sync) and carries on', async () => {
    const lost: string[] = [];
    const delivered: string[] = [];
    const fanOut = createFanOut({
      batchSize: 10,
      concurrency: 2,
      maxQueuedChecks: 100,
      authorize: async (e, batch) => {
        if (e.id === 'bad') throw new Error('database went away');
        return { visible: batch.map((s) => s.key), ended: [], row: undefined };
      },
      deliver: (e) => delivered.push(e.id),
      lost: (e, _subs, reason) => lost.push(`${e.id}:${reason}`),
    });
    fanOut.enqueue(event('bad'), subscribers(1, 'x'));
    fanOut.enqueue(event('good'), subscribers(1, 'y'));
    await fanOut.idle();
    expect(lost).toEqual(['bad:error']);
    expect(delivered).toEqual(['good']);
  });

  it('folds a change announced again while its first announcement waits unchecked, and only then', async () => {
    const checked: Array<{ id: string; keys: string[] }> = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const fanOut = createFanOut({
      batchSize: 10,
      concurrency: 1,
      maxQueuedChecks: 1000,
      authorize: async (e, batch) => {
        checked.push({ id: e.id, keys: batch.map((s) => s.key) });
        await gate;
        return { visible: batch.map((s) => s.key), ended: [], row: undefined };
      },
      deliver: () => {},
      lost: () => {
        throw new Error('nothing should be lost');
      },
    });
    fanOut.enqueue(event('a'), subscribers(2, 's')); // its check starts at once
    fanOut.enqueue(event('a'), subscribers(2, 's')); // waits: a check of its own (the first read an older row)
    fanOut.enqueue(event('a'), subscribers(3, 's')); // folded into the waiting one, s2 added
    fanOut.enqueue({ ...event('a'), op: 'DELETE' }, subscribers(1, 's')); // another operation: its own check
    fanOut.enqueue({ ...event('a'), keys: { course_id: 'other' } }, subscribers(1, 's')); // moved: its own
    expect(fanOut.stats().queuedChanges).toBe(3);
    release();
    await fanOut.idle();
    expect(checked.map((c) => c.keys)).toEqual([['s0', 's1'], ['s0', 's1', 's2'], ['s0'], ['s0']]);
  });
});
