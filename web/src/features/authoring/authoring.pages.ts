/** The authoring bundle: every page of the editor, loaded together on first visit (authoring.routes.tsx). */
import './authoring.css';

export { AccessPage } from './AccessPage.tsx';
export { AuthorCoursesPage } from './AuthorCoursesPage.tsx';
export { CourseDetailsPage } from './CourseDetailsPage.tsx';
export { CourseEditorLayout } from './CourseEditorLayout.tsx';
export { CurriculumPage } from './CurriculumPage.tsx';
export { LessonEditorPage } from './LessonEditorPage.tsx';
export { PublishPage } from './PublishPage.tsx';
export { RequireAuthor } from './RequireAuthor.tsx';
