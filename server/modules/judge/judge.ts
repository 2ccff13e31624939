import { availableParallelism } from 'node:os';
import { findRuntimes, type Language, type Runtime, type RuntimeLookup } from './sandbox/runtimes.ts';
import {
  DEFAULT_LIMITS,
  SandboxUnavailableError,
  createBox,
  destroyBox,
  getSandboxHost,
  runInSandbox,
  type SandboxHost,
  type SandboxLimits,
  type SandboxResult,
} from './sandbox/sandbox.ts';

/*
 * The judge: DB-free, called by the judge worker (a pg-boss job, never the HTTP request).
 * judge() runs a submission against its tests, each in a fresh sandbox, and returns the verdict.
 * Hidden tests: the result carries only passed/failed, verdict, time and memory — never the
 * input, the expected or the actual output — so nothing downstream can leak them.
 */

export type { Language } from './sandbox/runtimes.ts';
export { LANGUAGES } from './sandbox/runtimes.ts';
export { SandboxUnavailableError } from './sandbox/sandbox.ts';

export const VERDICTS = [
  'accepted',
  'wrong_answer',
  'time_limit',
  'memory_limit',
  'runtime_error',
  'compile_error',
] as const;
export type Verdict = (typeof VERDICTS)[number];

export interface JudgeTest {
  input: string;
  expected: string;
  hidden: boolean;
}

export interface JudgeRequest {
  language: Language;
  source: string;
  tests: JudgeTest[];
  /** CPU time per test. */
  timeLimitMs: number;
  memoryLimitMb: number;
}

export interface TestResult {
  index: number;
  hidden: boolean;
  verdict: Verdict;
  passed: boolean;
  /** CPU time of the run. */
  executionTimeMs: number;
  memoryUsedMb: number;
  /** Why it failed, in words a learner can act on (never contains test data). */
  message?: string;
  /** Visible tests only: what the program printed (truncated). */
  output?: string;
  /** Visible tests only: the program's error output (truncated). */
  error?: string;
}

export interface JudgeResult {
  verdict: Verdict;
  /** Largest CPU time over the tests. */
  executionTimeMs: number;
  /** Largest peak memory over the tests. */
  memoryUsedMb: number;
  passedTests: number;
  totalTests: number;
  results: TestResult[];
  /** Compiler messages when the verdict is compile_error (about the learner's own source). */
  compileOutput?: string;
}

const SHOWN_OUTPUT_BYTES = 4096;
const SIGXCPU = 24;
const SIGXFSZ = 25;

/** Output comparison ignores trailing whitespace (per line and at the end) and CR/LF differences. */
export function outputsMatch(actual: string, expected: string): boolean {
  const norm = (s: string) =>
    s
      .replace(/\r\n?/g, '\n')
      .split('\n')
      .map((line) => line.trimEnd())
      .join('\n')
      .trimEnd();
  return norm(actual) === norm(expected);
}

/** Resident memory the runtime itself needs before the program allocates anything. */
const RUNTIME_BASE_MB: Record<Language, number> = { python: 16, javascript: 48, java: 64 };

/** Limits of one test run, derived from the challenge's limits and the runtime. */
export function runLimits(runtime: Runtime, timeLimitMs: number, memoryLimitMb: number): SandboxLimits {
  return {
    ...DEFAULT_LIMITS,
    cpuMs: timeLimitMs,
    // generous: on a loaded host a process gets a fraction of a core; CPU time is what is judged
    wallMs: timeLimitMs * 3 + 1000,
    dataBytes: runtime.dataLimitBytes(memoryLimitMb),
    processes: runtime.processes,
    memoryBytes: (memoryLimitMb + runtime.cgroupHeadroomMb) * 1024 * 1024,
    // bwrap (outside) and the launcher (PID 1) are in the box's cgroup too
    pids: runtime.processes + 4,
  };
}

const COMPILE_LIMITS: SandboxLimits = {
  ...DEFAULT_LIMITS,
  cpuMs: 10_000,
  wallMs: 30_000,
  processes: 64,
  stdoutBytes: 256 * 1024,
  stderrBytes: 256 * 1024,
  memoryBytes: 768 * 1024 * 1024, // javac runs with -Xmx256m
  pids: 68,
};

/** How one run ended, as a verdict (accepted / wrong_answer decided by the caller). */
export function classifyRun(
  runtime: Runtime,
  r: SandboxResult,
  timeLimitMs: number,
  memoryLimitMb: number,
): { verdict: Exclude<Verdict, 'accepted' | 'wrong_answer' | 'compile_error'>; message: string } | null {
  if (r.outputLimitExceeded)
    return { verdict: 'runtime_error', message: `Output limit exceeded (${r.outputLimitExceeded}).` };
  // over the memory limit counts first: a runtime short of memory spends its time collecting garbage
  // (the box's cgroup ran out: the kernel killed a process of it; else the runtime said so, or a
  // process grew past the limit — the rlimit-only measure)
  if (
    r.memoryLimitHit ||
    runtime.outOfMemory.test(r.stderr) ||
    runtime.outOfMemory.test(r.stdout.slice(-4096)) ||
    r.largestProcessMb > memoryLimitMb + RUNTIME_BASE_MB[runtime.language]
  ) {
    return { verdict: 'memory_limit', message: `Memory limit of ${memoryLimitMb} MB exceeded.` };
  }
  if (r.wallTimedOut || r.cpuLimitExceeded || r.cpuMs > timeLimitMs || r.signal === SIGXCPU) {
    return { verdict: 'time_limit', message: `Time limit of ${timeLimitMs} ms exceeded.` };
  }
  if (r.signal === SIGXFSZ) return { verdict: 'runtime_error', message: 'File size limit exceeded.' };
  if (r.signal) return { verdict: 'runtime_error', message: `Killed by signal ${r.signal}.` };
  if (r.exitCode !== 0) return { verdict: 'runtime_error', message: `Exited with code ${r.exitCode}.` };
  return null;
}

// ---------------------------------------------------------------- slots

/** One slot per core: a slot runs one submission at a time, under its own uid when root. */
class Slots {
  private free: number[];
  private waiting: ((slot: number) => void)[] = [];
  constructor(count: number) {
    this.free = Array.from({ length: count }, (_, i) => i);
  }
  async use<T>(fn: (slot: number) => Promise<T>): Promise<T> {
    const slot = this.free.pop() ?? (await new Promise<number>((resolve) => this.waiting.push(resolve)));
    try {
      return await fn(slot);
    } finally {
      const next = this.waiting.shift();
      if (next) next(slot);
      else this.free.push(slot);
    }
  }
}

let runtimes: Record<Language, RuntimeLookup> | null = null;
function getRuntimes(): Record<Language, RuntimeLookup> {
  runtimes ??= findRuntimes();
  return runtimes;
}

export interface LanguageStatus {
  available: boolean;
  version?: string;
  reason?: string;
  fix?: string;
}

export interface SandboxStatus {
  available: boolean;
  /** Why not, and the exact fix (for the admin health page). */
  reason?: string;
  fix?: string;
  bwrapVersion?: string;
  limits?: SandboxHost['limits'];
  languages: Record<Language, LanguageStatus>;
}

/** Whether the judge can run here, per language, and what to do when it cannot. Never throws. */
export async function sandboxStatus(): Promise<SandboxStatus> {
  const languages = Object.fromEntries(
    Object.entries(getRuntimes()).map(([lang, r]) => [
      lang,
      r.ok
        ? { available: true, version: r.runtime.version }
        : { available: false, reason: r.reason, fix: r.fix },
    ]),
  ) as Record<Language, LanguageStatus>;
  try {
    const host = await getSandboxHost();
    return { available: true, bwrapVersion: host.bwrapVersion, limits: host.limits, languages };
  } catch (e) {
    if (e instanceof SandboxUnavailableError)
      return { available: false, reason: e.reason, fix: e.fix, languages };
    return {
      available: false,
      reason: (e as Error).message,
      fix: 'see the judge section of the README',
      languages,
    };
  }
}

export interface Judge {
  judge(req: JudgeRequest): Promise<JudgeResult>;
}

/** A judge with `slots` concurrent runs (default: one per core). */
export function createJudge(options: { slots?: number } = {}): Judge {
  const slots = new Slots(options.slots ?? availableParallelism());
  return { judge: (req) => judgeIn(slots, req) };
}

let defaultJudge: Judge | null = null;

/**
 * Judges a submission: compiles it if needed, runs every test in a fresh sandbox. Throws
 * SandboxUnavailableError when the sandbox (or the language) cannot run here — never runs unsandboxed.
 */
export function judge(req: JudgeRequest): Promise<JudgeResult> {
  defaultJudge ??= createJudge();
  return defaultJudge.judge(req);
}

async function judgeIn(slots: Slots, req: JudgeRequest): Promise<JudgeResult> {
  const host = await getSandboxHost();
  const lookup = getRuntimes()[req.language];
  if (!lookup)
    throw new SandboxUnavailableError(
      `unknown language ${String(req.language)}`,
      'use python, javascript or java',
    );
  if (!lookup.ok) throw new SandboxUnavailableError(lookup.reason, lookup.fix);
  const runtime = lookup.runtime;
  const totalTests = req.tests.length;

  return slots.use(async (slot) => {
    const box = await createBox(
      host,
      slot,
      [{ name: runtime.sourceFile, content: req.source }],
      !!runtime.compileArgv,
    );
    try {
      if (runtime.compileArgv) {
        const c = await runInSandbox(host, box, {
          mountArgs: runtime.mountArgs,
          argv: runtime.compileArgv(),
          stdin: '',
          limits: COMPILE_LIMITS,
          writableOut: true,
        });
        if (c.exitCode !== 0 || c.signal || c.wallTimedOut || c.outputLimitExceeded) {
          const why = c.wallTimedOut || c.signal === SIGXCPU ? 'Compilation took too long.\n' : '';
          return {
            verdict: 'compile_error',
            executionTimeMs: 0,
            memoryUsedMb: 0,
            passedTests: 0,
            totalTests,
            results: [],
            compileOutput: (why + c.stderr + c.stdout).slice(0, 8192),
          };
        }
      }

      const results: TestResult[] = [];
      for (const [index, test] of req.tests.entries()) {
        const r = await runInSandbox(host, box, {
          mountArgs: runtime.mountArgs,
          argv: runtime.runArgv(req.memoryLimitMb),
          stdin: test.input,
          limits: runLimits(runtime, req.timeLimitMs, req.memoryLimitMb),
        });
        const failure = classifyRun(runtime, r, req.timeLimitMs, req.memoryLimitMb);
        const verdict: Verdict =
          failure?.verdict ?? (outputsMatch(r.stdout, test.expected) ? 'accepted' : 'wrong_answer');
        const result: TestResult = {
          index,
          hidden: test.hidden,
          verdict,
          passed: verdict === 'accepted',
          executionTimeMs: Math.round(r.cpuMs),
          memoryUsedMb: Math.round(r.peakMemoryMb * 10) / 10,
        };
        if (failure) result.message = failure.message;
        if (!test.hidden) {
          // visible tests: the learner sees what their program printed
          result.output = r.stdout.slice(0, SHOWN_OUTPUT_BYTES);
          result.error = r.stderr.slice(0, SHOWN_OUTPUT_BYTES);
        }
        results.push(result);
      }
      const firstFailure = results.find((t) => !t.passed);
      return {
        verdict: firstFailure?.verdict ?? 'accepted',
        executionTimeMs: Math.max(0, ...results.map((t) => t.executionTimeMs)),
        memoryUsedMb: Math.max(0, ...results.map((t) => t.memoryUsedMb)),
        passedTests: results.filter((t) => t.passed).length,
        totalTests,
        results,
      };
    } finally {
      await destroyBox(box);
    }
  });
}
