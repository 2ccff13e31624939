import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import {
  coursePageSchema,
  enrollmentCreatedSchema,
  lessonContentSchema,
  reviewCreatedSchema,
  type CreateReviewInput,
} from '../../../../contracts/courses.ts';
import { myReviewReplySchema, myReviewSchema, reviewListSchema } from '../../../../contracts/reviews.ts';
import { api, apiRequest } from '../../lib/api.ts';

export const courseKeys = {
  all: ['courses'] as const,
  page: (slug: string) => ['courses', 'page', slug] as const,
};

export function useCoursePage(slug: string) {
  return useQuery({
    queryKey: courseKeys.page(slug),
    queryFn: ({ signal }) =>
      api.get(`/api/courses/${encodeURIComponent(slug)}`, coursePageSchema, undefined, signal),
  });
}

// ---------------------------------------------------------------- landing page: lessons and reviews

export const landingKeys = {
  lesson: (slug: string, lessonId: string) => ['courses', 'lesson', slug, lessonId] as const,
  reviews: (courseId: string) => ['courses', 'reviews', courseId] as const,
  myReview: (courseId: string) => ['courses', 'reviews', courseId, 'mine'] as const,
};

/** A lesson with its content (a free preview, or any lesson for enrolled learners and owners). */
export function useLessonContent(slug: string, lessonId: string | null) {
  return useQuery({
    queryKey: landingKeys.lesson(slug, lessonId ?? ''),
    enabled: lessonId !== null,
    queryFn: ({ signal }) =>
      api.get(
        `/api/courses/${encodeURIComponent(slug)}/lessons/${encodeURIComponent(lessonId ?? '')}`,
        lessonContentSchema,
        undefined,
        signal,
      ),
  });
}

/** All reviews of a course, page by page (keyset cursor); off until `enabled`. */
export function useCourseReviews(courseId: string, enabled: boolean) {
  return useInfiniteQuery({
    queryKey: landingKeys.reviews(courseId),
    enabled,
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) =>
      api.get(
        `/api/courses/${encodeURIComponent(courseId)}/reviews`,
        reviewListSchema,
        { cursor: pageParam, limit: 10 },
        signal,
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

export function useMyReview(courseId: string, enabled: boolean) {
  return useQuery({
    queryKey: landingKeys.myReview(courseId),
    enabled,
    queryFn: ({ signal }) =>
      api.get(
        `/api/courses/${encodeURIComponent(courseId)}/reviews/mine`,
        myReviewReplySchema,
        undefined,
        signal,
      ),
  });
}

/** After an enrolment or a review the page (viewer block, rating) and the review lists are stale. */
function useRefreshCourse(slug: string, courseId: string) {
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: courseKeys.page(slug) }),
      queryClient.invalidateQueries({ queryKey: landingKeys.reviews(courseId) }),
    ]);
}

export function useEnrolFree(slug: string, courseId: string) {
  const refresh = useRefreshCourse(slug, courseId);
  return useMutation({
    mutationFn: () =>
      api.post(`/api/courses/${encodeURIComponent(courseId)}/enrollment`, enrollmentCreatedSchema),
    onSuccess: refresh,
  });
}

/** Writes the viewer's review: POST for a first one, PUT to edit it. */
export function useSaveReview(slug: string, courseId: string, isEdit: boolean) {
  const refresh = useRefreshCourse(slug, courseId);
  const path = `/api/courses/${encodeURIComponent(courseId)}/reviews`;
  return useMutation({
    mutationFn: async (body: CreateReviewInput): Promise<void> => {
      if (isEdit) await apiRequest(`${path}/mine`, { method: 'PUT', schema: myReviewSchema, body });
      else await api.post(path, reviewCreatedSchema, body);
    },
    onSuccess: refresh,
  });
}

export function useDeleteReview(slug: string, courseId: string) {
  const refresh = useRefreshCourse(slug, courseId);
  return useMutation({
    mutationFn: () => api.delete(`/api/courses/${encodeURIComponent(courseId)}/reviews/mine`, z.undefined()),
    onSuccess: refresh,
  });
}
