import { describe, expect, it } from 'vitest';
import { progressReportSchema } from '../../../contracts/learning.ts';
import { mergeHeartbeat, type PendingHeartbeat } from './learning.heartbeats.ts';
import { addDays, effectiveStreak, projectHeartbeat } from './learning.service.ts';

describe('addDays', () => {
  it('steps calendar days across month, year and DST boundaries', () => {
    expect(addDays('2026-03-07', 1)).toBe('2026-03-08');
    expect(addDays('2026-03-08', 1)).toBe('2026-03-09');
    expect(addDays('2026-04-05', 1)).toBe('2026-04-06');
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
  });
});

describe('effectiveStreak', () => {
  it('keeps the stored run while its last day is today or yesterday, and reads 0 after a missed day', () => {
    expect(effectiveStreak(5, '2026-04-07', '2026-04-07')).toBe(5);
    expect(effectiveStreak(5, '2026-04-06', '2026-04-07')).toBe(5);
    expect(effectiveStreak(5, '2026-04-05', '2026-04-07')).toBe(0);
    expect(effectiveStreak(0, null, '2026-04-07')).toBe(0);
  });
});

describe('progressReportSchema', () => {
  it('fills defaults and refuses unknown fields, negative numbers and timestamps without an offset', () => {
    expect(progressReportSchema.parse({ clientTime: '2026-04-07T10:00:00.000Z' })).toEqual({
      clientTime: '2026-04-07T10:00:00.000Z',
      positionSeconds: 0,
      watchedSeconds: 0,
      activeSeconds: 0,
      completed: false,
    });
    expect(progressReportSchema.safeParse({ clientTime: '2026-04-07T10:00:00Z', userId: 'x' }).success).toBe(
      false,
    );
    expect(
      progressReportSchema.safeParse({ clientTime: '2026-04-07T10:00:00Z', activeSeconds: -1 }).success,
    ).toBe(false);
    expect(progressReportSchema.safeParse({ clientTime: '2026-04-07 10:00' }).success).toBe(false);
  });
});

describe('heartbeat merging and the answer to a queued heartbeat', () => {
  const t0 = Date.parse('2026-11-26T10:00:00.000Z');
  const at = (s: number) => new Date(t0 + s * 1000).toISOString();
  const heartbeat = (s: number, position: number, watched: number, active: number) =>
    progressReportSchema.parse({
      clientTime: at(s),
      positionSeconds: position,
      watchedSeconds: watched,
      activeSeconds: active,
    });
  function pending(s: number, position: number, watched: number, active: number): PendingHeartbeat {
    return {
      user: { id: 'u' },
      lessonId: 'l',
      courseId: 'c',
      videoDurationSeconds: 150,
      positionSeconds: position,
      watchedSeconds: watched,
      clientTime: new Date(at(s)),
      acceptedAt: new Date(at(s)),
      chain: [{ clientTime: new Date(at(s)), activeSeconds: active }],
    };
  }

  it('keeps the newest position, the furthest point watched and the chain of newer reports', () => {
    const entry = pending(10, 40, 40, 5);
    mergeHeartbeat(entry, heartbeat(20, 50, 50, 6), new Date(at(20)));
    mergeHeartbeat(entry, heartbeat(15, 10, 90, 7), new Date(at(21))); // late: only watched counts
    mergeHeartbeat(entry, heartbeat(20, 55, 50, 6), new Date(at(22))); // repeat of the newest client time
    expect(entry).toMatchObject({ positionSeconds: 50, watchedSeconds: 90, clientTime: new Date(at(20)) });
    expect(entry.chain.map((c) => c.activeSeconds)).toEqual([5, 6]);
  });

  it('answers the state the write will leave: only reports newer than the stored one add time', () => {
    const entry = pending(10, 40, 40, 5);
    mergeHeartbeat(entry, heartbeat(20, 160, 160, 6), new Date(at(20)));
    const stored = {
      lessonId: 'l',
      status: 'in_progress' as const,
      videoPositionSeconds: 30,
      videoWatchedSeconds: 100,
      videoCompleted: false,
      timeSpentSeconds: 100,
      startedAt: new Date(at(0)),
      completedAt: null,
      lastAccessedAt: new Date(at(12)),
      clientReportedAt: new Date(at(12)),
    };
    expect(projectHeartbeat(stored, entry)).toMatchObject({
      status: 'in_progress',
      positionSeconds: 150, // capped at the video's length, as the database does
      watchedSeconds: 150,
      timeSpentSeconds: 106, // the report at 10 s is older than the stored one at 12 s
      lastReportAt: at(20),
      startedAt: at(0),
    });
    // Nothing stored yet: a fresh row in progress with every queued report's time.
    expect(projectHeartbeat(undefined, entry)).toMatchObject({
      status: 'in_progress',
      timeSpentSeconds: 11,
      positionSeconds: 150,
    });
    // Everything queued is older than the stored report: position and time stay as stored.
    const old = pending(5, 10, 10, 9);
    expect(projectHeartbeat(stored, old)).toMatchObject({
      positionSeconds: 30,
      watchedSeconds: 100,
      timeSpentSeconds: 100,
      lastReportAt: at(12),
    });
  });
});
