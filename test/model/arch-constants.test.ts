// The spec's per-architecture constants against the real headers, as each architecture's own
// compiler reads them (test/support/cross.ts; nothing is run):
// - nr.rseq and nr.rseq_slice_yield against __NR_rseq and __NR_rseq_slice_yield of <asm/unistd.h>
//   in sid's linux-libc-dev, the newest kernel's (Architecture: all, one usr/include/<multiarch>/asm
//   per arch; the arch's `headers` names it);
// - sig against glibc's <bits/rseq.h> in trixie (glibc 2.41, the first with riscv and loongarch
//   signatures): RSEQ_SIG is sig.data, and where glibc spells them out, RSEQ_SIG_CODE is sig.code
//   and RSEQ_SIG_DATA sig.data. The host's comes from libc6-dev, every other from
//   libc6-dev-<debarch>-cross. aarch64_be and armeb are no Debian architectures: their signatures
//   are the big-endian branches of the arm64 and armhf packages' bits/rseq.h, which is glibc's one
//   header per CPU for both byte orders, read with -mbig-endian. Every arch of the spec has such a
//   package, so no RSEQ_SIG half is left out.
// -nostdinc: only the fetched trees are read, never the host's or a cross compiler's installed headers.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { Debian, DebianError, debianArch } from '../../src/kernel/debian.js';
import { loadModel, type Arch } from '../../src/model/index.js';
import { measure } from '../support/c-layout.js';
import { compilerFor, host } from '../support/cross.js';
import { describeNeeds, itNeeds, needTool } from '../support/tools.js';

const model = loadModel();
const debian = new Debian();
const kernelSuite = 'sid';
const libcSuite = 'trixie';
const sigMacros = ['RSEQ_SIG', 'RSEQ_SIG_CODE', 'RSEQ_SIG_DATA'] as const;

interface Tree { pkg: string; version: string; includeDirs: string[] }

/** The asm/unistd.h tree of an arch: sid's linux-libc-dev, usr/include and its multiarch dir. */
async function kernelTree(a: Arch): Promise<Tree> {
  const got = await debian.fetch('linux-libc-dev', kernelSuite);
  const arch = join(got.dir, 'usr/include', a.headers);
  if (!existsSync(join(arch, 'asm/unistd.h'))) throw new Error(`linux-libc-dev ${got.version} has no usr/include/${a.headers}/asm/unistd.h`);
  return { pkg: 'linux-libc-dev', version: got.version, includeDirs: [join(got.dir, 'usr/include'), arch] };
}

/** The Debian package of glibc's headers for an arch. */
async function libcPackage(a: Arch): Promise<string> {
  if (a.name === host) return 'libc6-dev';
  // aarch64_be-linux-gnu and armeb-linux-gnueabihf name no Debian architecture: their headers' one does
  const arch = await debianArch(a.triplet).catch((e: unknown) => {
    if (e instanceof DebianError && e.kind === 'tool') return debianArch(a.headers);
    throw e;
  });
  return `libc6-dev-${arch}-cross`;
}

/** The bits/rseq.h tree of an arch: usr/include/<multiarch> and usr/include, or a cross package's usr/<triplet>/include. */
async function libcTree(a: Arch): Promise<Tree> {
  const pkg = await libcPackage(a);
  const got = await debian.fetch(pkg, libcSuite);
  const roots = pkg === 'libc6-dev'
    ? [join(got.dir, 'usr/include', a.headers), join(got.dir, 'usr/include')]
    : readdirSync(join(got.dir, 'usr')).map((d) => join(got.dir, 'usr', d, 'include'));
  const includeDirs = roots.filter((d) => existsSync(d));
  if (!includeDirs.some((d) => existsSync(join(d, 'bits/rseq.h')))) throw new Error(`${pkg} ${got.version} has no bits/rseq.h`);
  return { pkg, version: got.version, includeDirs };
}

/** Every tree, fetched four at a time; a failure is kept for its test to report. */
const trees = new Map<string, Tree | Error>();
const jobs = model.arches.flatMap((a) => [
  { key: `kernel ${a.name}`, run: () => kernelTree(a) },
  { key: `libc ${a.name}`, run: () => libcTree(a) },
]);
const worker = async (): Promise<void> => {
  for (let job = jobs.shift(); job; job = jobs.shift()) trees.set(job.key, await job.run().catch((e: Error) => e));
};
await Promise.all([worker(), worker(), worker(), worker()]);
/** Why no header can be had at all: the mirror is unreachable, or apt or dpkg is missing. */
const unreachable = [...trees.values()]
  .find((t): t is DebianError => t instanceof DebianError && (t.kind === 'offline' || t.kind === 'tool'))?.message.split('\n')[0];

/** The macros a header defines for a target, by name (the compiler's -dM). */
function definedMacros(cc: string, flags: string[], includeDirs: string[], header: string): Promise<Set<string>> {
  const args = [...flags, ...includeDirs.flatMap((d) => ['-I', d]), '-dM', '-E', '-o', '-', '-x', 'c', '-'];
  return new Promise((done, fail) => {
    const child = execFile(cc, args, { encoding: 'utf8', maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) fail(new Error(`${cc} ${args.join(' ')} failed:\n${stderr || err.message}`));
      else done(new Set([...stdout.matchAll(/^#define (\w+)/gm)].map((m) => m[1])));
    });
    child.stdin!.end(`#include <${header}>\n`);
  });
}

const hex = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
const label = (a: Arch, t: Tree | Error | undefined) => (t && !(t instanceof Error) ? `${a.name}: ${t.pkg} ${t.version}` : a.name);

describeNeeds(unreachable, 'per-arch constants of the spec equal the real headers', () => {
  describe(`__NR_rseq and __NR_rseq_slice_yield: <asm/unistd.h> of ${kernelSuite}'s linux-libc-dev`, () => {
    for (const a of model.arches) {
      const { cc, flags, pkg } = compilerFor(a);
      const t = trees.get(`kernel ${a.name}`);
      itNeeds(needTool(cc, pkg), label(a, t), async () => {
        if (t instanceof Error) throw t;
        const got = await measure({
          compiler: cc, flags: [...flags, '-nostdinc'], includeDirs: t!.includeDirs, header: 'asm/unistd.h',
          enums: ['__NR_rseq', '__NR_rseq_slice_yield'], assert: a.macro,
        });
        expect({ rseq: got.enums.__NR_rseq, rseq_slice_yield: got.enums.__NR_rseq_slice_yield }, `${a.name} nr`).toEqual(a.nr);
      });
    }
  });

  describe(`RSEQ_SIG: glibc's <bits/rseq.h> of ${libcSuite}`, () => {
    for (const a of model.arches) {
      const { cc, flags, pkg } = compilerFor(a);
      const t = trees.get(`libc ${a.name}`);
      itNeeds(needTool(cc, pkg), label(a, t), async () => {
        if (t instanceof Error) throw t;
        // bits/rseq.h refuses inclusion unless sys/rseq.h is including it
        const req = { compiler: cc, flags: [...flags, '-nostdinc', '-D_SYS_RSEQ_H'], includeDirs: t!.includeDirs, header: 'bits/rseq.h' };
        const defined = await definedMacros(req.compiler, req.flags, req.includeDirs, req.header);
        const names = sigMacros.filter((m) => m === 'RSEQ_SIG' || defined.has(m));
        const got = await measure({ ...req, enums: names, assert: a.macro });
        const spec: Record<(typeof sigMacros)[number], number> = { RSEQ_SIG: a.sig.data, RSEQ_SIG_CODE: a.sig.code, RSEQ_SIG_DATA: a.sig.data };
        expect(Object.fromEntries(names.map((m) => [m, hex(got.enums[m])])), `${a.name} sig (${t!.pkg} ${t!.version})`)
          .toEqual(Object.fromEntries(names.map((m) => [m, hex(spec[m])])));
      });
    }
  });
});
