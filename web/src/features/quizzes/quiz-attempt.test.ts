import { describe, expect, it } from 'vitest';
import {
  DeadlineClock,
  describeCountdown,
  formatCountdown,
  isAnswered,
  nextClientSeq,
  toggleChoice,
} from './quiz-attempt.ts';

describe('DeadlineClock', () => {
  it('counts down from the server figure and resyncs to a newer one', () => {
    const clock = new DeadlineClock(90, 1_000);
    expect(clock.remaining(1_000)).toBe(90);
    expect(clock.remaining(31_000)).toBe(60);
    expect(clock.remaining(30_500)).toBe(61);
    // The server says 50 s left at t=31 s (the browser's clock ran fast): the server wins.
    clock.sync(50, 31_000);
    expect(clock.remaining(41_000)).toBe(40);
    expect(clock.remaining(200_000)).toBe(0);
  });
});

describe('countdown text', () => {
  it('formats minutes and hours', () => {
    expect(formatCountdown(245)).toBe('4:05');
    expect(formatCountdown(3723)).toBe('1:02:03');
    expect(formatCountdown(0)).toBe('0:00');
  });
  it('describes the time for screen readers', () => {
    expect(describeCountdown(245)).toBe('4 minutes 5 seconds left');
    expect(describeCountdown(60)).toBe('1 minute left');
    expect(describeCountdown(1)).toBe('1 second left');
    expect(describeCountdown(0)).toBe('0 seconds left');
  });
});

describe('answers', () => {
  it('sequence numbers always rise, also past a clock that went back', () => {
    expect(nextClientSeq(0, 1_700_000_000_000)).toBe(1_700_000_000_000);
    expect(nextClientSeq(1_700_000_000_005, 1_700_000_000_000)).toBe(1_700_000_000_006);
  });
  it('knows an empty answer', () => {
    expect(isAnswered(null)).toBe(false);
    expect(isAnswered({ choices: [] })).toBe(false);
    expect(isAnswered({ text: '   ' })).toBe(false);
    expect(isAnswered({ code: '' })).toBe(false);
    expect(isAnswered({ choices: ['a'] })).toBe(true);
    expect(isAnswered({ text: 'Paris' })).toBe(true);
  });
  it('picks one option, or toggles several', () => {
    expect(toggleChoice(['a'], 'b', false)).toEqual(['b']);
    expect(toggleChoice(['a'], 'b', true)).toEqual(['a', 'b']);
    expect(toggleChoice(['a', 'b'], 'a', true)).toEqual(['b']);
  });
});
