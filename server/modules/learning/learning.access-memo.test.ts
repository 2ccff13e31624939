import { describe, expect, it } from 'vitest';
import { createAccessMemo, type RememberedAccess } from './learning.access-memo.ts';

const learner = { id: 'learner-a', sessionId: 'session-1' };
const access = (courseId = 'course-1'): Omit<RememberedAccess, 'expiresAt'> => ({
  courseId,
  contentType: 'video',
  videoDurationSeconds: 200,
  row: null,
  enrollment: {
    id: 'enrollment-1',
    completedLessons: 0,
    totalLessons: 20,
    progressPercentage: 0,
    isCompleted: false,
    completedAt: null,
    totalTimeSpentMinutes: 0,
  },
});

function clockedMemo(ttlMs: number, maxEntries?: number) {
  const clock = { t: 1_000_000 };
  const memo = createAccessMemo({ ttlMs, now: () => clock.t, ...(maxEntries ? { maxEntries } : {}) });
  return { memo, clock };
}

describe('access memo', () => {
  it('answers for ttlMs after remembering, then forgets', () => {
    const { memo, clock } = clockedMemo(2000);
    expect(memo.find(learner, 'lesson-1')).toBeUndefined();
    memo.remember(learner, 'lesson-1', access());
    expect(memo.find(learner, 'lesson-1')).toMatchObject({ courseId: 'course-1' });
    clock.t += 1999;
    expect(memo.find(learner, 'lesson-1')).toBeDefined();
    clock.t += 1;
    expect(memo.find(learner, 'lesson-1')).toBeUndefined();
    expect(memo.size).toBe(0);
  });

  it('is per learner, per sign-in session and per lesson', () => {
    const { memo } = clockedMemo(2000);
    memo.remember(learner, 'lesson-1', access());
    expect(memo.find({ id: 'learner-b', sessionId: 'session-1' }, 'lesson-1')).toBeUndefined();
    expect(memo.find({ id: 'learner-a', sessionId: 'session-2' }, 'lesson-1')).toBeUndefined();
    expect(memo.find({ id: 'learner-a' }, 'lesson-1')).toBeUndefined();
    expect(memo.find(learner, 'lesson-2')).toBeUndefined();
    expect(memo.find(learner, 'lesson-1')).toBeDefined();
  });

  it("forgets a learner's lesson in every session, and a whole course, early", () => {
    const { memo } = clockedMemo(60_000);
    const otherSession = { id: learner.id, sessionId: 'session-2' };
    const other = { id: 'learner-b', sessionId: 'session-9' };
    memo.remember(learner, 'lesson-1', access());
    memo.remember(otherSession, 'lesson-1', access());
    memo.remember(learner, 'lesson-2', access());
    memo.remember(other, 'lesson-1', access());
    memo.remember(other, 'lesson-x', access('course-2'));
    expect(memo.size).toBe(5);

    memo.forgetLesson(learner.id, 'lesson-1');
    expect(memo.find(learner, 'lesson-1')).toBeUndefined();
    expect(memo.find(otherSession, 'lesson-1')).toBeUndefined();
    expect(memo.find(learner, 'lesson-2')).toBeDefined();
    expect(memo.find(other, 'lesson-1')).toBeDefined();

    memo.forgetCourse('course-1');
    expect(memo.find(learner, 'lesson-2')).toBeUndefined();
    expect(memo.find(other, 'lesson-1')).toBeUndefined();
    expect(memo.find(other, 'lesson-x')).toBeDefined();
    expect(memo.size).toBe(1);
  });

  it('remembers nothing with a ttl of 0', () => {
    const { memo } = clockedMemo(0);
    memo.remember(learner, 'lesson-1', access());
    expect(memo.find(learner, 'lesson-1')).toBeUndefined();
    expect(memo.size).toBe(0);
  });

  it('stays within maxEntries: expired entries are swept first, then all are dropped', () => {
    const { memo, clock } = clockedMemo(1000, 3);
    memo.remember(learner, 'lesson-1', access());
    memo.remember(learner, 'lesson-2', access());
    clock.t += 1000;
    memo.remember(learner, 'lesson-3', access());
    memo.remember(learner, 'lesson-4', access());
    // lessons 1 and 2 had expired: swept, the live ones kept
    expect(memo.size).toBe(2);
    memo.remember(learner, 'lesson-5', access());
    expect(memo.size).toBe(3);
    memo.remember(learner, 'lesson-6', access());
    expect(memo.size).toBe(1);
    expect(memo.find(learner, 'lesson-6')).toBeDefined();
  });
});
