import type { Judge, JudgeResult } from './judge.ts';

/**
 * The canary attacks a judge worker runs at start (issue 7): if any of them gets out, the worker
 * must refuse to judge and say why on the admin health page. Each program prints "blocked" when
 * the attack fails and "LEAK …" when it works. Python only: it is the quickest to start.
 */
export const CANARY_PROGRAMS: { name: string; source: string }[] = [
  {
    name: 'host files',
    source: `import os
for p in ["/etc/shadow", "/etc/passwd", "/proc/1/environ", "/root", "/home", "/var/lib/postgresql"]:
    try:
        print("LEAK", p, open(p, "rb").read(50) if os.path.isfile(p) else os.listdir(p))
    except OSError:
        pass
print("LEAK env" if set(os.environ) - {"PATH", "HOME", "LANG", "TMPDIR"} else "blocked")`,
  },
  {
    name: 'network',
    source: `import socket
for host, port in [("127.0.0.1", 5432), ("8.8.8.8", 53)]:
    try:
        socket.create_connection((host, port), timeout=1)
        print("LEAK", host, port)
    except OSError:
        pass
print("blocked")`,
  },
  {
    name: 'seccomp and writes',
    source: `import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
if libc.syscall(101, 0, 0, 0, 0) != -1 or ctypes.get_errno() != 1:
    print("LEAK ptrace")
for p in ["/box/x", "/x", "/dev/x"]:
    try:
        open(p, "w").write("x")
        print("LEAK write", p)
    except OSError:
        pass
print("blocked")`,
  },
];

export interface CanaryReport {
  ok: boolean;
  /** One line per canary that did not come back "blocked" (empty when ok). */
  failures: string[];
}

/** Runs the canaries; `ok` only when every one of them was blocked. */
export async function runCanaries(judge: Judge, programs = CANARY_PROGRAMS): Promise<CanaryReport> {
  const failures: string[] = [];
  for (const canary of programs) {
    let r: JudgeResult;
    try {
      r = await judge.judge({
        language: 'python',
        source: canary.source,
        tests: [{ input: '', expected: 'blocked', hidden: false }],
        timeLimitMs: 2000,
        memoryLimitMb: 64,
      });
    } catch (e) {
      failures.push(`${canary.name}: the sandbox did not run (${(e as Error).message})`);
      continue;
    }
    const output = r.results[0]?.output ?? '';
    if (r.verdict !== 'accepted' || /LEAK/.test(output)) {
      failures.push(
        `${canary.name}: ${r.verdict} — ${output.slice(0, 300).trim() || r.results[0]?.message || ''}`,
      );
    }
  }
  return { ok: failures.length === 0, failures };
}
