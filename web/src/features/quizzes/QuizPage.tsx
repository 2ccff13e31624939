import { Link, useParams } from 'react-router';
import { EmptyState, QueryView } from '../../components/Feedback.tsx';
import { useDocumentTitle } from '../../components/Page.tsx';
import { QuizTaker } from './QuizTaker.tsx';
import { quizKeys, useQuizOverview } from './quizzes.api.ts';

/** `/quizzes/:quizId`: a course-level quiz (final exam), taken outside a lesson. */
export function QuizPage() {
  const { quizId = '' } = useParams();
  const query = useQuizOverview(quizId);
  useDocumentTitle(query.data ? query.data.quiz.title : 'Quiz');
  return (
    <QueryView
      query={query}
      loading="Loading the quiz…"
      errorTitle="The quiz could not be loaded"
      notFound={
        <EmptyState heading="h1" title="This quiz is not available">
          It does not exist, or you need to be enrolled in its course.{' '}
          <Link to="/my-learning">My learning</Link>
        </EmptyState>
      }
    >
      {(overview) => (
        <div className="quiz-page">
          <h1 className="visually-hidden">{overview.quiz.title}</h1>
          <QuizTaker
            overview={overview}
            courseId={overview.quiz.courseId}
            overviewKey={quizKeys.overview(quizId)}
          />
        </div>
      )}
    </QueryView>
  );
}
