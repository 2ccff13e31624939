import { z } from 'zod';
import {
  lessonContentVariants,
  type ChecklistItem,
  type ChecklistItemKey,
  type PublishChecklist,
} from '../../../contracts/authoring.ts';

/** What the checklist looks at: the course's fields and its live sections with their lessons' content. */
export interface ChecklistInput {
  id: string;
  title: string;
  description: string;
  category: string;
  accessType: 'free' | 'paid' | 'subscription';
  priceCents: number;
  thumbnailUrl: string | null;
  learningOutcomes: string[];
  sections: Array<{
    title: string;
    lessons: Array<{
      title: string;
      contentType: string;
      isPreview: boolean;
      videoUrl: string | null;
      videoDurationSeconds: number | null;
      articleContent: string | null;
      downloadableResources: unknown;
      /** Live questions of a quiz lesson's quiz; null for other types. */
      quizQuestionCount: number | null;
    }>;
  }>;
}

type Lesson = ChecklistInput['sections'][number]['lessons'][number];

// Not strict: a stored lesson may carry columns its type does not use (e.g. an article's notes).
const storedContentSchema = z.discriminatedUnion('contentType', [
  lessonContentVariants.video,
  lessonContentVariants.article,
  lessonContentVariants.resources,
]);

/** A quiz lesson needs a question; types authored by later issues (code…) pass here. */
function hasContent(lesson: Lesson): boolean {
  if (lesson.contentType === 'quiz') return (lesson.quizQuestionCount ?? 0) > 0;
  if (!['video', 'article', 'resources'].includes(lesson.contentType)) return true;
  const stored = {
    contentType: lesson.contentType,
    videoUrl: lesson.videoUrl,
    videoDurationSeconds: lesson.videoDurationSeconds,
    articleContent: lesson.articleContent,
    downloadableResources: lesson.downloadableResources ?? [],
  };
  // Null columns are "not set", which the schema spells as absent.
  return storedContentSchema.safeParse(
    Object.fromEntries(Object.entries(stored).filter(([, v]) => v !== null)),
  ).success;
}

function item(
  key: ChecklistItemKey,
  label: string,
  done: boolean,
  hint: string,
  required: boolean,
): ChecklistItem {
  return { key, label, done, hint: done ? '' : hint, required };
}

/** First few titles for a hint, so the author knows where to look. */
function names(titles: string[]): string {
  const shown = titles.slice(0, 3).map((t) => `"${t}"`);
  return titles.length > 3 ? `${shown.join(', ')} and ${titles.length - 3} more` : shown.join(', ');
}

/**
 * The publish checklist: required items block publishing, the others are recommendations. Prices
 * are checked again here although the courses CHECK enforces them, so the author sees why.
 */
export function buildChecklist(course: ChecklistInput): PublishChecklist {
  const lessons = course.sections.flatMap((s) => s.lessons);
  const withoutContent = lessons.filter((l) => !hasContent(l)).map((l) => l.title);
  const emptySections = course.sections.filter((s) => s.lessons.length === 0).map((s) => s.title);
  const priceDone =
    course.accessType === 'free'
      ? course.priceCents === 0
      : course.accessType === 'paid'
        ? course.priceCents > 0
        : true;
  const items = [
    item('title', 'A title', course.title.trim().length > 0, 'Give the course a title.', true),
    item(
      'description',
      'A description',
      course.description.trim().length > 0,
      'Describe what the course teaches and for whom.',
      true,
    ),
    item('category', 'A category', course.category.trim().length > 0, 'Choose a category.', true),
    item(
      'has_lesson',
      'At least one section with a lesson',
      lessons.length > 0,
      'Add a section and at least one lesson to it.',
      true,
    ),
    item(
      'lessons_have_content',
      'Every lesson has its content',
      withoutContent.length === 0,
      `Add the video, article, files or quiz questions of ${names(withoutContent)}.`,
      true,
    ),
    item(
      'price',
      course.accessType === 'free'
        ? 'Free: price 0'
        : course.accessType === 'paid'
          ? 'A price'
          : 'Subscription access',
      priceDone,
      course.accessType === 'paid' ? 'Set a price above 0, or make the course free.' : 'Set the price to 0.',
      true,
    ),
    item(
      'sections_not_empty',
      'No empty sections',
      emptySections.length === 0,
      `Add lessons to ${names(emptySections)} or delete ${emptySections.length === 1 ? 'it' : 'them'}.`,
      false,
    ),
    item(
      'learning_outcomes',
      'Learning outcomes',
      course.learningOutcomes.length > 0,
      'List what learners will be able to do after the course.',
      false,
    ),
    item(
      'thumbnail',
      'A thumbnail image',
      course.thumbnailUrl !== null,
      'Upload a thumbnail for the catalogue.',
      false,
    ),
    item(
      'preview_lesson',
      'A free preview lesson',
      lessons.some((l) => l.isPreview),
      'Mark a lesson as free preview so visitors can try the course.',
      false,
    ),
  ];
  return { courseId: course.id, canPublish: items.every((i) => i.done || !i.required), items };
}

/** The required items still missing (the details of a course_not_ready refusal). */
export function missingItems(checklist: PublishChecklist): ChecklistItem[] {
  return checklist.items.filter((i) => i.required && !i.done);
}
