import { readdirSync, readFileSync } from 'node:fs';

/**
 * Test helpers for the judge. Each test file gives its sandboxes their own uid range
 * (UW_JUDGE_UID_BASE, set before the first run), so "nothing survives" can be checked by uid
 * while other test files run sandboxes of their own.
 */
export function useUidBase(base: number): { base: number; slots: number } {
  process.env.UW_JUDGE_UID_BASE = String(base);
  return { base, slots: 2 };
}

/**
 * Processes on the host running under one of the given uids (e.g. a box's leftovers). Zombies are
 * not counted: they have exited and run nothing, and only wait for a parent (for boxes, this host's
 * PID 1) to collect their exit status.
 */
export function processesOfUids(from: number, count: number): { pid: number; uid: number; cmd: string }[] {
  const found: { pid: number; uid: number; cmd: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
      if (/^State:\s+[ZX]/m.test(status)) continue;
      if (uid >= from && uid < from + count) {
        const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
        found.push({ pid: Number(entry), uid, cmd });
      }
    } catch {
      // exited while we looked
    }
  }
  return found;
}

export const isRoot = process.getuid?.() === 0;

/**
 * processesOfUids once the host has had `graceMs` to finish tearing boxes down: a box's last
 * processes are killed when its run ends, and the kernel may still be releasing them (empty
 * cmdline) right after the verdict. A real leftover is still there after the grace.
 */
export async function leftoverProcesses(
  from: number,
  count: number,
  graceMs = 3000,
): Promise<{ pid: number; uid: number; cmd: string }[]> {
  const deadline = Date.now() + graceMs;
  let found = processesOfUids(from, count);
  while (found.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    found = processesOfUids(from, count);
  }
  return found;
}
