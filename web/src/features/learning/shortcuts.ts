/** The player's keyboard shortcuts, shown in its "Keyboard shortcuts" help. */
export const SHORTCUTS = [
  { key: 'n', action: 'next', label: 'Next lesson' },
  { key: 'p', action: 'previous', label: 'Previous lesson' },
  { key: 'm', action: 'done', label: 'Mark the lesson as done (articles and other non-video lessons)' },
  { key: 'k', action: 'play', label: 'Play or pause the video' },
  { key: '?', action: 'help', label: 'Show or hide this help' },
] as const;

export type ShortcutAction = (typeof SHORTCUTS)[number]['action'];

interface KeyLike {
  key: string;
  altKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  defaultPrevented: boolean;
  target: EventTarget | null;
}

/** Whether the key event comes from somewhere the learner types (never steal those keys). */
export function isTypingTarget(target: EventTarget | null): boolean {
  const element = target as { tagName?: string; isContentEditable?: boolean; type?: string } | null;
  if (!element || typeof element.tagName !== 'string') return false;
  if (element.isContentEditable) return true;
  const tag = element.tagName.toUpperCase();
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag !== 'INPUT') return false;
  // Buttons-like inputs take no text.
  return !['button', 'submit', 'reset', 'checkbox', 'radio', 'range', 'color', 'file'].includes(
    (element.type ?? 'text').toLowerCase(),
  );
}

/** The shortcut a key press means, or null (modifiers, typing, or a key that is not one). */
export function shortcutFor(event: KeyLike): ShortcutAction | null {
  if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return null;
  if (isTypingTarget(event.target)) return null;
  const key = event.key === '?' ? '?' : event.key.toLowerCase();
  return SHORTCUTS.find((s) => s.key === key)?.action ?? null;
}
