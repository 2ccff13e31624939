import type { RouteObject } from 'react-router';

/**
 * The learner's routes, loaded on first visit: the player (video reporting, notes, shortcuts) and
 * My learning are a separate bundle that catalogue visitors never download.
 */
const pages = () => import('./learning.pages.ts');

export const learningRoutes: RouteObject[] = [
  { path: 'my-learning', lazy: async () => ({ Component: (await pages()).MyLearningPage }) },
  { path: 'learn/:slug', lazy: async () => ({ Component: (await pages()).PlayerPage }) },
  { path: 'learn/:slug/:lessonId', lazy: async () => ({ Component: (await pages()).PlayerPage }) },
];
