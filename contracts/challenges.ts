import { z } from 'zod';

/**
 * Code challenges (issue 7). Untrusted code never runs in the HTTP process: Run and Submit enqueue
 * a job for the sandboxed judge worker, and the client polls for the verdict.
 *
 * Routes (all under /api, signed-in users; "not yours" and "missing" are the same 404 not_found):
 *
 * Authoring (course owner or admin):
 *   GET    /courses/:courseId/challenges        the course's challenges               → AuthoringChallengeList
 *   POST   /courses/:courseId/challenges        create (draft)  body: challengeInput   → 201 AuthoringChallenge
 *   GET    /challenges/:challengeId/authoring   every field, solution and tests        → AuthoringChallenge
 *   PUT    /challenges/:challengeId             replace         body: challengeInput   → AuthoringChallenge
 *                                               (editing tests, solutions, languages or limits takes
 *                                               a published challenge back to draft)
 *   DELETE /challenges/:challengeId             soft delete                            → 204
 *   POST   /challenges/:challengeId/publish     judge the solution on every test in every supported
 *                                               language; published only when all pass → AuthoringChallenge
 *                                               (status `checking`, then `published` or `check_failed`)
 *   POST   /challenges/:challengeId/unpublish   back to draft                          → AuthoringChallenge
 *
 * Learning (enrolled learners see published challenges; owners and admins see their own):
 *   GET    /lessons/:lessonId/challenge         the challenge of a code lesson         → LearnerChallenge
 *   GET    /challenges/:challengeId             statement, starter code, visible tests → LearnerChallenge
 *   POST   /challenges/:challengeId/runs        run against the visible tests only, not recorded
 *                                               body: codeInput → 202 { runId }
 *   GET    /challenge-runs/:runId               the run's state and per-test results   → RunResult
 *   POST   /challenges/:challengeId/submissions all tests, recorded  body: codeInput → 201 Submission (pending)
 *   GET    /challenges/:challengeId/submissions the caller's history, newest first     → SubmissionList
 *   GET    /submissions/:submissionId           one submission (poll until not pending/running) → Submission
 *
 * Judge health (admin):
 *   GET    /admin/judge                         sandbox status and canary results of each worker → JudgeHealth
 *
 * Hidden tests: a learner never receives their input, expected output, or the program's output
 * on them — only `passed` and `executionTimeMs`. Solutions are never sent to learners.
 */

export const LANGUAGES = ['python', 'javascript', 'java'] as const;
export const languageSchema = z.enum(LANGUAGES);
export type Language = z.infer<typeof languageSchema>;

export const DIFFICULTIES = ['easy', 'medium', 'hard'] as const;
export const CATEGORIES = ['algorithms', 'data_structures', 'web', 'database', 'other'] as const;

export const SUBMISSION_STATUSES = [
  'pending',
  'running',
  'accepted',
  'wrong_answer',
  'time_limit',
  'memory_limit',
  'runtime_error',
  'compile_error',
  'internal_error',
  'judge_unavailable',
] as const;
export const submissionStatusSchema = z.enum(SUBMISSION_STATUSES);
export type SubmissionStatus = z.infer<typeof submissionStatusSchema>;

export const CHALLENGE_STATUSES = ['draft', 'checking', 'published', 'check_failed'] as const;
export const challengeStatusSchema = z.enum(CHALLENGE_STATUSES);

export const MAX_CODE_LENGTH = 65_536;
const code = z.string().max(MAX_CODE_LENGTH);
const perLanguage = z.strictObject({
  python: code.optional(),
  javascript: code.optional(),
  java: code.optional(),
});

export const testCaseSchema = z.strictObject({
  input: z.string().max(1_000_000),
  expectedOutput: z.string().max(1_000_000),
  isHidden: z.boolean(),
});
export type TestCase = z.infer<typeof testCaseSchema>;

export const challengeInputSchema = z
  .strictObject({
    lessonId: z.uuid().nullable().default(null),
    title: z.string().trim().min(1).max(200),
    description: z.string().max(2000).default(''),
    difficulty: z.enum(DIFFICULTIES),
    category: z.enum(CATEGORIES).nullable().default(null),
    problemStatement: z.string().trim().min(1).max(100_000),
    examples: z.string().max(20_000).nullable().default(null),
    constraints: z.string().max(20_000).nullable().default(null),
    supportedLanguages: z.array(languageSchema).min(1).max(3),
    starterCode: perLanguage.default({}),
    solutionCode: perLanguage.default({}),
    testCases: z.array(testCaseSchema).min(1).max(100),
    timeLimitMs: z.number().int().min(100).max(10_000).default(2000),
    memoryLimitMb: z.number().int().min(32).max(1024).default(256),
    points: z.number().int().min(0).max(10_000).default(100),
  })
  .refine((c) => new Set(c.supportedLanguages).size === c.supportedLanguages.length, {
    message: 'each language may be listed once',
    path: ['supportedLanguages'],
  });
export type ChallengeInput = z.infer<typeof challengeInputSchema>;

const publishCheckSchema = z
  .object({
    passed: z.boolean(),
    languages: z.array(
      z.object({
        language: languageSchema,
        verdict: z.string(),
        passedTests: z.number().int(),
        totalTests: z.number().int(),
        message: z.string().optional(),
      }),
    ),
  })
  .nullable();

export const authoringChallengeSchema = z.object({
  id: z.uuid(),
  courseId: z.uuid(),
  lessonId: z.uuid().nullable(),
  title: z.string(),
  description: z.string(),
  difficulty: z.enum(DIFFICULTIES),
  category: z.enum(CATEGORIES).nullable(),
  problemStatement: z.string(),
  examples: z.string().nullable(),
  constraints: z.string().nullable(),
  supportedLanguages: z.array(languageSchema),
  starterCode: perLanguage,
  solutionCode: perLanguage,
  testCases: z.array(testCaseSchema),
  timeLimitMs: z.number().int(),
  memoryLimitMb: z.number().int(),
  points: z.number().int(),
  status: challengeStatusSchema,
  publishedAt: z.string().nullable(),
  contentVersion: z.number().int(),
  publishCheck: publishCheckSchema,
  deletedAt: z.string().nullable(),
  updatedAt: z.string(),
});
export type AuthoringChallenge = z.infer<typeof authoringChallengeSchema>;

export const authoringChallengeListSchema = z.object({
  challenges: z.array(
    authoringChallengeSchema.pick({
      id: true,
      lessonId: true,
      title: true,
      difficulty: true,
      status: true,
      supportedLanguages: true,
      points: true,
      deletedAt: true,
      updatedAt: true,
    }),
  ),
});
export type AuthoringChallengeList = z.infer<typeof authoringChallengeListSchema>;

export const learnerChallengeSchema = z.object({
  id: z.uuid(),
  courseId: z.uuid(),
  /** For the way back to the course player. */
  courseSlug: z.string(),
  lessonId: z.uuid().nullable(),
  title: z.string(),
  description: z.string(),
  difficulty: z.enum(DIFFICULTIES),
  category: z.enum(CATEGORIES).nullable(),
  /** Markdown, rendered and sanitised by the server. */
  problemStatementHtml: z.string(),
  examples: z.string().nullable(),
  constraints: z.string().nullable(),
  supportedLanguages: z.array(languageSchema),
  starterCode: perLanguage,
  timeLimitMs: z.number().int(),
  memoryLimitMb: z.number().int(),
  points: z.number().int(),
  status: challengeStatusSchema,
  visibleTests: z.array(z.object({ input: z.string(), expectedOutput: z.string() })),
  /** Whether the caller has an accepted submission. */
  solved: z.boolean(),
});
export type LearnerChallenge = z.infer<typeof learnerChallengeSchema>;

export const codeInputSchema = z.strictObject({
  language: languageSchema,
  code: z.string().min(1).max(MAX_CODE_LENGTH),
});
export type CodeInput = z.infer<typeof codeInputSchema>;

/** A test's result as a learner may see it: hidden tests carry only `passed` and the time. */
export const testResultSchema = z.object({
  index: z.number().int(),
  hidden: z.boolean(),
  passed: z.boolean(),
  executionTimeMs: z.number().int(),
  verdict: z.string().optional(),
  memoryUsedMb: z.number().int().optional(),
  message: z.string().optional(),
  input: z.string().optional(),
  expectedOutput: z.string().optional(),
  output: z.string().optional(),
  error: z.string().optional(),
});
export type TestResultView = z.infer<typeof testResultSchema>;

export const submissionSchema = z.object({
  id: z.uuid(),
  challengeId: z.uuid(),
  language: languageSchema,
  code: z.string(),
  status: submissionStatusSchema,
  submittedAt: z.string(),
  judgedAt: z.string().nullable(),
  executionTimeMs: z.number().int().nullable(),
  memoryUsedMb: z.number().int().nullable(),
  passedTests: z.number().int().nullable(),
  totalTests: z.number().int().nullable(),
  score: z.number().int().nullable(),
  /** Compiler output, or why the judge could not run (with the fix). */
  judgeMessage: z.string().nullable(),
  testResults: z.array(testResultSchema).nullable(),
});
export type Submission = z.infer<typeof submissionSchema>;

export const submissionListSchema = z.object({ submissions: z.array(submissionSchema) });
export type SubmissionList = z.infer<typeof submissionListSchema>;

export const runAcceptedSchema = z.object({ runId: z.uuid() });

export const runResultSchema = z.object({
  runId: z.uuid(),
  state: z.enum(['queued', 'running', 'done', 'failed']),
  verdict: z.string().nullable(),
  passedTests: z.number().int().nullable(),
  totalTests: z.number().int().nullable(),
  results: z.array(testResultSchema),
  /** Compiler output, or why the judge could not run. */
  message: z.string().nullable(),
});
export type RunResult = z.infer<typeof runResultSchema>;

export const judgeHealthSchema = z.object({
  workers: z.array(
    z.object({
      workerId: z.string(),
      hostname: z.string(),
      /** `ready`: judging; `refusing`: a canary escaped or the sandbox cannot run. */
      state: z.enum(['starting', 'ready', 'refusing']),
      slots: z.number().int(),
      sandbox: z.object({
        available: z.boolean(),
        reason: z.string().optional(),
        fix: z.string().optional(),
        bwrapVersion: z.string().optional(),
        /** What limits a box: its own cgroup (v2 or v1), or rlimits only — with the reason. */
        limits: z
          .object({ mechanism: z.enum(['cgroup-v2', 'cgroup-v1', 'rlimit']), cgroups: z.string() })
          .optional(),
        languages: z.record(
          z.string(),
          z.object({
            available: z.boolean(),
            version: z.string().optional(),
            reason: z.string().optional(),
            fix: z.string().optional(),
          }),
        ),
      }),
      canaries: z.object({ ran: z.boolean(), ok: z.boolean(), failures: z.array(z.string()) }),
      updatedAt: z.string(),
    }),
  ),
  pendingSubmissions: z.number().int(),
});
export type JudgeHealth = z.infer<typeof judgeHealthSchema>;
