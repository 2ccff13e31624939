/** The learning bundle: the player and My learning, loaded together on first visit (learning.routes.tsx). */
export { MyLearningPage } from './MyLearningPage.tsx';
export { PlayerPage } from './PlayerPage.tsx';
