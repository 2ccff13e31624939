import { describe, expect, it } from 'vitest';
import {
  questionInputSchema,
  updateQuizSchema,
  type AuthoringQuestion,
  type AuthoringQuiz,
} from '../../../../contracts/quizzes.ts';
import {
  emptyQuestionForm,
  markCorrect,
  moveItem,
  toQuestionBody,
  toQuestionForm,
  toSettingsBody,
  toSettingsForm,
} from './quiz-form.ts';

const question: AuthoringQuestion = {
  id: '00000000-0000-4000-8000-000000000031',
  quizId: '00000000-0000-4000-8000-000000000041',
  position: 0,
  questionType: 'multiple_choice',
  questionText: 'Which are prime?',
  explanation: 'Two and three.',
  hint: null,
  points: 2,
  allowMultiple: true,
  options: [
    { id: 'two', text: '2', isCorrect: true },
    { id: 'three', text: '3', isCorrect: true },
    { id: 'four', text: '4', isCorrect: false },
  ],
  acceptedAnswers: null,
  caseSensitive: false,
  numericTolerance: null,
  programmingLanguage: null,
  codeTemplate: null,
  testCases: null,
  updatedAt: '2026-01-01T00:00:00.000Z',
};

describe('question form', () => {
  it('round-trips a multi-answer question, keeping option ids', () => {
    const body = toQuestionBody(toQuestionForm(question));
    expect(body).toEqual({
      questionType: 'multiple_choice',
      questionText: 'Which are prime?',
      points: 2,
      explanation: 'Two and three.',
      hint: null,
      allowMultiple: true,
      options: question.options,
    });
    expect(questionInputSchema.safeParse(body).success).toBe(true);
  });

  it('reads true/false from the stored options and sends correctAnswer', () => {
    const tf: AuthoringQuestion = {
      ...question,
      questionType: 'true_false',
      allowMultiple: false,
      options: [
        { id: 'true', text: 'True', isCorrect: false },
        { id: 'false', text: 'False', isCorrect: true },
      ],
    };
    const form = toQuestionForm(tf);
    expect(form.kind).toBe('true_false');
    expect(toQuestionBody(form)).toMatchObject({ questionType: 'true_false', correctAnswer: false });
  });

  it('splits accepted answers by line and reads a decimal tolerance with a comma', () => {
    const form = {
      ...emptyQuestionForm('short_answer'),
      questionText: 'Pi to two places?',
      acceptedAnswers: ' 3.14 \n\n3,14\n',
      numericTolerance: '0,01',
    };
    const body = toQuestionBody(form);
    expect(body).toMatchObject({ acceptedAnswers: ['3.14', '3,14'], numericTolerance: 0.01 });
    expect(questionInputSchema.safeParse(body).success).toBe(true);
  });

  it('lets the schema refuse what is incomplete: no accepted answer, no correct option, bad points', () => {
    const short = toQuestionBody({ ...emptyQuestionForm('short_answer'), questionText: 'Q' });
    expect(questionInputSchema.safeParse(short).success).toBe(false);
    const noneCorrect = toQuestionBody({
      ...emptyQuestionForm('single'),
      questionText: 'Q',
      options: [
        { text: 'a', isCorrect: false },
        { text: 'b', isCorrect: false },
      ],
    });
    expect(questionInputSchema.safeParse(noneCorrect).success).toBe(false);
    const points = toQuestionBody({ ...toQuestionForm(question), points: 'two' });
    expect(questionInputSchema.safeParse(points).success).toBe(false);
  });

  it('marks one option for single choice and toggles for several', () => {
    const options = toQuestionForm(question).options;
    expect(markCorrect(options, 2, false).map((o) => o.isCorrect)).toEqual([false, false, true]);
    expect(markCorrect(options, 0, true).map((o) => o.isCorrect)).toEqual([false, true, false]);
  });

  it('moves items one step, not past the ends', () => {
    expect(moveItem(['a', 'b', 'c'], 0, 1)).toEqual(['b', 'a', 'c']);
    expect(moveItem(['a', 'b', 'c'], 0, -1)).toEqual(['a', 'b', 'c']);
    expect(moveItem(['a', 'b', 'c'], 2, -2)).toEqual(['c', 'a', 'b']);
  });
});

describe('settings form', () => {
  it('sends blanks as null (no limit, unlimited) and refuses words for numbers', () => {
    const quiz = {
      title: 'Checkpoint',
      description: null,
      instructions: null,
      quizType: 'graded',
      passingScore: 70,
      timeLimitMinutes: 10,
      maxAttempts: 3,
      randomizeQuestions: false,
      randomizeAnswers: true,
      showCorrectAnswers: 'after_submission',
    } as AuthoringQuiz;
    const form = toSettingsForm(quiz);
    const body = toSettingsBody({ ...form, timeLimitMinutes: ' ', maxAttempts: '' });
    expect(body).toMatchObject({ timeLimitMinutes: null, maxAttempts: null, passingScore: 70 });
    expect(updateQuizSchema.safeParse(body).success).toBe(true);
    expect(updateQuizSchema.safeParse(toSettingsBody({ ...form, passingScore: 'seventy' })).success).toBe(
      false,
    );
  });
});
