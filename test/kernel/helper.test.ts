// The generated helper, built with the system cc and run for real: its cache, its JSON, its
// matrix derived from the spec, and what happens when it hangs or a case is killed.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HELPER_SCHEMA as GENERATED_SCHEMA, helperCases } from '../../generators/helper/index.js';
import { buildHelper, HELPER_SCHEMA, HelperError, NoCompilerError, runHelper, type HelperSources } from '../../src/kernel/helper.js';
import { compareVersionStrings, loadModel } from '../../src/model/index.js';
import { packagePath } from '../../src/paths.js';
import { itNeeds, missing, needTool, which } from '../support/tools.js';

const model = loadModel();
const sources: HelperSources = {
  helper: readFileSync(packagePath('generated', 'helper', 'rseq-abi-helper.c'), 'utf8'),
  header: readFileSync(packagePath('generated', 'c', 'rseq-abi.h'), 'utf8'),
};
const cacheDir = mkdtempSync(join(tmpdir(), 'rseq-abi-helper-'));
const noCC = missing(needTool('cc', 'gcc'));
const exe = noCC ? '' : buildHelper(sources, { cacheDir });

describe('the helper case matrix, derived from the spec', () => {
  const cases = helperCases(model);
  const registerLens = new Set(cases.filter((c) => c.op === 'register' && c.setup === 'none' && c.addr === 'valid').map((c) => c.len));

  it('has lengths around every feature size, allocation size and accepted-length boundary', () => {
    for (const g of model.generations) for (const n of [g.featureSize - 1, g.featureSize, g.featureSize + 1, g.allocation.size]) expect(registerLens).toContain(n);
    for (const n of [0, 16, 31, 32, 33, 4096, 0xffffffff]) expect(registerLens).toContain(n);
  });

  it('follows the spec: a new feature size is probed without a code change', () => {
    const lens = new Set(helperCases({ ...model, generations: model.generations.map((g, i, a) => (i === a.length - 1 ? { ...g, featureSize: 41 } : g)) }).map((c) => c.len));
    for (const n of [40, 41, 42]) expect(lens).toContain(n);
  });

  it('has alignments 4 to 128, every rseq_flags bit and one undefined, both signatures, every state and address', () => {
    expect([...new Set(cases.filter((c) => c.addr === 'valid' && c.setup === 'none').map((c) => c.align))].sort((a, b) => a - b)).toEqual([1, 4, 8, 16, 32, 64, 128]);
    const flags = new Set(cases.map((c) => c.flags));
    for (const v of model.enums.find((e) => e.name === 'rseq_flags')!.values) expect(flags).toContain(v.value);
    expect(flags).toContain(4);
    expect(new Set(cases.map((c) => c.sig))).toEqual(new Set(['default', 'other']));
    expect(new Set(cases.map((c) => c.setup))).toEqual(new Set(['none', 'registered', 'unregistered']));
    expect(new Set(cases.map((c) => c.addr))).toEqual(new Set(['valid', 'null', 'unmapped', 'kernel', 'readonly']));
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
  });

  it('names one JSON schema on both sides', () => {
    expect(GENERATED_SCHEMA).toBe(HELPER_SCHEMA);
  });
});

describe('building and running the helper', () => {
  it('a missing compiler is a NoCompilerError', () => {
    expect(() => buildHelper(sources, { cc: '/nonexistent/cc', cacheDir })).toThrow(NoCompilerError);
  });

  itNeeds(noCC, 'caches the build by source and compiler, and rebuilds for another source', () => {
    const again = buildHelper(sources, { cacheDir });
    expect(again).toBe(exe);
    expect(statSync(again).mtimeMs).toBe(statSync(exe).mtimeMs);
    const other = buildHelper({ ...sources, helper: `${sources.helper}\n/* another source */\n` }, { cacheDir });
    expect(other).not.toBe(exe);
  }, 60_000);

  itNeeds(noCC, 'prints one document of the versioned schema, with every case of the matrix', async () => {
    const r = await runHelper(exe);
    expect(r.schema).toBe(HELPER_SCHEMA);
    if (!r.available) return;
    expect(r.cases).toHaveLength(helperCases(model).length);
    expect(r.cases!.every((c) => c.setupError || c.errno !== undefined)).toBe(true);
    expect(r.own?.cpus?.length).toBeGreaterThan(0);
  });

  itNeeds(noCC, 'a case killed by a signal is reported as such, and the run goes on', async () => {
    const r = await runHelper(exe, { env: { RSEQ_ABI_HELPER_KILL: '5' } });
    if (!r.available) return;
    expect(r.cases![4]).toMatchObject({ forked: true, signal: 'SIGSEGV' });
    expect(r.cases![4].errno).not.toBe('?');
    expect(r.cases).toHaveLength(helperCases(model).length);
    expect(r.cases!.filter((c) => c.signal === 'SIGSEGV' && c.case.addr === 'valid')).toHaveLength(1);
  });

  itNeeds(noCC, 'a hung helper is killed at its timeout', async () => {
    const t0 = Date.now();
    const err = await runHelper(exe, { timeoutMs: 300, env: { RSEQ_ABI_HELPER_SLEEP: '30' } }).catch((e) => e);
    expect(err).toBeInstanceOf(HelperError);
    expect((err as HelperError).kind).toBe('timeout');
    expect((err as Error).message).toMatch(/did not finish within 300 ms/);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  // static: for a VM's initramfs; glibc's symbols come through weak references there
  const noStatic = noCC ?? (spawnSync('cc', ['-print-file-name=libc.a'], { encoding: 'utf8' }).stdout.trim().startsWith('/') ? undefined : 'no static libc (libc6-dev)');
  itNeeds(noStatic, 'builds statically and runs the same matrix', async () => {
    const st = buildHelper(sources, { cacheDir, static: true });
    expect(st).not.toBe(exe);
    const r = await runHelper(st);
    expect(r.helper.static).toBe(true);
    if (!r.available) return;
    expect(r.cases).toHaveLength(helperCases(model).length);
    if (r.glibc?.version && compareVersionStrings(r.glibc.version, '2.35') >= 0) expect(r.glibc.symbols).toBe(true);
  }, 60_000);

  itNeeds(noCC, 'a seccomp filter returning ENOSYS makes rseq unavailable', async () => {
    const r = await runHelper(exe, { env: { RSEQ_ABI_HELPER_NOSYS: '1' } });
    expect(r).toMatchObject({ available: false, probe: { errno: 'ENOSYS' } });
    expect(r.cases).toBeUndefined();
  });
});

describe('the generated helper compiles warning-free', () => {
  const file = packagePath('generated', 'helper', 'rseq-abi-helper.c');
  itNeeds(noCC, 'with the host compiler, dynamic and static, -Werror', () => {
    execFileSync('cc', ['-std=gnu11', '-O2', '-Wall', '-Wextra', '-Werror', '-fsyntax-only', file]);
    execFileSync('cc', ['-std=gnu11', '-O2', '-Wall', '-Wextra', '-Werror', '-DRSEQ_ABI_HELPER_STATIC', '-fsyntax-only', file]);
  });

  // A cross compiler is usable when its libc headers are installed too (libc6-dev-<arch>-cross).
  const usable = (cc: string) => {
    if (!which(cc)) return false;
    const probe = join(cacheDir, 'probe.c');
    writeFileSync(probe, '#include <stdio.h>\n#include <asm/types.h>\nint main(void) { return 0; }\n');
    return spawnSync(cc, ['-fsyntax-only', probe]).status === 0;
  };
  for (const cc of ['aarch64-linux-gnu-gcc', 'arm-linux-gnueabihf-gcc', 'riscv64-linux-gnu-gcc', 'powerpc64le-linux-gnu-gcc', 's390x-linux-gnu-gcc', 'i686-linux-gnu-gcc']) {
    const why = usable(cc) ? undefined : `${cc} with its libc headers is not installed (gcc-<triplet>, libc6-dev-<arch>-cross)`;
    itNeeds(why, `cross-compiles statically with ${cc}`, () => {
      execFileSync(cc, ['-std=gnu11', '-O2', '-Wall', '-Wextra', '-Werror', '-DRSEQ_ABI_HELPER_STATIC', '-fsyntax-only', file]);
    });
  }
});
