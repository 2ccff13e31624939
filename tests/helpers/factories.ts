import { randomBytes, randomUUID } from 'node:crypto';
import type { Tx } from '../../server/db/session.ts';

/**
 * Factories for database tests. Each one inserts one row (plus whatever a trigger adds) and returns
 * its id. They take a transaction opened with `db.asSystem(...)`: a world is planted by the system,
 * the way seeding and the payment/judge/job paths write, and then read or attacked as personas.
 * Every value that must be unique gets a random suffix, so factories can be called freely.
 */

const unique = () => randomBytes(5).toString('hex');
const json = (value: unknown) => JSON.stringify(value);
const daysFromNow = (days: number) => new Date(Date.now() + days * 86_400_000);

export type ProfileRole = 'student' | 'instructor' | 'admin';

export interface UserOptions {
  role?: ProfileRole;
  email?: string;
  fullName?: string | null;
  displayName?: string | null;
  bio?: string | null;
  isActive?: boolean;
  /** 'active' (no end), 'lapsed' (cancelled, period over) or 'cancelled-paid' (cancelled, paid until next month). */
  subscription?: 'active' | 'lapsed' | 'cancelled-paid';
  stripeCustomerId?: string;
}

export interface CreatedUser {
  id: string;
  email: string;
}

/** An auth user; its profile comes from the sign-up trigger, then role and plan are set as the system. */
export async function createUser(tx: Tx, options: UserOptions = {}): Promise<CreatedUser> {
  const email = options.email ?? `user-${unique()}@example.test`;
  const meta: Record<string, string> = {};
  if (options.fullName) meta.full_name = options.fullName;
  if (options.displayName) meta.display_name = options.displayName;
  const { id } = await tx
    .insertInto('auth.users')
    .values({ email, rawUserMetaData: json(meta) })
    .returning('id')
    .executeTakeFirstOrThrow();
  const plan =
    options.subscription === 'active'
      ? {
          subscriptionStatus: 'active' as const,
          subscriptionTier: 'premium' as const,
          subscriptionExpiresAt: null,
        }
      : options.subscription === 'lapsed'
        ? {
            subscriptionStatus: 'cancelled' as const,
            subscriptionTier: 'premium' as const,
            subscriptionExpiresAt: daysFromNow(-3),
          }
        : options.subscription === 'cancelled-paid'
          ? {
              subscriptionStatus: 'cancelled' as const,
              subscriptionTier: 'premium' as const,
              subscriptionExpiresAt: daysFromNow(20),
            }
          : {};
  await tx
    .updateTable('profiles')
    .set({
      role: options.role ?? 'student',
      isActive: options.isActive ?? true,
      ...(options.fullName !== undefined ? { fullName: options.fullName } : {}),
      ...(options.displayName !== undefined ? { displayName: options.displayName } : {}),
      ...(options.bio !== undefined ? { bio: options.bio } : {}),
      ...(options.stripeCustomerId ? { stripeCustomerId: options.stripeCustomerId } : {}),
      ...plan,
    })
    .where('id', '=', id)
    .execute();
  return { id, email };
}

/** Sets a profile's role or plan as the system (a role change takes effect on the next request). */
export async function setProfile(
  tx: Tx,
  userId: string,
  changes: { role?: ProfileRole; isActive?: boolean; subscription?: UserOptions['subscription'] | 'free' },
): Promise<void> {
  const plan =
    changes.subscription === undefined
      ? {}
      : changes.subscription === 'free'
        ? { subscriptionStatus: 'free' as const, subscriptionTier: null, subscriptionExpiresAt: null }
        : changes.subscription === 'active'
          ? {
              subscriptionStatus: 'active' as const,
              subscriptionTier: 'premium' as const,
              subscriptionExpiresAt: null,
            }
          : {
              subscriptionStatus: 'cancelled' as const,
              subscriptionTier: 'premium' as const,
              subscriptionExpiresAt: daysFromNow(changes.subscription === 'lapsed' ? -3 : 20),
            };
  await tx
    .updateTable('profiles')
    .set({
      ...(changes.role ? { role: changes.role } : {}),
      ...(changes.isActive !== undefined ? { isActive: changes.isActive } : {}),
      ...plan,
    })
    .where('id', '=', userId)
    .execute();
}

export interface CourseOptions {
  instructorId: string;
  status?: 'draft' | 'published' | 'archived';
  /** 'paid' (default, 49.00), 'free' or 'subscription'. */
  access?: 'paid' | 'free' | 'subscription';
  priceCents?: number;
  deleted?: boolean;
  title?: string;
  description?: string;
}

export async function createCourse(tx: Tx, options: CourseOptions): Promise<string> {
  const access = options.access ?? 'paid';
  const { id } = await tx
    .insertInto('courses')
    .values({
      slug: `course-${unique()}`,
      title: options.title ?? 'A course',
      description: options.description ?? 'What this course teaches',
      instructorId: options.instructorId,
      category: 'programming',
      difficultyLevel: 'beginner',
      accessType: access,
      priceCents: options.priceCents ?? (access === 'free' ? 0 : 4900),
      status: options.status ?? 'published',
      deletedAt: options.deleted ? new Date() : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

export async function createSection(
  tx: Tx,
  options: { courseId: string; deleted?: boolean; sortOrder?: number; title?: string },
): Promise<string> {
  const { id } = await tx
    .insertInto('courseSections')
    .values({
      courseId: options.courseId,
      title: options.title ?? 'A section',
      sortOrder: options.sortOrder ?? 0,
      deletedAt: options.deleted ? new Date() : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

export interface LessonContent {
  videoUrl?: string | null;
  articleContent?: string | null;
  downloadableResources?: unknown[] | null;
}

export async function createLesson(
  tx: Tx,
  options: {
    courseId: string;
    sectionId: string;
    isPreview?: boolean;
    deleted?: boolean;
    sortOrder?: number;
    title?: string;
    content?: LessonContent;
  },
): Promise<string> {
  const content = options.content ?? {
    videoUrl: `https://videos.example.test/${unique()}.mp4`,
    articleContent: 'Lesson text',
    downloadableResources: [{ name: 'notes.pdf', url: `https://files.example.test/${unique()}.pdf` }],
  };
  const { id } = await tx
    .insertInto('courseLessons')
    .values({
      courseId: options.courseId,
      sectionId: options.sectionId,
      title: options.title ?? 'A lesson',
      sortOrder: options.sortOrder ?? 0,
      contentType: 'video',
      videoDurationSeconds: 300,
      videoUrl: content.videoUrl ?? null,
      articleContent: content.articleContent ?? null,
      downloadableResources: content.downloadableResources ? json(content.downloadableResources) : null,
      isPreview: options.isPreview ?? false,
      deletedAt: options.deleted ? new Date() : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

export interface EnrollmentOptions {
  userId: string;
  courseId: string;
  accessType?: 'purchased' | 'subscription' | 'free_grant' | 'promotional';
  /** Days from now; negative means already expired. Absent means no end. */
  expiresInDays?: number;
}

export async function createEnrollment(tx: Tx, options: EnrollmentOptions): Promise<string> {
  const accessType = options.accessType ?? 'purchased';
  const { id } = await tx
    .insertInto('enrollments')
    .values({
      userId: options.userId,
      courseId: options.courseId,
      accessType,
      expiresAt: options.expiresInDays === undefined ? null : daysFromNow(options.expiresInDays),
      // Enrolled a month ago, so self-reported learning time has room (its growth is capped by wall-clock time).
      enrolledAt: daysFromNow(-30),
      ...(accessType === 'purchased'
        ? { paymentAmountCents: 4900, paymentMethod: 'stripe' as const, transactionId: `pi_${unique()}` }
        : {}),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

export async function createLessonProgress(
  tx: Tx,
  options: { userId: string; lessonId: string; status?: 'not_started' | 'in_progress' | 'completed' },
): Promise<string> {
  // course_id and enrollment_id are derived by the lesson_progress_prepare trigger.
  const { id } = await tx
    .insertInto('lessonProgress')
    .values({
      userId: options.userId,
      lessonId: options.lessonId,
      courseId: '00000000-0000-0000-0000-000000000000',
      enrollmentId: '00000000-0000-0000-0000-000000000000',
      status: options.status ?? 'in_progress',
      timeSpentMinutes: 5,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

export async function createQuiz(
  tx: Tx,
  options: { courseId: string; lessonId?: string; deleted?: boolean; title?: string },
): Promise<string> {
  const { id } = await tx
    .insertInto('quizzes')
    .values({
      courseId: options.courseId,
      lessonId: options.lessonId ?? null,
      title: options.title ?? 'A quiz',
      quizType: 'graded',
      deletedAt: options.deleted ? new Date() : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

export interface QuestionOptions {
  quizId: string;
  questionText?: string;
  /** The answer key: [{id, text, is_correct}]. */
  options?: { id: string; text: string; is_correct: boolean }[];
  explanation?: string;
  testCases?: unknown[];
  deleted?: boolean;
  sortOrder?: number;
}

export async function createQuestion(tx: Tx, options: QuestionOptions): Promise<string> {
  const { id } = await tx
    .insertInto('quizQuestions')
    .values({
      quizId: options.quizId,
      questionText: options.questionText ?? 'Which one?',
      questionType: 'multiple_choice',
      explanation: options.explanation ?? 'Because.',
      options: json(
        options.options ?? [
          { id: 'a', text: 'Right', is_correct: true },
          { id: 'b', text: 'Wrong', is_correct: false },
        ],
      ),
      testCases: options.testCases ? json(options.testCases) : null,
      points: 2,
      sortOrder: options.sortOrder ?? 0,
      deletedAt: options.deleted ? new Date() : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

export async function createAttempt(
  tx: Tx,
  options: { userId: string; quizId: string; enrollmentId?: string; attemptNumber?: number; score?: number },
): Promise<string> {
  const { id } = await tx
    .insertInto('quizAttempts')
    .values({
      userId: options.userId,
      quizId: options.quizId,
      enrollmentId: options.enrollmentId ?? null,
      attemptNumber: options.attemptNumber ?? 1,
      status: 'graded',
      submittedAt: new Date(),
      score: options.score ?? 1,
      percentage: 50,
      passed: false,
      answers: json([{ question_id: 'q', answer: 'b', is_correct: false, points_earned: 0 }]),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

export interface ChallengeOptions {
  courseId: string;
  lessonId?: string;
  deleted?: boolean;
  solutionCode?: Record<string, string>;
  /** [{input, expected_output, is_hidden}] */
  testCases?: { input: string; expected_output: string; is_hidden?: boolean }[];
  title?: string;
  /** Learners see published challenges only (0024); default published. */
  status?: 'draft' | 'checking' | 'published' | 'check_failed';
}

export async function createChallenge(tx: Tx, options: ChallengeOptions): Promise<string> {
  const { id } = await tx
    .insertInto('codeChallenges')
    .values({
      courseId: options.courseId,
      lessonId: options.lessonId ?? null,
      title: options.title ?? 'Add two numbers',
      description: 'Sum them',
      difficulty: 'easy',
      problemStatement: 'Return a + b.',
      supportedLanguages: ['python'],
      starterCode: json({ python: 'def solution(a, b):\n    pass' }),
      solutionCode: json(options.solutionCode ?? { python: 'def solution(a, b):\n    return a + b' }),
      testCases: json(
        options.testCases ?? [
          { input: '1 2', expected_output: '3', is_hidden: false },
          { input: '40 2', expected_output: '42', is_hidden: true },
        ],
      ),
      deletedAt: options.deleted ? new Date() : null,
      status: options.status ?? 'published',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

export async function createSubmission(
  tx: Tx,
  options: { userId: string; challengeId: string; status?: 'pending' | 'accepted' | 'wrong_answer' },
): Promise<string> {
  const { id } = await tx
    .insertInto('codeSubmissions')
    .values({
      userId: options.userId,
      challengeId: options.challengeId,
      language: 'python',
      code: 'def solution(a, b):\n    return a - b',
      status: options.status ?? 'wrong_answer',
      passedTests: 0,
      totalTests: 2,
      score: 0,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

export async function createPayment(
  tx: Tx,
  options: { userId: string; courseId?: string; amountCents?: number; promotionalCode?: string },
): Promise<string> {
  const { id } = await tx
    .insertInto('paymentTransactions')
    .values({
      userId: options.userId,
      type: 'purchase',
      status: 'completed',
      amountCents: options.amountCents ?? 4900,
      productType: 'course',
      productId: options.courseId ?? null,
      productName: 'A course',
      provider: 'stripe',
      providerTransactionId: `pi_${unique()}`,
      promotionalCode: options.promotionalCode ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

export type PromoScope = 'all_courses' | 'subscription' | { courseIds: string[] };

export async function createPromoCode(
  tx: Tx,
  options: { scope: PromoScope; code?: string; discountPercent?: number; deleted?: boolean },
): Promise<{ id: string; code: string }> {
  const code = options.code ?? `PROMO-${unique().toUpperCase()}`;
  const specific = typeof options.scope === 'object';
  const { id } = await tx
    .insertInto('promotionalCodes')
    .values({
      code,
      discountType: 'percentage',
      discountValue: options.discountPercent ?? 20,
      applicableTo: specific ? 'specific_courses' : (options.scope as 'all_courses' | 'subscription'),
      applicableCourseIds: specific ? (options.scope as { courseIds: string[] }).courseIds : null,
      deletedAt: options.deleted ? new Date() : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id, code };
}

export async function createConversation(
  tx: Tx,
  options: { userId: string; courseId?: string; lessonId?: string; requiresHumanReview?: boolean },
): Promise<string> {
  const { id } = await tx
    .insertInto('aiConversations')
    .values({
      userId: options.userId,
      courseId: options.courseId ?? null,
      lessonId: options.lessonId ?? null,
      contextType: options.courseId ? 'course_help' : 'general',
      requiresHumanReview: options.requiresHumanReview ?? false,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

export async function createMessage(
  tx: Tx,
  options: { conversationId: string; role?: 'user' | 'assistant'; content?: string },
): Promise<string> {
  const role = options.role ?? 'user';
  const { id } = await tx
    .insertInto('aiMessages')
    .values({
      conversationId: options.conversationId,
      role,
      content: options.content ?? (role === 'user' ? 'How do loops work?' : 'A loop repeats.'),
      ...(role === 'assistant' ? { tokensUsed: 42, modelUsed: 'tutor-small', responseTimeMs: 800 } : {}),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

export async function createEmailCourse(
  tx: Tx,
  options: { isActive?: boolean; deleted?: boolean; name?: string; welcome?: string } = {},
): Promise<string> {
  const { id } = await tx
    .insertInto('emailCourses')
    .values({
      name: options.name ?? 'Seven days of Python',
      description: 'One email a day',
      deliverySchedule: 'daily',
      totalEmails: 7,
      welcomeEmailContent: options.welcome ?? 'Welcome!',
      completionEmailContent: 'Well done!',
      isActive: options.isActive ?? true,
      deletedAt: options.deleted ? new Date() : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

export async function createEmailContent(
  tx: Tx,
  options: { emailCourseId: string; dayNumber: number; deleted?: boolean; htmlContent?: string },
): Promise<string> {
  const { id } = await tx
    .insertInto('emailCourseContent')
    .values({
      emailCourseId: options.emailCourseId,
      dayNumber: options.dayNumber,
      subject: `Day ${options.dayNumber}`,
      htmlContent: options.htmlContent ?? `<p>Day ${options.dayNumber}</p>`,
      deletedAt: options.deleted ? new Date() : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

export async function createEmailSubscription(
  tx: Tx,
  options: { userId: string; emailCourseId: string; currentDay?: number },
): Promise<string> {
  const { id } = await tx
    .insertInto('emailCourseSubscriptions')
    .values({
      userId: options.userId,
      emailCourseId: options.emailCourseId,
      currentDay: options.currentDay ?? 0,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

export async function createActivityLog(
  tx: Tx,
  options: { userId: string | null; action?: string; metadata?: Record<string, unknown> },
): Promise<string> {
  const { id } = await tx
    .insertInto('activityLogs')
    .values({
      userId: options.userId,
      action: options.action ?? 'login',
      ipAddress: '192.0.2.10',
      userAgent: 'test-agent',
      metadata: options.metadata ? json(options.metadata) : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

export async function createLearningAnalytics(
  tx: Tx,
  options: { userId: string; date?: string; minutesLearned?: number },
): Promise<string> {
  const { id } = await tx
    .insertInto('learningAnalytics')
    .values({
      userId: options.userId,
      date: options.date ?? new Date().toISOString().slice(0, 10),
      minutesLearned: options.minutesLearned ?? 25,
      lessonsCompleted: 1,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

export async function createReview(
  tx: Tx,
  options: { userId: string; courseId: string; rating?: number; comment?: string },
): Promise<string> {
  const { id } = await tx
    .insertInto('courseReviews')
    .values({
      userId: options.userId,
      courseId: options.courseId,
      rating: options.rating ?? 4,
      title: 'Good',
      comment: options.comment ?? 'Learned a lot',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

export async function createCertificate(
  tx: Tx,
  options: { userId: string; courseId: string; enrollmentId: string; holderName?: string; code?: string },
): Promise<{ id: string; code: string }> {
  const code = options.code ?? `CERT-${unique().toUpperCase()}`;
  const { id } = await tx
    .insertInto('certificates')
    .values({
      userId: options.userId,
      courseId: options.courseId,
      enrollmentId: options.enrollmentId,
      verificationCode: code,
      holderName: options.holderName ?? 'A Learner',
      courseTitle: 'A course',
      pdfUrl: `https://files.example.test/${unique()}.pdf`,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id, code };
}

/** A message in the mail outbox, as the mailer stores it (sent through the outbox transport). */
export async function createMailMessage(
  tx: Tx,
  options: { to: string; subject?: string; textBody?: string; template?: string },
): Promise<string> {
  const text = options.textBody ?? 'Confirm your address: https://learn.example.test/confirm?token=t';
  const { id } = await tx
    .insertInto('mailOutbox')
    .values({
      toAddress: options.to,
      subject: options.subject ?? 'Confirm your email address',
      htmlBody: `<p>${text}</p>`,
      textBody: text,
      template: options.template ?? 'email_confirmation',
      idempotencyKey: `test:${unique()}`,
      status: 'sent',
      attempts: 1,
      sentAt: new Date(),
      transport: 'outbox',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

/** An uploaded file's row (no object in any store: the security tests read rows only). */
export async function createFile(
  tx: Tx,
  options: {
    courseId: string;
    purpose?: 'course_thumbnail' | 'course_preview_video' | 'lesson_video' | 'lesson_resource';
    lessonId?: string | null;
    name?: string;
    deleted?: boolean;
  },
): Promise<string> {
  const id = randomUUID();
  await tx
    .insertInto('courseFiles')
    .values({
      id,
      courseId: options.courseId,
      lessonId: options.lessonId ?? null,
      storageKey: `files/${id}`,
      originalName: options.name ?? 'file.pdf',
      contentType: 'application/pdf',
      sizeBytes: 1234,
      sha256: 'a'.repeat(64),
      purpose: options.purpose ?? 'lesson_resource',
      deletedAt: options.deleted ? new Date() : null,
    })
    .execute();
  return id;
}
