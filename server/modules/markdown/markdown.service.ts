import type { MarkdownHtml, MarkdownPreviewInput } from '../../../contracts/markdown.ts';
import type { SessionUser } from '../../db/session.ts';
import { AppError } from '../../platform/errors.ts';
import { renderMarkdown } from '../../platform/markdown.ts';

/**
 * How many previews one user may ask for per minute. A 200,000-character article takes up to a
 * second of CPU to render (measured on 2 cores, 2026-11-25), and the editor previews on every pause
 * in typing: a debounced editor stays far below this, a loop does not.
 */
export const PREVIEWS_PER_MINUTE = 60;
const WINDOW_MS = 60_000;

/**
 * Per-process counts of recent previews by user. Kept in memory on purpose: a preview changes
 * nothing, so a limit that is per instance (and forgets on restart) is enough to stop one client
 * from monopolising an instance's CPU, without a database write per keystroke pause.
 */
export function createPreviewLimiter(max = PREVIEWS_PER_MINUTE, now: () => number = Date.now) {
  const recent = new Map<string, number[]>();
  return {
    /** Counts one preview for `userId`; false when the user is over the limit (not counted then). */
    take(userId: string): boolean {
      const since = now() - WINDOW_MS;
      // Forget users whose whole window has passed, so the map only holds active editors.
      if (recent.size > 1000) {
        for (const [id, times] of recent) if ((times.at(-1) ?? 0) <= since) recent.delete(id);
      }
      const times = (recent.get(userId) ?? []).filter((t) => t > since);
      if (times.length >= max) {
        recent.set(userId, times);
        return false;
      }
      times.push(now());
      recent.set(userId, times);
      return true;
    },
  };
}

export type PreviewLimiter = ReturnType<typeof createPreviewLimiter>;

/**
 * Renders the author's Markdown exactly as the course pages will show it. Signed-in users only
 * (rendering costs CPU, and anonymous callers have nothing to author), within the limiter's rate.
 */
export function previewMarkdown(
  caller: { user: SessionUser | null },
  input: MarkdownPreviewInput,
  limiter: PreviewLimiter,
): MarkdownHtml {
  if (!caller.user) throw new AppError('unauthorized');
  if (!limiter.take(caller.user.id)) {
    throw new AppError('rate_limited', 'Too many previews in a minute; wait a moment and try again.');
  }
  return { html: renderMarkdown(input.markdown) };
}
