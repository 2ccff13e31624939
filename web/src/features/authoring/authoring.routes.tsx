import type { RouteObject } from 'react-router';

/**
 * The authoring routes, loaded on first visit: the editor (drag and drop, Markdown preview) is a
 * separate bundle that learners and visitors never download.
 */
const pages = () => import('./authoring.pages.ts');
const quizPages = () => import('../quizzes/quizzes.pages.ts');

export const authoringRoutes: RouteObject[] = [
  {
    path: 'author',
    lazy: async () => ({ Component: (await pages()).RequireAuthor }),
    children: [
      { index: true, lazy: async () => ({ Component: (await pages()).AuthorCoursesPage }) },
      {
        path: 'courses/:courseId',
        lazy: async () => ({ Component: (await pages()).CourseEditorLayout }),
        children: [
          { index: true, lazy: async () => ({ Component: (await pages()).CourseDetailsPage }) },
          { path: 'curriculum', lazy: async () => ({ Component: (await pages()).CurriculumPage }) },
          { path: 'lessons/:lessonId', lazy: async () => ({ Component: (await pages()).LessonEditorPage }) },
          { path: 'publish', lazy: async () => ({ Component: (await pages()).PublishPage }) },
          { path: 'access', lazy: async () => ({ Component: (await pages()).AccessPage }) },
          { path: 'quizzes', lazy: async () => ({ Component: (await quizPages()).QuizzesTab }) },
          {
            path: 'quizzes/for-lesson/:lessonId',
            lazy: async () => ({ Component: (await quizPages()).LessonQuizPage }),
          },
          { path: 'quizzes/:quizId', lazy: async () => ({ Component: (await quizPages()).QuizEditorPage }) },
          {
            path: 'quizzes/:quizId/results',
            lazy: async () => ({ Component: (await quizPages()).QuizResultsPage }),
          },
          {
            path: 'live',
            lazy: async () => ({
              Component: (await import('../live/LiveLearnersPage.tsx')).LiveLearnersPage,
            }),
          },
        ],
      },
    ],
  },
];
