import { usePresence } from '../../lib/useRealtime.ts';

/**
 * The learner's side of the instructor's live view: while the player is open, count this user as
 * present in the course, on `lessonId` (moving on keeps their arrival time). The server lets only
 * those studying or managing the course join; anyone else is simply not counted.
 */
export function useLivePresence(courseId: string | undefined, lessonId: string | undefined): void {
  usePresence(courseId ? `presence:course:${courseId}` : undefined, lessonId ? { lesson: lessonId } : {});
}
