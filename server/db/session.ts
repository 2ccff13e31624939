import {
  CamelCasePlugin,
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  sql,
  type Compilable,
  type QueryId,
  type RawBuilder,
} from 'kysely';
import type { DatabaseHandle } from './connect.ts';
import type { DB } from './types.generated.ts';

/** The executor every query function takes first: a Kysely bound to one transaction. */
export type Tx = Kysely<DB>;

/** Who a unit of work runs as. `role` is the JWT role, not the profile role (policies read that). */
export interface SessionUser {
  id: string;
  email?: string | null;
  /** The sign-in session of the access token; the database refuses the request once it has ended. */
  sessionId?: string | undefined;
}

type DbRole = 'anon' | 'authenticated' | 'service_role';

export interface Db {
  readonly engine: DatabaseHandle['engine'];
  /** Runs `work` in one transaction as the signed-in user, under row-level security. */
  asUser<T>(user: SessionUser, work: (tx: Tx) => Promise<T>): Promise<T>;
  /** Runs `work` in one transaction as an anonymous visitor, under row-level security. */
  asAnon<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  /** Bypasses row-level security. Only named system paths (jobs, webhooks, seeding) may call it. */
  asSystem<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Runs ONE read-only query under row-level security in a single round trip: role, claims and the
   * query travel as one message and run in one implicit transaction. For the hottest read paths
   * (a course page); use asUser/asAnon for anything with more than one statement or any write.
   */
  readAs<R>(user: SessionUser | null, query: Compilable<R> | RawBuilder<R>): Promise<R[]>;
  /** A plain query outside any session, for health checks. */
  ping(): Promise<void>;
  handle: DatabaseHandle;
}

/** Escapes a value as a SQL string literal (standard_conforming_strings is on in every supported server). */
export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new Error('NUL byte in SQL literal');
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * The RLS prologue as one message: BEGIN plus role and claims, as PostgREST does, so a request
 * pays one round trip for it, not three (architecture §4 measured 0.42× with separate statements).
 */
export function prologue(role: DbRole, claims: Record<string, unknown>): string {
  return `BEGIN; ${sessionHeader(role, claims)}`;
}

/**
 * Role ($1) and claims ($2) for the rest of the transaction; for a signed-in user also the liveness
 * check (a deactivated account or an ended session fails here, with SQLSTATE 28000), in the same
 * statement. Prepared reads bind the parameters; `sessionHeader` inlines them for the prologue.
 */
function sessionHeaderStatement(role: DbRole): string {
  return (
    `SELECT set_config('role', $1, true), set_config('request.jwt.claims', $2, true)` +
    (role === 'authenticated' ? ', private.assert_live_session()' : '')
  );
}

function sessionHeader(role: DbRole, claims: Record<string, unknown>): string {
  return inlineParameters(sessionHeaderStatement(role), [role, JSON.stringify(claims)]);
}

/** Renders a bound parameter as an escaped SQL literal (untyped, so PostgreSQL infers its type as for $n). */
export function toLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'string') return quoteLiteral(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`Cannot inline non-finite number ${value}`);
    return `'${value}'`;
  }
  if (typeof value === 'bigint') return `'${value}'`;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) return quoteLiteral(value.toISOString());
  if (Array.isArray(value)) return quoteLiteral(`{${value.map(arrayElement).join(',')}}`);
  if (typeof value === 'object' && !(value instanceof Uint8Array)) return quoteLiteral(JSON.stringify(value));
  throw new Error(`Cannot inline a parameter of type ${typeof value}`);
}

function arrayElement(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  const text = value instanceof Date ? value.toISOString() : String(value);
  return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** Replaces $1…$n of compiled Kysely SQL with literals (compiled SQL holds no other `$n`). */
export function inlineParameters(text: string, parameters: readonly unknown[]): string {
  return text.replace(/\$(\d+)/g, (_, n: string) => {
    const index = Number(n) - 1;
    if (index < 0 || index >= parameters.length) throw new Error(`No value for parameter $${n}`);
    return toLiteral(parameters[index]);
  });
}

export function claimsFor(user: SessionUser): Record<string, unknown> {
  return {
    sub: user.id,
    role: 'authenticated',
    aud: 'authenticated',
    email: user.email ?? null,
    ...(user.sessionId ? { session_id: user.sessionId } : {}),
  };
}

async function runInSession<T>(
  kysely: Kysely<DB>,
  role: DbRole,
  claims: Record<string, unknown>,
  work: (tx: Tx) => Promise<T>,
): Promise<T> {
  return kysely.connection().execute(async (conn) => {
    let result: T;
    try {
      await sql.raw(prologue(role, claims)).execute(conn);
      result = await work(conn);
    } catch (error) {
      await sql.raw('ROLLBACK').execute(conn);
      throw error;
    }
    await sql.raw('COMMIT').execute(conn);
    return result;
  });
}

const camelCase = new CamelCasePlugin();

/**
 * A query builder that can only compile: queries for readAs are built on it, so a build function
 * can never execute anything itself (executing on it returns no rows and touches no database).
 */
export const compileOnly: Tx = new Kysely<DB>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
  plugins: [camelCase],
});
const readQueryId: QueryId = { queryId: 'read-as' };

async function readInSession<R>(
  handle: DatabaseHandle,
  user: SessionUser | null,
  query: Compilable<R> | RawBuilder<R>,
) {
  const compiled = 'isRawBuilder' in query ? query.compile(compileOnly) : query.compile();
  const [role, claims] = user
    ? (['authenticated', claimsFor(user)] as const)
    : (['anon', { role: 'anon' }] as const);
  const results = await handle.preparedQuery([
    { text: sessionHeaderStatement(role), values: [role, JSON.stringify(claims)] },
    { text: compiled.sql, values: compiled.parameters },
  ]);
  const rows = (results[1] ?? []) as Record<string, unknown>[];
  const transformed = await camelCase.transformResult({ result: { rows }, queryId: readQueryId });
  return transformed.rows as R[];
}

export function createDb(handle: DatabaseHandle): Db {
  const { kysely } = handle;
  return {
    engine: handle.engine,
    handle,
    asUser: (user, work) => runInSession(kysely, 'authenticated', claimsFor(user), work),
    asAnon: (work) => runInSession(kysely, 'anon', { role: 'anon' }, work),
    asSystem: (work) => runInSession(kysely, 'service_role', { role: 'service_role' }, work),
    readAs: (user, query) => readInSession(handle, user, query),
    ping: async () => {
      await sql`select 1`.execute(kysely);
    },
  };
}
