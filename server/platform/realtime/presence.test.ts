import { describe, expect, it } from 'vitest';
import { createPresence, EXPIRE_MS, type PresenceMessage } from './presence.ts';

/** Two instances wired through a fake NOTIFY bus (every message reaches every instance). */
function cluster() {
  let now = 1_000_000;
  const changed: string[] = [];
  const instances: Array<ReturnType<typeof createPresence>> = [];
  const bus = (message: PresenceMessage) => instances.forEach((i) => i.receive(message));
  for (const name of ['one', 'two']) {
    instances.push(
      createPresence({
        instance: name,
        publish: bus,
        changed: (topic) => changed.push(topic),
        now: () => now,
      }),
    );
  }
  return { one: instances[0]!, two: instances[1]!, changed, advance: (ms: number) => (now += ms) };
}

describe('presence across instances', () => {
  it('shows members tracked on any instance once per user, and drops them when their last connection leaves', () => {
    const { one, two } = cluster();
    one.track('presence:course:c', 'anna', 'socket-1');
    two.track('presence:course:c', 'anna', 'socket-2');
    two.track('presence:course:c', 'bruno', 'socket-3');
    expect(one.members('presence:course:c').map((m) => m.userId)).toEqual(['anna', 'bruno']);
    one.untrack('presence:course:c', 'anna', 'socket-1');
    expect(one.members('presence:course:c').map((m) => m.userId)).toEqual(['anna', 'bruno']);
    two.untrack('presence:course:c', 'anna', 'socket-2');
    expect(one.members('presence:course:c').map((m) => m.userId)).toEqual(['bruno']);
  });

  it('expires members of an instance that stopped beating (crashed), but not its own', () => {
    const { one, two, advance } = cluster();
    one.track('presence:lesson:l', 'anna', 's1');
    two.track('presence:lesson:l', 'bruno', 's2');
    advance(EXPIRE_MS / 2);
    one.tick();
    two.tick(); // two is alive: its beat refreshes bruno everywhere
    advance(EXPIRE_MS / 2 + 1);
    one.tick();
    expect(one.members('presence:lesson:l').map((m) => m.userId)).toEqual(['anna', 'bruno']);
    advance(EXPIRE_MS + 1); // two crashed: no more beats from it
    one.tick();
    expect(one.members('presence:lesson:l').map((m) => m.userId)).toEqual(['anna']);
  });

  it('answers a new instance’s hello with its members', () => {
    const messages: PresenceMessage[] = [];
    const old = createPresence({ instance: 'old', publish: (m) => messages.push(m), changed: () => {} });
    old.track('presence:course:c', 'anna', 's1');
    messages.length = 0;
    old.receive({ op: 'hello', i: 'new' });
    expect(messages).toEqual([
      {
        op: 'beat',
        i: 'old',
        t: 'presence:course:c',
        m: [['anna', expect.any(String), null, expect.any(String)]],
      },
    ]);
  });

  it('tells which lesson a member is on: the tab that moved last wins, across instances', () => {
    const { one, two, advance, changed } = cluster();
    const topic = 'presence:course:c';
    one.track(topic, 'anna', 'tab-1', 'lesson-1');
    expect(two.members(topic)).toEqual([{ userId: 'anna', since: expect.any(String), lessonId: 'lesson-1' }]);
    const since = two.members(topic)[0]!.since;
    advance(1000);
    changed.length = 0;
    one.track(topic, 'anna', 'tab-1', 'lesson-2'); // moved on: same arrival, new lesson
    expect(changed).toEqual([topic, topic]); // on both instances
    expect(two.members(topic)).toEqual([{ userId: 'anna', since, lessonId: 'lesson-2' }]);
    advance(1000);
    two.track(topic, 'anna', 'tab-2', 'lesson-3'); // a second tab, on the other instance
    expect(one.members(topic)).toEqual([{ userId: 'anna', since, lessonId: 'lesson-3' }]);
    advance(1000);
    two.untrack(topic, 'anna', 'tab-2');
    expect(one.members(topic)).toEqual([{ userId: 'anna', since, lessonId: 'lesson-2' }]);
    changed.length = 0;
    one.track(topic, 'anna', 'tab-1', 'lesson-2'); // the same lesson again: nothing to tell
    expect(changed).toEqual([]);
  });
});
