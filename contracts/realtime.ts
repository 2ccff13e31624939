import { z } from 'zod';

/**
 * The realtime protocol (WebSocket `/realtime`, JSON text frames), shared by the server and the web
 * app. Topics are strings:
 *
 * - `changes:<table>` or `changes:<table>:<column>=<uuid>` — row changes of a table, optionally only
 *   rows whose key column has that value (`changes:lesson_progress:course_id=…`). Every change is
 *   re-read as the subscriber under row-level security before it is sent: a topic only narrows.
 * - `presence:course:<uuid>` / `presence:lesson:<uuid>` — who is in a course or lesson now. Members
 *   are tracked when they subscribe with `track` (learners enrolled, the owner, admins); only those
 *   who manage the course (owner, admin) receive the member list.
 * - `broadcast:course:<uuid>` — messages to everyone studying or managing a course; only those who
 *   manage it may send.
 */

/** Tables whose changes are announced (db/migrations/0026_realtime.sql attaches the trigger). */
export const REALTIME_TABLES = [
  'courses',
  'course_sections',
  'course_lessons',
  'enrollments',
  'lesson_progress',
  'quizzes',
  'quiz_attempts',
  'code_challenges',
  'code_submissions',
  'certificates',
  'ai_conversations',
  'ai_messages',
  'mail_outbox',
] as const;
export type RealtimeTable = (typeof REALTIME_TABLES)[number];

/** Key columns an announcement carries (when the row has them), and that topics may filter on. */
export const REALTIME_KEY_COLUMNS = [
  'course_id',
  'user_id',
  'lesson_id',
  'section_id',
  'quiz_id',
  'challenge_id',
  'conversation_id',
] as const;
export type RealtimeKeyColumn = (typeof REALTIME_KEY_COLUMNS)[number];

const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const TOPIC_PATTERN = new RegExp(
  `^(?:changes:(?:${REALTIME_TABLES.join('|')})(?::(?:${REALTIME_KEY_COLUMNS.join('|')})=${UUID})?` +
    `|presence:(?:course|lesson):${UUID}|broadcast:course:${UUID})$`,
);

export const topicSchema = z
  .string()
  .max(200)
  .regex(
    TOPIC_PATTERN,
    'a topic such as changes:lesson_progress, changes:course_lessons:course_id=<uuid>, presence:course:<uuid> or broadcast:course:<uuid>',
  );

/** A parsed topic. */
export type Topic =
  | { kind: 'changes'; table: RealtimeTable; filter?: { column: RealtimeKeyColumn; value: string } }
  | { kind: 'presence'; scope: 'course' | 'lesson'; id: string }
  | { kind: 'broadcast'; scope: 'course'; id: string };

/** Parses a topic that passed topicSchema. */
export function parseTopic(topic: string): Topic {
  const [kind, a, b] = topic.split(':');
  if (kind === 'changes') {
    const table = a as RealtimeTable;
    if (!b) return { kind, table };
    const [column, value] = b.split('=') as [RealtimeKeyColumn, string];
    return { kind, table, filter: { column, value: value.toLowerCase() } };
  }
  if (kind === 'presence') return { kind, scope: a as 'course' | 'lesson', id: b!.toLowerCase() };
  return { kind: 'broadcast', scope: 'course', id: b!.toLowerCase() };
}

/** Builds a changes topic (the web hook's helper). */
export function changesTopic(
  table: RealtimeTable,
  filter?: Partial<Record<RealtimeKeyColumn, string>>,
): string {
  const entry = filter && Object.entries(filter).find(([, value]) => value);
  return entry ? `changes:${table}:${entry[0]}=${entry[1]}` : `changes:${table}`;
}

/** Longest broadcast payload, serialised (NOTIFY carries it between instances: 8000 bytes at most). */
export const MAX_BROADCAST_BYTES = 2048;

// ---------------------------------------------------------------- client → server

export const clientMessageSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('subscribe'),
      topic: topicSchema,
      /** Presence only: count me as present (default true). An instructor's live view sends false. */
      track: z.boolean().optional(),
      /**
       * Presence of a course only: the lesson of that course the member is on, for the instructor's
       * live view. Sent again on a topic already subscribed, it moves the member to that lesson.
       */
      lesson: z.uuid().optional(),
    })
    .strict(),
  z.object({ type: z.literal('unsubscribe'), topic: topicSchema }).strict(),
  z
    .object({
      type: z.literal('broadcast'),
      topic: topicSchema,
      event: z.string().regex(/^[a-z][a-z0-9_.-]{0,62}$/),
      payload: z.unknown(),
    })
    .strict(),
  z.object({ type: z.literal('ping') }).strict(),
]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;

// ---------------------------------------------------------------- server → client

export const realtimeErrorCodes = ['bad_message', 'not_found', 'forbidden', 'too_many_topics'] as const;

export const presenceMemberSchema = z.object({
  userId: z.uuid(),
  since: z.string(),
  /** The lesson the member last said they are on (course presence), or null. */
  lessonId: z.uuid().nullable().optional(),
  /** The member's name, for those who manage the course (the only ones sent a member list). */
  name: z.string().optional(),
});
export type PresenceMember = z.infer<typeof presenceMemberSchema>;

export const serverMessageSchema = z.discriminatedUnion('type', [
  /** First frame: who the socket is, and the instance serving it. */
  z.object({ type: z.literal('welcome'), userId: z.uuid(), instance: z.string() }),
  z.object({ type: z.literal('subscribed'), topic: z.string() }),
  z.object({ type: z.literal('unsubscribed'), topic: z.string() }),
  /**
   * A row change the subscriber may see. `row` is the row as they may read it (columns granted to
   * signed-in users); absent for deletes.
   */
  z.object({
    type: z.literal('change'),
    topics: z.array(z.string()),
    table: z.enum(REALTIME_TABLES),
    op: z.enum(['INSERT', 'UPDATE', 'DELETE']),
    id: z.uuid(),
    keys: z.record(z.string(), z.string()),
    row: z.record(z.string(), z.unknown()).optional(),
  }),
  z.object({ type: z.literal('presence'), topic: z.string(), members: z.array(presenceMemberSchema) }),
  z.object({
    type: z.literal('broadcast'),
    topic: z.string(),
    event: z.string(),
    payload: z.unknown(),
    from: z.uuid(),
  }),
  /** Events may have been missed (the server lost its database listener): refetch what you show. */
  z.object({ type: z.literal('resync') }),
  z.object({ type: z.literal('pong') }),
  z.object({
    type: z.literal('error'),
    code: z.enum(realtimeErrorCodes),
    message: z.string(),
    topic: z.string().optional(),
  }),
]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;

/** WebSocket close codes the server uses (4000–4999 are the application's). */
export const REALTIME_CLOSE = {
  /** The sign-in session ended or the account was deactivated: sign in again, do not reconnect. */
  sessionEnded: 4401,
  /** The server is shutting down: reconnect (to another instance) with back-off. */
  goingAway: 1001,
} as const;
