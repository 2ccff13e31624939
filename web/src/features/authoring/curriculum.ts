/**
 * The curriculum's order as plain data, and the moves the editor makes on it (drag and drop,
 * keyboard, move up/down buttons, "Move to section…"). Pure functions: the editor applies them to
 * its cached copy at once (optimistic) and sends the resulting order to the server.
 */

export interface OrderedLesson {
  id: string;
}

export interface OrderedSection<L extends OrderedLesson = OrderedLesson> {
  id: string;
  lessons: L[];
}

/** `items` with the element at `from` moved to `to` (both clamped); a new array. */
export function moveItem<T>(items: readonly T[], from: number, to: number): T[] {
  const next = items.slice();
  if (from < 0 || from >= items.length) return next;
  const target = Math.max(0, Math.min(to, items.length - 1));
  const [item] = next.splice(from, 1);
  next.splice(target, 0, item as T);
  return next;
}

/** The section holding a lesson, and the lesson's index in it. */
export function findLesson<S extends OrderedSection>(
  sections: readonly S[],
  lessonId: string,
): { section: S; sectionIndex: number; index: number } | undefined {
  for (const [sectionIndex, section] of sections.entries()) {
    const index = section.lessons.findIndex((lesson) => lesson.id === lessonId);
    if (index >= 0) return { section, sectionIndex, index };
  }
  return undefined;
}

/** Moves a section to position `to` among the sections. */
export function moveSection<S extends OrderedSection>(
  sections: readonly S[],
  sectionId: string,
  to: number,
): S[] {
  return moveItem(
    sections,
    sections.findIndex((section) => section.id === sectionId),
    to,
  );
}

/**
 * Moves a lesson to position `to` of section `toSectionId` (the same or another one); `to` past the
 * end appends. Unknown ids leave the order as it was.
 */
export function moveLesson<S extends OrderedSection>(
  sections: readonly S[],
  lessonId: string,
  toSectionId: string,
  to: number,
): S[] {
  const from = findLesson(sections, lessonId);
  const targetIndex = sections.findIndex((section) => section.id === toSectionId);
  if (!from || targetIndex < 0) return sections.slice();
  if (from.sectionIndex === targetIndex) {
    return sections.map((section, i) =>
      i === targetIndex ? { ...section, lessons: moveItem(section.lessons, from.index, to) } : section,
    );
  }
  const lesson = from.section.lessons[from.index]!;
  return sections.map((section, i) => {
    if (i === from.sectionIndex)
      return { ...section, lessons: section.lessons.filter((l) => l.id !== lessonId) };
    if (i === targetIndex) {
      const lessons = section.lessons.slice();
      lessons.splice(Math.max(0, Math.min(to, lessons.length)), 0, lesson);
      return { ...section, lessons };
    }
    return section;
  });
}

/**
 * One step up or down for the move buttons: within the section, and across its edge into the end
 * of the previous section or the start of the next one (so a lesson can travel the whole course).
 */
export function stepLesson<S extends OrderedSection>(
  sections: readonly S[],
  lessonId: string,
  direction: -1 | 1,
): S[] {
  const from = findLesson(sections, lessonId);
  if (!from) return sections.slice();
  const target = from.index + direction;
  if (target >= 0 && target < from.section.lessons.length) {
    return moveLesson(sections, lessonId, from.section.id, target);
  }
  const neighbour = sections[from.sectionIndex + direction];
  if (!neighbour) return sections.slice();
  return moveLesson(sections, lessonId, neighbour.id, direction === -1 ? neighbour.lessons.length : 0);
}

/** Whether a step is possible (the buttons are disabled otherwise). */
export function canStepLesson(
  sections: readonly OrderedSection[],
  lessonId: string,
  direction: -1 | 1,
): boolean {
  const from = findLesson(sections, lessonId);
  if (!from) return false;
  const target = from.index + direction;
  if (target >= 0 && target < from.section.lessons.length) return true;
  return sections[from.sectionIndex + direction] !== undefined;
}

/** The order as ids only: what the reorder request carries and what tells whether anything changed. */
export function orderOf(sections: readonly OrderedSection[]): Array<{ id: string; lessonIds: string[] }> {
  return sections.map((section) => ({
    id: section.id,
    lessonIds: section.lessons.map((lesson) => lesson.id),
  }));
}

export function sameOrder(a: readonly OrderedSection[], b: readonly OrderedSection[]): boolean {
  return JSON.stringify(orderOf(a)) === JSON.stringify(orderOf(b));
}
