import { describe, expect, it } from 'vitest';
import {
  AUDIT_ARCH_X86_64,
  DENIED_SYSCALLS,
  SYSCALL_SOCKET,
  buildSeccompFilter,
  evaluateSeccompFilter,
} from './seccomp.ts';

const filter = buildSeccompFilter();
const x86 = (nr: number, args?: number[]) =>
  evaluateSeccompFilter(filter, { arch: AUDIT_ARCH_X86_64, nr, args });

describe('seccomp filter bytes', () => {
  it('denies every listed call with EPERM', () => {
    for (const [name, nr] of Object.entries(DENIED_SYSCALLS))
      expect([name, x86(nr)]).toEqual([name, 'eperm']);
    for (const name of [
      'ptrace',
      'keyctl',
      'io_uring_setup',
      'bpf',
      'userfaultfd',
      'perf_event_open',
      'mount',
      'umount2',
      'unshare',
      'setns',
    ])
      expect(DENIED_SYSCALLS[name]).toBeTypeOf('number');
  });

  it('allows ordinary calls and ordinary sockets, denies AF_VSOCK sockets', () => {
    for (const nr of [0, 1, 2, 9, 12, 56, 57, 59, 60, 231, 257]) expect(x86(nr)).toBe('allow');
    expect(x86(SYSCALL_SOCKET, [2, 1, 0])).toBe('allow'); // AF_INET: the network namespace has only loopback
    expect(x86(SYSCALL_SOCKET, [40, 1, 0])).toBe('eperm');
  });

  it('kills a foreign architecture and the x32 ABI', () => {
    expect(evaluateSeccompFilter(filter, { arch: 0x40000003, nr: 26 })).toBe('kill'); // i386 ptrace
    expect(x86(0x40000000 + 101)).toBe('kill');
  });

  it('is a whole number of 8-byte instructions', () => {
    expect(filter.length % 8).toBe(0);
    expect(filter.length / 8).toBeGreaterThan(Object.keys(DENIED_SYSCALLS).length);
  });
});
