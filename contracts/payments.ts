import { z } from 'zod';

/**
 * Payments, plans and promotional codes. Prices are never taken from the client: a checkout names
 * only WHAT is bought (a course or a plan) and, optionally, a code; the server computes the rest.
 */

export const purchasableItemSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('course'), courseId: z.uuid() }).strict(),
  z.object({ type: z.literal('plan'), planId: z.uuid() }).strict(),
]);
export type PurchasableItem = z.infer<typeof purchasableItemSchema>;

const promoCodeText = z
  .string()
  .trim()
  .min(1)
  .max(40)
  .transform((s) => s.toUpperCase());

export const checkoutInputSchema = z
  .object({ item: purchasableItemSchema, promoCode: promoCodeText.optional() })
  .strict();
export type CheckoutInput = z.input<typeof checkoutInputSchema>;

export const checkoutCreatedSchema = z.object({
  checkoutId: z.uuid(),
  /** redirect: go to `url` to pay. enrolled: a 100 % code granted the course without payment. */
  next: z.enum(['redirect', 'enrolled']),
  url: z.string().nullable(),
});
export type CheckoutCreated = z.infer<typeof checkoutCreatedSchema>;

export const checkoutIdParamsSchema = z.object({ checkoutId: z.uuid() }).strict();

export const checkoutStatusSchema = z.object({
  id: z.uuid(),
  productType: z.enum(['course', 'subscription', 'lifetime']),
  courseId: z.uuid().nullable(),
  courseSlug: z.string().nullable(),
  productName: z.string(),
  listPriceCents: z.number().int(),
  discountCents: z.number().int(),
  amountCents: z.number().int(),
  currency: z.string(),
  promoCode: z.string().nullable(),
  provider: z.enum(['stripe', 'test_checkout', 'free_grant']),
  /** paid: fulfilled (access granted); refunded: fulfilled, then taken back. */
  status: z.enum(['open', 'paid', 'expired', 'failed', 'refunded']),
  expiresAt: z.string(),
});
export type CheckoutStatus = z.infer<typeof checkoutStatusSchema>;

export const promoQuoteInputSchema = z.object({ code: promoCodeText, item: purchasableItemSchema }).strict();
export type PromoQuoteInput = z.input<typeof promoQuoteInputSchema>;

export const promoQuoteSchema = z.object({
  code: z.string(),
  listPriceCents: z.number().int(),
  discountCents: z.number().int(),
  finalPriceCents: z.number().int(),
  currency: z.string(),
});
export type PromoQuote = z.infer<typeof promoQuoteSchema>;

export const planSchema = z.object({
  id: z.uuid(),
  tier: z.enum(['basic', 'premium', 'lifetime']),
  billingInterval: z.enum(['month', 'year', 'once']),
  name: z.string(),
  priceCents: z.number().int(),
  currency: z.string(),
});
export const planListSchema = z.object({ plans: z.array(planSchema) });
export type Plan = z.infer<typeof planSchema>;

export const transactionSchema = z.object({
  id: z.uuid(),
  type: z.enum(['purchase', 'subscription', 'refund']),
  status: z.enum(['pending', 'completed', 'failed', 'refunded']),
  amountCents: z.number().int(),
  discountCents: z.number().int(),
  currency: z.string(),
  productType: z.enum(['course', 'subscription']),
  productId: z.uuid().nullable(),
  productName: z.string(),
  provider: z.enum(['stripe', 'test_checkout', 'free_grant']),
  promoCode: z.string().nullable(),
  checkoutId: z.uuid().nullable(),
  createdAt: z.string(),
  /** Admin lists only. */
  userEmail: z.string().nullable().optional(),
});
export type Transaction = z.infer<typeof transactionSchema>;
export const transactionListSchema = z.object({ transactions: z.array(transactionSchema) });

export const revenueSchema = z.object({
  byCourse: z.array(
    z.object({
      courseId: z.uuid().nullable(),
      productName: z.string(),
      sales: z.number().int(),
      refunds: z.number().int(),
      netCents: z.number().int(),
    }),
  ),
  byMonth: z.array(
    z.object({
      month: z.string(),
      sales: z.number().int(),
      refunds: z.number().int(),
      netCents: z.number().int(),
    }),
  ),
  currency: z.string(),
});
export type Revenue = z.infer<typeof revenueSchema>;

export const refundedSchema = z.object({ checkoutId: z.uuid(), status: checkoutStatusSchema.shape.status });

export const promoCodeInputSchema = z
  .object({
    code: z
      .string()
      .trim()
      .transform((s) => s.toUpperCase())
      .pipe(z.string().regex(/^[A-Z0-9_-]{3,40}$/, 'use 3–40 letters, digits, - or _')),
    description: z.string().trim().max(500).nullable().default(null),
    discountType: z.enum(['percentage', 'fixed_amount']),
    discountValue: z.number().int().positive(),
    applicableTo: z.enum(['all_courses', 'specific_courses', 'subscription']),
    courseIds: z.array(z.uuid()).max(100).default([]),
    maxUses: z.number().int().positive().nullable().default(null),
    maxUsesPerUser: z.number().int().positive().nullable().default(1),
    validFrom: z.iso.datetime({ offset: true }).optional(),
    validUntil: z.iso.datetime({ offset: true }).nullable().default(null),
    isActive: z.boolean().default(true),
  })
  .strict()
  .refine((v) => v.discountType !== 'percentage' || v.discountValue <= 100, {
    message: 'a percentage is at most 100',
    path: ['discountValue'],
  })
  .refine((v) => (v.applicableTo === 'specific_courses') === v.courseIds.length > 0, {
    message: 'list the courses exactly when the code applies to specific courses',
    path: ['courseIds'],
  });
export type PromoCodeInput = z.input<typeof promoCodeInputSchema>;

export const promoCodeUpdateSchema = z
  .object({
    isActive: z.boolean().optional(),
    description: z.string().trim().max(500).nullable().optional(),
    validUntil: z.iso.datetime({ offset: true }).nullable().optional(),
    maxUses: z.number().int().positive().nullable().optional(),
  })
  .strict();

export const promoCodeSchema = z.object({
  id: z.uuid(),
  code: z.string(),
  description: z.string().nullable(),
  discountType: z.enum(['percentage', 'fixed_amount']),
  discountValue: z.number().int(),
  applicableTo: z.enum(['all_courses', 'specific_courses', 'subscription']),
  courseIds: z.array(z.uuid()),
  maxUses: z.number().int().nullable(),
  maxUsesPerUser: z.number().int().nullable(),
  usesCount: z.number().int(),
  validFrom: z.string(),
  validUntil: z.string().nullable(),
  isActive: z.boolean(),
});
export type PromoCode = z.infer<typeof promoCodeSchema>;
export const promoCodeListSchema = z.object({ codes: z.array(promoCodeSchema) });
export const promoCodeIdParamsSchema = z.object({ codeId: z.uuid() }).strict();

export const salesSchema = z.object({
  courses: z.array(
    z.object({
      courseId: z.uuid(),
      title: z.string(),
      sales: z.number().int(),
      refunds: z.number().int(),
      netCents: z.number().int(),
    }),
  ),
  currency: z.string(),
});
export type Sales = z.infer<typeof salesSchema>;

export const paymentsInfoSchema = z.object({
  /** test_checkout: no money moves (no Stripe keys configured). */
  provider: z.enum(['stripe', 'test_checkout']),
  currency: z.string(),
});

export const adminPlanListSchema = z.object({ plans: z.array(planSchema.extend({ isActive: z.boolean() })) });
export const planIdParamsSchema = z.object({ planId: z.uuid() }).strict();
export const planUpdateSchema = z
  .object({
    name: z.string().trim().min(1).max(120).optional(),
    priceCents: z.number().int().positive().max(100_000_000).optional(),
    isActive: z.boolean().optional(),
  })
  .strict();
export type PlanUpdate = z.infer<typeof planUpdateSchema>;

export const transactionIdParamsSchema = z.object({ transactionId: z.uuid() }).strict();
/** Admin refund of one payment row (a purchase, a subscription's first payment or a renewal). */
export const transactionRefundedSchema = z.object({
  transactionId: z.uuid(),
  /** refunded: the provider confirmed and the access it paid for ended; completed: not yet confirmed. */
  status: transactionSchema.shape.status,
});

/** Test checkout only: what the simulated provider does at a subscription's next billing date. */
export const testRenewalInputSchema = z.object({ outcome: z.enum(['paid', 'failed', 'cancelled']) }).strict();
export const testRenewalSchema = z.object({
  outcome: testRenewalInputSchema.shape.outcome,
  /** The renewal invoice the simulation issued (null for a cancellation). */
  invoiceId: z.string().nullable(),
});
