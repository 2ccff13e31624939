import { parse, protocol, type PGlite } from '@electric-sql/pglite';
import pg from 'pg';

/** One statement of a pipelined read: SQL with `$n` placeholders and the values bound to them. */
export interface Statement {
  text: string;
  values: readonly unknown[];
}

/**
 * Named statements kept per connection. Reads come in a bounded number of shapes (one per query
 * builder and filter combination), so a small cache holds them all; the oldest is closed when full.
 */
export const STATEMENT_CACHE_SIZE = 200;

/** The wire methods of node-postgres's Connection this module drives (not in @types/pg). */
interface WireConnection {
  parse(message: { name: string; text: string }): void;
  bind(message: {
    statement: string;
    values: readonly unknown[];
    valueMapper: (value: unknown) => unknown;
  }): void;
  describe(message: { type: 'P'; name: string }): void;
  execute(message: { portal: string }): void;
  close(message: { type: 'S'; name: string }): void;
  sync(): void;
  stream: { cork?: () => void; uncork?: () => void };
  on(event: 'parseComplete', listener: () => void): void;
  off(event: 'parseComplete', listener: () => void): void;
}

/** node-postgres's Query internals this module reuses (row parsing and result bookkeeping). */
interface QueryInternals {
  submit(connection: pg.Connection): Error | null;
  handleError(error: Error, connection: WireConnection): void;
  handleReadyForQuery(connection: WireConnection): void;
}

type QueryResults = pg.QueryResult | pg.QueryResult[];
type QueryClass = new (config: {
  text: string;
  callback: (error: Error | undefined, results: QueryResults) => void;
}) => QueryInternals;

// pg's own value mapping for bound parameters (Dates, arrays, JSON), the same Kysely relies on.
export const valueMapper = (pg as unknown as { utils: { prepareValue: (value: unknown) => unknown } }).utils
  .prepareValue;

/**
 * The statements one connection has prepared, by SQL text, least recently used first. A statement
 * joins only once the server confirms its Parse (a Parse behind a failed message never runs).
 */
export class StatementCache {
  private readonly names = new Map<string, string>();
  private static counter = 0;

  /** The name to execute `text` under; `parse` when it must be prepared first, `close` to drop. */
  use(text: string): { name: string; parse: boolean; close?: string } {
    const known = this.names.get(text);
    if (known !== undefined) {
      this.names.delete(text); // Map order is recency order: move it to the back
      this.names.set(text, known);
      return { name: known, parse: false };
    }
    const name = `uw_read_${++StatementCache.counter}`;
    if (this.names.size < STATEMENT_CACHE_SIZE) return { name, parse: true };
    const [oldestText, oldestName] = this.names.entries().next().value as [string, string];
    this.names.delete(oldestText);
    return { name, parse: true, close: oldestName };
  }

  confirm(text: string, name: string): void {
    this.names.set(text, name);
  }

  clear(): void {
    this.names.clear();
  }
}

const cacheByConnection = new WeakMap<WireConnection, StatementCache>();

/**
 * Sends several statements as named prepared statements in ONE round trip, under one Sync, so
 * they run in one implicit transaction (a `set_config(…, true)` in the first holds for the rest)
 * and PostgreSQL reuses each statement's plan instead of planning it on every request. Statements
 * are parsed once per connection; `onReadyForQuery` and `handleError` close the bookkeeping.
 */
class PipelinedRead extends (pg.Query as unknown as QueryClass) {
  private readonly statements: readonly Statement[];
  private detachParseListener: () => void = () => {};

  constructor(
    statements: readonly Statement[],
    callback: (error: Error | undefined, results: QueryResults) => void,
  ) {
    super({ text: statements.map((s) => s.text).join(';\n'), callback });
    this.statements = statements;
  }

  override submit(connection: pg.Connection): Error | null {
    const wire = connection as unknown as WireConnection;
    const cache = cacheOf(wire);
    // Parses complete in the order they were sent.
    const awaitingParse: { text: string; name: string }[] = [];
    const onParseComplete = () => {
      const parsed = awaitingParse.shift();
      if (parsed) cache.confirm(parsed.text, parsed.name);
    };
    wire.on('parseComplete', onParseComplete);
    this.detachParseListener = () => wire.off('parseComplete', onParseComplete);

    wire.stream.cork?.();
    try {
      for (const statement of this.statements) {
        const { name, parse, close } = cache.use(statement.text);
        if (close) wire.close({ type: 'S', name: close });
        if (parse) {
          wire.parse({ name, text: statement.text });
          awaitingParse.push({ text: statement.text, name });
        }
        wire.bind({ statement: name, values: statement.values, valueMapper });
        wire.describe({ type: 'P', name: '' });
        wire.execute({ portal: '' });
      }
      wire.sync();
    } finally {
      wire.stream.uncork?.();
    }
    return null;
  }

  override handleError(error: Error, connection: WireConnection): void {
    this.detachParseListener();
    super.handleError(error, connection);
  }

  override handleReadyForQuery(connection: WireConnection): void {
    this.detachParseListener();
    super.handleReadyForQuery(connection);
  }
}

function cacheOf(connection: WireConnection): StatementCache {
  let cache = cacheByConnection.get(connection);
  if (!cache) {
    cache = new StatementCache();
    cacheByConnection.set(connection, cache);
  }
  return cache;
}

/**
 * When the server's statements no longer match the cache, prepare again once: "cached plan must not
 * change result type" (a statement outlived a schema change) and "prepared statement … does not
 * exist" (the server session is not the one that prepared it, e.g. behind a transaction pooler).
 */
const STATEMENTS_OUT_OF_STEP = new Set(['0A000', '26000']);
const outOfStep = (error: unknown) => STATEMENTS_OUT_OF_STEP.has((error as { code?: string }).code ?? '');

/**
 * Runs `statements` on one pooled connection as prepared statements in one round trip and
 * returns the rows of each.
 */
export async function pipelinedRead(pool: pg.Pool, statements: readonly Statement[]): Promise<unknown[][]> {
  const client = await pool.connect();
  try {
    try {
      return await send(client, statements);
    } catch (error) {
      if (!outOfStep(error)) throw error;
      cacheByConnection.delete((client as unknown as { connection: WireConnection }).connection);
      await client.query('DEALLOCATE ALL');
      return await send(client, statements);
    }
  } finally {
    client.release();
  }
}

function send(client: pg.PoolClient, statements: readonly Statement[]): Promise<unknown[][]> {
  return new Promise((resolve, reject) => {
    const read = new PipelinedRead(statements, (error, results) => {
      if (error) return reject(error);
      resolve((Array.isArray(results) ? results : [results]).map((r) => r.rows));
    });
    void client.query(read);
  });
}

/**
 * PGlite's version of `pipelinedRead`: the same prepared statements, sent as one protocol buffer in
 * one call into the engine (PGlite's own `query` makes five calls and plans every time). The
 * caller holds the connection lock.
 */
export function createPGlitePreparedRead(pglite: PGlite) {
  const cache = new StatementCache();
  const { serialize } = protocol;

  const send = async (statements: readonly Statement[]) => {
    const parts: Uint8Array[] = [];
    const awaitingParse: { text: string; name: string }[] = [];
    for (const statement of statements) {
      const { name, parse, close } = cache.use(statement.text);
      if (close) parts.push(serialize.close({ type: 'S', name: close }));
      if (parse) {
        parts.push(serialize.parse({ name, text: statement.text }));
        awaitingParse.push({ text: statement.text, name });
      }
      parts.push(
        serialize.bind({
          statement: name,
          values: statement.values.map((v) => valueMapper(v) as string | null),
        }),
        serialize.describe({ type: 'P', name: '' }),
        serialize.execute({ portal: '' }),
      );
    }
    parts.push(serialize.sync());
    const { messages } = await pglite.execProtocol(concat(parts), { throwOnError: false });
    for (const message of messages) {
      if (message.name === 'parseComplete') {
        const parsed = awaitingParse.shift();
        if (parsed) cache.confirm(parsed.text, parsed.name);
      }
    }
    const failure = messages.find((m) => m.name === 'error');
    if (failure) throw failure;
    return parse.parseResults(messages, pglite.parsers).map((result) => result.rows);
  };

  return async (statements: readonly Statement[]): Promise<unknown[][]> => {
    try {
      return await send(statements);
    } catch (error) {
      if (!outOfStep(error)) throw error;
      cache.clear();
      await pglite.exec('DEALLOCATE ALL');
      return await send(statements);
    }
  };
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return bytes;
}
