import { describe, expect, it } from 'vitest';
import { isTypingTarget, shortcutFor } from './shortcuts.ts';

const key = (k: string, target: object | null = { tagName: 'BODY' }, extra: object = {}) => ({
  key: k,
  altKey: false,
  ctrlKey: false,
  metaKey: false,
  defaultPrevented: false,
  target: target as EventTarget,
  ...extra,
});

describe('player shortcuts', () => {
  it('maps n, p, m, k and ? (either case)', () => {
    expect(shortcutFor(key('n'))).toBe('next');
    expect(shortcutFor(key('N'))).toBe('next');
    expect(shortcutFor(key('p'))).toBe('previous');
    expect(shortcutFor(key('m'))).toBe('done');
    expect(shortcutFor(key('k'))).toBe('play');
    expect(shortcutFor(key('?'))).toBe('help');
    expect(shortcutFor(key('x'))).toBeNull();
  });

  it('never fires while typing in a text field, a textarea or editable content', () => {
    expect(shortcutFor(key('n', { tagName: 'TEXTAREA' }))).toBeNull();
    expect(shortcutFor(key('n', { tagName: 'INPUT', type: 'text' }))).toBeNull();
    expect(shortcutFor(key('n', { tagName: 'INPUT', type: 'search' }))).toBeNull();
    expect(shortcutFor(key('n', { tagName: 'SELECT' }))).toBeNull();
    expect(shortcutFor(key('n', { tagName: 'DIV', isContentEditable: true }))).toBeNull();
    expect(isTypingTarget({ tagName: 'INPUT', type: 'checkbox' } as unknown as EventTarget)).toBe(false);
  });

  it('leaves modified keys and handled events alone', () => {
    expect(shortcutFor(key('n', undefined, { ctrlKey: true }))).toBeNull();
    expect(shortcutFor(key('p', undefined, { metaKey: true }))).toBeNull();
    expect(shortcutFor(key('m', undefined, { altKey: true }))).toBeNull();
    expect(shortcutFor(key('n', undefined, { defaultPrevented: true }))).toBeNull();
  });
});
