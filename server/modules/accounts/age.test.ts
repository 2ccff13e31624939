import { describe, expect, it } from 'vitest';
import { ageOn, isAtLeast, todayIn } from './age.ts';

describe('the age rule, in the user’s time zone', () => {
  const instant = new Date('2026-06-15T01:30:00Z'); // 10:30 on the 15th in Tokyo, 18:30 on the 14th in Los Angeles

  it('knows today’s date where the user is', () => {
    expect(todayIn('Asia/Tokyo', instant)).toEqual({ year: 2026, month: 6, day: 15 });
    expect(todayIn('America/Los_Angeles', instant)).toEqual({ year: 2026, month: 6, day: 14 });
    expect(todayIn('UTC', instant)).toEqual({ year: 2026, month: 6, day: 15 });
  });

  it('a 14th birthday counts from the start of that day in the user’s zone', () => {
    expect(isAtLeast(14, '2012-06-15', 'Asia/Tokyo', instant)).toBe(true);
    expect(isAtLeast(14, '2012-06-15', 'America/Los_Angeles', instant)).toBe(false);
    expect(isAtLeast(14, '2012-06-14', 'America/Los_Angeles', instant)).toBe(true);
  });

  it('counts whole years', () => {
    expect(ageOn({ year: 2000, month: 3, day: 10 }, { year: 2014, month: 3, day: 9 })).toBe(13);
    expect(ageOn({ year: 2000, month: 3, day: 10 }, { year: 2014, month: 3, day: 10 })).toBe(14);
    expect(ageOn({ year: 2000, month: 12, day: 31 }, { year: 2015, month: 1, day: 1 })).toBe(14);
  });

  it('a 29 February birthday is reached on 1 March in other years', () => {
    const leapling = { year: 2012, month: 2, day: 29 };
    expect(ageOn(leapling, { year: 2026, month: 2, day: 28 })).toBe(13);
    expect(ageOn(leapling, { year: 2026, month: 3, day: 1 })).toBe(14);
    expect(ageOn(leapling, { year: 2028, month: 2, day: 29 })).toBe(16);
  });
});
