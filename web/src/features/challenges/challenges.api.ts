import { useMutation, useQuery, useQueryClient, type Query } from '@tanstack/react-query';
import { z } from 'zod';
import {
  authoringChallengeListSchema,
  authoringChallengeSchema,
  learnerChallengeSchema,
  runAcceptedSchema,
  runResultSchema,
  submissionListSchema,
  submissionSchema,
  type ChallengeInput,
  type CodeInput,
  type RunResult,
  type Submission,
} from '../../../../contracts/challenges.ts';
import { api, apiRequest } from '../../lib/api.ts';

export const challengeKeys = {
  lesson: (lessonId: string) => ['challenges', 'lesson', lessonId] as const,
  submissions: (challengeId: string) => ['challenges', challengeId, 'submissions'] as const,
  submission: (id: string) => ['challenges', 'submission', id] as const,
  run: (runId: string) => ['challenges', 'run', runId] as const,
  course: (courseId: string) => ['challenges', 'course', courseId] as const,
  authoring: (challengeId: string) => ['challenges', 'authoring', challengeId] as const,
};

const WAITING = new Set(['pending', 'running']);

/**
 * Poll interval with back-off while the judge works: 0.5 s, then ×1.5 per answer up to 5 s; stops
 * once the result is final. Submissions' verdicts arrive over /realtime (useLiveInvalidation); this is
 * their fallback while the socket is down, and how runs (not stored rows, so never announced) and
 * publish checks are followed.
 */
export function backoff(updates: number): number {
  return Math.min(500 * 1.5 ** updates, 5000);
}

function pollWhile<T>(isWaiting: (data: T) => boolean) {
  return (query: Query<T, Error, T, readonly unknown[]>) => {
    const data = query.state.data;
    return data !== undefined && isWaiting(data) ? backoff(query.state.dataUpdateCount) : false;
  };
}

export function useLessonChallenge(lessonId: string) {
  return useQuery({
    queryKey: challengeKeys.lesson(lessonId),
    queryFn: ({ signal }) =>
      api.get(
        `/api/lessons/${encodeURIComponent(lessonId)}/challenge`,
        learnerChallengeSchema,
        undefined,
        signal,
      ),
  });
}

export function useSubmissions(challengeId: string | undefined) {
  return useQuery({
    queryKey: challengeKeys.submissions(challengeId ?? ''),
    enabled: Boolean(challengeId),
    queryFn: ({ signal }) =>
      api.get(`/api/challenges/${challengeId}/submissions`, submissionListSchema, undefined, signal),
  });
}

/**
 * One submission. Its verdict arrives live: with `live` (the page's realtime subscription to the
 * learner's code_submissions is confirmed) it is refetched on each announced change and not polled;
 * without, it is polled with back-off until the judge has answered.
 */
export function useSubmission(id: string | null, live = false) {
  return useQuery({
    queryKey: challengeKeys.submission(id ?? ''),
    enabled: id !== null,
    queryFn: ({ signal }) => api.get(`/api/submissions/${id}`, submissionSchema, undefined, signal),
    refetchInterval: live ? false : pollWhile<Submission>((s) => WAITING.has(s.status)),
  });
}

/** A run, polled until it is done. */
export function useRun(runId: string | null) {
  return useQuery({
    queryKey: challengeKeys.run(runId ?? ''),
    enabled: runId !== null,
    queryFn: ({ signal }) => api.get(`/api/challenge-runs/${runId}`, runResultSchema, undefined, signal),
    refetchInterval: pollWhile<RunResult>((r) => r.state === 'queued' || r.state === 'running'),
  });
}

export function useStartRun(challengeId: string) {
  return useMutation({
    mutationFn: (body: CodeInput) => api.post(`/api/challenges/${challengeId}/runs`, runAcceptedSchema, body),
  });
}

export function useSubmit(challengeId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: CodeInput) =>
      api.post(`/api/challenges/${challengeId}/submissions`, submissionSchema, body),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: challengeKeys.submissions(challengeId) }),
  });
}

// ---------------------------------------------------------------- authoring

export function useCourseChallenges(courseId: string) {
  return useQuery({
    queryKey: challengeKeys.course(courseId),
    queryFn: ({ signal }) =>
      api.get(`/api/courses/${courseId}/challenges`, authoringChallengeListSchema, undefined, signal),
  });
}

/** The challenge being edited; polled while its publish check runs. */
export function useAuthoringChallenge(challengeId: string | undefined) {
  return useQuery({
    queryKey: challengeKeys.authoring(challengeId ?? ''),
    enabled: Boolean(challengeId),
    queryFn: ({ signal }) =>
      api.get(`/api/challenges/${challengeId}/authoring`, authoringChallengeSchema, undefined, signal),
    refetchInterval: pollWhile<z.infer<typeof authoringChallengeSchema>>((c) => c.status === 'checking'),
  });
}

export function useSaveChallenge(courseId: string, challengeId: string | undefined) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: ChallengeInput) =>
      challengeId
        ? apiRequest(`/api/challenges/${challengeId}`, {
            method: 'PUT',
            schema: authoringChallengeSchema,
            body,
          })
        : api.post(`/api/courses/${courseId}/challenges`, authoringChallengeSchema, body),
    onSuccess: (saved) => {
      queryClient.setQueryData(challengeKeys.authoring(saved.id), saved);
      void queryClient.invalidateQueries({ queryKey: challengeKeys.course(courseId) });
    },
  });
}

export function usePublishChallenge(courseId: string, challengeId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (action: 'publish' | 'unpublish') =>
      api.post(`/api/challenges/${challengeId}/${action}`, authoringChallengeSchema),
    onSuccess: (saved) => {
      queryClient.setQueryData(challengeKeys.authoring(saved.id), saved);
      void queryClient.invalidateQueries({ queryKey: challengeKeys.course(courseId) });
    },
  });
}

export function useDeleteChallenge(courseId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (challengeId: string) => api.delete(`/api/challenges/${challengeId}`, z.unknown()),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: challengeKeys.course(courseId) }),
  });
}
