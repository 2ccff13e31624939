import { sql } from 'kysely';
import { expect } from 'vitest';
import { TEST_JWT_SECRET } from '../../../tests/helpers/test-app.ts';
import type { SignedEvent } from '../../../tests/helpers/stripe-stand-in.ts';
import type { App } from '../../app.ts';
import type { Db, SessionUser } from '../../db/session.ts';
import { signAccessToken } from '../../platform/auth.ts';

/** Test fixtures for the payments module: HTTP calls as a user, webhooks, and the state to compare. */

export async function call(
  app: App,
  method: 'GET' | 'POST' | 'PATCH',
  url: string,
  user?: SessionUser,
  body?: unknown,
) {
  const headers = user
    ? { authorization: `Bearer ${await signAccessToken(TEST_JWT_SECRET, user, 600)}` }
    : {};
  return app.inject({ method, url, headers, ...(body === undefined ? {} : { payload: body as object }) });
}

export function deliver(app: App, event: SignedEvent, headers: Record<string, string> = {}) {
  return app.inject({
    method: 'POST',
    url: '/api/payments/webhooks/stripe',
    payload: event.body,
    headers: { 'content-type': 'application/json', 'stripe-signature': event.signature, ...headers },
  });
}

/** What a learner holds in a course: the enrolment row (if any) and whether it gives access now. */
export async function accessOf(db: Db, userId: string, courseId: string) {
  return db.asSystem(async (tx) => {
    const { rows } = await sql<{
      accessType: string;
      live: boolean;
      paymentMethod: string | null;
      paymentAmountCents: number | null;
      promotionalCodeUsed: string | null;
    }>`select access_type, (expires_at is null or expires_at > now()) as live, payment_method, payment_amount_cents,
              promotional_code_used
         from public.enrollments where user_id = ${userId} and course_id = ${courseId}`.execute(tx);
    return rows[0];
  });
}

export async function transactionsOf(db: Db, userId: string) {
  return db.asSystem(async (tx) => {
    const { rows } = await sql<{
      type: string;
      status: string;
      amountCents: number;
      providerTransactionId: string;
    }>`
      select type, status, amount_cents, provider_transaction_id from public.payment_transactions
       where user_id = ${userId} order by created_at, type`.execute(tx);
    return rows;
  });
}

export async function checkoutSessionId(db: Db, checkoutId: string): Promise<string> {
  const id = await db.asSystem(async (tx) => {
    const { rows } = await sql<{ providerSessionId: string }>`
      select provider_session_id from private.checkout_sessions where id = ${checkoutId}`.execute(tx);
    return rows[0]?.providerSessionId;
  });
  expect(id).toBeTruthy();
  return id!;
}

/** A promotional code inserted by the system (tests of redemption, not of who may create codes). */
export async function insertCode(
  db: Db,
  code: {
    code: string;
    discountType?: 'percentage' | 'fixed_amount';
    discountValue: number;
    applicableTo?: 'all_courses' | 'specific_courses' | 'subscription';
    courseIds?: string[];
    maxUses?: number | null;
    maxUsesPerUser?: number | null;
    validUntil?: Date | null;
    validFrom?: Date;
    isActive?: boolean;
  },
): Promise<string> {
  return db.asSystem(async (tx) => {
    const row = await tx
      .insertInto('promotionalCodes')
      .values({
        code: code.code,
        discountType: code.discountType ?? 'percentage',
        discountValue: code.discountValue,
        applicableTo: code.applicableTo ?? 'all_courses',
        applicableCourseIds: code.courseIds ?? null,
        maxUses: code.maxUses ?? null,
        maxUsesPerUser: code.maxUsesPerUser === undefined ? 1 : code.maxUsesPerUser,
        validUntil: code.validUntil ?? null,
        ...(code.validFrom ? { validFrom: code.validFrom } : {}),
        isActive: code.isActive ?? true,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  });
}
