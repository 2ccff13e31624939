import { describe, expect, it } from 'vitest';
import { lessonCompletionMode } from './lesson-completion.ts';

const lesson = (
  contentType: string,
  videoUrl: string | null = null,
  durationSeconds: number | null = null,
) => ({
  contentType,
  videoUrl,
  durationSeconds,
});

describe('lessonCompletionMode', () => {
  it('quiz and code lessons complete only by their assessment (no "Mark as done")', () => {
    expect(lessonCompletionMode(lesson('quiz'))).toBe('assessment');
    expect(lessonCompletionMode(lesson('code'))).toBe('assessment');
  });
  it('a video of known length completes by watching; one of unknown length is marked done', () => {
    expect(lessonCompletionMode(lesson('video', '/v.mp4', 120))).toBe('watching');
    expect(lessonCompletionMode(lesson('video', '/v.mp4', null))).toBe('manual');
    expect(lessonCompletionMode(lesson('video', null, 120))).toBe('manual');
  });
  it('articles and other lessons are marked done', () => {
    expect(lessonCompletionMode(lesson('article'))).toBe('manual');
    expect(lessonCompletionMode(lesson('text'))).toBe('manual');
  });
});
