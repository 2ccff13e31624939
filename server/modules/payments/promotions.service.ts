import type { z } from 'zod';
import type { PromoCode, promoCodeInputSchema, promoCodeUpdateSchema } from '../../../contracts/payments.ts';
import type { Db, SessionUser } from '../../db/session.ts';
import { AppError, findPgError } from '../../platform/errors.ts';

/**
 * Promotional codes, written as the caller: row-level security lets admins write any code and
 * instructors only codes limited to courses that are all their own (0010's policies), so an
 * instructor's code for someone else's course — or for all courses — is refused by the database.
 */

const columns = [
  'id',
  'code',
  'description',
  'discountType',
  'discountValue',
  'applicableTo',
  'applicableCourseIds',
  'maxUses',
  'maxUsesPerUser',
  'usesCount',
  'validFrom',
  'validUntil',
  'isActive',
] as const;

interface Row {
  id: string;
  code: string;
  description: string | null;
  discountType: string;
  discountValue: number;
  applicableTo: string;
  applicableCourseIds: string[] | null;
  maxUses: number | null;
  maxUsesPerUser: number | null;
  usesCount: number;
  validFrom: Date | string;
  validUntil: Date | string | null;
  isActive: boolean;
}

function toCode(row: Row): PromoCode {
  return {
    id: row.id,
    code: row.code,
    description: row.description,
    discountType: row.discountType as PromoCode['discountType'],
    discountValue: row.discountValue,
    applicableTo: row.applicableTo as PromoCode['applicableTo'],
    courseIds: row.applicableCourseIds ?? [],
    maxUses: row.maxUses,
    maxUsesPerUser: row.maxUsesPerUser,
    usesCount: row.usesCount,
    validFrom: new Date(row.validFrom).toISOString(),
    validUntil: row.validUntil === null ? null : new Date(row.validUntil).toISOString(),
    isActive: row.isActive,
  };
}

function refused(error: unknown): never {
  const code = findPgError(error)?.code;
  if (code === '42501')
    throw new AppError(
      'forbidden',
      'You may create codes only for courses that are all your own.',
      undefined,
      {
        cause: error,
      },
    );
  if (code === '23505')
    throw new AppError('conflict', 'Another code already uses this text.', undefined, { cause: error });
  if (code === '23514')
    throw new AppError(
      'validation_failed',
      'The code is not consistent (dates, limits or discount).',
      undefined,
      {
        cause: error,
      },
    );
  throw error;
}

/** Creates a code (admins: any; instructors: their own courses only). */
export async function createPromoCode(
  db: Db,
  user: SessionUser,
  input: z.output<typeof promoCodeInputSchema>,
): Promise<PromoCode> {
  try {
    const row = await db.asUser(user, (tx) =>
      tx
        .insertInto('promotionalCodes')
        .values({
          code: input.code,
          description: input.description,
          discountType: input.discountType,
          discountValue: input.discountValue,
          applicableTo: input.applicableTo,
          applicableCourseIds: input.applicableTo === 'specific_courses' ? input.courseIds : null,
          maxUses: input.maxUses,
          maxUsesPerUser: input.maxUsesPerUser,
          ...(input.validFrom ? { validFrom: new Date(input.validFrom) } : {}),
          validUntil: input.validUntil ? new Date(input.validUntil) : null,
          isActive: input.isActive,
        })
        .returning(columns)
        .executeTakeFirstOrThrow(),
    );
    return toCode(row as Row);
  } catch (error) {
    refused(error);
  }
}

/** The codes the caller may manage (RLS decides), newest first; soft-deleted ones are left out. */
export async function listPromoCodes(db: Db, user: SessionUser) {
  const rows = await db.asUser(user, (tx) =>
    tx
      .selectFrom('promotionalCodes')
      .where('deletedAt', 'is', null)
      .select(columns)
      .orderBy('createdAt', 'desc')
      .limit(500)
      .execute(),
  );
  return { codes: rows.map((r) => toCode(r as Row)) };
}

/** Activates/deactivates or edits a code the caller manages; 404 otherwise. */
export async function updatePromoCode(
  db: Db,
  user: SessionUser,
  codeId: string,
  input: z.output<typeof promoCodeUpdateSchema>,
): Promise<PromoCode> {
  try {
    const row = await db.asUser(user, (tx) =>
      tx
        .updateTable('promotionalCodes')
        .set({
          ...(input.isActive === undefined ? {} : { isActive: input.isActive }),
          ...(input.description === undefined ? {} : { description: input.description }),
          ...(input.validUntil === undefined
            ? {}
            : { validUntil: input.validUntil === null ? null : new Date(input.validUntil) }),
          ...(input.maxUses === undefined ? {} : { maxUses: input.maxUses }),
        })
        .where('id', '=', codeId)
        .where('deletedAt', 'is', null)
        .returning(columns)
        .executeTakeFirst(),
    );
    if (!row) throw new AppError('not_found', 'Code not found.');
    return toCode(row as Row);
  } catch (error) {
    if (error instanceof AppError) throw error;
    refused(error);
  }
}
