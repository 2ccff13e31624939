import { isDeepStrictEqual } from 'node:util';
import { sql, type Kysely } from 'kysely';
import { prologue, type Db, type Tx } from '../../server/db/session.ts';
import type { Persona } from './expectations.ts';
import type { UserLabel, World } from './world.ts';

/**
 * Who runs a statement: a persona of the matrix (anon or a signed-in user, under row-level
 * security through the product's own db.asAnon/db.asUser), another planted user, or the system
 * (service_role, which bypasses RLS) with a user's identity in its claims, so defaults such as
 * `user_id DEFAULT auth.uid()` resolve the same way.
 */
export type Actor =
  | { kind: 'anon' }
  | { kind: 'user'; label: string; id: string }
  | { kind: 'system'; label: string; id: string };

/** The identity a persona's payloads use: anon pretends to be studentA (it is denied anyway). */
export function identityOf(persona: Persona | UserLabel): UserLabel {
  return persona === 'anon' ? 'studentA' : persona;
}

export function actorFor(w: World, who: Persona | UserLabel): Actor {
  return who === 'anon' ? { kind: 'anon' } : { kind: 'user', label: who, id: w.users[who] };
}

export function systemActor(w: World, as: UserLabel): Actor {
  return { kind: 'system', label: as, id: w.users[as] };
}

export function describeActor(actor: Actor): string {
  return actor.kind === 'anon'
    ? 'anon'
    : actor.kind === 'system'
      ? `system (as ${actor.label})`
      : actor.label;
}

/** Thrown from a unit of work to roll it back after the result was taken. */
class Rollback<T> extends Error {
  constructor(readonly value: T) {
    super('rolled back on purpose');
  }
}

async function runAsSystemWithIdentity<T>(db: Db, userId: string, work: (tx: Tx) => Promise<T>): Promise<T> {
  return db.handle.kysely.connection().execute(async (conn) => {
    try {
      await sql.raw(prologue('service_role', { sub: userId, role: 'service_role' })).execute(conn);
      const value = await work(conn);
      throw new Rollback(value);
    } finally {
      await sql.raw('ROLLBACK').execute(conn);
    }
  });
}

/** Runs `work` as `actor` in one transaction and always rolls it back: cases never see each other. */
export async function rolledBack<T>(db: Db, actor: Actor, work: (tx: Tx) => Promise<T>): Promise<T> {
  const unitOfWork = async (tx: Tx): Promise<never> => {
    throw new Rollback(await work(tx));
  };
  try {
    if (actor.kind === 'anon') await db.asAnon(unitOfWork);
    else if (actor.kind === 'user') await db.asUser({ id: actor.id }, unitOfWork);
    else await runAsSystemWithIdentity(db, actor.id, unitOfWork);
  } catch (error) {
    if (error instanceof Rollback) return error.value as T;
    throw error;
  }
  throw new Error('unreachable: the unit of work always throws');
}

/** Switches the current transaction to service_role (to check an effect; the session user may). */
export async function becomeSystem(tx: Tx): Promise<void> {
  await sql`select set_config('role', 'service_role', true)`.execute(tx);
}

export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** SQLSTATE 42501 insufficient_privilege: missing grant, RLS check violated, or a guard trigger. */
export const isDenial = (error: unknown) => sqlState(error) === '42501';

/** A Kysely whose tables are addressed by name at run time (camelCase, as CamelCasePlugin maps them). */
export type LooseTx = Kysely<Record<string, Record<string, unknown>>>;
export const loose = (tx: Tx) => tx as unknown as LooseTx;

export const camelCase = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** Deep camelCase of object keys, as CamelCasePlugin returns nested JSON from the database. */
export function camelDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelDeep);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [camelCase(k), camelDeep(v)]));
  }
  return value;
}

/** True when a value read back equals the value written (jsonb is written as JSON text). */
export function sameValue(actual: unknown, intended: unknown): boolean {
  if (intended instanceof Date) {
    return actual instanceof Date && Math.abs(actual.getTime() - intended.getTime()) < 1000;
  }
  if (
    typeof intended === 'string' &&
    actual !== null &&
    typeof actual === 'object' &&
    !(actual instanceof Date)
  ) {
    return isDeepStrictEqual(actual, camelDeep(JSON.parse(intended)));
  }
  if (Array.isArray(intended)) return isDeepStrictEqual(actual, intended);
  return actual === intended;
}
