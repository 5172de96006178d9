// The predictor against the live kernel: every case of the generated helper's matrix is run for
// real (generated/helper/rseq-abi-helper.c, built and run by src/kernel/helper.ts), and its errno
// and fatal signal must equal what predict() says for this machine's kernel and arch.
import { readFileSync } from 'node:fs';
import { describe, expect } from 'vitest';
import { buildHelper, runHelper, type HelperCaseResult, type HelperReport } from '../../src/kernel/helper.js';
import { loadModel } from '../../src/model/index.js';
import { packagePath } from '../../src/paths.js';
import { predict, Case } from '../../src/rules/index.js';
import { itNeeds, missing, needTool } from '../support/tools.js';

const model = loadModel();
const noCC = missing(needTool('cc', 'gcc'));
const report: HelperReport | undefined = noCC ? undefined : await runHelper(buildHelper({
  helper: readFileSync(packagePath('generated', 'helper', 'rseq-abi-helper.c'), 'utf8'),
  header: readFileSync(packagePath('generated', 'c', 'rseq-abi.h'), 'utf8'),
}));
const reason = noCC ?? (report!.available ? undefined : 'this kernel has no rseq system call (rseq(NULL, 0, 0, 0) gives ENOSYS)');
const kernel = report?.uname.release ?? '';
const arch = report?.helper.arch ?? '';
const cases = report?.cases ?? [];

const show = (o: { errno?: unknown; signal?: unknown; rule?: unknown }) => `${o.errno}${o.signal ? ` + ${o.signal}` : ''}${o.rule ? ` (rule ${o.rule})` : ''}`;
const predictable = (r: HelperCaseResult) => r.case.addr !== 'readonly' && !r.setupError;

/** The helper's case that matches a selftest step. */
function find(want: Partial<HelperCaseResult['case']> & { setup?: HelperCaseResult['setup'] }): HelperCaseResult {
  const { setup = 'none', ...c } = want;
  const hit = cases.find((r) => r.setup === setup && Object.entries({ op: 'register', len: 32, align: 32, flags: 0, sig: 'default', addr: 'valid', registered: null, ...c })
    .every(([k, v]) => JSON.stringify(r.case[k as keyof typeof r.case]) === JSON.stringify(v)));
  if (!hit) throw new Error(`the helper's matrix has no case ${JSON.stringify(want)}`);
  return hit;
}

describe(`sys_rseq on the live kernel (${kernel}, ${arch}) equals the prediction`, () => {
  const lp64NotS390 = !['ia32', 'arm', 'mips', 'mipsel', 'ppc', 's390', 's390x'].includes(process.arch);
  const reg32 = { ptr: 'same', len: 32, sig: 'default' } as const;
  // tools/testing/selftests/rseq/syscall_errors_test.c, one step per case
  itNeeds(reason, 'the syscall_errors_test sequence', () => {
    const steps: [string, Parameters<typeof find>[0], unknown][] = [
      ['flags -1', { flags: 0xffffffff }, 'EINVAL'],
      ['address + 1', { align: 1 }, 'EINVAL'],
      ['len 31', { len: 31 }, 'EINVAL'],
      ...(lp64NotS390 ? [['address -4096', { addr: 'kernel' as const }, 'EFAULT'] as [string, Parameters<typeof find>[0], unknown]] : []),
      ['register', { align: 64 }, 0],
      ['register again', { align: 64, registered: reg32, setup: 'registered' }, 'EBUSY'],
      ['unregister with sig + 1', { op: 'unregister', align: 64, sig: 'other', registered: reg32, setup: 'registered' }, 'EPERM'],
      ['unregister', { op: 'unregister', align: 64, registered: reg32, setup: 'registered' }, 0],
      ['unregister again', { op: 'unregister', align: 64, setup: 'unregistered' }, 'EINVAL'],
    ];
    expect(steps.map(([name, want]) => `${name}: ${show(find(want))}`)).toEqual(steps.map(([name, , errno]) => `${name}: ${errno}`));
  });

  itNeeds(reason, `every case of the helper's matrix (${cases.length} cases)`, () => {
    const mismatches = cases.filter(predictable).flatMap((r) => {
      const p = predict(model, kernel, arch, Case.parse(r.case));
      const seen = { errno: r.errno, signal: r.signal ?? undefined };
      if (p.errno === seen.errno && p.signal === seen.signal) return [];
      return [`${r.id}: live ${show(seen)}, predicted ${show(p)} for ${kernel} ${arch}`];
    });
    expect(mismatches).toEqual([]);
    expect(cases.filter(predictable).length).toBeGreaterThan(500);
  });
});
