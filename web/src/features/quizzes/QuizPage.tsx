import { Link, useParams } from 'react-router';
import { EmptyState, ErrorState, LoadingState } from '../../components/Feedback.tsx';
import { useDocumentTitle } from '../../components/Page.tsx';
import { isApiError } from '../../lib/api.ts';
import { QuizTaker } from './QuizTaker.tsx';
import { quizKeys, useQuizOverview } from './quizzes.api.ts';

/** `/quizzes/:quizId`: a course-level quiz (final exam), taken outside a lesson. */
export function QuizPage() {
  const { quizId = '' } = useParams();
  const query = useQuizOverview(quizId);
  useDocumentTitle(query.data ? query.data.quiz.title : 'Quiz');
  if (query.isPending) return <LoadingState label="Loading the quiz…" />;
  if (query.isError) {
    if (isApiError(query.error, 'not_found') || isApiError(query.error, 'validation_failed'))
      return (
        <EmptyState heading="h1" title="This quiz is not available">
          It does not exist, or you need to be enrolled in its course.{' '}
          <Link to="/my-learning">My learning</Link>
        </EmptyState>
      );
    return (
      <ErrorState
        error={query.error}
        title="The quiz could not be loaded"
        onRetry={() => void query.refetch()}
      />
    );
  }
  return (
    <div className="quiz-page">
      <h1 className="visually-hidden">{query.data.quiz.title}</h1>
      <QuizTaker
        overview={query.data}
        courseId={query.data.quiz.courseId}
        overviewKey={quizKeys.overview(quizId)}
      />
    </div>
  );
}
