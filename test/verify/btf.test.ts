// verify btf: the spec against the BTF of this machine's kernel and of real kernels of every
// generation (trimmed blobs cut from Debian's packages, see test/fixtures/btf/README.md).
import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { describe, expect, it } from 'vitest';
import { KERNEL_BTF, parseBtfOrElf, readKernelBtf } from '../../src/kernel/btf.js';
import { defaultSpecPath, findArch, loadModel, resolve } from '../../src/model/index.js';
import { validateSpec } from '../../src/spec/index.js';
import { verifyBtf } from '../../src/verify/btf.js';
import { itNeeds } from '../support/tools.js';

const model = loadModel();
const x86 = findArch(model, 'x86_64')!;
const fixture = (name: string) => parseBtfOrElf(readFileSync(new URL(`../fixtures/btf/${name}`, import.meta.url)));
const blobs = [
  { file: 'linux-5.10-bullseye.btf', kernel: '5.10.223', arch: 'x86_64', generation: '4.18' },
  { file: 'linux-6.1-bookworm.btf', kernel: '6.1.176', arch: 'x86_64', generation: '5.18' },
  { file: 'linux-6.12-trixie.btf', kernel: '6.12.117', arch: 'x86_64', generation: '6.3' },
  { file: 'linux-6.12-trixie-s390x.btf', kernel: '6.12.107', arch: 's390x', generation: '6.3' },
  { file: 'linux-7.2-sid.btf', kernel: '7.2.13', arch: 'x86_64', generation: '7.0.10' },
  { file: 'linux-7.3-trixie-backports.btf', kernel: '7.3.4', arch: 'x86_64', generation: '7.0.10' },
];

describe('verify btf', () => {
  itNeeds(existsSync(KERNEL_BTF) ? undefined : `${KERNEL_BTF} is missing (kernel without CONFIG_DEBUG_INFO_BTF)`, 'this machine\'s kernel agrees with the spec', () => {
    const r = verifyBtf(model, readKernelBtf(), release(), x86);
    expect(r.checks.filter((c) => !c.ok)).toEqual([]);
    expect(r.checks.length).toBeGreaterThan(20);
  });

  for (const b of blobs) {
    it(`Debian ${b.kernel} (${b.arch}) agrees with generation ${b.generation}`, () => {
      const r = verifyBtf(model, fixture(b.file), b.kernel, findArch(model, b.arch)!);
      expect(r.generation).toBe(b.generation);
      expect(r.checks.filter((c) => !c.ok)).toEqual([]);
    });
  }

  it('a kernel held against the wrong generation shows every difference', () => {
    const r = verifyBtf(model, fixture('linux-7.3-trixie-backports.btf'), '6.12', x86);
    const names = r.checks.filter((c) => !c.ok).map((c) => `${c.item} ${c.name}`);
    expect(names).toEqual(expect.arrayContaining(['rseq sizeof', 'rseq end', 'rseq slice_ctrl', 'rseq __reserved', 'rseq_flags RSEQ_FLAG_SLICE_EXT_DEFAULT_ON']));
  });

  it('an enum value the kernel does not have is a mismatch', () => {
    const text = readFileSync(defaultSpecPath, 'utf8').replace('{name: RSEQ_CPU_ID_REGISTRATION_FAILED, value: -2,', '{name: RSEQ_CPU_ID_REGISTRATION_FAILED, value: -3,');
    const m = resolve(validateSpec(text, 'spec/rseq.yaml').spec!);
    const r = verifyBtf(m, fixture('linux-6.12-trixie.btf'), '6.12.117', findArch(m, 'x86_64')!);
    expect(r.checks.filter((c) => !c.ok)).toEqual([{ item: 'rseq_cpu_id_state', name: 'RSEQ_CPU_ID_REGISTRATION_FAILED', expected: String(2 ** 32 - 3), observed: String(2 ** 32 - 2), ok: false }]);
  });
});
