import { describe, expect, it } from 'vitest';
import { ActivityTracker, IDLE_AFTER_MS } from './activity-tracker.ts';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('ActivityTracker', () => {
  it('counts visible, active time in whole seconds and carries the fraction', () => {
    const c = clock();
    const tracker = new ActivityTracker(c.now);
    c.advance(2_500);
    expect(tracker.takeSeconds()).toBe(2);
    c.advance(700);
    expect(tracker.takeSeconds()).toBe(1); // 0.5 carried + 0.7
    expect(tracker.takeSeconds()).toBe(0);
  });

  it('stops counting once the learner has been idle, and starts again on input', () => {
    const c = clock();
    const tracker = new ActivityTracker(c.now);
    c.advance(IDLE_AFTER_MS + 60_000);
    expect(tracker.isIdle()).toBe(true);
    expect(tracker.takeSeconds()).toBe(IDLE_AFTER_MS / 1000);
    c.advance(30_000);
    expect(tracker.takeSeconds()).toBe(0);
    tracker.noteInput();
    c.advance(4_000);
    expect(tracker.isIdle()).toBe(false);
    expect(tracker.takeSeconds()).toBe(4);
  });

  it('never counts while the tab is hidden, and coming back counts as activity', () => {
    const c = clock();
    const tracker = new ActivityTracker(c.now);
    c.advance(3_000);
    tracker.setVisible(false);
    c.advance(IDLE_AFTER_MS * 3);
    expect(tracker.takeSeconds()).toBe(3);
    tracker.setVisible(true);
    c.advance(5_000);
    expect(tracker.takeSeconds()).toBe(5);
  });

  it('counts a playing video without input, and the idle clock restarts when it stops', () => {
    const c = clock();
    const tracker = new ActivityTracker(c.now);
    tracker.setPlaying(true);
    c.advance(IDLE_AFTER_MS * 2);
    expect(tracker.isIdle()).toBe(false);
    expect(tracker.takeSeconds()).toBe((IDLE_AFTER_MS * 2) / 1000);
    tracker.setPlaying(false);
    c.advance(IDLE_AFTER_MS + 10_000);
    expect(tracker.takeSeconds()).toBe(IDLE_AFTER_MS / 1000);
  });

  it('a hidden tab does not count even with the video playing', () => {
    const c = clock();
    const tracker = new ActivityTracker(c.now, false);
    tracker.setPlaying(true);
    c.advance(60_000);
    expect(tracker.takeSeconds()).toBe(0);
  });

  it('gives back the seconds of a failed report', () => {
    const c = clock();
    const tracker = new ActivityTracker(c.now);
    c.advance(6_000);
    const taken = tracker.takeSeconds();
    tracker.giveBack(taken);
    c.advance(1_000);
    expect(tracker.takeSeconds()).toBe(7);
  });
});
