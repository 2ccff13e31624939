import type {
  AuthoringQuestion,
  AuthoringQuiz,
  QuestionInput,
  UpdateQuizInput,
} from '../../../../contracts/quizzes.ts';

/**
 * The quiz editor's forms as typed (strings for numbers), the bodies they send, and back. Pure,
 * tested without a browser; the server's schemas (contracts/quizzes.ts) decide what is valid.
 */

export const QUIZ_TYPE_LABELS = {
  practice: 'Practice (not graded)',
  graded: 'Graded',
  final_exam: 'Final exam',
} as const;

export const SHOW_ANSWERS_LABELS = {
  immediately: 'Immediately, after each answer is checked',
  after_submission: 'After the attempt is submitted',
  never: 'Never (score only)',
} as const;

export const QUESTION_TYPE_LABELS = {
  single: 'Multiple choice — one answer',
  multi: 'Multiple choice — several answers',
  true_false: 'True / false',
  short_answer: 'Short answer',
  code: 'Code',
} as const;
export type QuestionKind = keyof typeof QUESTION_TYPE_LABELS;

export interface QuizSettingsForm {
  title: string;
  description: string;
  instructions: string;
  quizType: keyof typeof QUIZ_TYPE_LABELS;
  passingScore: string;
  /** Blank = no time limit. */
  timeLimitMinutes: string;
  /** Blank = unlimited. */
  maxAttempts: string;
  randomizeQuestions: boolean;
  randomizeAnswers: boolean;
  showCorrectAnswers: keyof typeof SHOW_ANSWERS_LABELS;
}

export function toSettingsForm(quiz: AuthoringQuiz): QuizSettingsForm {
  return {
    title: quiz.title,
    description: quiz.description ?? '',
    instructions: quiz.instructions ?? '',
    quizType: quiz.quizType,
    passingScore: String(quiz.passingScore),
    timeLimitMinutes: quiz.timeLimitMinutes === null ? '' : String(quiz.timeLimitMinutes),
    maxAttempts: quiz.maxAttempts === null ? '' : String(quiz.maxAttempts),
    randomizeQuestions: quiz.randomizeQuestions,
    randomizeAnswers: quiz.randomizeAnswers,
    showCorrectAnswers: quiz.showCorrectAnswers,
  };
}

const orNull = (text: string) => (text.trim() === '' ? null : text.trim());
/** A whole number as typed; anything else becomes NaN so the schema names the field. */
const wholeNumber = (text: string) => (/^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN);
const optionalNumber = (text: string) => (text.trim() === '' ? null : wholeNumber(text));

export function toSettingsBody(form: QuizSettingsForm): UpdateQuizInput {
  return {
    title: form.title.trim(),
    description: orNull(form.description),
    instructions: orNull(form.instructions),
    quizType: form.quizType,
    passingScore: wholeNumber(form.passingScore),
    timeLimitMinutes: optionalNumber(form.timeLimitMinutes),
    maxAttempts: optionalNumber(form.maxAttempts),
    randomizeQuestions: form.randomizeQuestions,
    randomizeAnswers: form.randomizeAnswers,
    showCorrectAnswers: form.showCorrectAnswers,
  };
}

export interface OptionRow {
  /** The stored id (kept so past answers still point at the same option); absent for new rows. */
  id?: string;
  text: string;
  isCorrect: boolean;
}

export interface TestCaseRow {
  input: string;
  expectedOutput: string;
  /** Learners see only whether a hidden test passed and its time. */
  isHidden: boolean;
}

export interface QuestionForm {
  kind: QuestionKind;
  questionText: string;
  points: string;
  explanation: string;
  hint: string;
  options: OptionRow[];
  /** True/false. */
  correctAnswer: boolean;
  /** Short answer: one accepted answer per line. */
  acceptedAnswers: string;
  caseSensitive: boolean;
  /** Blank = compare as text only. */
  numericTolerance: string;
  programmingLanguage: 'python' | 'javascript' | 'java';
  codeTemplate: string;
  testCases: TestCaseRow[];
}

export function emptyQuestionForm(kind: QuestionKind = 'single'): QuestionForm {
  return {
    kind,
    questionText: '',
    points: '1',
    explanation: '',
    hint: '',
    options: [
      { text: '', isCorrect: true },
      { text: '', isCorrect: false },
    ],
    correctAnswer: true,
    acceptedAnswers: '',
    caseSensitive: false,
    numericTolerance: '',
    programmingLanguage: 'python',
    codeTemplate: '',
    testCases: [],
  };
}

export function kindOf(question: AuthoringQuestion): QuestionKind {
  if (question.questionType === 'multiple_choice') return question.allowMultiple ? 'multi' : 'single';
  return question.questionType;
}

export function toQuestionForm(question: AuthoringQuestion): QuestionForm {
  const empty = emptyQuestionForm(kindOf(question));
  return {
    ...empty,
    questionText: question.questionText,
    points: String(question.points),
    explanation: question.explanation ?? '',
    hint: question.hint ?? '',
    options:
      question.questionType === 'multiple_choice' && question.options
        ? question.options.map((o) => ({ id: o.id, text: o.text, isCorrect: o.isCorrect }))
        : empty.options,
    correctAnswer:
      question.questionType === 'true_false'
        ? (question.options?.find((o) => o.id === 'true')?.isCorrect ?? true)
        : true,
    acceptedAnswers: (question.acceptedAnswers ?? []).join('\n'),
    caseSensitive: question.caseSensitive,
    numericTolerance: question.numericTolerance === null ? '' : String(question.numericTolerance),
    programmingLanguage: question.programmingLanguage ?? 'python',
    codeTemplate: question.codeTemplate ?? '',
    testCases: question.testCases ?? [],
  };
}

/** A decimal as typed ("0.5" or "0,5"); NaN when it is not one. */
function decimal(text: string): number | null {
  const trimmed = text.trim().replace(',', '.');
  if (trimmed === '') return null;
  return /^\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : Number.NaN;
}

/** The body that adds or replaces the question; validated by questionInputSchema before sending. */
export function toQuestionBody(form: QuestionForm): QuestionInput {
  const common = {
    questionText: form.questionText.trim(),
    points: wholeNumber(form.points),
    explanation: orNull(form.explanation),
    hint: orNull(form.hint),
  };
  switch (form.kind) {
    case 'single':
    case 'multi':
      return {
        ...common,
        questionType: 'multiple_choice',
        allowMultiple: form.kind === 'multi',
        options: form.options.map((o) => ({
          ...(o.id ? { id: o.id } : {}),
          text: o.text.trim(),
          isCorrect: o.isCorrect,
        })),
      };
    case 'true_false':
      return { ...common, questionType: 'true_false', correctAnswer: form.correctAnswer };
    case 'short_answer':
      return {
        ...common,
        questionType: 'short_answer',
        acceptedAnswers: form.acceptedAnswers
          .split('\n')
          .map((line) => line.trim())
          .filter(Boolean),
        caseSensitive: form.caseSensitive,
        numericTolerance: decimal(form.numericTolerance),
      };
    case 'code':
      return {
        ...common,
        questionType: 'code',
        programmingLanguage: form.programmingLanguage,
        codeTemplate: form.codeTemplate === '' ? null : form.codeTemplate,
        testCases: form.testCases,
      };
  }
}

/** Switching a single-answer question to one answer keeps only the first correct option marked. */
export function markCorrect(options: OptionRow[], index: number, multi: boolean): OptionRow[] {
  return options.map((o, i) =>
    multi ? (i === index ? { ...o, isCorrect: !o.isCorrect } : o) : { ...o, isCorrect: i === index },
  );
}

/** Moves one item of a list by `delta` places (keyboard reorder); unchanged at the ends. */
export function moveItem<T>(items: T[], index: number, delta: number): T[] {
  const to = index + delta;
  if (to < 0 || to >= items.length) return items;
  const next = [...items];
  const [item] = next.splice(index, 1);
  next.splice(to, 0, item!);
  return next;
}
