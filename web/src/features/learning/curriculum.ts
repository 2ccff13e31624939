import type { SectionOutline } from '../../../../contracts/courses.ts';
import type { LessonProgress } from '../../../../contracts/learning.ts';

/** The lessons of a course in reading order, with their neighbours. */
export function flattenLessons<L extends { id: string }>(sections: ReadonlyArray<{ lessons: L[] }>): L[] {
  return sections.flatMap((section) => section.lessons);
}

export function neighbours<L extends { id: string }>(
  sections: ReadonlyArray<{ lessons: L[] }>,
  lessonId: string,
): { previous: L | null; next: L | null; index: number } {
  const lessons = flattenLessons(sections);
  const index = lessons.findIndex((lesson) => lesson.id === lessonId);
  if (index < 0) return { previous: null, next: null, index };
  return { previous: lessons[index - 1] ?? null, next: lessons[index + 1] ?? null, index };
}

/**
 * The lesson the player opens at /learn/:slug without a lesson: the server's continue lesson when
 * it is still in the outline, else the first lesson not completed, else the first.
 */
export function startLesson(
  sections: SectionOutline[],
  continueLessonId: string | null,
  progress: LessonProgress[],
): string | null {
  const lessons = flattenLessons(sections);
  if (continueLessonId && lessons.some((l) => l.id === continueLessonId)) return continueLessonId;
  const done = new Set(progress.filter((p) => p.status === 'completed').map((p) => p.lessonId));
  return (lessons.find((l) => !done.has(l.id)) ?? lessons[0])?.id ?? null;
}

/**
 * Where a video starts: the stored position, unless it is at the very end (a finished video
 * starts again from the beginning rather than showing its last frame).
 */
export function resumePosition(positionSeconds: number, durationSeconds: number | null): number {
  if (positionSeconds <= 0) return 0;
  if (durationSeconds && durationSeconds > 0 && positionSeconds >= durationSeconds - 1) return 0;
  return positionSeconds;
}

/** The last position this tab reported for a lesson (sessionStorage), to bridge a reload's race. */
export interface LocalPosition {
  positionSeconds: number;
  clientTime: string;
}

/**
 * Where to resume: the server's position, unless this tab reported a newer one that the server
 * may not have applied yet (the report sent while a reload unloads the page can land after the
 * new page has read its progress).
 */
export function pickResume(
  server: { positionSeconds: number; lastReportAt: string | null } | null,
  local: LocalPosition | null,
): number {
  const serverPosition = server?.positionSeconds ?? 0;
  if (!local) return serverPosition;
  const localTime = Date.parse(local.clientTime);
  const serverTime = server?.lastReportAt ? Date.parse(server.lastReportAt) : -Infinity;
  return Number.isFinite(localTime) && localTime > serverTime ? local.positionSeconds : serverPosition;
}

const localKey = (lessonId: string) => `usefulwriter:position:${lessonId}`;

export function readLocalPosition(lessonId: string): LocalPosition | null {
  try {
    const parsed = JSON.parse(sessionStorage.getItem(localKey(lessonId)) ?? 'null') as LocalPosition | null;
    return parsed && typeof parsed.positionSeconds === 'number' && typeof parsed.clientTime === 'string'
      ? parsed
      : null;
  } catch {
    return null;
  }
}

export function writeLocalPosition(lessonId: string, value: LocalPosition): void {
  try {
    sessionStorage.setItem(localKey(lessonId), JSON.stringify(value));
  } catch {
    // Storage full or disabled: the server's position is enough.
  }
}
