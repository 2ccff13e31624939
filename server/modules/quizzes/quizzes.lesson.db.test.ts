import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_JWT_SECRET, testConfig } from '../../../tests/helpers/test-app.ts';
import { createTestDatabase, type TestDatabase } from '../../../tests/helpers/test-db.ts';
import { buildApp, type App } from '../../app.ts';
import type { SessionUser } from '../../db/session.ts';
import { signAccessToken } from '../../platform/auth.ts';
import { buildCourse, makeUser, type BuiltCourse } from '../courses/courses.fixtures.ts';

// A quiz lesson authored the way the web editor does it: the lesson through the authoring API
// (content type `quiz`, no content of its own), then its quiz attached by lessonId.

let testDb: TestDatabase;
let app: App;
let owner: SessionUser;
let learner: SessionUser;
let course: BuiltCourse;

beforeAll(async () => {
  testDb = await createTestDatabase();
  const { db } = testDb;
  owner = await makeUser(db, 'instructor', 'olga');
  learner = await makeUser(db, 'student', 'lena');
  course = await buildCourse(db, owner);
  app = buildApp({ config: testConfig(), db });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await testDb?.close();
});

async function call(method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, user: SessionUser, body?: object) {
  const headers = { authorization: `Bearer ${await signAccessToken(TEST_JWT_SECRET, user, 600)}` };
  return app.inject({ method, url, headers, ...(body ? { payload: body } : {}) });
}

describe('quiz lessons through the authoring API', () => {
  it('creates a quiz lesson, attaches its quiz, and a learner reaches it by the lesson', async () => {
    const created = await call(
      'POST',
      `/api/courses/${course.id}/sections/${course.sectionIds[1]}/lessons`,
      owner,
      {
        contentType: 'quiz',
        title: 'Check yourself',
      },
    );
    expect(created.statusCode, created.body).toBe(201);
    const lesson = created.json();
    expect(lesson).toMatchObject({
      contentType: 'quiz',
      title: 'Check yourself',
      videoUrl: null,
      articleContent: null,
      downloadableResources: [],
    });

    // Until its quiz has a question, the publish checklist names the lesson.
    const lessonsHaveContent = async () =>
      (await call('GET', `/api/courses/${course.id}/checklist`, owner))
        .json()
        .items.find((i: { key: string }) => i.key === 'lessons_have_content');
    expect(await lessonsHaveContent()).toMatchObject({
      done: false,
      hint: expect.stringContaining('Check yourself'),
    });

    const quiz = await call('POST', `/api/courses/${course.id}/quizzes`, owner, {
      title: lesson.title,
      lessonId: lesson.id,
    });
    expect(quiz.statusCode, quiz.body).toBe(201);
    const question = await call('POST', `/api/quizzes/${quiz.json().id}/questions`, owner, {
      questionType: 'true_false',
      questionText: 'Tests can fail.',
      correctAnswer: true,
    });
    expect(question.statusCode, question.body).toBe(201);
    expect(await lessonsHaveContent()).toMatchObject({ done: true });

    expect((await call('POST', `/api/courses/${course.id}/enrollment`, learner)).statusCode).toBe(200);
    const overview = await call('GET', `/api/lessons/${lesson.id}/quiz`, learner);
    expect(overview.statusCode, overview.body).toBe(200);
    expect(overview.json()).toMatchObject({
      access: 'learner',
      quiz: { id: quiz.json().id, lessonId: lesson.id, questionCount: 1 },
    });

    // The course outline shows the lesson as a quiz.
    const authoring = await call('GET', `/api/authoring/courses/${course.id}`, owner);
    const lessons = authoring.json().sections.flatMap((s: { lessons: unknown[] }) => s.lessons);
    expect(lessons).toContainEqual(
      expect.objectContaining({ id: lesson.id, contentType: 'quiz', quizQuestionCount: 1 }),
    );
  });

  it('refuses content fields on a quiz lesson and turning it into another type', async () => {
    const withContent = await call(
      'POST',
      `/api/courses/${course.id}/sections/${course.sectionIds[0]}/lessons`,
      owner,
      { contentType: 'quiz', title: 'Quiz', articleContent: 'not here' },
    );
    expect(withContent.statusCode).toBe(400);
    expect(withContent.json().error.code).toBe('validation_failed');

    const lesson = (
      await call('POST', `/api/courses/${course.id}/sections/${course.sectionIds[0]}/lessons`, owner, {
        contentType: 'quiz',
        title: 'Quiz',
      })
    ).json();
    const retyped = await call('PATCH', `/api/courses/${course.id}/lessons/${lesson.id}`, owner, {
      contentType: 'article',
      articleContent: 'Now an article',
    });
    expect(retyped.statusCode).toBe(400);
  });

  it("lists a course-level quiz in the learner's course progress as a final exam, passed once passed", async () => {
    const exam = await call('POST', `/api/courses/${course.id}/quizzes`, owner, {
      title: 'Final exam',
      quizType: 'final_exam',
      passingScore: 50,
    });
    expect(exam.statusCode, exam.body).toBe(201);
    const question = await call('POST', `/api/quizzes/${exam.json().id}/questions`, owner, {
      questionType: 'true_false',
      questionText: 'Exams can be passed.',
      correctAnswer: true,
    });
    expect(question.statusCode, question.body).toBe(201);
    expect((await call('POST', `/api/courses/${course.id}/enrollment`, learner)).statusCode).toBe(200);

    const exams = async () => (await call('GET', `/api/courses/${course.id}/progress`, learner)).json().exams;
    expect(await exams()).toContainEqual({ id: exam.json().id, title: 'Final exam', passed: false });

    const started = await call('POST', `/api/quizzes/${exam.json().id}/attempts`, learner);
    expect(started.statusCode, started.body).toBe(201);
    const attemptId = started.json().attempt.id;
    const saved = await call(
      'PUT',
      `/api/quiz-attempts/${attemptId}/answers/${question.json().id}`,
      learner,
      {
        answer: { choices: ['true'] },
        clientSeq: 1,
      },
    );
    expect(saved.statusCode, saved.body).toBe(200);
    expect((await call('POST', `/api/quiz-attempts/${attemptId}/submit`, learner)).statusCode).toBe(200);
    expect(await exams()).toContainEqual({ id: exam.json().id, title: 'Final exam', passed: true });

    // Someone not enrolled in the course sees no exams (no progress at all).
    const stranger = await makeUser(testDb.db, 'student', 'sven');
    const theirs = await call('GET', `/api/courses/${course.id}/progress`, stranger);
    expect(theirs.json()).toMatchObject({ access: 'none', exams: [] });
  });

  it('does not let a learner create a quiz lesson (learners are not authors: 403)', async () => {
    const response = await call(
      'POST',
      `/api/courses/${course.id}/sections/${course.sectionIds[0]}/lessons`,
      learner,
      { contentType: 'quiz', title: 'Mine' },
    );
    expect(response.statusCode).toBe(403);
  });
});
