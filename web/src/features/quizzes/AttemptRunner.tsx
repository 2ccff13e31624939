import { useEffect, useRef, useState } from 'react';
import type { AttemptView, QuizAnswer } from '../../../../contracts/quizzes.ts';
import { Button } from '../../components/Button.tsx';
import { ConfirmDialog } from '../../components/Dialog.tsx';
import { Alert, ErrorAlert } from '../../components/Feedback.tsx';
import { isApiError } from '../../lib/api.ts';
import { Autosaver, type SaveStatus } from '../learning/autosave.ts';
import { QuestionView, type Feedback } from './QuestionView.tsx';
import {
  DeadlineClock,
  describeCountdown,
  formatCountdown,
  isAnnouncedMoment,
  isAnswered,
  nextClientSeq,
  savedAnswers,
} from './quiz-attempt.ts';
import { saveAnswer, submitAttempt } from './quizzes.api.ts';

/** Errors that mean the attempt is over on the server: show it and read the attempt again. */
const isClosedError = (error: unknown) =>
  isApiError(error, 'deadline_passed') || isApiError(error, 'attempt_closed');

/**
 * An attempt in progress: one question at a time in the attempt's stored order, answers saved as
 * they change (or on "Check answer" when the quiz shows answers immediately), the countdown to the
 * server's deadline, and the submit.
 */
export function AttemptRunner({
  view,
  onSubmitted,
  onReload,
}: {
  view: AttemptView;
  onSubmitted: (view: AttemptView) => void;
  onReload: () => Promise<unknown>;
}) {
  const { attempt, quiz, questions } = view;
  const immediate = quiz.showCorrectAnswers === 'immediately';
  const [answers, setAnswers] = useState(() => savedAnswers(view));
  const [feedback, setFeedback] = useState<Record<string, Feedback | null>>(() =>
    Object.fromEntries(questions.map((q) => [q.id, q.feedback])),
  );
  const [statuses, setStatuses] = useState<Record<string, SaveStatus>>({});
  const [index, setIndex] = useState(0);
  const [checking, setChecking] = useState<string | null>(null);
  const [checkError, setCheckError] = useState<unknown>(null);
  const [confirming, setConfirming] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [submitError, setSubmitError] = useState<unknown>(null);
  const [timeUp, setTimeUp] = useState(false);
  const seq = useRef(Math.max(0, ...questions.map((q) => q.clientSeq)));
  // Anchored once to the browser's monotonic clock; resynced by every save's answer.
  const [clock] = useState(() =>
    attempt.remainingSeconds === null ? null : new DeadlineClock(attempt.remainingSeconds, performance.now()),
  );
  const [remaining, setRemaining] = useState(attempt.remainingSeconds);
  const [announcement, setAnnouncement] = useState('');
  const savers = useRef(new Map<string, Autosaver>());
  const headingRef = useRef<HTMLHeadingElement>(null);

  const sync = (remainingSeconds: number | null) => {
    if (remainingSeconds !== null && clock) clock.sync(remainingSeconds, performance.now());
  };
  const markTimeUp = () => {
    setTimeUp(true);
    setAnnouncement('Time is up. Your answers are being submitted.');
  };
  const onClosed = () => {
    markTimeUp();
    void onReload();
  };

  const save = async (questionId: string, answer: QuizAnswer) => {
    seq.current = nextClientSeq(seq.current, Date.now());
    const saved = await saveAnswer(attempt.id, questionId, answer, seq.current);
    sync(saved.remainingSeconds);
    if (saved.feedback) setFeedback((f) => ({ ...f, [questionId]: saved.feedback }));
    return saved;
  };

  const saverFor = (questionId: string) => {
    let saver = savers.current.get(questionId);
    if (!saver) {
      saver = new Autosaver(JSON.stringify(answers[questionId] ?? null), {
        save: async (text) => {
          await save(questionId, JSON.parse(text) as QuizAnswer);
        },
        onStatus: (status, error) => {
          setStatuses((s) => ({ ...s, [questionId]: status }));
          if (status === 'error' && isClosedError(error)) onClosed();
        },
      });
      savers.current.set(questionId, saver);
    }
    return saver;
  };
  const flushAll = () => Promise.all([...savers.current.values()].map((s) => s.flush()));

  // Leaving the attempt (another lesson, back to the overview): save what is pending. Closing or
  // reloading the tab with an answer not yet saved asks first.
  useEffect(() => {
    const all = savers.current;
    const warn = (event: BeforeUnloadEvent) => {
      if ([...all.values()].some((s) => s.hasUnsaved)) event.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => {
      window.removeEventListener('beforeunload', warn);
      for (const saver of all.values()) {
        void saver.flush();
        saver.dispose();
      }
    };
  }, []);

  // The deadline moved while the attempt is open (the instructor granted extra minutes, and the
  // attempt was read again): the timer follows, and says so.
  const [shownDeadline, setShownDeadline] = useState(attempt.deadlineAt);
  if (attempt.deadlineAt !== shownDeadline) {
    const later =
      shownDeadline !== null &&
      attempt.deadlineAt !== null &&
      Date.parse(attempt.deadlineAt) > Date.parse(shownDeadline);
    setShownDeadline(attempt.deadlineAt);
    if (attempt.remainingSeconds !== null) {
      setRemaining(attempt.remainingSeconds);
      if (attempt.remainingSeconds > 0) setTimeUp(false);
      if (later)
        setAnnouncement(
          `Your instructor gave you more time: ${describeCountdown(attempt.remainingSeconds)}.`,
        );
    }
  }
  useEffect(() => {
    if (clock && attempt.remainingSeconds !== null) clock.sync(attempt.remainingSeconds, performance.now());
  }, [clock, attempt.deadlineAt, attempt.remainingSeconds]);

  // The countdown, from the server's deadline. At zero: say so, and read the attempt again once
  // the server has closed it (deadline + grace); it then shows the results.
  useEffect(() => {
    if (!clock || timeUp) return;
    const tick = setInterval(() => {
      const left = clock.remaining(performance.now());
      setRemaining(left);
      if (isAnnouncedMoment(left)) setAnnouncement(describeCountdown(left));
      if (left === 0) {
        markTimeUp();
        void flushAll().catch(() => {});
      }
    }, 1000);
    return () => clearInterval(tick);
  }, [clock, timeUp]);

  useEffect(() => {
    if (!timeUp) return;
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout>;
    const poll = (delayMs: number) => {
      timer = setTimeout(() => {
        if (cancelled) return;
        // While the server still has it open, this view stays; once closed, results replace it.
        void onReload().finally(() => {
          if (!cancelled) poll(3000);
        });
      }, delayMs);
    };
    poll((attempt.graceSeconds + 1) * 1000);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [timeUp, attempt.graceSeconds, onReload]);

  // A new question on screen (also the first, after Start or Resume): focus its heading, so
  // keyboard and screen-reader users start there.
  useEffect(() => {
    headingRef.current?.focus();
  }, [index]);

  const question = questions[index]!;
  const change = (answer: QuizAnswer) => {
    setAnswers((a) => ({ ...a, [question.id]: answer }));
    // With answers shown immediately, a saved answer is final: save only on "Check answer".
    if (immediate) return;
    const saver = saverFor(question.id);
    saver.change(JSON.stringify(answer));
    // A click is a whole answer: save it now; typing waits for a pause.
    if ('choices' in answer) void saver.flush();
  };

  const check = async () => {
    const answer = answers[question.id];
    if (!answer || !isAnswered(answer)) return;
    setChecking(question.id);
    setCheckError(null);
    try {
      await save(question.id, answer);
    } catch (error) {
      if (isClosedError(error)) onClosed();
      else setCheckError(error);
    } finally {
      setChecking(null);
    }
  };

  const submit = async () => {
    setSubmitting(true);
    setSubmitError(null);
    try {
      await flushAll();
      if (immediate) {
        // Answers not checked yet are saved now (and so become final) before grading.
        for (const q of questions)
          if (!feedback[q.id] && isAnswered(answers[q.id])) await save(q.id, answers[q.id]!);
      }
      const unsaved = [...savers.current.values()].some((s) => s.hasUnsaved);
      if (unsaved) throw new Error('Some answers could not be saved. Check your connection and try again.');
      onSubmitted(await submitAttempt(attempt.id));
    } catch (error) {
      setConfirming(false);
      setSubmitting(false);
      if (isClosedError(error)) onClosed();
      else setSubmitError(error);
    }
  };

  const answeredCount = questions.filter((q) => isAnswered(answers[q.id])).length;
  const unanswered = questions.length - answeredCount;
  const statusValues = Object.values(statuses);
  const saveState = statusValues.includes('error')
    ? 'error'
    : statusValues.some((s) => s === 'saving' || s === 'pending')
      ? 'saving'
      : statusValues.length > 0
        ? 'saved'
        : 'idle';
  const locked = timeUp || (immediate && feedback[question.id] != null);

  return (
    <section className="quiz-player" aria-labelledby="attempt-title">
      <div className="quiz-bar">
        <h2 id="attempt-title" className="quiz-bar-title">
          {quiz.title} <span className="muted small">· attempt {attempt.attemptNumber}</span>
        </h2>
        {remaining !== null && (
          <p className={remaining <= 60 ? 'quiz-timer is-low' : 'quiz-timer'} data-testid="quiz-timer">
            <span aria-hidden="true">Time left {formatCountdown(remaining)}</span>
            <span className="visually-hidden">{describeCountdown(remaining)}</span>
          </p>
        )}
        <p className="muted small" data-testid="save-state" aria-live="polite">
          {saveState === 'error'
            ? 'An answer could not be saved; it will be retried.'
            : saveState === 'saving'
              ? 'Saving…'
              : saveState === 'saved'
                ? 'All answers saved'
                : ''}
        </p>
      </div>
      <p className="visually-hidden" role="status">
        {announcement}
      </p>
      {timeUp && (
        <Alert tone="warning" title="Time is up">
          Your answers are submitted as they stood at the deadline. Your results appear here in a moment.
        </Alert>
      )}

      <nav aria-label="Questions">
        <ol className="quiz-dots">
          {questions.map((q, i) => (
            <li key={q.id}>
              <button
                type="button"
                className={isAnswered(answers[q.id]) ? 'is-answered' : undefined}
                aria-current={i === index ? 'step' : undefined}
                onClick={() => setIndex(i)}
              >
                {i + 1}
                <span className="visually-hidden">
                  {isAnswered(answers[q.id]) ? ', answered' : ', not answered'}
                </span>
              </button>
            </li>
          ))}
        </ol>
      </nav>

      <QuestionView
        key={question.id}
        question={question}
        count={questions.length}
        answer={answers[question.id] ?? null}
        feedback={feedback[question.id] ?? null}
        disabled={locked}
        headingRef={headingRef}
        onChange={change}
      />
      {immediate && !feedback[question.id] && !timeUp && (
        <div className="button-row">
          <Button
            variant="secondary"
            onClick={() => void check()}
            busy={checking === question.id}
            disabled={!isAnswered(answers[question.id])}
          >
            Check answer
          </Button>
          <span className="muted small">Once checked, an answer cannot be changed.</span>
        </div>
      )}
      {checkError !== null && <ErrorAlert error={checkError} title="The answer could not be checked" />}

      <div className="quiz-nav">
        <Button variant="secondary" disabled={index === 0} onClick={() => setIndex(index - 1)}>
          Previous question
        </Button>
        {index < questions.length - 1 ? (
          <Button variant="secondary" onClick={() => setIndex(index + 1)}>
            Next question
          </Button>
        ) : (
          <span />
        )}
        <Button onClick={() => setConfirming(true)} disabled={timeUp}>
          Submit answers
        </Button>
      </div>
      {submitError !== null && <ErrorAlert error={submitError} title="Your answers could not be submitted" />}
      <ConfirmDialog
        open={confirming}
        title="Submit your answers?"
        confirmLabel="Submit"
        busy={submitting}
        onCancel={() => setConfirming(false)}
        onConfirm={() => void submit()}
      >
        <p>
          {unanswered === 0
            ? `You have answered all ${questions.length} questions.`
            : `${unanswered} of ${questions.length} questions are not answered yet.`}{' '}
          After submitting you cannot change your answers.
        </p>
      </ConfirmDialog>
    </section>
  );
}
