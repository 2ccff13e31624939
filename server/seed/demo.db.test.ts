import { createPasswordHasher, OWASP_ARGON2_MINIMUM } from '../platform/passwords/passwords.ts';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryLogger, testConfig } from '../../tests/helpers/test-app.ts';
import { createTestDatabase, type TestDatabase } from '../../tests/helpers/test-db.ts';
import { createJobs } from '../platform/jobs/jobs.ts';
import { startJudgeWorker } from '../modules/challenges/judge-worker.ts';
import { listCourses } from '../modules/catalog/catalog.service.ts';
import { callerFor, getCoursePage } from '../modules/courses/courses.service.ts';
import { DEMO_COURSES, DEMO_PRACTICE } from './demo-content.ts';
import { seedDemo } from './demo.ts';

let testDb: TestDatabase;
let accounts: Awaited<ReturnType<typeof seedDemo>>['accounts'];
const steps: Array<[string, number, number]> = [];

beforeAll(async () => {
  testDb = await createTestDatabase();
  ({ accounts } = await seedDemo(testDb.db, { onProgress: (...step) => void steps.push(step) }));
});

afterAll(async () => {
  await testDb?.close();
});

async function countRows() {
  return testDb.db.asSystem(async (tx) => {
    const { rows } = await sql<Record<string, number>>`
      select (select count(*) from auth.users) as users, (select count(*) from courses) as courses,
             (select count(*) from course_sections) as sections, (select count(*) from course_lessons) as lessons,
             (select count(*) from enrollments) as enrollments, (select count(*) from lesson_progress) as progress,
             (select count(*) from course_reviews) as reviews`.execute(tx);
    return rows[0]!;
  });
}

describe('seedDemo', () => {
  it('creates the demo accounts with every role and hashed passwords', async () => {
    expect(accounts).toHaveLength(8);
    expect(accounts.filter((a) => a.role === 'admin')).toHaveLength(1);
    expect(accounts.filter((a) => a.role === 'instructor')).toHaveLength(2);
    expect(accounts.filter((a) => a.role === 'student').length).toBeGreaterThanOrEqual(4);

    const stored = await testDb.db.asSystem((tx) =>
      tx
        .selectFrom('auth.users as u')
        .innerJoin('profiles as p', 'p.id', 'u.id')
        .select(['u.email', 'u.encryptedPassword', 'u.emailConfirmedAt', 'p.role'])
        .execute(),
    );
    for (const account of accounts) {
      const row = stored.find((s) => s.email === account.email)!;
      expect(row.role).toBe(account.role);
      expect(row.emailConfirmedAt).not.toBeNull();
      expect(row.encryptedPassword).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      expect(row.encryptedPassword).not.toContain(account.password);
    }
    // The printed passwords are the real ones: sign-in verifies them.
    const hasher = createPasswordHasher(OWASP_ARGON2_MINIMUM);
    for (const account of accounts.slice(0, 2)) {
      const row = stored.find((s) => s.email === account.email)!;
      expect(await hasher.verify(row.encryptedPassword, account.password)).toEqual({
        ok: true,
        needsRehash: false,
      });
    }
    expect(steps.at(-1)).toEqual([expect.any(String), steps.length, steps.length]);
  });

  it('leaves counters kept by the triggers consistent with the data', async () => {
    const courses = await testDb.db.asSystem((tx) =>
      tx
        .selectFrom('courses')
        .select(['slug', 'status', 'lessonCount', 'enrollmentCount', 'totalReviews', 'averageRating'])
        .orderBy('slug')
        .execute(),
    );
    expect(courses).toEqual([
      {
        slug: 'designing-accessible-web-interfaces',
        status: 'published',
        lessonCount: 5,
        enrollmentCount: 2,
        totalReviews: 1,
        averageRating: 4,
      },
      {
        slug: 'postgresql-performance-in-practice',
        status: 'published',
        lessonCount: 7,
        enrollmentCount: 2,
        totalReviews: 2,
        averageRating: 4.5,
      },
      {
        slug: 'python-practice-quizzes-and-code',
        status: 'published',
        lessonCount: 4,
        enrollmentCount: 1,
        totalReviews: 1,
        averageRating: 5,
      },
      {
        slug: 'rust-for-typescript-developers',
        status: 'draft',
        lessonCount: 2,
        enrollmentCount: 0,
        totalReviews: 0,
        averageRating: 0,
      },
      {
        slug: 'typescript-from-zero',
        status: 'published',
        lessonCount: 8,
        enrollmentCount: 4,
        totalReviews: 3,
        averageRating: 4.67,
      },
    ]);
    for (const demo of DEMO_COURSES) {
      // The practice course's code lesson is added with its challenge (seedPracticeAssessments).
      const codeLessons = demo.course.slug === DEMO_PRACTICE.courseSlug ? 1 : 0;
      const expected = demo.sections.reduce((n, s) => n + s.lessons.length, 0) + codeLessons;
      expect(courses.find((c) => c.slug === demo.course.slug)?.lessonCount).toBe(expected);
    }

    const progress = await testDb.db.asSystem((tx) =>
      tx
        .selectFrom('enrollments as e')
        .innerJoin('profiles as p', 'p.id', 'e.userId')
        .innerJoin('courses as c', 'c.id', 'e.courseId')
        .where('c.slug', '=', 'typescript-from-zero')
        .select([
          'p.email',
          'e.accessType',
          'e.progressPercentage',
          'e.completedLessons',
          'e.totalLessons',
          'e.isCompleted',
        ])
        .orderBy('p.email')
        .execute(),
    );
    expect(progress).toEqual([
      expect.objectContaining({
        email: 'alan@usefulwriter.example',
        progressPercentage: 37,
        completedLessons: 3,
      }),
      expect.objectContaining({
        email: 'grace@usefulwriter.example',
        progressPercentage: 100,
        isCompleted: true,
      }),
      expect.objectContaining({
        email: 'linus@usefulwriter.example',
        progressPercentage: 0,
        totalLessons: 8,
      }),
      expect.objectContaining({ email: 'margaret@usefulwriter.example', progressPercentage: 12 }),
    ]);
    expect(progress.every((p) => p.accessType === 'free_grant')).toBe(true);
  });

  it('shows anon exactly the published courses, with outline but no lesson content', async () => {
    const anon = callerFor(testDb.db, null);
    const list = await listCourses(anon, { limit: 50 });
    const published = DEMO_COURSES.filter((d) => d.publish).map((d) => d.course.slug);
    expect(list.items.map((c) => c.slug).sort()).toEqual([...published].sort());

    const visible = await testDb.db.asAnon((tx) => tx.selectFrom('courses').select('slug').execute());
    expect(visible.map((c) => c.slug).sort()).toEqual([...published].sort());

    for (const slug of published) {
      const page = await getCoursePage(anon, slug);
      expect(page.instructor?.bio).toEqual(expect.any(String));
      expect(page.sections.length).toBeGreaterThanOrEqual(2);
      expect(page.latestReviews.length).toBeGreaterThanOrEqual(1);
      // The course's own preview video is public; no lesson's video, article or address is.
      const { previewVideoUrl, ...rest } = page;
      expect(JSON.stringify(rest)).not.toMatch(
        /```|googleapis|videoUrl|articleContent|@usefulwriter\.example/,
      );
      if (slug === 'typescript-from-zero') expect(previewVideoUrl).toMatch(/^https:\/\/.*\.mp4$/);
    }
    await expect(getCoursePage(anon, 'rust-for-typescript-developers')).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('adds a graded quiz lesson and a code lesson whose challenge the judge publishes', async () => {
    const [practice] = await sql<{ id: string }>`
      select id from courses where slug = ${DEMO_PRACTICE.courseSlug}`
      .execute(testDb.handle.kysely)
      .then((r) => r.rows);
    const { rows: questions } = await sql<{ questionType: string }>`
      select qq.question_type from quiz_questions qq join quizzes q on q.id = qq.quiz_id
        join course_lessons l on l.id = q.lesson_id and l.content_type = 'quiz'
       where q.course_id = ${practice!.id} and q.quiz_type = 'graded' and qq.deleted_at is null
       order by qq.sort_order`.execute(testDb.handle.kysely);
    expect(questions.map((q) => q.questionType)).toEqual([
      'multiple_choice',
      'true_false',
      'short_answer',
      'code',
    ]);

    const challengeOf = async () =>
      (
        await sql<{ status: string; contentType: string; title: string }>`
          select c.status, l.content_type, l.title from code_challenges c join course_lessons l on l.id = c.lesson_id
           where c.course_id = ${practice!.id}`.execute(testDb.handle.kysely)
      ).rows;
    // This host can judge: the seed asked for the real publish check (see seedPracticeAssessments).
    expect(await challengeOf()).toEqual([
      { status: 'checking', contentType: 'code', title: DEMO_PRACTICE.codeLessonTitle },
    ]);
    const logger = memoryLogger().logger;
    const jobs = createJobs({ db: testDb.db, logger, pollingIntervalSeconds: 0.5 });
    const worker = await startJudgeWorker({
      db: testDb.db,
      jobs,
      logger,
      config: testConfig({ UW_JUDGE_SLOTS: '1' }).judge,
    });
    try {
      expect(await worker.ready).toEqual({ state: 'ready' });
      await jobs.relayOutbox();
      let status = 'checking';
      for (let i = 0; i < 600 && status === 'checking'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        status = (await challengeOf())[0]!.status;
      }
      // The solution passes every test in Python and JavaScript.
      expect(status).toBe('published');
    } finally {
      await jobs.stop();
      await worker.stop();
    }
  }, 120_000);

  it('is a no-op the second time, and still returns the accounts', async () => {
    const before = await countRows();
    const again = await seedDemo(testDb.db);
    expect(again.accounts).toEqual(accounts);
    expect(await countRows()).toEqual(before);
    expect(before).toMatchObject({ users: 8, courses: 5, enrollments: 9, reviews: 7 });
  });
});
