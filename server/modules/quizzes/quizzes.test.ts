import { describe, expect, it } from 'vitest';
import {
  createQuizSchema,
  extraGrantInputSchema,
  questionInputSchema,
  saveAnswerSchema,
  updateQuizSchema,
} from '../../../contracts/quizzes.ts';
import { questionValues } from './quizzes.service.ts';

describe('quiz contracts', () => {
  it('fill the seed defaults for a new quiz', () => {
    expect(createQuizSchema.parse({ title: 'Quiz' })).toEqual({
      title: 'Quiz',
      lessonId: null,
      description: null,
      instructions: null,
      quizType: 'graded',
      passingScore: 70,
      timeLimitMinutes: null,
      maxAttempts: 3,
      randomizeQuestions: false,
      randomizeAnswers: true,
      showCorrectAnswers: 'after_submission',
    });
  });

  it('refuse counters and unknown fields, and accept only the seed values', () => {
    expect(createQuizSchema.safeParse({ title: 'Q', totalPoints: 5 }).success).toBe(false);
    expect(createQuizSchema.safeParse({ title: 'Q', showCorrectAnswers: 'always' }).success).toBe(false);
    expect(createQuizSchema.safeParse({ title: 'Q', passingScore: 101 }).success).toBe(false);
    expect(updateQuizSchema.safeParse({}).success).toBe(false);
    expect(updateQuizSchema.safeParse({ maxAttempts: null }).success).toBe(true);
  });

  it('refuse client-sent scores and keys in answers', () => {
    expect(saveAnswerSchema.safeParse({ answer: { choices: ['a'] }, clientSeq: 1 }).success).toBe(true);
    expect(saveAnswerSchema.safeParse({ answer: { choices: ['a'] }, clientSeq: 1, score: 9 }).success).toBe(
      false,
    );
    expect(
      saveAnswerSchema.safeParse({ answer: { choices: ['a'], isCorrect: true }, clientSeq: 1 }).success,
    ).toBe(false);
    expect(saveAnswerSchema.safeParse({ answer: { text: 'x' }, clientSeq: 0 }).success).toBe(false);
    expect(saveAnswerSchema.safeParse({ answer: { text: 'x' }, clientSeq: 1.5 }).success).toBe(false);
  });

  it('need at least one thing granted', () => {
    const userId = crypto.randomUUID();
    expect(extraGrantInputSchema.safeParse({ userId }).success).toBe(false);
    expect(extraGrantInputSchema.parse({ userId, extraAttempts: 1 })).toEqual({
      userId,
      extraAttempts: 1,
      extraMinutes: 0,
    });
  });
});

describe('question input', () => {
  it('single choice needs exactly one correct option; multiple needs at least one', () => {
    const options = (...correct: boolean[]) => correct.map((isCorrect, i) => ({ text: `o${i}`, isCorrect }));
    const mc = (allowMultiple: boolean, ...correct: boolean[]) =>
      questionInputSchema.safeParse({
        questionType: 'multiple_choice',
        questionText: 'Q',
        allowMultiple,
        options: options(...correct),
      }).success;
    expect(mc(false, true, false)).toBe(true);
    expect(mc(false, true, true)).toBe(false);
    expect(mc(false, false, false)).toBe(false);
    expect(mc(true, true, true, false)).toBe(true);
    expect(mc(true, false, false)).toBe(false);
  });

  it('maps to the stored shape: generated option ids, true/false options, snake_case keys', () => {
    const mc = questionValues(
      questionInputSchema.parse({
        questionType: 'multiple_choice',
        questionText: 'Q',
        options: [
          { id: 'keep', text: 'A', isCorrect: true },
          { text: 'B', isCorrect: false },
        ],
      }),
    );
    expect(mc.options![0]).toEqual({ id: 'keep', text: 'A', is_correct: true });
    expect(mc.options![1]!.id).toMatch(/^o[0-9a-f]{6}$/);
    expect(mc.options![1]!.is_correct).toBe(false);

    const tf = questionValues(
      questionInputSchema.parse({ questionType: 'true_false', questionText: 'Q', correctAnswer: false }),
    );
    expect(tf.options).toEqual([
      { id: 'true', text: 'True', is_correct: false },
      { id: 'false', text: 'False', is_correct: true },
    ]);

    const code = questionValues(
      questionInputSchema.parse({
        questionType: 'code',
        questionText: 'Q',
        programmingLanguage: 'python',
        testCases: [{ input: '1', expectedOutput: '2' }],
      }),
    );
    expect(code).toMatchObject({
      programmingLanguage: 'python',
      testCases: [{ input: '1', expected_output: '2' }],
      options: null,
      acceptedAnswers: null,
    });
  });
});
