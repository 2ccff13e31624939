import { z } from 'zod';
import { testResultSchema } from './challenges.ts';

/**
 * Quizzes and exams (issue 6). The answer key and the clock live on the server: a learner gets
 * questions only inside an attempt, without correct options, accepted answers, explanations or
 * tests until `showCorrectAnswers` allows. Request bodies are strict (unknown fields such as
 * `score`, `isCorrect` or `passed` → 400 validation_failed); timestamps are ISO 8601.
 *
 * Routes (all under /api, all need a signed-in user):
 *
 * Authoring (course owner or admin; anyone else gets 404 not_found):
 *   GET    /courses/:courseId/quizzes                        the course's quizzes (trash included) → AuthoringQuizList
 *   POST   /courses/:courseId/quizzes                        create      body: createQuizSchema  → 201 AuthoringQuiz
 *   GET    /quizzes/:quizId/authoring                        config + questions with keys        → AuthoringQuiz
 *   PATCH  /quizzes/:quizId                                  edit config body: updateQuizSchema  → AuthoringQuiz
 *   DELETE /quizzes/:quizId                                  move to trash (soft delete)          → 204
 *   POST   /quizzes/:quizId/questions                        add         body: questionInputSchema → 201 AuthoringQuestion
 *   PUT    /quizzes/:quizId/questions/:questionId            replace     body: questionInputSchema → AuthoringQuestion
 *   DELETE /quizzes/:quizId/questions/:questionId            soft delete                          → 204
 *   POST   /quizzes/:quizId/questions/:questionId/duplicate  copy placed right after it           → 201 AuthoringQuestion
 *   PUT    /quizzes/:quizId/questions/order                  reorder     body: reorderQuestionsSchema → AuthoringQuiz
 *
 * Taking a quiz (enrolled learners; owners and admins may preview — their attempts are marked
 * `isPreview` and left out of item analysis, lesson completion and averages):
 *   GET    /lessons/:lessonId/quiz                           the quiz of a quiz lesson             → QuizOverview
 *   GET    /quizzes/:quizId                                  config, attempts used/left, in progress → QuizOverview
 *   POST   /quizzes/:quizId/attempts                         start, or resume the one in progress  → AttemptView
 *                                                            (201 when started, 200 when resumed)
 *   GET    /quiz-attempts/:attemptId                         the attempt (reload-safe: same order, same deadline)
 *                                                            → AttemptView
 *   PUT    /quiz-attempts/:attemptId/answers/:questionId     autosave  body: saveAnswerSchema     → SavedAnswer
 *   POST   /quiz-attempts/:attemptId/submit                  submit and grade (no body)            → AttemptView
 *
 * Instructor views (owner or admin):
 *   GET    /quizzes/:quizId/attempts-report                  every attempt with answers and results → AttemptsReport
 *   GET    /quizzes/:quizId/item-analysis                    per question / option statistics       → ItemAnalysis
 *   POST   /quizzes/:quizId/extra-grants                     extra attempt(s)/minutes for a learner
 *                                                            body: extraGrantInputSchema → ExtraGrant
 *
 * Clock: `attempt.deadlineAt` is fixed when the attempt starts (time limit + granted extra
 * minutes); reloading never changes it. `remainingSeconds` is computed by the server at answer
 * time — a client counts down from it and resyncs on every response. After the deadline the
 * server accepts saves and a submit for `graceSeconds` more (network latency); later they are
 * refused with 409 deadline_passed and the attempt is closed as it stood at the deadline. An
 * attempt left open past its deadline is also closed by a background sweep and on any read.
 *
 * Autosave: each save carries `clientSeq`, a number the client increases with every change of any
 * answer (e.g. a counter or Date.now()). The highest `clientSeq` per question wins; a save with a
 * lower or equal number changes nothing and answers `applied: false` with the stored answer, so
 * retries and reordered requests are harmless.
 *
 * Answers by question type:
 *   multiple_choice, true_false → { choices: [optionId, …] } (at most one unless allowMultiple);
 *                                 true/false options have the ids "true" and "false"
 *   short_answer                → { text: "…" }
 *   code                        → { code: "…", language?: "python" | "javascript" | "java" }
 *
 * Grading (server only; a client-sent score or key is refused by the strict schemas):
 *   - single choice and true/false: full points for exactly the correct option, else 0.
 *   - multiple choice with several correct options — PARTIAL CREDIT RULE: proportional, wrong
 *     choices penalised: points × max(0, (correct options chosen − wrong options chosen) / number of
 *     correct options), rounded to 2 decimals. All correct and nothing wrong → result `correct`;
 *     some credit → `partial`; none → `incorrect`. Example: correct {a, b}, 2 points: {a} → 1,
 *     {a, c} → 0, {a, b, c} → 1, {a, b} → 2.
 *   - short answer: compared after Unicode NFKC normalisation, trimming and collapsing inner
 *     whitespace, case-insensitively unless `caseSensitive`. With `numericTolerance` set, a numeric
 *     answer (`3.14`, `3,14`, `1e3`) also matches a numeric accepted answer within ± tolerance.
 *   - code: `pending` (0 points) until the judge worker grades it, asynchronously (migration
 *     0028): points × passed tests / tests, `correct` when all pass, else `partial`/`incorrect`.
 *     Meanwhile the attempt is `submitted` ("grading": pendingCount > 0, no percentage, not passed;
 *     `gradingMessage` says when the judge is unavailable); the last verdict makes it `graded`.
 *     Hidden tests are never shown: feedback lists visible tests and per-test results where a
 *     hidden test has only passed/failed and its time.
 *   - an empty answer (no choice, blank text or code) is `unanswered`, 0 points.
 *   - percentage = 100 × score / points of the attempt's questions; passed = percentage ≥ passingScore.
 *
 * What a learner sees, by `showCorrectAnswers`:
 *   - `never`: score, percentage and passed only — no per-question results, keys or explanations.
 *   - `after_submission`: once submitted, `feedback` on every question (result, points, correct
 *     options / accepted answers / tests, explanation).
 *   - `immediately`: `feedback` on each question as soon as its answer is saved; that answer is
 *     then final (changing it → 409 answer_locked), so a client should save on an explicit
 *     "Check answer" action rather than on every keystroke.
 *
 * Lessons and averages: a graded or final quiz passed (graded attempt) completes its lesson; a
 * practice quiz completes its lesson when submitted. `enrollments.averageQuizScore` is the mean of
 * the learner's best graded percentage on each graded and final quiz of the course.
 *
 * Errors (contracts/errors.ts): 401 unauthorized; 404 not_found (no such quiz/attempt, not yours,
 * or not enrolled — the same answer); 400 validation_failed (bad body, or an answer that does not
 * fit its question); 409 max_attempts_reached; 409 attempt_closed (already submitted); 409
 * deadline_passed; 409 answer_locked; 409 quiz_empty (no questions yet); 409 order_mismatch.
 */

const isoTimestamp = z.string().meta({ format: 'date-time' });

export const QUIZ_TYPES = ['practice', 'graded', 'final_exam'] as const;
export const SHOW_CORRECT_ANSWERS = ['immediately', 'after_submission', 'never'] as const;
export const QUESTION_TYPES = ['multiple_choice', 'true_false', 'short_answer', 'code'] as const;
export const PROGRAMMING_LANGUAGES = ['python', 'javascript', 'java'] as const;
export const QUESTION_RESULTS = ['correct', 'partial', 'incorrect', 'unanswered', 'pending'] as const;
export const ATTEMPT_STATUSES = ['in_progress', 'submitted', 'graded'] as const;

export const quizTypeSchema = z.enum(QUIZ_TYPES);
export const showCorrectAnswersSchema = z.enum(SHOW_CORRECT_ANSWERS);
export const questionTypeSchema = z.enum(QUESTION_TYPES);
export const programmingLanguageSchema = z.enum(PROGRAMMING_LANGUAGES);
export const questionResultSchema = z.enum(QUESTION_RESULTS);
export const attemptStatusSchema = z.enum(ATTEMPT_STATUSES);

// ---------------------------------------------------------------- params

export const courseIdParamsSchema = z.object({ courseId: z.uuid() });
export const lessonIdParamsSchema = z.object({ lessonId: z.uuid() });
export const quizIdParamsSchema = z.object({ quizId: z.uuid() });
export const questionParamsSchema = z.object({ quizId: z.uuid(), questionId: z.uuid() });
export const attemptIdParamsSchema = z.object({ attemptId: z.uuid() });
export const answerParamsSchema = z.object({ attemptId: z.uuid(), questionId: z.uuid() });

// ---------------------------------------------------------------- authoring

const quizConfigFields = {
  lessonId: z.uuid().nullable(),
  title: z.string().trim().min(1).max(200),
  description: z.string().max(5000).nullable(),
  instructions: z.string().max(10000).nullable(),
  quizType: quizTypeSchema,
  /** Percentage 0–100 needed to pass. */
  passingScore: z.number().int().min(0).max(100),
  /** null = no time limit. */
  timeLimitMinutes: z.number().int().min(1).max(1440).nullable(),
  /** null = unlimited. */
  maxAttempts: z.number().int().min(1).max(100).nullable(),
  randomizeQuestions: z.boolean(),
  randomizeAnswers: z.boolean(),
  showCorrectAnswers: showCorrectAnswersSchema,
};

/** A new quiz; omitted fields take the seed's defaults (graded, 70 %, 3 attempts, after_submission…). */
export const createQuizSchema = z
  .object({
    ...quizConfigFields,
    lessonId: quizConfigFields.lessonId.default(null),
    description: quizConfigFields.description.default(null),
    instructions: quizConfigFields.instructions.default(null),
    quizType: quizTypeSchema.default('graded'),
    passingScore: quizConfigFields.passingScore.default(70),
    timeLimitMinutes: quizConfigFields.timeLimitMinutes.default(null),
    maxAttempts: quizConfigFields.maxAttempts.default(3),
    randomizeQuestions: z.boolean().default(false),
    randomizeAnswers: z.boolean().default(true),
    showCorrectAnswers: showCorrectAnswersSchema.default('after_submission'),
  })
  .strict();
export type CreateQuizInput = z.infer<typeof createQuizSchema>;

export const updateQuizSchema = z
  .object(quizConfigFields)
  .partial()
  .strict()
  .refine((v) => Object.keys(v).length > 0, { message: 'Send at least one field to change.' })
  .meta({ id: 'UpdateQuiz' });
export type UpdateQuizInput = z.infer<typeof updateQuizSchema>;

const optionIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'Use 1–40 letters, digits, "-" or "_".');

const choiceOptionInputSchema = z
  .object({
    /** Stable id of the option; generated when omitted. */
    id: optionIdSchema.optional(),
    text: z.string().trim().min(1).max(1000),
    isCorrect: z.boolean(),
  })
  .strict();

const questionCommon = {
  questionText: z.string().trim().min(1).max(5000),
  /** Shown to learners only as `showCorrectAnswers` allows. */
  explanation: z.string().max(5000).nullable().default(null),
  /** Shown to learners during the attempt. */
  hint: z.string().max(2000).nullable().default(null),
  points: z.number().int().min(0).max(1000).default(1),
};

export const questionInputSchema = z
  .discriminatedUnion('questionType', [
    z
      .object({
        questionType: z.literal('multiple_choice'),
        ...questionCommon,
        /** Several options may be correct (checkboxes, partial credit) instead of exactly one. */
        allowMultiple: z.boolean().default(false),
        options: z.array(choiceOptionInputSchema).min(2).max(20),
      })
      .strict(),
    z
      .object({
        questionType: z.literal('true_false'),
        ...questionCommon,
        correctAnswer: z.boolean(),
      })
      .strict(),
    z
      .object({
        questionType: z.literal('short_answer'),
        ...questionCommon,
        acceptedAnswers: z.array(z.string().trim().min(1).max(500)).min(1).max(50),
        caseSensitive: z.boolean().default(false),
        /** Numeric answers match within ± this much; null = compare as text only. */
        numericTolerance: z.number().min(0).max(1_000_000).nullable().default(null),
      })
      .strict(),
    z
      .object({
        questionType: z.literal('code'),
        ...questionCommon,
        programmingLanguage: programmingLanguageSchema,
        codeTemplate: z.string().max(65536).nullable().default(null),
        testCases: z
          .array(
            z
              .object({
                input: z.string().max(10000),
                expectedOutput: z.string().max(10000),
                /** Hidden tests never reach learners: they see only passed/failed and the time. */
                isHidden: z.boolean().default(false),
              })
              .strict(),
          )
          .max(50)
          .default([]),
      })
      .strict(),
  ])
  .superRefine((q, ctx) => {
    if (q.questionType !== 'multiple_choice') return;
    const correct = q.options.filter((o) => o.isCorrect).length;
    if (correct === 0)
      ctx.addIssue({ code: 'custom', path: ['options'], message: 'Mark at least one option correct.' });
    if (!q.allowMultiple && correct > 1)
      ctx.addIssue({
        code: 'custom',
        path: ['options'],
        message: 'Exactly one option may be correct; set allowMultiple for several.',
      });
    const ids = q.options.map((o) => o.id).filter(Boolean);
    if (new Set(ids).size !== ids.length)
      ctx.addIssue({ code: 'custom', path: ['options'], message: 'Option ids must be unique.' });
  });
export type QuestionInput = z.infer<typeof questionInputSchema>;

export const reorderQuestionsSchema = z
  .object({ questionIds: z.array(z.uuid()).min(1).max(500) })
  .strict()
  .meta({ id: 'ReorderQuestions' });

export const authoringQuestionSchema = z
  .object({
    id: z.uuid(),
    quizId: z.uuid(),
    position: z.number().int(),
    questionType: questionTypeSchema,
    questionText: z.string(),
    explanation: z.string().nullable(),
    hint: z.string().nullable(),
    points: z.number().int(),
    allowMultiple: z.boolean(),
    options: z.array(z.object({ id: z.string(), text: z.string(), isCorrect: z.boolean() })).nullable(),
    acceptedAnswers: z.array(z.string()).nullable(),
    caseSensitive: z.boolean(),
    numericTolerance: z.number().nullable(),
    programmingLanguage: programmingLanguageSchema.nullable(),
    codeTemplate: z.string().nullable(),
    testCases: z
      .array(z.object({ input: z.string(), expectedOutput: z.string(), isHidden: z.boolean() }))
      .nullable(),
    updatedAt: isoTimestamp,
  })
  .meta({ id: 'AuthoringQuestion' });
export type AuthoringQuestion = z.infer<typeof authoringQuestionSchema>;

export const authoringQuizSummarySchema = z
  .object({
    id: z.uuid(),
    courseId: z.uuid(),
    ...quizConfigFields,
    title: z.string(),
    /** Kept by the database from the questions. */
    totalPoints: z.number().int(),
    questionCount: z.number().int(),
    deletedAt: isoTimestamp.nullable(),
    updatedAt: isoTimestamp,
  })
  .meta({ id: 'AuthoringQuizSummary' });
export type AuthoringQuizSummary = z.infer<typeof authoringQuizSummarySchema>;

export const authoringQuizListSchema = z
  .object({ quizzes: z.array(authoringQuizSummarySchema) })
  .meta({ id: 'AuthoringQuizList' });

export const authoringQuizSchema = authoringQuizSummarySchema
  .extend({ questions: z.array(authoringQuestionSchema) })
  .meta({ id: 'AuthoringQuiz' });
export type AuthoringQuiz = z.infer<typeof authoringQuizSchema>;

// ---------------------------------------------------------------- taking a quiz

export const answerSchema = z
  .union([
    z.object({ choices: z.array(optionIdSchema).max(20) }).strict(),
    z.object({ text: z.string().max(1000) }).strict(),
    z.object({ code: z.string().max(65536), language: programmingLanguageSchema.optional() }).strict(),
  ])
  .meta({ id: 'QuizAnswer' });
export type QuizAnswer = z.infer<typeof answerSchema>;

export const saveAnswerSchema = z
  .object({
    answer: answerSchema,
    /** Increases with every change the client makes; the highest wins (see the header). */
    clientSeq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  })
  .strict()
  .meta({ id: 'SaveAnswer' });
export type SaveAnswerInput = z.infer<typeof saveAnswerSchema>;

export const quizOverviewSchema = z
  .object({
    quiz: z.object({
      id: z.uuid(),
      courseId: z.uuid(),
      lessonId: z.uuid().nullable(),
      title: z.string(),
      description: z.string().nullable(),
      instructions: z.string().nullable(),
      quizType: quizTypeSchema,
      passingScore: z.number(),
      timeLimitMinutes: z.number().nullable(),
      maxAttempts: z.number().nullable(),
      showCorrectAnswers: showCorrectAnswersSchema,
      questionCount: z.number(),
      totalPoints: z.number(),
    }),
    /** `learner` (enrolled) or `preview` (owner/admin trying their quiz). */
    access: z.enum(['learner', 'preview']),
    attemptsUsed: z.number().int(),
    /** null = unlimited (max attempts plus granted extras). */
    attemptsAllowed: z.number().int().nullable(),
    attemptsLeft: z.number().int().nullable(),
    /** Extra minutes granted to you on this quiz (added to each new attempt's time limit). */
    extraMinutes: z.number().int(),
    inProgressAttemptId: z.uuid().nullable(),
    attempts: z.array(
      z.object({
        id: z.uuid(),
        attemptNumber: z.number().int(),
        status: attemptStatusSchema,
        startedAt: isoTimestamp,
        submittedAt: isoTimestamp.nullable(),
        deadlineAt: isoTimestamp.nullable(),
        score: z.number().nullable(),
        pointsPossible: z.number().nullable(),
        percentage: z.number().nullable(),
        passed: z.boolean(),
        pendingCount: z.number().int(),
      }),
    ),
  })
  .meta({ id: 'QuizOverview' });
export type QuizOverview = z.infer<typeof quizOverviewSchema>;

export const questionFeedbackSchema = z
  .object({
    result: questionResultSchema,
    pointsEarned: z.number(),
    /** Choice questions. */
    correctOptionIds: z.array(z.string()).nullable(),
    /** Short answer. */
    acceptedAnswers: z.array(z.string()).nullable(),
    /** Code questions: the visible tests only. */
    testCases: z.array(z.object({ input: z.string(), expectedOutput: z.string() })).nullable(),
    /** Code questions: the judge's verdict once graded (null while grading). */
    verdict: z.string().nullable().optional(),
    /** Code questions: per-test results once graded; hidden tests carry only passed and time. */
    testResults: z.array(testResultSchema).nullable().optional(),
    explanation: z.string().nullable(),
  })
  .meta({ id: 'QuestionFeedback' });

export const attemptQuestionSchema = z
  .object({
    id: z.uuid(),
    /** 1-based, in this attempt's stored order. */
    position: z.number().int(),
    questionType: questionTypeSchema,
    questionText: z.string(),
    hint: z.string().nullable(),
    points: z.number().int(),
    /** Choice question with checkboxes (several may be right). */
    allowMultiple: z.boolean(),
    /** Options in this attempt's stored order, without correctness; null for other types. */
    options: z.array(z.object({ id: z.string(), text: z.string() })).nullable(),
    codeTemplate: z.string().nullable(),
    programmingLanguage: programmingLanguageSchema.nullable(),
    /** Your saved answer, if any. */
    answer: answerSchema.nullable(),
    clientSeq: z.number().int(),
    savedAt: isoTimestamp.nullable(),
    /** Present only when `showCorrectAnswers` allows (see the header). */
    feedback: questionFeedbackSchema.nullable(),
  })
  .meta({ id: 'AttemptQuestion' });

export const attemptViewSchema = z
  .object({
    attempt: z.object({
      id: z.uuid(),
      quizId: z.uuid(),
      attemptNumber: z.number().int(),
      status: attemptStatusSchema,
      isPreview: z.boolean(),
      startedAt: isoTimestamp,
      submittedAt: isoTimestamp.nullable(),
      /** `learner` (submitted) or `deadline` (closed at the deadline, as it stood). */
      submitReason: z.enum(['learner', 'deadline']).nullable(),
      /** null = no time limit. Fixed at start; reloading never changes it. */
      deadlineAt: isoTimestamp.nullable(),
      /** Seconds to the deadline by the server's clock; null when untimed or closed. */
      remainingSeconds: z.number().int().nullable(),
      graceSeconds: z.number().int(),
      serverNow: isoTimestamp,
      score: z.number().nullable(),
      pointsPossible: z.number().nullable(),
      percentage: z.number().nullable(),
      passed: z.boolean(),
      /** Code answers waiting for the judge (status `submitted` meanwhile: "grading"). */
      pendingCount: z.number().int(),
      /** Why grading waits, e.g. the judge is unavailable; null otherwise. */
      gradingMessage: z.string().nullable().optional(),
    }),
    quiz: z.object({
      id: z.uuid(),
      title: z.string(),
      description: z.string().nullable(),
      instructions: z.string().nullable(),
      quizType: quizTypeSchema,
      passingScore: z.number(),
      timeLimitMinutes: z.number().nullable(),
      showCorrectAnswers: showCorrectAnswersSchema,
    }),
    questions: z.array(attemptQuestionSchema),
  })
  .meta({ id: 'AttemptView' });
export type AttemptView = z.infer<typeof attemptViewSchema>;

export const savedAnswerSchema = z
  .object({
    /** false: an older or repeated save; `answer` and `clientSeq` are what is stored. */
    applied: z.boolean(),
    questionId: z.uuid(),
    answer: answerSchema.nullable(),
    clientSeq: z.number().int(),
    savedAt: isoTimestamp.nullable(),
    deadlineAt: isoTimestamp.nullable(),
    remainingSeconds: z.number().int().nullable(),
    /** Only with showCorrectAnswers = immediately. */
    feedback: questionFeedbackSchema.nullable(),
  })
  .meta({ id: 'SavedAnswer' });
export type SavedAnswer = z.infer<typeof savedAnswerSchema>;

// ---------------------------------------------------------------- instructor views

export const attemptsReportSchema = z
  .object({
    attempts: z.array(
      z.object({
        id: z.uuid(),
        userId: z.uuid(),
        learnerName: z.string().nullable(),
        learnerEmail: z.string().nullable(),
        attemptNumber: z.number().int(),
        status: attemptStatusSchema,
        isPreview: z.boolean(),
        startedAt: isoTimestamp,
        submittedAt: isoTimestamp.nullable(),
        deadlineAt: isoTimestamp.nullable(),
        submitReason: z.enum(['learner', 'deadline']).nullable(),
        score: z.number().nullable(),
        pointsPossible: z.number().nullable(),
        percentage: z.number().nullable(),
        passed: z.boolean(),
        pendingCount: z.number().int(),
        answers: z.array(
          z.object({
            questionId: z.uuid(),
            position: z.number().int(),
            answer: answerSchema.nullable(),
            clientSeq: z.number().int(),
            savedAt: isoTimestamp.nullable(),
            result: questionResultSchema.nullable(),
            pointsEarned: z.number().nullable(),
          }),
        ),
      }),
    ),
  })
  .meta({ id: 'AttemptsReport' });
export type AttemptsReport = z.infer<typeof attemptsReportSchema>;

export const itemAnalysisSchema = z
  .object({
    /** Closed, non-preview attempts counted. */
    attempts: z.number().int(),
    questions: z.array(
      z.object({
        questionId: z.uuid(),
        questionText: z.string(),
        questionType: questionTypeSchema,
        points: z.number().int(),
        /** Closed attempts that contained the question. */
        attempts: z.number().int(),
        answered: z.number().int(),
        correct: z.number().int(),
        partial: z.number().int(),
        pending: z.number().int(),
        /** correct / attempts (0–1); null without attempts. */
        correctRate: z.number().nullable(),
        averagePoints: z.number().nullable(),
        options: z
          .array(
            z.object({ id: z.string(), text: z.string(), isCorrect: z.boolean(), chosen: z.number().int() }),
          )
          .nullable(),
      }),
    ),
  })
  .meta({ id: 'ItemAnalysis' });
export type ItemAnalysis = z.infer<typeof itemAnalysisSchema>;

export const extraGrantInputSchema = z
  .object({
    userId: z.uuid(),
    /** Usually 1: "one more attempt". */
    extraAttempts: z.number().int().min(0).max(10).default(0),
    /** Added to each new attempt's limit and to the learner's timed attempt in progress. */
    extraMinutes: z.number().int().min(0).max(600).default(0),
  })
  .strict()
  .refine((v) => v.extraAttempts + v.extraMinutes > 0, {
    message: 'Grant at least one extra attempt or one extra minute.',
  });
export type ExtraGrantInput = z.infer<typeof extraGrantInputSchema>;

export const extraGrantSchema = z
  .object({
    quizId: z.uuid(),
    userId: z.uuid(),
    /** Totals granted so far. */
    extraAttempts: z.number().int(),
    extraMinutes: z.number().int(),
    attemptsAllowed: z.number().int().nullable(),
  })
  .meta({ id: 'ExtraGrant' });
export type ExtraGrant = z.infer<typeof extraGrantSchema>;
