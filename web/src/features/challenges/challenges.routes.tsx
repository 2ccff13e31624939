import type { RouteObject } from 'react-router';

/**
 * Code challenge routes, loaded on first visit: the workspace, the authoring pages and (a further
 * lazy chunk) the CodeMirror editor stay out of every other page's bundle.
 */
const pages = () => import('./challenges.pages.ts');

/** Path of the workspace of a code lesson's challenge. */
export const challengePath = (lessonId: string) => `/challenges/lesson/${lessonId}`;

export const challengesRoutes: RouteObject[] = [
  { path: 'challenges/lesson/:lessonId', lazy: async () => ({ Component: (await pages()).ChallengePage }) },
  {
    path: 'author/courses/:courseId/challenges',
    lazy: async () => ({ Component: (await pages()).CourseChallengesPage }),
  },
  {
    path: 'author/courses/:courseId/challenges/:challengeId',
    lazy: async () => ({ Component: (await pages()).ChallengeEditorPage }),
  },
];
