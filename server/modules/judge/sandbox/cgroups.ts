import { mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

/*
 * cgroup limits for the judge's boxes (issue 7): memory with swap off, process count, CPU bandwidth,
 * and the box's peak memory and out-of-memory kills read back for the verdict.
 *
 * Every run gets a fresh cgroup `<parent>/r<slot>-<n>` under a parent this worker owns, and leaves
 * it again (rmdir) after the run:
 *
 * - cgroup v2 (`/sys/fs/cgroup` is cgroup2): the worker's own cgroup must be delegated to it
 *   (writable, with memory and pids — and cpu, when available — in cgroup.controllers). The parent is
 *   `<own cgroup>/usefulwriter-judge/w<pid>`; when the own cgroup holds processes (v2's "no internal
 *   processes" rule) the worker first moves itself into the leaf `<own cgroup>/usefulwriter-worker`.
 *   Limits: memory.max, memory.swap.max = 0, memory.oom.group = 1, pids.max, cpu.max = one core.
 * - cgroup v1 (hybrid or legacy layout): the memory and pids hierarchies (and cpu, when mounted) must
 *   be writable (root). The parent is `<hierarchy>/usefulwriter-judge/w<pid>` at the top of each
 *   hierarchy — a judge-owned tree, not inside the cgroup of whoever started the worker. Limits:
 *   memory.limit_in_bytes, memory.memsw.limit_in_bytes = the same (swap off; when swap accounting
 *   exists), pids.max, cpu.cfs_quota_us = one core.
 *
 * A process enters the run's cgroup before bwrap starts: the launcher, started by the worker, writes
 * its own pid into the run's cgroup.procs files, drops to the slot's uid and execs bwrap (launcher.c,
 * `--cgroup` mode), so bwrap, the box and everything it starts are inside from the first instruction.
 *
 * When none of this is possible the judge keeps its rlimits (always in force as a backstop) and
 * `describe()` says why — it never runs a box without limits.
 */

export type CgroupVersion = 1 | 2;
type Controller = 'memory' | 'pids' | 'cpu';

export interface CgroupHost {
  version: CgroupVersion;
  /** This worker's parent directory per controller (v2: the same directory for all). */
  parents: Partial<Record<Controller, string>>;
  /** Whether memory+swap is limited (v1: memory.memsw.*; v2: memory.swap.max). */
  swapControl: boolean;
  /** Human summary for the health page and the benchmark. */
  summary: string;
}

export type CgroupDetection = { ok: true; host: CgroupHost } | { ok: false; reason: string };

export interface CgroupProbeInput {
  /** /proc/self/mountinfo */
  mountinfo: string;
  /** /proc/self/cgroup */
  selfCgroup: string;
  pid: number;
}

export const JUDGE_CGROUP = 'usefulwriter-judge';
const WORKER_LEAF = 'usefulwriter-worker';

interface Mount {
  point: string;
  fstype: string;
  superOptions: string[];
}

export function parseMountinfo(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const right = line.slice(sep + 3).split(' ');
    const point = (left[4] ?? '').replace(/\\040/g, ' ');
    mounts.push({ point, fstype: right[0] ?? '', superOptions: (right[2] ?? '').split(',') });
  }
  return mounts;
}

const errText = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

/**
 * Finds the cgroup mechanism this worker can drive, creating its parent cgroups (and removing those
 * of dead workers). Never throws: `{ ok: false, reason }` means rlimits only.
 */
export function detectCgroups(
  input: CgroupProbeInput = {
    mountinfo: safeRead('/proc/self/mountinfo'),
    selfCgroup: safeRead('/proc/self/cgroup'),
    pid: process.pid,
  },
): CgroupDetection {
  const mounts = parseMountinfo(input.mountinfo);
  if (mounts.length === 0) return { ok: false, reason: 'cgroups not readable (/proc/self/mountinfo)' };
  const unifiedRoot = mounts.find((m) => m.fstype === 'cgroup2' && m.point === '/sys/fs/cgroup');
  if (unifiedRoot) return detectV2(unifiedRoot.point, input);
  return detectV1(mounts, input);
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function detectV2(mountPoint: string, input: CgroupProbeInput): CgroupDetection {
  const own = /^0::(.*)$/m.exec(input.selfCgroup)?.[1]?.trim();
  if (own === undefined) return { ok: false, reason: 'cgroup v2: this process has no cgroup v2 path' };
  const base = join(mountPoint, own);
  const available = safeRead(join(base, 'cgroup.controllers')).trim().split(/\s+/);
  const missing = (['memory', 'pids'] as const).filter((c) => !available.includes(c));
  if (missing.length > 0) {
    return {
      ok: false,
      reason: `cgroup v2: the worker's cgroup ${own} is not delegated the ${missing.join(' and ')} controller(s) (run it as a systemd service with Delegate=yes, or in a container with its own cgroup namespace)`,
    };
  }
  const wanted = (['memory', 'pids', 'cpu'] as const).filter((c) => available.includes(c));
  const enable = wanted.map((c) => `+${c}`).join(' ');
  try {
    try {
      writeFileSync(join(base, 'cgroup.subtree_control'), enable);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EBUSY') throw e;
      // "no internal processes": the worker leaves its cgroup for a leaf so children can have controllers
      const leaf = join(base, WORKER_LEAF);
      ensureDir(leaf);
      writeFileSync(join(leaf, 'cgroup.procs'), String(input.pid));
      writeFileSync(join(base, 'cgroup.subtree_control'), enable);
    }
    const judgeDir = join(base, JUDGE_CGROUP);
    ensureDir(judgeDir);
    writeFileSync(join(judgeDir, 'cgroup.subtree_control'), enable);
    cleanStale([judgeDir], input.pid);
    const parent = join(judgeDir, `w${input.pid}`);
    ensureDir(parent);
    writeFileSync(join(parent, 'cgroup.subtree_control'), enable);
    const parents = Object.fromEntries(wanted.map((c) => [c, parent])) as CgroupHost['parents'];
    const swapControl = existsSync(join(parent, 'memory.swap.max'));
    return {
      ok: true,
      host: {
        version: 2,
        parents,
        swapControl,
        summary: `cgroup v2 at ${parent}: ${wanted.join(', ')}${swapControl ? ', swap off' : ' (no swap controller)'}`,
      },
    };
  } catch (e) {
    return {
      ok: false,
      reason: `cgroup v2: cannot create the judge's cgroups under ${base} (${errText(e)}); delegate that cgroup to the worker's user`,
    };
  }
}

function detectV1(mounts: Mount[], input: CgroupProbeInput): CgroupDetection {
  const hierarchy = (c: Controller) =>
    mounts.find((m) => m.fstype === 'cgroup' && m.superOptions.includes(c))?.point;
  const memory = hierarchy('memory');
  const pids = hierarchy('pids');
  if (!memory || !pids) {
    const v2Empty = mounts.some((m) => m.fstype === 'cgroup2');
    return {
      ok: false,
      reason: `no cgroup ${[!memory && 'memory', !pids && 'pids'].filter(Boolean).join(' or ')} controller is mounted${v2Empty ? ' (the cgroup v2 hierarchy here has no controllers)' : ''}`,
    };
  }
  const cpu = hierarchy('cpu');
  const parents: CgroupHost['parents'] = {};
  try {
    for (const [controller, point] of [
      ['memory', memory],
      ['pids', pids],
      ['cpu', cpu],
    ] as const) {
      if (!point) continue;
      const judgeDir = join(point, JUDGE_CGROUP);
      ensureDir(judgeDir);
      cleanStale([judgeDir], input.pid);
      const parent = join(judgeDir, `w${input.pid}`);
      ensureDir(parent);
      parents[controller] = parent;
    }
  } catch (e) {
    for (const dir of Object.values(parents)) tryRmdir(dir);
    return {
      ok: false,
      reason: `cgroup v1: the memory and pids hierarchies are not writable by uid ${process.getuid?.() ?? '?'} (${errText(e)}); run the judge worker as root, or on a cgroup v2 host with a delegated cgroup`,
    };
  }
  const swapControl = existsSync(join(parents.memory!, 'memory.memsw.limit_in_bytes'));
  const list = ['memory', 'pids', ...(parents.cpu ? ['cpu'] : [])].join(', ');
  return {
    ok: true,
    host: {
      version: 1,
      parents,
      swapControl,
      summary: `cgroup v1 (${list}) under ${join(memory, JUDGE_CGROUP, `w${input.pid}`)}${swapControl ? ', swap off' : ' (no swap accounting: memory.memsw unavailable)'}`,
    },
  };
}

/** mkdir that accepts an existing directory (not `recursive`: the parent must be there — and
 * Node's recursive mkdir loops forever where mkdir says ENOENT under an existing parent, as in /proc). */
function ensureDir(dir: string) {
  try {
    mkdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
}

function tryRmdir(dir: string): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Pids in one cgroup directory (and its children). */
function pidsIn(dir: string): number[] {
  const found = safeRead(join(dir, 'cgroup.procs')).split('\n').filter(Boolean).map(Number);
  for (const child of subdirs(dir)) found.push(...pidsIn(join(dir, child)));
  return found;
}

function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return [];
  }
}

/** Kills what is left in a cgroup tree and removes it, deepest first. */
function killAndRemove(dir: string): boolean {
  for (const pid of pidsIn(dir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  for (const child of subdirs(dir)) killAndRemove(join(dir, child));
  return tryRmdir(dir);
}

/** Removes the parents (`w<pid>`) of workers that are no longer running, with whatever they left. */
function cleanStale(judgeDirs: string[], selfPid: number) {
  for (const judgeDir of judgeDirs) {
    for (const name of subdirs(judgeDir)) {
      const m = /^w(\d+)$/.exec(name);
      if (!m) continue;
      const pid = Number(m[1]);
      if (pid !== selfPid && alive(pid)) continue;
      killAndRemove(join(judgeDir, name));
    }
  }
}

// ---------------------------------------------------------------- one run

export interface RunCgroupLimits {
  /** Memory of the whole box (bytes), swap off. */
  memoryBytes: number;
  /** Processes and threads of the whole box (bwrap and the launcher included). */
  pids: number;
}

export interface RunCgroup {
  version: CgroupVersion;
  dirs: Partial<Record<Controller, string>>;
  /** The files the launcher writes its pid into before exec'ing bwrap. */
  procsFiles: string[];
}

export interface RunCgroupUsage {
  /** Peak memory of the box (all processes, page cache and tmpfs it charged). */
  peakMemoryBytes: number;
  /** The kernel killed a process of the box for memory (the box hit its memory limit). */
  oomKilled: boolean;
  /** The box tried to create a process or thread past pids.max. */
  pidsLimitHit: boolean;
  /** Highest number of tasks at once (when the kernel reports it). */
  pidsPeak: number | null;
}

let runSeq = 0;

/** Creates the cgroup of one run and sets its limits. Throws if that fails: the run must not start. */
export function createRunCgroup(host: CgroupHost, slot: number, limits: RunCgroupLimits): RunCgroup {
  const name = `r${slot}-${++runSeq}`;
  const dirs: RunCgroup['dirs'] = {};
  try {
    for (const [controller, parent] of Object.entries(host.parents) as [Controller, string][]) {
      const dir = join(parent, name);
      if (host.version === 2 && Object.values(dirs).includes(dir)) {
        dirs[controller] = dir;
        continue;
      }
      mkdirSync(dir);
      dirs[controller] = dir;
    }
    const mem = dirs.memory!;
    const pids = dirs.pids!;
    const memBytes = String(limits.memoryBytes);
    if (host.version === 1) {
      writeFileSync(join(mem, 'memory.limit_in_bytes'), memBytes);
      if (host.swapControl) writeFileSync(join(mem, 'memory.memsw.limit_in_bytes'), memBytes);
      writeFileSync(join(pids, 'pids.max'), String(limits.pids));
      if (dirs.cpu) {
        const period = readFileSync(join(dirs.cpu, 'cpu.cfs_period_us'), 'utf8').trim();
        writeFileSync(join(dirs.cpu, 'cpu.cfs_quota_us'), period); // one core
      }
    } else {
      writeFileSync(join(mem, 'memory.max'), memBytes);
      if (host.swapControl) writeFileSync(join(mem, 'memory.swap.max'), '0');
      if (existsSync(join(mem, 'memory.oom.group'))) writeFileSync(join(mem, 'memory.oom.group'), '1');
      writeFileSync(join(pids, 'pids.max'), String(limits.pids));
      if (dirs.cpu) writeFileSync(join(dirs.cpu, 'cpu.max'), '100000 100000');
    }
  } catch (e) {
    for (const dir of new Set(Object.values(dirs))) tryRmdir(dir);
    throw new Error(`could not set up the run's cgroup (${errText(e)})`);
  }
  const procsFiles = [...new Set(Object.values(dirs))].map((d) => join(d, 'cgroup.procs'));
  return { version: host.version, dirs, procsFiles };
}

function counter(text: string, key: string): number {
  return Number(new RegExp(`^${key} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
}

/** What the box used, read after it ended (before removeRunCgroup). */
export function readRunCgroup(run: RunCgroup): RunCgroupUsage {
  const mem = run.dirs.memory!;
  const pids = run.dirs.pids!;
  const pidsPeakText = safeRead(join(pids, 'pids.peak')).trim();
  const pidsLimitHit = counter(safeRead(join(pids, 'pids.events')), 'max') > 0;
  if (run.version === 1) {
    return {
      peakMemoryBytes: Number(safeRead(join(mem, 'memory.max_usage_in_bytes')).trim() || 0),
      oomKilled: counter(safeRead(join(mem, 'memory.oom_control')), 'oom_kill') > 0,
      pidsLimitHit,
      pidsPeak: pidsPeakText ? Number(pidsPeakText) : null,
    };
  }
  return {
    peakMemoryBytes: Number(safeRead(join(mem, 'memory.peak')).trim() || 0),
    oomKilled: counter(safeRead(join(mem, 'memory.events')), 'oom_kill') > 0,
    pidsLimitHit,
    pidsPeak: pidsPeakText ? Number(pidsPeakText) : null,
  };
}

/**
 * Removes a run's cgroup. Anything still inside (nothing should be: the box's PID namespace died
 * with its launcher) is killed first; returns how many processes that was.
 */
export async function removeRunCgroup(run: RunCgroup): Promise<number> {
  const dirs = [...new Set(Object.values(run.dirs))];
  let leftovers = 0;
  for (let attempt = 0; attempt < 100; attempt++) {
    const pids = [...new Set(dirs.flatMap((d) => pidsIn(d)))];
    if (attempt === 0) leftovers = pids.length;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // exited meanwhile
      }
    }
    const remaining = dirs.filter((d) => existsSync(d) && !tryRmdir(d));
    if (remaining.length === 0) return leftovers;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  // still busy after a second: left for the next start's clean-up of this worker's parent
  return leftovers;
}

/** Removes this worker's parents (at exit). Best effort, synchronous. */
export function removeWorkerCgroups(host: CgroupHost): void {
  for (const parent of new Set(Object.values(host.parents))) killAndRemove(parent);
}
