import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// a host without bubblewrap: the judge says so, with the fix, and runs nothing
process.env.UW_JUDGE_BWRAP = '/nonexistent/bwrap';
const { judge, sandboxStatus, SandboxUnavailableError } = await import('../judge.ts');

describe('where the sandbox cannot run', () => {
  it('sandboxStatus reports it unavailable with the exact fix', { timeout: 30_000 }, async () => {
    const status = await sandboxStatus();
    expect(status).toMatchObject({
      available: false,
      reason: 'bubblewrap (bwrap) is not installed',
      fix: 'apt-get install -y bubblewrap',
    });
  });

  it('judge() refuses instead of running the code unsandboxed', { timeout: 30_000 }, async () => {
    const run = judge({
      language: 'python',
      source: 'open("/tmp/uw-judge-ran-unsandboxed", "w").write("x")\nprint(1)',
      tests: [{ input: '', expected: '1', hidden: false }],
      timeLimitMs: 1000,
      memoryLimitMb: 64,
    });
    await expect(run).rejects.toBeInstanceOf(SandboxUnavailableError);
    await expect(run).rejects.toThrow(/fix: apt-get install -y bubblewrap/);
    expect(existsSync('/tmp/uw-judge-ran-unsandboxed')).toBe(false);
  });
});
