import { EmptyState, QueryView } from '../../components/Feedback.tsx';
import { QuizTaker } from './QuizTaker.tsx';
import { quizKeys, useLessonQuiz } from './quizzes.api.ts';

/** The body of a quiz lesson in the player (LessonView): the lesson's quiz, to take. */
export function QuizLesson({ lessonId, courseId }: { lessonId: string; courseId: string }) {
  const query = useLessonQuiz(lessonId);
  return (
    <QueryView
      query={query}
      loading="Loading the quiz…"
      errorTitle="The quiz could not be loaded"
      notFound={
        <EmptyState title="This quiz is not available">
          It has no questions yet, or you need to be enrolled in the course to take it.
        </EmptyState>
      }
    >
      {(overview) => (
        <QuizTaker overview={overview} courseId={courseId} overviewKey={quizKeys.lessonOverview(lessonId)} />
      )}
    </QueryView>
  );
}
