/**
 * Judge sandbox benchmark (issue 7): `npm run bench:sandbox`.
 *
 * 1. Overhead: the same trivial program started bare (spawned directly by this process) and in
 *    the sandbox (bwrap + launcher + seccomp + rlimits, exactly as the judge runs it), interleaved
 *    in rounds. CPU per run = this process's reaped children (cutime+cstime from /proc/self/stat,
 *    which covers bwrap, the launcher and the program) plus this process's own CPU for the spawn.
 *    Target: ≤ 30 ms extra CPU per run. Where the judge drives cgroups, the same sandboxed run
 *    without its cgroup (rlimits only) is interleaved too: the cgroup's own cost (create, enter,
 *    read, remove) is the difference. (The kernel frees a memory cgroup's state in its own workers
 *    after rmdir: that part is not in any process's CPU, so not in these numbers.)
 * 2. Throughput: trivial Python submissions judged end to end (box, run, verdict, teardown) on two
 *    slots. Target: ≥ 10 runs/s on this 2-core machine.
 *
 * BENCH_ROUNDS (default 5), BENCH_RUNS (runs per case per round, default 20), BENCH_JUDGED
 * (submissions per throughput round, default 40).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { createJudge } from '../server/modules/judge/judge.ts';
import { findRuntimes, type Language } from '../server/modules/judge/sandbox/runtimes.ts';
import {
  DEFAULT_LIMITS,
  createBox,
  destroyBox,
  getSandboxHost,
  runInSandbox,
} from '../server/modules/judge/sandbox/sandbox.ts';
import { markLoad, otherCores } from './other-load.ts';

process.env.UW_JUDGE_UID_BASE ??= '64000';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const JUDGED = Number(process.env.BENCH_JUDGED ?? 40);
const TICK_MS = 10; // USER_HZ: /proc/self/stat counts in 1/100 s

function childCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) * TICK_MS;
}
const selfCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const fmt = (n: number, d = 1) => n.toFixed(d);

function runBare(argv: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], env: {}, cwd });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d));
    c.stdin.end('');
    c.on('error', reject);
    c.on('close', () => resolve(out));
  });
}

const PROGRAMS: Record<Language, string> = {
  python: 'print("ok")\n',
  javascript: 'console.log("ok");\n',
  java: 'public class Main { public static void main(String[] a) { System.out.println("ok"); } }\n',
};

async function overhead(language: Language, runs: number) {
  const lookup = findRuntimes()[language];
  if (!lookup.ok) throw new Error(`${language}: ${lookup.reason} — ${lookup.fix}`);
  const rt = lookup.runtime;
  const host = await getSandboxHost();
  const box = await createBox(
    host,
    0,
    [{ name: rt.sourceFile, content: PROGRAMS[language] }],
    !!rt.compileArgv,
  );
  try {
    if (rt.compileArgv) {
      const c = await runInSandbox(host, box, {
        mountArgs: rt.mountArgs,
        argv: rt.compileArgv(),
        stdin: '',
        limits: { ...DEFAULT_LIMITS, cpuMs: 20_000, wallMs: 60_000, processes: 64 },
        writableOut: true,
      });
      if (c.exitCode !== 0) throw new Error(`compile failed: ${c.stderr}`);
    }
    // the bare run uses the very same argv, with /box paths pointing at the host copy of the box
    const bareArgv = rt.runArgv(128).map((a) => a.replace(/^\/box/, box.dir));
    const limits = {
      ...DEFAULT_LIMITS,
      processes: rt.processes,
      dataBytes: rt.dataLimitBytes(128),
      memoryBytes: (128 + rt.cgroupHeadroomMb) * 1024 * 1024,
      pids: rt.processes + 4,
    };
    const rounds: {
      bare: number;
      sandbox: number;
      bareSelf: number;
      sandboxSelf: number;
      sandboxProgram: number;
      noCgroup: number;
      noCgroupSelf: number;
    }[] = [];
    const rlimitsOnly = { ...host, cgroups: null };
    const measure = async (fn: () => Promise<void>) => {
      const c0 = childCpuMs();
      const s0 = selfCpuMs();
      for (let i = 0; i < runs; i++) await fn();
      return { children: (childCpuMs() - c0) / runs, self: (selfCpuMs() - s0) / runs };
    };
    // warm-up (page cache, CDS archive)
    await runBare(bareArgv, box.dir);
    await runInSandbox(host, box, { mountArgs: rt.mountArgs, argv: rt.runArgv(128), stdin: '', limits });
    for (let r = 0; r < ROUNDS; r++) {
      let programCpu = 0;
      const bare = await measure(async () => {
        const out = await runBare(bareArgv, box.dir);
        if (out.trim() !== 'ok') throw new Error(`bare run printed ${JSON.stringify(out)}`);
      });
      const sandbox = await measure(async () => {
        const res = await runInSandbox(host, box, {
          mountArgs: rt.mountArgs,
          argv: rt.runArgv(128),
          stdin: '',
          limits,
        });
        if (res.stdout.trim() !== 'ok') throw new Error(`sandboxed run: ${JSON.stringify(res)}`);
        programCpu += res.cpuMs;
      });
      const noCgroup = host.cgroups
        ? await measure(async () => {
            const res = await runInSandbox(rlimitsOnly, box, {
              mountArgs: rt.mountArgs,
              argv: rt.runArgv(128),
              stdin: '',
              limits,
            });
            if (res.stdout.trim() !== 'ok') throw new Error(`sandboxed run: ${JSON.stringify(res)}`);
          })
        : sandbox;
      rounds.push({
        bare: bare.children,
        sandbox: sandbox.children,
        bareSelf: bare.self,
        sandboxSelf: sandbox.self,
        sandboxProgram: programCpu / runs,
        noCgroup: noCgroup.children,
        noCgroupSelf: noCgroup.self,
      });
    }
    return rounds;
  } finally {
    await destroyBox(box);
  }
}

async function throughput() {
  const judge = createJudge({ slots: 2 });
  const one = () =>
    judge.judge({
      language: 'python',
      source: 'print(int(input()) + 1)\n',
      tests: [{ input: '41', expected: '42', hidden: true }],
      timeLimitMs: 1000,
      memoryLimitMb: 64,
    });
  await Promise.all([one(), one()]); // warm-up
  const rounds: { rps: number; other: number | null; cpuPerRun: number }[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const mark = markLoad();
    const c0 = childCpuMs() + selfCpuMs();
    const t0 = performance.now();
    const results = await Promise.all(Array.from({ length: JUDGED }, one));
    const seconds = (performance.now() - t0) / 1000;
    const bad = results.filter((x) => x.verdict !== 'accepted');
    if (bad.length) throw new Error(`throughput run not accepted: ${JSON.stringify(bad[0])}`);
    rounds.push({
      rps: JUDGED / seconds,
      other: otherCores(mark, markLoad()),
      cpuPerRun: (childCpuMs() + selfCpuMs() - c0) / JUDGED,
    });
  }
  return rounds;
}

async function main() {
  const host = await getSandboxHost();
  console.log(`# Judge sandbox benchmark — ${new Date().toISOString()}`);
  console.log(
    `${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}, bubblewrap ${host.bwrapVersion}`,
  );
  console.log(`limits: ${host.limits.mechanism} (${host.limits.cgroups})`);
  console.log(`${ROUNDS} rounds × ${RUNS} runs per case; CPU in ms per run (median of rounds, range)\n`);

  console.log(
    '| program | bare CPU | sandboxed CPU | extra CPU (children) | extra CPU (this process) | program alone in the box | of which the cgroup (children + this process) |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  const verdicts: string[] = [];
  for (const language of ['python', 'javascript', 'java'] as const) {
    const rounds = await overhead(language, language === 'java' ? Math.max(4, Math.round(RUNS / 4)) : RUNS);
    const extra = rounds.map((r) => r.sandbox - r.bare);
    const extraSelf = rounds.map((r) => r.sandboxSelf - r.bareSelf);
    const range = (xs: number[]) => `${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}`;
    const cgroupCost = rounds.map((r) => r.sandbox + r.sandboxSelf - r.noCgroup - r.noCgroupSelf);
    console.log(
      `| ${language} trivial | ${fmt(median(rounds.map((r) => r.bare)))} | ${fmt(median(rounds.map((r) => r.sandbox)))} | ${fmt(median(extra))} (${range(extra)}) | ${fmt(median(extraSelf))} | ${fmt(median(rounds.map((r) => r.sandboxProgram)))} | ${host.cgroups ? `${fmt(median(cgroupCost))} (${range(cgroupCost)})` : '– (no cgroups)'} |`,
    );
    const total = median(extra) + median(extraSelf);
    verdicts.push(
      `sandbox overhead, ${language}: ${fmt(total)} ms extra CPU per run (target ≤ 30 ms): ${total <= 30 ? 'met' : 'NOT met'}`,
    );
  }

  const tp = await throughput();
  console.log(
    `\n| trivial Python submissions judged on 2 slots | runs/s | CPU ms per judged run (all processes) | other load, cores |`,
  );
  console.log('|---|---:|---:|---:|');
  tp.forEach((r, i) =>
    console.log(
      `| round ${i + 1} (${JUDGED} submissions) | ${fmt(r.rps)} | ${fmt(r.cpuPerRun)} | ${r.other === null ? '–' : fmt(r.other, 2)} |`,
    ),
  );
  const cpuPerRun = median(tp.map((r) => r.cpuPerRun));
  console.log(
    `\nCPU per judged run ${fmt(cpuPerRun)} ms → at most ${fmt(2000 / cpuPerRun)} runs/s if both cores were the judge's alone (a bound, not a measurement).`,
  );
  const rps = median(tp.map((r) => r.rps));
  verdicts.push(
    `throughput: ${fmt(rps)} trivial Python runs/s on 2 slots (target ≥ 10/s): ${rps >= 10 ? 'met' : 'NOT met'}`,
  );
  console.log(`\n${verdicts.map((v) => `- ${v}`).join('\n')}`);
}

await main();
