/** The quiz authoring bundle, loaded with the course editor's quiz routes (authoring.routes.tsx). */
import './quizzes.css';

export { QuizEditorPage } from './QuizEditorPage.tsx';
export { QuizResultsPage } from './QuizResultsPage.tsx';
export { LessonQuizPage, QuizzesTab } from './QuizzesTab.tsx';
