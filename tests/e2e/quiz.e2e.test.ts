import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCourse,
  createLesson,
  createSection,
  publishCourse,
} from '../../server/modules/authoring/authoring.service.ts';
import { callerFor } from '../../server/modules/courses/courses.service.ts';
import { createAccount } from '../../server/seed/accounts.ts';
import {
  browsers,
  expectNoHorizontalOverflow,
  screenshot,
  startApp,
  VIEWPORTS,
  watchForProblems,
  type Browser,
  type RunningApp,
} from './harness.ts';

/**
 * Quizzes end to end. An instructor authors a timed graded quiz in the course editor (a quiz
 * lesson, its settings, three questions with keys carrying canary strings, reorder, duplicate and
 * delete). A learner on a phone enrols and takes it: reloads mid-way and keeps the time left and
 * the saved answers, submits, and sees results per the policy — and no page, script or API
 * response carried a canary before the submit. The instructor sees the attempt and the item
 * analysis, grants an extra attempt; in that attempt the time runs out in the browser and the
 * results come back, submitted at the deadline.
 */
const SLUG = 'quiz-journey';
const TEACHER = { email: 'quinn@teachers.example', password: 'quinn-writes-quizzes' };
const STUDENT = { email: 'tara@learners.example', password: 'tara-takes-the-test' };
const tag = (kind: string) => `cnry-${kind}-${randomBytes(4).toString('hex')}`;
/** The correct option's text: learners see every option's text, so it is not a secret itself. */
const CORRECT_OPTION = `Mars ${tag('option')}`;
/** Strings that must not reach a learner before the policy allows. */
const CANARY = {
  explanation: tag('explanation'),
  accepted: tag('accepted'),
  tfExplanation: tag('tf-explanation'),
};

interface Seeded {
  courseId: string;
  sectionId: string;
}

/** A free published course with one article, by its instructor; the quiz is authored in the browser. */
async function seedCourse(running: RunningApp): Promise<Seeded> {
  const db = running.database.db;
  const teacher = await createAccount(db, { ...TEACHER, fullName: 'Quinn Quiz', role: 'instructor' });
  await createAccount(db, { ...STUDENT, fullName: 'Tara Taker', role: 'student' });
  const author = callerFor(db, teacher);
  const course = await createCourse(author, {
    slug: SLUG,
    title: 'Quiz Journey',
    description: 'A short course with a timed quiz.',
    category: 'programming',
    difficultyLevel: 'beginner',
    accessType: 'free',
    learningOutcomes: ['Pass a quiz'],
  });
  const section = await createSection(author, course.id, { title: 'Learn and check' });
  await createLesson(author, course.id, section.id, {
    title: 'Planets',
    contentType: 'article',
    articleContent: 'Mars is red. Paris is the capital of France.',
  });
  await publishCourse(author, course.id);
  return { courseId: course.id, sectionId: section.id };
}

async function signIn(page: Page, baseUrl: string, who: { email: string; password: string }, next: string) {
  await page.goto(`${baseUrl}/sign-in?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Email address').fill(who.email);
  await page.getByLabel('Password', { exact: true }).fill(who.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** Every HTML, script and API body the page receives, to look for canaries in. */
function recordBodies(page: Page) {
  const bodies: Array<{ url: string; text: string }> = [];
  page.on('response', (response) => {
    const type = response.headers()['content-type'] ?? '';
    if (!/html|javascript|json/.test(type)) return;
    void response
      .text()
      .then((text) => bodies.push({ url: response.url(), text }))
      .catch(() => {});
  });
  return bodies;
}

/** Which option is correct travels as a flag or an id list: neither may appear before the policy allows. */
const KEY_MARKERS = [/"is_?correct"/i, /"correctOptionIds":\[/, /"acceptedAnswers":\[/, /"explanation":"/];

const canariesIn = (bodies: Array<{ url: string; text: string }>) =>
  bodies.flatMap(({ url, text }) => [
    ...Object.values(CANARY)
      .filter((c) => text.includes(c))
      .map((c) => `${c} in ${url}`),
    ...(url.includes('/api/') ? KEY_MARKERS : [])
      .filter((marker) => marker.test(text))
      .map((marker) => `${marker} in ${url}`),
  ]);

/** The seconds the timer shows ("Time left 9:52" → 592). */
async function timerSeconds(page: Page): Promise<number> {
  const text = (await page.getByTestId('quiz-timer').locator('[aria-hidden="true"]').textContent()) ?? '';
  const match = /(\d+):(\d\d)$/.exec(text.trim());
  if (!match) throw new Error(`no timer in "${text}"`);
  return Number(match[1]) * 60 + Number(match[2]);
}

/** Answers whichever question is on screen, rightly. */
async function answerShown(page: Page) {
  const question = page.locator('.quiz-question');
  const text = (await question.textContent()) ?? '';
  if (text.includes('Which planet is red?')) await question.getByLabel(/^Mars/).check();
  else if (text.includes('capital of France')) await question.getByLabel('Your answer').fill('  paris ');
  else if (text.includes('The Sun is a star')) await question.getByLabel('True').check();
  else throw new Error(`unexpected question: ${text}`);
}

describe('quiz journey: author, take with a reload, results, instructor views', () => {
  let running: RunningApp;
  let browser: Browser;
  let seeded: Seeded;
  let teacherContext: BrowserContext;
  let quizLessonId = '';
  let quizId = '';
  let examId = '';

  beforeAll(async () => {
    browser = browsers();
    running = await startApp();
    seeded = await seedCourse(running);
  });

  afterAll(async () => {
    await browser?.close();
    await running?.close();
  });

  it('an instructor adds a quiz lesson and authors a timed graded quiz', async () => {
    teacherContext = await browser.newProfile(VIEWPORTS.desktop);
    const page = await teacherContext.newPage();
    const problems = watchForProblems(page, () => false);
    await signIn(page, running.baseUrl, TEACHER, `/author/courses/${seeded.courseId}/curriculum`);
    await page.getByRole('link', { name: 'Add a lesson to Learn and check' }).click();
    await page.getByLabel('Lesson title').fill('Checkpoint');
    await page.getByLabel('Lesson type').selectOption('quiz');
    await page.getByText('After you add the lesson, its quiz opens').waitFor();
    await page.getByRole('button', { name: 'Add lesson' }).click();
    await page.waitForURL(/\/quizzes\/[0-9a-f-]{36}$/);
    quizId = page.url().split('/').pop()!;
    await page.getByRole('heading', { name: 'Quiz: Checkpoint' }).waitFor();

    // Settings: graded, 10 minutes, 50 % to pass, answers after submission.
    await page.getByLabel('Time limit (minutes)').fill('10');
    await page.getByLabel('Passing score (%)').fill('50');
    await page.getByLabel('Show correct answers').selectOption('after_submission');
    await page.getByLabel('Shuffle the options').uncheck();
    await page.getByLabel('Instructions (optional)').fill('Answer all three. The timer keeps running.');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Settings saved.').waitFor();

    // A single choice question; its correct option and explanation carry canaries.
    const questions = page.locator('.question-list');
    await page.getByRole('button', { name: 'Add a question' }).click();
    await page.getByRole('heading', { name: 'New question 1' }).waitFor();
    await page.getByLabel('Question', { exact: true }).fill('Which planet is red?');
    await page.getByLabel('Option 1', { exact: true }).fill(CORRECT_OPTION);
    await page.getByLabel('Option 2', { exact: true }).fill('Venus');
    await page.getByRole('button', { name: 'Add an option' }).click();
    await page.getByLabel('Option 3', { exact: true }).fill('Earth');
    await page.getByLabel('Explanation (optional)').fill(`Iron oxide. ${CANARY.explanation}`);
    await page.getByRole('button', { name: 'Save question' }).click();
    await questions.getByText('Which planet is red?').waitFor();

    // A short answer: "Paris" (any case and spacing), and a canary as a second accepted answer.
    // An empty key is refused before sending.
    await page.getByRole('button', { name: 'Add a question' }).click();
    await page.getByLabel('Question type').selectOption('short_answer');
    await page.getByLabel('Question', { exact: true }).fill('What is the capital of France?');
    await page.getByRole('button', { name: 'Save question' }).click();
    await page.locator('.field-error').first().waitFor();
    await page.getByLabel('Accepted answers').fill(`Paris\n${CANARY.accepted}`);
    await page.getByRole('button', { name: 'Save question' }).click();
    await questions.getByText('What is the capital of France?').waitFor();

    // True/false, then moved to the top with the keyboard-accessible button.
    await page.getByRole('button', { name: 'Add a question' }).click();
    await page.getByLabel('Question type').selectOption('true_false');
    await page.getByLabel('Question', { exact: true }).fill('The Sun is a star.');
    await page.getByLabel('True', { exact: true }).check();
    await page.getByLabel('Explanation (optional)').fill(`A G-type star. ${CANARY.tfExplanation}`);
    await page.getByRole('button', { name: 'Save question' }).click();
    await questions.getByText('The Sun is a star.').waitFor();
    await page.getByRole('button', { name: 'Move question 3 up' }).click();
    await expect
      .poll(() => questions.locator('.question-item-text').allTextContents())
      .toEqual(['1. Which planet is red?', '2. The Sun is a star.', '3. What is the capital of France?']);

    // Duplicate one, then delete the copy after confirming.
    await page.getByRole('button', { name: 'Duplicate question 1' }).click();
    await expect.poll(() => questions.locator('.question-item').count()).toBe(4);
    await page.getByRole('button', { name: 'Delete question 2', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete this question?' });
    await dialog.getByRole('button', { name: 'Delete question' }).click();
    await expect.poll(() => questions.locator('.question-item').count()).toBe(3);
    await page.getByText('3 questions, 3 points').waitFor();
    await screenshot(page, 'quiz-editor');

    // The editor names its lesson; its link gives the lesson's id for the learner's player URL.
    const lessonLink = page.getByRole('link', { name: 'Checkpoint', exact: true });
    quizLessonId = (await lessonLink.getAttribute('href'))!.split('/').pop()!;
    expect(quizLessonId).toMatch(/^[0-9a-f-]{36}$/);
    expect(problems).toEqual([]);
  });

  it('a learner takes it on a phone, reloads and keeps time and answers, submits, and sees results per the policy; no canary leaked before', async () => {
    const page = await (await browser.newProfile(VIEWPORTS.phone)).newPage();
    const problems = watchForProblems(page, () => false);
    const bodies = recordBodies(page);
    await signIn(page, running.baseUrl, STUDENT, `/courses/${SLUG}`);
    await page.waitForURL(new RegExp(`/courses/${SLUG}$`));
    await page.getByRole('button', { name: 'Enrol for free' }).click();
    await page.getByRole('link', { name: 'Continue' }).waitFor();
    await page.goto(`${running.baseUrl}/learn/${SLUG}/${quizLessonId}`);
    await page.getByRole('heading', { name: 'Checkpoint', level: 2 }).waitFor();
    await page.getByText('Answer all three. The timer keeps running.').waitFor();
    await page.getByTestId('attempts-left').getByText('0 of 3 used, 3 left').waitFor();
    await page.getByRole('button', { name: 'Start the quiz' }).click();
    await page.waitForURL(/\?attempt=[0-9a-f-]{36}$/);
    await page.getByRole('heading', { name: 'Question 1 of 3' }).waitFor();
    const startedWith = await timerSeconds(page);
    expect(startedWith).toBeGreaterThan(9 * 60);
    expect(startedWith).toBeLessThanOrEqual(10 * 60);
    await expectNoHorizontalOverflow(page);

    // Two answers, autosaved; moving to a question focuses its heading.
    await answerShown(page);
    await page.getByRole('button', { name: 'Next question' }).click();
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.textContent ?? ''))
      .toMatch(/^Question 2 of 3/);
    await answerShown(page);
    await page.getByTestId('save-state').getByText('All answers saved').waitFor();
    const secondShown = (await page.locator('.quiz-question').textContent()) ?? '';
    await screenshot(page, 'quiz-attempt-phone');

    // Reload mid-way: the same attempt, the clock not reset, the answers still there.
    await page.waitForTimeout(2_000);
    const beforeReload = await timerSeconds(page);
    await page.reload();
    await page.getByRole('heading', { name: 'Question 1 of 3' }).waitFor();
    const afterReload = await timerSeconds(page);
    expect(afterReload).toBeLessThanOrEqual(beforeReload);
    expect(afterReload).toBeLessThan(startedWith);
    expect(afterReload).toBeGreaterThan(beforeReload - 30);
    const first = page.locator('.quiz-question');
    expect(await first.locator('input:checked').count()).toBe(1);
    await page.getByRole('button', { name: 'Next question' }).click();
    // The same question in the same place (the attempt's stored order).
    expect((await page.locator('.quiz-question').textContent()) ?? '').toBe(secondShown);
    if (secondShown.includes('capital of France'))
      expect(await page.getByLabel('Your answer').inputValue()).toBe('  paris ');
    else expect(await page.locator('.quiz-question input:checked').count()).toBe(1);

    // The third, then submit after confirming.
    await page.getByRole('button', { name: 'Next question' }).click();
    await answerShown(page);
    await page.getByTestId('save-state').getByText('All answers saved').waitFor();
    await page.waitForTimeout(500);
    // Before the policy allows: no canary in any HTML, script or API response so far.
    expect(bodies.length).toBeGreaterThan(5);
    expect(canariesIn(bodies)).toEqual([]);

    await page.getByRole('button', { name: 'Submit answers' }).click();
    const confirm = page.getByRole('dialog', { name: 'Submit your answers?' });
    await confirm.getByText('You have answered all 3 questions.').waitFor();
    await confirm.getByRole('button', { name: 'Submit', exact: true }).click();
    await page.getByRole('heading', { name: 'Results: Checkpoint, attempt 1' }).waitFor();
    const score = page.getByTestId('quiz-score');
    await score.getByText('3 of 3 points · 100 %').waitFor();
    await score.getByText('Passed', { exact: true }).waitFor();
    // after_submission: now the explanations and correct answers are shown (the canaries with them).
    await page.getByText(CANARY.explanation, { exact: false }).waitFor();
    await page.getByText(`Accepted answers: Paris · ${CANARY.accepted}`).waitFor();
    await page.getByTestId('attempts-left').getByText('You have 2 attempts left.').waitFor();
    await expectNoHorizontalOverflow(page);
    await screenshot(page, 'quiz-results-phone');

    // Passing the graded quiz completed its lesson.
    await expect
      .poll(() =>
        page.evaluate(
          async ([courseId, lessonId]) => {
            const body = (await (await fetch(`/api/courses/${courseId}/progress`)).json()) as {
              lessons: Array<{ lessonId: string; status: string }>;
            };
            return body.lessons.find((l) => l.lessonId === lessonId)?.status;
          },
          [seeded.courseId, quizLessonId] as const,
        ),
      )
      .toBe('completed');
    expect(problems).toEqual([]);
  });

  it('the instructor sees the attempt and the item analysis, and grants extra time', async () => {
    const page = await teacherContext.newPage();
    const problems = watchForProblems(page, () => false);
    await page.goto(`${running.baseUrl}/author/courses/${seeded.courseId}/quizzes`);
    await page.getByRole('link', { name: 'Results of Checkpoint' }).click();
    await page.getByRole('heading', { name: 'Results: Checkpoint' }).waitFor();
    const learner = page.locator('.quiz-learner', { hasText: 'Tara Taker' });
    await learner.getByRole('cell', { name: 'Passed' }).waitFor();
    await learner.getByText('Answers of attempt 1').click();
    await learner.getByText('paris', { exact: false }).first().waitFor();
    const analysis = page.locator('.quiz-analysis-item', { hasText: 'Which planet is red?' });
    await analysis.getByText('Answered right: 100 %').waitFor();
    await analysis.getByRole('row', { name: /Venus No 0/ }).waitFor();
    await analysis.getByRole('row', { name: new RegExp(`${CORRECT_OPTION} Yes 1`) }).waitFor();
    await screenshot(page, 'quiz-instructor-results');

    await learner.getByLabel('Extra attempts', { exact: true }).fill('0');
    await learner.getByLabel('Extra minutes', { exact: true }).fill('5');
    await learner.getByRole('button', { name: 'Grant to Tara Taker' }).click();
    await learner
      .getByText('Granted. Tara Taker now has 0 extra attempts (3 in all) and 5 extra minutes.')
      .waitFor();
    expect(problems).toEqual([]);

    // A course-level final exam, from the Quizzes tab.
    await page.goto(`${running.baseUrl}/author/courses/${seeded.courseId}/quizzes`);
    await page.getByLabel('Exam title').fill('Final exam');
    await page.getByRole('button', { name: 'Create exam' }).click();
    await page.getByRole('heading', { name: 'Quiz: Final exam' }).waitFor();
    await page.getByText('A course-level quiz.', { exact: false }).waitFor();
    await expect(page.getByLabel('Quiz type').inputValue()).resolves.toBe('final_exam');
    examId = page.url().split('/').pop()!;

    // The editor and the results fit a phone.
    const phone = await (await browser.newProfile(VIEWPORTS.phone)).newPage();
    await signIn(phone, running.baseUrl, TEACHER, `/author/courses/${seeded.courseId}/quizzes/${quizId}`);
    await phone.getByRole('heading', { name: 'Quiz: Checkpoint' }).waitFor();
    await phone.getByRole('button', { name: 'Edit question 1' }).click();
    await phone.getByRole('heading', { name: 'Edit question 1' }).waitFor();
    await expectNoHorizontalOverflow(phone);
    await phone.getByRole('link', { name: 'Attempts and item analysis' }).click();
    await phone.locator('.quiz-analysis-item').first().waitFor();
    await expectNoHorizontalOverflow(phone);
  });

  it('when the time runs out in the browser, the learner is told and gets the results submitted at the deadline', async () => {
    const page = await (await browser.newProfile(VIEWPORTS.desktop)).newPage();
    const problems = watchForProblems(page, (url, status) => status === 409 && url.includes('/answers/'));
    await signIn(page, running.baseUrl, STUDENT, `/learn/${SLUG}/${quizLessonId}`);
    await page.getByRole('button', { name: 'Start a new attempt' }).click();
    await page.getByRole('heading', { name: 'Question 1 of 3' }).waitFor();
    // 10 minutes plus the 5 granted.
    expect(await timerSeconds(page)).toBeGreaterThan(14 * 60);
    await answerShown(page);
    await page.getByTestId('save-state').getByText('All answers saved').waitFor();

    // Bring the deadline to a few seconds from now, as the database owner, and reload: the
    // browser counts down what the server says is left.
    await sql`UPDATE quiz_attempts SET started_at = now() - interval '15 minutes',
                deadline_at = now() + interval '4 seconds'
              WHERE quiz_id = ${quizId} AND status = 'in_progress'`.execute(running.database.handle.kysely);
    await page.reload();
    await page.getByRole('heading', { name: 'Question 1 of 3' }).waitFor();
    expect(await timerSeconds(page)).toBeLessThanOrEqual(4);
    await page.locator('.alert', { hasText: 'Time is up' }).waitFor({ timeout: 10_000 });
    await expect(page.getByRole('button', { name: 'Submit answers' }).isDisabled()).resolves.toBe(true);
    // The server closes it at deadline + grace; the page reads it again and shows the results.
    await page.getByRole('heading', { name: 'Results: Checkpoint, attempt 2' }).waitFor({ timeout: 40_000 });
    await page.getByText('This attempt was submitted automatically at its deadline').waitFor();
    await page.getByTestId('quiz-score').getByText('1 of 3 points', { exact: false }).waitFor();
    await page.getByTestId('attempts-left').getByText('You have 1 attempt left.').waitFor();
    expect(problems).toEqual([]);
  });

  it('with answers shown immediately, "Check answer" gives feedback and locks it; then no attempts are left', async () => {
    const teacher = await teacherContext.newPage();
    await teacher.goto(`${running.baseUrl}/author/courses/${seeded.courseId}/quizzes/${quizId}`);
    await teacher.getByLabel('Show correct answers').selectOption('immediately');
    await teacher.getByRole('button', { name: 'Save settings' }).click();
    await teacher.getByText('Settings saved.').waitFor();

    const page = await (await browser.newProfile(VIEWPORTS.desktop)).newPage();
    const problems = watchForProblems(page, () => false);
    const bodies = recordBodies(page);
    await signIn(page, running.baseUrl, STUDENT, `/learn/${SLUG}/${quizLessonId}`);
    await page.getByRole('button', { name: 'Start a new attempt' }).click();
    await page.getByRole('heading', { name: 'Question 1 of 3' }).waitFor();
    const check = page.getByRole('button', { name: 'Check answer' });
    await expect(check.isDisabled()).resolves.toBe(true);
    // Nothing is saved (or revealed) before the explicit check.
    await page.locator('.quiz-question').getByLabel('Venus').check();
    await page.waitForTimeout(1_500);
    expect(canariesIn(bodies)).toEqual([]);
    await check.click();
    const feedback = page.locator('.quiz-feedback');
    await feedback.getByText('Incorrect').waitFor();
    await feedback.getByText(`Correct answer: ${CORRECT_OPTION}`).waitFor();
    await feedback.getByText(CANARY.explanation, { exact: false }).waitFor();
    await expect(page.locator('.quiz-question').getByLabel('Venus').isDisabled()).resolves.toBe(true);
    await expect(check.count()).resolves.toBe(0);
    // The other questions still hide their keys.
    const others = [CANARY.accepted, CANARY.tfExplanation];
    expect(bodies.filter((b) => others.some((c) => b.text.includes(c))).map((b) => b.url)).toEqual([]);

    await page.getByRole('button', { name: 'Submit answers' }).click();
    const confirm = page.getByRole('dialog', { name: 'Submit your answers?' });
    await confirm.getByText('2 of 3 questions are not answered yet.').waitFor();
    await confirm.getByRole('button', { name: 'Submit', exact: true }).click();
    await page.getByRole('heading', { name: 'Results: Checkpoint, attempt 3' }).waitFor();
    await page.getByTestId('quiz-score').getByText('Not passed').waitFor();
    await page.getByTestId('attempts-left').getByText('You have no attempts left on this quiz.').waitFor();
    await expect(page.getByRole('button', { name: 'Try again' }).count()).resolves.toBe(0);
    await page.getByRole('button', { name: 'Back to the quiz' }).click();
    await page
      .locator('.alert', { hasText: 'No attempts left' })
      .getByText('You have used all 3 attempts')
      .waitFor();
    await expect(page.getByRole('button', { name: /^Start/ }).count()).resolves.toBe(0);

    // The course-level exam has its own page; with no questions yet it cannot be started.
    await page.goto(`${running.baseUrl}/quizzes/${examId}`);
    await page.getByRole('heading', { name: 'Final exam', level: 2 }).waitFor();
    await expect(page.getByRole('button', { name: 'Start the quiz' }).isDisabled()).resolves.toBe(true);
    expect(problems).toEqual([]);
  });
});
