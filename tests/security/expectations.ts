/**
 * The security model as data: shared/spec/access.md, cell by cell, for the planted world of
 * rls-matrix.db.test.ts. Hold this file against access.md, not against the policies: it was written
 * from the spec, and the matrix test runs it against the database.
 *
 * Reading a cell
 * - `read`: the labels of the planted rows (see WORLD below) each persona gets from `select id from
 *   <table>`. Exactly these; a missing row or an extra row fails. `'all'` = every planted row.
 * - `write`: operation → the personas allowed to perform it. Everyone not listed is denied (an
 *   error with SQLSTATE 42501, zero rows touched, or a change silently undone by a trigger).
 *   Operations are implemented in operations.ts under the same name.
 *
 * Where access.md is silent we follow the decisions at the top of 0010_row_level_security.sql,
 * marked [0010] below, and these readings of access.md, marked [reading]:
 * - "admin — everything": admins read every row and do every write the table gives to owners or
 *   admins, plus moderation (closing, flagging, unsubscribing, deleting reviews). They never write
 *   as another user ("this learner did X": progress, attempts, submissions, questions, review text)
 *   and never write what the table reserves to the system or to triggers.
 * - Soft-deleted rows (deleted_at set, or inside a soft-deleted section/course) are invisible to
 *   everyone but the course owner and admins (access.md, invariants).
 * - profiles.email mirrors auth.users and changes only through auth: no persona writes it.
 */

export const PERSONAS = ['anon', 'studentA', 'studentB', 'owner', 'otherInstructor', 'admin'] as const;
export type Persona = (typeof PERSONAS)[number];

/**
 * The planted world (built by rls-matrix.db.test.ts with tests/helpers/factories.ts).
 * Users: admin; owner (instructor of X, F, S, Z, draft, archived, deleted); otherInstructor (of Y);
 * studentA (enrolled in X, archived and deleted); studentB (enrolled in Y only); studentC (enrolment
 * in X expired); studentD (subscription enrolment in S, plan lapsed); studentE (active plan, not
 * enrolled anywhere); noProfile (an auth user whose profile row was removed).
 */
export const WORLD = {
  profiles: ['admin', 'owner', 'otherInstructor', 'studentA', 'studentB', 'studentC', 'studentD', 'studentE'],
  // X, Y, Z paid and published; F free; S subscription; draft/archived; deleted = published then soft-deleted.
  courses: ['X', 'Y', 'F', 'S', 'Z', 'draft', 'archived', 'deleted'],
  course_sections: ['secX', 'secXDeleted', 'secY', 'secDraft', 'secArchived', 'secDeleted'],
  // lXPreview/lXDeleted/lDraft/lDeleted are preview lessons; lXInDeletedSection sits in secXDeleted.
  course_lessons: [
    'lXPreview',
    'lX',
    'lXDeleted',
    'lXInDeletedSection',
    'lY',
    'lDraft',
    'lArchived',
    'lDeleted',
  ],
  course_reviews: ['rvA_archived', 'rvA_deleted', 'rvB_Y', 'rvC_X'],
  enrollments: ['eA_X', 'eA_archived', 'eA_deleted', 'eB_Y', 'eC_X_expired', 'eD_S_lapsed'],
  lesson_progress: ['pA_X', 'pC_X', 'pB_Y'],
  certificates: ['certA_X', 'certB_Y'],
  quizzes: ['qzX', 'qzXDeleted', 'qzY', 'qzDraft', 'qzArchived', 'qzDeleted'],
  quiz_questions: ['qqX', 'qqXDeleted', 'qqY', 'qqDraft'],
  quiz_attempts: ['atA_X', 'atC_X', 'atB_Y'],
  code_challenges: ['chX', 'chXDeleted', 'chY', 'chDraft'],
  code_submissions: ['sbA_X', 'sbC_X', 'sbB_Y'],
  payment_transactions: ['pyA_X', 'pyB_Y'],
  // pcX: specific [X]; pcXY: specific [X, Y]; pcY: specific [Y]; pcSub: subscription.
  promotional_codes: ['pcAll', 'pcX', 'pcXY', 'pcY', 'pcSub'],
  // cvA (A, about X); cvAFlag (A, about X, flagged for review); cvB (B, about Y, flagged); cvBX (B, about X).
  ai_conversations: ['cvA', 'cvAFlag', 'cvB', 'cvBX'],
  ai_messages: ['mA', 'mAFlag', 'mB', 'mBX'],
  email_courses: ['ecActive', 'ecActive2', 'ecInactive', 'ecDeleted'],
  // Days 1–4 of ecActive, day 3 soft-deleted. studentA has been sent up to day 3, studentB nothing yet.
  email_course_content: ['day1', 'day2', 'day3Deleted', 'day4'],
  email_course_subscriptions: ['esA', 'esB'],
  activity_logs: ['lgA', 'lgB', 'lgNoUser'],
  learning_analytics: ['laA', 'laB'],
  // Sent to studentA and to studentB (their confirmation links are in the bodies).
  mail_outbox: ['mailA', 'mailB'],
  // Uploaded files (0015). fXThumb: X's thumbnail; fXPreview: video of lXPreview; fX: resource of lX;
  // fXUnlinked: a resource of X no lesson uses; fXDeleted: soft-deleted video of lXPreview; fY: video
  // of lY; fDraftThumb / fDraftPreview: thumbnail and lDraft's video of the draft course; fArchived:
  // resource of lArchived; fDeletedCourse: thumbnail of the deleted course.
  course_files: [
    'fXThumb',
    'fXPreview',
    'fX',
    'fXUnlinked',
    'fXDeleted',
    'fY',
    'fDraftThumb',
    'fDraftPreview',
    'fArchived',
    'fDeletedCourse',
  ],
} as const;

export type TableName = keyof typeof WORLD;
export type Label<T extends TableName> = (typeof WORLD)[T][number];

type Reads<T extends TableName> = Record<Persona, readonly Label<T>[] | 'all'>;
export interface TableExpectation<T extends TableName = TableName> {
  read: Reads<T>;
  write: Record<string, readonly Persona[]>;
}

const nobody: readonly Persona[] = [];
const signedIn: readonly Persona[] = ['studentA', 'studentB', 'owner', 'otherInstructor', 'admin'];
const only = (...personas: Persona[]): readonly Persona[] => personas;
/** Everyone sees the same rows; admin sees all. */
const same = <T extends TableName>(rows: readonly Label<T>[]): Reads<T> => ({
  anon: rows,
  studentA: rows,
  studentB: rows,
  owner: rows,
  otherInstructor: rows,
  admin: 'all',
});
/** Own rows only (signed-in), admin all, nobody else. */
const ownOnly = <T extends TableName>(a: readonly Label<T>[], b: readonly Label<T>[]): Reads<T> => ({
  anon: [],
  studentA: a,
  studentB: b,
  owner: [],
  otherInstructor: [],
  admin: 'all',
});

const expectations: { [T in TableName]: TableExpectation<T> } = {
  // profiles — read: own row; admin all (others: only the card, see PROJECTIONS).
  // write: own row, self-service columns; role, is_active, subscription, Stripe, counters: admin or system.
  profiles: {
    read: {
      anon: [],
      studentA: ['studentA'],
      studentB: ['studentB'],
      owner: ['owner'],
      otherInstructor: ['otherInstructor'],
      admin: 'all',
    },
    write: {
      'insert forged (profile for another auth user)': nobody, // profiles come from sign-up only
      'update own display_name': signedIn,
      'update own timezone': signedIn,
      "update studentA's bio": only('studentA', 'admin'),
      'update protected own role → admin': only('admin'),
      'update protected own is_active': only('admin'),
      'update protected own subscription_status → active': only('admin'),
      'update protected own subscription_expires_at': only('admin'),
      'update protected own stripe_customer_id': only('admin'),
      'update protected own courses_completed': only('admin'),
      'update protected own total_learning_minutes': only('admin'),
      'update protected own current_streak_days': only('admin'),
      'update protected own learning_seconds_remainder': nobody, // kept by triggers only (0018)
      'update protected own email': nobody, // [reading] email belongs to auth.users
      'update protected own created_by': nobody,
      "update protected studentA's role → instructor": only('admin'),
      "delete studentA's profile": nobody,
    },
  },

  // courses — read: anyone published and not deleted; owner own in any status; admin all;
  // [0010] enrolled learners keep an archived course. write: instructor/admin create (instructor only as
  // themself); owner/admin update; metrics only by triggers; delete = soft delete.
  courses: {
    read: {
      anon: ['X', 'Y', 'F', 'S', 'Z'],
      studentA: ['X', 'Y', 'F', 'S', 'Z', 'archived'],
      studentB: ['X', 'Y', 'F', 'S', 'Z'],
      owner: ['X', 'Y', 'F', 'S', 'Z', 'draft', 'archived', 'deleted'],
      otherInstructor: ['X', 'Y', 'F', 'S', 'Z'],
      admin: 'all',
    },
    write: {
      'insert own (instructor_id = me)': only('owner', 'otherInstructor', 'admin'),
      'insert forged instructor_id (someone else)': only('admin'),
      'insert forged average_rating': nobody,
      'insert forged enrollment_count': nobody,
      'update title of X': only('owner', 'admin'),
      'update price_cents of X': only('owner', 'admin'),
      'update status of draft → published': only('owner', 'admin'),
      'update protected instructor_id of X → otherInstructor': only('admin'),
      'update protected enrollment_count of X': nobody,
      'update protected average_rating of X': nobody,
      'update protected total_reviews of X': nobody,
      'update protected completion_rate of X': nobody,
      'update protected lesson_count of X': nobody,
      'update protected instructor_name of X': nobody,
      'update protected published_at of X': nobody,
      'update protected created_by of X': nobody,
      'soft delete X': only('owner', 'admin'),
      'delete X': nobody,
    },
  },

  // course_sections — read: whoever can read the course (not soft-deleted); write: owner/admin.
  course_sections: {
    read: {
      anon: ['secX', 'secY'],
      studentA: ['secX', 'secY', 'secArchived'],
      studentB: ['secX', 'secY'],
      owner: ['secX', 'secXDeleted', 'secY', 'secDraft', 'secArchived', 'secDeleted'],
      otherInstructor: ['secX', 'secY'],
      admin: 'all',
    },
    write: {
      'insert section into X': only('owner', 'admin'),
      'insert section into Y': only('otherInstructor', 'admin'),
      'insert forged created_by': nobody,
      'update title of secX': only('owner', 'admin'),
      'update protected lesson_count of secX': nobody,
      'update protected course_id of secX → Y': nobody,
      'soft delete secX': only('owner', 'admin'),
      'delete secX': nobody,
    },
  },

  // course_lessons — outline to whoever can read the course; content via private.lesson_content
  // (PROJECTIONS); write: owner/admin.
  course_lessons: {
    read: {
      anon: ['lXPreview', 'lX', 'lY'],
      studentA: ['lXPreview', 'lX', 'lY', 'lArchived'],
      studentB: ['lXPreview', 'lX', 'lY'],
      owner: ['lXPreview', 'lX', 'lXDeleted', 'lXInDeletedSection', 'lY', 'lDraft', 'lArchived', 'lDeleted'],
      otherInstructor: ['lXPreview', 'lX', 'lY'],
      admin: 'all',
    },
    write: {
      'insert lesson into X': only('owner', 'admin'),
      'insert lesson into Y': only('otherInstructor', 'admin'),
      'insert forged created_by': nobody,
      'update title of lX': only('owner', 'admin'),
      'update article_content of lX': only('owner', 'admin'),
      'update is_preview of lX': only('owner', 'admin'),
      'update protected course_id of lX → Y': nobody,
      'update protected created_by of lX': nobody,
      'soft delete lX': only('owner', 'admin'),
      'delete lX': nobody,
    },
  },

  // course_reviews — read: anyone, for readable courses; write: enrolled learners, one review per
  // course, their own. [reading] admins moderate by deleting, never by rewriting a review.
  course_reviews: {
    read: {
      anon: ['rvB_Y', 'rvC_X'],
      studentA: ['rvB_Y', 'rvC_X', 'rvA_archived'],
      studentB: ['rvB_Y', 'rvC_X'],
      owner: ['rvB_Y', 'rvC_X', 'rvA_archived', 'rvA_deleted'],
      otherInstructor: ['rvB_Y', 'rvC_X'],
      admin: 'all',
    },
    write: {
      'insert own review of X': only('studentA'),
      'insert forged user_id (review of X as studentB)': nobody,
      'update rating of rvA_archived': only('studentA'),
      'update protected user_id of rvA_archived → studentB': nobody,
      'update protected course_id of rvA_archived → X': nobody,
      'update protected created_by of rvA_archived': nobody,
      'delete rvA_archived': only('studentA', 'admin'),
    },
  },

  // enrollments — read: own; owner of the course; admin. write: only the enrolment paths: free course
  // (the learner; [0010] as 'free_grant'), paid (payment confirmed: system), subscription (active plan),
  // free grant (owner/admin), promotional (system). Learners never write progress or payment columns.
  // [0010] only admins delete; owners and admins may change expires_at.
  enrollments: {
    read: {
      anon: [],
      studentA: ['eA_X', 'eA_archived', 'eA_deleted'],
      studentB: ['eB_Y'],
      owner: ['eA_X', 'eA_archived', 'eA_deleted', 'eC_X_expired', 'eD_S_lapsed'],
      otherInstructor: ['eB_Y'],
      admin: 'all',
    },
    write: {
      'insert own free enrolment (free course F)': signedIn,
      'insert own purchased enrolment without payment (Z)': nobody,
      'insert own promotional enrolment without code (Z)': nobody,
      'insert own subscription enrolment without active plan (S)': nobody, // control: studentE (active plan)
      'insert own free grant on a paid course (Z)': only('owner', 'admin'),
      'insert forged user_id (free grant in F for studentC)': only('owner', 'admin'),
      'insert forged progress_percentage (free enrolment in F)': nobody,
      'insert forged payment_amount_cents (free enrolment in F)': nobody,
      'update expires_at of eA_X': only('owner', 'admin'),
      'update protected progress_percentage of eA_X': nobody,
      'update protected is_completed of eA_X': nobody,
      'update protected payment_amount_cents of eA_X': nobody,
      'update protected access_type of eA_X': nobody,
      'update protected user_id of eA_X → studentB': nobody,
      'update protected certificate_issued of eA_X': nobody,
      'update protected created_by of eA_X': nobody,
      'delete eA_X': only('admin'),
    },
  },

  // lesson_progress — read: own; owner of the course; admin. write: own rows, only for lessons of
  // courses they are enrolled in; completion never moves backwards (integrity.db.test.ts).
  lesson_progress: {
    read: {
      anon: [],
      studentA: ['pA_X'],
      studentB: ['pB_Y'],
      owner: ['pA_X', 'pC_X'],
      otherInstructor: ['pB_Y'],
      admin: 'all',
    },
    write: {
      'insert own progress on lXPreview': only('studentA'),
      'insert forged user_id (progress for studentA)': nobody,
      'insert forged completed_at (progress on lXPreview)': nobody,
      'insert forged enrollment_id': nobody,
      'update user_notes of pA_X': only('studentA'),
      'update time_spent_seconds of pA_X': only('studentA'),
      'update protected notes_updated_at of pA_X': nobody,
      'update protected completed_at of pA_X': nobody,
      'update protected user_id of pA_X → studentB': nobody,
      'update protected course_id of pA_X': nobody,
      'update protected created_by of pA_X': nobody,
      'delete pA_X': nobody,
    },
  },

  // certificates — read: own; admin (anyone verifies by public id: PROJECTIONS). write: system only.
  certificates: {
    read: ownOnly(['certA_X'], ['certB_Y']),
    write: {
      'insert own certificate': nobody,
      'insert forged user_id (certificate for studentA)': nobody,
      'update pdf_url of certA_X': nobody,
      'update protected revoked_at of certA_X': nobody,
      'update protected holder_name of certA_X': nobody,
      'delete certA_X': nobody,
    },
  },

  // quizzes — read: enrolled, owner, admin; write: owner/admin; counters by triggers.
  quizzes: {
    read: {
      anon: [],
      studentA: ['qzX', 'qzArchived'],
      studentB: ['qzY'],
      owner: ['qzX', 'qzXDeleted', 'qzDraft', 'qzArchived', 'qzDeleted'],
      otherInstructor: ['qzY'],
      admin: 'all',
    },
    write: {
      'insert quiz into X': only('owner', 'admin'),
      'insert quiz into Y': only('otherInstructor', 'admin'),
      'insert forged created_by': nobody,
      'update title of qzX': only('owner', 'admin'),
      'update max_attempts of qzX': only('owner', 'admin'),
      'update protected question_count of qzX': nobody,
      'update protected total_points of qzX': nobody,
      'update protected course_id of qzX → Y': nobody,
      'soft delete qzX': only('owner', 'admin'),
      'delete qzX': nobody,
    },
  },

  // quiz_questions — read and write: owner/admin. Learners get questions only inside an attempt.
  quiz_questions: {
    read: {
      anon: [],
      studentA: [],
      studentB: [],
      owner: ['qqX', 'qqXDeleted', 'qqDraft'],
      otherInstructor: ['qqY'],
      admin: 'all',
    },
    write: {
      'insert question into qzX': only('owner', 'admin'),
      'insert question into qzY': only('otherInstructor', 'admin'),
      'insert forged created_by': nobody,
      'update explanation of qqX': only('owner', 'admin'),
      'update options of qqX': only('owner', 'admin'),
      'update protected quiz_id of qqX → qzY': nobody,
      'soft delete qqX': only('owner', 'admin'),
      'delete qqX': nobody,
    },
  },

  // quiz_attempts — read: own; owner of the course; admin. write: only the quiz paths (no table
  // writes by any request persona); score and pass columns never client-written.
  quiz_attempts: {
    read: {
      anon: [],
      studentA: ['atA_X'],
      studentB: ['atB_Y'],
      owner: ['atA_X', 'atC_X'],
      otherInstructor: ['atB_Y'],
      admin: 'all',
    },
    write: {
      'insert own attempt on qzX': nobody,
      'insert forged user_id (attempt for studentA)': nobody,
      'update answers of atA_X': nobody,
      'update protected score of atA_X': nobody,
      'update protected passed of atA_X': nobody,
      'delete atA_X': nobody,
    },
  },

  // code_challenges — read: enrolled, owner, admin (solution_code and hidden tests: owner/admin only,
  // rls-coverage and canaries); write: owner/admin.
  code_challenges: {
    read: {
      anon: [],
      studentA: ['chX'],
      studentB: ['chY'],
      owner: ['chX', 'chXDeleted', 'chDraft'],
      otherInstructor: ['chY'],
      admin: 'all',
    },
    write: {
      'insert challenge into X': only('owner', 'admin'),
      'insert challenge into Y': only('otherInstructor', 'admin'),
      'insert forged created_by': nobody,
      'update title of chX': only('owner', 'admin'),
      'update solution_code of chX': only('owner', 'admin'),
      'update protected course_id of chX → Y': nobody,
      'soft delete chX': only('owner', 'admin'),
      'delete chX': nobody,
    },
  },

  // code_submissions — read: own; owner of the course; admin. write: learners create their own
  // (language + code) for challenges they can read; results only by the judge.
  code_submissions: {
    read: {
      anon: [],
      studentA: ['sbA_X'],
      studentB: ['sbB_Y'],
      owner: ['sbA_X', 'sbC_X'],
      otherInstructor: ['sbB_Y'],
      admin: 'all',
    },
    write: {
      'insert own submission to chX': only('studentA', 'owner', 'admin'),
      'insert forged user_id (submission as studentA)': nobody,
      'insert forged verdict (status accepted)': nobody,
      'update code of sbA_X': nobody,
      'update protected status of sbA_X → accepted': nobody,
      'update protected score of sbA_X': nobody,
      'delete sbA_X': nobody,
    },
  },

  // payment_transactions — read: own; admin (owners: aggregates only, no rows). write: system only.
  payment_transactions: {
    read: ownOnly(['pyA_X'], ['pyB_Y']),
    write: {
      'insert own payment': nobody,
      'insert forged user_id (payment for studentA)': nobody,
      'update status of pyA_X → refunded': nobody,
      'update protected amount_cents of pyA_X': nobody,
      'update protected discount_amount_cents of pyA_X': nobody,
      'delete pyA_X': nobody,
    },
  },

  // promotional_codes — read: admin; owner for codes limited to their own courses (pcXY is not: it
  // also covers Y). Learners never list codes. write: admin; owners for their own courses.
  promotional_codes: {
    read: {
      anon: [],
      studentA: [],
      studentB: [],
      owner: ['pcX'],
      otherInstructor: ['pcY'],
      admin: 'all',
    },
    write: {
      'insert code for X': only('owner', 'admin'),
      'insert code for Y': only('otherInstructor', 'admin'),
      'insert code for all courses': only('admin'),
      'insert forged created_by': nobody,
      'update discount_value of pcX': only('owner', 'admin'),
      'update protected applicable_course_ids of pcX → [Y]': only('admin'),
      'update protected applicable_to of pcX → all_courses': only('admin'),
      'update protected uses_count of pcX': nobody,
      'update protected created_by of pcX': nobody,
      'soft delete pcX': only('owner', 'admin'),
      'delete pcX': nobody,
    },
  },

  // ai_conversations — read: own; admin; owner of the course for conversations flagged for human
  // review. write: learners their own; [0010] learners may flag their own conversation for review and
  // close it (flag, not unflag: the flag is what puts it in front of a human).
  ai_conversations: {
    read: {
      anon: [],
      studentA: ['cvA', 'cvAFlag'],
      studentB: ['cvB', 'cvBX'],
      owner: ['cvAFlag'],
      otherInstructor: ['cvB'],
      admin: 'all',
    },
    write: {
      'insert own conversation about X': signedIn,
      'insert own conversation about the draft course': only('owner', 'admin'),
      'insert forged user_id (conversation as studentA)': nobody,
      'insert forged message_count': nobody,
      'update close cvA': only('studentA', 'admin'),
      'update flag cvA for human review': only('studentA', 'admin'),
      'update protected unflag cvAFlag': only('admin'),
      'update protected message_count of cvA': nobody,
      'update protected user_id of cvA → studentB': nobody,
      'delete cvA': nobody,
    },
  },

  // ai_messages — read: as the conversation. write: learners write their own questions; answers by
  // the system.
  ai_messages: {
    read: {
      anon: [],
      studentA: ['mA', 'mAFlag'],
      studentB: ['mB', 'mBX'],
      owner: ['mAFlag'],
      otherInstructor: ['mB'],
      admin: 'all',
    },
    write: {
      'insert own question (in a new conversation of mine)': signedIn,
      "insert question into studentA's conversation cvA": only('studentA'),
      'insert forged assistant answer (in a new conversation of mine)': nobody,
      'insert forged tokens_used': nobody,
      'update content of mA': nobody,
      'update protected created_by of mA': nobody,
      'delete mA': nobody,
    },
  },

  // email_courses — read: anyone, active ones; admin all. write: admin.
  email_courses: {
    read: same(['ecActive', 'ecActive2']),
    write: {
      'insert email course': only('admin'),
      'insert forged created_by': nobody,
      'update name of ecActive': only('admin'),
      'update protected created_by of ecActive': nobody,
      'soft delete ecActive': only('admin'),
      'delete ecActive': nobody,
    },
  },

  // email_course_content — read: admin; a subscriber the days already sent to them. write: admin.
  email_course_content: {
    read: {
      anon: [],
      studentA: ['day1', 'day2'],
      studentB: [],
      owner: [],
      otherInstructor: [],
      admin: 'all',
    },
    write: {
      'insert day 5 of ecActive': only('admin'),
      'insert forged created_by': nobody,
      'update subject of day1': only('admin'),
      'update protected sent_count of day1': nobody,
      'soft delete day1': only('admin'),
      'delete day1': nobody,
    },
  },

  // email_course_subscriptions — read: own; admin. write: own: subscribe, pause, resume,
  // unsubscribe; counters (and completion) by the system. [reading] admins may pause/unsubscribe.
  email_course_subscriptions: {
    read: ownOnly(['esA'], ['esB']),
    write: {
      'insert own subscription to ecActive2': signedIn,
      'insert forged user_id (subscribe studentC)': nobody,
      'insert forged current_day (subscription to ecActive2)': nobody,
      'update pause esA': only('studentA', 'admin'),
      'update unsubscribe esA': only('studentA', 'admin'),
      'update protected current_day of esA': nobody,
      'update protected status of esA → completed': nobody,
      'update protected emails_opened of esA': nobody,
      'delete esA': nobody,
    },
  },

  // activity_logs — read: own; admin. write: system only.
  activity_logs: {
    read: ownOnly(['lgA'], ['lgB']),
    write: {
      'insert own log line': nobody,
      'insert forged user_id (log line for studentA)': nobody,
      'update action of lgA': nobody,
      'update protected user_id of lgA → studentC': nobody,
      'delete lgA': nobody,
    },
  },

  // learning_analytics — read: own; admin (owners: aggregates only). write: system only.
  learning_analytics: {
    read: ownOnly(['laA'], ['laB']),
    write: {
      'insert own analytics day': nobody,
      'insert forged user_id (analytics for studentA)': nobody,
      'update minutes_learned of laA': nobody,
      'update protected user_id of laA → studentC': nobody,
      'delete laA': nobody,
    },
  },

  // mail_outbox (added, 0011) — read: admin only, not even the recipient: it is the admin mailbox,
  // and bodies carry confirmation and reset links (credentials). write: system only (the mailer).
  mail_outbox: {
    read: {
      anon: [],
      studentA: [],
      studentB: [],
      owner: [],
      otherInstructor: [],
      admin: 'all',
    },
    write: {
      'insert message to myself': nobody,
      'update subject of mailA': nobody,
      'update protected status of mailA → failed': nobody,
      'update protected created_by of mailA': nobody,
      'delete mailA': nobody,
    },
  },

  // course_files (added, 0015) — read: the course's managers (owner, admin) only; everyone else
  // reaches a file through private.readable_file (PROJECTIONS). write: managers upload, rename,
  // link to a lesson and soft-delete; what the file is (key, type, size, purpose, course) is fixed.
  course_files: {
    read: {
      anon: [],
      studentA: [],
      studentB: [],
      owner: [
        'fXThumb',
        'fXPreview',
        'fX',
        'fXUnlinked',
        'fXDeleted',
        'fDraftThumb',
        'fDraftPreview',
        'fArchived',
        'fDeletedCourse',
      ],
      otherInstructor: ['fY'],
      admin: 'all',
    },
    write: {
      'insert file into X': only('owner', 'admin'),
      'insert file into Y': only('otherInstructor', 'admin'),
      'insert forged created_by': nobody,
      'update original_name of fX': only('owner', 'admin'),
      'update lesson_id of fX → lXPreview': only('owner', 'admin'),
      'update protected storage_key of fX': nobody,
      'update protected purpose of fX → course_thumbnail': nobody,
      'update protected course_id of fX → Y': nobody,
      'update protected content_type of fX': nobody,
      'update protected size_bytes of fX': nobody,
      'update protected created_by of fX': nobody,
      'soft delete fX': only('owner', 'admin'),
      'delete fX': nobody,
    },
  },
};

export const EXPECTATIONS: Readonly<Record<TableName, TableExpectation>> = expectations as Record<
  TableName,
  TableExpectation
>;

/**
 * The safe projections: which planted rows each persona gets something for, calling the function
 * with the ids of every planted row (the worst case: ids guessed or leaked elsewhere).
 */
export interface ProjectionExpectation<T extends TableName = TableName> {
  table: T;
  read: Reads<T>;
}

const projections = {
  // Content (video, article, resources): enrolled learners; anyone for preview lessons (of a
  // course they can read); owner/admin.
  'private.lesson_content': {
    table: 'course_lessons',
    read: {
      anon: ['lXPreview'],
      studentA: ['lXPreview', 'lX', 'lArchived'],
      studentB: ['lXPreview', 'lY'], // enrolled in Y
      owner: ['lXPreview', 'lX', 'lXDeleted', 'lXInDeletedSection', 'lDraft', 'lArchived', 'lDeleted'],
      otherInstructor: ['lXPreview', 'lY'],
      admin: 'all',
    },
  } satisfies ProjectionExpectation<'course_lessons'>,
  // Non-hidden tests: whoever reads the challenge (enrolled, owner, admin).
  'private.challenge_visible_tests': {
    table: 'code_challenges',
    read: {
      anon: [],
      studentA: ['chX'],
      studentB: ['chY'],
      owner: ['chX', 'chXDeleted', 'chDraft'],
      otherInstructor: ['chY'],
      admin: 'all',
    },
  } satisfies ProjectionExpectation<'code_challenges'>,
  // solution_code and all tests: owner/admin only.
  'private.challenge_secrets': {
    table: 'code_challenges',
    read: {
      anon: [],
      studentA: [],
      studentB: [],
      owner: ['chX', 'chXDeleted', 'chDraft'],
      otherInstructor: ['chY'],
      admin: 'all',
    },
  } satisfies ProjectionExpectation<'code_challenges'>,
  // Public card of instructors of visible courses and of reviewers (on courses the caller can read).
  'private.public_profile_cards': {
    table: 'profiles',
    read: {
      anon: ['owner', 'otherInstructor', 'studentB', 'studentC'],
      studentA: ['owner', 'otherInstructor', 'studentA', 'studentB', 'studentC'],
      studentB: ['owner', 'otherInstructor', 'studentB', 'studentC'],
      owner: ['owner', 'otherInstructor', 'studentA', 'studentB', 'studentC'],
      otherInstructor: ['owner', 'otherInstructor', 'studentB', 'studentC'],
      admin: ['owner', 'otherInstructor', 'studentA', 'studentB', 'studentC'],
    },
  } satisfies ProjectionExpectation<'profiles'>,
  // A file's bytes (0015): public purposes with the course; lesson materials as the lesson's content
  // (preview lessons of published courses for anyone, others for enrolled learners); managers all
  // their live files; a deleted file nobody.
  'private.readable_file': {
    table: 'course_files',
    read: {
      anon: ['fXThumb', 'fXPreview'],
      studentA: ['fXThumb', 'fXPreview', 'fX', 'fArchived'],
      studentB: ['fXThumb', 'fXPreview', 'fY'],
      owner: [
        'fXThumb',
        'fXPreview',
        'fX',
        'fXUnlinked',
        'fDraftThumb',
        'fDraftPreview',
        'fArchived',
        'fDeletedCourse',
      ],
      otherInstructor: ['fXThumb', 'fXPreview', 'fY'],
      admin: [
        'fXThumb',
        'fXPreview',
        'fX',
        'fXUnlinked',
        'fY',
        'fDraftThumb',
        'fDraftPreview',
        'fArchived',
        'fDeletedCourse',
      ],
    },
  } satisfies ProjectionExpectation<'course_files'>,
  // Anyone can verify a certificate by its public id.
  'private.verify_certificate': {
    table: 'certificates',
    read: same(['certA_X', 'certB_Y']),
  } satisfies ProjectionExpectation<'certificates'>,
};

export type ProjectionName = keyof typeof projections;
export const PROJECTIONS: Readonly<Record<ProjectionName, ProjectionExpectation>> = projections;

/** Operation names start with one of these; rls-coverage checks every table has each kind. */
export const OPERATION_KINDS = ['insert', 'update', 'update protected', 'delete'] as const;
export function operationKind(name: string): (typeof OPERATION_KINDS)[number] | 'soft delete' {
  if (name.startsWith('update protected')) return 'update protected';
  if (name.startsWith('soft delete')) return 'soft delete';
  if (name.startsWith('insert')) return 'insert';
  if (name.startsWith('update')) return 'update';
  if (name.startsWith('delete')) return 'delete';
  throw new Error(
    `Operation "${name}" does not start with insert/update/update protected/soft delete/delete`,
  );
}
