import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../tests/helpers/test-db.ts';
import type { Db, SessionUser } from '../../db/session.ts';
import { AppError } from '../../platform/errors.ts';
import { buildCourse, makeUser, uniqueSuffix } from '../courses/courses.fixtures.ts';
import { callerFor, enrolFree, getCoursePage } from '../courses/courses.service.ts';
import {
  createCourse,
  createLesson,
  createSection,
  deleteLesson,
  deleteSection,
  getAuthoringCourse,
  listAuthoringCourses,
  moveLesson,
  publishCourse,
  reorderLessons,
  restoreCourse,
  trashCourse,
  unpublishCourse,
  updateCourse,
  updateLessonFields,
} from './authoring.service.ts';

let testDb: TestDatabase;
let db: Db;
let instructor: SessionUser;
let otherInstructor: SessionUser;
let student: SessionUser;
let admin: SessionUser;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = testDb.db;
  instructor = await makeUser(db, 'instructor', 'ada');
  otherInstructor = await makeUser(db, 'instructor', 'linus');
  student = await makeUser(db, 'student', 'grace');
  admin = await makeUser(db, 'admin', 'root');
});

afterAll(async () => {
  await testDb?.close();
});

const anon = () => callerFor(db, null);
const as = (user: SessionUser) => callerFor(db, user);

async function expectAppError(promise: Promise<unknown>, code: string) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  return error as AppError;
}

const basics = {
  description: 'A course.',
  category: 'programming',
  difficultyLevel: 'beginner' as const,
  accessType: 'free' as const,
};

/** The outline as the author sees it: section ids with their lesson ids, and the counters. */
async function outline(courseId: string, user: SessionUser = instructor) {
  const course = await getAuthoringCourse(as(user), courseId);
  return {
    sections: course.sections.map((s) => ({
      id: s.id,
      lessons: s.lessons.map((l) => l.id),
      orders: s.lessons.map((l) => l.sortOrder),
      lessonCount: s.lessonCount,
      minutes: s.totalDurationMinutes,
    })),
    lessonCount: course.lessonCount,
    minutes: course.totalDurationMinutes,
  };
}

describe('creating courses', () => {
  it('lets only instructors create courses, as themselves', async () => {
    const input = { ...basics, slug: `student-course-${uniqueSuffix()}`, title: 'Nope' };
    await expectAppError(createCourse(as(student), input), 'forbidden');
    await expectAppError(createCourse(anon(), input), 'unauthorized');
    const created = await createCourse(as(instructor), input);
    expect(created).toMatchObject({ slug: input.slug, status: 'draft' });
    await expectAppError(createCourse(as(otherInstructor), input), 'slug_taken');
  });

  it('validates input that does not come through a route schema', async () => {
    await expectAppError(
      createCourse(as(instructor), { ...basics, slug: 'Not A Slug', title: 'x' }),
      'validation_failed',
    );
    await expectAppError(
      createCourse(as(instructor), { ...basics, title: 'x', accessType: 'paid', priceCents: 0 }),
      'validation_failed',
    );
  });

  it('generates a unique slug from the title, counting trashed courses, and keeps it when the title changes', async () => {
    const title = `Café Ørsted ${uniqueSuffix()}`;
    const base = title.toLowerCase().replace('é', 'e').replace('ø', 'o').replace(' ', '-').replace(' ', '-');
    const first = await createCourse(as(instructor), { ...basics, title });
    expect(first.slug).toBe(base);
    // Someone else's draft and a trashed course still hold their slugs.
    const second = await createCourse(as(otherInstructor), { ...basics, title });
    expect(second.slug).toBe(`${base}-2`);
    await trashCourse(as(otherInstructor), second.id);
    const third = await createCourse(as(instructor), { ...basics, title });
    expect(third.slug).toBe(`${base}-3`);

    const renamed = await updateCourse(as(instructor), first.id, { title: 'Something else entirely' });
    expect(renamed).toMatchObject({ title: 'Something else entirely', slug: base });

    const moved = await updateCourse(as(instructor), first.id, { slug: `${base}-moved` });
    expect(moved.slug).toBe(`${base}-moved`);
    const clash = await expectAppError(
      updateCourse(as(instructor), first.id, { slug: `${base}-2` }),
      'slug_taken',
    );
    expect(clash.statusCode).toBe(409);
    await expectAppError(updateCourse(as(instructor), first.id, { slug: 'Bad Slug' }), 'validation_failed');
  });
});

describe('editing courses', () => {
  it('edits every author field, partially, and checks the price rule on the result', async () => {
    const course = await buildCourse(db, instructor, { draft: true });
    const edited = await updateCourse(as(instructor), course.id, {
      subtitle: 'Now with a subtitle',
      tags: ['testing', 'ci'],
      learningOutcomes: ['Write a test'],
      language: 'pt-BR',
      metaKeywords: ['tests'],
      targetAudience: 'Developers',
    });
    expect(edited).toMatchObject({
      title: 'Testing in Practice',
      subtitle: 'Now with a subtitle',
      tags: ['testing', 'ci'],
      learningOutcomes: ['Write a test'],
      language: 'pt-BR',
      metaKeywords: ['tests'],
      targetAudience: 'Developers',
      accessType: 'free',
    });
    const invalid = await expectAppError(
      updateCourse(as(instructor), course.id, { accessType: 'paid' }),
      'validation_failed',
    );
    expect(invalid.message).toMatch(/^body\.priceCents: /);
    const paid = await updateCourse(as(instructor), course.id, { accessType: 'paid', priceCents: 4900 });
    expect(paid).toMatchObject({ accessType: 'paid', priceCents: 4900 });
    await expectAppError(updateCourse(as(otherInstructor), course.id, { title: 'Mine' }), 'not_found');
    await expectAppError(updateCourse(as(student), course.id, { title: 'Mine' }), 'forbidden');
    expect((await updateCourse(as(admin), course.id, { title: 'Moderated' })).title).toBe('Moderated');
  });
});

describe('sections and lessons', () => {
  it('appends sections and lessons in order and refuses to publish an empty course', async () => {
    const caller = as(instructor);
    const course = await createCourse(caller, {
      ...basics,
      title: 'Empty',
      accessType: 'paid',
      priceCents: 1900,
    });
    const a = await createSection(caller, course.id, { title: 'A' });
    const b = await createSection(caller, course.id, { title: 'B' });
    expect([a.sortOrder, b.sortOrder]).toEqual([0, 1]);
    const refusal = await expectAppError(publishCourse(caller, course.id), 'course_not_ready');
    expect(refusal.details).toMatchObject({ items: [{ key: 'has_lesson', done: false, required: true }] });

    const l1 = await createLesson(caller, course.id, b.id, {
      title: 'One',
      contentType: 'article',
      articleContent: 'x',
    });
    const l2 = await createLesson(caller, course.id, b.id, {
      title: 'Two',
      contentType: 'video',
      videoUrl: 'https://video.example.test/two.mp4',
      videoDurationSeconds: 61,
    });
    expect([l1.sortOrder, l2.sortOrder]).toEqual([0, 1]);
    // A section of another course is not a section of this one.
    const other = await buildCourse(db, instructor, { draft: true });
    await expectAppError(
      createLesson(caller, course.id, other.sectionIds[0]!, {
        title: 'x',
        contentType: 'article',
        articleContent: 'x',
      }),
      'not_found',
    );

    const published = await publishCourse(caller, course.id);
    expect(published.status).toBe('published');
    const again = await publishCourse(caller, course.id);
    expect(again.publishedAt).toBe(published.publishedAt);
  });

  it("answers not_found when authoring someone else's course, forbidden to a learner", async () => {
    const course = await buildCourse(db, instructor, { draft: true });
    await expectAppError(createSection(as(otherInstructor), course.id, { title: 'Mine now' }), 'not_found');
    await expectAppError(
      createLesson(as(otherInstructor), course.id, course.sectionIds[0]!, {
        title: 'Sneaky',
        contentType: 'article',
        articleContent: 'x',
      }),
      'not_found',
    );
    await expectAppError(publishCourse(as(otherInstructor), course.id), 'not_found');
    await expectAppError(publishCourse(as(student), course.id), 'forbidden');
  });

  it('inserts at a position, reorders with the full list, and refuses a stale or foreign list', async () => {
    const course = await buildCourse(db, instructor, { draft: true });
    const [s1] = course.sectionIds as [string, string];
    const [welcome, reading] = course.lessonIds as [string, string, string];
    const first = await createLesson(as(instructor), course.id, s1, {
      title: 'Before all',
      contentType: 'article',
      articleContent: 'First',
      sortOrder: 0,
    });
    expect((await outline(course.id)).sections[0]).toMatchObject({
      lessons: [first.id, welcome, reading],
      orders: [0, 1, 2],
    });

    const reordered = await reorderLessons(as(instructor), course.id, s1, {
      lessonIds: [reading, first.id, welcome],
    });
    expect(reordered.sections[0]!.lessons.map((l) => l.id)).toEqual([reading, first.id, welcome]);
    expect(reordered.sections[0]!.lessons.map((l) => l.sortOrder)).toEqual([0, 1, 2]);

    await expectAppError(
      reorderLessons(as(instructor), course.id, s1, { lessonIds: [reading, welcome] }),
      'order_mismatch',
    );
    const foreign = course.lessonIds[2]!; // in the other section
    await expectAppError(
      reorderLessons(as(instructor), course.id, s1, { lessonIds: [reading, first.id, foreign] }),
      'order_mismatch',
    );
    // Nothing changed by the refused lists.
    expect((await outline(course.id)).sections[0]!.lessons).toEqual([reading, first.id, welcome]);
  });

  it('keeps positions dense and distinct when adds, a move and a reorder of one section race', async () => {
    // On PostgreSQL these run on separate connections at once; without the course lock two adds
    // would both take position 2.
    const course = await buildCourse(db, instructor, { draft: true });
    const [s1] = course.sectionIds as [string, string];
    const [a, b, deeper] = course.lessonIds as [string, string, string];
    const add = (title: string) =>
      createLesson(as(instructor), course.id, s1, { title, contentType: 'article', articleContent: title });
    const results = await Promise.allSettled([
      add('One'),
      add('Two'),
      add('Three'),
      moveLesson(as(instructor), course.id, deeper, { sectionId: s1, position: 0 }),
      reorderLessons(as(instructor), course.id, s1, { lessonIds: [b, a] }),
    ]);
    // The reorder may lose the race against the adds (order_mismatch); everything else succeeds.
    expect(results.slice(0, 4).map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    const last = results[4]!;
    if (last.status === 'rejected') expect((last.reason as AppError).code).toBe('order_mismatch');
    const { sections } = await outline(course.id);
    expect(sections[0]!.orders).toEqual([0, 1, 2, 3, 4, 5]);
    expect(sections[0]!.lessonCount).toBe(6);
    expect(sections[1]).toMatchObject({ lessons: [], lessonCount: 0 });
  });

  it('moves a lesson between sections at a position, keeping counters and positions true', async () => {
    const course = await buildCourse(db, instructor, { draft: true });
    const [s1, s2] = course.sectionIds as [string, string];
    const [welcome, reading, deeper] = course.lessonIds as [string, string, string];
    // welcome: video 150 s in s1; reading: article in s1; deeper: article in s2.
    expect(await outline(course.id)).toMatchObject({ lessonCount: 3, minutes: 3 });

    await moveLesson(as(instructor), course.id, welcome, { sectionId: s2, position: 1 });
    expect(await outline(course.id)).toEqual({
      sections: [
        { id: s1, lessons: [reading], orders: [0], lessonCount: 1, minutes: 0 },
        { id: s2, lessons: [deeper, welcome], orders: [0, 1], lessonCount: 2, minutes: 3 },
      ],
      lessonCount: 3,
      minutes: 3,
    });

    // Within a section, and a position past the end is clamped.
    await moveLesson(as(instructor), course.id, deeper, { sectionId: s2, position: 99 });
    expect((await outline(course.id)).sections[1]).toMatchObject({
      lessons: [welcome, deeper],
      orders: [0, 1],
    });

    // Another course's section is not a target.
    const other = await buildCourse(db, instructor, { draft: true });
    await expectAppError(
      moveLesson(as(instructor), course.id, welcome, { sectionId: other.sectionIds[0]!, position: 0 }),
      'not_found',
    );

    await deleteLesson(as(instructor), course.id, welcome);
    expect(await outline(course.id)).toMatchObject({
      sections: [
        { lessons: [reading], lessonCount: 1 },
        { lessons: [deeper], orders: [0], lessonCount: 1, minutes: 0 },
      ],
      lessonCount: 2,
      minutes: 0,
    });

    await deleteSection(as(instructor), course.id, s1);
    expect(await outline(course.id)).toMatchObject({
      sections: [{ id: s2, lessons: [deeper] }],
      lessonCount: 1,
    });
    await expectAppError(deleteLesson(as(instructor), course.id, reading), 'not_found');
  });

  it('edits lesson content by merging, validates the result, and switches type with full content', async () => {
    const course = await buildCourse(db, instructor, { draft: true });
    const [welcome, reading] = course.lessonIds as [string, string, string];

    const longer = await updateLessonFields(as(instructor), course.id, welcome, {
      videoDurationSeconds: 600,
    });
    expect(longer).toMatchObject({ contentType: 'video', videoDurationSeconds: 600 });
    expect(longer.videoUrl).toMatch(/^https:\/\/video\.example\.test\//);
    expect((await outline(course.id)).minutes).toBe(10);

    const uploaded = await updateLessonFields(as(instructor), course.id, welcome, {
      videoUrl: '/api/files/4f9c1a52-1b7e-4c55-9a55-3c1d6f0e2b11',
    });
    expect(uploaded.videoUrl).toBe('/api/files/4f9c1a52-1b7e-4c55-9a55-3c1d6f0e2b11');

    await expectAppError(
      updateLessonFields(as(instructor), course.id, reading, { articleContent: '   ' }),
      'validation_failed',
    );
    // Markdown is stored exactly as written: an indented code block at the start survives.
    const markdown = '    const x = 1;\n\n<script>kept as text; sanitised on read</script>\n';
    const article = await updateLessonFields(as(instructor), course.id, reading, {
      articleContent: markdown,
    });
    expect(article.articleContent).toBe(markdown);
    await expectAppError(
      updateLessonFields(as(instructor), course.id, welcome, { videoUrl: 'ftp://example.test/a.mp4' }),
      'validation_failed',
    );

    const files = await updateLessonFields(as(instructor), course.id, reading, {
      contentType: 'resources',
      downloadableResources: [
        {
          name: 'Cheat sheet',
          url: '/api/files/4f9c1a52-1b7e-4c55-9a55-3c1d6f0e2b12',
          size: 2048,
          type: 'application/pdf',
        },
      ],
    });
    expect(files).toMatchObject({
      contentType: 'resources',
      articleContent: null,
      videoUrl: null,
      downloadableResources: [{ name: 'Cheat sheet', size: 2048, type: 'application/pdf' }],
    });
    // The landing page lists it in the outline without its files.
    await publishCourse(as(instructor), course.id);
    const page = await getCoursePage(anon(), course.slug);
    const lesson = page.sections.flatMap((s) => s.lessons).find((l) => l.id === reading);
    expect(lesson).toMatchObject({ contentType: 'resources' });
    expect(JSON.stringify(page)).not.toContain('Cheat sheet');
  });
});

describe('lifecycle', () => {
  it('unpublishes only without learners, and lets only an admin trash a course with learners', async () => {
    const course = await buildCourse(db, instructor);
    const empty = await buildCourse(db, instructor);
    expect((await unpublishCourse(as(instructor), empty.id)).status).toBe('draft');

    await enrolFree(as(student), course.id);
    await expectAppError(unpublishCourse(as(instructor), course.id), 'course_has_learners');
    await expectAppError(trashCourse(as(instructor), course.id), 'course_has_learners');
    const trashed = await trashCourse(as(admin), course.id);
    expect(trashed).toMatchObject({ isTrashed: true, status: 'published' });
    // Soft-deleted content is invisible to everyone but its owner and admins.
    await expectAppError(getCoursePage(as(student), course.slug), 'not_found');
    expect((await getAuthoringCourse(as(instructor), course.id)).isTrashed).toBe(true);
    await expectAppError(publishCourse(as(instructor), course.id), 'conflict');
    expect((await restoreCourse(as(instructor), course.id)).isTrashed).toBe(false);
    expect((await getCoursePage(as(student), course.slug)).id).toBe(course.id);
  });

  it('stamps published_at once and bumps last_updated_at when published content changes', async () => {
    const course = await buildCourse(db, instructor);
    const before = await getAuthoringCourse(as(instructor), course.id);
    expect(before.publishedAt).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await updateLessonFields(as(instructor), course.id, course.lessonIds[1]!, { title: 'Reading, revised' });
    const after = await getAuthoringCourse(as(instructor), course.id);
    expect(after.publishedAt).toBe(before.publishedAt);
    expect(Date.parse(after.lastUpdatedAt!)).toBeGreaterThan(Date.parse(before.lastUpdatedAt!));
  });
});

describe('my courses', () => {
  it('pages through my courses most recently changed first, with counts and trash flags', async () => {
    const me = await makeUser(db, 'instructor', 'pager');
    const built = [];
    for (let i = 0; i < 3; i += 1) built.push(await buildCourse(db, me, { draft: true }));
    await trashCourse(as(me), built[0]!.id);

    const first = await listAuthoringCourses(as(me), { limit: 2, scope: 'mine', trash: 'include' });
    expect(first.items.map((c) => c.id)).toEqual([built[0]!.id, built[2]!.id]);
    expect(first.items[0]).toMatchObject({
      isTrashed: true,
      sectionCount: 2,
      lessonCount: 3,
      status: 'draft',
    });
    const second = await listAuthoringCourses(as(me), {
      limit: 2,
      scope: 'mine',
      trash: 'include',
      cursor: first.nextCursor!,
    });
    expect(second.items.map((c) => c.id)).toEqual([built[1]!.id]);
    expect(second.nextCursor).toBeNull();
    await expectAppError(
      listAuthoringCourses(as(me), { limit: 2, scope: 'mine', trash: 'include', cursor: 'garbage' }),
      'validation_failed',
    );
  });
});
