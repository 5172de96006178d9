// The predictor against the live kernel: every case is run for real by test/support/syscall-probe.c
// and its errno and fatal signal must equal what predict() says for this machine's kernel and arch.
import { machine, release } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect } from 'vitest';
import { loadModel } from '../../src/model/index.js';
import { predict } from '../../src/rules/index.js';
import { buildProbe, probe, rseqUnavailable, type Case, type LiveOutcome } from '../support/syscall-probe.js';
import { itNeeds, needTool } from '../support/tools.js';

const specPath = fileURLToPath(new URL('../../spec/rseq.yaml', import.meta.url));
const kernel = release();
/** uname -m -> the spec's architecture name (the little-endian and default-ABI ones). */
const arch = ({ armv7l: 'arm', armv8l: 'arm', mips: 'mips_o32', mips64: 'mips_n64' } as Record<string, string>)[machine()] ?? machine();

const noCC = needTool('cc', 'gcc');
const exe = noCC ? undefined : buildProbe();
const reason = noCC ?? rseqUnavailable(exe!);

const base: Case = { op: 'register', len: 32, align: 32, flags: 0, sig: 'default', addr: 'valid', registered: null };
const c = (over: Partial<Case>): Case => ({ ...base, ...over });
const reg32 = { ptr: 'same', len: 32, sig: 'default' } as const;

function show(o: { errno: unknown; signal?: unknown; rule?: unknown }): string {
  return `${o.errno}${o.signal ? ` + ${o.signal}` : ''}${o.rule ? ` (rule ${o.rule})` : ''}`;
}

/** Lists every case whose live errno or signal differs from the prediction. */
function mismatches(cases: Case[], live: LiveOutcome[] = probe(exe!, cases)): string[] {
  const model = loadModel(specPath);
  return cases.flatMap((k, i) => {
    const p = predict(model, kernel, arch, k);
    const l: LiveOutcome = live[i];
    if (p.errno === l.errno && (p.signal ?? undefined) === l.signal) return [];
    return [`${JSON.stringify(k)}: live ${show(l)}, predicted ${show(p)} for ${kernel} ${arch}`];
  });
}

// tools/testing/selftests/rseq/syscall_errors_test.c, one step per case: the registration the
// selftest has made by then becomes the case's `registered`.
const lp64NotS390 = !['ia32', 'arm', 'mips', 'mipsel', 'ppc', 's390', 's390x'].includes(process.arch);
const selftest: [string, Case, LiveOutcome['errno']][] = [
  ['flags -1', c({ flags: -1 }), 'EINVAL'],
  ['address + 1', c({ align: 1 }), 'EINVAL'],
  ['len 31', c({ len: 31 }), 'EINVAL'],
  ...(lp64NotS390 ? [['address -4096', c({ addr: 'kernel' }), 'EFAULT'] as [string, Case, 'EFAULT']] : []),
  ['register', c({}), 0],
  ['register again', c({ registered: reg32 }), 'EBUSY'],
  ['unregister with sig + 1', c({ op: 'unregister', sig: 'other', registered: reg32 }), 'EPERM'],
  ['unregister', c({ op: 'unregister', registered: reg32 }), 0],
  ['unregister again', c({ op: 'unregister' }), 'EINVAL'],
];

const lens = [0, 16, 20, 28, 31, 32, 33, 64, 4096];
const aligns = [4, 8, 16, 32, 64, 128];
const flagSet = [0, 1, 2, 4, 0x80000000 | 0];
const sigs = ['default', 'other'] as const;
/** Registrations that every kernel generation accepts at an address of the given alignment. */
const registrations = (align: number) =>
  (['same', 'other'] as const).flatMap((ptr) =>
    [32, 64].filter((len) => ptr === 'other' || align >= len).flatMap((len) => sigs.map((sig) => ({ ptr, len, sig }))));

const matrix: Case[] = [
  // length x alignment x flags on an unregistered thread
  ...lens.flatMap((len) => aligns.flatMap((align) => flagSet.map((flags) => c({ len, align, flags })))),
  // registering again, identically or not
  ...[32, 33, 64].flatMap((len) => [32, 64, 128].flatMap((align) => [0, 2].flatMap((flags) => sigs.flatMap((sig) =>
    registrations(align).map((registered) => c({ len, align, flags, sig, registered })))))),
  // unregistering: flags, length, signature and pointer against the registration
  ...[0, 31, 32, 33, 64].flatMap((len) => [32, 64].flatMap((align) => [0, 1, 2, 0x80000000 | 0].flatMap((flags) =>
    sigs.flatMap((sig) => [null, ...registrations(align)].map((registered) =>
      c({ op: 'unregister', len, align, flags, sig, registered })))))),
  // addresses that are not a usable area
  ...(['null', 'unmapped', 'kernel'] as const).flatMap((addr) => [0, 20, 31, 32, 33, 64, 4096].flatMap((len) =>
    (['register', 'unregister'] as const).flatMap((op) => [null, { ...reg32, ptr: 'other' as const }].map((registered) =>
      c({ op, len, addr, registered }))))),
];

describe(`sys_rseq on the live kernel (${kernel}, ${arch}) equals the prediction`, () => {
  itNeeds(reason, 'the syscall_errors_test sequence', () => {
    const live = probe(exe!, selftest.map(([, k]) => k));
    // the probe itself against the selftest's expectations, then the predictor against the probe
    expect(selftest.map(([name], i) => `${name}: ${show(live[i])}`))
      .toEqual(selftest.map(([name, , errno]) => `${name}: ${errno}`));
    expect(mismatches(selftest.map(([, k]) => k), live)).toEqual([]);
  });

  itNeeds(reason, `a length x alignment x flags x registration matrix (${matrix.length} cases)`, () => {
    expect(mismatches(matrix)).toEqual([]);
  });
});
