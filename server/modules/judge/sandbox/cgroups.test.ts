import { mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isRoot, leftoverProcesses, useUidBase } from '../judge.testing.ts';
import { detectCgroups, parseMountinfo } from './cgroups.ts';

/*
 * cgroup limits of the judge's boxes (issue 7). Where this host lets the worker drive cgroups (root
 * on cgroup v1, or a delegated cgroup v2), the limits must act on the box as a whole: a fork bomb
 * stops at pids.max, memory spread over processes or allocated outside the runtime's heap stops at
 * the box's memory limit, and the reported peak comes from the cgroup. Where it cannot, the judge
 * must say why and keep its rlimits. Needs bubblewrap, Python 3 and a JDK 17: fails, never skips.
 */

const uids = useUidBase(61000);
const { createJudge } = await import('../judge.ts');
const { DEFAULT_LIMITS, createBox, destroyBox, getSandboxHost, runInSandbox } = await import('./sandbox.ts');
const { findPython } = await import('./runtimes.ts');
const judge = createJudge({ slots: uids.slots });
const host = await getSandboxHost();

/** What this host offers, found independently of cgroups.ts (a probe cgroup, made and removed). */
function expectedMechanism(): 'cgroup-v1' | 'cgroup-v2' | 'rlimit' {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8');
  if (/ \/sys\/fs\/cgroup .* - cgroup2 /.test(mounts)) {
    const own = /^0::(.*)$/m.exec(readFileSync('/proc/self/cgroup', 'utf8'))?.[1] ?? '';
    let controllers = '';
    try {
      controllers = readFileSync(join('/sys/fs/cgroup', own, 'cgroup.controllers'), 'utf8');
    } catch {
      // not readable: not delegated
    }
    return /\bmemory\b/.test(controllers) && /\bpids\b/.test(controllers) ? 'cgroup-v2' : 'rlimit';
  }
  const point = (c: string) =>
    mounts
      .split('\n')
      .map((line) => line.split(' '))
      .find((f) => f.at(-3) === 'cgroup' && f.at(-1)!.split(',').includes(c))?.[4];
  const memory = point('memory');
  const pids = point('pids');
  if (!memory || !pids) return 'rlimit';
  const probe = `uw-cgroup-probe-${process.pid}`;
  try {
    for (const root of [memory, pids]) {
      mkdirSync(join(root, probe));
      rmdirSync(join(root, probe));
    }
    return 'cgroup-v1';
  } catch {
    return 'rlimit';
  }
}

describe('which limits are in force', () => {
  it('the mechanism detected matches what this host offers', () => {
    const expected = expectedMechanism();
    expect(host.limits.mechanism, host.limits.cgroups).toBe(expected);
    if (expected === 'rlimit') {
      expect(host.cgroups).toBeNull();
      expect(host.limits.cgroups).toMatch(/rlimits only/);
    } else {
      expect(host.cgroups).not.toBeNull();
      expect(host.limits.cgroups).toMatch(/usefulwriter-judge\/w\d+/);
    }
  });

  it('falls back to rlimits with a reason when the hierarchies are missing or not writable', () => {
    const cgroupLine = (point: string, controller: string) =>
      `40 31 0:36 / ${point} rw,relatime - cgroup cgroup rw,${controller}`;
    const notWritable = detectCgroups({
      mountinfo: [
        cgroupLine('/proc/uw-no-such-hierarchy', 'memory'),
        cgroupLine('/proc/uw-no-such-hierarchy-2', 'pids'),
      ].join('\n'),
      selfCgroup: '4:memory:/\n8:pids:/\n',
      pid: process.pid,
    });
    expect(notWritable).toEqual({
      ok: false,
      reason: expect.stringMatching(
        /^cgroup v1: the memory and pids hierarchies are not writable .*run the judge worker as root/,
      ),
    });
    const hybridWithoutPids = detectCgroups({
      mountinfo: [
        cgroupLine('/sys/fs/cgroup/memory', 'memory'),
        '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
      ].join('\n'),
      selfCgroup: '0::/\n',
      pid: process.pid,
    });
    expect(hybridWithoutPids).toEqual({
      ok: false,
      reason: 'no cgroup pids controller is mounted (the cgroup v2 hierarchy here has no controllers)',
    });
    const v2NotDelegated = detectCgroups({
      mountinfo: '31 23 0:28 / /sys/fs/cgroup rw,relatime - cgroup2 cgroup2 rw',
      selfCgroup: '0::/uw-not-a-cgroup/of-this-worker\n',
      pid: process.pid,
    });
    expect(v2NotDelegated).toEqual({
      ok: false,
      reason: expect.stringMatching(
        /^cgroup v2: the worker's cgroup \/uw-not-a-cgroup\/of-this-worker is not delegated the memory and pids controller/,
      ),
    });
    expect(parseMountinfo('41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw')).toEqual([
      { point: '/sys/fs/cgroup/unified', fstype: 'cgroup2', superOptions: ['rw'] },
    ]);
  });
});

const pythonLookup = findPython();
if (!pythonLookup.ok) throw new Error(`${pythonLookup.reason} — ${pythonLookup.fix}`);
const python = pythonLookup.runtime;

/** Runs a Python program in a box of slot 0 with the given limits. */
async function runPython(source: string, limits: Partial<typeof DEFAULT_LIMITS>, onHost = host) {
  const box = await createBox(onHost, 0, [{ name: 'main.py', content: source }]);
  try {
    return await runInSandbox(onHost, box, {
      mountArgs: python.mountArgs,
      argv: python.runArgv(64),
      stdin: '',
      limits: { ...DEFAULT_LIMITS, cpuMs: 2000, wallMs: 6000, ...limits },
    });
  } finally {
    await destroyBox(box);
  }
}

const FORK_BOMB = `import os, time
n = 0
deadline = time.time() + 1.5
while time.time() < deadline:
    try:
        if os.fork() == 0:
            time.sleep(30)
            os._exit(0)
        n += 1
    except OSError:
        time.sleep(0.001)
print("forked", n)`;

describe('the box cgroup acts where cgroups are in force', () => {
  it(
    'a fork bomb stops at pids.max even with no RLIMIT_NPROC, and nothing survives',
    { timeout: 60_000 },
    async () => {
      // processes: 0 leaves RLIMIT_NPROC unset: only the cgroup can stop it
      const r = await runPython(FORK_BOMB, { processes: 0, pids: 12 });
      if (!host.cgroups) {
        // rlimits only: without RLIMIT_NPROC nothing counts the box's processes, which is why the
        // judge always sets it (runLimits) — the fallback is the reason above, never an unlimited box
        expect(r.pidsLimitHit).toBe(false);
        expect(host.limits.cgroups).toMatch(/rlimits only/);
        return;
      }
      expect(r.pidsLimitHit, JSON.stringify(r)).toBe(true);
      const forked = Number(/forked (\d+)/.exec(r.stdout)?.[1]);
      // bwrap, the launcher and the program itself take 3 of the 12
      expect(forked).toBeGreaterThan(0);
      expect(forked).toBeLessThanOrEqual(12 - 3);
      expect(r.leftoverProcesses).toBe(0);
      if (isRoot) expect(await leftoverProcesses(uids.base, uids.slots)).toEqual([]);
    },
  );

  it(
    'memory spread over processes is stopped at the box limit: memory_limit, peak from the cgroup',
    { timeout: 60_000 },
    async () => {
      // each child stays below the per-process limits (RLIMIT_DATA = 64 + 32 MB, RSS < 64 + 16 MB):
      // only a limit on the whole box catches 6 × 60 MB
      const source = `import os, time
kids = []
for i in range(6):
    pid = os.fork()
    if pid == 0:
        x = bytearray(60 << 20)
        time.sleep(1)
        os._exit(0)
    kids.append(pid)
for k in kids:
    os.waitpid(k, 0)
print("all done")`;
      const r = await judge.judge({
        language: 'python',
        source,
        tests: [{ input: '', expected: 'all done', hidden: false }],
        timeLimitMs: 3000,
        memoryLimitMb: 64,
      });
      if (!host.cgroups) {
        expect(r.verdict).toBe('accepted'); // rlimits are per process: the documented gap
        return;
      }
      expect(r.verdict, JSON.stringify(r)).toBe('memory_limit');
      // the box's peak, from the cgroup: above any one process, at most the box's limit
      expect(r.memoryUsedMb).toBeGreaterThan(64 + 16);
      expect(r.memoryUsedMb).toBeLessThanOrEqual(64 + python.cgroupHeadroomMb);
    },
  );

  it(
    'a 1 GiB allocation outside the JVM heap is stopped at the box limit: memory_limit, peak from the cgroup',
    { timeout: 90_000 },
    async () => {
      const source = `import java.lang.reflect.Field;
public class Main {
  public static void main(String[] args) throws Exception {
    Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
    f.setAccessible(true);
    sun.misc.Unsafe u = (sun.misc.Unsafe) f.get(null);
    long n = 1L << 30;
    long p = u.allocateMemory(n);
    for (long i = 0; i < n; i += 4096) u.putByte(p + i, (byte) 1);
    System.out.println("touched 1 GiB");
  }
}`;
      const r = await judge.judge({
        language: 'java',
        source,
        tests: [{ input: '', expected: 'never', hidden: true }],
        timeLimitMs: 5000,
        memoryLimitMb: 64,
      });
      // without cgroups the peak RSS check still gives memory_limit — after the fact, at 1 GiB
      expect(r.verdict, JSON.stringify(r)).toBe('memory_limit');
      if (host.cgroups) expect(r.memoryUsedMb).toBeLessThanOrEqual(64 + 192);
      else expect(r.memoryUsedMb).toBeGreaterThan(1000);
    },
  );

  it(
    'with cgroups off the rlimits still stop the same allocation (never unlimited)',
    { timeout: 60_000 },
    async () => {
      const rlimitsOnly = { ...host, cgroups: null };
      const r = await runPython(
        'x = bytearray(1 << 30)\nprint(len(x))',
        {
          dataBytes: python.dataLimitBytes(64),
        },
        rlimitsOnly,
      );
      expect(r.stderr).toMatch(/MemoryError/);
      expect(r.memoryLimitHit).toBe(false);
      expect(r.peakMemoryMb).toBe(r.largestProcessMb);
      expect(r.peakMemoryMb).toBeLessThan(64 + 32 + 16);
    },
  );
});

afterAll(async () => {
  if (isRoot) expect(await leftoverProcesses(uids.base, uids.slots)).toEqual([]);
});
