import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, Navigate, useNavigate, useParams } from 'react-router';
import { Button, ButtonLink } from '../../components/Button.tsx';
import { EmptyState, ErrorAlert, QueryView } from '../../components/Feedback.tsx';
import { TextField } from '../../components/Field.tsx';
import { Card, useDocumentTitle } from '../../components/Page.tsx';
import { formatCount } from '../../lib/format.ts';
import { useFieldErrors } from '../../lib/forms.ts';
import { useEditorCourse } from '../authoring/CourseEditorLayout.tsx';
import { QUIZ_TYPE_LABELS } from './quiz-form.ts';
import { useCourseQuizzes, useCreateQuiz } from './quizzes.api.ts';

/** `/author/courses/:courseId/quizzes`: the course's quizzes, and a course-level final exam. */
export function QuizzesTab() {
  const course = useEditorCourse();
  useDocumentTitle(`Quizzes: ${course.title}`);
  const query = useCourseQuizzes(course.id);
  const lessons = new Map(course.sections.flatMap((s) => s.lessons).map((l) => [l.id, l]));

  return (
    <QueryView query={query} loading="Loading the quizzes…" errorTitle="The quizzes could not be loaded">
      {(data) => {
        const quizzes = data.quizzes.filter((q) => q.deletedAt === null);
        return (
          <div className="stack">
            <Card>
              <h2>Quizzes</h2>
              <p className="muted">
                A quiz lesson is added from the curriculum (choose the type “Quiz”); a final exam belongs to
                the whole course.
              </p>
              {quizzes.length === 0 ? (
                <EmptyState title="No quizzes yet" />
              ) : (
                <ul className="quiz-admin-list">
                  {quizzes.map((quiz) => (
                    <li key={quiz.id}>
                      <Link to={quiz.id}>{quiz.title}</Link>{' '}
                      <span className="muted">
                        {QUIZ_TYPE_LABELS[quiz.quizType]} ·{' '}
                        {formatCount(quiz.questionCount, 'question', 'questions')} ·{' '}
                        {quiz.lessonId
                          ? `lesson “${lessons.get(quiz.lessonId)?.title ?? '?'}”`
                          : 'course-level'}
                      </span>{' '}
                      <Link to={`${quiz.id}/results`}>
                        Results<span className="visually-hidden"> of {quiz.title}</span>
                      </Link>
                      {!quiz.lessonId && (
                        <span className="muted small">
                          {' '}
                          · learners take it at <Link to={`/quizzes/${quiz.id}`}>/quizzes/{quiz.id}</Link>
                        </span>
                      )}
                    </li>
                  ))}
                </ul>
              )}
            </Card>
            <NewFinalExam courseId={course.id} />
          </div>
        );
      }}
    </QueryView>
  );
}

function NewFinalExam({ courseId }: { courseId: string }) {
  const create = useCreateQuiz(courseId);
  const navigate = useNavigate();
  const [title, setTitle] = useState('Final exam');
  const { errors, show, fromServer } = useFieldErrors();
  const handleSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (title.trim() === '') return show({ title: 'Give the exam a title.' });
    create.mutate(
      { title: title.trim(), quizType: 'final_exam', lessonId: null },
      { onSuccess: (quiz) => void navigate(quiz.id), onError: fromServer },
    );
  };
  return (
    <Card>
      <form onSubmit={handleSubmit} noValidate aria-labelledby="new-exam-title">
        <h2 id="new-exam-title">Add a course-level final exam</h2>
        <div className="inline-form">
          <TextField
            label="Exam title"
            name="title"
            maxLength={200}
            value={title}
            onChange={(e) => setTitle(e.target.value)}
            error={errors.title}
          />
          <Button type="submit" busy={create.isPending}>
            Create exam
          </Button>
        </div>
        {create.isError && <ErrorAlert error={create.error} title="The exam could not be created" />}
      </form>
    </Card>
  );
}

/**
 * `/author/courses/:courseId/quizzes/for-lesson/:lessonId`: opens a quiz lesson's quiz, or creates
 * it (a quiz lesson made before its quiz, or whose quiz was trashed).
 */
export function LessonQuizPage() {
  const course = useEditorCourse();
  const { lessonId = '' } = useParams();
  const lesson = course.sections.flatMap((s) => s.lessons).find((l) => l.id === lessonId);
  const query = useCourseQuizzes(course.id);
  const create = useCreateQuiz(course.id);
  const navigate = useNavigate();
  const headingRef = useRef<HTMLHeadingElement>(null);
  useDocumentTitle(lesson ? `Quiz: ${lesson.title}` : 'Quiz');
  useEffect(() => headingRef.current?.focus(), []);

  if (!lesson || lesson.contentType !== 'quiz')
    return (
      <EmptyState title="This quiz lesson does not exist any more">
        <ButtonLink to={`/author/courses/${course.id}/curriculum`} variant="secondary">
          Back to the curriculum
        </ButtonLink>
      </EmptyState>
    );
  return (
    <QueryView query={query} loading="Loading the quiz…" errorTitle="The quiz could not be loaded">
      {(data) => {
        const quiz = data.quizzes.find((q) => q.lessonId === lessonId && q.deletedAt === null);
        if (quiz) return <Navigate to={`/author/courses/${course.id}/quizzes/${quiz.id}`} replace />;
        return (
          <Card>
            <h2 ref={headingRef} tabIndex={-1}>
              The lesson “{lesson.title}” has no quiz yet
            </h2>
            <Button
              busy={create.isPending}
              onClick={() =>
                create.mutate(
                  { title: lesson.title, lessonId },
                  {
                    onSuccess: (created) =>
                      void navigate(`/author/courses/${course.id}/quizzes/${created.id}`, { replace: true }),
                  },
                )
              }
            >
              Create its quiz
            </Button>
            {create.isError && <ErrorAlert error={create.error} title="The quiz could not be created" />}
          </Card>
        );
      }}
    </QueryView>
  );
}
