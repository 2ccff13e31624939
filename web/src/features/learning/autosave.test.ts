import { describe, expect, it } from 'vitest';
import { Autosaver, type SaveStatus } from './autosave.ts';

/** A manual timer and a save whose answers the test controls. */
function setup(initial = '') {
  const timers = new Map<number, () => void>();
  let nextId = 1;
  const statuses: SaveStatus[] = [];
  const saves: Array<{ text: string; resolve: () => void; reject: (e: Error) => void }> = [];
  const saver = new Autosaver(initial, {
    save: (text) =>
      new Promise<void>((resolve, reject) => {
        saves.push({ text, resolve, reject });
      }),
    onStatus: (status) => statuses.push(status),
    setTimer: (fn) => {
      const id = nextId++;
      timers.set(id, fn);
      return id;
    },
    clearTimer: (id) => timers.delete(id as number),
  });
  const fire = () => {
    const pending = [...timers.values()];
    timers.clear();
    pending.forEach((fn) => fn());
  };
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
  return { saver, statuses, saves, fire, timers, settle };
}

describe('Autosaver', () => {
  it('waits for typing to pause, then saves the latest text once', async () => {
    const s = setup();
    s.saver.change('a');
    s.saver.change('ab');
    s.saver.change('abc');
    expect(s.timers.size).toBe(1);
    expect(s.saves).toHaveLength(0);
    s.fire();
    expect(s.saves.map((x) => x.text)).toEqual(['abc']);
    s.saves[0]!.resolve();
    await s.settle();
    expect(s.statuses).toEqual(['pending', 'pending', 'pending', 'saving', 'saved']);
    expect(s.saver.hasUnsaved).toBe(false);
  });

  it('saves a change made during a save after it, never two at once', async () => {
    const s = setup();
    s.saver.change('one');
    s.fire();
    s.saver.change('one two');
    s.fire(); // the timer fires while the first save is still running
    expect(s.saves).toHaveLength(1);
    s.saves[0]!.resolve();
    await s.settle();
    expect(s.saves.map((x) => x.text)).toEqual(['one', 'one two']);
    s.saves[1]!.resolve();
    await s.settle();
    expect(s.statuses.at(-1)).toBe('saved');
  });

  it('reports an error, keeps the text unsaved, and saves it on retry', async () => {
    const s = setup();
    s.saver.change('draft');
    s.fire();
    s.saves[0]!.reject(new Error('offline'));
    await s.settle();
    expect(s.statuses.at(-1)).toBe('error');
    expect(s.saver.hasUnsaved).toBe(true);
    void s.saver.flush();
    s.saves[1]!.resolve();
    await s.settle();
    expect(s.saves.map((x) => x.text)).toEqual(['draft', 'draft']);
    expect(s.statuses.at(-1)).toBe('saved');
  });

  it('typing back to the saved text saves nothing', () => {
    const s = setup('same');
    s.saver.change('same!');
    s.saver.change('same');
    expect(s.timers.size).toBe(0);
    expect(s.statuses.at(-1)).toBe('saved');
  });

  it('adopts newer notes from the server only while nothing here is unsaved', async () => {
    const s = setup('old');
    expect(s.saver.adopt('edited on the phone')).toBe(true);
    expect(s.saver.hasUnsaved).toBe(false);
    // Typing back to what the server holds saves nothing: the adopted text counts as saved.
    s.saver.change('edited on the phone');
    expect(s.timers.size).toBe(0);

    s.saver.change('typed here');
    expect(s.saver.adopt('from elsewhere')).toBe(false); // waiting to be saved: local text wins
    s.fire();
    expect(s.saver.adopt('from elsewhere')).toBe(false); // being saved
    s.saves[0]!.resolve();
    await s.settle();
    expect(s.saves.map((x) => x.text)).toEqual(['typed here']);
    expect(s.saver.adopt('later, elsewhere')).toBe(true);
  });

  it('does not adopt over a failed save', async () => {
    const s = setup();
    s.saver.change('draft');
    s.fire();
    s.saves[0]!.reject(new Error('offline'));
    await s.settle();
    expect(s.saver.adopt('server text')).toBe(false);
    expect(s.saver.hasUnsaved).toBe(true);
  });
});
