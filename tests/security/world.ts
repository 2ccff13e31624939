import type { Db } from '../../server/db/session.ts';
import * as f from '../helpers/factories.ts';
import type { Label, TableName } from './expectations.ts';

/** The planted world of expectations.ts (WORLD), as ids. Built once per test file, as the system. */
export interface World {
  users: Record<UserLabel, string>;
  rows: { [T in TableName]: Record<Label<T>, string> };
  certificateCodes: Record<Label<'certificates'>, string>;
}

export type UserLabel =
  | 'admin'
  | 'owner'
  | 'otherInstructor'
  | 'studentA'
  | 'studentB'
  | 'studentC'
  | 'studentD'
  | 'studentE'
  | 'noProfile';

export async function plantWorld(db: Db): Promise<World> {
  return db.asSystem(async (tx) => {
    const admin = await f.createUser(tx, { role: 'admin', displayName: 'Ada Admin' });
    const owner = await f.createUser(tx, { role: 'instructor', displayName: 'Olga Owner' });
    const otherInstructor = await f.createUser(tx, { role: 'instructor', displayName: 'Igor Other' });
    const studentA = await f.createUser(tx, { displayName: 'Anna A' });
    const studentB = await f.createUser(tx, { displayName: 'Bruno B' });
    const studentC = await f.createUser(tx, { displayName: 'Chen C' });
    const studentD = await f.createUser(tx, { displayName: 'Dana D', subscription: 'lapsed' });
    const studentE = await f.createUser(tx, { displayName: 'Emil E', subscription: 'active' });
    const noProfile = await f.createUser(tx);
    await tx.deleteFrom('profiles').where('id', '=', noProfile.id).execute();

    const o = owner.id;
    const X = await f.createCourse(tx, { instructorId: o, title: 'Course X' });
    const Y = await f.createCourse(tx, { instructorId: otherInstructor.id, title: 'Course Y' });
    const F = await f.createCourse(tx, { instructorId: o, access: 'free' });
    const S = await f.createCourse(tx, { instructorId: o, access: 'subscription', priceCents: 0 });
    const Z = await f.createCourse(tx, { instructorId: o });
    const draft = await f.createCourse(tx, { instructorId: o, status: 'draft' });
    const archived = await f.createCourse(tx, { instructorId: o, status: 'archived' });
    const deleted = await f.createCourse(tx, { instructorId: o, deleted: true });

    const secX = await f.createSection(tx, { courseId: X });
    const secXDeleted = await f.createSection(tx, { courseId: X, deleted: true, sortOrder: 1 });
    const secY = await f.createSection(tx, { courseId: Y });
    const secDraft = await f.createSection(tx, { courseId: draft });
    const secArchived = await f.createSection(tx, { courseId: archived });
    const secDeleted = await f.createSection(tx, { courseId: deleted });

    const lesson = (
      courseId: string,
      sectionId: string,
      opts: { isPreview?: boolean; deleted?: boolean } = {},
    ) => f.createLesson(tx, { courseId, sectionId, ...opts });
    const lXPreview = await lesson(X, secX, { isPreview: true });
    const lX = await lesson(X, secX);
    const lXDeleted = await lesson(X, secX, { isPreview: true, deleted: true });
    const lXInDeletedSection = await lesson(X, secXDeleted);
    const lY = await lesson(Y, secY);
    const lDraft = await lesson(draft, secDraft, { isPreview: true });
    const lArchived = await lesson(archived, secArchived);
    const lDeleted = await lesson(deleted, secDeleted, { isPreview: true });

    const eA_X = await f.createEnrollment(tx, { userId: studentA.id, courseId: X });
    const eA_archived = await f.createEnrollment(tx, { userId: studentA.id, courseId: archived });
    const eA_deleted = await f.createEnrollment(tx, { userId: studentA.id, courseId: deleted });
    const eB_Y = await f.createEnrollment(tx, { userId: studentB.id, courseId: Y });
    // C progressed, tried the quiz and the challenge and reviewed X before the enrolment expired.
    const eC_X_expired = await f.createEnrollment(tx, { userId: studentC.id, courseId: X });
    const eD_S_lapsed = await f.createEnrollment(tx, {
      userId: studentD.id,
      courseId: S,
      accessType: 'subscription',
    });

    const pA_X = await f.createLessonProgress(tx, { userId: studentA.id, lessonId: lX });
    const pC_X = await f.createLessonProgress(tx, { userId: studentC.id, lessonId: lX, status: 'completed' });
    const pB_Y = await f.createLessonProgress(tx, { userId: studentB.id, lessonId: lY });

    const certA = await f.createCertificate(tx, { userId: studentA.id, courseId: X, enrollmentId: eA_X });
    const certB = await f.createCertificate(tx, { userId: studentB.id, courseId: Y, enrollmentId: eB_Y });

    const qzX = await f.createQuiz(tx, { courseId: X, lessonId: lX });
    const qzXDeleted = await f.createQuiz(tx, { courseId: X, deleted: true });
    const qzY = await f.createQuiz(tx, { courseId: Y });
    const qzDraft = await f.createQuiz(tx, { courseId: draft });
    const qzArchived = await f.createQuiz(tx, { courseId: archived });
    const qzDeleted = await f.createQuiz(tx, { courseId: deleted });

    const qqX = await f.createQuestion(tx, { quizId: qzX });
    const qqXDeleted = await f.createQuestion(tx, { quizId: qzX, deleted: true, sortOrder: 1 });
    const qqY = await f.createQuestion(tx, { quizId: qzY });
    const qqDraft = await f.createQuestion(tx, { quizId: qzDraft });

    const atA_X = await f.createAttempt(tx, { userId: studentA.id, quizId: qzX, enrollmentId: eA_X });
    const atC_X = await f.createAttempt(tx, { userId: studentC.id, quizId: qzX, enrollmentId: eC_X_expired });
    const atB_Y = await f.createAttempt(tx, { userId: studentB.id, quizId: qzY, enrollmentId: eB_Y });

    const chX = await f.createChallenge(tx, { courseId: X });
    const chXDeleted = await f.createChallenge(tx, { courseId: X, deleted: true });
    const chY = await f.createChallenge(tx, { courseId: Y });
    const chDraft = await f.createChallenge(tx, { courseId: draft });

    const sbA_X = await f.createSubmission(tx, { userId: studentA.id, challengeId: chX });
    const sbC_X = await f.createSubmission(tx, { userId: studentC.id, challengeId: chX });
    const sbB_Y = await f.createSubmission(tx, { userId: studentB.id, challengeId: chY });

    const pyA_X = await f.createPayment(tx, { userId: studentA.id, courseId: X });
    const pyB_Y = await f.createPayment(tx, { userId: studentB.id, courseId: Y });

    const pcAll = await f.createPromoCode(tx, { scope: 'all_courses' });
    const pcX = await f.createPromoCode(tx, { scope: { courseIds: [X] } });
    const pcXY = await f.createPromoCode(tx, { scope: { courseIds: [X, Y] } });
    const pcY = await f.createPromoCode(tx, { scope: { courseIds: [Y] } });
    const pcSub = await f.createPromoCode(tx, { scope: 'subscription' });

    const cvA = await f.createConversation(tx, { userId: studentA.id, courseId: X });
    const cvAFlag = await f.createConversation(tx, {
      userId: studentA.id,
      courseId: X,
      requiresHumanReview: true,
    });
    const cvB = await f.createConversation(tx, {
      userId: studentB.id,
      courseId: Y,
      requiresHumanReview: true,
    });
    const cvBX = await f.createConversation(tx, { userId: studentB.id, courseId: X });
    const mA = await f.createMessage(tx, { conversationId: cvA });
    const mAFlag = await f.createMessage(tx, { conversationId: cvAFlag, role: 'assistant' });
    const mB = await f.createMessage(tx, { conversationId: cvB });
    const mBX = await f.createMessage(tx, { conversationId: cvBX });

    const ecActive = await f.createEmailCourse(tx);
    const ecActive2 = await f.createEmailCourse(tx, { name: 'Another one' });
    const ecInactive = await f.createEmailCourse(tx, { isActive: false });
    const ecDeleted = await f.createEmailCourse(tx, { deleted: true });
    const day = (dayNumber: number, deletedDay = false) =>
      f.createEmailContent(tx, { emailCourseId: ecActive, dayNumber, deleted: deletedDay });
    const day1 = await day(1);
    const day2 = await day(2);
    const day3Deleted = await day(3, true);
    const day4 = await day(4);
    const esA = await f.createEmailSubscription(tx, {
      userId: studentA.id,
      emailCourseId: ecActive,
      currentDay: 3,
    });
    const esB = await f.createEmailSubscription(tx, { userId: studentB.id, emailCourseId: ecActive });

    const lgA = await f.createActivityLog(tx, { userId: studentA.id });
    const lgB = await f.createActivityLog(tx, { userId: studentB.id });
    const lgNoUser = await f.createActivityLog(tx, { userId: null, action: 'webhook.received' });
    // The progress planted above already counted today's learning (0018 triggers); the matrix wants
    // exactly the labelled analytics rows below.
    await tx.deleteFrom('learningAnalytics').execute();
    const laA = await f.createLearningAnalytics(tx, { userId: studentA.id });
    const laB = await f.createLearningAnalytics(tx, { userId: studentB.id });
    const mailA = await f.createMailMessage(tx, { to: studentA.email });
    const mailB = await f.createMailMessage(tx, { to: studentB.email });

    const file = (courseId: string, opts: Omit<Parameters<typeof f.createFile>[1], 'courseId'> = {}) =>
      f.createFile(tx, { courseId, ...opts });
    const fXThumb = await file(X, { purpose: 'course_thumbnail' });
    const fXPreview = await file(X, { purpose: 'lesson_video', lessonId: lXPreview });
    const fX = await file(X, { lessonId: lX });
    const fXUnlinked = await file(X);
    const fXDeleted = await file(X, { purpose: 'lesson_video', lessonId: lXPreview, deleted: true });
    const fY = await file(Y, { purpose: 'lesson_video', lessonId: lY });
    const fDraftThumb = await file(draft, { purpose: 'course_thumbnail' });
    const fDraftPreview = await file(draft, { purpose: 'lesson_video', lessonId: lDraft });
    const fArchived = await file(archived, { lessonId: lArchived });
    const fDeletedCourse = await file(deleted, { purpose: 'course_thumbnail' });

    const rvA_archived = await f.createReview(tx, { userId: studentA.id, courseId: archived });
    const rvA_deleted = await f.createReview(tx, { userId: studentA.id, courseId: deleted });
    const rvB_Y = await f.createReview(tx, { userId: studentB.id, courseId: Y });
    const rvC_X = await f.createReview(tx, { userId: studentC.id, courseId: X });

    // Expire C's enrolment last: the rows above were written while it was live.
    await tx
      .updateTable('enrollments')
      .set({ expiresAt: new Date(Date.now() - 86_400_000) })
      .where('id', '=', eC_X_expired)
      .execute();

    const users = {
      admin: admin.id,
      owner: owner.id,
      otherInstructor: otherInstructor.id,
      studentA: studentA.id,
      studentB: studentB.id,
      studentC: studentC.id,
      studentD: studentD.id,
      studentE: studentE.id,
      noProfile: noProfile.id,
    };
    const { noProfile: _none, ...profiles } = users;
    return {
      users,
      certificateCodes: { certA_X: certA.code, certB_Y: certB.code },
      rows: {
        profiles,
        courses: { X, Y, F, S, Z, draft, archived, deleted },
        course_sections: { secX, secXDeleted, secY, secDraft, secArchived, secDeleted },
        course_lessons: { lXPreview, lX, lXDeleted, lXInDeletedSection, lY, lDraft, lArchived, lDeleted },
        course_reviews: { rvA_archived, rvA_deleted, rvB_Y, rvC_X },
        enrollments: { eA_X, eA_archived, eA_deleted, eB_Y, eC_X_expired, eD_S_lapsed },
        lesson_progress: { pA_X, pC_X, pB_Y },
        certificates: { certA_X: certA.id, certB_Y: certB.id },
        quizzes: { qzX, qzXDeleted, qzY, qzDraft, qzArchived, qzDeleted },
        quiz_questions: { qqX, qqXDeleted, qqY, qqDraft },
        quiz_attempts: { atA_X, atC_X, atB_Y },
        code_challenges: { chX, chXDeleted, chY, chDraft },
        code_submissions: { sbA_X, sbC_X, sbB_Y },
        payment_transactions: { pyA_X, pyB_Y },
        promotional_codes: { pcAll: pcAll.id, pcX: pcX.id, pcXY: pcXY.id, pcY: pcY.id, pcSub: pcSub.id },
        ai_conversations: { cvA, cvAFlag, cvB, cvBX },
        ai_messages: { mA, mAFlag, mB, mBX },
        email_courses: { ecActive, ecActive2, ecInactive, ecDeleted },
        email_course_content: { day1, day2, day3Deleted, day4 },
        email_course_subscriptions: { esA, esB },
        activity_logs: { lgA, lgB, lgNoUser },
        learning_analytics: { laA, laB },
        mail_outbox: { mailA, mailB },
        course_files: {
          fXThumb,
          fXPreview,
          fX,
          fXUnlinked,
          fXDeleted,
          fY,
          fDraftThumb,
          fDraftPreview,
          fArchived,
          fDeletedCourse,
        },
      },
    };
  });
}
