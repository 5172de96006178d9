// The predictor on kernels this machine does not run, held against the behaviour the kernel's
// sources and selftests document (reference facts §5, §8), one kernel range at a time.
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/model/index.js';
import { Case, predict, type CaseInput } from '../../src/rules/index.js';
import { kernelVersion } from '../../src/model/version.js';

const model = loadModel();
const outcome = (kernel: string, c: CaseInput) => predict(model, kernel, 'x86_64', Case.parse(c));
const errno = (kernel: string, c: CaseInput) => outcome(kernel, c).errno;

describe('predict', () => {
  it('reads the stable version a distribution puts in uname -v', () => {
    expect(kernelVersion('6.1.0-27-amd64', '#1 SMP PREEMPT_DYNAMIC Debian 6.1.176-1 (2026-10-02)')).toBe('6.1.176');
    expect(kernelVersion('6.18.44-fc-v1147', '#1 SMP PREEMPT_DYNAMIC @0')).toBe('6.18.44-fc-v1147');
  });

  it('maps release strings to the rules in force', () => {
    const c = { op: 'register', len: 33, align: 32 } as const;
    expect(errno('6.1.0-27-amd64', c)).toBe('EINVAL'); // only 32 before 6.3
    expect(errno('6.12.117+deb13-cloud-amd64', c)).toBe(0);
    expect(errno('7.3.4', c)).toBe('EINVAL'); // 64-aligned from 7.0
    expect(errno('4.17.19', c)).toBe('ENOSYS');
  });

  it('accepts the legacy 32 bytes at 32 on every kernel with rseq', () => {
    for (const k of ['4.18', '5.10', '6.1', '6.12', '6.18', '7.0', '7.3']) expect(errno(k, { op: 'register', len: 32, align: 32 })).toBe(0);
  });

  it('accepts longer areas from 6.3 only from the feature size on', () => {
    expect(errno('6.12', { op: 'register', len: 28, align: 32 })).toBe('EINVAL');
    expect(errno('6.12', { op: 'register', len: 4096, align: 32 })).toBe(0);
    expect(errno('6.12', { op: 'register', len: 64, align: 16 })).toBe('EINVAL');
    expect(errno('7.0', { op: 'register', len: 33, align: 64 })).toBe(0);
  });

  it('knows RSEQ_FLAG_SLICE_EXT_DEFAULT_ON from 7.0', () => {
    expect(errno('6.18', { op: 'register', len: 32, flags: 2 })).toBe('EINVAL');
    expect(errno('7.0', { op: 'register', len: 32, flags: 2 })).toBe(0);
    expect(errno('7.0', { op: 'register', len: 32, flags: 4 })).toBe('EINVAL');
  });

  it('picks v2 mode by registration length from 7.0.10', () => {
    expect(outcome('7.0.9', { op: 'register', len: 64, align: 64 }).mode).toBe('legacy');
    expect(outcome('7.0.10', { op: 'register', len: 64, align: 64 }).mode).toBe('v2');
    expect(outcome('7.1', { op: 'register', len: 32, align: 32 }).mode).toBe('legacy');
  });

  it('faults in the syscall from 6.15 (and its stable backports) and on the way back to user space before', () => {
    expect(outcome('6.12', { op: 'register', len: 32, addr: 'unmapped' })).toMatchObject({ errno: 0, signal: 'SIGSEGV' });
    expect(outcome('6.12', { op: 'register', len: 32, addr: 'null' })).toEqual({ errno: 0, rule: 'R8N' }); // NULL: stays unregistered
    expect(outcome('6.12.117', { op: 'register', len: 32, addr: 'null' })).toMatchObject({ errno: 'EFAULT' });
    expect(outcome('6.13', { op: 'register', len: 32, addr: 'unmapped' })).toMatchObject({ signal: 'SIGSEGV' });
    expect(outcome('6.15', { op: 'register', len: 32, addr: 'null' })).toMatchObject({ errno: 'EFAULT' });
    expect(errno('5.10', { op: 'register', len: 32, addr: 'kernel' })).toBe('EFAULT');
  });

  it('checks unregistration in the documented order', () => {
    const registered = { ptr: 'same', len: 32, sig: 'default' } as const;
    expect(errno('6.12', { op: 'unregister', len: 32, flags: 2, registered })).toBe('EINVAL');
    expect(errno('6.12', { op: 'unregister', len: 32 })).toBe('EINVAL');
    expect(errno('6.12', { op: 'unregister', len: 64, registered })).toBe('EINVAL');
    expect(errno('6.12', { op: 'unregister', len: 32, sig: 'other', registered })).toBe('EPERM');
    expect(errno('6.12', { op: 'unregister', len: 32, registered })).toBe(0);
    expect(errno('6.12', { op: 'unregister', len: 64, registered: { ...registered, len: 64 } })).toBe(0);
    expect(errno('6.1', { op: 'unregister', len: 64, registered: { ...registered, len: 64 } })).toBe('EINVAL');
  });

  it('names the step that decided', () => {
    expect(outcome('6.18', { op: 'register', len: 32, registered: { ptr: 'same', len: 32, sig: 'default' } })).toEqual({ errno: 'EBUSY', rule: 'R4' });
  });
});
