import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../../tests/helpers/seeded-random.ts';
import { createTestDatabase, type TestDatabase } from '../../../tests/helpers/test-db.ts';
import { quoteLiteral, type SessionUser } from '../../db/session.ts';
import { buildCourse, makeUser, type BuiltCourse } from '../courses/courses.fixtures.ts';

/**
 * Property, at scale: thousands of random event schedules — payments, partial and full refunds in
 * several parts, lost disputes, expiries; every event delivered 1–3 times, shuffled, handled by
 * several concurrent workers, with learners reloading the success page — end in the reference
 * model's state: a paid checkout enrols exactly once, refunds are recorded once each and revoke
 * exactly when they reach the amount (or a dispute is lost), an unpaid checkout grants nothing.
 *
 * Cheaper primitives, so thousands fit in CI: Stripe's side is an in-memory model, and a delivery
 * is what handleProviderEvent does with the state it re-fetched — record the event id, then
 * applyCheckoutState's calls (fulfil, settle refunds/disputes, expire) — sent as ONE message to the
 * database (a unit of work costs one round trip, not a transaction of several). A success-page
 * reload is the same without the event id (syncCheckout). The whole path — webhook route, signature,
 * official SDK, handleProviderEvent — runs under the same kind of schedules, fewer of them, in
 * payments.property.db.test.ts. Seeded (PAYMENTS_MODEL_SEED), sized (PAYMENTS_MODEL_SCHEDULES).
 */

const WORKERS = 4;
const LEARNERS = 5;
const PRICE = 3000;
/** Independent schedules run at once (on PostgreSQL they use several pooled connections). */
const PARALLEL = 4;
const VACUUM_EVERY = 200;

type Step =
  { kind: 'pay' } | { kind: 'expire' } | { kind: 'refund'; amountCents: number } | { kind: 'dispute' };

interface ModelSession {
  checkoutId: string;
  status: 'open' | 'complete' | 'expired';
  paymentId: string | null;
  refunds: Array<{ id: string; amountCents: number }>;
  disputeLost: boolean;
}

/** A model event: which session it leads to (the payload is never trusted, only re-read). */
interface ModelEvent {
  id: string;
  sessionId: string;
}

/**
 * One unit of work, as handleProviderEvent + applyCheckoutState run it on the re-fetched state:
 * the event id first (a redelivery stops there), then fulfil → settle, or expire. A function of the
 * test's own database (created in beforeAll), so a delivery is one short statement.
 */
const DELIVER_FUNCTION = `
CREATE FUNCTION private.model_deliver(p_event_id text, p_checkout_id uuid, p_payment_id text, p_expired boolean,
                                      p_refunds jsonb, p_dispute_lost boolean)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF p_event_id IS NOT NULL THEN
    INSERT INTO private.payment_events (id, provider, type) VALUES (p_event_id, 'stripe', 'model')
      ON CONFLICT (id) DO NOTHING;
    IF NOT FOUND THEN RETURN; END IF;
  END IF;
  IF p_payment_id IS NOT NULL THEN
    PERFORM private.fulfil_checkout(p_checkout_id, p_payment_id, NULL, NULL, NULL);
    IF jsonb_array_length(p_refunds) > 0 OR p_dispute_lost THEN
      PERFORM private.settle_checkout(p_checkout_id, p_refunds, p_dispute_lost);
    END IF;
  ELSIF p_expired THEN
    PERFORM private.expire_checkout(p_checkout_id, 'expired');
  END IF;
END $$;
GRANT EXECUTE ON FUNCTION private.model_deliver(text, uuid, text, boolean, jsonb, boolean) TO service_role;`;

const SYSTEM = `SELECT set_config('role', 'service_role', true), set_config('request.jwt.claims', '{"role":"service_role"}', true)`;

function deliverySql(state: ModelSession, eventId: string | null): string {
  const q = (v: string | null) => (v === null ? 'NULL' : quoteLiteral(v));
  const refunds = JSON.stringify(state.refunds.map((r) => ({ id: r.id, amount_cents: r.amountCents })));
  return `BEGIN; ${SYSTEM}; SELECT private.model_deliver(${q(eventId)}, ${q(state.checkoutId)}, ${q(state.paymentId)},
    ${state.status === 'expired'}, ${q(refunds)}, ${state.disputeLost}); COMMIT;`;
}

/** Seeded draws (tests/helpers/seeded-random.ts), so a failing run replays from its seed. */
function prng(seed: number) {
  const next = seededRandom(seed);
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: T[]) => xs[Math.floor(next() * xs.length)]!,
  };
}

/** A random Stripe-side history for one checkout, in time order. */
function randomSteps(rnd: ReturnType<typeof prng>): Step[] {
  const roll = rnd.next();
  if (roll < 0.1) return [];
  if (roll < 0.2) return [{ kind: 'expire' }];
  const steps: Step[] = [{ kind: 'pay' }];
  // 0–3 refunds; when there are some, half the time they add up to the whole amount.
  const parts = rnd.int(4);
  if (parts > 0) {
    const full = rnd.next() < 0.5;
    let left = full ? PRICE : PRICE - 1 - rnd.int(PRICE / 2);
    for (let i = 0; i < parts; i++) {
      const amount = i === parts - 1 ? left : 1 + rnd.int(Math.max(1, left - (parts - i - 1)));
      if (amount <= 0) break;
      steps.push({ kind: 'refund', amountCents: amount });
      left -= amount;
    }
  }
  if (rnd.next() < 0.25) steps.push({ kind: 'dispute' });
  return steps;
}

let testDb: TestDatabase;
let courses: BuiltCourse[];
/** Each lane's own learners: lanes never lock each other's rows (profiles' counters included). */
let learners: SessionUser[][];
const sessions = new Map<string, ModelSession>();

/** One message per unit of work (on PGlite: one exec; on PostgreSQL: one pooled round trip). */
const exec = (text: string) => testDb.db.handle.simpleQuery(text);

beforeAll(async () => {
  testDb = await createTestDatabase();
  const owner = await makeUser(testDb.db, 'instructor', 'owner');
  courses = [];
  // One course per parallel lane: lanes never share an enrolment row.
  for (let i = 0; i < PARALLEL; i++)
    courses.push(await buildCourse(testDb.db, owner, { course: { accessType: 'paid', priceCents: PRICE } }));
  learners = [];
  for (let lane = 0; lane < PARALLEL; lane++) {
    const own: SessionUser[] = [];
    for (let i = 0; i < LEARNERS; i++) own.push(await makeUser(testDb.db, 'student', `m${lane}x${i}`));
    learners.push(own);
  }
  await exec(DELIVER_FUNCTION);
}, 60_000);

afterAll(async () => {
  await testDb?.close();
});

interface Slot {
  learner: SessionUser;
  checkoutId: string;
  sessionId: string;
  steps: Step[];
  done: Step[];
}

let eventSeq = 0;
const event = (slot: Slot): ModelEvent => ({ id: `evt_model_${++eventSeq}`, sessionId: slot.sessionId });

/** Applies one Stripe-side step to the model and returns the events Stripe would send for it. */
function happen(slot: Slot, step: Step): ModelEvent[] {
  const s = sessions.get(slot.sessionId)!;
  slot.done.push(step);
  switch (step.kind) {
    case 'pay':
      s.status = 'complete';
      s.paymentId = `pi_${slot.checkoutId}`;
      return [event(slot)]; // checkout.session.completed
    case 'expire':
      s.status = 'expired';
      return [event(slot)]; // checkout.session.expired
    case 'refund':
      s.refunds.push({ id: `re_${slot.checkoutId}_${s.refunds.length}`, amountCents: step.amountCents });
      return [event(slot), event(slot)]; // charge.refunded, refund.created
    case 'dispute':
      s.disputeLost = true;
      return [event(slot)]; // charge.dispute.closed
  }
}

async function runSchedule(seed: number, lane: number) {
  const rnd = prng(seed);
  const course = courses[lane]!;
  const count = 1 + rnd.int(LEARNERS);
  const chosen = [...learners[lane]!].sort(() => rnd.next() - 0.5).slice(0, count);
  // One unit of work opens the schedule: the lane's enrolments from before go, its checkouts open.
  const checkoutIds = chosen.map(() => randomUUID());
  const values = checkoutIds
    .map((id, i) => `(${quoteLiteral(id)}::uuid, ${quoteLiteral(chosen[i]!.id)}::uuid)`)
    .join(', ');
  const setup = `BEGIN; ${SYSTEM};
DELETE FROM public.enrollments WHERE course_id = ${quoteLiteral(course.id)};
INSERT INTO private.checkout_sessions (id, user_id, product_type, course_id, product_name, list_price_cents,
                                       amount_cents, currency, provider, provider_session_id, expires_at)
SELECT id, user_id, 'course', ${quoteLiteral(course.id)}, 'Model course', ${PRICE}, ${PRICE}, 'USD', 'stripe',
       'cs_' || id, now() + interval '1 hour'
  FROM (VALUES ${values}) AS t(id, user_id);
COMMIT;`;
  const slots: Slot[] = chosen.map((learner, i) => {
    const checkoutId = checkoutIds[i]!;
    const sessionId = `cs_${checkoutId}`;
    sessions.set(sessionId, {
      checkoutId,
      status: 'open',
      paymentId: null,
      refunds: [],
      disputeLost: false,
    });
    return { learner, checkoutId, sessionId, steps: randomSteps(rnd), done: [] };
  });

  type Delivery = { kind: 'event'; event: ModelEvent } | { kind: 'page'; slot: Slot };
  const pool: Delivery[] = [];
  // Stripe's side never depends on ours, so the whole schedule is known before it runs: batches of
  // units of work that concurrent workers deliver at once.
  const batches: string[][] = [];
  while (slots.some((s) => s.steps.length > 0) || pool.length > 0) {
    const pending = slots.filter((s) => s.steps.length > 0);
    if (pending.length > 0 && (pool.length === 0 || rnd.next() < 0.4)) {
      const slot = rnd.pick(pending);
      for (const e of happen(slot, slot.steps.shift()!))
        for (let copies = 1 + rnd.int(3); copies > 0; copies--) pool.push({ kind: 'event', event: e });
      if (rnd.next() < 0.3) pool.push({ kind: 'page', slot });
      continue;
    }
    const batch: Delivery[] = [];
    for (let n = 1 + rnd.int(WORKERS); n > 0 && pool.length > 0; n--)
      batch.push(pool.splice(rnd.int(pool.length), 1)[0]!);
    // Concurrent workers: each re-reads the provider's state now, then applies it in one unit of work.
    const units = batch.map((d) =>
      d.kind === 'event'
        ? deliverySql({ ...sessions.get(d.event.sessionId)! }, d.event.id)
        : deliverySql({ ...sessions.get(d.slot.sessionId)! }, null),
    );
    batches.push(units);
  }
  if (testDb.db.engine === 'pglite') {
    // PGlite runs one statement at a time whatever we do: the schedule (each unit still its own
    // transaction, in the same order) goes in one message.
    await exec([setup, ...batches.flat()].join('\n'));
  } else {
    // PostgreSQL: each batch's units on separate pooled connections, at once.
    await exec(setup);
    for (const units of batches) await Promise.all(units.map(exec));
  }

  // The database, in one read, against the reference model.
  const results = await exec(`BEGIN; ${SYSTEM};
SELECT cs.id::text AS checkout_id, cs.fulfilled_at IS NOT NULL AS fulfilled, cs.revoked_at IS NOT NULL AS revoked,
       coalesce((SELECT json_agg(json_build_object('live', e.expires_at IS NULL OR e.expires_at > now(),
                                                   'accessType', e.access_type))
                   FROM public.enrollments e WHERE e.transaction_id = cs.id::text), '[]') AS enrolments,
       coalesce((SELECT json_agg(t.status ORDER BY t.status) FROM public.payment_transactions t
                  WHERE t.metadata ->> 'checkout_id' = cs.id::text AND t.type = 'purchase'), '[]') AS payments,
       coalesce((SELECT json_agg(t.amount_cents ORDER BY t.amount_cents) FROM public.payment_transactions t
                  WHERE t.metadata ->> 'checkout_id' = cs.id::text AND t.type = 'refund'), '[]') AS refunds
  FROM private.checkout_sessions cs
 WHERE cs.id IN (${checkoutIds.map((id) => quoteLiteral(id)).join(', ')});
COMMIT;`);
  const rows = results[2] as Array<{
    checkout_id: string;
    fulfilled: boolean;
    revoked: boolean;
    enrolments: unknown;
    payments: unknown;
    refunds: unknown;
  }>;
  const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
  for (const slot of slots) {
    const paid = slot.done.some((s) => s.kind === 'pay');
    const refunds = slot.done.flatMap((s) => (s.kind === 'refund' ? [s.amountCents] : []));
    const refunded = refunds.reduce((a, b) => a + b, 0);
    const disputed = slot.done.some((s) => s.kind === 'dispute');
    const full = refunded >= PRICE;
    const revoked = paid && (full || disputed);
    const expectedRefunds = [...refunds, ...(disputed && !full ? [PRICE - refunded] : [])].sort(
      (a, b) => a - b,
    );
    const row = rows.find((r) => r.checkout_id === slot.checkoutId)!;
    expect(
      {
        fulfilled: row.fulfilled,
        revoked: row.revoked,
        enrolments: json(row.enrolments),
        payments: json(row.payments),
        refunds: json(row.refunds),
      },
      `seed ${seed}, history ${JSON.stringify(slot.done)}`,
    ).toEqual({
      fulfilled: paid,
      revoked,
      enrolments: paid ? [{ live: !revoked, accessType: 'purchased' }] : [],
      payments: paid ? [revoked ? 'refunded' : 'completed'] : [],
      refunds: expectedRefunds,
    });
  }
  for (const slot of slots) sessions.delete(slot.sessionId);
}

describe('the fulfilment against a reference model, at scale', () => {
  it('holds for thousands of random schedules with partial refunds, duplicates, shuffling and concurrent workers', async () => {
    const seed = Number(process.env.PAYMENTS_MODEL_SEED ?? Date.now() % 1_000_000);
    const schedules = Number(process.env.PAYMENTS_MODEL_SCHEDULES ?? 2000);
    const started = performance.now();
    let next = 0;
    // PARALLEL lanes, each with its own course, take the next schedule when they finish one.
    await Promise.all(
      courses.map(async (_course, lane) => {
        while (next < schedules) {
          const n = next++;
          // Every schedule rewrites the same few course and profile rows (the enrolment counters);
          // PGlite has no autovacuum, and thousands of dead versions would make each write slower.
          if (n > 0 && n % VACUUM_EVERY === 0)
            await exec('VACUUM public.courses, public.profiles, public.enrollments');
          await runSchedule(seed + n, lane);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    console.info(
      `payments model: ${schedules} schedules on ${testDb.db.engine} in ${seconds.toFixed(1)} s (seed ${seed})`,
    );
  }, 900_000);
});
