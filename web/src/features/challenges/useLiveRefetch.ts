import { useQueryClient, type QueryKey } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { realtimeClient } from '../../lib/realtime.ts';

const COALESCE_MS = 150;

/**
 * Verdicts arrive live: while `topic` is set, the given queries refetch (through the normal API)
 * whenever a change arrives on it — and once when the subscription is confirmed and after every
 * reconnect or server resync, so a change announced before the subscription took hold is not
 * missed. Returns `live`: true while the subscription is confirmed on an open socket. Callers poll
 * (slowly) only while it is false.
 */
export function useLiveRefetch(topic: string | undefined, queryKeys: readonly QueryKey[]): { live: boolean } {
  const queryClient = useQueryClient();
  const [live, setLive] = useState(false);
  const keys = useRef(queryKeys);
  useEffect(() => {
    keys.current = queryKeys;
  });

  useEffect(() => {
    if (!topic) return;
    const client = realtimeClient();
    let pending: ReturnType<typeof setTimeout> | undefined;
    const refetch = () => {
      pending ??= setTimeout(() => {
        pending = undefined;
        for (const queryKey of keys.current) void queryClient.invalidateQueries({ queryKey });
      }, COALESCE_MS);
    };
    const stop = client.subscribe(topic, (message) => {
      if (message.type === 'subscribed') {
        setLive(true);
        refetch();
      } else if (message.type === 'change') {
        refetch();
      } else if (message.type === 'error') {
        setLive(false);
      }
    });
    const stopResync = client.onResync(refetch);
    const stopStatus = client.onStatus((status) => {
      if (status !== 'open') setLive(false);
    });
    return () => {
      if (pending) clearTimeout(pending);
      stop();
      stopResync();
      stopStatus();
      setLive(false);
    };
  }, [topic, queryClient]);

  return { live };
}
