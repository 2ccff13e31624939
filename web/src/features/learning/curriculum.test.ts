import { describe, expect, it } from 'vitest';
import type { LessonProgress } from '../../../../contracts/learning.ts';
import { neighbours, pickResume, resumePosition, startLesson } from './curriculum.ts';

const sections = [
  { lessons: [{ id: 'a' }, { id: 'b' }] },
  { lessons: [] },
  { lessons: [{ id: 'c' }] },
] as never;

const done = (lessonId: string) => ({ lessonId, status: 'completed' }) as LessonProgress;

describe('player curriculum', () => {
  it('finds the previous and next lesson across sections', () => {
    expect(neighbours(sections, 'b')).toMatchObject({ previous: { id: 'a' }, next: { id: 'c' } });
    expect(neighbours(sections, 'a')).toMatchObject({ previous: null, next: { id: 'b' } });
    expect(neighbours(sections, 'c')).toMatchObject({ previous: { id: 'b' }, next: null });
    expect(neighbours(sections, 'zz')).toEqual({ previous: null, next: null, index: -1 });
  });

  it('starts at the continue lesson, else the first not completed, else the first', () => {
    expect(startLesson(sections, 'c', [])).toBe('c');
    expect(startLesson(sections, 'gone', [done('a')])).toBe('b');
    expect(startLesson(sections, null, [done('a'), done('b'), done('c')])).toBe('a');
    expect(startLesson([] as never, null, [])).toBeNull();
  });

  it('resumes a video at its position, except at the very end', () => {
    expect(resumePosition(0, 30)).toBe(0);
    expect(resumePosition(12, 30)).toBe(12);
    expect(resumePosition(29, 30)).toBe(0);
    expect(resumePosition(12, null)).toBe(12);
  });
});

describe('pickResume', () => {
  const server = { positionSeconds: 10, lastReportAt: '2026-01-01T10:00:00.000Z' };
  it('takes the server position unless this tab reported later', () => {
    expect(pickResume(server, null)).toBe(10);
    expect(pickResume(server, { positionSeconds: 14, clientTime: '2026-01-01T10:00:05.000Z' })).toBe(14);
    expect(pickResume(server, { positionSeconds: 3, clientTime: '2026-01-01T09:59:00.000Z' })).toBe(10);
    expect(pickResume(null, { positionSeconds: 7, clientTime: '2026-01-01T09:59:00.000Z' })).toBe(7);
    expect(pickResume(server, { positionSeconds: 7, clientTime: 'garbage' })).toBe(10);
  });
});
