import { useQueryClient, type QueryKey } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import type { PresenceMember, ServerMessage } from '../../../contracts/realtime.ts';
import { realtimeClient, type RealtimeStatus } from './realtime.ts';

const COALESCE_MS = 250;

export type ChangeMessage = Extract<ServerMessage, { type: 'change' }>;

/**
 * Live updates for the views of this page. `useLiveInvalidation(topics, keys)` invalidates the given
 * TanStack Query keys whenever a change arrives on any of the topics — and after a reconnect, when
 * changes may have been missed — so the query refetches through the normal API (RLS, contracts)
 * instead of polling. Topics come from `changesTopic()` in contracts/realtime.ts. Pass `undefined`
 * topics (or an empty list) while ids are unknown; nothing is subscribed then. `filter` narrows which
 * changes invalidate (a topic filters on one key column only); re-syncs always do.
 */
export function useLiveInvalidation(
  topics: ReadonlyArray<string | undefined>,
  queryKeys: readonly QueryKey[],
  options: {
    onChange?: (message: ChangeMessage) => void;
    filter?: (message: ChangeMessage) => boolean;
  } = {},
): void {
  const queryClient = useQueryClient();
  const latest = useRef({ queryKeys, onChange: options.onChange, filter: options.filter });
  useEffect(() => {
    latest.current = { queryKeys, onChange: options.onChange, filter: options.filter };
  });
  const topicList = topics.filter((topic): topic is string => Boolean(topic));
  const topicsKey = topicList.join('\n');

  useEffect(() => {
    if (!topicsKey) return;
    const client = realtimeClient();
    // A burst of changes (a class making progress, a bulk edit) refetches once, not once per change.
    let pending: ReturnType<typeof setTimeout> | undefined;
    const invalidate = () => {
      pending ??= setTimeout(() => {
        pending = undefined;
        for (const queryKey of latest.current.queryKeys) void queryClient.invalidateQueries({ queryKey });
      }, COALESCE_MS);
    };
    const stops = topicsKey.split('\n').map((topic) =>
      client.subscribe(topic, (message) => {
        if (message.type !== 'change') return;
        if (latest.current.filter && !latest.current.filter(message)) return;
        latest.current.onChange?.(message);
        invalidate();
      }),
    );
    const stopResync = client.onResync(invalidate);
    return () => {
      if (pending) clearTimeout(pending);
      stopResync();
      for (const stop of stops) stop();
    };
  }, [topicsKey, queryClient]);
}

/**
 * Presence in a course or lesson (`presence:course:<id>`). With `track` (default) the user counts as
 * present while the component is mounted; managers (owner, admin) also receive the member list,
 * which is empty for everyone else.
 */
export function usePresence(topic: string | undefined, options: { track?: boolean } = {}): PresenceMember[] {
  const [members, setMembers] = useState<PresenceMember[]>([]);
  const track = options.track ?? true;
  useEffect(() => {
    if (!topic) return;
    return realtimeClient().subscribe(
      topic,
      (message) => {
        if (message.type === 'presence') setMembers(message.members);
      },
      { track },
    );
  }, [topic, track]);
  return members;
}

/** The connection's state, for an unobtrusive "live" / "reconnecting…" hint. */
export function useRealtimeStatus(): RealtimeStatus {
  const [status, setStatus] = useState<RealtimeStatus>(() => realtimeClient().status);
  useEffect(() => realtimeClient().onStatus(setStatus), []);
  return status;
}
