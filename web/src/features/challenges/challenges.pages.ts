/** The challenges bundle (learner workspace and authoring), loaded on first visit (challenges.routes.tsx). */
export { ChallengePage } from './ChallengePage.tsx';
export { ChallengeEditorPage, CourseChallengesPage } from './ChallengeAuthoringPages.tsx';
