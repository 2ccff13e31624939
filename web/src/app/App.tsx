import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { RouterProvider } from 'react-router';
import { isSigningOut, resetUserData } from '../features/auth/session.ts';
import { ApiError, onSignedOut } from '../lib/api.ts';
import { router } from './router.tsx';

function createQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // Retry only what may pass next time (network, 5xx); a 4xx answer will not change.
        retry: (failureCount, error) =>
          failureCount < 2 && (!(error instanceof ApiError) || error.status === 0 || error.status >= 500),
        refetchOnWindowFocus: false,
        staleTime: 30_000,
      },
    },
  });
}

/** Providers around the router: data cache, and "the session ended" → forget the user. */
export function App() {
  const [queryClient] = useState(createQueryClient);
  useEffect(
    () =>
      onSignedOut(() => {
        if (queryClient.getQueryData(['session']) && !isSigningOut()) resetUserData(queryClient, null);
      }),
    [queryClient],
  );
  return (
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  );
}
