import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../tests/helpers/test-db.ts';

// Grading lives in the database (private.quiz_grade_answer, 0020): learners never hold the key, so
// the server cannot grade in TypeScript as them. These tables pin every rule of contracts/quizzes.ts.

let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.close();
});

interface Key {
  type: 'multiple_choice' | 'true_false' | 'short_answer' | 'code';
  allowMultiple?: boolean;
  options?: { id: string; is_correct: boolean }[];
  accepted?: string[];
  caseSensitive?: boolean;
  tolerance?: number | null;
  points?: number;
}

async function grade(key: Key, answer: unknown): Promise<[string, number]> {
  const { rows } = await sql<{ result: string; pointsEarned: number }>`
    select * from private.quiz_grade_answer(
      ${key.type}, ${key.allowMultiple ?? false}, ${JSON.stringify(key.options ?? null)}::jsonb,
      ${JSON.stringify(key.accepted ?? null)}::jsonb, ${key.caseSensitive ?? false},
      ${key.tolerance ?? null}::numeric, ${key.points ?? 2}, ${JSON.stringify(answer)}::jsonb)`.execute(
    t.handle.kysely,
  );
  return [rows[0]!.result, Number(rows[0]!.pointsEarned)];
}

const single: Key = {
  type: 'multiple_choice',
  options: [
    { id: 'a', is_correct: true },
    { id: 'b', is_correct: false },
    { id: 'c', is_correct: false },
  ],
};
const multi: Key = {
  type: 'multiple_choice',
  allowMultiple: true,
  points: 2,
  options: [
    { id: 'a', is_correct: true },
    { id: 'b', is_correct: true },
    { id: 'c', is_correct: false },
    { id: 'd', is_correct: false },
  ],
};
const trueFalse: Key = {
  type: 'true_false',
  options: [
    { id: 'true', is_correct: false },
    { id: 'false', is_correct: true },
  ],
};

describe('single choice and true/false', () => {
  it.each([
    [{ choices: ['a'] }, 'correct', 2],
    [{ choices: ['b'] }, 'incorrect', 0],
    [{ choices: ['a', 'b'] }, 'incorrect', 0], // two choices on a single-answer question
    [{ choices: [] }, 'unanswered', 0],
    [{}, 'unanswered', 0],
    [{ text: 'a' }, 'unanswered', 0], // wrong shape counts as no choice
  ])('%j → %s (%d points)', async (answer, result, points) => {
    expect(await grade(single, answer)).toEqual([result, points]);
  });

  it.each([
    [{ choices: ['false'] }, 'correct', 2],
    [{ choices: ['true'] }, 'incorrect', 0],
    [{ choices: [] }, 'unanswered', 0],
  ])('true/false %j → %s', async (answer, result, points) => {
    expect(await grade(trueFalse, answer)).toEqual([result, points]);
  });
});

describe('multiple choice with several answers: proportional, wrong choices penalised', () => {
  it.each([
    [['a', 'b'], 'correct', 2],
    [['b', 'a'], 'correct', 2],
    [['a'], 'partial', 1],
    [['a', 'c'], 'incorrect', 0], // one right, one wrong: 0
    [['a', 'b', 'c'], 'partial', 1], // both right, one wrong: (2 - 1) / 2
    [['c', 'd'], 'incorrect', 0], // never below zero
    [['a', 'b', 'c', 'd'], 'incorrect', 0], // choosing everything earns nothing
    [['a', 'a'], 'partial', 1], // a repeated id counts once
    [[], 'unanswered', 0],
  ])('%j → %s (%d of 2 points)', async (choices, result, points) => {
    expect(await grade(multi, { choices })).toEqual([result, points]);
  });

  it('rounds fractional credit to 2 decimals', async () => {
    const three: Key = {
      type: 'multiple_choice',
      allowMultiple: true,
      points: 1,
      options: [
        { id: 'a', is_correct: true },
        { id: 'b', is_correct: true },
        { id: 'c', is_correct: true },
      ],
    };
    expect(await grade(three, { choices: ['a'] })).toEqual(['partial', 0.33]);
    expect(await grade(three, { choices: ['a', 'b'] })).toEqual(['partial', 0.67]);
  });
});

describe('short answer', () => {
  const capital: Key = { type: 'short_answer', accepted: ['Paris', 'Ville Lumière'], points: 3 };
  it.each([
    ['Paris', 'correct', 3],
    ['  paris ', 'correct', 3], // trimmed, case-insensitive
    ['PARIS', 'correct', 3],
    ['ville   lumière', 'correct', 3], // inner whitespace collapsed
    ['VILLE LUMIÈRE', 'correct', 3], // unicode case folding
    ['Ville Lumie\u0300re', 'correct', 3], // e + combining grave: NFKC composes it to è
    ['Ｐａｒｉｓ', 'correct', 3], // full-width letters → NFKC
    ['Lyon', 'incorrect', 0],
    ['', 'unanswered', 0],
    ['   ', 'unanswered', 0],
  ])('%j → %s', async (text, result, points) => {
    expect(await grade(capital, { text })).toEqual([result, points]);
  });

  it('is case-sensitive when asked', async () => {
    const key: Key = { type: 'short_answer', accepted: ['NaCl'], caseSensitive: true };
    expect((await grade(key, { text: 'NaCl' }))[0]).toBe('correct');
    expect((await grade(key, { text: ' NaCl  ' }))[0]).toBe('correct');
    expect((await grade(key, { text: 'nacl' }))[0]).toBe('incorrect');
  });

  it('matches numbers within the tolerance, and only then', async () => {
    const pi: Key = { type: 'short_answer', accepted: ['3.14'], tolerance: 0.01 };
    for (const text of ['3.14', '3.141', '3.15', '3,14', ' 3.13 ', '+3.14', '314e-2', '３.１４'])
      expect([text, (await grade(pi, { text }))[0]]).toEqual([text, 'correct']);
    for (const text of ['3.2', '3.12', 'pi', '3.14.1', '-3.14'])
      expect([text, (await grade(pi, { text }))[0]]).toEqual([text, 'incorrect']);
    // Without a tolerance, numbers compare as text.
    const exact: Key = { type: 'short_answer', accepted: ['3.14'] };
    expect((await grade(exact, { text: '3.140' }))[0]).toBe('incorrect');
    expect((await grade(exact, { text: '3.14' }))[0]).toBe('correct');
  });

  it('a zero tolerance still compares numerically', async () => {
    const key: Key = { type: 'short_answer', accepted: ['42'], tolerance: 0 };
    expect((await grade(key, { text: '42.0' }))[0]).toBe('correct');
    expect((await grade(key, { text: '42.0001' }))[0]).toBe('incorrect');
  });
});

describe('code questions', () => {
  const code: Key = { type: 'code', points: 5 };
  it('are pending (0 points, never correct) until the judge grades them', async () => {
    expect(await grade(code, { code: 'print(1)', language: 'python' })).toEqual(['pending', 0]);
  });
  it('blank code is unanswered', async () => {
    expect(await grade(code, { code: '   ' })).toEqual(['unanswered', 0]);
    expect(await grade(code, {})).toEqual(['unanswered', 0]);
  });
});
