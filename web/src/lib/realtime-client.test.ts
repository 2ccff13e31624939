import { describe, expect, it } from 'vitest';
import type { ClientMessage, ServerMessage } from '../../../contracts/realtime.ts';
import { createRealtimeClient, type WebSocketLike } from './realtime-client.ts';

/** A socket the test opens, answers and closes by hand. */
class FakeSocket implements WebSocketLike {
  readyState = 0;
  sent: ClientMessage[] = [];
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  send(data: string) {
    this.sent.push(JSON.parse(data) as ClientMessage);
  }
  close() {}
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  answer(message: ServerMessage) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  drop() {
    this.readyState = 3;
    this.onclose?.({ code: 1006 });
  }
}

function setup() {
  const sockets: FakeSocket[] = [];
  const client = createRealtimeClient({
    url: 'ws://test/realtime',
    minDelayMs: 1,
    maxDelayMs: 1,
    createSocket: () => {
      const socket = new FakeSocket();
      sockets.push(socket);
      return socket;
    },
  });
  let resyncs = 0;
  client.onResync(() => (resyncs += 1));
  const reconnect = async () => {
    sockets.at(-1)!.drop();
    await expect.poll(() => sockets.length).toBe(2);
    sockets[1]!.open();
    return sockets[1]!;
  };
  return { client, sockets, resyncs: () => resyncs, reconnect };
}

const A = 'changes:lesson_progress:course_id=00000000-0000-4000-8000-000000000001';
const B = 'changes:enrollments:course_id=00000000-0000-4000-8000-000000000001';

describe('realtime client re-sync after a reconnect', () => {
  it('waits until the server has answered every re-subscription, so no change falls in between', async () => {
    const s = setup();
    s.client.subscribe(A, () => {});
    s.client.subscribe(B, () => {});
    s.sockets[0]!.open();
    expect(s.resyncs()).toBe(0); // the first connection has nothing to catch up on

    const again = await s.reconnect();
    expect(again.sent.map((m) => m.type === 'subscribe' && m.topic)).toEqual([A, B]);
    expect(s.resyncs()).toBe(0);
    again.answer({ type: 'subscribed', topic: A });
    expect(s.resyncs()).toBe(0);
    // A refused topic is answered too (its views refetch and find it gone).
    again.answer({ type: 'error', code: 'not_found', message: 'gone', topic: B });
    expect(s.resyncs()).toBe(1);
    again.answer({ type: 'subscribed', topic: A }); // a later answer does not re-sync again
    expect(s.resyncs()).toBe(1);
  });

  it('a topic left while its answer is awaited no longer holds the re-sync back', async () => {
    const s = setup();
    s.client.subscribe(A, () => {});
    const leaveB = s.client.subscribe(B, () => {});
    s.sockets[0]!.open();
    const again = await s.reconnect();
    again.answer({ type: 'subscribed', topic: A });
    leaveB();
    expect(s.resyncs()).toBe(1);
  });

  it('the server asking for a re-sync is passed on at once', () => {
    const s = setup();
    s.client.subscribe(A, () => {});
    s.sockets[0]!.open();
    s.sockets[0]!.answer({ type: 'resync' });
    expect(s.resyncs()).toBe(1);
  });
});
