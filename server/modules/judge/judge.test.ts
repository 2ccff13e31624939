import { afterAll, describe, expect, it } from 'vitest';
import { isRoot, leftoverProcesses, useUidBase } from './judge.testing.ts';

// needs bubblewrap, Python 3, Node and a JDK 17 (CI installs them): fails, never skips, without them
const uids = useUidBase(62000);
const { createJudge, outputsMatch, sandboxStatus } = await import('./judge.ts');
const { runCanaries } = await import('./canaries.ts');
const judge = createJudge({ slots: uids.slots });

type Case = [name: string, source: string, verdict: string];
const add = (input = '2 3', expected = '5\n') => [{ input, expected, hidden: false }];

const python: Case[] = [
  ['accepted', 'a, b = map(int, input().split())\nprint(a + b, "  ")\nprint()\n', 'accepted'],
  ['wrong_answer', 'a, b = map(int, input().split())\nprint(a - b)\n', 'wrong_answer'],
  ['time_limit', 'while True:\n    pass\n', 'time_limit'],
  ['memory_limit', 'x = bytearray(1 << 30)\nprint(len(x))\n', 'memory_limit'],
  ['memory_limit (growing list)', 'x = []\nwhile True:\n    x.append([0] * 100000)\n', 'memory_limit'],
  ['runtime_error', 'raise ValueError("boom")\n', 'runtime_error'],
];
const javascript: Case[] = [
  [
    'accepted',
    'const [a, b] = require("fs").readFileSync(0, "utf8").trim().split(/\\s+/).map(Number);\nconsole.log(a + b + "\\t");\n',
    'accepted',
  ],
  ['wrong_answer', 'console.log(42);\n', 'wrong_answer'],
  ['time_limit', 'for (;;) {}\n', 'time_limit'],
  ['memory_limit', 'const a = [];\nfor (;;) a.push(new Array(4e6).fill(1.5));\n', 'memory_limit'],
  [
    'memory_limit (1 GiB buffer)',
    'const b = Buffer.alloc(1 << 30, 1);\nconsole.log(b.length);\n',
    'memory_limit',
  ],
  ['runtime_error', 'throw new Error("boom");\n', 'runtime_error'],
];
const javaMain = (body: string) =>
  `import java.util.*;\npublic class Main {\n  public static void main(String[] args) throws Exception {\n${body}\n  }\n}\n`;
const java: Case[] = [
  [
    'accepted',
    javaMain('Scanner s = new Scanner(System.in); System.out.println((s.nextInt() + s.nextInt()) + "   ");'),
    'accepted',
  ],
  ['wrong_answer', javaMain('System.out.println(7);'), 'wrong_answer'],
  ['time_limit', javaMain('long x = 0; while (true) { x++; }'), 'time_limit'],
  [
    'memory_limit',
    javaMain('List<long[]> l = new ArrayList<>(); while (true) l.add(new long[1 << 20]);'),
    'memory_limit',
  ],
  ['runtime_error', javaMain('int[] a = new int[1]; System.out.println(a[5]);'), 'runtime_error'],
  ['compile_error', javaMain('int x = "not a number";'), 'compile_error'],
];

describe('output comparison', () => {
  it('ignores trailing whitespace and line-ending style, nothing else', () => {
    expect(outputsMatch('5  \n\n\n', '5')).toBe(true);
    expect(outputsMatch('1 2\t\r\n3\r\n', '1 2\n3\n')).toBe(true);
    expect(outputsMatch(' 5', '5')).toBe(false);
    expect(outputsMatch('1\n\n2', '1\n2')).toBe(false);
    expect(outputsMatch('5', '6')).toBe(false);
  });
});

describe('sandbox status', () => {
  it('reports the sandbox and every language available on this host', { timeout: 60_000 }, async () => {
    const status = await sandboxStatus();
    expect(status, JSON.stringify(status)).toMatchObject({
      available: true,
      languages: { python: { available: true }, javascript: { available: true }, java: { available: true } },
    });
    // which one is the host's (sandbox/cgroups.test.ts checks it against the host); always a reason
    expect(status.limits?.mechanism).toMatch(/^(cgroup-v1|cgroup-v2|rlimit)$/);
    expect(status.limits?.cgroups).toBeTruthy();
  });
});

for (const [language, cases] of [
  ['python', python],
  ['javascript', javascript],
  ['java', java],
] as const) {
  describe.concurrent(`verdicts: ${language}`, { timeout: 90_000 }, () => {
    for (const [name, source, verdict] of cases) {
      it(name, async () => {
        const r = await judge.judge({ language, source, tests: add(), timeLimitMs: 1000, memoryLimitMb: 64 });
        expect(r.verdict, JSON.stringify(r)).toBe(verdict);
        expect(r.totalTests).toBe(1);
        expect(r.passedTests).toBe(verdict === 'accepted' ? 1 : 0);
        if (verdict === 'accepted') expect(r.executionTimeMs).toBeGreaterThan(0);
        if (verdict === 'compile_error') expect(r.compileOutput).toMatch(/incompatible types/);
      });
    }
  });
}

describe('judging many tests', () => {
  it('runs every test, counts the passes, and never returns a hidden test’s data', async () => {
    const source =
      'n = int(input())\nprint(n * 2 if n != 3 else -1)\nimport sys\nprint("hint", n, file=sys.stderr)\n';
    const tests = [
      { input: '1', expected: '2', hidden: false },
      { input: '2', expected: '4', hidden: true },
      { input: '3', expected: 'CANARY-EXPECTED-6', hidden: true },
      { input: '4', expected: '8', hidden: false },
    ];
    const r = await judge.judge({ language: 'python', source, tests, timeLimitMs: 1000, memoryLimitMb: 64 });
    expect(r).toMatchObject({ verdict: 'wrong_answer', passedTests: 3, totalTests: 4 });
    expect(r.results.map((t) => t.verdict)).toEqual(['accepted', 'accepted', 'wrong_answer', 'accepted']);
    expect(r.results[0]).toMatchObject({ output: '2\n', error: 'hint 1\n' });
    for (const t of r.results.filter((x) => x.hidden)) {
      expect(Object.keys(t).sort()).toEqual([
        'executionTimeMs',
        'hidden',
        'index',
        'memoryUsedMb',
        'passed',
        'verdict',
      ]);
    }
    expect(JSON.stringify(r)).not.toMatch(/CANARY|hint [23]/);
  });
});

describe('start-up canaries', () => {
  it('all come back blocked on this host', { timeout: 60_000 }, async () => {
    expect(await runCanaries(judge)).toEqual({ ok: true, failures: [] });
  });

  it('report a canary that got out', { timeout: 60_000 }, async () => {
    const escaped = { name: 'pretend escape', source: 'print("LEAK /etc/shadow")' };
    const report = await runCanaries(judge, [escaped]);
    expect(report.ok).toBe(false);
    expect(report.failures).toEqual([
      expect.stringMatching(/^pretend escape: wrong_answer — LEAK \/etc\/shadow/),
    ]);
  });
});

afterAll(async () => {
  if (isRoot) expect(await leftoverProcesses(uids.base, uids.slots)).toEqual([]);
});
