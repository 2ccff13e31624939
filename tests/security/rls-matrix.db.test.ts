import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tx } from '../../server/db/session.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.ts';
import {
  EXPECTATIONS,
  PERSONAS,
  PROJECTIONS,
  WORLD,
  type Persona,
  type ProjectionName,
  type TableName,
} from './expectations.ts';
import {
  actorFor,
  identityOf,
  isDenial,
  loose,
  camelCase,
  rolledBack,
  systemActor,
  type Actor,
} from './harness.ts';
import { attempt, OPERATIONS, type Me, type Operation } from './operations.ts';
import { plantWorld, type UserLabel, type World } from './world.ts';

// The RLS matrix: every public table × persona × operation of expectations.ts (written from
// shared/spec/access.md), run against the migrated schema. One world is planted per file; every
// case runs in its own transaction and is rolled back, so cases neither see nor disturb each other.

const TABLES = Object.keys(EXPECTATIONS) as TableName[];
let t: TestDatabase;
let w: World;
/** Labels of the rows the system (bypassing RLS) sees per table: the control of every read cell. */
const planted = new Map<TableName, string[]>();

beforeAll(async () => {
  t = await createTestDatabase();
  w = await plantWorld(t.db);
  for (const table of TABLES) planted.set(table, await visibleLabels(systemActor(w, 'admin'), table));
});
afterAll(async () => {
  await t?.close();
});

const controlPlanted = (table: TableName) =>
  expect(planted.get(table), 'control: every planted row exists for the system').toEqual(
    sorted(WORLD[table]),
  );
const sorted = (labels: readonly string[]) => [...labels].sort();

function labelOf(table: TableName, id: string): string {
  const entry = Object.entries(w.rows[table] as Record<string, string>).find(([, rowId]) => rowId === id);
  return entry ? entry[0] : `<unplanted row ${id}>`;
}

function expectedRows(table: TableName, read: readonly string[] | 'all'): string[] {
  return sorted(read === 'all' ? WORLD[table] : read);
}

const me = (who: UserLabel): Me => ({ id: w.users[who], label: who });

/** The rows of `table` a session sees with `select id`; a permission error means none. */
async function visibleLabels(actor: Actor, table: TableName): Promise<string[]> {
  const ids = await rolledBack(t.db, actor, async (tx) => {
    try {
      const rows = await loose(tx).selectFrom(camelCase(table)).select('id').execute();
      return rows.map((r) => r.id as string);
    } catch (error) {
      if (isDenial(error)) return [];
      throw error;
    }
  });
  return sorted(ids.map((id) => labelOf(table, id)));
}

describe('planted world', () => {
  it.each(TABLES)('%s · system · every labelled row exists, and nothing else', (table) => {
    controlPlanted(table);
  });
});

describe.each(TABLES)('%s', (table) => {
  const expectation = EXPECTATIONS[table];

  it.each(PERSONAS.map((persona) => ({ persona, name: `${table} · ${persona} · select` })))(
    '$name',
    async ({ persona }) => {
      controlPlanted(table);
      const seen = await visibleLabels(actorFor(w, persona), table);
      expect(seen).toEqual(expectedRows(table, expectation.read[persona]));
    },
  );

  const writes = Object.entries(expectation.write).flatMap(([operation, allowed]) =>
    PERSONAS.map((persona) => ({
      operation,
      persona,
      allowed: allowed.includes(persona),
      name: `${table} · ${persona} · ${operation}`,
    })),
  );

  it.each(writes)('$name', async ({ operation, persona, allowed }) => {
    const op = OPERATIONS[table][operation];
    if (!op) throw new Error(`No implementation for "${operation}" in operations.ts`);
    const outcome = await attempt(t.db, w, actorFor(w, persona), me(identityOf(persona)), op);
    if (allowed) {
      expect(outcome, `${persona} may ${operation}`).toMatchObject({ result: 'allowed' });
      return;
    }
    expect(outcome, `${persona} must not ${operation}`).toMatchObject({ result: 'denied' });
    await expectPositiveControl(table, operation, persona, op);
  });
});

/** The same operation succeeds for someone who may do it (or the system), so the denial is real. */
async function expectPositiveControl(table: TableName, operation: string, persona: Persona, op: Operation) {
  if (op.control === 'row exists') {
    if (op.kind === 'insert' || !op.row) throw new Error('"row exists" needs a target row');
    const id = op.row(w, me(identityOf(persona)));
    const found = await rolledBack(t.db, systemActor(w, 'admin'), (tx) =>
      loose(tx).selectFrom(camelCase(table)).select('id').where('id', '=', id).execute(),
    );
    expect(found, 'control: the target row exists').toHaveLength(1);
    return;
  }
  const firstAllowed = PERSONAS.find((p) => EXPECTATIONS[table].write[operation]!.includes(p));
  const [actor, who]: [Actor, UserLabel] =
    op.control && 'as' in op.control
      ? [actorFor(w, op.control.as), op.control.as]
      : firstAllowed
        ? [actorFor(w, firstAllowed), identityOf(firstAllowed)]
        : op.control && 'systemAs' in op.control
          ? [systemActor(w, op.control.systemAs), op.control.systemAs]
          : [systemActor(w, identityOf(persona)), identityOf(persona)];
  const control = await attempt(t.db, w, actor, me(who), op);
  expect(control, `control: ${operation} succeeds for ${describeControl(actor)}`).toMatchObject({
    result: 'allowed',
  });
}

const describeControl = (actor: Actor) =>
  actor.kind === 'anon' ? 'anon' : actor.kind === 'system' ? `the system as ${actor.label}` : actor.label;

// The safe projections, called with the ids of every planted row (as if all were guessed).
type Projection = (tx: Tx, ids: string[]) => Promise<string[]>;
const projectionCalls: Record<ProjectionName, Projection> = {
  'private.lesson_content': async (tx, ids) =>
    (await sql<{ id: string }>`select id from private.lesson_content(${ids}::uuid[])`.execute(tx)).rows.map(
      (r) => r.id,
    ),
  'private.challenge_visible_tests': async (tx, ids) =>
    (
      await sql<{ id: string }>`
        select c.id from unnest(${ids}::uuid[]) as c(id)
         where jsonb_array_length(private.challenge_visible_tests(c.id)) > 0`.execute(tx)
    ).rows.map((r) => r.id),
  'private.challenge_secrets': async (tx, ids) =>
    (
      await sql<{ id: string }>`
        select s.id from unnest(${ids}::uuid[]) as c(id) cross join lateral private.challenge_secrets(c.id) s`.execute(
        tx,
      )
    ).rows.map((r) => r.id),
  'private.public_profile_cards': async (tx, ids) =>
    (
      await sql<{ id: string }>`select id from private.public_profile_cards(${ids}::uuid[])`.execute(tx)
    ).rows.map((r) => r.id),
  'private.readable_file': async (tx, ids) =>
    (
      await sql<{ id: string }>`
        select r.id from unnest(${ids}::uuid[]) as c(id) cross join lateral private.readable_file(c.id) r`.execute(
        tx,
      )
    ).rows.map((r) => r.id),
  'private.verify_certificate': async (tx) => {
    const codes = Object.values(w.certificateCodes);
    const rows = (
      await sql<{ verificationCode: string }>`
        select c.code as verification_code from unnest(${codes}::text[]) as c(code)
         cross join lateral private.verify_certificate(c.code) v`.execute(tx)
    ).rows;
    return rows.map((r) => w.rows.certificates[certificateLabel(r.verificationCode)]);
  },
};

function certificateLabel(code: string) {
  const entry = Object.entries(w.certificateCodes).find(([, c]) => c === code);
  if (!entry) throw new Error(`verify_certificate returned an unknown code ${code}`);
  return entry[0] as keyof World['certificateCodes'];
}

const PROJECTION_NAMES = Object.keys(PROJECTIONS) as ProjectionName[];
describe.each(PROJECTION_NAMES)('%s', (projection) => {
  const { table, read } = PROJECTIONS[projection];
  it.each(
    PERSONAS.map((persona) => ({ persona, name: `${projection} · ${persona} · call with every planted id` })),
  )('$name', async ({ persona }) => {
    controlPlanted(table);
    const ids = Object.values(w.rows[table] as Record<string, string>);
    const returned = await rolledBack(t.db, actorFor(w, persona), async (tx) => {
      try {
        return await projectionCalls[projection](tx, ids);
      } catch (error) {
        if (isDenial(error)) return []; // no EXECUTE grant: nothing, like a table without SELECT
        throw error;
      }
    });
    expect(sorted(returned.map((id) => labelOf(table, id)))).toEqual(expectedRows(table, read[persona]));
  });
});
