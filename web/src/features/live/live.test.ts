import { describe, expect, it } from 'vitest';
import { describePresence, liveRows } from './live.ts';

const sections = [
  { lessons: [{ id: 'l1', title: 'Intro' } as never, { id: 'l2', title: 'Loops' } as never] },
];

describe('liveRows', () => {
  it('names each learner with their lesson, leaves the viewer out, and sorts by name', () => {
    const rows = liveRows(
      [
        { userId: 'u2', since: '2026-11-26T10:00:00Z', lessonId: 'l2', name: 'Zoe' },
        { userId: 'me', since: '2026-11-26T09:00:00Z', lessonId: 'l1', name: 'Instructor' },
        { userId: 'u1', since: '2026-11-26T10:05:00Z', lessonId: 'gone', name: 'Anna' },
        { userId: 'u3', since: '2026-11-26T10:06:00Z', lessonId: null },
      ],
      sections,
      'me',
    );
    expect(rows).toEqual([
      { userId: 'u3', name: 'A learner', lesson: undefined, since: '2026-11-26T10:06:00Z' },
      { userId: 'u1', name: 'Anna', lesson: undefined, since: '2026-11-26T10:05:00Z' },
      { userId: 'u2', name: 'Zoe', lesson: { id: 'l2', title: 'Loops' }, since: '2026-11-26T10:00:00Z' },
    ]);
  });
});

describe('describePresence', () => {
  it('gives the time alone today and the date too before', () => {
    const now = new Date('2026-11-26T12:00:00');
    expect(describePresence(new Date('2026-11-26T10:42:00').toISOString(), now)).toMatch(/^since \D*10.42/);
    expect(describePresence(new Date('2026-11-20T10:42:00').toISOString(), now)).toMatch(/20/);
  });
});
