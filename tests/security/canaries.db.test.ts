import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tx } from '../../server/db/session.ts';
import * as f from '../helpers/factories.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.ts';
import { isDenial, rolledBack, sqlState, type Actor } from './harness.ts';

// Canary strings planted in every secret the spec names (answer keys, hidden tests, solutions,
// promo codes, other users' emails, paid lesson content, private profile fields, other learners'
// rows). Each learner persona then reads everything it can name: every table and view its role
// can select (whole rows, and column by column where only some columns are granted), and every
// function its role may execute, called with every id in the database. No canary may appear.

let t: TestDatabase;

const KINDS = [
  'answer-key-option', // quiz_questions.options text of the correct answer
  'answer-key-explanation', // quiz_questions.explanation
  'answer-key-tests', // quiz_questions.test_cases
  'solution-code', // code_challenges.solution_code
  'hidden-test', // code_challenges.test_cases with is_hidden
  'promo-code', // promotional_codes.code (and where it was used)
  'email', // other users' emails
  'content-x', // non-preview lesson content of X (studentA is enrolled)
  'content-y', // non-preview lesson content of Y
  'content-draft-preview', // a preview lesson of a draft course
  'content-deleted-preview', // a soft-deleted preview lesson of X
  'private-profile', // full name behind a blank display name, Stripe customer id
  'other-learner-row', // another learner's AI question, lesson notes, activity log
  'mail-link', // a reset/confirmation link in the mail outbox (admin mailbox only, even for the recipient)
  'draft-file', // the name of a file uploaded to a draft course (its preview lesson's video)
] as const;
type Kind = (typeof KINDS)[number];

interface Canary {
  kind: Kind;
  token: string;
  /** Whose it is, when it is a person's own data (their own email may come back to them). */
  owner?: string;
}

const canaries: Canary[] = [];
function canary(kind: Kind, owner?: string, upper = false): string {
  const token = `cnry-${kind}-${randomBytes(5).toString('hex')}`;
  const value = upper ? token.toUpperCase() : token;
  canaries.push({ kind, token: token.toLowerCase(), ...(owner ? { owner } : {}) });
  return value;
}

interface CanaryWorld {
  users: Record<'owner' | 'other' | 'nameless' | 'studentA' | 'studentB' | 'studentC' | 'reviewer', string>;
  ids: string[];
  texts: string[];
}
let world: CanaryWorld;

beforeAll(async () => {
  t = await createTestDatabase();
  world = await t.db.asSystem(async (tx) => {
    const person = async (label: string, options: f.UserOptions = {}) => {
      const email = `${canary('email', label)}@example.test`;
      const user = await f.createUser(tx, { email, ...options });
      canaries.at(-1)!.owner = user.id;
      return user.id;
    };
    const owner = await person('owner', { role: 'instructor', displayName: 'Olga Owner' });
    const other = await person('other', { role: 'instructor', displayName: 'Igor Other' });
    // An instructor who never gave a name: nothing but the email identifies them.
    const nameless = await person('nameless', { role: 'instructor' });
    const studentA = await person('studentA', { displayName: 'Anna A' });
    const studentB = await person('studentB', { displayName: 'Bruno B' });
    const studentC = await person('studentC', {
      displayName: 'Chen C',
      stripeCustomerId: `cus_${canary('private-profile')}`,
    });
    // A reviewer who blanked their display name: their card must not fall back to the full name.
    const reviewer = await person('reviewer', { fullName: canary('private-profile'), displayName: '' });
    await person('admin', { role: 'admin', displayName: 'Ada Admin' });

    const X = await f.createCourse(tx, { instructorId: owner, title: 'Course X' });
    const Y = await f.createCourse(tx, { instructorId: other, title: 'Course Y' });
    const draft = await f.createCourse(tx, { instructorId: owner, status: 'draft' });
    await f.createCourse(tx, { instructorId: nameless, title: 'Course by a nameless instructor' });
    const secX = await f.createSection(tx, { courseId: X });
    const secY = await f.createSection(tx, { courseId: Y });
    const secDraft = await f.createSection(tx, { courseId: draft });
    const paidContent = (kind: Kind) => ({
      videoUrl: `https://videos.example.test/${canary(kind)}.mp4`,
      articleContent: `Paid text ${canary(kind)}`,
      downloadableResources: [{ name: 'notes.pdf', url: `https://files.example.test/${canary(kind)}.pdf` }],
    });
    await f.createLesson(tx, {
      courseId: X,
      sectionId: secX,
      isPreview: true,
      content: {
        videoUrl: 'https://videos.example.test/free-preview.mp4',
        articleContent: 'free preview text',
      },
    });
    const lessonX = await f.createLesson(tx, {
      courseId: X,
      sectionId: secX,
      content: paidContent('content-x'),
    });
    await f.createLesson(tx, {
      courseId: X,
      sectionId: secX,
      isPreview: true,
      deleted: true,
      content: paidContent('content-deleted-preview'),
    });
    await f.createLesson(tx, { courseId: Y, sectionId: secY, content: paidContent('content-y') });
    const draftPreview = await f.createLesson(tx, {
      courseId: draft,
      sectionId: secDraft,
      isPreview: true,
      content: paidContent('content-draft-preview'),
    });
    await f.createFile(tx, {
      courseId: draft,
      lessonId: draftPreview,
      purpose: 'lesson_video',
      name: `${canary('draft-file')}.mp4`,
    });

    const enrolA = await f.createEnrollment(tx, { userId: studentA, courseId: X });
    const enrolC = await f.createEnrollment(tx, { userId: studentC, courseId: X });
    await f.createEnrollment(tx, { userId: reviewer, courseId: X });
    await f.createReview(tx, { userId: reviewer, courseId: X });
    await f.createCertificate(tx, {
      userId: studentC,
      courseId: X,
      enrollmentId: enrolC,
      holderName: 'Chen C',
    });

    const quiz = await f.createQuiz(tx, { courseId: X });
    await f.createQuestion(tx, {
      quizId: quiz,
      options: [
        { id: 'a', text: canary('answer-key-option'), is_correct: true },
        { id: 'b', text: 'a wrong answer', is_correct: false },
      ],
      explanation: canary('answer-key-explanation'),
      testCases: [{ input: canary('answer-key-tests'), expected_output: canary('answer-key-tests') }],
    });
    await f.createAttempt(tx, { userId: studentA, quizId: quiz, enrollmentId: enrolA });
    const challengeX = await f.createChallenge(tx, {
      courseId: X,
      solutionCode: { python: `# ${canary('solution-code')}\ndef solution(a, b): return a + b` },
      testCases: [
        { input: 'visible-input-1', expected_output: 'visible-output-1', is_hidden: false },
        { input: canary('hidden-test'), expected_output: canary('hidden-test'), is_hidden: true },
      ],
    });
    await f.createSubmission(tx, { userId: studentC, challengeId: challengeX });

    const promoAll = await f.createPromoCode(tx, {
      scope: 'all_courses',
      code: canary('promo-code', undefined, true),
    });
    await f.createPromoCode(tx, { scope: { courseIds: [X] }, code: canary('promo-code', undefined, true) });
    // Another learner used a code; the payment and the enrolment record it.
    await f.createPayment(tx, { userId: studentC, courseId: X, promotionalCode: promoAll.code });
    await tx
      .updateTable('enrollments')
      .set({ promotionalCodeUsed: promoAll.code })
      .where('id', '=', enrolC)
      .execute();

    // Other learners' own rows: a private AI conversation, notes, an activity log.
    const conversation = await f.createConversation(tx, { userId: studentC, courseId: X });
    await f.createMessage(tx, {
      conversationId: conversation,
      content: `private question ${canary('other-learner-row')}`,
    });
    const progress = await f.createLessonProgress(tx, { userId: studentC, lessonId: lessonX });
    await tx
      .updateTable('lessonProgress')
      .set({ userNotes: canary('other-learner-row') })
      .where('id', '=', progress)
      .execute();
    await f.createActivityLog(tx, { userId: studentC, metadata: { device: canary('other-learner-row') } });
    const emailCourse = await f.createEmailCourse(tx);
    await f.createEmailContent(tx, { emailCourseId: emailCourse, dayNumber: 1 });
    await f.createEmailSubscription(tx, { userId: studentA, emailCourseId: emailCourse, currentDay: 1 });
    for (const recipient of [studentA, studentC]) {
      const [profile] = await rowsOf(tx, sql`select email from public.profiles where id = ${recipient}`);
      await f.createMailMessage(tx, {
        to: (profile as { email: string }).email,
        subject: 'Reset your password',
        textBody: `Reset it here: https://learn.example.test/reset?token=${canary('mail-link')}`,
      });
    }

    return {
      users: { owner, other, nameless, studentA, studentB, studentC, reviewer },
      ids: await allIds(tx),
      texts: await allTexts(tx),
    };
  });
});
afterAll(async () => {
  await t?.close();
});

/** Every uuid in the database (row ids and user ids): the ids a persona could possibly name. */
async function allIds(tx: Tx): Promise<string[]> {
  const users = await sql<{ id: string }>`select id from auth.users`.execute(tx);
  const ids = new Set(users.rows.map((r) => r.id));
  for (const table of await publicTables(tx)) {
    const found = await sql<{ id: string }>`select id from ${sql.table(`public.${table}`)}`.execute(tx);
    for (const row of found.rows) ids.add(row.id);
  }
  return [...ids];
}

/** Text a persona could type: certificate codes, promo codes, emails (the worst case for text lookups). */
async function allTexts(tx: Tx): Promise<string[]> {
  const rows = await sql<{ text: string }>`
    select verification_code as text from public.certificates
    union all select code from public.promotional_codes
    union all select email from public.profiles`.execute(tx);
  return rows.rows.map((r) => r.text);
}

async function publicTables(tx: Tx): Promise<string[]> {
  const rows = await sql<{ name: string }>`
    select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm') order by 1`.execute(tx);
  return rows.rows.map((r) => r.name);
}

interface Reading {
  source: string;
  text: string;
}

/** Runs one read in its own rolled-back transaction; a permission error is kept as what it says. */
async function read(actor: Actor, source: string, work: (tx: Tx) => Promise<unknown>): Promise<Reading> {
  const text = await rolledBack(t.db, actor, async (tx) => {
    try {
      return JSON.stringify(await work(tx));
    } catch (error) {
      if (isDenial(error)) return `denied: ${(error as Error).message}`;
      throw new Error(`${source}: ${sqlState(error)} ${(error as Error).message}`, { cause: error });
    }
  });
  return { source, text };
}

const rowsOf = async (tx: Tx, query: ReturnType<typeof sql>) => (await query.execute(tx)).rows;

/** Everything `actor` can read: whole rows, granted columns, every executable function. */
async function readEverything(actor: Actor): Promise<Reading[]> {
  const readings: Reading[] = [];
  const relations = [
    ...(await rolledBack(t.db, actor, publicTables)).map((name) => `public.${name}`),
    'auth.users',
  ];
  for (const relation of relations) {
    readings.push(
      await read(actor, `${relation} (whole rows)`, (tx) =>
        rowsOf(tx, sql`select to_jsonb(r) as row from ${sql.table(relation)} r`),
      ),
    );
    const columns = await rolledBack(t.db, actor, async (tx) =>
      (
        await sql<{ column: string }>`
          select attname as column from pg_attribute
           where attrelid = ${relation}::regclass and attnum > 0 and not attisdropped
             and has_column_privilege(${relation}::regclass, attnum, 'SELECT')`.execute(tx)
      ).rows.map((r) => r.column),
    );
    if (columns.length > 0) {
      readings.push(
        await read(actor, `${relation} (granted columns)`, (tx) =>
          rowsOf(
            tx,
            sql`select to_jsonb(r) as row from (select ${sql.join(columns.map((c) => sql.ref(c)))} from ${sql.table(relation)}) r`,
          ),
        ),
      );
    }
  }

  const functions = await rolledBack(
    t.db,
    actor,
    async (tx) =>
      (
        await sql<{ name: string; args: string }>`
        select p.oid::regproc::text as name, array_to_string(p.proargtypes::regtype[], ', ') as args
          from pg_proc p join pg_namespace n on n.oid = p.pronamespace
         where n.nspname in ('public', 'private', 'auth') and p.prokind = 'f'
           and p.prorettype <> 'trigger'::regtype and has_function_privilege(p.oid, 'EXECUTE')
         order by 1, 2`.execute(tx)
      ).rows,
  );
  for (const fn of functions) {
    const call = callFor(fn.name, fn.args);
    readings.push(await read(actor, `${fn.name}(${fn.args})`, (tx) => rowsOf(tx, call)));
  }
  return readings;
}

/** A call of `name` with every value a persona could name for each argument type. */
function callFor(name: string, args: string) {
  const fn = sql.raw(name); // from pg_proc, not from input
  const ids = world.ids;
  const texts = world.texts;
  switch (args) {
    case '':
      return sql`select to_jsonb(r) as row from ${fn}() r`;
    case 'uuid':
      return sql`select to_jsonb(r) as row from unnest(${ids}::uuid[]) as a(v) cross join lateral ${fn}(a.v) r`;
    case 'uuid[]':
      return sql`select to_jsonb(r) as row from ${fn}(${ids}::uuid[]) r`;
    case 'text':
      return sql`select to_jsonb(r) as row from unnest(${texts}::text[]) as a(v) cross join lateral ${fn}(a.v) r`;
    case 'timestamp with time zone':
      return sql`select to_jsonb(r) as row from ${fn}(now() - interval '1 hour') r`;
    case 'uuid, text':
      return sql`select to_jsonb(r) as row from unnest(${ids}::uuid[]) as a(v)
                   cross join unnest(${texts}::text[]) as b(t) cross join lateral ${fn}(a.v, b.t) r`;
    case 'text, text':
      return sql`select to_jsonb(r) as row from unnest(${texts}::text[]) as a(v)
                   cross join unnest(${texts}::text[]) as b(t) cross join lateral ${fn}(a.v, b.t) r`;
    case 'text, integer': // search_published_courses(search, fuzzy_below): with and without the typo search
      return sql`select to_jsonb(r) as row from unnest(${texts}::text[]) as a(v)
                   cross join (values (0), (1000)) as b(n) cross join lateral ${fn}(a.v, b.n) r`;
    case 'uuid, text, timestamp with time zone':
      return sql`select to_jsonb(r) as row from unnest(${ids}::uuid[]) as a(v)
                   cross join unnest(${texts}::text[]) as b(t) cross join lateral ${fn}(a.v, b.t, null) r`;
    case 'uuid, integer':
      return sql`select to_jsonb(r) as row from unnest(${ids}::uuid[]) as a(v)
                   cross join generate_series(0, 5) as d(day) cross join lateral ${fn}(a.v, d.day) r`;
    case 'uuid, uuid, jsonb, bigint': // quiz_save_answer(attempt, question, answer, client_seq)
      return sql`select to_jsonb(r) as row from unnest(${ids}::uuid[]) as a(v) cross join unnest(${ids}::uuid[]) as b(w)
                   cross join lateral ${fn}(a.v, b.w, '{"choices": []}'::jsonb, 1) r`;
    case 'uuid, uuid, integer, integer': // quiz_grant_extra(quiz, learner, attempts, minutes)
      return sql`select to_jsonb(r) as row from unnest(${ids}::uuid[]) as a(v) cross join unnest(${ids}::uuid[]) as b(w)
                   cross join lateral ${fn}(a.v, b.w, 1, 1) r`;
    case 'text, jsonb, jsonb': // enqueue_job(name, data, options) — system only; rolled back
      return sql`select to_jsonb(r) as row from ${fn}('canary-read', '{}'::jsonb, '{}'::jsonb) r`;
    case 'uuid, integer, boolean, jsonb': // record_publish_check(challenge, version, passed, check)
      return sql`select to_jsonb(r) as row from unnest(${ids}::uuid[]) as a(v)
                   cross join lateral ${fn}(a.v, 1, false, '{}'::jsonb) r`;
    case 'uuid, text, jsonb, integer, integer, integer, integer, text': // record_code_verdict(…)
      return sql`select to_jsonb(r) as row from unnest(${ids}::uuid[]) as a(v)
                   cross join lateral ${fn}(a.v, 'wrong_answer', '[]'::jsonb, 1, 1, 0, 1, null) r`;
    case 'uuid, text, integer, boolean': // update_plan(plan, name, price, active): nulls change nothing
      return sql`select to_jsonb(r) as row from unnest(${ids}::uuid[]) as a(v) cross join lateral ${fn}(a.v, null, null, null) r`;
    case 'uuid, text, text, text, timestamp with time zone': // fulfil_checkout (system only)
      return sql`select to_jsonb(r) as row from unnest(${ids}::uuid[]) as a(v) cross join lateral ${fn}(a.v, null, null, null, null) r`;
    case 'uuid, text, text, integer': // revoke_checkout (system only)
      return sql`select to_jsonb(r) as row from unnest(${ids}::uuid[]) as a(v) cross join lateral ${fn}(a.v, 'refunded', null, null) r`;
    case 'text, uuid, text, uuid, integer': // promo_outcome(code, user, product type, course, price) (system only)
      return sql`select to_jsonb(r) as row from unnest(${texts}::text[]) as b(t) cross join unnest(${ids}::uuid[]) as a(v)
                   cross join lateral ${fn}(b.t, a.v, 'course', a.v, 1000) r`;
    case 'uuid, uuid[]': // live_learner_cards(course, users): names for those who manage the course
      return sql`select to_jsonb(r) as row from unnest(${ids}::uuid[]) as a(v) cross join lateral ${fn}(a.v, ${ids}::uuid[]) r`;
    case 'uuid, uuid, jsonb': // quiz_record_code_grade(attempt, question, outcome) — system only; rolled back
      return sql`select to_jsonb(r) as row from unnest(${ids}::uuid[]) as a(v) cross join unnest(${ids}::uuid[]) as b(w)
                   cross join lateral ${fn}(a.v, b.w, '{"status": "wrong_answer", "passedTests": 0, "totalTests": 1}'::jsonb) r`;
    case 'text, timestamp with time zone': // paid_period_end(subscription, period end) (system only)
      return sql`select to_jsonb(r) as row from unnest(${texts}::text[]) as b(t) cross join lateral ${fn}(b.t, now()) r`;
    case 'uuid, jsonb, boolean': // settle_checkout(checkout, refunds, dispute lost) — system only; rolled back
      return sql`select to_jsonb(r) as row from unnest(${ids}::uuid[]) as a(v) cross join lateral ${fn}(a.v, '[]'::jsonb, false) r`;
    case 'text, text, text, uuid, uuid, integer, text, timestamp with time zone, timestamp with time zone, jsonb, boolean, text, text': // settle_invoice — system only; rolled back
      return sql`select to_jsonb(r) as row from unnest(${texts}::text[]) as b(t)
                   cross join lateral ${fn}(b.t, 'stripe', b.t, null, null, 1, 'USD', now(), now(), '[]'::jsonb, false, null, 'x') r`;
    case 'uuid[], integer[], integer[], timestamp with time zone[], timestamp with time zone[], uuid[], timestamp with time zone[], integer[]': {
      // write_heartbeats(lessons, positions, watched, client times, accessed, chain…): a write as the
      // caller, under RLS (rolled back); one heartbeat on every id a persona could name
      const n = ids.length;
      return sql`select to_jsonb(r) as row from ${fn}(${ids}::uuid[], array_fill(0, array[${n}::int]),
                   array_fill(0, array[${n}::int]), array_fill(now(), array[${n}::int]),
                   array_fill(now(), array[${n}::int]), ${ids}::uuid[], array_fill(now(), array[${n}::int]),
                   array_fill(1, array[${n}::int])) r`;
    }
    default:
      throw new Error(
        `Teach canaries.db.test.ts to call ${name}(${args}): every executable function is read.`,
      );
  }
}

function leaks(readings: Reading[], forbidden: Canary[]): string[] {
  return forbidden.flatMap((c) =>
    readings
      .filter((r) => r.text.toLowerCase().includes(c.token))
      .map((r) => `${c.kind} ${c.token} in ${r.source}`),
  );
}

const tokensOf = (...kinds: Kind[]) => canaries.filter((c) => kinds.includes(c.kind));

describe('canaries are planted (controls)', () => {
  it('the system finds every canary in the database', async () => {
    const readings = await readEverything({ kind: 'system', label: 'admin', id: world.users.owner });
    expect(leaks(readings, canaries).length).toBeGreaterThanOrEqual(canaries.length);
    const missing = canaries.filter((c) => !readings.some((r) => r.text.toLowerCase().includes(c.token)));
    expect(missing).toEqual([]);
  });

  it('the owner gets answer keys, solutions, hidden tests and paid content through the permitted paths', async () => {
    const owner: Actor = { kind: 'user', label: 'owner', id: world.users.owner };
    const readings = await readEverything(owner);
    const found = new Set(
      leaks(
        readings,
        tokensOf('answer-key-option', 'solution-code', 'hidden-test', 'content-x', 'promo-code'),
      ).map((l) => l.split(' ')[0]),
    );
    expect([...found].sort()).toEqual([
      'answer-key-option',
      'content-x',
      'hidden-test',
      'promo-code',
      'solution-code',
    ]);
  });
});

describe.each([
  { persona: 'anon' as const, allowed: [] as Kind[] },
  { persona: 'studentA' as const, allowed: ['content-x'] as Kind[] }, // enrolled in X
  { persona: 'studentB' as const, allowed: [] as Kind[] },
])('$persona', ({ persona, allowed }) => {
  let readings: Reading[];
  beforeAll(async () => {
    const actor: Actor =
      persona === 'anon' ? { kind: 'anon' } : { kind: 'user', label: persona, id: world.users[persona] };
    readings = await readEverything(actor);
  });

  it(`${persona} · reads something real (control: the readings are not all denials)`, () => {
    const all = readings.map((r) => r.text).join('\n');
    expect(all).toContain('free preview text'); // a preview lesson's content, for anyone
    expect(all).toContain('Olga Owner'); // the owner's public card / instructor name
    if (persona === 'studentA') {
      expect(all).toContain('visible-input-1'); // visible tests of a challenge A may read
      expect(all.toLowerCase()).toContain(canaries.find((c) => c.owner === world.users.studentA)!.token); // own email
      // X's paid content, which A is enrolled for: proves the lesson_content path is in the readings.
      expect(leaks(readings, tokensOf('content-x')).length).toBeGreaterThanOrEqual(3);
    }
  });

  it.each(KINDS.filter((kind) => !allowed.includes(kind)))(`${persona} · no %s canary anywhere`, (kind) => {
    const me = persona === 'anon' ? undefined : world.users[persona];
    const forbidden = canaries.filter((c) => c.kind === kind && !(c.owner && c.owner === me));
    expect(forbidden.length, 'control: canaries of this kind were planted').toBeGreaterThan(0);
    expect(leaks(readings, forbidden)).toEqual([]);
  });
});

describe('SECURITY DEFINER predicates reveal nothing about other users', () => {
  it("studentB cannot learn whether another user's subscription is active", async () => {
    const subscriber = await t.db.asSystem((tx) => f.createUser(tx, { subscription: 'active' }));
    // The only subscription question a request role can ask is about itself: no variant takes a user id.
    const variants = await t.db.asSystem((tx) =>
      rowsOf(
        tx,
        sql`select p.oid::regprocedure::text as signature from pg_proc p
                      where p.proname = 'has_active_subscription'`,
      ),
    );
    expect(variants).toEqual([{ signature: 'private.has_active_subscription()' }]);
    const ask = (actor: Actor) =>
      rolledBack(t.db, actor, async (tx) => {
        const [row] = await rowsOf(tx, sql`select private.has_active_subscription() as active`);
        return (row as { active: boolean }).active;
      });
    // Control: the subscriber's own question is answered truthfully; B's answer is about B.
    expect(await ask({ kind: 'user', label: 'studentA', id: subscriber.id })).toBe(true);
    expect(await ask({ kind: 'user', label: 'studentB', id: world.users.studentB })).toBe(false);
  });
});
