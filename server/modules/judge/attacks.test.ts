import { readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { isRoot, leftoverProcesses, useUidBase } from './judge.testing.ts';

/*
 * The attack corpus (issue 7): hostile submissions in every language. Each must get the right
 * verdict, leak nothing (programs print LEAK when an attack works, "blocked" when it fails) and
 * leave no process behind. Needs bubblewrap, Python 3, Node and a JDK 17: fails, never skips,
 * without them (CI installs them).
 */

const uids = useUidBase(63000);
// a secret in the judge's own environment: no submission may see it
const CANARY = 'uw-canary-7d1f93c0e2';
process.env.UW_JUDGE_TEST_CANARY = CANARY;
const { createJudge } = await import('./judge.ts');
const { getSandboxHost } = await import('./sandbox/sandbox.ts');
const judge = createJudge({ slots: uids.slots });

type Verdict =
  'accepted' | 'wrong_answer' | 'time_limit' | 'memory_limit' | 'runtime_error' | 'compile_error';
interface Attack {
  name: string;
  source: string;
  /** Allowed verdicts. "accepted" means the program ran to the end and printed exactly "blocked". */
  verdicts: Verdict[];
}

const PROJECT_FILE = `${process.cwd()}/package.json`;
const secretPaths = [
  '/etc/shadow',
  '/etc/passwd',
  '/proc/1/environ',
  PROJECT_FILE,
  '/root/.ssh/id_rsa',
  '/var/lib/postgresql',
];

// ---------------------------------------------------------------- Python

const py = (s: string) => `import os, sys, socket, time\n${s}\n`;
const pythonAttacks: Attack[] = [
  { name: 'infinite loop', source: py('while True:\n    pass'), verdicts: ['time_limit'] },
  {
    name: 'fork bomb',
    source: py('while True:\n    try:\n        os.fork()\n    except OSError:\n        pass'),
    verdicts: ['time_limit', 'runtime_error'],
  },
  {
    name: 'thread bomb',
    source: py(
      'import threading\ndef spin():\n    while True: pass\nwhile True:\n    try:\n        threading.Thread(target=spin, daemon=True).start()\n    except RuntimeError:\n        pass',
    ),
    verdicts: ['time_limit', 'runtime_error'],
  },
  {
    name: '1 GiB allocation',
    source: py('x = bytearray(1 << 30)\nprint("LEAK allocated", len(x))'),
    verdicts: ['memory_limit'],
  },
  {
    name: '1 GiB file (in /tmp, the box and /)',
    source: py(`
chunk = b"x" * (1 << 20)
for path in ["/tmp/big", "/box/big", "/big", "/dev/shm/big"]:
    try:
        with open(path, "wb") as f:
            for _ in range(1024):
                f.write(chunk)
        print("LEAK wrote", path)
    except OSError:
        pass
print("blocked")`),
    verdicts: ['accepted'],
  },
  {
    name: 'reading host secrets and project files',
    source: py(`
for path in ${JSON.stringify(secretPaths)}:
    try:
        data = open(path, "rb").read() if not os.path.isdir(path) else os.listdir(path)
        print("LEAK", path, data[:200])
    except OSError:
        pass
seen = repr(dict(os.environ))
for pid in os.listdir("/proc"):
    for f in ("environ", "cmdline"):
        try:
            seen += repr(open("/proc/%s/%s" % (pid, f), "rb").read())
        except OSError:
            pass
leak = "${CANARY}" in seen or not set(os.environ) <= {"PATH", "HOME", "LANG", "TMPDIR"}
print("LEAK env " + seen[:2000] if leak else "blocked")`),
    verdicts: ['accepted'],
  },
  {
    name: 'network: PostgreSQL on loopback, the host, the internet',
    source: py(`
for host, port in [("127.0.0.1", 5432), ("192.0.2.2", 5432), ("192.0.2.2", 2024), ("8.8.8.8", 53), ("1.1.1.1", 443)]:
    s = socket.socket()
    s.settimeout(1)
    try:
        s.connect((host, port))
        print("LEAK connected", host, port)
    except OSError:
        pass
try:
    socket.socket(socket.AF_UNIX).connect("/var/run/postgresql/.s.PGSQL.5432")
    print("LEAK unix socket")
except OSError:
    pass
try:
    socket.getaddrinfo("example.com", 80)
    print("LEAK dns")
except OSError:
    pass
print("blocked")`),
    verdicts: ['accepted'],
  },
  {
    name: 'seccomp: ptrace, keyctl, io_uring, bpf, userfaultfd, perf_event_open, mount, unshare, setns, AF_VSOCK',
    source: py(`
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
calls = {"ptrace": (101, 0, 0, 0, 0), "keyctl": (250, 0, -3, 0, 0), "io_uring_setup": (425, 8, ctypes.create_string_buffer(120)),
         "bpf": (321, 0, 0, 0), "userfaultfd": (323, 1), "perf_event_open": (298, 0, 0, -1, -1, 0),
         "mount": (165, b"none", b"/tmp", b"tmpfs", 0, 0), "unshare": (272, 0x10000000), "setns": (308, 0, 0)}
for name, args in calls.items():
    r = libc.syscall(*args)
    if r != -1 or ctypes.get_errno() != 1:
        print("LEAK", name, r, ctypes.get_errno())
try:
    socket.socket(40, socket.SOCK_STREAM)
    print("LEAK vsock")
except PermissionError:
    pass
print("blocked")`),
    verdicts: ['accepted'],
  },
  {
    name: '100 MB of output',
    source: py('line = "x" * 1023\nfor _ in range(100 * 1024):\n    print(line)'),
    verdicts: ['runtime_error'],
  },
  { name: 'sleeping forever', source: py('time.sleep(10 ** 6)'), verdicts: ['time_limit'] },
  {
    name: 'symlinks planted in the box and in /tmp',
    source: py(`
for target, link in [("/etc/shadow", "/box/evil"), ("/", "/box/out"), ("/proc/1/root", "/tmp/root1")]:
    try:
        os.symlink(target, link)
    except OSError:
        continue
    try:
        print("LEAK via", link, os.listdir(link + "/etc") if os.path.isdir(link) else open(link).read()[:100])
    except OSError:
        pass
try:
    os.link("/box/main.py", "/tmp/hard")
    os.rename("/tmp/hard", "/box/x")
    print("LEAK rename into box")
except OSError:
    pass
print("blocked")`),
    verdicts: ['accepted'],
  },
  {
    name: 'escaping to the parent: signals, /proc/1, the launcher’s descriptors',
    source: py(`
for pid in (1,):
    try:
        os.kill(pid, 9)
    except OSError:
        pass
for fd in range(3, 1024):
    try:
        os.fstat(fd)
        print("LEAK fd", fd, os.readlink("/proc/self/fd/%d" % fd))
    except OSError:
        pass
try:
    print("LEAK launcher fds", os.listdir("/proc/1/fd"))
except OSError:
    pass
print("blocked")`),
    verdicts: ['accepted'],
  },
];

// ---------------------------------------------------------------- JavaScript

const js = (s: string) =>
  `const fs = require("fs"), net = require("net"), cp = require("child_process");\n${s}\n`;
const javascriptAttacks: Attack[] = [
  { name: 'infinite loop', source: js('for (;;) {}'), verdicts: ['time_limit'] },
  {
    name: 'fork bomb',
    source: js(
      'for (;;) { try { cp.spawn(process.execPath, ["-e", "for(;;){}"], { stdio: "ignore" }); } catch {} }',
    ),
    verdicts: ['time_limit', 'runtime_error', 'memory_limit'],
  },
  {
    name: 'thread bomb',
    source: js(
      'const { Worker } = require("worker_threads");\nfor (let i = 0; i < 200; i++) { try { new Worker("for(;;){}", { eval: true }).on("error", () => {}); } catch {} }',
    ),
    verdicts: ['time_limit', 'runtime_error', 'memory_limit'],
  },
  {
    name: '1 GiB allocation',
    source: js('const b = Buffer.alloc(2 ** 30, 1);\nconsole.log("LEAK", b.length);'),
    verdicts: ['memory_limit'],
  },
  {
    name: '1 GiB file',
    source: js(`
const chunk = Buffer.alloc(1 << 20, 120);
for (const p of ["/tmp/big", "/box/big", "/big"]) {
  try { const fd = fs.openSync(p, "w"); for (let i = 0; i < 1024; i++) fs.writeSync(fd, chunk); console.log("LEAK wrote", p); } catch {}
}
console.log("blocked");`),
    verdicts: ['accepted'],
  },
  {
    name: 'reading host secrets and project files',
    source: js(`
for (const p of ${JSON.stringify(secretPaths)}) { try { console.log("LEAK", p, String(fs.readFileSync(p)).slice(0, 200)); } catch {} }
const env = JSON.stringify(process.env);
console.log(env.includes("${CANARY}") || Object.keys(process.env).some((k) => !["PATH", "HOME", "LANG", "TMPDIR"].includes(k)) ? "LEAK " + env : "blocked");`),
    verdicts: ['accepted'],
  },
  {
    name: 'network: PostgreSQL on loopback and another host',
    source: js(`
const targets = [["127.0.0.1", 5432], ["192.0.2.2", 5432], ["8.8.8.8", 53]];
let pending = targets.length;
for (const [host, port] of targets) {
  const s = net.connect({ host, port, timeout: 1000 });
  s.on("connect", () => { console.log("LEAK connected", host, port); s.destroy(); });
  const done = () => { s.destroy(); if (--pending === 0) console.log("blocked"); };
  s.on("error", done); s.on("timeout", done);
}`),
    verdicts: ['accepted'],
  },
  {
    name: 'a child that outlives its parent',
    source: js(
      'const c = cp.spawn(process.execPath, ["-e", "setTimeout(() => {}, 600000)"], { detached: true, stdio: "ignore" });\nc.unref();\nconsole.log("blocked");',
    ),
    verdicts: ['accepted'],
  },
  {
    name: '100 MB of output',
    source: js(
      'const line = "x".repeat(1023) + "\\n";\nfor (let i = 0; i < 100 * 1024; i++) process.stdout.write(line);',
    ),
    verdicts: ['runtime_error'],
  },
  { name: 'sleeping forever', source: js('setInterval(() => {}, 1 << 30);'), verdicts: ['time_limit'] },
  {
    name: 'symlinks planted in the box',
    source: js(`
for (const [t, l] of [["/etc/shadow", "/box/evil"], ["/proc/1/root", "/tmp/r"]]) {
  try { fs.symlinkSync(t, l); console.log("LEAK via", l, fs.readdirSync(l + "/etc")); } catch {}
}
console.log("blocked");`),
    verdicts: ['accepted'],
  },
];

// ---------------------------------------------------------------- Java

const javaMain = (body: string, extra = '') =>
  `import java.io.*;\nimport java.net.*;\nimport java.nio.file.*;\nimport java.util.*;\npublic class Main {\n${extra}\n  public static void main(String[] args) throws Exception {\n${body}\n  }\n}\n`;
const javaAttacks: Attack[] = [
  { name: 'infinite loop', source: javaMain('long x = 0; while (true) x++;'), verdicts: ['time_limit'] },
  {
    name: 'fork bomb (processes)',
    source: javaMain(
      'while (true) { try { new ProcessBuilder(System.getProperty("java.home") + "/bin/java", "-version").start(); } catch (Throwable e) { } }',
    ),
    verdicts: ['time_limit', 'runtime_error', 'memory_limit'],
  },
  {
    name: 'thread bomb',
    source: javaMain(
      'while (true) { try { new Thread(() -> { while (true) {} }).start(); } catch (Throwable e) { } }',
    ),
    verdicts: ['time_limit', 'runtime_error', 'memory_limit'],
  },
  {
    name: '1 GiB allocation',
    source: javaMain('byte[] b = new byte[1 << 30]; System.out.println("LEAK " + b.length);'),
    verdicts: ['memory_limit'],
  },
  {
    name: '1 GiB file',
    source: javaMain(`
byte[] chunk = new byte[1 << 20];
for (String p : new String[] {"/tmp/big", "/box/big", "/box/out/big"}) {
  try (OutputStream o = new FileOutputStream(p)) { for (int i = 0; i < 1024; i++) o.write(chunk); System.out.println("LEAK wrote " + p); } catch (IOException e) { }
}
System.out.println("blocked");`),
    verdicts: ['accepted'],
  },
  {
    name: 'reading host secrets and project files',
    source: javaMain(`
for (String p : new String[] ${JSON.stringify(secretPaths).replace('[', '{').replace(/]$/, '}')}) {
  try { System.out.println("LEAK " + p + new String(Files.readAllBytes(Paths.get(p))).substring(0, 10)); } catch (Exception e) { }
}
System.out.println(System.getenv().toString().contains("${CANARY}") ? "LEAK env" : "blocked");`),
    verdicts: ['accepted'],
  },
  {
    name: 'network: PostgreSQL on loopback and another host',
    source: javaMain(`
String[][] t = {{"127.0.0.1", "5432"}, {"192.0.2.2", "5432"}, {"8.8.8.8", "53"}};
for (String[] h : t) {
  try (Socket s = new Socket()) { s.connect(new InetSocketAddress(h[0], Integer.parseInt(h[1])), 1000); System.out.println("LEAK " + h[0]); } catch (IOException e) { }
}
System.out.println("blocked");`),
    verdicts: ['accepted'],
  },
  {
    name: '100 MB of output',
    source: javaMain(
      'String l = "x".repeat(1023); for (int i = 0; i < 100 * 1024; i++) System.out.println(l);',
    ),
    verdicts: ['runtime_error'],
  },
  { name: 'sleeping forever', source: javaMain('Thread.sleep(Long.MAX_VALUE);'), verdicts: ['time_limit'] },
  {
    name: 'compile-time trick: a constant too large for a class file',
    source: javaMain(
      'System.out.println(S.length());',
      `  static final String A = "${'x'.repeat(2000)}";\n  static final String S = ${Array(40).fill('A').join(' + ')};`,
    ),
    verdicts: ['compile_error'],
  },
  {
    name: 'compile-time trick: deep nesting (stack overflow in javac)',
    source: javaMain(`int x = ${'('.repeat(10000)}1${')'.repeat(10000)}; System.out.println("LEAK");`),
    verdicts: ['compile_error'],
  },
  {
    name: 'compile-time trick: annotation processors and a class outside /box/out',
    source: `package ${Array(30).fill('a').join('.')};\n@SuppressWarnings("all") public class Main { public static void main(String[] a) { System.out.println("blocked"); } }\n`,
    verdicts: ['runtime_error', 'compile_error'],
  },
];

const LIMITS = { timeLimitMs: 500, memoryLimitMb: 64 };

for (const [language, attacks] of [
  ['python', pythonAttacks],
  ['javascript', javascriptAttacks],
  ['java', javaAttacks],
] as const) {
  describe.concurrent(`attack corpus: ${language}`, { timeout: 120_000 }, () => {
    for (const attack of attacks) {
      it(attack.name, async () => {
        const r = await judge.judge({
          language,
          source: attack.source,
          tests: [{ input: '', expected: 'blocked', hidden: false }],
          ...LIMITS,
        });
        const shown = JSON.stringify({
          ...r,
          results: r.results.map((t) => ({ ...t, output: t.output?.slice(0, 500) })),
        });
        expect(attack.verdicts, shown).toContain(r.verdict);
        expect(shown).not.toMatch(/LEAK/);
        expect(shown).not.toContain(CANARY);
        // output is capped in memory too: the 100 MB floods never reach the caller
        expect(r.results[0]?.output?.length ?? 0).toBeLessThanOrEqual(4096);
      });
    }
  });
}

describe('nothing survives a run', () => {
  it('kills a daemonised grandchild when the program exits', { timeout: 60_000 }, async () => {
    const source = py(`
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(600)
    os._exit(0)
print("blocked")`);
    const r = await judge.judge({
      language: 'python',
      source,
      tests: [{ input: '', expected: 'blocked', hidden: false }],
      ...LIMITS,
    });
    expect(r.verdict).toBe('accepted');
    if (isRoot) expect(await leftoverProcesses(uids.base, uids.slots)).toEqual([]);
  });
});

describe('the host stays healthy', () => {
  it(
    'after 100 hostile runs, a normal run is judged normally and no box or process is left',
    { timeout: 180_000 },
    async () => {
      const hostile = [
        py('while True:\n    try:\n        os.fork()\n    except OSError:\n        pass'),
        py('x = bytearray(1 << 30)'),
        py('sys.stdout.write("y" * (1 << 24))'),
        py('open("/tmp/f", "wb").write(b"z" * (1 << 30))'),
        py('time.sleep(1000)'),
        py(
          'import threading\nfor _ in range(500):\n    threading.Thread(target=time.sleep, args=(100,)).start()',
        ),
        py('os.symlink("/", "/tmp/root")\nwhile True: pass'),
      ];
      const runs = Array.from({ length: 100 }, (_, i) =>
        judge.judge({
          language: 'python',
          source: hostile[i % hostile.length]!,
          tests: [{ input: '', expected: '', hidden: true }],
          timeLimitMs: 100,
          memoryLimitMb: 32,
        }),
      );
      const verdicts = (await Promise.all(runs)).map((r) => r.verdict);
      expect(verdicts.filter((v) => v === 'accepted')).toEqual([]);

      const normal = await judge.judge({
        language: 'python',
        source: 'print(int(input()) * 2)',
        tests: [{ input: '21', expected: '42', hidden: false }],
        ...LIMITS,
      });
      expect(normal.verdict).toBe('accepted');
      const host = await getSandboxHost();
      expect(readdirSync(host.workDir).filter((n) => n.startsWith(`box-${process.pid}-`))).toEqual([]);
      if (isRoot) expect(await leftoverProcesses(uids.base, uids.slots)).toEqual([]);
    },
  );
});

afterAll(async () => {
  if (isRoot) expect(await leftoverProcesses(uids.base, uids.slots)).toEqual([]);
});
