import {
  REALTIME_CLOSE,
  serverMessageSchema,
  type ClientMessage,
  type ServerMessage,
} from '../../../contracts/realtime.ts';

/**
 * The realtime client: one WebSocket to `/realtime` shared by every subscriber in the page. It
 * connects when the first topic is subscribed, re-subscribes everything after a reconnect, and
 * reconnects with exponential back-off (with jitter, so a restarted server is not stormed). After a
 * reconnect — once the server has answered every re-subscription, so a change committed after the
 * refetch's read cannot fall between the two — and when the server says `resync`, `onResync`
 * listeners run: events may have been missed, so views refetch (the React hook invalidates its
 * queries).
 *
 * DOM-free, so it runs in the browser (realtime.ts: the session cookie authenticates the handshake)
 * and in Node with the `ws` package (`createSocket` can send `Authorization: Bearer`): the tests.
 */

/** The part of the WebSocket API the client uses (browser WebSocket and `ws` both fit). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export type RealtimeStatus = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'ended';

export interface RealtimeClientOptions {
  /** ws:// or wss:// URL of `/realtime`. */
  url: string;
  createSocket: (url: string) => WebSocketLike;
  /** Back-off bounds in milliseconds (default 500 → 30 000). */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Runs before each reconnect (the web app refreshes an expired session there). */
  beforeReconnect?: () => Promise<void>;
}

export type TopicListener = (message: ServerMessage) => void;

const OPEN = 1;

export function createRealtimeClient(options: RealtimeClientOptions) {
  const minDelay = options.minDelayMs ?? 500;
  const maxDelay = options.maxDelayMs ?? 30_000;
  const createSocket =
    options.createSocket ?? ((url: string) => new WebSocket(url) as unknown as WebSocketLike);
  const topics = new Map<string, { listeners: Set<TopicListener>; track?: boolean; lesson?: string }>();
  const resyncListeners = new Set<() => void>();
  const statusListeners = new Set<(status: RealtimeStatus) => void>();
  let socket: WebSocketLike | undefined;
  let status: RealtimeStatus = 'idle';
  let attempt = 0;
  let everOpened = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closedByUs = false;
  /** Re-subscriptions of a reconnect the server has not answered yet; the re-sync waits for them. */
  let awaitingAnswers: Set<string> | undefined;

  const setStatus = (next: RealtimeStatus) => {
    status = next;
    for (const listener of statusListeners) listener(next);
  };
  const send = (message: ClientMessage) => {
    if (socket?.readyState === OPEN) socket.send(JSON.stringify(message));
  };
  const subscribeFrame = (topic: string, track?: boolean, lesson?: string): ClientMessage => ({
    type: 'subscribe',
    topic,
    ...(track === undefined ? {} : { track }),
    ...(lesson === undefined ? {} : { lesson }),
  });
  const resync = () => {
    for (const listener of resyncListeners) listener();
  };

  const answered = (topic: string) => {
    if (!awaitingAnswers?.delete(topic) || awaitingAnswers.size > 0) return;
    awaitingAnswers = undefined;
    resync();
  };

  const dispatch = (message: ServerMessage) => {
    if (message.type === 'resync') return resync();
    if ((message.type === 'subscribed' || message.type === 'error') && message.topic !== undefined)
      answered(message.topic);
    const names =
      message.type === 'change'
        ? message.topics
        : 'topic' in message && typeof message.topic === 'string'
          ? [message.topic]
          : [];
    for (const name of names) for (const listener of topics.get(name)?.listeners ?? []) listener(message);
  };

  const connect = () => {
    timer = undefined;
    if (topics.size === 0 || closedByUs) return;
    setStatus(everOpened ? 'reconnecting' : 'connecting');
    const current = createSocket(options.url);
    socket = current;
    current.onopen = () => {
      attempt = 0;
      const reconnected = everOpened;
      everOpened = true;
      setStatus('open');
      if (reconnected) awaitingAnswers = new Set(topics.keys());
      for (const [topic, entry] of topics) send(subscribeFrame(topic, entry.track, entry.lesson));
    };
    current.onmessage = (event) => {
      let parsed: ReturnType<typeof serverMessageSchema.safeParse>;
      try {
        parsed = serverMessageSchema.safeParse(JSON.parse(String(event.data)));
      } catch {
        return;
      }
      if (parsed.success) dispatch(parsed.data);
    };
    current.onerror = () => {};
    current.onclose = (event) => {
      if (socket !== current) return;
      socket = undefined;
      if (closedByUs || topics.size === 0) return setStatus('idle');
      if (event.code === REALTIME_CLOSE.sessionEnded) return setStatus('ended');
      scheduleReconnect();
    };
  };

  const scheduleReconnect = () => {
    if (timer) return;
    setStatus('reconnecting');
    const ceiling = Math.min(maxDelay, minDelay * 2 ** attempt);
    attempt += 1;
    // Full jitter between half the ceiling and the ceiling.
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    timer = setTimeout(() => {
      timer = undefined;
      const before = options.beforeReconnect?.() ?? Promise.resolve();
      before.catch(() => {}).then(() => (timer === undefined ? connect() : undefined));
    }, delay);
  };

  return {
    /** Listens to a topic; returns the function that stops listening (the last one unsubscribes). */
    subscribe(
      topic: string,
      listener: TopicListener,
      opts: { track?: boolean; lesson?: string } = {},
    ): () => void {
      closedByUs = false;
      let entry = topics.get(topic);
      if (!entry) {
        entry = {
          listeners: new Set(),
          ...(opts.track === undefined ? {} : { track: opts.track }),
          ...(opts.lesson === undefined ? {} : { lesson: opts.lesson }),
        };
        topics.set(topic, entry);
        send(subscribeFrame(topic, opts.track, opts.lesson));
      }
      entry.listeners.add(listener);
      if (!socket && !timer) connect();
      return () => {
        const current = topics.get(topic);
        if (!current?.listeners.delete(listener) || current.listeners.size > 0) return;
        topics.delete(topic);
        send({ type: 'unsubscribe', topic });
        answered(topic);
      };
    },
    /**
     * Course presence: this page is now on `lesson` (the instructor's live view shows it). Keeps the
     * subscription — and the member's arrival time — and is re-sent after a reconnect.
     */
    moveTo(topic: string, lesson: string) {
      const entry = topics.get(topic);
      if (!entry || entry.lesson === lesson) return;
      entry.lesson = lesson;
      send(subscribeFrame(topic, entry.track, lesson));
    },
    /** Called after a reconnect or a server `resync`: refetch whatever was shown. */
    onResync(listener: () => void): () => void {
      resyncListeners.add(listener);
      return () => resyncListeners.delete(listener);
    },
    onStatus(listener: (status: RealtimeStatus) => void): () => void {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
    broadcast(topic: string, event: string, payload: unknown) {
      send({ type: 'broadcast', topic, event, payload });
    },
    get status() {
      return status;
    },
    /** Stops for good (sign-out, tests). */
    close() {
      closedByUs = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      topics.clear();
      socket?.close(1000, 'bye');
      socket = undefined;
      setStatus('idle');
    },
  };
}

export type RealtimeClient = ReturnType<typeof createRealtimeClient>;
