import type { TestResultView } from '../../../contracts/challenges.ts';
import type { JudgeResult, JudgeTest } from '../judge/judge.ts';
import type { StoredTestCase } from './challenges.queries.ts';

/**
 * A stored test case as read through Kysely. Its CamelCasePlugin also renames keys inside jsonb
 * values (`expected_output` arrives as `expectedOutput`), so both spellings are accepted.
 */
export function readTestCase(raw: unknown): JudgeTest {
  const t = (raw ?? {}) as Partial<StoredTestCase> & { expectedOutput?: string; isHidden?: boolean };
  return {
    input: String(t.input ?? ''),
    expected: String(t.expected_output ?? t.expectedOutput ?? ''),
    hidden: (t.is_hidden ?? t.isHidden) === true,
  };
}

/** Stored test cases → the judge's tests (same order: results are matched by index). */
export function toJudgeTests(cases: unknown): JudgeTest[] {
  return Array.isArray(cases) ? cases.map(readTestCase) : [];
}

/**
 * What a learner may see of each test. A hidden test gives only passed/failed and its time — never
 * its input, expected output, the program's output on it, or a message (which could describe it).
 * This is the only shape stored in code_submissions.test_results and returned by runs.
 */
export function learnerTestResults(result: JudgeResult, tests: JudgeTest[]): TestResultView[] {
  return result.results.map((r) => {
    const test = tests[r.index];
    if (r.hidden || !test || test.hidden) {
      return {
        index: r.index,
        hidden: true,
        passed: r.passed,
        executionTimeMs: Math.round(r.executionTimeMs),
      };
    }
    return {
      index: r.index,
      hidden: false,
      passed: r.passed,
      executionTimeMs: Math.round(r.executionTimeMs),
      verdict: r.verdict,
      memoryUsedMb: Math.round(r.memoryUsedMb),
      ...(r.message ? { message: r.message } : {}),
      input: test.input,
      expectedOutput: test.expected,
      ...(r.output !== undefined ? { output: r.output } : {}),
      ...(r.error !== undefined ? { error: r.error } : {}),
    };
  });
}

/**
 * What learners and instructors read when the judge cannot run. The reason and the exact fix are
 * for administrators (the judge health page and the log): host paths and tool names stay there.
 */
export function unavailableMessage(kind: 'submission' | 'run' | 'check'): string {
  const base = 'The code judge is unavailable on this server right now.';
  const then =
    kind === 'submission'
      ? ' Your submission is kept and will be judged once it is back.'
      : kind === 'run'
        ? ' Try again later.'
        : ' Ask again to publish once it is back.';
  return `${base}${then} Administrators see the reason and the fix on the judge health page (/admin/judge).`;
}
