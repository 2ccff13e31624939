import { EmptyState, ErrorState, LoadingState } from '../../components/Feedback.tsx';
import { isApiError } from '../../lib/api.ts';
import { QuizTaker } from './QuizTaker.tsx';
import { quizKeys, useLessonQuiz } from './quizzes.api.ts';

/** The body of a quiz lesson in the player (LessonView): the lesson's quiz, to take. */
export function QuizLesson({ lessonId, courseId }: { lessonId: string; courseId: string }) {
  const query = useLessonQuiz(lessonId);
  if (query.isPending) return <LoadingState label="Loading the quiz…" />;
  if (query.isError) {
    if (isApiError(query.error, 'not_found'))
      return (
        <EmptyState title="This quiz is not available">
          It has no questions yet, or you need to be enrolled in the course to take it.
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
    <QuizTaker overview={query.data} courseId={courseId} overviewKey={quizKeys.lessonOverview(lessonId)} />
  );
}
