import { Worker } from 'node:worker_threads';
import type { Statement } from './prepared-read.ts';
import { valueMapper } from './prepared-read.ts';

/**
 * What connect.ts needs from an embedded engine, whether PGlite runs in this thread or in a
 * worker (PGliteRemote). The caller serialises access (pglite-dialect.ts's FIFO lock).
 */
export interface PGliteEngine {
  /** Parameterless text, possibly several statements; the result of each. */
  exec(text: string): Promise<ExecResult[]>;
  query<R>(text: string, params: unknown[]): Promise<{ rows: R[]; affectedRows?: number }>;
  /** prepared-read.ts's one-call read: named prepared statements, one Sync. */
  preparedRead(statements: readonly Statement[]): Promise<unknown[][]>;
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
  readonly closed: boolean;
}

export interface ExecResult {
  rows: unknown[];
  fields: readonly { name: string }[];
  affectedRows?: number;
}

// ---------------------------------------------------------------- messages (both threads)

export interface WorkerStart {
  dataDir: string | undefined;
  /** A data directory dump (PGlite's dumpDataDir) to start from, as bytes (a Blob does not cross). */
  snapshot: ArrayBuffer | undefined;
}

export type WorkerRequest = { id: number } & (
  | { op: 'exec'; text: string }
  | { op: 'query'; text: string; params: unknown[] }
  | { op: 'prepared'; statements: Statement[] }
  | { op: 'listen'; channel: string; subscription: number }
  | { op: 'unlisten'; subscription: number }
  | { op: 'close' }
);

interface SerializedError {
  name: string;
  message: string;
  fields: Record<string, string | number | boolean>;
}

export type WorkerReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: SerializedError }
  | { notify: number; payload: string }
  | { ready: true }
  | { failed: SerializedError };

// ---------------------------------------------------------------- main thread

const ENTRY = new URL('./pglite-worker-entry.mjs', import.meta.url);

/** The error the worker's engine threw, with its fields (code, severity, detail, …) restored. */
function restoreError(serialized: SerializedError): Error {
  const error = Object.assign(new Error(serialized.message), serialized.fields);
  error.name = serialized.name;
  return error;
}

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };
type Request = WorkerRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

/**
 * PGlite in a `node:worker_threads` worker, so the engine's CPU (the WASM Postgres) runs beside the
 * main thread's HTTP, JSON and everything else instead of blocking it. Requests are answered in the
 * order they are sent; if the worker dies, every pending and later request fails with an error
 * saying so (never a hang).
 */
export class PGliteRemote implements PGliteEngine {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<number, (payload: string) => void>();
  private failure: Error | undefined;
  private closing = false;

  private constructor(readonly worker: Worker) {
    worker.on('message', (message: WorkerReply) => this.receive(message));
    worker.on('error', (error) =>
      this.fail(new Error(`PGlite worker failed: ${error.message}`, { cause: error })),
    );
    worker.on('exit', (code) =>
      this.fail(
        new Error(this.closing ? 'PGlite worker closed' : `PGlite worker exited unexpectedly (code ${code})`),
      ),
    );
  }

  /** Starts the worker and waits until its engine is open (or throws why it could not open). */
  static async start(dataDir: string | undefined, snapshot?: Blob): Promise<PGliteRemote> {
    const workerData: WorkerStart = { dataDir, snapshot: await snapshot?.arrayBuffer() };
    const worker = new Worker(ENTRY, { workerData });
    await new Promise<void>((resolve, reject) => {
      const settle = (error?: Error) => {
        worker.off('message', onMessage);
        worker.off('error', settle);
        worker.off('exit', onExit);
        if (!error) return resolve();
        void worker.terminate(); // an engine that failed to open may still hold the thread
        reject(error);
      };
      const onMessage = (message: WorkerReply) => {
        if ('ready' in message) settle();
        if ('failed' in message) settle(restoreError(message.failed));
      };
      const onExit = (code: number) => settle(new Error(`PGlite worker exited while opening (code ${code})`));
      worker.on('message', onMessage);
      worker.on('error', settle);
      worker.on('exit', onExit);
    });
    return new PGliteRemote(worker);
  }

  get closed(): boolean {
    return this.failure !== undefined;
  }

  exec(text: string) {
    return this.send({ op: 'exec', text }) as Promise<ExecResult[]>;
  }

  query<R>(text: string, params: unknown[]) {
    return this.send({ op: 'query', text, params }) as Promise<{ rows: R[]; affectedRows?: number }>;
  }

  preparedRead(statements: readonly Statement[]) {
    // Values are mapped here, as on a socket: Buffers, objects with toPostgres and the like do not
    // survive structured cloning, their text form does.
    const mapped = statements.map((s) => ({ text: s.text, values: s.values.map((v) => valueMapper(v)) }));
    return this.send({ op: 'prepared', statements: mapped }) as Promise<unknown[][]>;
  }

  async listen(channel: string, onPayload: (payload: string) => void) {
    const subscription = this.nextId++;
    this.listeners.set(subscription, onPayload);
    try {
      await this.send({ op: 'listen', channel, subscription });
    } catch (error) {
      this.listeners.delete(subscription);
      throw error;
    }
    return async () => {
      this.listeners.delete(subscription);
      if (!this.closed) await this.send({ op: 'unlisten', subscription });
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    try {
      await this.send({ op: 'close' });
    } finally {
      await this.worker.terminate();
      this.fail(new Error('PGlite worker closed'));
    }
  }

  private send(request: Request): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...request, id });
    });
  }

  private receive(message: WorkerReply) {
    if ('notify' in message) return this.listeners.get(message.notify)?.(message.payload);
    if (!('id' in message)) return;
    const pending = this.pending.get(message.id);
    this.pending.delete(message.id);
    if (!pending) return;
    if (message.ok) pending.resolve(message.value);
    else pending.reject(restoreError(message.error));
  }

  private fail(error: Error) {
    this.failure ??= error;
    for (const pending of this.pending.values()) pending.reject(this.failure);
    this.pending.clear();
  }
}
