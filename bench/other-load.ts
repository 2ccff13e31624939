import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/**
 * How much CPU the rest of the machine used while a case ran — other engineers' tests on a shared
 * box — so a noisy measurement shows up as noisy instead of as a regression. Linux only (/proc);
 * elsewhere every reading is null.
 *
 * other = machine busy time − the bench's own time, where the bench's own time is this process,
 * its reaped children (autocannon, pgbench: cutime/cstime) and the PostgreSQL backends serving
 * `database` that are alive at the end of the window (one that started inside it counts whole).
 * Backends that start and end inside the window (pgbench's) cannot be attributed: callers report
 * no reading for such cases.
 */
export interface LoadMark {
  busy: number;
  total: number;
  self: number;
  backends: Map<number, number>;
}

function fields(stat: string): string[] {
  // Fields after "pid (comm) ": comm may hold spaces, so split after the last ')'.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

function backendTimes(database: string | undefined): Map<number, number> {
  const times = new Map<number, number>();
  if (!database) return times;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // PostgreSQL rewrites its title: "postgres: 15/main: postgres uw_bench 127.0.0.1(1234) idle".
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (!cmdline.startsWith('postgres:') || !cmdline.includes(` ${database} `)) continue;
      const f = fields(readFileSync(`/proc/${entry}/stat`, 'utf8'));
      times.set(Number(entry), Number(f[11]) + Number(f[12]));
    } catch {
      // The process ended between readdir and read.
    }
  }
  return times;
}

export function markLoad(database?: string): LoadMark | null {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1).map(Number);
    const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
    const total = cpu.reduce((a, b) => a + b, 0);
    const f = fields(readFileSync('/proc/self/stat', 'utf8'));
    const self = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    return { busy: total - idle, total, self, backends: backendTimes(database) };
  } catch {
    return null;
  }
}

/** CPU used by everything but the bench between two marks, in cores (0 … number of cores). */
export function otherCores(start: LoadMark | null, end: LoadMark | null): number | null {
  if (!start || !end || end.total <= start.total) return null;
  let ours = end.self - start.self;
  for (const [pid, t] of end.backends) ours += t - (start.backends.get(pid) ?? 0);
  const perCore = (end.total - start.total) / cpus().length;
  return Math.max(0, (end.busy - start.busy - ours) / perCore);
}
