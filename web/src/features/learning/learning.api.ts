import { useInfiniteQuery, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { AUTH_COOKIES, CSRF_HEADER } from '../../../../contracts/auth.ts';
import {
  courseProgressSchema,
  dashboardSchema,
  lessonNotesSchema,
  myLearningSchema,
  progressStateSchema,
  resourceDownloadSchema,
  type CourseProgress,
  type ProgressReportInput,
  type ProgressState,
} from '../../../../contracts/learning.ts';
import { api, apiRequest, readCookie } from '../../lib/api.ts';

export const learningKeys = {
  all: ['learning'] as const,
  progress: (courseId: string) => ['learning', 'progress', courseId] as const,
  notes: (lessonId: string) => ['learning', 'notes', lessonId] as const,
  myLearning: ['learning', 'mine'] as const,
  dashboard: (days: number) => ['learning', 'dashboard', days] as const,
};

const lessonPath = (lessonId: string, rest: string) => `/api/lessons/${encodeURIComponent(lessonId)}/${rest}`;

/** The learner's progress in a course (sidebar ticks, positions, where to continue). Always fresh on open. */
export function useCourseProgress(courseId: string | undefined) {
  return useQuery({
    queryKey: learningKeys.progress(courseId ?? ''),
    enabled: courseId !== undefined,
    staleTime: 0,
    refetchOnWindowFocus: false,
    queryFn: ({ signal }) =>
      api.get(
        `/api/courses/${encodeURIComponent(courseId ?? '')}/progress`,
        courseProgressSchema,
        undefined,
        signal,
      ),
  });
}

/** Puts the answer of a progress report into the cached course progress (ticks and bar update at once). */
export function applyProgressState(queryClient: QueryClient, courseId: string, state: ProgressState): void {
  queryClient.setQueryData<CourseProgress>(learningKeys.progress(courseId), (current) => {
    if (!current) return current;
    const others = current.lessons.filter((lesson) => lesson.lessonId !== state.lesson.lessonId);
    return { ...current, enrollment: state.enrollment, lessons: [...others, state.lesson] };
  });
}

/** Reports progress and answers the state after it. */
export function putProgress(lessonId: string, report: ProgressReportInput): Promise<ProgressState> {
  return apiRequest(lessonPath(lessonId, 'progress'), {
    method: 'PUT',
    schema: progressStateSchema,
    body: report,
  });
}

/**
 * The report sent while the page goes away (tab closed, reload, navigation away): a keepalive
 * fetch, which the browser finishes after the page is gone, like sendBeacon but able to PUT with
 * the CSRF header. Nobody reads its answer.
 */
export function putProgressOnLeave(lessonId: string, report: ProgressReportInput): void {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  const csrf = readCookie(AUTH_COOKIES.csrf);
  if (csrf) headers[CSRF_HEADER] = csrf;
  void fetch(lessonPath(lessonId, 'progress'), {
    method: 'PUT',
    keepalive: true,
    credentials: 'include',
    headers,
    body: JSON.stringify(report),
  }).catch(() => {
    // Leaving: nothing more can be done; the last periodic report stands.
  });
}

export function useLessonNotes(lessonId: string, enabled: boolean) {
  return useQuery({
    queryKey: learningKeys.notes(lessonId),
    enabled,
    staleTime: 0,
    refetchOnWindowFocus: false,
    queryFn: ({ signal }) => api.get(lessonPath(lessonId, 'notes'), lessonNotesSchema, undefined, signal),
  });
}

export function useSaveNotes(lessonId: string) {
  const queryClient = useQueryClient();
  return async (notes: string) => {
    // A read still in flight started before this save: its answer must not replace the saved notes.
    await queryClient.cancelQueries({ queryKey: learningKeys.notes(lessonId) });
    const saved = await apiRequest(lessonPath(lessonId, 'notes'), {
      method: 'PUT',
      schema: lessonNotesSchema,
      body: { notes },
    });
    queryClient.setQueryData(learningKeys.notes(lessonId), saved);
  };
}

/** Counts a resource download in the learner's daily analytics (best effort: the download goes on). */
export function reportResourceDownload(lessonId: string): void {
  void api.post(lessonPath(lessonId, 'resource-downloads'), resourceDownloadSchema).catch(() => {});
}

/** My learning, page by page (most recently studied first). */
export function useMyLearning() {
  return useInfiniteQuery({
    queryKey: learningKeys.myLearning,
    initialPageParam: undefined as string | undefined,
    staleTime: 0,
    queryFn: ({ pageParam, signal }) =>
      api.get('/api/me/learning', myLearningSchema, { cursor: pageParam, limit: 20 }, signal),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

export function useDashboard(days = 14) {
  return useQuery({
    queryKey: learningKeys.dashboard(days),
    staleTime: 0,
    queryFn: ({ signal }) => api.get('/api/me/dashboard', dashboardSchema, { days }, signal),
  });
}
