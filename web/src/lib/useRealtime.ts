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
 * `refetchOnSubscribe` also refetches once each subscription is confirmed, for views where the
 * awaited change may land between the first load and the subscription (a judge's verdict).
 * Returns `live`: every topic subscribed on an open socket (callers that must not miss a change
 * poll, slowly, only while it is false).
 */
export function useLiveInvalidation(
  topics: ReadonlyArray<string | undefined>,
  queryKeys: readonly QueryKey[],
  options: {
    onChange?: (message: ChangeMessage) => void;
    filter?: (message: ChangeMessage) => boolean;
    refetchOnSubscribe?: boolean;
  } = {},
): { live: boolean } {
  const queryClient = useQueryClient();
  const [live, setLive] = useState(false);
  const latest = useRef({ queryKeys, onChange: options.onChange, filter: options.filter });
  useEffect(() => {
    latest.current = { queryKeys, onChange: options.onChange, filter: options.filter };
  });
  const topicList = topics.filter((topic): topic is string => Boolean(topic));
  const topicsKey = topicList.join('\n');
  const refetchOnSubscribe = options.refetchOnSubscribe ?? false;

  useEffect(() => {
    if (!topicsKey) return;
    const client = realtimeClient();
    const topicNames = topicsKey.split('\n');
    // A burst of changes (a class making progress, a bulk edit) refetches once, not once per change.
    let pending: ReturnType<typeof setTimeout> | undefined;
    const invalidate = () => {
      pending ??= setTimeout(() => {
        pending = undefined;
        for (const queryKey of latest.current.queryKeys) void queryClient.invalidateQueries({ queryKey });
      }, COALESCE_MS);
    };
    const confirmed = new Set<string>();
    const updateLive = () => setLive(confirmed.size === topicNames.length);
    const stops = topicNames.map((topic) =>
      client.subscribe(topic, (message) => {
        if (message.type === 'subscribed') {
          confirmed.add(topic);
          updateLive();
          if (refetchOnSubscribe) invalidate();
        } else if (message.type === 'error') {
          confirmed.delete(topic);
          updateLive();
        } else if (message.type === 'change') {
          if (latest.current.filter && !latest.current.filter(message)) return;
          latest.current.onChange?.(message);
          invalidate();
        }
      }),
    );
    const stopResync = client.onResync(invalidate);
    const stopStatus = client.onStatus((status) => {
      if (status === 'open') return;
      confirmed.clear();
      updateLive();
    });
    return () => {
      if (pending) clearTimeout(pending);
      stopResync();
      stopStatus();
      for (const stop of stops) stop();
      setLive(false);
    };
  }, [topicsKey, queryClient, refetchOnSubscribe]);

  return { live };
}

/**
 * Presence in a course or lesson (`presence:course:<id>`). With `track` (default) the user counts as
 * present while the component is mounted — on `lesson`, for a course topic; moving to another lesson
 * keeps the subscription. Managers (owner, admin) also receive the member list, which is empty for
 * everyone else.
 */
export function usePresence(
  topic: string | undefined,
  options: { track?: boolean; lesson?: string } = {},
): PresenceMember[] {
  return usePresenceList(topic, options).members ?? [];
}

/**
 * usePresence with its state: `members` is undefined until the server sent the first list (a
 * manager's live view shows "loading" until then), `error` the server's refusal of the topic.
 */
export function usePresenceList(
  topic: string | undefined,
  options: { track?: boolean; lesson?: string } = {},
): { members: PresenceMember[] | undefined; error: string | undefined } {
  // Kept with the topic it belongs to: a new topic starts as "not loaded" without a reset.
  const [state, setState] = useState<{
    topic: string | undefined;
    members: PresenceMember[] | undefined;
    error: string | undefined;
  }>({ topic: undefined, members: undefined, error: undefined });
  const track = options.track ?? true;
  const lesson = useRef(options.lesson);
  useEffect(() => {
    lesson.current = options.lesson;
  });
  useEffect(() => {
    if (!topic) return;
    return realtimeClient().subscribe(
      topic,
      (message) => {
        if (message.type === 'presence') setState({ topic, members: message.members, error: undefined });
        else if (message.type === 'error')
          setState((s) => ({
            topic,
            members: s.topic === topic ? s.members : undefined,
            error: message.message,
          }));
      },
      { track, ...(lesson.current ? { lesson: lesson.current } : {}) },
    );
  }, [topic, track]);
  useEffect(() => {
    if (topic && options.lesson) realtimeClient().moveTo(topic, options.lesson);
  }, [topic, options.lesson]);
  return state.topic === topic
    ? { members: state.members, error: state.error }
    : { members: undefined, error: undefined };
}

/** The connection's state, for an unobtrusive "live" / "reconnecting…" hint. */
export function useRealtimeStatus(): RealtimeStatus {
  const [status, setStatus] = useState<RealtimeStatus>(() => realtimeClient().status);
  useEffect(() => realtimeClient().onStatus(setStatus), []);
  return status;
}
