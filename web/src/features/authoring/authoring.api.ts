import {
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
  type QueryClient,
} from '@tanstack/react-query';
import { z } from 'zod';
import {
  authoringCourseListSchema,
  authoringCourseSchema,
  authoringLessonSchema,
  authoringSectionSchema,
  courseStatusChangeSchema,
  createdCourseSchema,
  publishChecklistSchema,
  type AuthoringCourse,
  type AuthoringCourseListQuery,
  type AuthoringLesson,
  type AuthoringSection,
  type CreateCourseInput,
  type CreateLessonInput,
  type CreateSectionInput,
  type UpdateCourseInput,
  type UpdateLessonInput,
  type UpdateSectionInput,
} from '../../../../contracts/authoring.ts';
import { api, apiRequest } from '../../lib/api.ts';
import { courseKeys } from '../courses/courses.api.ts';
import { moveLesson, moveSection } from './curriculum.ts';

/** DELETE answers 204: no body. */
const noContent = z.undefined();

type ListFilters = Pick<AuthoringCourseListQuery, 'scope' | 'trash'>;

export const authoringKeys = {
  all: ['authoring'] as const,
  lists: ['authoring', 'list'] as const,
  list: (filters: ListFilters) => ['authoring', 'list', filters] as const,
  course: (courseId: string) => ['authoring', 'course', courseId] as const,
  checklist: (courseId: string) => ['authoring', 'checklist', courseId] as const,
};

const coursePath = (courseId: string) => `/api/courses/${encodeURIComponent(courseId)}`;

/** My courses (admins may ask for everyone's), most recently changed first, page by page. */
export function useAuthoringCourses(filters: ListFilters) {
  return useInfiniteQuery({
    queryKey: authoringKeys.list(filters),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) =>
      api.get(
        '/api/authoring/courses',
        authoringCourseListSchema,
        { ...filters, cursor: pageParam, limit: 20 },
        signal,
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

/** The whole editable course: fields, state, sections and lessons with their content. */
export function useAuthoringCourse(courseId: string) {
  return useQuery({
    queryKey: authoringKeys.course(courseId),
    queryFn: ({ signal }) =>
      api.get(
        `/api/authoring/courses/${encodeURIComponent(courseId)}`,
        authoringCourseSchema,
        undefined,
        signal,
      ),
  });
}

export function usePublishChecklist(courseId: string) {
  return useQuery({
    queryKey: authoringKeys.checklist(courseId),
    queryFn: ({ signal }) =>
      api.get(`${coursePath(courseId)}/checklist`, publishChecklistSchema, undefined, signal),
    // The checklist follows every edit: always ask again when the panel opens.
    staleTime: 0,
  });
}

/**
 * After any write: the lists, the checklist and the public pages may show something else now.
 * The course itself is set from the write's answer where it returns one.
 */
function invalidateAround(queryClient: QueryClient, courseId: string) {
  void queryClient.invalidateQueries({ queryKey: authoringKeys.lists });
  void queryClient.invalidateQueries({ queryKey: authoringKeys.checklist(courseId) });
  void queryClient.invalidateQueries({ queryKey: courseKeys.all });
}

export function useCreateCourse() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateCourseInput) => api.post('/api/courses', createdCourseSchema, body),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: authoringKeys.lists }),
  });
}

export function useUpdateCourse(courseId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: UpdateCourseInput) => api.patch(coursePath(courseId), authoringCourseSchema, body),
    onSuccess: (course) => {
      queryClient.setQueryData(authoringKeys.course(courseId), course);
      invalidateAround(queryClient, courseId);
    },
  });
}

export type CourseAction = 'publish' | 'unpublish' | 'archive' | 'trash' | 'restore';

/** Publish, unpublish, archive, move to trash, restore: each answers the course's new state. */
export function useCourseAction() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ courseId, action }: { courseId: string; action: CourseAction }) =>
      action === 'trash'
        ? api.delete(coursePath(courseId), courseStatusChangeSchema)
        : api.post(`${coursePath(courseId)}/${action}`, courseStatusChangeSchema),
    onSuccess: (change, { courseId }) => {
      queryClient.setQueryData<AuthoringCourse>(authoringKeys.course(courseId), (course) =>
        course
          ? {
              ...course,
              status: change.status,
              publishedAt: change.publishedAt,
              isTrashed: change.isTrashed,
              slug: change.slug,
            }
          : course,
      );
      void queryClient.invalidateQueries({ queryKey: authoringKeys.course(courseId) });
      invalidateAround(queryClient, courseId);
    },
  });
}

// ---------------------------------------------------------------- curriculum

/** Replaces one section (or adds it at the end) in the cached course. */
function withSection(course: AuthoringCourse, section: AuthoringSection): AuthoringCourse {
  const exists = course.sections.some((s) => s.id === section.id);
  return {
    ...course,
    sections: exists
      ? course.sections.map((s) =>
          s.id === section.id
            ? { ...section, lessons: section.lessons.length ? section.lessons : s.lessons }
            : s,
        )
      : [...course.sections, section],
  };
}

/** Replaces one lesson (or adds it to its section) in the cached course. */
function withLesson(course: AuthoringCourse, lesson: AuthoringLesson): AuthoringCourse {
  return {
    ...course,
    sections: course.sections.map((section) => {
      if (section.id !== lesson.sectionId) return section;
      const exists = section.lessons.some((l) => l.id === lesson.id);
      return {
        ...section,
        lessons: exists
          ? section.lessons.map((l) => (l.id === lesson.id ? lesson : l))
          : [...section.lessons, lesson],
      };
    }),
  };
}

/** Curriculum writes for one course; each updates the cached course, so the editor redraws at once. */
export function useCurriculumMutations(courseId: string) {
  const queryClient = useQueryClient();
  const key = authoringKeys.course(courseId);
  const update = (change: (course: AuthoringCourse) => AuthoringCourse) =>
    queryClient.setQueryData<AuthoringCourse>(key, (course) => (course ? change(course) : course));
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: key });
    invalidateAround(queryClient, courseId);
  };

  const createSection = useMutation({
    mutationFn: (body: CreateSectionInput) =>
      api.post(`${coursePath(courseId)}/sections`, authoringSectionSchema, body),
    onSuccess: (section) => update((course) => withSection(course, section)),
    onSettled: refresh,
  });

  const updateSection = useMutation({
    mutationFn: ({ sectionId, body }: { sectionId: string; body: UpdateSectionInput }) =>
      api.patch(`${coursePath(courseId)}/sections/${sectionId}`, authoringSectionSchema, body),
    onSuccess: (section) => update((course) => withSection(course, section)),
    onSettled: refresh,
  });

  const deleteSection = useMutation({
    mutationFn: (sectionId: string) => api.delete(`${coursePath(courseId)}/sections/${sectionId}`, noContent),
    onSuccess: (_, sectionId) =>
      update((course) => ({ ...course, sections: course.sections.filter((s) => s.id !== sectionId) })),
    onSettled: refresh,
  });

  const createLesson = useMutation({
    mutationFn: ({ sectionId, body }: { sectionId: string; body: CreateLessonInput }) =>
      api.post(`${coursePath(courseId)}/sections/${sectionId}/lessons`, authoringLessonSchema, body),
    onSuccess: (lesson) => update((course) => withLesson(course, lesson)),
    onSettled: refresh,
  });

  const deleteLesson = useMutation({
    mutationFn: (lessonId: string) => api.delete(`${coursePath(courseId)}/lessons/${lessonId}`, noContent),
    onSuccess: (_, lessonId) =>
      update((course) => ({
        ...course,
        sections: course.sections.map((s) => ({ ...s, lessons: s.lessons.filter((l) => l.id !== lessonId) })),
      })),
    onSettled: refresh,
  });

  return { createSection, updateSection, deleteSection, createLesson, deleteLesson };
}

export function useUpdateLesson(courseId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ lessonId, body }: { lessonId: string; body: UpdateLessonInput }) =>
      api.patch(`${coursePath(courseId)}/lessons/${lessonId}`, authoringLessonSchema, body),
    onSuccess: (lesson) => {
      queryClient.setQueryData<AuthoringCourse>(authoringKeys.course(courseId), (course) =>
        course ? withLesson(course, lesson) : course,
      );
      void queryClient.invalidateQueries({ queryKey: authoringKeys.course(courseId) });
      invalidateAround(queryClient, courseId);
    },
  });
}

const put = (path: string, body: unknown) =>
  apiRequest(path, { method: 'PUT', schema: authoringCourseSchema, body });

/** One change of order, as the editor decided it. */
export type OrderChange =
  | { kind: 'section'; sectionId: string; to: number }
  | { kind: 'lesson'; lessonId: string; toSectionId: string; to: number };

/** The order after a change, computed the same way the optimistic update and the request do. */
export function applyOrderChange(sections: AuthoringSection[], change: OrderChange): AuthoringSection[] {
  return change.kind === 'section'
    ? moveSection(sections, change.sectionId, change.to)
    : moveLesson(sections, change.lessonId, change.toSectionId, change.to);
}

/**
 * Reorders sections or lessons, optimistically: the cached course takes the new order at once and
 * goes back to the previous one if the server refuses (an order_mismatch means another tab changed
 * the curriculum: the course is reloaded either way). The server's answer is the whole course.
 */
export function useReorder(courseId: string) {
  const queryClient = useQueryClient();
  const key = authoringKeys.course(courseId);
  return useMutation({
    mutationFn: async ({ change, before }: { change: OrderChange; before: AuthoringSection[] }) => {
      const base = coursePath(courseId);
      if (change.kind === 'section') {
        const sectionIds = applyOrderChange(before, change).map((s) => s.id);
        return put(`${base}/sections/order`, { sectionIds });
      }
      const origin = before.find((s) => s.lessons.some((l) => l.id === change.lessonId));
      if (origin?.id === change.toSectionId) {
        const target = applyOrderChange(before, change).find((s) => s.id === change.toSectionId);
        const lessonIds = target?.lessons.map((l) => l.id) ?? [];
        return put(`${base}/sections/${change.toSectionId}/lessons/order`, { lessonIds });
      }
      return api.post(`${base}/lessons/${change.lessonId}/move`, authoringCourseSchema, {
        sectionId: change.toSectionId,
        position: change.to,
      });
    },
    onMutate: async ({ change, before }) => {
      await queryClient.cancelQueries({ queryKey: key });
      const previous = queryClient.getQueryData<AuthoringCourse>(key);
      const after = applyOrderChange(before, change);
      queryClient.setQueryData<AuthoringCourse>(key, (course) =>
        course ? { ...course, sections: after } : course,
      );
      return { previous };
    },
    onError: (_error, _variables, context) => {
      if (context?.previous) queryClient.setQueryData(key, context.previous);
    },
    // The server's answer is the truth (sort orders, counters); it matches the optimistic order.
    onSuccess: (course) => queryClient.setQueryData(key, course),
    onSettled: () => invalidateAround(queryClient, courseId),
  });
}
