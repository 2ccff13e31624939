import { randomBytes } from 'node:crypto';
import type { CreateCourseInput } from '../../../contracts/authoring.ts';
import type { Db, SessionUser } from '../../db/session.ts';
import { createAccount } from '../../seed/accounts.ts';
import { createCourse, createLesson, createSection, publishCourse } from '../authoring/authoring.service.ts';
import { callerFor } from './courses.service.ts';

/** Test fixtures for the courses module: each test makes its own people and courses. */

/** Lesson content no outline or landing page may ever contain. */
export const CONTENT_CANARY = 'CANARY-lesson-content-7f3a';

export function uniqueSuffix(): string {
  return randomBytes(4).toString('hex');
}

export async function makeUser(
  db: Db,
  role: 'student' | 'instructor' | 'admin',
  name: string = role,
  extra: { subscription?: { tier: 'premium'; expiresAt: Date | null } } = {},
): Promise<SessionUser> {
  const suffix = uniqueSuffix();
  return createAccount(db, {
    email: `${name}-${suffix}@example.test`,
    password: `password-${suffix}`,
    fullName: `${name[0]!.toUpperCase()}${name.slice(1)} ${suffix}`,
    role,
    ...extra,
  });
}

export interface BuiltCourse {
  id: string;
  slug: string;
  sectionIds: string[];
  lessonIds: string[];
}

/**
 * An instructor's course with two sections — a video (preview) and an article in the first, an
 * article in the second — whose content carries CONTENT_CANARY. Published unless `draft`.
 */
export async function buildCourse(
  db: Db,
  instructor: SessionUser,
  options: { draft?: boolean; course?: Partial<CreateCourseInput> } = {},
): Promise<BuiltCourse> {
  const caller = callerFor(db, instructor);
  const course = await createCourse(caller, {
    slug: `course-${uniqueSuffix()}`,
    title: 'Testing in Practice',
    description: 'A course built by a test.',
    category: 'programming',
    difficultyLevel: 'beginner',
    accessType: 'free',
    priceCents: 0,
    ...options.course,
  } as CreateCourseInput);
  const first = await createSection(caller, course.id, { title: 'Basics' });
  const second = await createSection(caller, course.id, { title: 'More' });
  const resources = [{ name: 'Slides', url: `https://files.example.test/${CONTENT_CANARY}.pdf` }];
  const lessons = [
    await createLesson(caller, course.id, first.id, {
      title: 'Welcome',
      contentType: 'video',
      videoUrl: `https://video.example.test/${CONTENT_CANARY}.mp4`,
      videoDurationSeconds: 150,
      isPreview: true,
      downloadableResources: resources,
    }),
    await createLesson(caller, course.id, first.id, {
      title: 'Reading',
      contentType: 'article',
      articleContent: `# Reading\n\n${CONTENT_CANARY}`,
    }),
    await createLesson(caller, course.id, second.id, {
      title: 'Deeper',
      contentType: 'article',
      articleContent: `More ${CONTENT_CANARY}`,
      downloadableResources: resources,
    }),
  ];
  if (!options.draft) await publishCourse(caller, course.id);
  return {
    id: course.id,
    slug: course.slug,
    sectionIds: [first.id, second.id],
    lessonIds: lessons.map((l) => l.id),
  };
}

/** Marks a lesson completed as the learner, under RLS (the progress module comes in a later issue). */
export async function completeLesson(db: Db, learner: SessionUser, lessonId: string): Promise<void> {
  await db.asUser(learner, (tx) =>
    tx
      .insertInto('lessonProgress')
      .values({ lessonId, status: 'completed', timeSpentMinutes: 5, lastAccessedAt: new Date() } as never)
      .execute(),
  );
}
