import type { RouteObject } from 'react-router';
import { CheckoutCancelPage, CheckoutSuccessPage, TestCheckoutPage } from './CheckoutPages.tsx';
import { AdminPaymentsPage, InstructorSalesPage, PurchasesPage } from './PaymentsPages.tsx';
import { PlansPage } from './PlansPage.tsx';
import { PromoCodesPage } from './PromoCodesPage.tsx';

/** Public: the plans on sale. */
export const publicPaymentsRoutes: RouteObject[] = [{ path: 'plans', element: <PlansPage /> }];

/** Signed-in routes of payments: checkout pages (test checkout, success, cancel) and receipts. */
export const paymentsRoutes: RouteObject[] = [
  { path: 'checkout/test/:checkoutId', element: <TestCheckoutPage /> },
  { path: 'checkout/:checkoutId/success', element: <CheckoutSuccessPage /> },
  { path: 'checkout/:checkoutId/cancel', element: <CheckoutCancelPage /> },
  { path: 'purchases', element: <PurchasesPage /> },
  { path: 'instructor/sales', element: <InstructorSalesPage /> },
  { path: 'promo-codes', element: <PromoCodesPage /> },
];

/** Admin-only routes of payments. */
export const adminPaymentsRoutes: RouteObject[] = [
  { path: 'admin/payments', element: <AdminPaymentsPage /> },
];
