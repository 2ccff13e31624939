import type { CreateCourseInput, CreateLessonInput } from '../../contracts/authoring.ts';
import type { ChallengeInput } from '../../contracts/challenges.ts';
import type { CreateQuizInput, QuestionInput } from '../../contracts/quizzes.ts';

/**
 * The demo catalogue: real lessons (Markdown articles with code, videos with durations and public
 * sample files, links to reference material), so a fresh install looks like a working school.
 */

export type DemoPerson = 'admin' | 'ada' | 'ken' | 'grace' | 'alan' | 'margaret' | 'linus' | 'barbara';

export interface DemoSection {
  title: string;
  description?: string;
  lessons: CreateLessonInput[];
}

export interface DemoCourse {
  instructor: DemoPerson;
  publish: boolean;
  /** Demo courses name their slug: enrolments and tests refer to it. */
  course: CreateCourseInput & { slug: string };
  sections: DemoSection[];
}

const SAMPLE_VIDEOS = 'https://commondatastorage.googleapis.com/gtv-videos-bucket/sample';

const video = (
  title: string,
  file: string,
  seconds: number,
  extra: Partial<Extract<CreateLessonInput, { contentType: 'video' }>> = {},
): CreateLessonInput => ({
  title,
  contentType: 'video',
  videoUrl: `${SAMPLE_VIDEOS}/${file}`,
  videoDurationSeconds: seconds,
  ...extra,
});

const article = (
  title: string,
  markdown: string,
  extra: Partial<Extract<CreateLessonInput, { contentType: 'article' }>> = {},
): CreateLessonInput => ({ title, contentType: 'article', articleContent: markdown.trim(), ...extra });

const fence = '```';

// ---------------------------------------------------------------- TypeScript from Zero (free)

const typescriptFromZero: DemoCourse = {
  instructor: 'ada',
  publish: true,
  course: {
    slug: 'typescript-from-zero',
    title: 'TypeScript from Zero',
    subtitle: 'Write JavaScript that tells you about bugs before your users do',
    description:
      'A gentle, practical introduction to TypeScript for people who know a little JavaScript. ' +
      'You will set up a project, learn how the type checker thinks, model real data with types, and ' +
      'finish by building a small typed command-line to-do list.',
    category: 'programming',
    subcategory: 'typescript',
    tags: ['typescript', 'javascript', 'beginner-friendly'],
    difficultyLevel: 'beginner',
    accessType: 'free',
    priceCents: 0,
    previewVideoUrl: `${SAMPLE_VIDEOS}/ForBiggerFun.mp4`,
    language: 'en',
    captionsAvailable: ['en'],
    prerequisites: ['Basic JavaScript: variables, functions and arrays', 'Node.js 20 or newer installed'],
    learningOutcomes: [
      'Set up a TypeScript project and compile it',
      'Read and fix type errors with confidence',
      'Model data with interfaces, unions and generics',
      'Build a small program end to end with strict mode on',
    ],
    targetAudience:
      'JavaScript developers who have never used TypeScript, or used it without understanding it.',
    metaDescription:
      'A free, practical TypeScript course for JavaScript developers: types, narrowing, generics.',
    metaKeywords: ['typescript course', 'learn typescript', 'free typescript'],
  },
  sections: [
    {
      title: 'Getting started',
      description: 'Why TypeScript exists and how to run it.',
      lessons: [
        video('Why TypeScript?', 'ForBiggerBlazes.mp4', 15 * 60 + 20, {
          isPreview: true,
          description: 'What a type checker buys you, and what it costs.',
        }),
        article(
          'Installing TypeScript and your first compile',
          `
# Installing TypeScript and your first compile

TypeScript is a compiler that reads \`.ts\` files, checks them, and writes plain JavaScript. You install
it per project, so every teammate (and your CI) uses the same version:

${fence}bash
mkdir hello-ts && cd hello-ts
npm init -y
npm install --save-dev typescript
npx tsc --init
${fence}

\`tsc --init\` writes a \`tsconfig.json\` with sensible defaults. The most important line is
\`"strict": true\` — keep it on. Strict mode is where most of TypeScript's value lives.

Now create \`src/index.ts\`:

${fence}ts
function greet(name: string) {
  return \`Hello, \${name.toUpperCase()}!\`;
}

console.log(greet('Ada'));
console.log(greet(42)); // error: Argument of type 'number' is not assignable to parameter of type 'string'.
${fence}

Run \`npx tsc\` and read the error: it names the file, the line, and both types involved. Delete the
second call, compile again, and run the output with \`node src/index.js\`.

> **Tip:** during development, \`npx tsc --watch\` recompiles on every save.
`,
          {
            downloadableResources: [
              {
                name: 'TypeScript Handbook: The Basics',
                url: 'https://www.typescriptlang.org/docs/handbook/2/basic-types.html',
                type: 'text/html',
              },
              {
                name: 'tsconfig reference',
                url: 'https://www.typescriptlang.org/tsconfig',
                type: 'text/html',
              },
            ],
          },
        ),
      ],
    },
    {
      title: 'Types that describe your data',
      description: 'Primitive types, objects, unions and narrowing.',
      lessons: [
        article(
          'Primitive types and inference',
          `
# Primitive types and inference

You rarely need to write types on variables. TypeScript **infers** them from the value:

${fence}ts
let title = 'TypeScript from Zero'; // string
let lessons = 8;                    // number
let published = true;               // boolean
${fence}

Annotate where inference has nothing to go on — function parameters — and where you want to state
an intent that the compiler should hold you to, such as a function's return type:

${fence}ts
function minutes(seconds: number): number {
  return Math.ceil(seconds / 60);
}
${fence}

Two special types deserve a warning. \`any\` switches checking off for a value and everything it
touches; avoid it. \`unknown\` is its safe sibling: you may hold anything, but you must check what it
is before using it.

${fence}ts
function parsePort(value: unknown): number {
  if (typeof value === 'string' && /^\\d+$/.test(value)) return Number(value);
  throw new Error('PORT must be a number');
}
${fence}
`,
        ),
        article(
          'Objects, interfaces and type aliases',
          `
# Objects, interfaces and type aliases

Real programs pass objects around. Describe their shape once and reuse it:

${fence}ts
interface Lesson {
  id: string;
  title: string;
  durationSeconds?: number; // optional
  readonly courseId: string; // cannot be reassigned
}

const intro: Lesson = { id: 'l1', title: 'Welcome', courseId: 'c1' };
${fence}

A \`type\` alias can name any type, not just objects — unions, tuples, functions:

${fence}ts
type Difficulty = 'beginner' | 'intermediate' | 'advanced';
type Handler = (event: { type: string }) => void;
${fence}

Which one should you use for objects? Either works. Many teams use \`interface\` for object shapes
(they can be extended and give clearer error messages) and \`type\` for everything else.

TypeScript compares objects **structurally**: any value with the right properties fits, whatever it
was called when it was created. That is why you can pass a plain object literal where a \`Lesson\`
is expected.
`,
        ),
        video('Union types and narrowing', 'ForBiggerEscapes.mp4', 12 * 60 + 45, {
          description: 'Model "one of several things" and let control flow tell the compiler which.',
        }),
      ],
    },
    {
      title: 'Functions and generics',
      lessons: [
        article(
          'Typing functions',
          `
# Typing functions

Parameters need types; return types are inferred but worth writing on exported functions, so a
change inside the body cannot silently change the contract.

${fence}ts
export function formatPrice(cents: number, currency = 'USD'): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(cents / 100);
}
${fence}

Callbacks are typed with arrow-function syntax:

${fence}ts
function retry<T>(attempts: number, work: () => Promise<T>): Promise<T> {
  return work().catch((error: unknown) => {
    if (attempts <= 1) throw error;
    return retry(attempts - 1, work);
  });
}
${fence}

When a function can be called in a few distinct ways, prefer a union parameter over overloads; it
keeps one implementation and one set of tests.
`,
        ),
        article(
          'Generics without fear',
          `
# Generics without fear

A generic is a type parameter: a placeholder the caller fills in. You already use them —
\`Array<string>\` and \`Promise<number>\` are generic types.

${fence}ts
function first<T>(items: T[]): T | undefined {
  return items[0];
}

const n = first([3, 1, 2]);        // number | undefined
const s = first(['a', 'b']);       // string | undefined
${fence}

Constrain a type parameter when the body needs something from it:

${fence}ts
function byId<T extends { id: string }>(items: T[]): Map<string, T> {
  return new Map(items.map((item) => [item.id, item]));
}
${fence}

Rule of thumb: a type parameter should appear at least twice (say, in a parameter and in the return
type). If it appears once, you probably want a plain type instead.
`,
        ),
        video('Project: a typed to-do list', 'BigBuckBunny.mp4', 9 * 60 + 56, {
          description: 'Put it together: a small command-line app with strict types end to end.',
          downloadableResources: [
            {
              name: 'Starter project (Node.js docs: ES modules)',
              url: 'https://nodejs.org/api/esm.html',
              type: 'text/html',
            },
          ],
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------- PostgreSQL Performance (paid)

const postgresPerformance: DemoCourse = {
  instructor: 'ken',
  publish: true,
  course: {
    slug: 'postgresql-performance-in-practice',
    title: 'PostgreSQL Performance in Practice',
    subtitle: 'Read query plans, design indexes that pay off, and stop guessing',
    description:
      'A hands-on course for developers who run PostgreSQL in production. Learn to read EXPLAIN ' +
      'ANALYZE output, choose and verify indexes, and understand locking and MVCC well enough to ' +
      'diagnose a slow endpoint in minutes.',
    category: 'databases',
    subcategory: 'postgresql',
    tags: ['postgresql', 'sql', 'performance', 'indexes'],
    difficultyLevel: 'advanced',
    accessType: 'paid',
    priceCents: 4900,
    captionsAvailable: ['en', 'de'],
    prerequisites: ['Comfortable writing SQL joins and aggregates', 'Access to a PostgreSQL 15+ database'],
    learningOutcomes: [
      'Read EXPLAIN (ANALYZE, BUFFERS) output node by node',
      'Choose between B-tree, partial and expression indexes',
      'Explain MVCC, vacuum and why long transactions hurt',
      'Find and resolve lock waits in a live system',
    ],
    targetAudience: 'Backend developers and DBAs whose applications have outgrown "add an index and hope".',
    metaDescription: 'Advanced PostgreSQL performance: query plans, indexing strategy, MVCC and locks.',
    metaKeywords: ['postgresql performance', 'explain analyze', 'postgres indexes'],
  },
  sections: [
    {
      title: 'Reading query plans',
      lessons: [
        video('How the planner thinks', 'ElephantsDream.mp4', 10 * 60 + 53, {
          isPreview: true,
          description: 'Statistics, cost estimates and why the planner sometimes ignores your index.',
        }),
        article(
          'EXPLAIN ANALYZE, line by line',
          `
# EXPLAIN ANALYZE, line by line

\`EXPLAIN\` shows the plan PostgreSQL *intends* to run; \`EXPLAIN ANALYZE\` runs it and reports what
actually happened. Add \`BUFFERS\` to see how much data was read from cache or disk:

${fence}sql
EXPLAIN (ANALYZE, BUFFERS)
SELECT c.title, count(*) AS enrolments
  FROM courses c
  JOIN enrollments e ON e.course_id = c.id
 WHERE c.category = 'databases'
 GROUP BY c.title;
${fence}

Read the tree from the innermost node outwards. For every node compare **estimated rows** with
**actual rows**: a mismatch of 10× or more means the planner is working from bad statistics, and
every choice above that node may be wrong. \`ANALYZE courses;\` refreshes them.

${fence}text
Index Scan using idx_enrollments_course on enrollments e
  (cost=0.29..8.31 rows=1 width=16) (actual time=0.011..0.034 rows=212 loops=1)
${fence}

Here the estimate said 1 row and 212 came back: suspect stale statistics or correlated columns
before blaming the index. Remember that \`actual time\` is per loop — multiply by \`loops\`.
`,
          {
            downloadableResources: [
              {
                name: 'PostgreSQL docs: Using EXPLAIN',
                url: 'https://www.postgresql.org/docs/current/using-explain.html',
                type: 'text/html',
              },
            ],
          },
        ),
      ],
    },
    {
      title: 'Indexes that pay off',
      lessons: [
        article(
          'B-tree basics and composite indexes',
          `
# B-tree basics and composite indexes

A B-tree index keeps keys sorted, so it serves equality, ranges and \`ORDER BY\` on its leading
columns. Column order in a composite index matters:

${fence}sql
CREATE INDEX idx_reviews_course_created ON course_reviews (course_id, created_at DESC);
${fence}

This index serves "the latest reviews of one course" directly — the rows come out already sorted,
so \`LIMIT 5\` stops after five index entries:

${fence}sql
SELECT * FROM course_reviews
 WHERE course_id = $1
 ORDER BY created_at DESC
 LIMIT 5;
${fence}

It does **not** help a query that filters on \`created_at\` alone. Put equality columns first, then
the range or sort column. Every index slows down writes and takes space, so add one for a query you
have measured, and check \`pg_stat_user_indexes.idx_scan\` later to see whether it is used.
`,
        ),
        article(
          'Partial and expression indexes',
          `
# Partial and expression indexes

When queries only ever touch a subset of rows, index only that subset:

${fence}sql
-- Only published, live courses appear in the catalogue.
CREATE INDEX idx_courses_catalogue ON courses (published_at DESC, id DESC)
 WHERE status = 'published' AND deleted_at IS NULL;
${fence}

The index is smaller, cheaper to maintain, and the planner uses it whenever a query's \`WHERE\`
clause implies the index predicate.

An **expression index** stores the result of an expression, for lookups that transform the column:

${fence}sql
CREATE INDEX idx_profiles_email_lower ON profiles (lower(email));
SELECT id FROM profiles WHERE lower(email) = lower($1);
${fence}

The query must use the same expression, character for character, or the index is ignored.
`,
        ),
        video('Index-only scans in action', 'TearsOfSteel.mp4', 12 * 60 + 14),
      ],
    },
    {
      title: 'Concurrency and locks',
      lessons: [
        article(
          'MVCC in one page',
          `
# MVCC in one page

PostgreSQL never overwrites a row in place. An \`UPDATE\` writes a new row version and marks the old
one as expired; each transaction sees the versions that were committed when its snapshot was taken.
Readers never block writers, and writers never block readers.

The price is garbage: expired versions stay until **vacuum** removes them, and vacuum can only
remove versions that no open transaction might still need. One forgotten transaction left open in a
console holds back cleanup for the whole database:

${fence}sql
SELECT pid, state, xact_start, now() - xact_start AS age, query
  FROM pg_stat_activity
 WHERE xact_start IS NOT NULL
 ORDER BY xact_start
 LIMIT 5;
${fence}

Keep transactions short, never wait for user input inside one, and set
\`idle_in_transaction_session_timeout\` so mistakes clean themselves up.
`,
        ),
        article(
          'Finding lock waits',
          `
# Finding lock waits

When an endpoint is slow but the query plan is fine, the query may be *waiting*. Ask who blocks
whom:

${fence}sql
SELECT blocked.pid AS blocked_pid, blocked.query AS blocked_query,
       blocking.pid AS blocking_pid, blocking.query AS blocking_query
  FROM pg_stat_activity blocked
  JOIN pg_stat_activity blocking ON blocking.pid = ANY (pg_blocking_pids(blocked.pid))
 WHERE blocked.wait_event_type = 'Lock';
${fence}

Typical culprits are long transactions that updated a popular row (a counter, a parent record) and
schema changes that need an exclusive lock. Set \`lock_timeout\` for migrations so that a blocked
\`ALTER TABLE\` gives up instead of queueing every other query behind it.
`,
          {
            downloadableResources: [
              {
                name: 'PostgreSQL docs: Explicit Locking',
                url: 'https://www.postgresql.org/docs/current/explicit-locking.html',
                type: 'text/html',
              },
            ],
          },
        ),
      ],
    },
  ],
};

// ---------------------------------------------------------------- Accessible interfaces (subscription)

const accessibleInterfaces: DemoCourse = {
  instructor: 'ada',
  publish: true,
  course: {
    slug: 'designing-accessible-web-interfaces',
    title: 'Designing Accessible Web Interfaces',
    subtitle: 'Build interfaces that work for everyone, with keyboard, screen reader and zoom',
    description:
      'Accessibility is a quality of good engineering, not an afterthought. This course covers ' +
      'semantic HTML, keyboard interaction, focus management and accessible forms, with a screen ' +
      'reader walkthrough of a real page.',
    category: 'design',
    subcategory: 'accessibility',
    tags: ['accessibility', 'a11y', 'html', 'wcag'],
    difficultyLevel: 'intermediate',
    accessType: 'subscription',
    priceCents: 0,
    captionsAvailable: ['en'],
    prerequisites: ['HTML and CSS basics', 'Some JavaScript for the interaction lessons'],
    learningOutcomes: [
      'Choose the right HTML element before reaching for ARIA',
      'Make every interaction work with the keyboard alone',
      'Write form errors that screen reader users can find and fix',
    ],
    targetAudience: 'Front-end developers and designers who ship user interfaces.',
    metaDescription: 'Practical web accessibility: semantic HTML, keyboard support, focus and forms.',
    metaKeywords: ['web accessibility course', 'wcag', 'a11y'],
  },
  sections: [
    {
      title: 'Foundations',
      lessons: [
        video('Who accessibility is for', 'Sintel.mp4', 14 * 60 + 48, { isPreview: true }),
        article(
          'Semantic HTML first',
          `
# Semantic HTML first

The first rule of ARIA is: don't use ARIA if a native element does the job. A \`<button>\` is
focusable, activates with Enter and Space, and is announced as a button — for free:

${fence}html
<!-- Don't -->
<div class="btn" onclick="save()">Save</div>

<!-- Do -->
<button type="button" onclick="save()">Save</button>
${fence}

Landmarks (\`<header>\`, \`<nav>\`, \`<main>\`, \`<footer>\`) let screen reader users jump between
regions, and a logical heading outline (\`h1\` → \`h2\` → \`h3\`, no skipped levels) is how many of
them skim a page. Check yours by listing the headings: if the list alone does not tell the story of
the page, fix the headings before anything else.
`,
          {
            isPreview: true,
            downloadableResources: [
              {
                name: 'WCAG 2.2 quick reference',
                url: 'https://www.w3.org/WAI/WCAG22/quickref/',
                type: 'text/html',
              },
            ],
          },
        ),
      ],
    },
    {
      title: 'Interaction',
      lessons: [
        article(
          'Keyboard focus management',
          `
# Keyboard focus management

Everything you can do with a mouse must be possible with a keyboard, in a sensible order, with a
**visible** focus indicator. Never remove outlines without a replacement:

${fence}css
:focus-visible {
  outline: 3px solid #1d4ed8;
  outline-offset: 2px;
}
${fence}

When you open a dialog, move focus into it; when it closes, return focus to the control that opened
it. The native \`<dialog>\` element with \`showModal()\` traps focus and handles Escape for you:

${fence}js
const dialog = document.querySelector('#confirm');
const opener = document.activeElement;
dialog.showModal();
dialog.addEventListener('close', () => opener.focus(), { once: true });
${fence}
`,
        ),
        article(
          'Accessible forms and error messages',
          `
# Accessible forms and error messages

Every input needs a label that is programmatically tied to it, not just placed near it:

${fence}html
<label for="email">Email address</label>
<input id="email" name="email" type="email" autocomplete="email"
       aria-describedby="email-error" aria-invalid="true">
<p id="email-error">Enter an email address like name@example.com</p>
${fence}

Good error messages say what went wrong **and** how to fix it. On submit, summarise the errors at the
top of the form, link each one to its field, and move focus to the summary so screen reader users
hear it immediately.
`,
        ),
        video('Screen reader walkthrough', 'ForBiggerJoyrides.mp4', 11 * 60 + 2, {
          description: 'A real checkout page with VoiceOver and NVDA: what works and what does not.',
        }),
      ],
    },
  ],
};

// ---------------------------------------------------------------- a draft in progress

const rustDraft: DemoCourse = {
  instructor: 'ken',
  publish: false,
  course: {
    slug: 'rust-for-typescript-developers',
    title: 'Rust for TypeScript Developers',
    subtitle: 'Ownership, borrowing and enums, explained through what you already know',
    description: 'Work in progress: a bridge from TypeScript to Rust for web developers.',
    category: 'programming',
    subcategory: 'rust',
    tags: ['rust', 'typescript'],
    difficultyLevel: 'intermediate',
    accessType: 'paid',
    priceCents: 3900,
  },
  sections: [
    {
      title: 'Ownership',
      lessons: [
        article(
          'Values have one owner',
          `
# Values have one owner

In TypeScript, objects are shared by reference and the garbage collector frees them. In Rust, every
value has exactly one owner, and it is dropped when the owner goes out of scope:

${fence}rust
fn main() {
    let title = String::from("Rust for TypeScript Developers");
    let moved = title;          // ownership moves
    // println!("{title}");     // error: borrow of moved value
    println!("{moved}");
}
${fence}
`,
        ),
        video('Borrowing, visualised', 'BigBuckBunny.mp4', 8 * 60 + 30),
      ],
    },
  ],
};

// ---------------------------------------------------------------- Python practice (free): a quiz and a code challenge

const PRACTICE_SLUG = 'python-practice-quizzes-and-code';
const PRACTICE_QUIZ_LESSON = 'Check yourself: Python basics';

const pythonPractice: DemoCourse = {
  instructor: 'ada',
  publish: true,
  course: {
    slug: PRACTICE_SLUG,
    title: 'Python Practice: Quizzes and Code Challenges',
    subtitle: 'Test what you know with a graded quiz and a code challenge judged in a sandbox',
    description:
      'A short, free practice course: a graded quiz mixing choice, short-answer and code questions, ' +
      'and a code challenge you solve in Python or JavaScript. Your code runs in the judge and you get ' +
      'a verdict per test.',
    category: 'programming',
    subcategory: 'python',
    tags: ['python', 'practice', 'beginner-friendly'],
    difficultyLevel: 'beginner',
    accessType: 'free',
    priceCents: 0,
    language: 'en',
    learningOutcomes: ['Check your Python basics', 'Solve a small problem judged against hidden tests'],
    targetAudience: 'Anyone who wrote a few lines of Python and wants to practise.',
  },
  sections: [
    {
      title: 'Practice',
      description: 'A graded quiz, then a code challenge.',
      lessons: [
        article(
          'How the practice works',
          `
# How the practice works

The **quiz** mixes question types. Its code question runs your program against tests: some you can
see, some are hidden (you only learn whether they passed). The score appears once the judge has run
your code — usually within seconds.

The **code challenge** works the same way: *Run* tries the visible examples, *Submit* runs every test.
An accepted submission completes the lesson.
`,
          { isPreview: true },
        ),
        { title: PRACTICE_QUIZ_LESSON, contentType: 'quiz' },
      ],
    },
    {
      title: 'Challenge',
      description: 'Solve a problem in Python or JavaScript; the judge runs your code.',
      lessons: [
        article(
          'How your code is judged',
          `
# How your code is judged

Your program reads **standard input** and writes **standard output**. The judge runs it once per test
in a sandbox with no network and no files of the server, compares the output (trailing spaces do not
matter) and reports a verdict: accepted, wrong answer, time limit, memory limit, runtime error or
compilation error.
`,
        ),
      ],
    },
  ],
};

export const DEMO_COURSES: DemoCourse[] = [
  typescriptFromZero,
  postgresPerformance,
  accessibleInterfaces,
  rustDraft,
  pythonPractice,
];

/**
 * The assessments of the practice course. The quiz belongs to its quiz lesson; the code lesson
 * (created by the seed: code lessons are authored by the challenges module, not the lesson
 * editor) is appended to the course's last section with its challenge.
 */
export const DEMO_PRACTICE: {
  courseSlug: string;
  quizLessonTitle: string;
  quiz: Omit<CreateQuizInput, 'lessonId'>;
  questions: QuestionInput[];
  codeLessonTitle: string;
  challenge: Omit<ChallengeInput, 'lessonId'>;
} = {
  courseSlug: PRACTICE_SLUG,
  quizLessonTitle: PRACTICE_QUIZ_LESSON,
  quiz: {
    title: 'Python basics',
    description: 'Four questions; the code question is graded by the judge.',
    instructions: 'Take your time. You may try as often as you like; 70 % passes.',
    quizType: 'graded',
    passingScore: 70,
    timeLimitMinutes: null,
    maxAttempts: null,
    randomizeQuestions: false,
    randomizeAnswers: true,
    showCorrectAnswers: 'after_submission',
  },
  questions: [
    {
      questionType: 'multiple_choice',
      questionText: 'Which of these is a Python list?',
      explanation: 'Square brackets make a list; parentheses a tuple; braces with values a set.',
      hint: null,
      points: 1,
      allowMultiple: false,
      options: [
        { id: 'list', text: '[1, 2, 3]', isCorrect: true },
        { id: 'tuple', text: '(1, 2, 3)', isCorrect: false },
        { id: 'set', text: '{1, 2, 3}', isCorrect: false },
      ],
    },
    {
      questionType: 'true_false',
      questionText: 'In Python, indentation is part of the syntax.',
      explanation: 'Blocks are delimited by indentation, not braces.',
      hint: null,
      points: 1,
      correctAnswer: true,
    },
    {
      questionType: 'short_answer',
      questionText: "What does len('hello') return?",
      explanation: 'len counts the characters of a string: five.',
      hint: 'Count the letters.',
      points: 1,
      acceptedAnswers: ['5', 'five'],
      caseSensitive: false,
      numericTolerance: null,
    },
    {
      questionType: 'code',
      questionText: 'Read a name from standard input and print: Hello, NAME! (for example Hello, Ada!).',
      explanation: "print('Hello, ' + input() + '!') does it.",
      hint: 'input() reads one line.',
      points: 2,
      programmingLanguage: 'python',
      codeTemplate: 'name = input()\n',
      testCases: [
        { input: 'Ada', expectedOutput: 'Hello, Ada!', isHidden: false },
        { input: 'Grace Hopper', expectedOutput: 'Hello, Grace Hopper!', isHidden: true },
      ],
    },
  ],
  codeLessonTitle: 'Code challenge: sum the numbers',
  challenge: {
    title: 'Sum the numbers',
    description: 'Read whole numbers and print their sum.',
    difficulty: 'easy',
    category: 'algorithms',
    problemStatement:
      'Standard input holds whole numbers separated by spaces or new lines. Print their **sum**.',
    examples: '1 2 3 → 6',
    constraints: 'At most 1000 numbers, each between -10^6 and 10^6.',
    supportedLanguages: ['python', 'javascript'],
    starterCode: {
      python: 'import sys\n\nnumbers = sys.stdin.read().split()\n# print their sum\n',
      javascript:
        "const numbers = require('fs').readFileSync(0, 'utf8').split(/\\s+/).filter(Boolean);\n// print their sum\n",
    },
    solutionCode: {
      python: 'import sys\n\nprint(sum(int(x) for x in sys.stdin.read().split()))\n',
      javascript:
        "const numbers = require('fs').readFileSync(0, 'utf8').split(/\\s+/).filter(Boolean).map(Number);\nconsole.log(numbers.reduce((a, b) => a + b, 0));\n",
    },
    testCases: [
      { input: '1 2 3', expectedOutput: '6', isHidden: false },
      { input: '10\n-4', expectedOutput: '6', isHidden: false },
      { input: '1000000 -1000000 7', expectedOutput: '7', isHidden: true },
      { input: '42', expectedOutput: '42', isHidden: true },
    ],
    timeLimitMs: 2000,
    memoryLimitMb: 128,
    points: 100,
  },
};
