import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { authoringCourseListSchema } from '../../../../contracts/authoring.ts';
import {
  adminPlanListSchema,
  promoCodeListSchema,
  promoCodeSchema,
  type PromoCodeInput,
  planListSchema,
  type PlanUpdate,
  checkoutCreatedSchema,
  checkoutStatusSchema,
  paymentsInfoSchema,
  promoQuoteSchema,
  revenueSchema,
  testRenewalSchema,
  transactionRefundedSchema,
  salesSchema,
  transactionListSchema,
  type CheckoutStatus,
  type PurchasableItem,
} from '../../../../contracts/payments.ts';
import { api } from '../../lib/api.ts';

const portalSchema = z.object({ url: z.string() });

export const paymentKeys = {
  info: ['payments', 'info'] as const,
  checkout: (id: string) => ['payments', 'checkout', id] as const,
  purchases: ['payments', 'purchases'] as const,
  transactions: ['payments', 'admin', 'transactions'] as const,
  revenue: ['payments', 'admin', 'revenue'] as const,
  sales: ['payments', 'sales'] as const,
};

/** Money in the site's currency, from integer cents. */
export function formatMoney(cents: number, currency = 'USD'): string {
  return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(cents / 100);
}

export function usePaymentsInfo() {
  return useQuery({
    queryKey: paymentKeys.info,
    queryFn: ({ signal }) => api.get('/api/payments/info', paymentsInfoSchema, undefined, signal),
    staleTime: Infinity,
  });
}

/** "What does this code give me on this item" (the server rate-limits it). */
export function usePromoQuote() {
  return useMutation({
    mutationFn: (input: { code: string; item: PurchasableItem }) =>
      api.post('/api/payments/promo-quote', promoQuoteSchema, input),
  });
}

export function useStartCheckout() {
  return useMutation({
    mutationFn: (input: { item: PurchasableItem; promoCode?: string }) =>
      api.post('/api/payments/checkout', checkoutCreatedSchema, input),
  });
}

/**
 * A checkout's state. While it is open the server asks the provider again on every read, so the
 * success page polls a little until the payment is confirmed.
 */
export function useCheckout(checkoutId: string, poll = false) {
  return useQuery({
    queryKey: paymentKeys.checkout(checkoutId),
    queryFn: ({ signal }) =>
      api.get(
        `/api/payments/checkouts/${encodeURIComponent(checkoutId)}`,
        checkoutStatusSchema,
        undefined,
        signal,
      ),
    refetchInterval: (query) =>
      poll &&
      (query.state.data as CheckoutStatus | undefined)?.status === 'open' &&
      query.state.dataUpdateCount < 20
        ? 1500
        : false,
  });
}

export function usePayTestCheckout(checkoutId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () =>
      api.post(`/api/payments/test-checkout/${encodeURIComponent(checkoutId)}/pay`, checkoutStatusSchema),
    onSuccess: (status) => {
      client.setQueryData(paymentKeys.checkout(checkoutId), status);
      void client.invalidateQueries({ queryKey: ['courses'] });
      void client.invalidateQueries({ queryKey: paymentKeys.purchases });
    },
  });
}

export function useCancelCheckout(checkoutId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () =>
      api.post(`/api/payments/checkouts/${encodeURIComponent(checkoutId)}/cancel`, checkoutStatusSchema),
    onSuccess: (status) => client.setQueryData(paymentKeys.checkout(checkoutId), status),
  });
}

export function useMyPurchases() {
  return useQuery({
    queryKey: paymentKeys.purchases,
    queryFn: ({ signal }) => api.get('/api/me/purchases', transactionListSchema, undefined, signal),
  });
}

export function useAllTransactions() {
  return useQuery({
    queryKey: paymentKeys.transactions,
    queryFn: ({ signal }) =>
      api.get('/api/admin/payments/transactions', transactionListSchema, undefined, signal),
  });
}

export function useRevenue() {
  return useQuery({
    queryKey: paymentKeys.revenue,
    queryFn: ({ signal }) => api.get('/api/admin/payments/revenue', revenueSchema, undefined, signal),
  });
}

/** Admin: refunds one payment row (a purchase, a subscription's first payment or a renewal). */
export function useRefund() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (transactionId: string) =>
      api.post(
        `/api/admin/payments/transactions/${encodeURIComponent(transactionId)}/refund`,
        transactionRefundedSchema,
      ),
    onSettled: () => {
      void client.invalidateQueries({ queryKey: paymentKeys.transactions });
      void client.invalidateQueries({ queryKey: paymentKeys.revenue });
    },
  });
}

/** Admin, test checkout only: simulate a test subscription's next billing. */
export function useSimulateRenewal() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: { checkoutId: string; outcome: 'paid' | 'failed' | 'cancelled' }) =>
      api.post(
        `/api/admin/payments/test-subscriptions/${encodeURIComponent(input.checkoutId)}/simulate`,
        testRenewalSchema,
        { outcome: input.outcome },
      ),
    onSettled: () => {
      void client.invalidateQueries({ queryKey: paymentKeys.transactions });
      void client.invalidateQueries({ queryKey: paymentKeys.revenue });
    },
  });
}

export function useMySales() {
  return useQuery({
    queryKey: paymentKeys.sales,
    queryFn: ({ signal }) => api.get('/api/instructor/sales', salesSchema, undefined, signal),
  });
}

export function usePlans() {
  return useQuery({
    queryKey: ['payments', 'plans'] as const,
    queryFn: ({ signal }) => api.get('/api/payments/plans', planListSchema, undefined, signal),
  });
}

/** Stripe's billing portal (change card, cancel): the server opens a session for the caller. */
export function useOpenPortal() {
  return useMutation({
    mutationFn: () => api.post('/api/payments/portal', portalSchema),
    onSuccess: ({ url }) => window.location.assign(url),
  });
}

export function useAdminPlans() {
  return useQuery({
    queryKey: ['payments', 'admin', 'plans'] as const,
    queryFn: ({ signal }) => api.get('/api/admin/payments/plans', adminPlanListSchema, undefined, signal),
  });
}

export function useUpdatePlan() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ planId, ...body }: { planId: string } & PlanUpdate) =>
      api.patch(`/api/admin/payments/plans/${encodeURIComponent(planId)}`, adminPlanListSchema, body),
    onSuccess: (data) => {
      client.setQueryData(['payments', 'admin', 'plans'], data);
      void client.invalidateQueries({ queryKey: ['payments', 'plans'] });
    },
  });
}

const promoKeys = { list: ['payments', 'promo-codes'] as const };

/** The codes the caller manages (row-level security decides which). */
export function usePromoCodes() {
  return useQuery({
    queryKey: promoKeys.list,
    queryFn: ({ signal }) => api.get('/api/promo-codes', promoCodeListSchema, undefined, signal),
  });
}

export function useCreatePromoCode() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: PromoCodeInput) => api.post('/api/promo-codes', promoCodeSchema, input),
    onSuccess: () => void client.invalidateQueries({ queryKey: promoKeys.list }),
  });
}

export function useUpdatePromoCode() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ codeId, ...body }: { codeId: string; isActive: boolean }) =>
      api.patch(`/api/promo-codes/${encodeURIComponent(codeId)}`, promoCodeSchema, body),
    onSuccess: () => void client.invalidateQueries({ queryKey: promoKeys.list }),
  });
}

/** The caller's own courses (first 100), to pick the ones a code applies to. */
export function useMyCourseChoices() {
  return useQuery({
    queryKey: ['payments', 'my-courses'] as const,
    queryFn: ({ signal }) =>
      api.get('/api/authoring/courses', authoringCourseListSchema, { scope: 'mine', limit: 100 }, signal),
  });
}
