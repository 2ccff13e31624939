import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { HostView, outsideSymlinkTargets, sharedObjectsUnder } from './mounts.ts';
import { judgeEnv } from '../settings.ts';

export const LANGUAGES = ['python', 'javascript', 'java'] as const;
export type Language = (typeof LANGUAGES)[number];

/** How one language runs inside a box. Paths are host paths, bound read-only at the same place. */
export interface Runtime {
  language: Language;
  version: string;
  /** File name the submission is written to inside /box. */
  sourceFile: string;
  /** bwrap arguments that make the runtime (and only it) visible. */
  mountArgs: string[];
  /** Compiler command, for compiled languages; writes into /box/out. */
  compileArgv?: () => string[];
  runArgv: (memoryLimitMb: number) => string[];
  /** RLIMIT_DATA for a run (0: unlimited — the runtime's own heap cap and peak RSS apply). */
  dataLimitBytes: (memoryLimitMb: number) => number;
  /** RLIMIT_NPROC: the runtime's own threads count too. */
  processes: number;
  /**
   * Memory the box's cgroup allows beyond the challenge's limit: the runtime itself, the 16 MiB /tmp,
   * and room above the runtime's own caps so that its out-of-memory error (a readable verdict) comes
   * first. The cgroup is what stops memory spread over processes or allocated outside the heap.
   */
  cgroupHeadroomMb: number;
  /** Process-wide wording the runtime prints when its heap is exhausted. */
  outOfMemory: RegExp;
}

export type RuntimeLookup = { ok: true; runtime: Runtime } | { ok: false; reason: string; fix: string };

const MB = 1024 * 1024;

function isElf(path: string): boolean {
  try {
    return readFileSync(path)
      .subarray(0, 4)
      .equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  } catch {
    return false;
  }
}

/**
 * Python: the distribution's interpreter binary (`/usr/bin/python3.X`), not a pyenv/asdf shim —
 * a shim is a shell script that needs a shell and the user's home, neither of which a box has.
 * `UW_JUDGE_PYTHON` may name another real interpreter.
 */
export function findPython(env: NodeJS.ProcessEnv = process.env): RuntimeLookup {
  const fix =
    "install Debian's Python: apt-get install -y python3 (or set UW_JUDGE_PYTHON to a real python3.X binary)";
  const candidates = env.UW_JUDGE_PYTHON
    ? [env.UW_JUDGE_PYTHON]
    : readdirSync('/usr/bin')
        .filter((f) => /^python3\.\d+$/.test(f))
        .sort((a, b) => Number(b.split('.')[1]) - Number(a.split('.')[1]))
        .map((f) => join('/usr/bin', f));
  const binary = candidates.map((c) => (existsSync(c) ? realpathSync(c) : '')).find((c) => c && isElf(c));
  if (!binary) return { ok: false, reason: 'no python3.X interpreter binary found in /usr/bin', fix };
  let version: string, stdlib: string;
  try {
    const out = execFileSync(
      binary,
      [
        '-I',
        '-S',
        '-c',
        'import sys,sysconfig;print(sys.version.split()[0]);print(sysconfig.get_path("stdlib"))',
      ],
      {
        encoding: 'utf8',
        env: {},
      },
    ).split('\n');
    [version, stdlib] = [out[0]!, out[1]!];
  } catch (e) {
    return { ok: false, reason: `${binary} does not start: ${(e as Error).message}`, fix };
  }
  const dynload = join(stdlib, 'lib-dynload');
  const view = new HostView().add(binary).add(stdlib);
  view.addLibrariesOf([binary, ...(existsSync(dynload) ? sharedObjectsUnder(dynload) : [])]);
  return {
    ok: true,
    runtime: {
      language: 'python',
      version,
      sourceFile: 'main.py',
      mountArgs: view.toBwrapArgs(),
      // -I: no environment, no user site; -S: no site-packages; -B: no .pyc writes (the box is read-only anyway)
      runArgv: () => [binary, '-I', '-S', '-B', '/box/main.py'],
      dataLimitBytes: (mb) => (mb + 32) * MB,
      processes: 16,
      cgroupHeadroomMb: 80,
      outOfMemory: /^MemoryError\b/m,
    },
  };
}

/** JavaScript: the Node binary running this server (`process.execPath`, symlinks resolved). */
export function findNode(): RuntimeLookup {
  const binary = realpathSync(process.execPath);
  const view = new HostView().add(binary).addLibrariesOf([binary]);
  return {
    ok: true,
    runtime: {
      language: 'javascript',
      version: process.version.replace(/^v/, ''),
      sourceFile: 'main.js',
      mountArgs: view.toBwrapArgs(),
      runArgv: (mb) => [
        binary,
        `--max-old-space-size=${mb}`,
        '--v8-pool-size=1',
        '--no-warnings',
        '/box/main.js',
      ],
      // V8 reserves large regions up front, but RLIMIT_DATA counts only what is mapped writable;
      // the heap itself is capped by --max-old-space-size, buffers by this.
      dataLimitBytes: (mb) => (mb + 192) * MB,
      processes: 32,
      cgroupHeadroomMb: 256,
      outOfMemory:
        /JavaScript heap out of memory|Array buffer allocation failed|RangeError: Invalid (typed )?array length/,
    },
  };
}

/** Java ≥ 17 from JAVA_HOME, else the JDK that `javac` on PATH belongs to, else Debian's openjdk-17. */
export function findJava(env: NodeJS.ProcessEnv = process.env): RuntimeLookup {
  const fix = 'install a JDK 17: apt-get install -y openjdk-17-jdk-headless (or set JAVA_HOME)';
  const candidates: string[] = [];
  if (env.JAVA_HOME) candidates.push(env.JAVA_HOME);
  try {
    const javac = execFileSync('sh', ['-c', 'command -v javac'], { encoding: 'utf8' }).trim();
    if (javac) candidates.push(join(realpathSync(javac), '..', '..'));
  } catch {
    // no javac on PATH
  }
  candidates.push('/usr/lib/jvm/java-17-openjdk-amd64');
  const home = candidates.find((c) => existsSync(join(c, 'bin', 'javac')) && existsSync(join(c, 'release')));
  if (!home) return { ok: false, reason: 'no JDK (bin/javac) found', fix };
  const javaHome = realpathSync(home);
  const version = /JAVA_VERSION="([^"]+)"/.exec(readFileSync(join(javaHome, 'release'), 'utf8'))?.[1] ?? '';
  if (Number(version.split('.')[0]) < 17)
    return { ok: false, reason: `JDK at ${javaHome} is ${version}, need ≥ 17`, fix };
  const view = new HostView().add(javaHome);
  // Debian keeps the JDK's config under /etc/java-17-openjdk, linked from lib/ and conf/.
  for (const sub of ['lib', 'conf'])
    if (existsSync(join(javaHome, sub)) && statSync(join(javaHome, sub)).isDirectory())
      for (const link of outsideSymlinkTargets(join(javaHome, sub)))
        if (!/\.so$|src\.zip$|cacerts$/.test(link)) view.add(link);
  // The libraries console programs load (not AWT, sound or fonts, whose X11 dependencies stay out).
  const core = [
    'libjli',
    'libjava',
    'libjimage',
    'libzip',
    'libnio',
    'libnet',
    'libverify',
    'libjsvml',
    'server/libjvm',
  ];
  view.addLibrariesOf([
    join(javaHome, 'bin', 'java'),
    join(javaHome, 'bin', 'javac'),
    ...core.map((l) => join(javaHome, 'lib', `${l}.so`)).filter((p) => existsSync(p)),
  ]);
  // Fast, small JVM start (measured in the issue: ~120 ms CPU); no hsperfdata files in /tmp.
  const jvmFlags = [
    '-Xshare:auto',
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-XX:-UsePerfData',
    '-XX:ActiveProcessorCount=1',
    '-XX:-UseContainerSupport', // the box is not a container to size the JVM by: limits are explicit
  ];
  return {
    ok: true,
    runtime: {
      language: 'java',
      version,
      sourceFile: 'Main.java',
      mountArgs: view.toBwrapArgs(),
      // -proc:none: no annotation processors, so compiling runs no code of anyone's choosing
      compileArgv: () => [
        join(javaHome, 'bin', 'javac'),
        ...jvmFlags.map((f) => `-J${f}`),
        '-J-Xmx256m',
        '-proc:none',
        '-implicit:none',
        '-encoding',
        'UTF-8',
        '-d',
        '/box/out',
        '/box/Main.java',
      ],
      runArgv: (mb) => [
        join(javaHome, 'bin', 'java'),
        ...jvmFlags,
        `-Xmx${mb}m`,
        '-Xss64m',
        '-XX:MaxMetaspaceSize=64m',
        '-XX:ReservedCodeCacheSize=32m',
        '-XX:CompressedClassSpaceSize=32m',
        '-XX:+ExitOnOutOfMemoryError',
        '-Djava.io.tmpdir=/tmp',
        '-cp',
        '/box/out',
        'Main',
      ],
      // The JVM reserves its heap, code cache and class space up front; address-space and data
      // limits break it (issue 7). -Xmx, the Metaspace/code-cache caps and peak RSS apply instead.
      dataLimitBytes: () => 0,
      processes: 64,
      cgroupHeadroomMb: 192,
      outOfMemory: /java\.lang\.OutOfMemoryError/,
    },
  };
}

/** Looks every language up once (ldd and version probes are not free). */
export function findRuntimes(): Record<Language, RuntimeLookup> {
  const safe = (f: () => RuntimeLookup): RuntimeLookup => {
    try {
      return f();
    } catch (e) {
      return { ok: false, reason: (e as Error).message, fix: 'see the judge section of the README' };
    }
  };
  return {
    python: safe(() => findPython(judgeEnv())),
    javascript: safe(findNode),
    java: safe(() => findJava(judgeEnv())),
  };
}
