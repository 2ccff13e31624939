import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as f from '../../../tests/helpers/factories.ts';
import { createTestDatabase, type TestDatabase } from '../../../tests/helpers/test-db.ts';
import type { SessionUser, Tx } from '../../db/session.ts';

// 0023_quiz_question_keys.sql: a question written directly (not through the API) must still have
// a complete answer key. Written as the course owner, whom RLS lets insert questions.

let t: TestDatabase;
let owner: SessionUser;
let quizId: string;

beforeAll(async () => {
  t = await createTestDatabase();
  ({ owner, quizId } = await t.db.asSystem(async (tx) => {
    const user = await f.createUser(tx, { role: 'instructor' });
    const courseId = await f.createCourse(tx, { instructorId: user.id });
    return { owner: { id: user.id, email: user.email }, quizId: await f.createQuiz(tx, { courseId }) };
  }));
});

afterAll(async () => {
  await t?.close();
});

const opts = (...correct: boolean[]) =>
  JSON.stringify(
    correct.map((isCorrect, i) => ({ id: `o${i}`, text: `Option ${i}`, is_correct: isCorrect })),
  );

let order = 0;
function insert(values: Record<string, unknown>) {
  order += 1;
  return t.db.asUser(owner, (tx: Tx) =>
    tx
      .insertInto('quizQuestions')
      .values({ quizId, questionText: 'Q?', sortOrder: order, ...values } as never)
      .returning('id')
      .executeTakeFirstOrThrow(),
  );
}
const refused = (values: Record<string, unknown>, rule: RegExp) =>
  expect(insert(values)).rejects.toThrow(rule);

describe('quiz question keys (constraint trigger quiz_questions_key_complete)', () => {
  it('accepts complete keys of every type', async () => {
    await insert({ questionType: 'multiple_choice', options: opts(false, true, false) });
    await insert({ questionType: 'multiple_choice', allowMultiple: true, options: opts(true, true, false) });
    await insert({ questionType: 'true_false', options: opts(true, false) });
    await insert({ questionType: 'short_answer', acceptedAnswers: JSON.stringify(['', 'Paris']) });
    await insert({ questionType: 'code', programmingLanguage: 'python' });
  });

  it('refuses choice questions without options, without a correct one, or with several for one answer', async () => {
    await refused({ questionType: 'multiple_choice' }, /needs options/);
    await refused({ questionType: 'multiple_choice', options: '[]' }, /needs options/);
    await refused(
      { questionType: 'multiple_choice', options: opts(false, false) },
      /at least one option correct/,
    );
    await refused({ questionType: 'multiple_choice', options: opts(true, true) }, /exactly one option/);
    await refused({ questionType: 'true_false', options: opts(true, true) }, /exactly one option/);
    await refused({ questionType: 'true_false', options: opts(false, false) }, /at least one option correct/);
    await refused({ questionType: 'true_false' }, /needs options/);
  });

  it('refuses malformed options: missing id, duplicate ids, a string is_correct', async () => {
    await refused(
      { questionType: 'multiple_choice', options: JSON.stringify([{ text: 'A', is_correct: true }]) },
      /non-empty string id/,
    );
    await refused(
      {
        questionType: 'multiple_choice',
        allowMultiple: true,
        options: JSON.stringify([
          { id: 'a', text: 'A', is_correct: true },
          { id: 'a', text: 'B', is_correct: true },
        ]),
      },
      /unique/,
    );
    await refused(
      {
        questionType: 'multiple_choice',
        options: JSON.stringify([{ id: 'a', text: 'A', is_correct: 'true' }]),
      },
      /boolean is_correct/,
    );
  });

  it('refuses a short answer without a non-blank accepted answer, and a code question without a language', async () => {
    await refused({ questionType: 'short_answer' }, /accepted answer/);
    await refused(
      { questionType: 'short_answer', acceptedAnswers: JSON.stringify(['  ']) },
      /accepted answer/,
    );
    await refused({ questionType: 'short_answer', acceptedAnswers: JSON.stringify([42]) }, /accepted answer/);
    await refused({ questionType: 'code' }, /programming_language/);
  });

  it('reports SQLSTATE 23514 (check_violation), like a CHECK constraint', async () => {
    const error = await insert({ questionType: 'short_answer' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: '23514' });
  });

  it('checks updates of the key, but lets a question be trashed whatever its key', async () => {
    const { id } = await insert({ questionType: 'multiple_choice', options: opts(true, false) });
    await expect(
      t.db.asUser(owner, (tx) =>
        tx
          .updateTable('quizQuestions')
          .set({ options: opts(false, false) })
          .where('id', '=', id)
          .execute(),
      ),
    ).rejects.toThrow(/at least one option correct/);
    await expect(
      t.db.asUser(owner, (tx) =>
        tx.updateTable('quizQuestions').set({ questionType: 'short_answer' }).where('id', '=', id).execute(),
      ),
    ).rejects.toThrow(/accepted answer/);
    // An old incomplete row (written before 0023) can always go to the trash.
    await sql`ALTER TABLE public.quiz_questions DISABLE TRIGGER quiz_questions_key_complete`.execute(
      t.handle.kysely,
    );
    const { id: legacy } = await insert({ questionType: 'short_answer' });
    await sql`ALTER TABLE public.quiz_questions ENABLE TRIGGER quiz_questions_key_complete`.execute(
      t.handle.kysely,
    );
    await t.db.asUser(owner, (tx) =>
      tx.updateTable('quizQuestions').set({ deletedAt: new Date() }).where('id', '=', legacy).execute(),
    );
  });

  it('may be deferred to the end of a transaction that fixes the key in a second statement', async () => {
    const id = await t.db.asUser(owner, async (tx) => {
      await sql`SET CONSTRAINTS quiz_questions_key_complete DEFERRED`.execute(tx);
      const row = await tx
        .insertInto('quizQuestions')
        .values({ quizId, questionText: 'Later', questionType: 'short_answer', sortOrder: 99 })
        .returning('id')
        .executeTakeFirstOrThrow();
      await tx
        .updateTable('quizQuestions')
        .set({ acceptedAnswers: JSON.stringify(['now']) })
        .where('id', '=', row.id)
        .execute();
      return row.id;
    });
    expect(id).toBeTruthy();
    await expect(
      t.db.asUser(owner, async (tx) => {
        await sql`SET CONSTRAINTS quiz_questions_key_complete DEFERRED`.execute(tx);
        await tx
          .insertInto('quizQuestions')
          .values({ quizId, questionText: 'Never', questionType: 'short_answer', sortOrder: 100 })
          .execute();
      }),
    ).rejects.toThrow(/accepted answer/);
  });
});
