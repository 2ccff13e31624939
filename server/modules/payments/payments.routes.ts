import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorBodySchema } from '../../../contracts/errors.ts';
import {
  adminPlanListSchema,
  planIdParamsSchema,
  planUpdateSchema,
  checkoutCreatedSchema,
  checkoutIdParamsSchema,
  checkoutInputSchema,
  checkoutStatusSchema,
  paymentsInfoSchema,
  planListSchema,
  promoCodeIdParamsSchema,
  promoCodeInputSchema,
  promoCodeListSchema,
  promoCodeSchema,
  promoCodeUpdateSchema,
  promoQuoteInputSchema,
  promoQuoteSchema,
  refundedSchema,
  revenueSchema,
  salesSchema,
  testRenewalInputSchema,
  testRenewalSchema,
  transactionIdParamsSchema,
  transactionListSchema,
  transactionRefundedSchema,
} from '../../../contracts/payments.ts';
import { enrollmentCreatedSchema } from '../../../contracts/courses.ts';
import type { SessionUser } from '../../db/session.ts';
import { enrolWithSubscription } from '../courses/courses.service.ts';
import { AppError } from '../../platform/errors.ts';
import { WebhookSignatureError } from '../../platform/payments/stripe.ts';
import { createPaymentsContext, handleProviderEvent, type PaymentsContext } from './payments.fulfilment.ts';
import {
  cancelCheckout,
  getCheckout,
  getMySales,
  getRevenue,
  listAdminPlans,
  listAllTransactions,
  listMyPurchases,
  listPlans,
  openBillingPortal,
  payTestCheckout,
  quotePromo,
  refundCheckout,
  refundTransaction,
  simulateTestRenewal,
  startCheckout,
  updatePlan,
} from './payments.service.ts';
import { createPromoCode, listPromoCodes, updatePromoCode } from './promotions.service.ts';

const tags = ['payments'];
const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema };
const signedIn = [{ bearerAuth: [] }];

function requireUser(user: SessionUser | null | undefined): SessionUser {
  if (!user) throw new AppError('unauthorized');
  return user;
}

/** Checkout, test checkout, the Stripe webhook, purchases, refunds, revenue and promotional codes. Under /api. */
export const paymentsRoutes: FastifyPluginAsyncZod = async (app) => {
  const ctx: PaymentsContext = createPaymentsContext({
    db: app.db,
    config: app.config,
    mailer: app.mailer,
    log: app.log,
  });

  app.register(webhookRoute, { ctx });

  app.get(
    '/payments/info',
    {
      schema: {
        tags,
        summary: 'Which payment provider is in use (test checkout: no money moves)',
        security: [],
        response: { 200: paymentsInfoSchema },
      },
    },
    async () => ({ provider: ctx.active.name, currency: app.config.payments.currency }),
  );

  app.get(
    '/payments/plans',
    {
      schema: {
        tags,
        summary: 'Subscription plans on sale',
        security: [],
        response: { 200: planListSchema },
      },
    },
    (request) => listPlans(ctx, request.user ?? null),
  );

  app.post(
    '/payments/checkout',
    {
      schema: {
        tags,
        summary: 'Open a checkout for a course or a plan (the server computes the price)',
        security: signedIn,
        body: checkoutInputSchema,
        response: {
          200: checkoutCreatedSchema,
          ...errors,
          409: errorBodySchema,
          410: errorBodySchema,
          422: errorBodySchema,
          503: errorBodySchema,
        },
      },
    },
    (request) => startCheckout(ctx, requireUser(request.user), request.body),
  );

  app.get(
    '/payments/checkouts/:checkoutId',
    {
      schema: {
        tags,
        summary: 'Your checkout; while open the provider is asked again (the success page)',
        security: signedIn,
        params: checkoutIdParamsSchema,
        response: { 200: checkoutStatusSchema, ...errors },
      },
    },
    (request) => getCheckout(ctx, requireUser(request.user), request.params.checkoutId),
  );

  app.post(
    '/payments/checkouts/:checkoutId/cancel',
    {
      schema: {
        tags,
        summary: 'Abandon your open checkout (releases a reserved code)',
        security: signedIn,
        params: checkoutIdParamsSchema,
        response: { 200: checkoutStatusSchema, ...errors },
      },
    },
    (request) => cancelCheckout(ctx, requireUser(request.user), request.params.checkoutId),
  );

  app.post(
    '/payments/test-checkout/:checkoutId/pay',
    {
      schema: {
        tags,
        summary: 'Test checkout only: "pay" without moving money; fulfilment runs as for a real payment',
        security: signedIn,
        params: checkoutIdParamsSchema,
        response: { 200: checkoutStatusSchema, ...errors, 409: errorBodySchema },
      },
    },
    (request) => payTestCheckout(ctx, requireUser(request.user), request.params.checkoutId),
  );

  app.post(
    '/payments/promo-quote',
    {
      schema: {
        tags,
        summary: 'What a code gives you on an item (rate-limited; never lists codes)',
        security: signedIn,
        body: promoQuoteInputSchema,
        response: {
          200: promoQuoteSchema,
          ...errors,
          409: errorBodySchema,
          410: errorBodySchema,
          422: errorBodySchema,
          429: errorBodySchema,
        },
      },
    },
    (request) => quotePromo(ctx, requireUser(request.user), request.body),
  );

  app.post(
    '/payments/subscription-enrollment/:courseId',
    {
      schema: {
        tags,
        summary: 'Enrol in a subscription course through your active plan (the courses module decides)',
        security: signedIn,
        params: z.object({ courseId: z.uuid() }).strict(),
        response: { 200: enrollmentCreatedSchema, ...errors, 409: errorBodySchema },
      },
    },
    (request) => enrolWithSubscription(request, request.params.courseId),
  );

  app.get(
    '/me/purchases',
    {
      schema: {
        tags,
        summary: 'Your payments and refunds (receipts)',
        security: signedIn,
        response: { 200: transactionListSchema, ...errors },
      },
    },
    (request) => listMyPurchases(ctx, requireUser(request.user)),
  );

  app.post(
    '/payments/portal',
    {
      schema: {
        tags,
        summary: 'A Stripe billing portal session for your subscription',
        security: signedIn,
        response: { 200: z.object({ url: z.string() }), ...errors },
      },
    },
    (request) => openBillingPortal(ctx, requireUser(request.user)),
  );

  app.get(
    '/instructor/sales',
    {
      schema: {
        tags,
        summary: "Your courses' sales, in aggregate",
        security: signedIn,
        response: { 200: salesSchema, ...errors },
      },
    },
    (request) => getMySales(ctx, requireUser(request.user)),
  );

  app.get(
    '/admin/payments/transactions',
    {
      schema: {
        tags,
        summary: 'Admin: every transaction',
        security: signedIn,
        response: { 200: transactionListSchema, ...errors },
      },
    },
    (request) => listAllTransactions(ctx, requireUser(request.user)),
  );

  app.get(
    '/admin/payments/revenue',
    {
      schema: {
        tags,
        summary: 'Admin: revenue by course and by month',
        security: signedIn,
        response: { 200: revenueSchema, ...errors },
      },
    },
    (request) => getRevenue(ctx, requireUser(request.user)),
  );

  app.post(
    '/admin/payments/checkouts/:checkoutId/refund',
    {
      schema: {
        tags,
        summary: 'Admin: refund a payment through its provider; the access it paid for ends',
        security: signedIn,
        params: checkoutIdParamsSchema,
        response: { 200: refundedSchema, ...errors, 409: errorBodySchema },
      },
    },
    (request) => refundCheckout(ctx, requireUser(request.user), request.params.checkoutId),
  );

  app.post(
    '/admin/payments/transactions/:transactionId/refund',
    {
      schema: {
        tags,
        summary:
          'Admin: refund one payment (a purchase, or a subscription payment or renewal) through its provider; the access it paid for ends',
        security: signedIn,
        params: transactionIdParamsSchema,
        response: { 200: transactionRefundedSchema, ...errors, 409: errorBodySchema },
      },
    },
    (request) => refundTransaction(ctx, requireUser(request.user), request.params.transactionId),
  );

  app.post(
    '/admin/payments/test-subscriptions/:checkoutId/simulate',
    {
      schema: {
        tags,
        summary:
          'Admin, test checkout only: simulate a subscription’s next billing (paid or failed renewal, or cancellation) through the real fulfilment',
        security: signedIn,
        params: checkoutIdParamsSchema,
        body: testRenewalInputSchema,
        response: { 200: testRenewalSchema, ...errors, 409: errorBodySchema },
      },
    },
    (request) =>
      simulateTestRenewal(ctx, requireUser(request.user), request.params.checkoutId, request.body.outcome),
  );

  app.get(
    '/admin/payments/plans',
    {
      schema: {
        tags,
        summary: 'Admin: every subscription plan, inactive ones too',
        security: signedIn,
        response: { 200: adminPlanListSchema, ...errors },
      },
    },
    (request) => listAdminPlans(ctx, requireUser(request.user)),
  );

  app.patch(
    '/admin/payments/plans/:planId',
    {
      schema: {
        tags,
        summary: 'Admin: rename, reprice or (de)activate a plan (new checkouts use it)',
        security: signedIn,
        params: planIdParamsSchema,
        body: planUpdateSchema,
        response: { 200: adminPlanListSchema, ...errors },
      },
    },
    (request) => updatePlan(ctx, requireUser(request.user), request.params.planId, request.body),
  );

  app.get(
    '/promo-codes',
    {
      schema: {
        tags,
        summary: 'Codes you manage',
        security: signedIn,
        response: { 200: promoCodeListSchema, ...errors },
      },
    },
    (request) => listPromoCodes(app.db, requireUser(request.user)),
  );

  app.post(
    '/promo-codes',
    {
      schema: {
        tags,
        summary: 'Create a code (admins: any; instructors: their own courses only)',
        security: signedIn,
        body: promoCodeInputSchema,
        response: { 200: promoCodeSchema, ...errors, 409: errorBodySchema },
      },
    },
    (request) => createPromoCode(app.db, requireUser(request.user), request.body),
  );

  app.patch(
    '/promo-codes/:codeId',
    {
      schema: {
        tags,
        summary: 'Activate, deactivate or edit a code you manage',
        security: signedIn,
        params: promoCodeIdParamsSchema,
        body: promoCodeUpdateSchema,
        response: { 200: promoCodeSchema, ...errors },
      },
    },
    (request) => updatePromoCode(app.db, requireUser(request.user), request.params.codeId, request.body),
  );
};

/**
 * The Stripe webhook, in its own encapsulated plugin so that only this route receives the raw
 * body (the signature covers the exact bytes; a re-serialised JSON body would not verify).
 */
const webhookRoute: FastifyPluginAsyncZod<{ ctx: PaymentsContext }> = async (app, { ctx }) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.post(
    '/payments/webhooks/stripe',
    {
      schema: {
        tags,
        summary: 'Stripe webhook (signature verified on the raw body; each event processed once)',
        security: [],
        response: {
          200: z.object({ received: z.literal(true), outcome: z.string() }),
          400: errorBodySchema,
          404: errorBodySchema,
        },
      },
    },
    async (request) => {
      const stripe = ctx.stripe;
      if (!stripe) throw new AppError('not_found', 'Stripe is not configured.');
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const signature = request.headers['stripe-signature'];
      let event;
      try {
        event = stripe.verifyWebhook(raw, typeof signature === 'string' ? signature : undefined);
      } catch (error) {
        if (error instanceof WebhookSignatureError)
          throw new AppError('invalid_signature', undefined, undefined, { cause: error });
        throw error;
      }
      const outcome = await handleProviderEvent(ctx, stripe, event);
      request.log.info({ eventId: event.id, type: event.type, outcome }, 'payments: webhook');
      return { received: true as const, outcome };
    },
  );
};
