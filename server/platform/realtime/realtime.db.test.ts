import { createServer, type AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../../contracts/realtime.ts';
import * as f from '../../../tests/helpers/factories.ts';
import {
  eventually,
  handshakeStatus,
  openSocket,
  settle,
  tokenFor,
  webClientFor,
  type TestSocket,
} from '../../../tests/helpers/realtime.ts';
import { testConfig } from '../../../tests/helpers/test-app.ts';
import { createTestDatabase, type TestDatabase } from '../../../tests/helpers/test-db.ts';
import { buildApp, type App } from '../../app.ts';

// The realtime endpoint end to end on this project's engine: on PGlite the in-process LISTEN path,
// on PostgreSQL the dedicated listener connection. Changes are written as the system (as the
// product's paths write them), after commit they must reach exactly the sockets allowed to see them.

let t: TestDatabase;
let app: App;
let baseUrl: string;
let port: number;
const u: Record<'owner' | 'admin' | 'a' | 'b' | 'outsider' | 'rival', string> = {} as never;
let courseX: string;
let sectionX: string;
let lessonX: string;
let courseOpen: string;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: free } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return free;
}

async function startApp(): Promise<App> {
  const started = buildApp({
    config: testConfig(t.url ? { DATABASE_URL: t.url } : {}),
    db: t.db,
  });
  await started.listen({ host: '127.0.0.1', port });
  return started;
}

beforeAll(async () => {
  t = await createTestDatabase();
  await t.db.asSystem(async (tx) => {
    u.owner = (await f.createUser(tx, { role: 'instructor', displayName: 'Olga Owner' })).id;
    u.admin = (await f.createUser(tx, { role: 'admin' })).id;
    u.a = (await f.createUser(tx, { displayName: 'Anna' })).id;
    u.b = (await f.createUser(tx, { displayName: 'Bruno' })).id;
    u.outsider = (await f.createUser(tx, { displayName: 'Otto' })).id;
    u.rival = (await f.createUser(tx, { role: 'instructor', displayName: 'Rita Rival' })).id;
    courseX = await f.createCourse(tx, { instructorId: u.owner, title: 'Course X' });
    courseOpen = await f.createCourse(tx, { instructorId: u.owner, title: 'Open course', access: 'free' });
    sectionX = await f.createSection(tx, { courseId: courseX });
    lessonX = await f.createLesson(tx, { courseId: courseX, sectionId: sectionX });
    await f.createEnrollment(tx, { userId: u.a, courseId: courseX });
    await f.createEnrollment(tx, { userId: u.b, courseId: courseX });
  });
  port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  app = await startApp();
});

afterAll(async () => {
  await app?.close();
  await t?.close();
});

const sockets: TestSocket[] = [];
async function socketOf(who: keyof typeof u, sessionId?: string) {
  const socket = await openSocket(baseUrl, { id: u[who], ...(sessionId ? { sessionId } : {}) });
  sockets.push(socket);
  return socket;
}
afterAll(() => sockets.forEach((s) => s.close()));

const changeOf = (id: string) => (m: ServerMessage) => m.type === 'change' && m.id === id;
const mentions = (socket: TestSocket, id: string) => JSON.stringify(socket.messages).includes(id);

/** A change everyone may see: the title of the published course X. Resolves with its marker. */
async function sentinel(): Promise<string> {
  const marker = `Course X ${Math.random().toString(36).slice(2)}`;
  await t.db.asSystem((tx) =>
    tx.updateTable('courses').set({ title: marker }).where('id', '=', courseX).execute(),
  );
  return marker;
}
/** The sentinel reached `socket`, and everything queued before it has been checked and read. */
async function sentinelSeen(socket: TestSocket, marker: string) {
  await socket.next((m) => m.type === 'change' && m.table === 'courses' && m.row?.title === marker);
  await settle(app.realtime, [socket]);
}

describe('GET /realtime: the handshake', () => {
  it('refuses anonymous visitors (401), bad tokens (401) and the session cookie from another site (403)', async () => {
    expect(await handshakeStatus(baseUrl, {})).toBe(401);
    expect(await handshakeStatus(baseUrl, { authorization: 'Bearer nope' })).toBe(401);
    const token = await tokenFor({ id: u.a });
    expect(
      await handshakeStatus(baseUrl, { cookie: `uw_access=${token}`, origin: 'https://evil.example' }),
    ).toBe(403);
    expect(await handshakeStatus(baseUrl, { cookie: `uw_access=${token}`, origin: baseUrl })).toBe(101);
    expect(await handshakeStatus(baseUrl, { authorization: `Bearer ${token}` })).toBe(101);
  });

  it('refuses a still-valid token whose sign-in session has ended (401), and accepts one of a live session', async () => {
    const [ended, live] = await t.db.asSystem(
      async (tx) =>
        (
          await sql<{
            id: string;
          }>`insert into private.auth_sessions (user_id, expires_at, revoked_at, revoked_reason)
            values (${u.a}, now() + interval '1 day', now(), 'sign_out'), (${u.a}, now() + interval '1 day', null, null)
            returning id`.execute(tx)
        ).rows,
    );
    const bearer = async (sessionId: string) => ({
      authorization: `Bearer ${await tokenFor({ id: u.a, sessionId })}`,
    });
    expect(await handshakeStatus(baseUrl, await bearer(ended!.id))).toBe(401);
    expect(await handshakeStatus(baseUrl, await bearer(live!.id))).toBe(101);
  });

  it('answers malformed frames and unknown topics with bad_message, and keeps the socket', async () => {
    const socket = await socketOf('a');
    socket.ws.send('not json');
    await socket.next((m) => m.type === 'error' && m.code === 'bad_message');
    socket.send({ type: 'subscribe', topic: 'changes:auth_sessions' });
    await eventually(
      () => socket.messages.filter((m) => m.type === 'error' && m.code === 'bad_message').length === 2,
      'a bad_message error about the topic',
    );
    socket.send({ type: 'ping' });
    await socket.next((m) => m.type === 'pong');
  });
});

describe('row changes', () => {
  it('sends a learner their own progress (as they may read it) and never another learner’s; the owner gets both', async () => {
    const a = await socketOf('a');
    const owner = await socketOf('owner');
    for (const s of [a, owner]) {
      expect(await s.subscribe(`changes:lesson_progress:course_id=${courseX}`)).toMatchObject({
        type: 'subscribed',
      });
      expect(await s.subscribe('changes:courses')).toMatchObject({ type: 'subscribed' });
    }
    const [mine, theirs] = await t.db.asSystem(async (tx) => [
      await f.createLessonProgress(tx, { userId: u.a, lessonId: lessonX }),
      await f.createLessonProgress(tx, { userId: u.b, lessonId: lessonX }),
    ]);
    const own = await a.next(changeOf(mine));
    expect(own).toMatchObject({
      type: 'change',
      table: 'lesson_progress',
      op: 'INSERT',
      topics: [`changes:lesson_progress:course_id=${courseX}`],
      keys: { course_id: courseX, user_id: u.a, lesson_id: lessonX },
      row: { id: mine, userId: u.a, courseId: courseX },
    });
    await owner.next(changeOf(mine));
    await owner.next(changeOf(theirs));
    const marker = await sentinel();
    await sentinelSeen(a, marker);
    expect(mentions(a, theirs)).toBe(false);
  });

  it('announces a new lesson without its content; lessons of a draft course reach only its owner', async () => {
    const a = await socketOf('a');
    const outsider = await socketOf('outsider');
    const owner = await socketOf('owner');
    for (const s of [a, outsider, owner]) {
      await s.subscribe('changes:course_lessons');
      await s.subscribe('changes:courses');
    }
    const content = { articleContent: 'cnry-lesson-body', videoUrl: 'https://videos.example.test/cnry.mp4' };
    const [lesson, draftLesson] = await t.db.asSystem(async (tx) => {
      const draft = await f.createCourse(tx, { instructorId: u.owner, status: 'draft' });
      const draftSection = await f.createSection(tx, { courseId: draft });
      return [
        await f.createLesson(tx, {
          courseId: courseX,
          sectionId: sectionX,
          sortOrder: 5,
          title: 'Fresh',
          content,
        }),
        await f.createLesson(tx, { courseId: draft, sectionId: draftSection, isPreview: true, content }),
      ];
    });
    const seen = await a.next(changeOf(lesson));
    expect(seen).toMatchObject({ op: 'INSERT', row: { title: 'Fresh', courseId: courseX } });
    // The outline of a published course is public (its landing page shows it), its content is not.
    const public_ = await outsider.next(changeOf(lesson));
    for (const message of [seen, public_]) {
      expect(JSON.stringify(message)).not.toContain('cnry');
      expect(message).not.toHaveProperty('row.articleContent');
      expect(message).not.toHaveProperty('row.videoUrl');
    }
    await owner.next(changeOf(draftLesson));
    const marker = await sentinel();
    await sentinelSeen(a, marker);
    await sentinelSeen(outsider, marker);
    expect(mentions(a, draftLesson)).toBe(false);
    expect(mentions(outsider, draftLesson)).toBe(false);
  });

  it('sends deletes only to the row’s own user and those who manage its course', async () => {
    const a = await socketOf('a');
    const b = await socketOf('b');
    const owner = await socketOf('owner');
    for (const s of [a, b, owner]) {
      await s.subscribe('changes:enrollments');
      await s.subscribe('changes:courses');
    }
    const enrollment = await t.db.asSystem((tx) =>
      f.createEnrollment(tx, { userId: u.a, courseId: courseOpen }),
    );
    await a.next(changeOf(enrollment));
    await t.db.asSystem((tx) => tx.deleteFrom('enrollments').where('id', '=', enrollment).execute());
    const deleted = await a.next((m) => changeOf(enrollment)(m) && m.type === 'change' && m.op === 'DELETE');
    expect(deleted).not.toHaveProperty('row');
    await owner.next((m) => changeOf(enrollment)(m) && m.type === 'change' && m.op === 'DELETE');
    const marker = await sentinel();
    await sentinelSeen(b, marker);
    expect(mentions(b, enrollment)).toBe(false);
  });

  it('closes the socket with 4401 once its sign-in session has ended', async () => {
    const [session] = await t.db.asSystem(
      async (tx) =>
        (
          await sql<{ id: string }>`insert into private.auth_sessions (user_id, expires_at)
            values (${u.a}, now() + interval '1 day') returning id`.execute(tx)
        ).rows,
    );
    const sessionId = session!.id;
    const socket = await socketOf('a', sessionId);
    await socket.subscribe('changes:courses');
    await t.db.asSystem((tx) =>
      sql`update private.auth_sessions set revoked_at = now(), revoked_reason = 'sign_out' where id = ${sessionId}`.execute(
        tx,
      ),
    );
    await sentinel();
    expect((await socket.closed).code).toBe(4401);
    expect(socket.messages.some((m) => m.type === 'change')).toBe(false);
  });
  it('closes quiet sockets of ended sessions on the session sweep, and keeps live ones', async () => {
    const [ended, live] = await t.db.asSystem(
      async (tx) =>
        (
          await sql<{ id: string }>`insert into private.auth_sessions (user_id, expires_at)
            values (${u.b}, now() + interval '1 day'), (${u.b}, now() + interval '1 day') returning id`.execute(
            tx,
          )
        ).rows,
    );
    const quiet = await socketOf('b', ended!.id);
    const other = await socketOf('b', live!.id);
    await quiet.subscribe(`broadcast:course:${courseX}`);
    await t.db.asSystem((tx) =>
      sql`update private.auth_sessions set revoked_at = now(), revoked_reason = 'sign_out' where id = ${ended!.id}`.execute(
        tx,
      ),
    );
    await app.realtime.sweepSessions();
    expect((await quiet.closed).code).toBe(4401);
    other.send({ type: 'ping' });
    await other.next((m) => m.type === 'pong');
  });
});

describe('quiz grants (0031)', () => {
  it('tells the learner of extra minutes (their attempt) and extra attempts (their enrollment); another learner hears neither', async () => {
    const { quiz, attempt } = await t.db.asSystem(async (tx) => {
      const quizId = await f.createQuiz(tx, { courseId: courseX, title: 'Timed' });
      await tx.updateTable('quizzes').set({ timeLimitMinutes: 10 }).where('id', '=', quizId).execute();
      const { id } = await tx
        .insertInto('quizAttempts')
        .values({
          userId: u.a,
          quizId,
          attemptNumber: 1,
          deadlineAt: sql<Date>`now() + interval '10 minutes'`,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return { quiz: quizId, attempt: id };
    });
    const a = await socketOf('a');
    const b = await socketOf('b');
    for (const s of [a, b]) {
      // Everything either could name about the other: both learners' ids, the quiz, the course.
      for (const topic of [
        `changes:quiz_attempts:user_id=${u.a}`,
        `changes:enrollments:user_id=${u.a}`,
        `changes:enrollments:course_id=${courseX}`,
        `changes:quiz_attempts:quiz_id=${quiz}`,
        'changes:courses',
      ])
        await s.subscribe(topic);
    }
    const before = await t.db.asSystem(async (tx) =>
      tx.selectFrom('quizAttempts').select('deadlineAt').where('id', '=', attempt).executeTakeFirstOrThrow(),
    );
    const [granted] = await t.db.readAs(
      { id: u.owner },
      sql<{
        result: Record<string, unknown>;
      }>`select private.quiz_grant_extra(${quiz}, ${u.a}, 1, 5) as result`,
    );
    expect(granted?.result).toMatchObject({ extraAttempts: 1, extraMinutes: 5 });

    const moved = await a.next((m) => m.type === 'change' && m.table === 'quiz_attempts' && m.id === attempt);
    const deadline = moved.type === 'change' ? String(moved.row?.deadlineAt) : '';
    expect(Date.parse(deadline) - new Date(before.deadlineAt!).getTime()).toBe(5 * 60_000);
    const grant = await a.next((m) => m.type === 'change' && m.table === 'enrollments');
    expect(grant).toMatchObject({ op: 'UPDATE', keys: { user_id: u.a, course_id: courseX, quiz_id: quiz } });

    const marker = await sentinel();
    await sentinelSeen(b, marker);
    expect(mentions(b, attempt)).toBe(false);
    expect(b.messages.some((m) => m.type === 'change' && m.table !== 'courses')).toBe(false);
  });
});

describe('presence and broadcast', () => {
  it('tracks enrolled learners; only the owner sees who is there; outsiders cannot join', async () => {
    const owner = await socketOf('owner');
    expect(await owner.subscribe(`presence:course:${courseX}`, { track: false })).toMatchObject({
      type: 'subscribed',
    });
    const a = await socketOf('a');
    expect(await a.subscribe(`presence:course:${courseX}`)).toMatchObject({ type: 'subscribed' });
    await owner.next((m) => m.type === 'presence' && m.members.some((member) => member.userId === u.a));
    const b = await socketOf('b');
    await b.subscribe(`presence:lesson:${lessonX}`);

    const outsider = await socketOf('outsider');
    expect(await outsider.subscribe(`presence:course:${courseX}`)).toMatchObject({
      type: 'error',
      code: 'not_found',
    });
    expect(await outsider.subscribe(`presence:lesson:${lessonX}`)).toMatchObject({
      type: 'error',
      code: 'not_found',
    });

    a.close();
    await owner.next((m) => m.type === 'presence' && !m.members.some((member) => member.userId === u.a));
    expect(a.messages.some((m) => m.type === 'presence')).toBe(false);
    expect(b.messages.some((m) => m.type === 'presence')).toBe(false);
  });

  it('the live view: the owner sees each learner’s name and lesson as they move; learners and other instructors cannot watch', async () => {
    const topic = `presence:course:${courseX}`;
    const lessonY = await t.db.asSystem((tx) =>
      f.createLesson(tx, { courseId: courseX, sectionId: sectionX, sortOrder: 3 }),
    );
    const owner = await socketOf('owner');
    await owner.subscribe(topic, { track: false });
    const a = await socketOf('a');
    expect(await a.subscribe(topic, { lesson: lessonX })).toMatchObject({ type: 'subscribed' });
    const onX = await owner.next(
      (m) => m.type === 'presence' && m.members.some((x) => x.userId === u.a && x.lessonId === lessonX),
    );
    expect(onX.type === 'presence' && onX.members.find((x) => x.userId === u.a)).toMatchObject({
      name: 'Anna',
      lessonId: lessonX,
    });
    // Subscribing again with another lesson moves the member; its arrival time stays.
    const since = onX.type === 'presence' ? onX.members.find((x) => x.userId === u.a)!.since : '';
    expect(await a.subscribe(topic, { lesson: lessonY })).toMatchObject({ type: 'subscribed' });
    await owner.next(
      (m) =>
        m.type === 'presence' &&
        m.members.some((x) => x.userId === u.a && x.lessonId === lessonY && x.since === since),
    );
    // A lesson of another course is refused (and the member stays where it was).
    const elsewhere = await t.db.asSystem(async (tx) =>
      f.createLesson(tx, {
        courseId: courseOpen,
        sectionId: await f.createSection(tx, { courseId: courseOpen }),
      }),
    );
    expect(await a.subscribe(topic, { lesson: elsewhere })).toMatchObject({
      type: 'error',
      code: 'not_found',
    });

    // Another instructor may not join or watch; the names are not theirs to read either.
    const rival = await socketOf('rival');
    expect(await rival.subscribe(topic, { track: false })).toMatchObject({
      type: 'error',
      code: 'not_found',
    });
    for (const who of ['rival', 'b'] as const) {
      expect(
        await t.db.readAs(
          { id: u[who] },
          sql<{
            id: string;
          }>`select id from private.live_learner_cards(${courseX}::uuid, ${[u.a, u.b]}::uuid[])`,
        ),
        who,
      ).toEqual([]);
    }
    // A learner in the course receives no member list (its own presence frames: none).
    const b = await socketOf('b');
    await b.subscribe(topic, { lesson: lessonX });
    await owner.next(
      (m) => m.type === 'presence' && m.members.some((x) => x.userId === u.b && x.name === 'Bruno'),
    );
    expect(b.messages.some((m) => m.type === 'presence')).toBe(false);
    expect(a.messages.some((m) => m.type === 'presence')).toBe(false);
    expect(JSON.stringify(b.messages)).not.toContain('Anna');
  });

  it('lets the owner broadcast to the course; learners receive it but may not send', async () => {
    const owner = await socketOf('owner');
    const a = await socketOf('a');
    const outsider = await socketOf('outsider');
    const topic = `broadcast:course:${courseX}`;
    await owner.subscribe(topic);
    await a.subscribe(topic);
    expect(await outsider.subscribe(topic)).toMatchObject({ type: 'error', code: 'not_found' });

    owner.send({ type: 'broadcast', topic, event: 'announcement', payload: { text: 'Break until 11:00' } });
    expect(await a.next((m) => m.type === 'broadcast')).toMatchObject({
      topic,
      event: 'announcement',
      payload: { text: 'Break until 11:00' },
      from: u.owner,
    });
    a.send({ type: 'broadcast', topic, event: 'spam', payload: 1 });
    expect(await a.next((m) => m.type === 'error' && m.topic === topic)).toMatchObject({ code: 'forbidden' });
  });
});

describe('reconnect', () => {
  it('after a server restart the web client reconnects, re-subscribes, re-syncs and receives new changes', async () => {
    const client = await webClientFor(baseUrl, { id: u.a });
    const changes: ServerMessage[] = [];
    let resyncs = 0;
    client.onResync(() => (resyncs += 1));
    client.subscribe(`changes:lesson_progress:course_id=${courseX}`, (m) => changes.push(m));
    await eventually(() => client.status === 'open', 'the first connection');
    await new Promise((resolve) => setTimeout(resolve, 100));

    await app.close();
    await eventually(() => client.status === 'reconnecting', 'the client noticing the restart');
    // Committed while no server listens: only a re-sync can bring it to the client.
    const missed = await t.db.asSystem(async (tx) => {
      const lesson = await f.createLesson(tx, { courseId: courseX, sectionId: sectionX, sortOrder: 7 });
      return f.createLessonProgress(tx, { userId: u.a, lessonId: lesson });
    });
    app = await startApp();
    await eventually(() => resyncs === 1 && client.status === 'open', 'the re-sync after reconnecting');
    expect(changes.some((m) => m.type === 'change' && m.id === missed)).toBe(false);

    // Live again: the subscription was re-sent on the new connection.
    const after = await t.db.asSystem(async (tx) => {
      const lesson = await f.createLesson(tx, { courseId: courseX, sectionId: sectionX, sortOrder: 8 });
      return f.createLessonProgress(tx, { userId: u.a, lessonId: lesson });
    });
    await eventually(
      () => changes.some((m) => m.type === 'change' && m.id === after),
      'a change after reconnecting',
    );
    client.close();
  });
});
