import type { AuthoringSection } from '../../../../contracts/authoring.ts';
import type { PresenceMember } from '../../../../contracts/realtime.ts';

/** One learner on the instructor's live view. */
export interface LiveRow {
  userId: string;
  name: string;
  /** The lesson they are on, when it is one of the course's live lessons. */
  lesson: { id: string; title: string } | undefined;
  since: string;
}

/**
 * The live view's rows: members of the course's presence, without the viewer (an instructor
 * previewing the course in another tab is not a learner), with their lesson's title, by name.
 */
export function liveRows(
  members: readonly PresenceMember[],
  sections: readonly Pick<AuthoringSection, 'lessons'>[],
  viewerId: string | undefined,
): LiveRow[] {
  const lessons = new Map(sections.flatMap((s) => s.lessons).map((l) => [l.id, l.title]));
  return members
    .filter((m) => m.userId !== viewerId)
    .map((m) => {
      const title = m.lessonId ? lessons.get(m.lessonId) : undefined;
      return {
        userId: m.userId,
        name: m.name ?? 'A learner',
        lesson: m.lessonId && title !== undefined ? { id: m.lessonId, title } : undefined,
        since: m.since,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name) || a.since.localeCompare(b.since));
}

/** "since 10:42" (today) or "since 3 Dec, 10:42". */
export function describePresence(since: string, now: Date = new Date()): string {
  const at = new Date(since);
  const sameDay = at.toDateString() === now.toDateString();
  const format = new Intl.DateTimeFormat(
    undefined,
    sameDay ? { timeStyle: 'short' } : { dateStyle: 'medium', timeStyle: 'short' },
  );
  return `since ${format.format(at)}`;
}
