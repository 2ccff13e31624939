import { describe, expect, it } from 'vitest';
import { backoff } from './challenges.api.ts';

describe('backoff', () => {
  it('polls at 0.5 s first, then 1.5× slower per answer, never slower than every 5 s', () => {
    expect([0, 1, 2, 3].map(backoff)).toEqual([500, 750, 1125, 1687.5]);
    expect(backoff(20)).toBe(5000);
  });
});
