/**
 * How a lesson gets completed in the player. Quiz and code lessons are assessed: only passing the
 * quiz or an accepted challenge submission completes them (server side; migration 0022 refuses a
 * learner's own "completed" for them), so the player never offers "Mark as done" there.
 */
export type CompletionMode = 'assessment' | 'watching' | 'manual';

export function lessonCompletionMode(lesson: {
  contentType: string;
  videoUrl: string | null;
  durationSeconds: number | null;
}): CompletionMode {
  if (lesson.contentType === 'quiz' || lesson.contentType === 'code') return 'assessment';
  // A video of known length completes by being watched (90 %); anything else is marked done.
  if (lesson.contentType === 'video' && lesson.videoUrl !== null && (lesson.durationSeconds ?? 0) > 0)
    return 'watching';
  return 'manual';
}
