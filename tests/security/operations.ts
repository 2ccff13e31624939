import { randomBytes, randomUUID } from 'node:crypto';
import type { Db, Tx } from '../../server/db/session.ts';
import type { Label, TableName } from './expectations.ts';
import {
  becomeSystem,
  camelCase,
  isDenial,
  loose,
  rolledBack,
  sameValue,
  sqlState,
  type Actor,
} from './harness.ts';
import type { UserLabel, World } from './world.ts';

/**
 * How each write of the expectation table is performed. `me` is the id of whoever performs it
 * (anon uses studentA's, and is denied anyway), so "own" payloads follow the actor.
 *
 * Positive control of a denied cell (see rls-matrix.db.test.ts): the same operation by the first
 * persona allowed it, else `control` when given, else the system (service_role, bypassing RLS) with
 * the same identity, which proves the statement itself is valid and only privileges stop it.
 * `verify: false` marks columns a trigger keeps for everyone (the system's write is undone too), so
 * only the statement's success is checked for the control.
 */
export interface Me {
  id: string;
  label: UserLabel;
}
type Values = Record<string, unknown>;
type Pick<T> = (w: World, me: Me) => T;

export type Control = { as: UserLabel } | { systemAs: UserLabel } | 'row exists';

interface Common {
  control?: Control;
  verify?: false;
}
export type Operation = Common &
  (
    | { kind: 'insert'; table: TableName; values: Pick<Values> }
    | { kind: 'update'; table: TableName; row: Pick<string>; set: Pick<Values> }
    | { kind: 'delete'; table: TableName; row: Pick<string> }
    | {
        kind: 'custom';
        table: TableName;
        row?: Pick<string>;
        run: (tx: Tx, w: World, me: Me) => Promise<bigint>;
      }
  );

const tag = () => randomBytes(4).toString('hex');
const json = (value: unknown) => JSON.stringify(value);
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000);

const row =
  <T extends TableName>(table: T, label: Label<T>): Pick<string> =>
  (w) =>
    (w.rows[table] as Record<string, string>)[label]!;
const user =
  (label: UserLabel): Pick<string> =>
  (w) =>
    w.users[label];

function insert<T extends TableName>(table: T, values: Pick<Values>, extra: Common = {}): Operation {
  return { kind: 'insert', table, values, ...extra };
}
function update<T extends TableName>(
  table: T,
  target: Label<T> | Pick<string>,
  set: Values | Pick<Values>,
  extra: Common = {},
): Operation {
  return {
    kind: 'update',
    table,
    row: typeof target === 'function' ? target : row(table, target),
    set: typeof set === 'function' ? set : () => set,
    ...extra,
  };
}
const softDelete = <T extends TableName>(table: T, target: Label<T>) =>
  update(table, target, () => ({ deletedAt: new Date() }));
function remove<T extends TableName>(table: T, target: Label<T> | Pick<string>): Operation {
  return { kind: 'delete', table, row: typeof target === 'function' ? target : row(table, target) };
}
/** created_by is set by the <table>_audit trigger for everyone: no write of it ever sticks. */
const forgeCreatedBy = <T extends TableName>(table: T, target: Label<T>) =>
  update(table, target, (w) => ({ createdBy: w.users.admin }), { verify: false });

const newCourse = (instructorId: string): Values => ({
  slug: `new-${tag()}`,
  title: 'New course',
  description: 'New',
  instructorId,
  category: 'programming',
  difficultyLevel: 'beginner',
  accessType: 'free',
  priceCents: 0,
  status: 'draft',
});
const newSection = (courseId: string, extra: Values = {}): Values => ({
  courseId,
  title: 'New section',
  sortOrder: 7,
  ...extra,
});
const newLesson = (courseId: string, sectionId: string, extra: Values = {}): Values => ({
  courseId,
  sectionId,
  title: 'New lesson',
  sortOrder: 7,
  contentType: 'article',
  articleContent: 'Text',
  ...extra,
});
const newQuiz = (courseId: string, extra: Values = {}): Values => ({
  courseId,
  title: 'New quiz',
  quizType: 'practice',
  ...extra,
});
const newQuestion = (quizId: string, extra: Values = {}): Values => ({
  quizId,
  questionText: 'True?',
  questionType: 'true_false',
  options: json([{ id: 't', text: 'True', is_correct: true }]),
  sortOrder: 7,
  ...extra,
});
const newChallenge = (courseId: string, extra: Values = {}): Values => ({
  courseId,
  title: 'New challenge',
  description: 'New',
  difficulty: 'easy',
  problemStatement: 'Do it',
  testCases: json([{ input: '1', expected_output: '1', is_hidden: true }]),
  ...extra,
});
const newPromo = (scope: Values, extra: Values = {}): Values => ({
  code: `NEW-${tag().toUpperCase()}`,
  discountType: 'percentage',
  discountValue: 10,
  ...scope,
  ...extra,
});
const newPayment = (userId: string): Values => ({
  userId,
  type: 'purchase',
  status: 'completed',
  amountCents: 100,
  productType: 'course',
  productName: 'Forged',
  provider: 'stripe',
});
const newCertificate = (w: World, userId: string): Values => ({
  userId,
  courseId: w.rows.courses.archived,
  enrollmentId: w.rows.enrollments.eA_archived,
  verificationCode: `CERT-${tag().toUpperCase()}`,
  holderName: 'Forged',
  courseTitle: 'Forged',
});

/** A conversation of my own, then one message in it (the message is what the cell is about). */
const messageInNewConversation =
  (role: 'user' | 'assistant') =>
  async (tx: Tx, w: World): Promise<bigint> => {
    const conversation = await loose(tx)
      .insertInto('aiConversations')
      .values({ courseId: w.rows.courses.X, contextType: 'course_help' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const result = await loose(tx)
      .insertInto('aiMessages')
      .values({ conversationId: conversation.id, role, content: 'Hello' })
      .executeTakeFirst();
    return result.numInsertedOrUpdatedRows ?? 0n;
  };

export const OPERATIONS: { [T in TableName]: Record<string, Operation> } = {
  profiles: {
    'insert forged (profile for another auth user)': insert('profiles', (w) => ({
      id: w.users.noProfile,
      email: `forged-${tag()}@example.test`,
    })),
    'update own display_name': update('profiles', (_, me) => me.id, { displayName: 'Renamed' }),
    'update own timezone': update('profiles', (_, me) => me.id, { timezone: 'Europe/Paris' }),
    "update studentA's bio": update('profiles', user('studentA'), { bio: 'Edited bio' }),
    'update protected own role → admin': update('profiles', (_, me) => me.id, { role: 'admin' }),
    'update protected own is_active': update('profiles', (_, me) => me.id, { isActive: false }),
    'update protected own subscription_status → active': update('profiles', (_, me) => me.id, {
      subscriptionStatus: 'active',
    }),
    'update protected own subscription_expires_at': update(
      'profiles',
      (_, me) => me.id,
      () => ({
        subscriptionExpiresAt: inDays(365),
      }),
    ),
    'update protected own stripe_customer_id': update(
      'profiles',
      (_, me) => me.id,
      () => ({
        stripeCustomerId: `cus_${tag()}`,
      }),
    ),
    'update protected own courses_completed': update('profiles', (_, me) => me.id, { coursesCompleted: 42 }),
    'update protected own total_learning_minutes': update('profiles', (_, me) => me.id, {
      totalLearningMinutes: 99_999,
    }),
    'update protected own learning_seconds_remainder': update('profiles', (_, me) => me.id, {
      learningSecondsRemainder: 59,
    }),
    'update protected own current_streak_days': update('profiles', (_, me) => me.id, {
      currentStreakDays: 300,
      longestStreakDays: 300,
    }),
    'update protected own email': update(
      'profiles',
      (_, me) => me.id,
      () => ({
        email: `changed-${tag()}@example.test`,
      }),
    ),
    'update protected own created_by': update(
      'profiles',
      (_, me) => me.id,
      (w) => ({ createdBy: w.users.admin }),
      { verify: false },
    ),
    "update protected studentA's role → instructor": update('profiles', user('studentA'), {
      role: 'instructor',
    }),
    "delete studentA's profile": remove('profiles', user('studentA')),
  },

  courses: {
    'insert own (instructor_id = me)': insert('courses', (_, me) => newCourse(me.id)),
    'insert forged instructor_id (someone else)': insert('courses', (w, me) =>
      newCourse(me.label === 'owner' ? w.users.otherInstructor : w.users.owner),
    ),
    'insert forged average_rating': insert('courses', (_, me) => ({ ...newCourse(me.id), averageRating: 5 })),
    'insert forged enrollment_count': insert('courses', (_, me) => ({
      ...newCourse(me.id),
      enrollmentCount: 9999,
    })),
    'update title of X': update('courses', 'X', { title: 'Renamed X' }),
    'update price_cents of X': update('courses', 'X', { priceCents: 100 }),
    'update status of draft → published': update('courses', 'draft', { status: 'published' }),
    'update protected instructor_id of X → otherInstructor': update('courses', 'X', (w) => ({
      instructorId: w.users.otherInstructor,
    })),
    'update protected enrollment_count of X': update('courses', 'X', { enrollmentCount: 9999 }),
    'update protected average_rating of X': update('courses', 'X', { averageRating: 5 }),
    'update protected total_reviews of X': update('courses', 'X', { totalReviews: 9999 }),
    'update protected completion_rate of X': update('courses', 'X', { completionRate: 100 }),
    'update protected lesson_count of X': update('courses', 'X', { lessonCount: 999 }),
    // Kept from the instructor's profile by courses_set_instructor_name, for the system too.
    'update protected instructor_name of X': update(
      'courses',
      'X',
      { instructorName: 'Forged' },
      { verify: false },
    ),
    'update protected published_at of X': update('courses', 'X', () => ({
      publishedAt: new Date('2001-01-01'),
    })),
    'update protected created_by of X': forgeCreatedBy('courses', 'X'),
    'soft delete X': softDelete('courses', 'X'),
    'delete X': remove('courses', 'X'),
  },

  course_sections: {
    'insert section into X': insert('course_sections', (w) => newSection(w.rows.courses.X)),
    'insert section into Y': insert('course_sections', (w) => newSection(w.rows.courses.Y)),
    'insert forged created_by': insert('course_sections', (w) =>
      newSection(w.rows.courses.X, { createdBy: w.users.admin }),
    ),
    'update title of secX': update('course_sections', 'secX', { title: 'Renamed section' }),
    'update protected lesson_count of secX': update('course_sections', 'secX', { lessonCount: 99 }),
    'update protected course_id of secX → Y': update('course_sections', 'secX', (w) => ({
      courseId: w.rows.courses.Y,
    })),
    'soft delete secX': softDelete('course_sections', 'secX'),
    'delete secX': remove('course_sections', 'secX'),
  },

  course_lessons: {
    'insert lesson into X': insert('course_lessons', (w) =>
      newLesson(w.rows.courses.X, w.rows.course_sections.secX),
    ),
    'insert lesson into Y': insert('course_lessons', (w) =>
      newLesson(w.rows.courses.Y, w.rows.course_sections.secY),
    ),
    'insert forged created_by': insert('course_lessons', (w) =>
      newLesson(w.rows.courses.X, w.rows.course_sections.secX, { createdBy: w.users.admin }),
    ),
    'update title of lX': update('course_lessons', 'lX', { title: 'Renamed lesson' }),
    'update article_content of lX': update('course_lessons', 'lX', { articleContent: 'Edited text' }),
    'update is_preview of lX': update('course_lessons', 'lX', { isPreview: true }),
    'update protected course_id of lX → Y': update('course_lessons', 'lX', (w) => ({
      courseId: w.rows.courses.Y,
      sectionId: w.rows.course_sections.secY,
    })),
    'update protected created_by of lX': forgeCreatedBy('course_lessons', 'lX'),
    'soft delete lX': softDelete('course_lessons', 'lX'),
    'delete lX': remove('course_lessons', 'lX'),
  },

  course_reviews: {
    'insert own review of X': insert('course_reviews', (w) => ({ courseId: w.rows.courses.X, rating: 5 })),
    'insert forged user_id (review of X as studentB)': insert('course_reviews', (w) => ({
      courseId: w.rows.courses.X,
      userId: w.users.studentB,
      rating: 1,
    })),
    'update rating of rvA_archived': update('course_reviews', 'rvA_archived', { rating: 1 }),
    'update protected user_id of rvA_archived → studentB': update('course_reviews', 'rvA_archived', (w) => ({
      userId: w.users.studentB,
    })),
    'update protected course_id of rvA_archived → X': update('course_reviews', 'rvA_archived', (w) => ({
      courseId: w.rows.courses.X,
    })),
    'update protected created_by of rvA_archived': forgeCreatedBy('course_reviews', 'rvA_archived'),
    'delete rvA_archived': remove('course_reviews', 'rvA_archived'),
  },

  enrollments: {
    'insert own free enrolment (free course F)': insert('enrollments', (w) => ({
      courseId: w.rows.courses.F,
      accessType: 'free_grant',
    })),
    'insert own purchased enrolment without payment (Z)': insert('enrollments', (w) => ({
      courseId: w.rows.courses.Z,
      accessType: 'purchased',
    })),
    'insert own promotional enrolment without code (Z)': insert('enrollments', (w) => ({
      courseId: w.rows.courses.Z,
      accessType: 'promotional',
    })),
    'insert own subscription enrolment without active plan (S)': insert(
      'enrollments',
      (w) => ({ courseId: w.rows.courses.S, accessType: 'subscription' }),
      { control: { as: 'studentE' } },
    ),
    'insert own free grant on a paid course (Z)': insert('enrollments', (w) => ({
      courseId: w.rows.courses.Z,
      accessType: 'free_grant',
    })),
    'insert forged user_id (free grant in F for studentC)': insert('enrollments', (w) => ({
      userId: w.users.studentC,
      courseId: w.rows.courses.F,
      accessType: 'free_grant',
    })),
    'insert forged progress_percentage (free enrolment in F)': insert('enrollments', (w) => ({
      courseId: w.rows.courses.F,
      accessType: 'free_grant',
      progressPercentage: 100,
    })),
    'insert forged payment_amount_cents (free enrolment in F)': insert('enrollments', (w) => ({
      courseId: w.rows.courses.F,
      accessType: 'free_grant',
      paymentAmountCents: 4900,
      paymentMethod: 'stripe',
    })),
    'update expires_at of eA_X': update('enrollments', 'eA_X', () => ({ expiresAt: inDays(30) })),
    'update protected progress_percentage of eA_X': update('enrollments', 'eA_X', {
      progressPercentage: 100,
    }),
    'update protected is_completed of eA_X': update('enrollments', 'eA_X', () => ({
      isCompleted: true,
      completedAt: new Date(),
    })),
    'update protected payment_amount_cents of eA_X': update('enrollments', 'eA_X', { paymentAmountCents: 0 }),
    'update protected access_type of eA_X': update('enrollments', 'eA_X', { accessType: 'free_grant' }),
    'update protected user_id of eA_X → studentB': update('enrollments', 'eA_X', (w) => ({
      userId: w.users.studentB,
    })),
    'update protected certificate_issued of eA_X': update('enrollments', 'eA_X', { certificateIssued: true }),
    'update protected created_by of eA_X': forgeCreatedBy('enrollments', 'eA_X'),
    'delete eA_X': remove('enrollments', 'eA_X'),
  },

  lesson_progress: {
    'insert own progress on lXPreview': insert('lesson_progress', (w) => ({
      lessonId: w.rows.course_lessons.lXPreview,
      status: 'in_progress',
    })),
    'insert forged user_id (progress for studentA)': insert('lesson_progress', (w) => ({
      userId: w.users.studentA,
      lessonId: w.rows.course_lessons.lXPreview,
    })),
    'insert forged completed_at (progress on lXPreview)': insert(
      'lesson_progress',
      (w) => ({
        lessonId: w.rows.course_lessons.lXPreview,
        status: 'completed',
        completedAt: new Date('2001-01-01'),
      }),
      { control: { systemAs: 'studentA' } },
    ),
    'insert forged enrollment_id': insert(
      'lesson_progress',
      (w) => ({ lessonId: w.rows.course_lessons.lXPreview, enrollmentId: w.rows.enrollments.eB_Y }),
      // derived by lesson_progress_prepare for everyone; the control is studentA's system write
      { control: { systemAs: 'studentA' } },
    ),
    'update user_notes of pA_X': update('lesson_progress', 'pA_X', { userNotes: 'My notes' }),
    // 0018: time in seconds (planted with 5 minutes = 300 s; +30 s is within the wall-clock cap).
    'update time_spent_seconds of pA_X': update('lesson_progress', 'pA_X', { timeSpentSeconds: 330 }),
    // Kept by lesson_progress_prepare for everyone (set when the notes change).
    'update protected notes_updated_at of pA_X': update(
      'lesson_progress',
      'pA_X',
      () => ({ notesUpdatedAt: new Date('2001-01-01') }),
      { verify: false },
    ),
    // Kept by lesson_progress_prepare for everyone.
    'update protected completed_at of pA_X': update(
      'lesson_progress',
      'pA_X',
      () => ({ completedAt: new Date('2001-01-01') }),
      { verify: false },
    ),
    // lesson_progress_prepare refuses this for everyone, the system included.
    'update protected user_id of pA_X → studentB': update(
      'lesson_progress',
      'pA_X',
      (w) => ({ userId: w.users.studentB }),
      { control: 'row exists' },
    ),
    'update protected course_id of pA_X': update(
      'lesson_progress',
      'pA_X',
      (w) => ({ courseId: w.rows.courses.Y }),
      { verify: false },
    ),
    'update protected created_by of pA_X': forgeCreatedBy('lesson_progress', 'pA_X'),
    'delete pA_X': remove('lesson_progress', 'pA_X'),
  },

  certificates: {
    'insert own certificate': insert('certificates', (w, me) => newCertificate(w, me.id)),
    'insert forged user_id (certificate for studentA)': insert('certificates', (w) =>
      newCertificate(w, w.users.studentA),
    ),
    'update pdf_url of certA_X': update('certificates', 'certA_X', {
      pdfUrl: 'https://evil.example.test/x.pdf',
    }),
    'update protected revoked_at of certA_X': update('certificates', 'certA_X', () => ({
      revokedAt: new Date(),
      revokedReason: 'forged',
    })),
    'update protected holder_name of certA_X': update('certificates', 'certA_X', {
      holderName: 'Someone Else',
    }),
    'delete certA_X': remove('certificates', 'certA_X'),
  },

  quizzes: {
    'insert quiz into X': insert('quizzes', (w) => newQuiz(w.rows.courses.X)),
    'insert quiz into Y': insert('quizzes', (w) => newQuiz(w.rows.courses.Y)),
    'insert forged created_by': insert('quizzes', (w) =>
      newQuiz(w.rows.courses.X, { createdBy: w.users.admin }),
    ),
    'update title of qzX': update('quizzes', 'qzX', { title: 'Renamed quiz' }),
    'update max_attempts of qzX': update('quizzes', 'qzX', { maxAttempts: 99 }),
    'update protected question_count of qzX': update('quizzes', 'qzX', { questionCount: 99 }),
    'update protected total_points of qzX': update('quizzes', 'qzX', { totalPoints: 999 }),
    'update protected course_id of qzX → Y': update('quizzes', 'qzX', (w) => ({
      courseId: w.rows.courses.Y,
      lessonId: null,
    })),
    'soft delete qzX': softDelete('quizzes', 'qzX'),
    'delete qzX': remove('quizzes', 'qzX'),
  },

  quiz_questions: {
    'insert question into qzX': insert('quiz_questions', (w) => newQuestion(w.rows.quizzes.qzX)),
    'insert question into qzY': insert('quiz_questions', (w) => newQuestion(w.rows.quizzes.qzY)),
    'insert forged created_by': insert('quiz_questions', (w) =>
      newQuestion(w.rows.quizzes.qzX, { createdBy: w.users.admin }),
    ),
    'update explanation of qqX': update('quiz_questions', 'qqX', { explanation: 'Edited' }),
    'update options of qqX': update('quiz_questions', 'qqX', {
      options: json([{ id: 'z', text: 'Only answer', is_correct: true }]),
    }),
    'update protected quiz_id of qqX → qzY': update('quiz_questions', 'qqX', (w) => ({
      quizId: w.rows.quizzes.qzY,
    })),
    'soft delete qqX': softDelete('quiz_questions', 'qqX'),
    'delete qqX': remove('quiz_questions', 'qqX'),
  },

  quiz_attempts: {
    'insert own attempt on qzX': insert('quiz_attempts', (w, me) => ({
      userId: me.id,
      quizId: w.rows.quizzes.qzX,
      attemptNumber: 9,
    })),
    'insert forged user_id (attempt for studentA)': insert('quiz_attempts', (w) => ({
      userId: w.users.studentA,
      quizId: w.rows.quizzes.qzX,
      attemptNumber: 8,
      score: 100,
      passed: true,
    })),
    'update answers of atA_X': update('quiz_attempts', 'atA_X', {
      answers: json([{ question_id: 'q', answer: 'a' }]),
    }),
    'update protected score of atA_X': update('quiz_attempts', 'atA_X', { score: 100, percentage: 100 }),
    'update protected passed of atA_X': update('quiz_attempts', 'atA_X', { passed: true }),
    'delete atA_X': remove('quiz_attempts', 'atA_X'),
  },

  code_challenges: {
    'insert challenge into X': insert('code_challenges', (w) => newChallenge(w.rows.courses.X)),
    'insert challenge into Y': insert('code_challenges', (w) => newChallenge(w.rows.courses.Y)),
    'insert forged created_by': insert('code_challenges', (w) =>
      newChallenge(w.rows.courses.X, { createdBy: w.users.admin }),
    ),
    'update title of chX': update('code_challenges', 'chX', { title: 'Renamed challenge' }),
    'update solution_code of chX': update('code_challenges', 'chX', {
      solutionCode: json({ python: 'def solution(a, b): return b + a' }),
    }),
    'update protected course_id of chX → Y': update('code_challenges', 'chX', (w) => ({
      courseId: w.rows.courses.Y,
    })),
    'soft delete chX': softDelete('code_challenges', 'chX'),
    'delete chX': remove('code_challenges', 'chX'),
  },

  code_submissions: {
    'insert own submission to chX': insert('code_submissions', (w) => ({
      challengeId: w.rows.code_challenges.chX,
      language: 'python',
      code: 'print(1)',
    })),
    'insert forged user_id (submission as studentA)': insert('code_submissions', (w) => ({
      userId: w.users.studentA,
      challengeId: w.rows.code_challenges.chX,
      language: 'python',
      code: 'print(1)',
    })),
    'insert forged verdict (status accepted)': insert('code_submissions', (w) => ({
      challengeId: w.rows.code_challenges.chX,
      language: 'python',
      code: 'print(1)',
      status: 'accepted',
      score: 100,
    })),
    'update code of sbA_X': update('code_submissions', 'sbA_X', { code: 'print(2)' }),
    'update protected status of sbA_X → accepted': update('code_submissions', 'sbA_X', {
      status: 'accepted',
    }),
    'update protected score of sbA_X': update('code_submissions', 'sbA_X', { score: 100 }),
    'delete sbA_X': remove('code_submissions', 'sbA_X'),
  },

  payment_transactions: {
    'insert own payment': insert('payment_transactions', (_, me) => newPayment(me.id)),
    'insert forged user_id (payment for studentA)': insert('payment_transactions', (w) =>
      newPayment(w.users.studentA),
    ),
    'update status of pyA_X → refunded': update('payment_transactions', 'pyA_X', { status: 'refunded' }),
    'update protected amount_cents of pyA_X': update('payment_transactions', 'pyA_X', { amountCents: 1 }),
    'update protected discount_amount_cents of pyA_X': update('payment_transactions', 'pyA_X', {
      discountAmountCents: 4900,
    }),
    'delete pyA_X': remove('payment_transactions', 'pyA_X'),
  },

  promotional_codes: {
    'insert code for X': insert('promotional_codes', (w) =>
      newPromo({ applicableTo: 'specific_courses', applicableCourseIds: [w.rows.courses.X] }),
    ),
    'insert code for Y': insert('promotional_codes', (w) =>
      newPromo({ applicableTo: 'specific_courses', applicableCourseIds: [w.rows.courses.Y] }),
    ),
    'insert code for all courses': insert('promotional_codes', () =>
      newPromo({ applicableTo: 'all_courses' }),
    ),
    'insert forged created_by': insert('promotional_codes', (w) =>
      newPromo(
        { applicableTo: 'specific_courses', applicableCourseIds: [w.rows.courses.X] },
        { createdBy: w.users.admin },
      ),
    ),
    'update discount_value of pcX': update('promotional_codes', 'pcX', { discountValue: 100 }),
    'update protected applicable_course_ids of pcX → [Y]': update('promotional_codes', 'pcX', (w) => ({
      applicableCourseIds: [w.rows.courses.Y],
    })),
    'update protected applicable_to of pcX → all_courses': update('promotional_codes', 'pcX', {
      applicableTo: 'all_courses',
      applicableCourseIds: null,
    }),
    'update protected uses_count of pcX': update('promotional_codes', 'pcX', { usesCount: 5 }),
    'update protected created_by of pcX': forgeCreatedBy('promotional_codes', 'pcX'),
    'soft delete pcX': softDelete('promotional_codes', 'pcX'),
    'delete pcX': remove('promotional_codes', 'pcX'),
  },

  ai_conversations: {
    'insert own conversation about X': insert('ai_conversations', (w) => ({
      courseId: w.rows.courses.X,
      contextType: 'course_help',
    })),
    'insert own conversation about the draft course': insert('ai_conversations', (w) => ({
      courseId: w.rows.courses.draft,
      contextType: 'course_help',
    })),
    'insert forged user_id (conversation as studentA)': insert('ai_conversations', (w) => ({
      userId: w.users.studentA,
      courseId: w.rows.courses.X,
    })),
    'insert forged message_count': insert('ai_conversations', (w) => ({
      courseId: w.rows.courses.X,
      messageCount: 99,
    })),
    'update close cvA': update('ai_conversations', 'cvA', { isActive: false }),
    'update flag cvA for human review': update('ai_conversations', 'cvA', { requiresHumanReview: true }),
    'update protected unflag cvAFlag': update('ai_conversations', 'cvAFlag', { requiresHumanReview: false }),
    'update protected message_count of cvA': update('ai_conversations', 'cvA', { messageCount: 0 }),
    'update protected user_id of cvA → studentB': update('ai_conversations', 'cvA', (w) => ({
      userId: w.users.studentB,
    })),
    'delete cvA': remove('ai_conversations', 'cvA'),
  },

  ai_messages: {
    'insert own question (in a new conversation of mine)': {
      kind: 'custom',
      table: 'ai_messages',
      run: messageInNewConversation('user'),
    },
    "insert question into studentA's conversation cvA": insert('ai_messages', (w) => ({
      conversationId: w.rows.ai_conversations.cvA,
      role: 'user',
      content: 'Injected question',
    })),
    'insert forged assistant answer (in a new conversation of mine)': {
      kind: 'custom',
      table: 'ai_messages',
      run: messageInNewConversation('assistant'),
    },
    'insert forged tokens_used': insert('ai_messages', (w) => ({
      conversationId: w.rows.ai_conversations.cvA,
      role: 'user',
      content: 'Hello',
      tokensUsed: 1,
    })),
    'update content of mA': update('ai_messages', 'mA', { content: 'Rewritten' }),
    'update protected created_by of mA': forgeCreatedBy('ai_messages', 'mA'),
    'delete mA': remove('ai_messages', 'mA'),
  },

  email_courses: {
    'insert email course': insert('email_courses', () => ({
      name: 'New email course',
      deliverySchedule: 'weekly',
      totalEmails: 3,
    })),
    'insert forged created_by': insert('email_courses', (w) => ({
      name: 'New email course',
      deliverySchedule: 'weekly',
      totalEmails: 3,
      createdBy: w.users.admin,
    })),
    'update name of ecActive': update('email_courses', 'ecActive', { name: 'Renamed' }),
    'update protected created_by of ecActive': forgeCreatedBy('email_courses', 'ecActive'),
    'soft delete ecActive': softDelete('email_courses', 'ecActive'),
    'delete ecActive': remove('email_courses', 'ecActive'),
  },

  email_course_content: {
    'insert day 5 of ecActive': insert('email_course_content', (w) => ({
      emailCourseId: w.rows.email_courses.ecActive,
      dayNumber: 5,
      subject: 'Day 5',
      htmlContent: '<p>5</p>',
    })),
    'insert forged created_by': insert('email_course_content', (w) => ({
      emailCourseId: w.rows.email_courses.ecActive,
      dayNumber: 6,
      subject: 'Day 6',
      htmlContent: '<p>6</p>',
      createdBy: w.users.admin,
    })),
    'update subject of day1': update('email_course_content', 'day1', { subject: 'Edited' }),
    'update protected sent_count of day1': update('email_course_content', 'day1', { sentCount: 999 }),
    'soft delete day1': softDelete('email_course_content', 'day1'),
    'delete day1': remove('email_course_content', 'day1'),
  },

  email_course_subscriptions: {
    'insert own subscription to ecActive2': insert('email_course_subscriptions', (w) => ({
      emailCourseId: w.rows.email_courses.ecActive2,
    })),
    'insert forged user_id (subscribe studentC)': insert('email_course_subscriptions', (w) => ({
      userId: w.users.studentC,
      emailCourseId: w.rows.email_courses.ecActive2,
    })),
    'insert forged current_day (subscription to ecActive2)': insert('email_course_subscriptions', (w) => ({
      emailCourseId: w.rows.email_courses.ecActive2,
      currentDay: 7,
    })),
    'update pause esA': update('email_course_subscriptions', 'esA', { status: 'paused' }),
    'update unsubscribe esA': update('email_course_subscriptions', 'esA', { status: 'unsubscribed' }),
    'update protected current_day of esA': update('email_course_subscriptions', 'esA', { currentDay: 99 }),
    'update protected status of esA → completed': update('email_course_subscriptions', 'esA', {
      status: 'completed',
    }),
    'update protected emails_opened of esA': update('email_course_subscriptions', 'esA', {
      emailsOpened: 99,
    }),
    'delete esA': remove('email_course_subscriptions', 'esA'),
  },

  activity_logs: {
    'insert own log line': insert('activity_logs', (_, me) => ({ userId: me.id, action: 'login' })),
    'insert forged user_id (log line for studentA)': insert('activity_logs', (w) => ({
      userId: w.users.studentA,
      action: 'login',
    })),
    'update action of lgA': update('activity_logs', 'lgA', { action: 'logout' }),
    'update protected user_id of lgA → studentC': update('activity_logs', 'lgA', (w) => ({
      userId: w.users.studentC,
    })),
    'delete lgA': remove('activity_logs', 'lgA'),
  },

  learning_analytics: {
    'insert own analytics day': insert('learning_analytics', (_, me) => ({
      userId: me.id,
      date: '2020-01-01',
      minutesLearned: 600,
    })),
    'insert forged user_id (analytics for studentA)': insert('learning_analytics', (w) => ({
      userId: w.users.studentA,
      date: '2020-01-02',
    })),
    'update minutes_learned of laA': update('learning_analytics', 'laA', { minutesLearned: 1440 }),
    'update protected user_id of laA → studentC': update('learning_analytics', 'laA', (w) => ({
      userId: w.users.studentC,
    })),
    'delete laA': remove('learning_analytics', 'laA'),
  },

  mail_outbox: {
    'insert message to myself': insert('mail_outbox', (_, me) => ({
      toAddress: `${me.label.toLowerCase()}@example.test`,
      subject: 'Reset your password',
      htmlBody: '<p>forged</p>',
      textBody: 'forged',
      template: 'password_reset',
      idempotencyKey: `forged:${tag()}`,
      transport: 'outbox',
    })),
    'update subject of mailA': update('mail_outbox', 'mailA', { subject: 'Changed' }),
    'update protected status of mailA → failed': update('mail_outbox', 'mailA', {
      status: 'failed',
      sentAt: null,
      lastError: 'forged',
    }),
    'update protected created_by of mailA': forgeCreatedBy('mail_outbox', 'mailA'),
    'delete mailA': remove('mail_outbox', 'mailA'),
  },

  course_files: {
    'insert file into X': insert('course_files', (w) => newFile(w.rows.courses.X)),
    'insert file into Y': insert('course_files', (w) => newFile(w.rows.courses.Y)),
    'insert forged created_by': insert('course_files', (w) =>
      newFile(w.rows.courses.X, { createdBy: w.users.admin }),
    ),
    'update original_name of fX': update('course_files', 'fX', { originalName: 'renamed.pdf' }),
    'update lesson_id of fX → lXPreview': update('course_files', 'fX', (w) => ({
      lessonId: w.rows.course_lessons.lXPreview,
    })),
    // The same key it has (the CHECK allows no other): the column itself is what is refused.
    'update protected storage_key of fX': update('course_files', 'fX', (w) => ({
      storageKey: `files/${w.rows.course_files.fX}`,
    })),
    'update protected purpose of fX → course_thumbnail': update('course_files', 'fX', {
      purpose: 'course_thumbnail',
    }),
    'update protected course_id of fX → Y': update('course_files', 'fX', (w) => ({
      courseId: w.rows.courses.Y,
      lessonId: null,
    })),
    'update protected content_type of fX': update('course_files', 'fX', { contentType: 'text/html' }),
    'update protected size_bytes of fX': update('course_files', 'fX', { sizeBytes: 1 }),
    'update protected created_by of fX': forgeCreatedBy('course_files', 'fX'),
    'soft delete fX': softDelete('course_files', 'fX'),
    'delete fX': remove('course_files', 'fX'),
  },
};

/** A file row as the upload writes it: the key is made from the id. */
function newFile(courseId: string, extra: Values = {}): Values {
  const id = randomUUID();
  return {
    id,
    courseId,
    storageKey: `files/${id}`,
    originalName: 'new.pdf',
    contentType: 'application/pdf',
    sizeBytes: 10,
    sha256: 'b'.repeat(64),
    purpose: 'lesson_resource',
    ...extra,
  };
}

/** Runs one operation in `tx` and returns the number of rows it wrote. */
export async function perform(tx: Tx, op: Operation, w: World, me: Me): Promise<bigint> {
  const db = loose(tx);
  const table = camelCase(op.table);
  switch (op.kind) {
    case 'insert': {
      const result = await db.insertInto(table).values(op.values(w, me)).executeTakeFirst();
      return result.numInsertedOrUpdatedRows ?? 0n;
    }
    case 'update': {
      const result = await db
        .updateTable(table)
        .set(op.set(w, me))
        .where('id', '=', op.row(w, me))
        .executeTakeFirst();
      return result.numUpdatedRows;
    }
    case 'delete': {
      const result = await db.deleteFrom(table).where('id', '=', op.row(w, me)).executeTakeFirst();
      return result.numDeletedRows;
    }
    case 'custom':
      return op.run(tx, w, me);
  }
}

export type Outcome =
  | { result: 'allowed'; rows: number }
  | { result: 'denied'; reason: string }
  | { result: 'error'; reason: string };

/**
 * Performs `op` as `actor` in a transaction that is always rolled back, and classifies it: denied
 * (SQLSTATE 42501, zero rows, or an update a trigger silently undid), allowed, or an unexpected
 * error (a constraint or bug: never a valid denial, so it fails the cell).
 */
export async function attempt(db: Db, w: World, actor: Actor, me: Me, op: Operation): Promise<Outcome> {
  // Resolve payloads once: the same values are written and then checked.
  const resolved: Operation =
    op.kind === 'insert'
      ? { ...op, values: constant(op.values(w, me)) }
      : op.kind === 'update'
        ? { ...op, set: constant(op.set(w, me)), row: constant(op.row(w, me)) }
        : op;
  return rolledBack(db, actor, async (tx): Promise<Outcome> => {
    let rows: bigint;
    try {
      rows = await perform(tx, resolved, w, me);
    } catch (error) {
      const reason = `${sqlState(error) ?? 'no SQLSTATE'}: ${(error as Error).message}`;
      return isDenial(error) ? { result: 'denied', reason } : { result: 'error', reason };
    }
    if (rows === 0n) return { result: 'denied', reason: 'no row written' };
    if (resolved.kind === 'update' && resolved.verify !== false) {
      const set = resolved.set(w, me);
      await becomeSystem(tx);
      const stored = await loose(tx)
        .selectFrom(camelCase(resolved.table))
        .select(Object.keys(set))
        .where('id', '=', resolved.row(w, me))
        .executeTakeFirstOrThrow();
      const undone = Object.keys(set).filter((key) => !sameValue(stored[key], set[key]));
      if (undone.length > 0) return { result: 'denied', reason: `silently undone: ${undone.join(', ')}` };
    }
    return { result: 'allowed', rows: Number(rows) };
  });
}

function constant<T>(value: T): () => T {
  return () => value;
}
