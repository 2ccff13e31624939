import { describe, expect, it } from 'vitest';
import type { JudgeResult } from '../judge/judge.ts';
import { createRunLimiter } from './challenges.service.ts';
import { learnerTestResults, toJudgeTests } from './results.ts';

describe('learnerTestResults', () => {
  const tests = toJudgeTests([
    { input: '1 2', expected_output: '3', is_hidden: false },
    { input: 'HIDDEN-IN', expectedOutput: 'HIDDEN-OUT', isHidden: true },
  ]);
  const result: JudgeResult = {
    verdict: 'wrong_answer',
    executionTimeMs: 12.6,
    memoryUsedMb: 9.2,
    passedTests: 1,
    totalTests: 2,
    results: [
      {
        index: 0,
        hidden: false,
        verdict: 'accepted',
        passed: true,
        executionTimeMs: 10.2,
        memoryUsedMb: 9,
        output: '3\n',
      },
      {
        index: 1,
        hidden: true,
        verdict: 'wrong_answer',
        passed: false,
        executionTimeMs: 12.6,
        memoryUsedMb: 9.2,
        message: 'Wrong answer',
      },
    ],
  };

  it('reads stored test cases in either key spelling', () => {
    expect(tests).toEqual([
      { input: '1 2', expected: '3', hidden: false },
      { input: 'HIDDEN-IN', expected: 'HIDDEN-OUT', hidden: true },
    ]);
  });

  it('keeps a visible test whole and reduces a hidden one to passed and time', () => {
    const view = learnerTestResults(result, tests);
    expect(view[0]).toMatchObject({
      index: 0,
      hidden: false,
      passed: true,
      input: '1 2',
      expectedOutput: '3',
      output: '3\n',
      executionTimeMs: 10,
    });
    expect(view[1]).toEqual({ index: 1, hidden: true, passed: false, executionTimeMs: 13 });
    expect(JSON.stringify(view)).not.toMatch(/HIDDEN/);
  });

  it('treats a result as hidden when its test is hidden, whatever the result says', () => {
    const lying: JudgeResult = {
      ...result,
      results: result.results.map((r) => ({ ...r, hidden: false, output: 'HIDDEN-OUT' })),
    };
    expect(JSON.stringify(learnerTestResults(lying, tests)[1])).not.toMatch(/HIDDEN/);
  });
});

describe('createRunLimiter', () => {
  it('allows the limit per minute and user, then again a minute later', () => {
    let now = 0;
    const allow = createRunLimiter(2, () => now);
    expect([allow('a'), allow('a'), allow('a'), allow('b')]).toEqual([true, true, false, true]);
    now = 60_000;
    expect(allow('a')).toBe(true);
  });
});
