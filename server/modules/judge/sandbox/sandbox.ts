import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  createRunCgroup,
  detectCgroups,
  readRunCgroup,
  removeRunCgroup,
  removeWorkerCgroups,
  type CgroupHost,
  type RunCgroupUsage,
} from './cgroups.ts';
import { buildSeccompFilter } from './seccomp.ts';
import { judgeEnv } from '../settings.ts';

/*
 * Submissions are untrusted code: no network, no host files, no other submissions, no secrets.
 *
 * One run = one fresh `bwrap` (bubblewrap) with new user, pid, net (loopback only), ipc, uts and
 * cgroup namespaces, --die-with-parent, --new-session, --clearenv, --disable-userns, a seccomp
 * filter (seccomp.ts), only the language runtime bound read-only, a size-capped tmpfs /tmp,
 * `/` and `/dev` read-only. Inside, the launcher (launcher.c) is PID 1: it sets the rlimits,
 * closes every inherited descriptor above stdio, runs the program, kills whatever it left
 * behind and reports CPU time and peak memory on a pipe the program never holds.
 * Run as root, bwrap itself runs under a per-slot uid (no capabilities, no-new-privs).
 * Where cgroups can be driven (cgroups.ts), each run has its own cgroup — memory with swap off,
 * processes, one core of CPU — entered before bwrap starts; the rlimits stay as a backstop.
 */

const execFileAsync = promisify(execFile);

export class SandboxUnavailableError extends Error {
  override name = 'SandboxUnavailableError';
  constructor(
    readonly reason: string,
    readonly fix: string,
  ) {
    super(`judge sandbox unavailable: ${reason} — fix: ${fix}`);
  }
}

export interface SandboxHost {
  bwrap: string;
  bwrapVersion: string;
  launcherPath: string;
  seccompPath: string;
  workDir: string;
  /** First uid of the per-slot uids, when this process is root (slot n runs as base + n). */
  slotUidBase: number | null;
  /** The cgroups each run gets, or null: rlimits only (`limits.cgroups` says why). */
  cgroups: CgroupHost | null;
  limits: LimitsMechanism;
}

export interface LimitsMechanism {
  /** What enforces the box's memory, process count and CPU (rlimits are a backstop under cgroups). */
  mechanism: 'cgroup-v2' | 'cgroup-v1' | 'rlimit';
  /** The cgroups in force, or why there are none on this host. */
  cgroups: string;
}

export interface SandboxLimits {
  /** CPU time of all the run's processes together (polled by the launcher; RLIMIT_CPU is a per-process backstop). */
  cpuMs: number;
  /** Wall-clock backstop (sleeping, blocking). */
  wallMs: number;
  /** RLIMIT_DATA in bytes (0: not set). */
  dataBytes: number;
  /** RLIMIT_NPROC: processes and threads. */
  processes: number;
  /** RLIMIT_FSIZE: largest file the program may write. */
  fileSizeBytes: number;
  /** RLIMIT_NOFILE. */
  openFiles: number;
  /** The run is killed once stdout grows past this. */
  stdoutBytes: number;
  /** The run is killed once stderr grows past this. */
  stderrBytes: number;
  /** Size of the writable /tmp. */
  tmpBytes: number;
  /** cgroup: memory of the whole box, swap off (0: no cgroup limit). */
  memoryBytes: number;
  /** cgroup: processes and threads of the whole box, bwrap and the launcher included (0: none). */
  pids: number;
}

export const DEFAULT_LIMITS: SandboxLimits = {
  cpuMs: 2000,
  wallMs: 5000,
  dataBytes: 0,
  processes: 32,
  fileSizeBytes: 8 * 1024 * 1024,
  openFiles: 64,
  stdoutBytes: 8 * 1024 * 1024,
  stderrBytes: 1024 * 1024,
  tmpBytes: 16 * 1024 * 1024,
  memoryBytes: 256 * 1024 * 1024,
  pids: 40,
};

export interface SandboxResult {
  exitCode: number | null;
  signal: number | null;
  /** User + system CPU of every process of the run, exact (wait4 rusage). */
  cpuMs: number;
  /** Peak memory of the run: the box's cgroup peak under cgroups, else the largest process's peak RSS. */
  peakMemoryMb: number;
  /** Peak resident memory of the largest process of the run (wait4 rusage). */
  largestProcessMb: number;
  /** The box's cgroup hit its memory limit and the kernel killed a process of it. */
  memoryLimitHit: boolean;
  /** The box tried to have more processes or threads than its cgroup allows. */
  pidsLimitHit: boolean;
  /** Processes still in the run's cgroup after the box ended (killed then; should always be 0). */
  leftoverProcesses: number;
  wallMs: number;
  wallTimedOut: boolean;
  /** Killed by the launcher for CPU time over the limit (all processes of the run together). */
  cpuLimitExceeded: boolean;
  outputLimitExceeded: 'stdout' | 'stderr' | null;
  stdout: string;
  stderr: string;
}

/** A directory bound at /box: the submission's files (read-only) and, for compilers, /box/out. */
export interface Box {
  dir: string;
  slot: number;
  uid: number;
  gid: number;
  hasOut: boolean;
}

let hostPromise: Promise<SandboxHost> | null = null;

/** Prepares the host once: finds bwrap, builds the launcher, writes the seccomp filter, cleans stale boxes. */
export function getSandboxHost(): Promise<SandboxHost> {
  hostPromise ??= prepareHost().catch((e: unknown) => {
    hostPromise = null;
    throw e;
  });
  return hostPromise;
}

async function which(cmd: string): Promise<string | null> {
  try {
    const { stdout } = await execFileAsync('sh', ['-c', `command -v ${cmd}`]);
    return stdout.trim() || null;
  } catch {
    return null;
  }
}

const RLIMITS_ONLY = 'memory, processes and CPU are limited with rlimits only (per process, not per box)';

function limitsOf(cgroups: CgroupHost | null, reason: string): LimitsMechanism {
  if (!cgroups) return { mechanism: 'rlimit', cgroups: `${reason}; ${RLIMITS_ONLY}` };
  return { mechanism: cgroups.version === 2 ? 'cgroup-v2' : 'cgroup-v1', cgroups: cgroups.summary };
}

async function prepareHost(): Promise<SandboxHost> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new SandboxUnavailableError(
      `the sandbox needs Linux on x86_64 (this is ${process.platform}/${process.arch})`,
      'run the judge worker on a Linux x86_64 host',
    );
  }
  // UW_JUDGE_BWRAP: another bwrap binary (ops; tests point it at a missing one)
  const bwrap = judgeEnv().UW_JUDGE_BWRAP ?? (await which('bwrap'));
  if (!bwrap || !existsSync(bwrap)) {
    throw new SandboxUnavailableError('bubblewrap (bwrap) is not installed', 'apt-get install -y bubblewrap');
  }
  const { stdout: versionOut } = await execFileAsync(bwrap, ['--version']);
  const bwrapVersion = versionOut.trim().split(/\s+/).pop() ?? '';
  const [major = 0, minor = 0] = bwrapVersion.split('.').map(Number);
  if (major === 0 && minor < 8) {
    throw new SandboxUnavailableError(
      `bubblewrap ${bwrapVersion} lacks --disable-userns (0.8.0 or newer is needed)`,
      'install bubblewrap ≥ 0.8.0 (Debian 12: apt-get install -y bubblewrap)',
    );
  }
  const cc = (await which('cc')) ?? (await which('gcc'));

  const uid = process.getuid?.() ?? -1;
  const workDir = judgeEnv().UW_JUDGE_DIR ?? join(tmpdir(), `usefulwriter-judge-${uid}`);
  mkdirSync(workDir, { recursive: true, mode: 0o711 });
  const st = lstatSync(workDir);
  if (!st.isDirectory() || st.uid !== uid) {
    throw new SandboxUnavailableError(
      `${workDir} is not a directory owned by uid ${uid}`,
      `remove ${workDir} (or set UW_JUDGE_DIR)`,
    );
  }
  // other uids (the slot uids) may traverse to their own box, but not list or write
  chmodSync(workDir, 0o711);

  const source = readFileSync(new URL('./launcher.c', import.meta.url));
  const launcherPath = join(
    workDir,
    `launcher-${createHash('sha256').update(source).digest('hex').slice(0, 12)}`,
  );
  if (!existsSync(launcherPath)) {
    if (!cc) {
      throw new SandboxUnavailableError(
        'no C compiler to build the sandbox launcher (launcher.c)',
        'apt-get install -y gcc',
      );
    }
    const src = join(workDir, `launcher-${process.pid}.c`);
    const tmp = `${launcherPath}.${process.pid}.tmp`;
    writeFileSync(src, source);
    try {
      await execFileAsync(cc, ['-O2', '-Wall', '-static', '-o', tmp, src]);
    } catch (e) {
      throw new SandboxUnavailableError(
        `the launcher does not compile: ${(e as Error).message}`,
        'apt-get install -y gcc libc6-dev',
      );
    } finally {
      rmSync(src, { force: true });
    }
    chmodSync(tmp, 0o755);
    renameSync(tmp, launcherPath);
  }

  const filter = buildSeccompFilter();
  const seccompPath = join(
    workDir,
    `seccomp-${createHash('sha256').update(filter).digest('hex').slice(0, 12)}.bpf`,
  );
  if (!existsSync(seccompPath)) {
    writeFileSync(`${seccompPath}.${process.pid}`, filter, { mode: 0o644 });
    renameSync(`${seccompPath}.${process.pid}`, seccompPath);
  }

  cleanStaleBoxes(workDir);
  // stale cgroups of dead workers are removed by detectCgroups
  const detected = detectCgroups();
  const cgroups = detected.ok ? detected.host : null;
  if (cgroups) process.once('exit', () => removeWorkerCgroups(cgroups));
  const host: SandboxHost = {
    bwrap,
    bwrapVersion,
    launcherPath,
    seccompPath,
    workDir,
    slotUidBase: uid === 0 ? Number(judgeEnv().UW_JUDGE_UID_BASE ?? 60000) : null,
    cgroups,
    limits: limitsOf(cgroups, detected.ok ? '' : detected.reason),
  };

  // A box that cannot even start means user namespaces are off (or bwrap is broken): say so now.
  const smoke = async (h: SandboxHost) => {
    const box = await createBox(h, 0, []);
    try {
      const r = await runInSandbox(h, box, {
        mountArgs: [],
        argv: ['/.uw/launch'],
        stdin: '',
        limits: { ...DEFAULT_LIMITS, wallMs: 5000 },
      });
      if (r.exitCode !== 121) throw new Error(`unexpected smoke result ${JSON.stringify(r)}`);
    } finally {
      await destroyBox(box);
    }
  };
  try {
    try {
      await smoke(host);
    } catch (e) {
      if (!host.cgroups) throw e;
      // cgroups were set up but a box cannot start inside them: rlimits only, and say why
      const reason = `a box could not start in its cgroup (${(e as Error).message.slice(0, 200)})`;
      removeWorkerCgroups(host.cgroups);
      host.cgroups = null;
      host.limits = limitsOf(null, reason);
      await smoke(host);
    }
  } catch (e) {
    throw new SandboxUnavailableError(
      `bubblewrap cannot create a sandbox here: ${(e as Error).message}`,
      'allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1 and user.max_user_namespaces>0; in Docker run with --security-opt seccomp=unconfined --security-opt apparmor=unconfined or give the worker its own VM)',
    );
  }
  return host;
}

/** Boxes left by a worker that died (named box-<pid>-…; the pid is no longer running). */
function cleanStaleBoxes(workDir: string) {
  for (const name of readdirSync(workDir)) {
    const m = /^box-(\d+)-/.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch (e) {
      alive = (e as NodeJS.ErrnoException).code === 'EPERM';
    }
    if (!alive) rmSync(join(workDir, name), { recursive: true, force: true });
  }
}

/** Uid the slot's runs use: a dedicated one when running as root, else our own. */
function slotIds(host: SandboxHost, slot: number): { uid: number; gid: number } {
  if (host.slotUidBase === null) return { uid: process.getuid!(), gid: process.getgid!() };
  return { uid: host.slotUidBase + slot, gid: host.slotUidBase + slot };
}

/** Writes the submission's files into a fresh box. `withOut` adds /box/out, writable only while compiling. */
export async function createBox(
  host: SandboxHost,
  slot: number,
  files: { name: string; content: string }[],
  withOut = false,
): Promise<Box> {
  const { uid, gid } = slotIds(host, slot);
  const dir = join(host.workDir, `box-${process.pid}-${randomBytes(6).toString('hex')}`);
  mkdirSync(dir, { mode: 0o755 });
  chmodSync(dir, 0o755);
  for (const f of files) {
    if (!/^[A-Za-z0-9_.-]+$/.test(f.name) || f.name.startsWith('.'))
      throw new Error(`bad box file name ${f.name}`);
    writeFileSync(join(dir, f.name), f.content, { mode: 0o644 });
  }
  if (withOut) {
    mkdirSync(join(dir, 'out'), { mode: 0o700 });
    if (host.slotUidBase !== null) chownSync(join(dir, 'out'), uid, gid);
  }
  return { dir, slot, uid, gid, hasOut: withOut };
}

/**
 * Removes a box once every process of its runs is gone (each run's PID namespace died with it).
 * What the sandbox wrote (/box/out) is deleted under the slot's own uid, never as root.
 */
export async function destroyBox(box: Box): Promise<void> {
  if (box.hasOut && process.getuid?.() === 0 && box.uid !== 0) {
    await execFileAsync('rm', ['-rf', '--one-file-system', '--', join(box.dir, 'out')], {
      uid: box.uid,
      gid: box.gid,
    }).catch(() => {});
  }
  rmSync(box.dir, { recursive: true, force: true });
}

export interface SandboxRunRequest {
  /** bwrap arguments making the runtime visible (runtimes.ts). */
  mountArgs: string[];
  /** Program and arguments, as seen inside the box. */
  argv: string[];
  stdin: string;
  limits: SandboxLimits;
  /** Compile step: /box/out is writable. */
  writableOut?: boolean;
}

const LAUNCHER_IN_BOX = '/.uw/launch';
const MB = 1024 * 1024;
const SECCOMP_FD = 4;
const STATUS_FD = 3;

/** Builds the bwrap command line of one run (exported for tests and the docs). */
export function bwrapArgs(host: SandboxHost, box: Box, req: SandboxRunRequest): string[] {
  const l = req.limits;
  return [
    '--unshare-all', // user, pid, net (loopback only), ipc, uts, cgroup
    '--unshare-user',
    '--disable-userns',
    '--uid',
    '1000',
    '--gid',
    '1000',
    '--hostname',
    'box',
    '--die-with-parent',
    '--new-session',
    '--clearenv',
    '--as-pid-1',
    '--seccomp',
    String(SECCOMP_FD),
    ...req.mountArgs,
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--size',
    String(l.tmpBytes),
    '--perms',
    '1777',
    '--tmpfs',
    '/tmp',
    '--ro-bind',
    box.dir,
    '/box',
    ...(box.hasOut ? [req.writableOut ? '--bind' : '--ro-bind', join(box.dir, 'out'), '/box/out'] : []),
    '--ro-bind',
    host.launcherPath,
    LAUNCHER_IN_BOX,
    '--remount-ro',
    '/dev',
    '--remount-ro',
    '/',
    '--chdir',
    '/box',
    LAUNCHER_IN_BOX,
    String(STATUS_FD),
    String(l.wallMs),
    String(l.cpuMs),
    String(l.processes),
    String(l.fileSizeBytes),
    String(l.openFiles),
    String(l.dataBytes),
    '0',
    '--',
    ...req.argv,
  ];
}

/**
 * Runs one program in a fresh sandbox and reports how it ended. Never runs anything outside a
 * sandbox: when bwrap or the launcher cannot start, this throws.
 */
export async function runInSandbox(
  host: SandboxHost,
  box: Box,
  req: SandboxRunRequest,
): Promise<SandboxResult> {
  const args = bwrapArgs(host, box, req);
  // the run's cgroup exists, with its limits, before anything starts; if it cannot, nothing runs
  const cgroup =
    host.cgroups && req.limits.memoryBytes > 0
      ? createRunCgroup(host.cgroups, box.slot, {
          memoryBytes: req.limits.memoryBytes,
          pids: req.limits.pids || DEFAULT_LIMITS.pids,
        })
      : null;
  const dropTo = host.slotUidBase !== null ? { uid: box.uid, gid: box.gid } : null;
  const seccompFd = openSync(host.seccompPath, 'r');
  const started = process.hrtime.bigint();
  let child;
  try {
    child = cgroup
      ? // the launcher enters the cgroups, drops to the slot's uid and execs bwrap
        spawn(
          host.launcherPath,
          [
            '--cgroup',
            String(dropTo?.uid ?? -1),
            String(dropTo?.gid ?? -1),
            String(cgroup.procsFiles.length),
            ...cgroup.procsFiles,
            '--',
            host.bwrap,
            ...args,
          ],
          { stdio: ['pipe', 'pipe', 'pipe', 'pipe', seccompFd], env: {}, cwd: '/' },
        )
      : spawn(host.bwrap, args, {
          stdio: ['pipe', 'pipe', 'pipe', 'pipe', seccompFd],
          env: {},
          cwd: '/',
          ...(dropTo ?? {}),
        });
  } catch (e) {
    if (cgroup) await removeRunCgroup(cgroup);
    throw e;
  } finally {
    closeSync(seccompFd);
  }

  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  const status: Buffer[] = [];
  let stdoutLen = 0;
  let stderrLen = 0;
  let outputLimitExceeded: SandboxResult['outputLimitExceeded'] = null;
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  child.stdout!.on('data', (d: Buffer) => {
    stdoutLen += d.length;
    if (stdoutLen > req.limits.stdoutBytes) {
      outputLimitExceeded ??= 'stdout';
      kill();
    } else stdout.push(d);
  });
  child.stderr!.on('data', (d: Buffer) => {
    stderrLen += d.length;
    if (stderrLen > req.limits.stderrBytes) {
      outputLimitExceeded ??= 'stderr';
      kill();
    } else stderr.push(d);
  });
  const statusStream = child.stdio[STATUS_FD] as NodeJS.ReadableStream;
  statusStream.on('data', (d: Buffer) => status.length < 4 && status.push(d));
  child.stdin!.on('error', () => {}); // the program may exit without reading its input
  child.stdin!.end(req.stdin);

  // backstop: the launcher enforces wallMs itself; this catches a launcher that never started
  const backstop = setTimeout(kill, req.limits.wallMs + 3000);
  let code: number | null;
  let signal: NodeJS.Signals | null;
  let usage: RunCgroupUsage | null = null;
  let leftoverProcesses = 0;
  try {
    [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (c, s) => resolve([c, s]));
    }).finally(() => clearTimeout(backstop));
  } finally {
    if (cgroup) {
      usage = readRunCgroup(cgroup);
      leftoverProcesses = await removeRunCgroup(cgroup);
    }
  }
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const cgroupFields = {
    memoryLimitHit: usage?.oomKilled ?? false,
    pidsLimitHit: usage?.pidsLimitHit ?? false,
    leftoverProcesses,
  };

  const line = Buffer.concat(status).toString('utf8');
  const fields = Object.fromEntries([...line.matchAll(/(\w+)=(-?\d+)/g)].map((m) => [m[1], Number(m[2])]));
  const errText = Buffer.concat(stderr).toString('utf8');
  if (fields.exit === undefined) {
    if (outputLimitExceeded || signal === 'SIGKILL' || cgroupFields.memoryLimitHit) {
      // killed by us (output cap or backstop), or by the kernel for the box's memory, before the
      // launcher could report
      return {
        exitCode: null,
        signal: 9,
        cpuMs: 0,
        peakMemoryMb: usage ? usage.peakMemoryBytes / MB : 0,
        largestProcessMb: 0,
        ...cgroupFields,
        wallMs,
        wallTimedOut: !outputLimitExceeded && !cgroupFields.memoryLimitHit,
        cpuLimitExceeded: false,
        outputLimitExceeded,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: errText,
      };
    }
    throw new Error(`sandbox did not start (bwrap exit ${code ?? signal}): ${errText.slice(0, 500)}`);
  }
  return {
    exitCode: fields.exit! >= 0 ? fields.exit! : null,
    signal: fields.signal ? fields.signal : null,
    cpuMs: (fields.cpu_us ?? 0) / 1000,
    peakMemoryMb: usage ? usage.peakMemoryBytes / MB : (fields.maxrss_kb ?? 0) / 1024,
    largestProcessMb: (fields.maxrss_kb ?? 0) / 1024,
    ...cgroupFields,
    wallMs,
    wallTimedOut: fields.wall_timeout === 1,
    cpuLimitExceeded: fields.cpu_exceeded === 1,
    outputLimitExceeded,
    stdout: Buffer.concat(stdout).toString('utf8'),
    stderr: errText,
  };
}
