import { describe, expect, it } from 'vitest';
import { progressReportSchema } from '../../../contracts/learning.ts';
import { addDays, effectiveStreak } from './learning.service.ts';

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
