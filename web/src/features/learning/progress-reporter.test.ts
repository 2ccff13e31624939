import { describe, expect, it } from 'vitest';
import type { ProgressReportInput } from '../../../../contracts/learning.ts';
import { ActivityTracker } from './activity-tracker.ts';
import { IDLE_REPORT_INTERVAL_MS, ProgressReporter, REPORT_INTERVAL_MS } from './progress-reporter.ts';

type Sent = Required<ProgressReportInput> & { keepalive: boolean };

function setup(fail: () => boolean = () => false) {
  let t = Date.UTC(2026, 0, 1);
  const now = () => t;
  const sent: Sent[] = [];
  const errors: unknown[] = [];
  const tracker = new ActivityTracker(now);
  const reporter = new ProgressReporter({
    tracker,
    now,
    send: async (report, { keepalive }) => {
      if (fail()) throw new Error('offline');
      sent.push({ ...report, keepalive });
    },
    onError: (error) => errors.push(error),
  });
  return { reporter, tracker, sent, errors, advance: (ms: number) => (t += ms) };
}

/** Runs the timer for `seconds` seconds, one tick a second. */
async function play(s: ReturnType<typeof setup>, seconds: number, from: number) {
  for (let i = 1; i <= seconds; i++) {
    s.advance(1000);
    s.reporter.setPosition(from + i, true);
    s.reporter.tick();
    await Promise.resolve();
  }
}

describe('ProgressReporter', () => {
  it('reports every 10 s while playing, with position, furthest point and active time', async () => {
    const s = setup();
    s.reporter.setPlaying(true);
    await play(s, 25, 0);
    await s.reporter.flush('pause');
    expect(s.sent.map((r) => r.positionSeconds)).toEqual([10, 20, 25]);
    expect(s.sent.map((r) => r.watchedSeconds)).toEqual([10, 20, 25]);
    expect(s.sent.reduce((sum, r) => sum + r.activeSeconds, 0)).toBe(25);
    expect(REPORT_INTERVAL_MS).toBe(10_000);
  });

  it('gives every report a strictly increasing client time, even within the same millisecond', async () => {
    const s = setup();
    await s.reporter.flush('pause');
    await s.reporter.flush('seeked');
    await s.reporter.flush('pause');
    const times = s.sent.map((r) => Date.parse(r.clientTime));
    expect(times[1]).toBeGreaterThan(times[0]!);
    expect(times[2]).toBeGreaterThan(times[1]!);
  });

  it('seeking back does not lower the furthest point watched; seeking ahead does not raise it', async () => {
    const s = setup();
    s.reporter.resume(30, 40, false);
    s.reporter.setPosition(5, false);
    await s.reporter.flush('seeked');
    s.reporter.setPosition(90, false);
    await s.reporter.flush('seeked');
    expect(s.sent.map((r) => [r.positionSeconds, r.watchedSeconds])).toEqual([
      [5, 40],
      [90, 40],
    ]);
  });

  it('does not report while paused and idle, but reports reading time every 30 s', async () => {
    const s = setup();
    for (let i = 0; i < 29; i++) {
      s.advance(1000);
      s.reporter.tick();
    }
    expect(s.sent).toHaveLength(0);
    s.advance(1000);
    s.reporter.tick();
    await Promise.resolve();
    expect(s.sent).toHaveLength(1);
    expect(s.sent[0]!.activeSeconds).toBe(IDLE_REPORT_INTERVAL_MS / 1000);
  });

  it('sends a leaving report with keepalive only when there is something new', async () => {
    const s = setup();
    await s.reporter.flush('leave');
    expect(s.sent).toHaveLength(0);
    s.reporter.setPosition(12, false);
    await s.reporter.flush('leave');
    expect(s.sent).toEqual([expect.objectContaining({ positionSeconds: 12, keepalive: true })]);
  });

  it('keeps "completed" on every later report once the lesson is marked done', async () => {
    const s = setup();
    await s.reporter.flush('complete');
    s.advance(2000);
    await s.reporter.flush('pause');
    expect(s.sent.map((r) => r.completed)).toEqual([true, true]);
  });

  it('gives the active time of a failed report to the next one', async () => {
    let failing = true;
    const s = setup(() => failing);
    s.advance(8_000);
    await s.reporter.flush('pause');
    expect(s.errors).toHaveLength(1);
    failing = false;
    s.advance(2_000);
    await s.reporter.flush('pause');
    expect(s.sent).toHaveLength(1);
    expect(s.sent[0]!.activeSeconds).toBe(10);
  });

  it('sends nothing after stop()', async () => {
    const s = setup();
    s.reporter.stop();
    s.reporter.setPosition(3, true);
    await s.reporter.flush('pause');
    expect(s.sent).toHaveLength(0);
  });
});
