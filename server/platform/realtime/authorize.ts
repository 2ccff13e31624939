import { z } from 'zod';
import { REALTIME_KEY_COLUMNS, REALTIME_TABLES } from '../../../contracts/realtime.ts';
import type { DatabaseHandle } from '../../db/connect.ts';
import { quoteLiteral } from '../../db/session.ts';

/** One announced row change, as private.announce_change() sends it (0026). */
export const changeEventSchema = z
  .object({
    table: z.enum(REALTIME_TABLES),
    op: z.enum(['INSERT', 'UPDATE', 'DELETE']),
    id: z.uuid(),
  })
  .catchall(z.unknown());
export type ChangeEvent = z.infer<typeof changeEventSchema> & { keys: Record<string, string> };

/** Parses a NOTIFY payload of the `realtime` channel; undefined for anything else. */
export function parseChangeEvent(payload: string): ChangeEvent | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(payload);
  } catch {
    return undefined;
  }
  const parsed = changeEventSchema.safeParse(raw);
  if (!parsed.success) return undefined;
  const keys: Record<string, string> = {};
  for (const column of REALTIME_KEY_COLUMNS) {
    const value = parsed.data[column];
    if (typeof value === 'string') keys[column] = value.toLowerCase();
  }
  return { ...parsed.data, keys };
}

/** A subscriber as the database checks it: the user and the sign-in session of its socket. */
export interface Subscriber {
  /** `${userId}:${sessionId}` — sockets of the same sign-in share one check. */
  key: string;
  userId: string;
  sessionId: string | undefined;
}

export interface Verdicts {
  /** Subscribers who may see the change. */
  visible: string[];
  /** Subscribers whose account is deactivated or whose sign-in session ended. */
  ended: string[];
  /** The row as they may read it (RLS and column grants applied); undefined for deletes. */
  row: Record<string, unknown> | undefined;
}

/**
 * Which of `subscribers` may see `event`, in ONE statement and one round trip:
 * private.realtime_authorize() re-reads the row as each subscriber (role `authenticated`, their
 * claims), so the answer is row-level security's own (see 0026 for why a loop over real policies
 * rather than per-table copies of them). Runs as the connection owner, outside any request session.
 */
export async function authorizeBatch(
  handle: DatabaseHandle,
  event: ChangeEvent,
  subscribers: readonly Subscriber[],
): Promise<Verdicts> {
  const eventJson = JSON.stringify({ table: event.table, op: event.op, id: event.id, ...event.keys });
  const list = JSON.stringify(subscribers.map((s) => ({ k: s.key, u: s.userId, s: s.sessionId ?? null })));
  const [rows = []] = await handle.simpleQuery(
    `SELECT subscriber, verdict, row_data FROM private.realtime_authorize(${quoteLiteral(eventJson)}::jsonb, ${quoteLiteral(list)}::jsonb)`,
  );
  const verdicts: Verdicts = { visible: [], ended: [], row: undefined };
  for (const raw of rows as Array<{ subscriber: string; verdict: string; row_data: unknown }>) {
    if (raw.verdict === 'ended') verdicts.ended.push(raw.subscriber);
    else verdicts.visible.push(raw.subscriber);
    if (raw.row_data) verdicts.row = toRow(raw.row_data);
  }
  return verdicts;
}

/** The row with camelCase keys, like every API response (jsonb arrives parsed from pg and PGlite). */
function toRow(value: unknown): Record<string, unknown> {
  const row = (typeof value === 'string' ? JSON.parse(value) : value) as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(row).map(([key, v]) => [
      key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()),
      v,
    ]),
  );
}

/**
 * Which of `subscribers` no longer have a live sign-in: account deactivated or deleted, session
 * revoked or expired (the rule of private.assert_live_session()). One statement for all of them.
 */
export async function endedSubscribers(
  handle: DatabaseHandle,
  subscribers: readonly Subscriber[],
): Promise<string[]> {
  if (subscribers.length === 0) return [];
  const list = JSON.stringify(subscribers.map((s) => ({ k: s.key, u: s.userId, s: s.sessionId ?? null })));
  const [rows = []] = await handle.simpleQuery(
    `SELECT x.k FROM jsonb_to_recordset(${quoteLiteral(list)}::jsonb) AS x(k text, u uuid, s uuid)
       LEFT JOIN public.profiles p ON p.id = x.u AND p.is_active
      WHERE p.id IS NULL
         OR (x.s IS NOT NULL AND NOT EXISTS (
               SELECT 1 FROM private.auth_sessions a
                WHERE a.id = x.s AND a.user_id = x.u AND a.revoked_at IS NULL AND a.expires_at > now()))`,
  );
  return (rows as Array<{ k: string }>).map((row) => row.k);
}
