import { Link, Outlet, useLocation, useOutletContext, useParams } from 'react-router';
import type { AuthoringCourse } from '../../../../contracts/authoring.ts';
import { ButtonLink } from '../../components/Button.tsx';
import { Alert, EmptyState, QueryView } from '../../components/Feedback.tsx';
import { useDocumentTitle } from '../../components/Page.tsx';
import { useAuthoringCourse } from './authoring.api.ts';
import { landingPath } from './course-form.ts';
import { StatusBadge } from './StatusBadge.tsx';

const TABS: Array<[string, string]> = [
  ['Details', ''],
  ['Curriculum', 'curriculum'],
  ['Quizzes', 'quizzes'],
  ['Publish', 'publish'],
  ['Access', 'access'],
  ['Challenges', 'challenges'],
  ['Live', 'live'],
];

/** The tab segment of an editor path: '' (details), 'curriculum', 'publish', 'lessons'… */
function tabOf(pathname: string): string {
  return /^\/author\/courses\/[^/]+\/?([^/]*)/.exec(pathname)?.[1] ?? '';
}

/** What every editor tab gets from the frame: the course as last loaded or saved. */
export interface EditorContext {
  course: AuthoringCourse;
}

export function useEditorCourse(): AuthoringCourse {
  return useOutletContext<EditorContext>().course;
}

/**
 * The course editor's frame: the course's name and state, the way to its landing page, and the
 * tabs (details, curriculum, publish). Each tab is a route, so it can be linked and reloaded.
 */
export function CourseEditorLayout() {
  const { courseId = '' } = useParams();
  const query = useAuthoringCourse(courseId);
  const { pathname } = useLocation();
  useDocumentTitle(query.data ? `Edit: ${query.data.title}` : 'Course editor');

  return (
    <QueryView
      query={query}
      loading="Loading the course…"
      errorTitle="The course could not be loaded"
      notFound={
        <EmptyState heading="h1" title="This course does not exist, or it is not yours to edit">
          <ButtonLink to="/author" variant="secondary">
            Back to your courses
          </ButtonLink>
        </EmptyState>
      }
    >
      {(course) => {
        const base = `/author/courses/${course.id}`;
        return (
          <div className="course-editor">
            <nav aria-label="Breadcrumb" className="breadcrumb">
              <Link to="/author">Teach</Link> <span aria-hidden="true">›</span> {course.title}
            </nav>
            <header className="editor-header">
              <div>
                <h1>{course.title}</h1>
                <p className="author-course-meta">
                  <StatusBadge status={course.status} isTrashed={course.isTrashed} />
                  <span>{course.instructorName}</span>
                </p>
              </div>
              <ButtonLink to={landingPath(course.slug)} variant="secondary">
                View landing page
              </ButtonLink>
            </header>
            {course.isTrashed && (
              <Alert tone="warning" title="This course is in the trash">
                Nobody but you and administrators can see it. Restore it from the Publish tab or from your
                course list.
              </Alert>
            )}
            <nav aria-label="Course editor">
              <ul className="tabs">
                {TABS.map(([label, path]) => {
                  // A lesson's editor belongs to the Curriculum tab.
                  const current =
                    path === 'curriculum'
                      ? /\/(curriculum|lessons\/)/.test(pathname)
                      : tabOf(pathname) === path;
                  return (
                    <li key={path}>
                      <Link to={path ? `${base}/${path}` : base} aria-current={current ? 'page' : undefined}>
                        {label}
                      </Link>
                    </li>
                  );
                })}
              </ul>
            </nav>
            <Outlet context={{ course } satisfies EditorContext} />
          </div>
        );
      }}
    </QueryView>
  );
}
