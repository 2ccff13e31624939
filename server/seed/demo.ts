import { sql } from 'kysely';
import type { Db, SessionUser } from '../db/session.ts';
import {
  addReview,
  callerFor,
  enrolFree,
  enrolWithSubscription,
} from '../modules/courses/courses.service.ts';
import {
  createCourse,
  createLesson,
  createSection,
  publishCourse,
} from '../modules/authoring/authoring.service.ts';
import { requestPublish } from '../modules/challenges/challenges.queries.ts';
import { createChallenge } from '../modules/challenges/challenges.service.ts';
import { sandboxStatus } from '../modules/judge/judge.ts';
import { addQuestion, createQuiz } from '../modules/quizzes/quizzes.service.ts';
import { createAccount, type AccountSpec } from './accounts.ts';
import { DEMO_COURSES, DEMO_PRACTICE, type DemoPerson } from './demo-content.ts';

export interface DemoAccount {
  email: string;
  password: string;
  role: string;
}

export interface SeedDemoOptions {
  onProgress?: (step: string, done: number, total: number) => void;
}

const YEAR_MS = 365 * 24 * 3600 * 1000;

/** Who the demo school is. Plaintext passwords are the point: they are printed for signing in. */
const PEOPLE: Record<DemoPerson, Omit<AccountSpec, 'subscription'> & { subscribed?: boolean }> = {
  admin: {
    email: 'admin@usefulwriter.example',
    password: 'demo-admin-password',
    fullName: 'Avery Admin',
    role: 'admin',
  },
  ada: {
    email: 'ada@usefulwriter.example',
    password: 'demo-instructor-password',
    fullName: 'Ada Lovelace',
    displayName: 'Ada Lovelace',
    role: 'instructor',
    bio: 'Programmer and teacher. Twelve years of shipping TypeScript in production, and of explaining it to people who just want their code to work.',
  },
  ken: {
    email: 'ken@usefulwriter.example',
    password: 'demo-instructor-password',
    fullName: 'Ken Thompson',
    displayName: 'Ken T.',
    role: 'instructor',
    bio: 'Database engineer. Has tuned PostgreSQL clusters from a laptop to petabytes and still reads every query plan twice.',
  },
  grace: {
    email: 'grace@usefulwriter.example',
    password: 'demo-student-password',
    fullName: 'Grace Hopper',
    role: 'student',
    timezone: 'America/New_York',
  },
  alan: {
    email: 'alan@usefulwriter.example',
    password: 'demo-student-password',
    fullName: 'Alan Turing',
    role: 'student',
    timezone: 'Europe/London',
  },
  margaret: {
    email: 'margaret@usefulwriter.example',
    password: 'demo-student-password',
    fullName: 'Margaret Hamilton',
    role: 'student',
    timezone: 'America/Los_Angeles',
    subscribed: true,
  },
  linus: {
    email: 'linus@usefulwriter.example',
    password: 'demo-student-password',
    fullName: 'Linus Torvalds',
    role: 'student',
    timezone: 'Europe/Helsinki',
  },
  barbara: {
    email: 'barbara@usefulwriter.example',
    password: 'demo-student-password',
    fullName: 'Barbara Liskov',
    role: 'student',
    timezone: 'America/Chicago',
    subscribed: true,
  },
};

/** Who learns what: free courses by enrolFree, subscription ones by enrolWithSubscription, paid by purchase. */
const ENROLMENTS: Array<{ course: string; learner: DemoPerson; completedLessons: number }> = [
  { course: 'typescript-from-zero', learner: 'grace', completedLessons: 8 },
  { course: 'typescript-from-zero', learner: 'alan', completedLessons: 3 },
  { course: 'typescript-from-zero', learner: 'margaret', completedLessons: 1 },
  { course: 'typescript-from-zero', learner: 'linus', completedLessons: 0 },
  { course: 'postgresql-performance-in-practice', learner: 'grace', completedLessons: 4 },
  { course: 'postgresql-performance-in-practice', learner: 'barbara', completedLessons: 2 },
  { course: 'designing-accessible-web-interfaces', learner: 'margaret', completedLessons: 2 },
  { course: 'designing-accessible-web-interfaces', learner: 'barbara', completedLessons: 0 },
  { course: 'python-practice-quizzes-and-code', learner: 'linus', completedLessons: 1 },
];

const REVIEWS: Array<{
  course: string;
  learner: DemoPerson;
  rating: number;
  title: string;
  comment: string;
}> = [
  {
    course: 'typescript-from-zero',
    learner: 'grace',
    rating: 5,
    title: 'Finally, generics make sense',
    comment: 'Short lessons, real code, no filler. The generics lesson alone was worth it.',
  },
  {
    course: 'typescript-from-zero',
    learner: 'alan',
    rating: 4,
    title: 'Great start',
    comment: 'Clear explanations of inference and narrowing. I would love a section on declaration files.',
  },
  {
    course: 'typescript-from-zero',
    learner: 'margaret',
    rating: 5,
    title: 'Perfect for JavaScript developers',
    comment: 'It starts exactly where I was and never wastes my time.',
  },
  {
    course: 'postgresql-performance-in-practice',
    learner: 'grace',
    rating: 5,
    title: 'Changed how I debug slow queries',
    comment: 'The EXPLAIN ANALYZE walkthrough paid for the course on the first day back at work.',
  },
  {
    course: 'postgresql-performance-in-practice',
    learner: 'barbara',
    rating: 4,
    title: 'Dense but excellent',
    comment: 'Advanced indeed. The MVCC page is the best one-page explanation I have read.',
  },
  {
    course: 'designing-accessible-web-interfaces',
    learner: 'margaret',
    rating: 4,
    title: 'Practical and humane',
    comment: 'The focus-management examples went straight into our design system.',
  },
  {
    course: 'python-practice-quizzes-and-code',
    learner: 'linus',
    rating: 5,
    title: 'Instant feedback on real code',
    comment: 'The hidden tests caught an edge case I would never have checked myself.',
  },
];

/**
 * Loads the demo school (an admin, two instructors, five learners, three published courses and a
 * draft, enrolments with progress, reviews). Courses, enrolments and reviews go through the
 * product's own service functions as the acting person; only what has no product path yet runs as
 * the system, each place saying why. Idempotent: when the admin account exists, nothing is written.
 */
export async function seedDemo(
  db: Db,
  options: SeedDemoOptions = {},
): Promise<{ accounts: Array<{ email: string; password: string; role: string }> }> {
  const accounts: DemoAccount[] = Object.values(PEOPLE).map(({ email, password, role }) => ({
    email,
    password,
    role,
  }));
  const people = Object.keys(PEOPLE) as DemoPerson[];
  const total = people.length + DEMO_COURSES.length + ENROLMENTS.length + REVIEWS.length;
  let done = 0;
  const progress = (step: string) => options.onProgress?.(step, ++done, total);

  if (await accountExists(db, PEOPLE.admin.email)) {
    options.onProgress?.('demo data already present', total, total);
    return { accounts };
  }

  const users = {} as Record<DemoPerson, SessionUser>;
  for (const person of people) {
    const { subscribed, ...spec } = PEOPLE[person];
    users[person] = await createAccount(db, {
      ...spec,
      ...(subscribed ? { subscription: { tier: 'premium', expiresAt: new Date(Date.now() + YEAR_MS) } } : {}),
    });
    progress(`account ${spec.email}`);
  }

  const courses = new Map<string, { id: string; lessonIds: string[] }>();
  for (const demo of DEMO_COURSES) {
    const instructor = callerFor(db, users[demo.instructor]);
    const course = await createCourse(instructor, demo.course);
    const lessonIds: string[] = [];
    for (const section of demo.sections) {
      const created = await createSection(instructor, course.id, {
        title: section.title,
        description: section.description,
      });
      for (const lesson of section.lessons) {
        lessonIds.push((await createLesson(instructor, course.id, created.id, lesson)).id);
      }
    }
    if (demo.course.slug === DEMO_PRACTICE.courseSlug) {
      // Its quiz must have questions before the course may be published.
      await seedPracticeAssessments(db, users[demo.instructor], course.id);
    }
    if (demo.publish) await publishCourse(instructor, course.id);
    courses.set(course.slug, { id: course.id, lessonIds });
    progress(`course ${course.slug}`);
  }

  for (const enrolment of ENROLMENTS) {
    const course = courses.get(enrolment.course)!;
    const demo = DEMO_COURSES.find((d) => d.course.slug === enrolment.course)!;
    const learner = users[enrolment.learner];
    if (demo.course.accessType === 'free') await enrolFree(callerFor(db, learner), course.id);
    else if (demo.course.accessType === 'subscription')
      await enrolWithSubscription(callerFor(db, learner), course.id);
    else await recordDemoPurchase(db, learner, course.id, demo.course.priceCents ?? 0);
    for (const lessonId of course.lessonIds.slice(0, enrolment.completedLessons)) {
      await completeDemoLesson(db, learner, lessonId);
    }
    progress(`enrolment ${enrolment.learner} → ${enrolment.course}`);
  }

  for (const review of REVIEWS) {
    const { id } = courses.get(review.course)!;
    await addReview(callerFor(db, users[review.learner]), id, {
      rating: review.rating,
      title: review.title,
      comment: review.comment,
    });
    progress(`review ${review.learner} → ${review.course}`);
  }

  return { accounts };
}

/** Whether an account with this address exists. System path: auth.users is not readable by request roles. */
async function accountExists(db: Db, email: string): Promise<boolean> {
  const { rows } = await db.asSystem((tx) =>
    sql<{
      present: boolean;
    }>`select exists (select 1 from auth.users where lower(email) = lower(${email})) as present`.execute(tx),
  );
  return rows[0]?.present === true;
}

/**
 * A paid enrolment as the checkout would record it. System path: paid enrolments are written only
 * once a payment is confirmed (access.md), and the payments module does not exist yet.
 */
async function recordDemoPurchase(
  db: Db,
  learner: SessionUser,
  courseId: string,
  priceCents: number,
): Promise<void> {
  await db.asSystem((tx) =>
    tx
      .insertInto('enrollments')
      .values({
        userId: learner.id,
        courseId,
        accessType: 'purchased',
        paymentAmountCents: priceCents,
        paymentMethod: 'test_checkout',
        transactionId: `demo-${courseId.slice(0, 8)}-${learner.id.slice(0, 8)}`,
      })
      .execute(),
  );
}

/**
 * Marks a lesson completed. There is no progress module yet, so this writes lesson_progress
 * directly — but as the learner, under the same RLS policy the player will use (own row, enrolled
 * course), not as the system.
 */
async function completeDemoLesson(db: Db, learner: SessionUser, lessonId: string): Promise<void> {
  await db.asUser(learner, (tx) =>
    tx
      .insertInto('lessonProgress')
      // course_id and enrollment_id are derived by the lesson_progress_prepare trigger, never sent.
      .values({ lessonId, status: 'completed', timeSpentMinutes: 12, lastAccessedAt: new Date() } as never)
      .execute(),
  );
}

/**
 * The practice course's graded quiz and its code lesson with a published Python + JavaScript
 * challenge, authored by the instructor through the product's services.
 *
 * Publishing goes through the real gate when this host can judge: the challenge is put in
 * `checking` and a publish-check job waits in the outbox; the judge worker (started right after the
 * seed, same process by default) runs the solution against every test in both languages and
 * publishes it. When the sandbox cannot run here (no bubblewrap or namespaces), the check could only
 * fail, so the seed marks the challenge published through a system path instead — its solution is
 * the one the gate accepts on a healthy host (server/seed/demo.db.test.ts runs it through the gate),
 * and learners' submissions wait as judge_unavailable until a judge runs.
 */
async function seedPracticeAssessments(db: Db, author: SessionUser, courseId: string): Promise<void> {
  const caller = callerFor(db, author);
  // Lessons in course order (section, then lesson): the code lesson goes after the last one.
  const lessons = await db.asUser(author, (tx) =>
    tx
      .selectFrom('courseLessons as l')
      .innerJoin('courseSections as s', 's.id', 'l.sectionId')
      .select(['l.id', 'l.title', 'l.sectionId', 'l.sortOrder'])
      .where('l.courseId', '=', courseId)
      .where('l.deletedAt', 'is', null)
      .orderBy('s.sortOrder')
      .orderBy('l.sortOrder')
      .execute(),
  );
  const quizLesson = lessons.find((l) => l.title === DEMO_PRACTICE.quizLessonTitle)!;
  const quiz = await createQuiz(caller, courseId, { ...DEMO_PRACTICE.quiz, lessonId: quizLesson.id });
  for (const question of DEMO_PRACTICE.questions) await addQuestion(caller, quiz.id, question);

  // Code lessons are authored with their challenge (the lesson editor leaves them to that module).
  const last = lessons.at(-1)!;
  const { id: codeLessonId } = await db.asUser(author, (tx) =>
    tx
      .insertInto('courseLessons')
      .values({
        courseId,
        sectionId: last.sectionId,
        title: DEMO_PRACTICE.codeLessonTitle,
        sortOrder: last.sortOrder + 1,
        contentType: 'code',
      })
      .returning('id')
      .executeTakeFirstOrThrow(),
  );
  const challenge = await createChallenge(caller, courseId, {
    ...DEMO_PRACTICE.challenge,
    lessonId: codeLessonId,
  });
  const judgeable = await sandboxStatus().then(
    (status) =>
      status.available &&
      DEMO_PRACTICE.challenge.supportedLanguages.every((l) => status.languages[l]?.available),
    () => false,
  );
  if (judgeable) {
    // The real gate, as the instructor's Publish button: the worker's check publishes it.
    await caller.db.run((tx) => requestPublish(tx, challenge.id));
  } else {
    // System path: no judge on this host to run the gate (see above).
    await db.asSystem((tx) =>
      tx.updateTable('codeChallenges').set({ status: 'published' }).where('id', '=', challenge.id).execute(),
    );
  }
}
