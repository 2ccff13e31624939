import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import {
  attemptsReportSchema,
  attemptViewSchema,
  authoringQuestionSchema,
  authoringQuizListSchema,
  authoringQuizSchema,
  extraGrantSchema,
  itemAnalysisSchema,
  quizOverviewSchema,
  savedAnswerSchema,
  type AuthoringQuiz,
  type CreateQuizInput,
  type ExtraGrantInput,
  type QuestionInput,
  type QuizAnswer,
  type UpdateQuizInput,
} from '../../../../contracts/quizzes.ts';
import { api, apiRequest } from '../../lib/api.ts';

/** Quizzes over HTTP (contracts/quizzes.ts): authoring, taking, instructor views. */

const noContent = z.undefined();
const enc = encodeURIComponent;

export const quizKeys = {
  all: ['quizzes'] as const,
  courseList: (courseId: string) => ['quizzes', 'course', courseId] as const,
  authoring: (quizId: string) => ['quizzes', 'authoring', quizId] as const,
  lessonOverview: (lessonId: string) => ['quizzes', 'lesson', lessonId] as const,
  overview: (quizId: string) => ['quizzes', 'overview', quizId] as const,
  attempt: (attemptId: string) => ['quizzes', 'attempt', attemptId] as const,
  report: (quizId: string) => ['quizzes', 'report', quizId] as const,
  analysis: (quizId: string) => ['quizzes', 'analysis', quizId] as const,
};

const put = <S extends z.ZodType>(path: string, schema: S, body: unknown) =>
  apiRequest(path, { method: 'PUT', schema, body });

// ---------------------------------------------------------------- authoring

/** Every quiz of a course (trash included), for the Quizzes tab and to find a lesson's quiz. */
export function useCourseQuizzes(courseId: string) {
  return useQuery({
    queryKey: quizKeys.courseList(courseId),
    queryFn: ({ signal }) =>
      api.get(`/api/courses/${enc(courseId)}/quizzes`, authoringQuizListSchema, undefined, signal),
  });
}

/** A quiz with its questions and answer keys (owner or admin). */
export function useAuthoringQuiz(quizId: string) {
  return useQuery({
    queryKey: quizKeys.authoring(quizId),
    queryFn: ({ signal }) =>
      api.get(`/api/quizzes/${enc(quizId)}/authoring`, authoringQuizSchema, undefined, signal),
  });
}

export function useCreateQuiz(courseId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: Partial<CreateQuizInput> & { title: string }) =>
      api.post(`/api/courses/${enc(courseId)}/quizzes`, authoringQuizSchema, body),
    onSuccess: (quiz) => {
      queryClient.setQueryData(quizKeys.authoring(quiz.id), quiz);
      void queryClient.invalidateQueries({ queryKey: quizKeys.courseList(courseId) });
    },
  });
}

/**
 * The authoring mutations of one quiz. Each answer replaces the cached quiz (or its question), so
 * the editor always shows what the server stored, totals included.
 */
export function useQuizMutations(courseId: string, quizId: string) {
  const queryClient = useQueryClient();
  const key = quizKeys.authoring(quizId);
  const setQuiz = (quiz: AuthoringQuiz) => {
    queryClient.setQueryData(key, quiz);
    void queryClient.invalidateQueries({ queryKey: quizKeys.courseList(courseId) });
  };
  // Totals (points, count) are kept by the database: reload the quiz after a question changes.
  const reload = () => {
    void queryClient.invalidateQueries({ queryKey: key });
    void queryClient.invalidateQueries({ queryKey: quizKeys.courseList(courseId) });
  };
  const base = `/api/quizzes/${enc(quizId)}`;

  return {
    update: useMutation({
      mutationFn: (body: UpdateQuizInput) => api.patch(base, authoringQuizSchema, body),
      onSuccess: setQuiz,
    }),
    remove: useMutation({
      mutationFn: () => api.delete(base, noContent),
      onSuccess: () => {
        queryClient.removeQueries({ queryKey: key });
        void queryClient.invalidateQueries({ queryKey: quizKeys.courseList(courseId) });
      },
    }),
    addQuestion: useMutation({
      mutationFn: (body: QuestionInput) => api.post(`${base}/questions`, authoringQuestionSchema, body),
      onSuccess: reload,
    }),
    replaceQuestion: useMutation({
      mutationFn: ({ questionId, body }: { questionId: string; body: QuestionInput }) =>
        put(`${base}/questions/${enc(questionId)}`, authoringQuestionSchema, body),
      onSuccess: reload,
    }),
    deleteQuestion: useMutation({
      mutationFn: (questionId: string) => api.delete(`${base}/questions/${enc(questionId)}`, noContent),
      onSuccess: reload,
    }),
    duplicateQuestion: useMutation({
      mutationFn: (questionId: string) =>
        api.post(`${base}/questions/${enc(questionId)}/duplicate`, authoringQuestionSchema),
      onSuccess: reload,
    }),
    reorder: useMutation({
      mutationFn: (questionIds: string[]) =>
        put(`${base}/questions/order`, authoringQuizSchema, { questionIds }),
      // Shown at once; put back as the server has it when the save fails.
      onMutate: (questionIds) => {
        const before = queryClient.getQueryData<AuthoringQuiz>(key);
        if (before) {
          const byId = new Map(before.questions.map((q) => [q.id, q]));
          const questions = questionIds.flatMap((id, index) => {
            const question = byId.get(id);
            return question ? [{ ...question, position: index }] : [];
          });
          queryClient.setQueryData(key, { ...before, questions });
        }
        return { before };
      },
      onError: (_error, _ids, context) => {
        if (context?.before) queryClient.setQueryData(key, context.before);
      },
      onSuccess: setQuiz,
    }),
  };
}

// ---------------------------------------------------------------- taking a quiz

/** The quiz of a quiz lesson: its settings, your attempts, the one in progress. */
export function useLessonQuiz(lessonId: string) {
  return useQuery({
    queryKey: quizKeys.lessonOverview(lessonId),
    queryFn: ({ signal }) =>
      api.get(`/api/lessons/${enc(lessonId)}/quiz`, quizOverviewSchema, undefined, signal),
  });
}

/** The course-level quiz (final exam) overview. */
export function useQuizOverview(quizId: string) {
  return useQuery({
    queryKey: quizKeys.overview(quizId),
    queryFn: ({ signal }) => api.get(`/api/quizzes/${enc(quizId)}`, quizOverviewSchema, undefined, signal),
  });
}

/** Starts an attempt or resumes the one in progress (the server decides). */
export function startAttempt(quizId: string) {
  return api.post(`/api/quizzes/${enc(quizId)}/attempts`, attemptViewSchema);
}

export function fetchAttempt(attemptId: string, signal?: AbortSignal) {
  return api.get(`/api/quiz-attempts/${enc(attemptId)}`, attemptViewSchema, undefined, signal);
}

export function saveAnswer(attemptId: string, questionId: string, answer: QuizAnswer, clientSeq: number) {
  return put(`/api/quiz-attempts/${enc(attemptId)}/answers/${enc(questionId)}`, savedAnswerSchema, {
    answer,
    clientSeq,
  });
}

export function submitAttempt(attemptId: string) {
  return api.post(`/api/quiz-attempts/${enc(attemptId)}/submit`, attemptViewSchema);
}

// ---------------------------------------------------------------- instructor views

export function useAttemptsReport(quizId: string) {
  return useQuery({
    queryKey: quizKeys.report(quizId),
    queryFn: ({ signal }) =>
      api.get(`/api/quizzes/${enc(quizId)}/attempts-report`, attemptsReportSchema, undefined, signal),
  });
}

export function useItemAnalysis(quizId: string) {
  return useQuery({
    queryKey: quizKeys.analysis(quizId),
    queryFn: ({ signal }) =>
      api.get(`/api/quizzes/${enc(quizId)}/item-analysis`, itemAnalysisSchema, undefined, signal),
  });
}

export function useGrantExtra(quizId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: ExtraGrantInput) =>
      api.post(`/api/quizzes/${enc(quizId)}/extra-grants`, extraGrantSchema, body),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: quizKeys.report(quizId) }),
  });
}
