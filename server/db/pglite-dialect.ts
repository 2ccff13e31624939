import { setImmediate } from 'node:timers';
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
} from 'kysely';
import type { PGliteEngine } from './pglite-remote.ts';

/** The part of an engine (PGlite itself, or PGliteRemote in a worker) the dialect drives. */
type Queries = Pick<PGliteEngine, 'exec' | 'query'>;

/**
 * Kysely dialect for PGlite. PGlite is one connection, so a unit of work (BEGIN … COMMIT over
 * several queries) must own it exclusively: the driver hands the single connection out behind a
 * FIFO lock. Units of work must therefore never await non-database work (architecture §4).
 */
export class PGliteDialect implements Dialect {
  private readonly lock = new FifoLock();
  constructor(private readonly pglite: Queries) {}

  /** Runs `work` while holding the connection, outside Kysely (one-message reads). */
  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    const release = await this.lock.acquire();
    try {
      return await work();
    } finally {
      release();
    }
  }
  createAdapter() {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return new PGliteDriver(this.pglite, this.lock);
  }
  createIntrospector(db: Kysely<unknown>) {
    return new PostgresIntrospector(db);
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
}

/** How long the lock is handed from holder to holder before the next hand-over waits for the event loop. */
const SLICE_MS = 10;

/**
 * Hands out one resource at a time, in request order. Holders are handed over in microtasks, but
 * once hand-overs have run for SLICE_MS the next waits for a turn of the event loop: with PGlite in
 * this thread every query is synchronous work, so microtask hand-overs alone ran the whole queue in
 * one macrotask, during which no connection was accepted and no request read — under load, whole
 * connections starved for seconds (bench/README.md, "PGlite in a worker thread"). With PGlite in a
 * worker every answer arrives as an event anyway, and a slice rarely ends.
 */
class FifoLock {
  private tail: Promise<void> = Promise.resolve();
  private queued = 0;
  private sliceStart = 0;

  async acquire(): Promise<() => void> {
    if (this.queued++ === 0) this.sliceStart = performance.now();
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((resolve) => {
      release = () => {
        this.queued--;
        if (performance.now() - this.sliceStart < SLICE_MS) return resolve();
        setImmediate(() => {
          this.sliceStart = performance.now();
          resolve();
        });
      };
    });
    await previous;
    return release;
  }
}

class PGliteDriver implements Driver {
  private readonly connection: PGliteConnection;
  private releaseCurrent: (() => void) | undefined;

  constructor(
    pglite: Queries,
    private readonly lock: FifoLock,
  ) {
    this.connection = new PGliteConnection(pglite);
  }

  async init() {}

  async acquireConnection(): Promise<DatabaseConnection> {
    this.releaseCurrent = await this.lock.acquire();
    return this.connection;
  }

  async beginTransaction(connection: DatabaseConnection) {
    await connection.executeQuery(CompiledQuery.raw('BEGIN'));
  }
  async commitTransaction(connection: DatabaseConnection) {
    await connection.executeQuery(CompiledQuery.raw('COMMIT'));
  }
  async rollbackTransaction(connection: DatabaseConnection) {
    await connection.executeQuery(CompiledQuery.raw('ROLLBACK'));
  }

  async releaseConnection() {
    const release = this.releaseCurrent;
    this.releaseCurrent = undefined;
    release?.();
  }

  async destroy() {}
}

class PGliteConnection implements DatabaseConnection {
  constructor(private readonly pglite: Queries) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    if (compiled.parameters.length === 0) {
      // Parameterless text may hold several statements (the RLS prologue, migrations): exec runs
      // them in one call and we return the rows of the last statement that produced any.
      const results = await this.pglite.exec(compiled.sql);
      const last = [...results].reverse().find((r) => r.fields.length > 0) ?? results.at(-1);
      return {
        rows: (last?.rows ?? []) as R[],
        numAffectedRows: last?.affectedRows === undefined ? undefined : BigInt(last.affectedRows),
      };
    }
    const result = await this.pglite.query<R>(compiled.sql, [...compiled.parameters]);
    return {
      rows: result.rows,
      numAffectedRows: result.affectedRows === undefined ? undefined : BigInt(result.affectedRows),
    };
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('Streaming is not supported on PGlite');
  }
}
