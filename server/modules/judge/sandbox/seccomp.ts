/**
 * The seccomp filter every sandboxed process runs under, as classic BPF bytes for
 * `bwrap --seccomp FD` (an array of `struct sock_filter`, little-endian).
 *
 * Submissions are untrusted code: the kernel interfaces below are the usual routes from an
 * unprivileged process to a kernel bug or to another process, and no judged program needs them.
 * They fail with EPERM (so runtimes that probe them, e.g. io_uring, carry on); a foreign
 * architecture or the x32 ABI kills the process, since syscall numbers would mean something else.
 */

const BPF_LD_W_ABS = 0x20;
const BPF_JEQ_K = 0x15;
const BPF_JGE_K = 0x35;
const BPF_RET_K = 0x06;

const SECCOMP_RET_KILL_PROCESS = 0x80000000;
const SECCOMP_RET_ERRNO = 0x00050000;
const SECCOMP_RET_ALLOW = 0x7fff0000;
const EPERM = 1;

export const AUDIT_ARCH_X86_64 = 0xc000003e;
const X32_SYSCALL_BIT = 0x40000000;
const AF_VSOCK = 40;

// struct seccomp_data: int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6];
const OFFSET_NR = 0;
const OFFSET_ARCH = 4;
const OFFSET_ARG0_LOW = 16;

/** x86_64 numbers of the denied system calls. */
export const DENIED_SYSCALLS: Readonly<Record<string, number>> = {
  ptrace: 101,
  syslog: 103,
  acct: 163,
  mount: 165,
  umount2: 166,
  swapon: 167,
  swapoff: 168,
  reboot: 169,
  pivot_root: 155,
  init_module: 175,
  delete_module: 176,
  quotactl: 179,
  kexec_load: 246,
  add_key: 248,
  request_key: 249,
  keyctl: 250,
  unshare: 272,
  perf_event_open: 298,
  name_to_handle_at: 303,
  open_by_handle_at: 304,
  setns: 308,
  process_vm_readv: 310,
  process_vm_writev: 311,
  finit_module: 313,
  kexec_file_load: 320,
  bpf: 321,
  userfaultfd: 323,
  io_uring_setup: 425,
  io_uring_enter: 426,
  io_uring_register: 427,
  open_tree: 428,
  move_mount: 429,
  fsopen: 430,
  fsconfig: 431,
  fsmount: 432,
  fspick: 433,
  mount_setattr: 442,
};
export const SYSCALL_SOCKET = 41;

interface Insn {
  code: number;
  jt: number | string;
  jf: number | string;
  k: number;
}

/** Builds the filter program. Jump targets are labels, resolved to relative offsets. */
function program(): Insn[] {
  const insns: Insn[] = [];
  const labels = new Map<string, number>();
  const op = (code: number, k: number, jt: number | string = 0, jf: number | string = 0) =>
    insns.push({ code, jt, jf, k });
  const label = (name: string) => labels.set(name, insns.length);

  op(BPF_LD_W_ABS, OFFSET_ARCH);
  op(BPF_JEQ_K, AUDIT_ARCH_X86_64, 1, 0);
  op(BPF_RET_K, SECCOMP_RET_KILL_PROCESS);
  op(BPF_LD_W_ABS, OFFSET_NR);
  op(BPF_JGE_K, X32_SYSCALL_BIT, 'kill', 0);
  for (const nr of Object.values(DENIED_SYSCALLS)) op(BPF_JEQ_K, nr, 'deny', 0);
  op(BPF_JEQ_K, SYSCALL_SOCKET, 'socket', 0);
  op(BPF_RET_K, SECCOMP_RET_ALLOW);
  label('socket');
  op(BPF_LD_W_ABS, OFFSET_ARG0_LOW);
  op(BPF_JEQ_K, AF_VSOCK, 'deny', 0);
  op(BPF_RET_K, SECCOMP_RET_ALLOW);
  label('deny');
  op(BPF_RET_K, SECCOMP_RET_ERRNO | EPERM);
  label('kill');
  op(BPF_RET_K, SECCOMP_RET_KILL_PROCESS);

  const resolve = (target: number | string, at: number): number => {
    if (typeof target === 'number') return target;
    const to = labels.get(target);
    if (to === undefined) throw new Error(`seccomp: unknown label ${target}`);
    const offset = to - at - 1;
    if (offset < 0 || offset > 255) throw new Error(`seccomp: jump to ${target} out of range`);
    return offset;
  };
  return insns.map((insn, at) => ({ ...insn, jt: resolve(insn.jt, at), jf: resolve(insn.jf, at) }));
}

/** The filter as the bytes bwrap reads from its `--seccomp` descriptor. */
export function buildSeccompFilter(): Buffer {
  const insns = program();
  const buf = Buffer.alloc(insns.length * 8);
  insns.forEach((insn, i) => {
    buf.writeUInt16LE(insn.code, i * 8);
    buf.writeUInt8(insn.jt as number, i * 8 + 2);
    buf.writeUInt8(insn.jf as number, i * 8 + 3);
    buf.writeUInt32LE(insn.k >>> 0, i * 8 + 4);
  });
  return buf;
}

/**
 * A tiny interpreter for the subset of classic BPF the filter uses, so tests can check what the
 * bytes decide for a given call without loading them into a kernel.
 */
export function evaluateSeccompFilter(
  filter: Buffer,
  call: { arch: number; nr: number; args?: number[] },
): 'allow' | 'eperm' | 'kill' {
  const data = Buffer.alloc(64);
  data.writeInt32LE(call.nr, OFFSET_NR);
  data.writeUInt32LE(call.arch >>> 0, OFFSET_ARCH);
  (call.args ?? []).forEach((a, i) => data.writeUInt32LE(a >>> 0, OFFSET_ARG0_LOW + i * 8));
  let acc = 0;
  for (let pc = 0; pc * 8 < filter.length; pc++) {
    const code = filter.readUInt16LE(pc * 8);
    const jt = filter.readUInt8(pc * 8 + 2);
    const jf = filter.readUInt8(pc * 8 + 3);
    const k = filter.readUInt32LE(pc * 8 + 4);
    if (code === BPF_LD_W_ABS) acc = data.readUInt32LE(k);
    else if (code === BPF_JEQ_K) pc += acc === k ? jt : jf;
    else if (code === BPF_JGE_K) pc += acc >= k ? jt : jf;
    else if (code === BPF_RET_K) {
      if (k === SECCOMP_RET_ALLOW) return 'allow';
      if (k === (SECCOMP_RET_ERRNO | EPERM)) return 'eperm';
      return 'kill';
    } else throw new Error(`unexpected BPF opcode ${code}`);
  }
  throw new Error('BPF program fell off its end');
}
