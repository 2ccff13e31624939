import type { AttemptView, QuizAnswer } from '../../../../contracts/quizzes.ts';

/**
 * The learner's side of an attempt, pure and tested without a browser: the countdown (always from
 * the server's remaining seconds, never from a clock the browser started), client sequence
 * numbers for autosave, and what counts as answered.
 */

/**
 * A countdown to the server's deadline. The server says how many seconds remain when it answers;
 * the browser anchors that to its own monotonic clock and resyncs on every response. A reload asks
 * the server again, so the time left is never reset.
 */
export class DeadlineClock {
  private endsAt: number;

  constructor(remainingSeconds: number, now: number) {
    this.endsAt = now + remainingSeconds * 1000;
  }

  /** A fresh figure from the server (every save answers one). */
  sync(remainingSeconds: number, now: number): void {
    this.endsAt = now + remainingSeconds * 1000;
  }

  /** Whole seconds left (0 once over), rounded up so 0 shows only when the time is really out. */
  remaining(now: number): number {
    return Math.max(0, Math.ceil((this.endsAt - now) / 1000));
  }
}

/** "4:05", "1:02:03" for the timer. */
export function formatCountdown(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

/** "4 minutes 5 seconds left", for screen readers (announced sparingly, not every second). */
export function describeCountdown(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  const parts = [
    m > 0 ? `${m} minute${m === 1 ? '' : 's'}` : '',
    s > 0 || m === 0 ? `${s} second${s === 1 ? '' : 's'}` : '',
  ];
  return `${parts.filter(Boolean).join(' ')} left`;
}

/** When to announce the time left: at 5 and 1 minutes, and at 30 seconds. */
export function isAnnouncedMoment(seconds: number): boolean {
  return seconds === 300 || seconds === 60 || seconds === 30;
}

/**
 * The next client sequence number: above every number used before (by this page or an earlier
 * load of it, whose numbers the server returns) and rising with the clock, so a reload keeps
 * winning over a save still in flight from before it.
 */
export function nextClientSeq(last: number, now: number): number {
  return Math.max(last + 1, Math.floor(now));
}

/** Whether an answer says something (an empty choice, blank text or code is "unanswered"). */
export function isAnswered(answer: QuizAnswer | null | undefined): boolean {
  if (!answer) return false;
  if ('choices' in answer) return answer.choices.length > 0;
  if ('text' in answer) return answer.text.trim() !== '';
  return answer.code.trim() !== '';
}

/** The learner's choices after ticking or picking one option. */
export function toggleChoice(current: string[], optionId: string, multiple: boolean): string[] {
  if (!multiple) return [optionId];
  return current.includes(optionId) ? current.filter((id) => id !== optionId) : [...current, optionId];
}

export type AttemptQuestion = AttemptView['questions'][number];

/** The answers as the server stored them, by question. */
export function savedAnswers(view: AttemptView): Record<string, QuizAnswer | null> {
  return Object.fromEntries(view.questions.map((q) => [q.id, q.answer]));
}
