import { describe, expect, it } from 'vitest';
import { createPreviewLimiter, previewMarkdown } from './markdown.service.ts';

describe('createPreviewLimiter', () => {
  it('allows `max` previews per user per minute, then refuses until the window moves on', () => {
    let clock = 0;
    const limiter = createPreviewLimiter(3, () => clock);
    expect([1, 2, 3].map(() => limiter.take('a'))).toEqual([true, true, true]);
    expect(limiter.take('a')).toBe(false);
    expect(limiter.take('b')).toBe(true); // per user
    clock = 60_001;
    expect(limiter.take('a')).toBe(true);
  });
});

describe('previewMarkdown', () => {
  it('answers rate_limited beyond the limit', () => {
    const limiter = createPreviewLimiter(1, () => 0);
    const caller = { user: { id: 'u' } };
    expect(previewMarkdown(caller, { markdown: '*x*' }, limiter).html).toBe('<p><em>x</em></p>\n');
    expect(() => previewMarkdown(caller, { markdown: 'x' }, limiter)).toThrow(
      expect.objectContaining({ code: 'rate_limited' }),
    );
  });
});
