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
const valueMapper = (pg as unknown as { utils: { prepareValue: (value: unknown) => unknown } }).utils
  .prepareValue;

const statementsByConnection = new WeakMap<WireConnection, Map<string, string>>();
let statementCounter = 0;

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
    const cache = statementsOf(wire);
    // Parses complete in the order they were sent; a statement joins the cache only once the server
    // has confirmed it (a parse after an error is never executed, so it must not be remembered).
    const awaitingParse: { text: string; name: string }[] = [];
    const onParseComplete = () => {
      const parsed = awaitingParse.shift();
      if (parsed) cache.set(parsed.text, parsed.name);
    };
    wire.on('parseComplete', onParseComplete);
    this.detachParseListener = () => wire.off('parseComplete', onParseComplete);

    wire.stream.cork?.();
    try {
      for (const statement of this.statements) {
        let name = cache.get(statement.text);
        if (name === undefined) {
          name = `uw_read_${++statementCounter}`;
          evictOldest(wire, cache);
          wire.parse({ name, text: statement.text });
          awaitingParse.push({ text: statement.text, name });
        } else {
          // Map order is recency order: the statement just used moves to the back.
          cache.delete(statement.text);
          cache.set(statement.text, name);
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

function statementsOf(connection: WireConnection): Map<string, string> {
  let cache = statementsByConnection.get(connection);
  if (!cache) {
    cache = new Map();
    statementsByConnection.set(connection, cache);
  }
  return cache;
}

function evictOldest(connection: WireConnection, cache: Map<string, string>) {
  if (cache.size < STATEMENT_CACHE_SIZE) return;
  const [oldestText, oldestName] = cache.entries().next().value as [string, string];
  cache.delete(oldestText);
  connection.close({ type: 'S', name: oldestName });
}

/** "cached plan must not change result type": a statement outlived a schema change. */
const STALE_PLAN = '0A000';

/**
 * Runs `statements` on one pooled connection as prepared statements in one round trip and
 * returns the rows of each. A statement whose result type a migration changed is re-prepared once.
 */
export async function pipelinedRead(pool: pg.Pool, statements: readonly Statement[]): Promise<unknown[][]> {
  const client = await pool.connect();
  try {
    try {
      return await send(client, statements);
    } catch (error) {
      if ((error as { code?: string }).code !== STALE_PLAN) throw error;
      const wire = (client as unknown as { connection: WireConnection }).connection;
      statementsByConnection.delete(wire);
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
