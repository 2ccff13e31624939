import {
  closestCenter,
  closestCorners,
  DndContext,
  KeyboardSensor,
  PointerSensor,
  useDroppable,
  useSensor,
  useSensors,
  type Announcements,
  type CollisionDetection,
  type DragEndEvent,
  type DragOverEvent,
  type DragStartEvent,
  type DroppableContainer,
  type KeyboardCoordinateGetter,
  type ScreenReaderInstructions,
  type UniqueIdentifier,
} from '@dnd-kit/core';
import {
  SortableContext,
  sortableKeyboardCoordinates,
  useSortable,
  verticalListSortingStrategy,
} from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';
import { useRef, useState, type FormEvent, type ReactNode } from 'react';
import { Link } from 'react-router';
import type { AuthoringLesson, AuthoringSection } from '../../../../contracts/authoring.ts';
import { Button, ButtonLink } from '../../components/Button.tsx';
import { ConfirmDialog } from '../../components/Dialog.tsx';
import { EmptyState, ErrorAlert } from '../../components/Feedback.tsx';
import { TextArea, TextField } from '../../components/Field.tsx';
import { Card } from '../../components/Page.tsx';
import { describeSeconds, formatCount, formatMinutes, formatSeconds } from '../../lib/format.ts';
import { useFieldErrors } from '../../lib/forms.ts';
import { applyOrderChange, useCurriculumMutations, useReorder, type OrderChange } from './authoring.api.ts';
import { useEditorCourse } from './CourseEditorLayout.tsx';
import { canStepLesson, findLesson, moveLesson, sameOrder, stepLesson } from './curriculum.ts';
import { LESSON_TYPE_LABELS } from './lesson-form.ts';

// Drag ids carry their kind: sections and lessons share one DndContext.
const sectionDragId = (id: string) => `section:${id}`;
const lessonDragId = (id: string) => `lesson:${id}`;
const dropZoneId = (id: string) => `section-drop:${id}`;
const parseId = (id: UniqueIdentifier) => {
  const [kind = '', ...rest] = String(id).split(':');
  return { kind, id: rest.join(':') };
};

/** A section drags among sections only; a lesson among lessons and into sections (even empty ones). */
function allowedFor(activeId: UniqueIdentifier) {
  const activeKind = parseId(activeId).kind;
  return (container: DroppableContainer) => {
    const kind = parseId(container.id).kind;
    return activeKind === 'section' ? kind === 'section' : kind === 'lesson' || kind === 'section-drop';
  };
}

const collisionDetection: CollisionDetection = (args) => {
  const allowed = allowedFor(args.active.id);
  const droppableContainers = args.droppableContainers.filter(allowed);
  return parseId(args.active.id).kind === 'section'
    ? closestCenter({ ...args, droppableContainers })
    : closestCorners({ ...args, droppableContainers });
};

/** The arrow keys move to the next place of the same kind (not into another kind's list). */
const keyboardCoordinates: KeyboardCoordinateGetter = (event, args) => {
  const all = args.context.droppableContainers;
  const allowed = allowedFor(args.active);
  const droppableContainers = {
    getEnabled: () => all.getEnabled().filter(allowed),
    get: (id: UniqueIdentifier | null | undefined) => all.get(id),
  } as unknown as typeof all;
  return sortableKeyboardCoordinates(event, { ...args, context: { ...args.context, droppableContainers } });
};

const screenReaderInstructions: ScreenReaderInstructions = {
  draggable:
    'To move this item, press Space or Enter. Use the arrow keys to move it up or down, press Space or Enter again to drop it here, or Escape to cancel. The Move up and Move down buttons do the same one step at a time.',
};

/** The Curriculum tab: sections and lessons, their order, and where each lesson lives. */
export function CurriculumPage() {
  const course = useEditorCourse();
  const mutations = useCurriculumMutations(course.id);
  const reorder = useReorder(course.id);
  const saved = course.sections;
  // While dragging, a working copy (lessons hop between sections as the pointer moves).
  const [dragSections, setDragSections] = useState<AuthoringSection[] | null>(null);
  const dragRef = useRef<AuthoringSection[] | null>(null);
  // The order at the drop, for the drop's announcement (the working copy is gone by then).
  const droppedRef = useRef<AuthoringSection[] | null>(null);
  const sections = dragSections ?? saved;
  const [announcement, setAnnouncement] = useState('');
  const [confirm, setConfirm] = useState<
    { kind: 'section'; section: AuthoringSection } | { kind: 'lesson'; lesson: AuthoringLesson } | null
  >(null);

  const setWorking = (next: AuthoringSection[] | null) => {
    dragRef.current = next;
    setDragSections(next);
  };

  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 5 } }),
    useSensor(KeyboardSensor, { coordinateGetter: keyboardCoordinates }),
  );

  const current = () => dragRef.current ?? saved;

  /** "lesson “Intro” is at position 2 of 3 in section “Basics”" from any order. */
  const describePlace = (order: AuthoringSection[], dragId: UniqueIdentifier): string => {
    const { kind, id } = parseId(dragId);
    if (kind === 'section') {
      const index = order.findIndex((s) => s.id === id);
      return `Section “${order[index]?.title ?? ''}” is at position ${index + 1} of ${order.length}.`;
    }
    const place = findLesson(order, id);
    if (!place) return '';
    const lesson = place.section.lessons[place.index];
    return `Lesson “${lesson?.title ?? ''}” is at position ${place.index + 1} of ${place.section.lessons.length} in section “${place.section.title}”.`;
  };

  const announcements: Announcements = {
    onDragStart: ({ active }) => `Picked up. ${describePlace(current(), active.id)}`,
    onDragOver: ({ active, over }) =>
      over ? `Moved. ${describePlace(current(), active.id)}` : 'Not over a place to drop.',
    onDragEnd: ({ active, over }) =>
      over
        ? `Dropped. ${describePlace(droppedRef.current ?? current(), active.id)}`
        : 'Dropped where it was.',
    onDragCancel: ({ active }) => `Moving cancelled. ${describePlace(saved, active.id)}`,
  };

  const commit = (change: OrderChange, before: AuthoringSection[]) => {
    const after = applyOrderChange(before, change);
    droppedRef.current = after;
    if (sameOrder(before, after)) return;
    reorder.mutate({ change, before });
  };

  const handleDragStart = (_event: DragStartEvent) => {
    reorder.reset();
    setWorking(saved);
  };

  // A lesson dragged over another section joins it at once, so the list makes room where it will land.
  const handleDragOver = ({ active, over }: DragOverEvent) => {
    const working = dragRef.current;
    if (!working || !over || parseId(active.id).kind !== 'lesson') return;
    const lessonId = parseId(active.id).id;
    const from = findLesson(working, lessonId);
    const target = parseId(over.id);
    const toSection =
      target.kind === 'lesson'
        ? findLesson(working, target.id)?.section
        : working.find((s) => s.id === target.id);
    if (!from || !toSection || toSection.id === from.section.id) return;
    const index =
      target.kind === 'lesson'
        ? toSection.lessons.findIndex((l) => l.id === target.id)
        : toSection.lessons.length;
    setWorking(moveLesson(working, lessonId, toSection.id, index));
  };

  const handleDragEnd = ({ active, over }: DragEndEvent) => {
    const working = dragRef.current ?? saved;
    setWorking(null);
    droppedRef.current = null;
    if (!over) return;
    const dragged = parseId(active.id);
    const target = parseId(over.id);
    if (dragged.kind === 'section') {
      const to = working.findIndex((s) => s.id === target.id);
      if (to >= 0) commit({ kind: 'section', sectionId: dragged.id, to }, saved);
      return;
    }
    const place = findLesson(working, dragged.id);
    if (!place) return;
    let to = place.index;
    if (target.kind === 'lesson') {
      const overIndex = place.section.lessons.findIndex((l) => l.id === target.id);
      if (overIndex >= 0) to = overIndex;
    }
    commit({ kind: 'lesson', lessonId: dragged.id, toSectionId: place.section.id, to }, saved);
  };

  /** The move buttons and menu: one change, announced, focus kept on the control that made it. */
  const moveBy = (change: OrderChange, focusSelector: string, fallbackSelector?: string) => {
    reorder.reset();
    const after = applyOrderChange(saved, change);
    commit(change, saved);
    const dragId =
      change.kind === 'section' ? sectionDragId(change.sectionId) : lessonDragId(change.lessonId);
    setAnnouncement(`Moved. ${describePlace(after, dragId)}`);
    requestAnimationFrame(() => {
      const target = document.querySelector<HTMLElement>(focusSelector);
      const usable = target && !(target as HTMLButtonElement).disabled;
      const element = usable
        ? target
        : fallbackSelector
          ? document.querySelector<HTMLElement>(fallbackSelector)
          : null;
      element?.focus();
    });
  };

  const stepLessonChange = (lessonId: string, direction: -1 | 1): OrderChange | null => {
    const after = stepLesson(saved, lessonId, direction);
    const place = findLesson(after, lessonId);
    return place ? { kind: 'lesson', lessonId, toSectionId: place.section.id, to: place.index } : null;
  };

  const handleConfirmDelete = () => {
    if (!confirm) return;
    const done = { onSettled: () => setConfirm(null) };
    if (confirm.kind === 'section') mutations.deleteSection.mutate(confirm.section.id, done);
    else mutations.deleteLesson.mutate(confirm.lesson.id, done);
  };

  const deleting = mutations.deleteSection.isPending || mutations.deleteLesson.isPending;

  return (
    <div className="stack">
      <p className="muted">
        Drag sections and lessons by their handle <span aria-hidden="true">⠿</span>, or focus the handle and
        use Space and the arrow keys, or the Move up and Move down buttons. A lesson can move to another
        section too.
      </p>
      <p role="status" className="visually-hidden">
        {announcement}
      </p>
      {reorder.isError && (
        <ErrorAlert error={reorder.error} title="The new order could not be saved; it is back as it was" />
      )}
      {mutations.deleteSection.isError && (
        <ErrorAlert error={mutations.deleteSection.error} title="The section could not be deleted" />
      )}
      {mutations.deleteLesson.isError && (
        <ErrorAlert error={mutations.deleteLesson.error} title="The lesson could not be deleted" />
      )}

      {sections.length === 0 ? (
        <EmptyState title="No sections yet">
          <p>A course is made of sections, each with lessons. Add the first section below.</p>
        </EmptyState>
      ) : (
        <DndContext
          sensors={sensors}
          collisionDetection={collisionDetection}
          onDragStart={handleDragStart}
          onDragOver={handleDragOver}
          onDragEnd={handleDragEnd}
          onDragCancel={() => setWorking(null)}
          accessibility={{ announcements, screenReaderInstructions }}
        >
          <SortableContext
            items={sections.map((s) => sectionDragId(s.id))}
            strategy={verticalListSortingStrategy}
          >
            <ol className="curriculum" aria-label="Sections">
              {sections.map((section, index) => (
                <SortableSection
                  key={section.id}
                  courseId={course.id}
                  section={section}
                  index={index}
                  count={sections.length}
                  onMove={(to, selector, fallback) =>
                    moveBy({ kind: 'section', sectionId: section.id, to }, selector, fallback)
                  }
                  onDelete={() => setConfirm({ kind: 'section', section })}
                >
                  {section.lessons.map((lesson, lessonIndex) => (
                    <SortableLesson
                      key={lesson.id}
                      courseId={course.id}
                      lesson={lesson}
                      position={`${lessonIndex + 1} of ${section.lessons.length}`}
                      canUp={canStepLesson(sections, lesson.id, -1)}
                      canDown={canStepLesson(sections, lesson.id, 1)}
                      onStep={(direction) => {
                        const change = stepLessonChange(lesson.id, direction);
                        if (change)
                          moveBy(
                            change,
                            `[data-move="${lesson.id}:${direction}"]`,
                            `[data-move="${lesson.id}:${-direction}"]`,
                          );
                      }}
                      otherSections={sections.filter((s) => s.id !== section.id)}
                      onMoveTo={(sectionId) => {
                        const to = sections.find((s) => s.id === sectionId)?.lessons.length ?? 0;
                        moveBy(
                          { kind: 'lesson', lessonId: lesson.id, toSectionId: sectionId, to },
                          `[data-handle="${lesson.id}"]`,
                        );
                      }}
                      onDelete={() => setConfirm({ kind: 'lesson', lesson })}
                    />
                  ))}
                </SortableSection>
              ))}
            </ol>
          </SortableContext>
        </DndContext>
      )}

      <NewSectionForm courseId={course.id} />

      <ConfirmDialog
        open={confirm !== null}
        title={
          confirm?.kind === 'section'
            ? `Delete the section “${confirm.section.title}”?`
            : `Delete the lesson “${confirm?.lesson.title ?? ''}”?`
        }
        confirmLabel="Delete"
        tone="danger"
        busy={deleting}
        onConfirm={handleConfirmDelete}
        onCancel={() => setConfirm(null)}
      >
        {confirm?.kind === 'section' ? (
          <p>
            Its {formatCount(confirm.section.lessons.length, 'lesson goes', 'lessons go')} with it. Learners
            lose access to them.
          </p>
        ) : (
          <p>Learners lose access to it and to their progress in it.</p>
        )}
      </ConfirmDialog>
    </div>
  );
}

function DragHandle({
  label,
  dataHandle,
  attributes,
  listeners,
  setActivatorNodeRef,
}: {
  label: string;
  dataHandle: string;
  attributes: ReturnType<typeof useSortable>['attributes'];
  listeners: ReturnType<typeof useSortable>['listeners'];
  setActivatorNodeRef: ReturnType<typeof useSortable>['setActivatorNodeRef'];
}) {
  return (
    <button
      type="button"
      className="drag-handle"
      ref={setActivatorNodeRef}
      data-handle={dataHandle}
      {...attributes}
      {...listeners}
      aria-label={label}
    >
      <span aria-hidden="true">⠿</span>
    </button>
  );
}

function SortableSection({
  courseId,
  section,
  index,
  count,
  onMove,
  onDelete,
  children,
}: {
  courseId: string;
  section: AuthoringSection;
  index: number;
  count: number;
  onMove: (to: number, focusSelector: string, fallbackSelector: string) => void;
  onDelete: () => void;
  children: ReactNode;
}) {
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, transform, transition, isDragging } =
    useSortable({
      id: sectionDragId(section.id),
    });
  const { setNodeRef: setDropRef } = useDroppable({ id: dropZoneId(section.id) });
  const [editing, setEditing] = useState(false);
  const titleId = `section-title-${section.id}`;
  const style = { transform: CSS.Translate.toString(transform), transition: transition };

  return (
    <li
      ref={setNodeRef}
      style={style}
      className={isDragging ? 'curriculum-section is-dragging' : 'curriculum-section'}
      aria-labelledby={titleId}
      data-section={section.id}
    >
      <div className="curriculum-section-head">
        <DragHandle
          label={`Move section ${section.title}`}
          dataHandle={section.id}
          attributes={attributes}
          listeners={listeners}
          setActivatorNodeRef={setActivatorNodeRef}
        />
        <h2 className="curriculum-section-title" id={titleId}>
          <span className="visually-hidden">Section {index + 1}: </span>
          {section.title}
        </h2>
        <span className="muted small">
          {formatCount(section.lessons.length, 'lesson', 'lessons')} ·{' '}
          {formatMinutes(section.totalDurationMinutes)}
        </span>
        <div className="button-row">
          <Button
            variant="ghost"
            className="icon-button"
            data-move={`${section.id}:-1`}
            disabled={index === 0}
            onClick={() =>
              onMove(index - 1, `[data-move="${section.id}:-1"]`, `[data-move="${section.id}:1"]`)
            }
          >
            <span aria-hidden="true">↑</span>
            <span className="visually-hidden">Move section {section.title} up</span>
          </Button>
          <Button
            variant="ghost"
            className="icon-button"
            data-move={`${section.id}:1`}
            disabled={index === count - 1}
            onClick={() =>
              onMove(index + 1, `[data-move="${section.id}:1"]`, `[data-move="${section.id}:-1"]`)
            }
          >
            <span aria-hidden="true">↓</span>
            <span className="visually-hidden">Move section {section.title} down</span>
          </Button>
          <Button variant="ghost" onClick={() => setEditing((value) => !value)} aria-expanded={editing}>
            Rename<span className="visually-hidden"> section {section.title}</span>
          </Button>
          <Button variant="ghost" onClick={onDelete}>
            Delete<span className="visually-hidden"> section {section.title}</span>
          </Button>
        </div>
      </div>
      {editing && <EditSectionForm courseId={courseId} section={section} onDone={() => setEditing(false)} />}
      {section.description && !editing && <p className="section-description">{section.description}</p>}
      <SortableContext
        items={section.lessons.map((l) => lessonDragId(l.id))}
        strategy={verticalListSortingStrategy}
      >
        <ol ref={setDropRef} className="curriculum-lessons" aria-label={`Lessons of ${section.title}`}>
          {children}
          {section.lessons.length === 0 && (
            <li className="curriculum-empty">No lessons yet. Add one, or drag a lesson here.</li>
          )}
        </ol>
      </SortableContext>
      <ButtonLink
        to={`/author/courses/${courseId}/lessons/new?section=${section.id}`}
        variant="secondary"
        aria-label={`Add a lesson to ${section.title}`}
      >
        Add a lesson
      </ButtonLink>
    </li>
  );
}

function SortableLesson({
  courseId,
  lesson,
  position,
  canUp,
  canDown,
  onStep,
  otherSections,
  onMoveTo,
  onDelete,
}: {
  courseId: string;
  lesson: AuthoringLesson;
  position: string;
  canUp: boolean;
  canDown: boolean;
  onStep: (direction: -1 | 1) => void;
  otherSections: AuthoringSection[];
  onMoveTo: (sectionId: string) => void;
  onDelete: () => void;
}) {
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, transform, transition, isDragging } =
    useSortable({
      id: lessonDragId(lesson.id),
    });
  const menuRef = useRef<HTMLDetailsElement>(null);
  const style = { transform: CSS.Translate.toString(transform), transition: transition };
  return (
    <li
      ref={setNodeRef}
      style={style}
      className={isDragging ? 'curriculum-lesson is-dragging' : 'curriculum-lesson'}
      data-lesson={lesson.id}
    >
      <DragHandle
        label={`Move lesson ${lesson.title}`}
        dataHandle={lesson.id}
        attributes={attributes}
        listeners={listeners}
        setActivatorNodeRef={setActivatorNodeRef}
      />
      <span className="lesson-type">{LESSON_TYPE_LABELS[lesson.contentType] ?? lesson.contentType}</span>
      <span className="curriculum-lesson-title">
        <Link to={`/author/courses/${courseId}/lessons/${lesson.id}`}>{lesson.title}</Link>
        <span className="visually-hidden">, position {position}</span>
      </span>
      {lesson.isPreview && <span className="badge badge-preview">Free preview</span>}
      {lesson.quizQuestionCount !== null && (
        <span className="lesson-duration">
          {lesson.quizQuestionCount === 0
            ? 'No questions yet'
            : `${lesson.quizQuestionCount} question${lesson.quizQuestionCount === 1 ? '' : 's'}`}
        </span>
      )}
      {lesson.videoDurationSeconds !== null && (
        <span className="lesson-duration">
          <span aria-hidden="true">{formatSeconds(lesson.videoDurationSeconds)}</span>
          <span className="visually-hidden">{describeSeconds(lesson.videoDurationSeconds)}</span>
        </span>
      )}
      <div className="button-row">
        <Button
          variant="ghost"
          className="icon-button"
          data-move={`${lesson.id}:-1`}
          disabled={!canUp}
          onClick={() => onStep(-1)}
        >
          <span aria-hidden="true">↑</span>
          <span className="visually-hidden">Move lesson {lesson.title} up</span>
        </Button>
        <Button
          variant="ghost"
          className="icon-button"
          data-move={`${lesson.id}:1`}
          disabled={!canDown}
          onClick={() => onStep(1)}
        >
          <span aria-hidden="true">↓</span>
          <span className="visually-hidden">Move lesson {lesson.title} down</span>
        </Button>
        {otherSections.length > 0 && (
          <details className="move-to" ref={menuRef}>
            <summary className="btn btn-ghost">
              Move to section…<span className="visually-hidden"> (lesson {lesson.title})</span>
            </summary>
            <ul className="move-to-list">
              {otherSections.map((section) => (
                <li key={section.id}>
                  <button
                    type="button"
                    className="btn btn-ghost"
                    onClick={() => {
                      if (menuRef.current) menuRef.current.open = false;
                      onMoveTo(section.id);
                    }}
                  >
                    {section.title}
                  </button>
                </li>
              ))}
            </ul>
          </details>
        )}
        <Button variant="ghost" onClick={onDelete}>
          Delete<span className="visually-hidden"> lesson {lesson.title}</span>
        </Button>
      </div>
    </li>
  );
}

function NewSectionForm({ courseId }: { courseId: string }) {
  const { createSection } = useCurriculumMutations(courseId);
  const [title, setTitle] = useState('');
  const { errors, show, setErrors } = useFieldErrors();

  const handleSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (title.trim() === '') {
      show({ title: 'Give the section a title.' });
      return;
    }
    createSection.mutate(
      { title: title.trim() },
      {
        onSuccess: () => {
          setTitle('');
          setErrors({});
        },
      },
    );
  };

  return (
    <Card>
      <form onSubmit={handleSubmit} noValidate aria-labelledby="new-section-title">
        <h2 id="new-section-title">Add a section</h2>
        <div className="inline-form">
          <TextField
            label="Section title"
            name="title"
            maxLength={200}
            value={title}
            onChange={(e) => setTitle(e.target.value)}
            error={errors.title}
          />
          <Button type="submit" busy={createSection.isPending}>
            Add section
          </Button>
        </div>
        {createSection.isError && (
          <ErrorAlert error={createSection.error} title="The section could not be added" />
        )}
      </form>
    </Card>
  );
}

function EditSectionForm({
  courseId,
  section,
  onDone,
}: {
  courseId: string;
  section: AuthoringSection;
  onDone: () => void;
}) {
  const { updateSection } = useCurriculumMutations(courseId);
  const [title, setTitle] = useState(section.title);
  const [description, setDescription] = useState(section.description ?? '');
  const { errors, show } = useFieldErrors();

  const handleSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (title.trim() === '') {
      show({ title: 'Give the section a title.' });
      return;
    }
    updateSection.mutate(
      {
        sectionId: section.id,
        body: { title: title.trim(), description: description.trim() === '' ? null : description.trim() },
      },
      { onSuccess: onDone },
    );
  };

  return (
    <form
      onSubmit={handleSubmit}
      noValidate
      className="stack-tight"
      aria-label={`Edit section ${section.title}`}
    >
      <TextField
        label="Section title"
        name="title"
        autoFocus
        maxLength={200}
        value={title}
        onChange={(e) => setTitle(e.target.value)}
        error={errors.title}
      />
      <TextArea
        label="Section description"
        name="description"
        rows={2}
        maxLength={5000}
        value={description}
        onChange={(e) => setDescription(e.target.value)}
      />
      {updateSection.isError && (
        <ErrorAlert error={updateSection.error} title="The section could not be saved" />
      )}
      <div className="button-row">
        <Button type="submit" busy={updateSection.isPending}>
          Save section
        </Button>
        <Button variant="secondary" onClick={onDone}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
