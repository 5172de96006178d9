// The model of each generation against the real UAPI headers of kernels of that generation, as
// gcc lays them out for every architecture of the spec: Debian's linux-libc-dev of several suites
// (and, for suites whose linux-libc-dev is per-architecture, the linux-libc-dev-<arch>-cross
// packages of the same suite) are fetched into ~/.cache/rseq-abi and compiled against, never the
// host's /usr/include. Offsets and sizes of every named member, sizeof and __alignof__ of each
// struct, and the enumerators with their values must equal the model's.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { Debian, DebianError, debianArch } from '../../src/kernel/debian.js';
import { compareVersionStrings as cmp, flatten, generationFor, layout, loadModel, type Arch } from '../../src/model/index.js';
import { enumerators, measure } from '../support/c-layout.js';
import { compilerFor, host } from '../support/cross.js';
import { describeNeeds, itNeeds, needTool } from '../support/tools.js';

const model = loadModel();
const headers = ['linux/rseq.h', 'linux/ptrace.h'];

/**
 * Which headers stand for which generation. `cross`: the linux-libc-dev-<arch>-cross packages for
 * every arch, host included.
 */
const cases: { suite: string; cross?: boolean; hostOnly?: boolean; why: string }[] = [
  { suite: 'bullseye', cross: true, why: '5.10.13/5.10.28 cross headers: rseq_cs is still the union' },
  // Debian's 5.10.2xx linux-libc-dev already has the 5.18 plain __u64: the spec records that 5.10
  // stable took the change in 5.10.110, and the model spells the field as that release does.
  { suite: 'bullseye', hostOnly: true, why: 'the 5.18 rseq_cs, backported to 5.10 stable' },
  { suite: 'bookworm', why: '6.1' },
  { suite: 'trixie', why: '6.12' },
  { suite: 'trixie-backports', why: '7.x' },
  { suite: 'sid', why: '7.x' },
];

/** Architectures younger than some suites' kernels: those suites ship no header for them. */
const notInEverySuite = new Set(['loongarch64']);

interface Tree { pkg: string; version: string; includeDirs: string[] }

const upstream = (v: string) => v.replace(/^\d+:/, '').replace(/-[^-]*$/, '');

/** The include directory of a linux-libc-dev-<arch>-cross tree: usr/<triplet>/include. */
function crossInclude(dir: string): string {
  const sub = readdirSync(join(dir, 'usr')).find((d) => existsSync(join(dir, 'usr', d, 'include', 'linux', 'rseq.h')));
  if (!sub) throw new Error(`${dir}: no usr/<triplet>/include/linux/rseq.h`);
  return join(dir, 'usr', sub, 'include');
}

const debian = new Debian();
const tested = model.arches.filter((a) => !needTool(compilerFor(a).cc));

/** Fetches the header tree of a case for an arch. */
async function tree(c: (typeof cases)[number], a: Arch): Promise<Tree> {
  const native = c.cross ? undefined : await debian.fetch('linux-libc-dev', c.suite);
  const all = native && (await debian.record('linux-libc-dev', native.version)).architecture === 'all';
  if (native && (all || a.name === host)) {
    const asm = join(native.dir, 'usr/include', a.headers);
    if (!existsSync(join(asm, 'asm'))) throw new Error(`linux-libc-dev ${native.version} has no ${asm}/asm`);
    return { pkg: 'linux-libc-dev', version: native.version, includeDirs: [join(native.dir, 'usr/include'), asm] };
  }
  const pkg = `linux-libc-dev-${await debianArch(a.headers)}-cross`;
  const got = await debian.fetch(pkg, c.suite);
  return { pkg, version: got.version, includeDirs: [crossInclude(got.dir)] };
}

/** Every tree, fetched four at a time; a failure is kept for its test to report. */
const trees = new Map<string, Tree | Error>();
const jobs = cases.flatMap((c, i) => tested.filter((a) => !c.hostOnly || a.name === host).map((a) => ({ key: `${i} ${a.name}`, run: () => tree(c, a) })));
const worker = async (): Promise<void> => {
  for (let job = jobs.shift(); job; job = jobs.shift()) trees.set(job.key, await job.run().catch((e: Error) => e));
};
await Promise.all([worker(), worker(), worker(), worker()]);
/** Why no header can be had at all: the mirror is unreachable, or apt or dpkg is missing. */
const unreachable = [...trees.values()]
  .find((t): t is DebianError => t instanceof DebianError && (t.kind === 'offline' || t.kind === 'tool'))?.message.split('\n')[0];

/** What the model says a header of `kernel` (laid out as generation `gen`) contains, in measure()'s shape. */
function expected(kernel: string, gen: string, a: Arch) {
  const structs = model.structs.filter((s) => cmp(s.since, kernel) <= 0).map((s) => {
    const l = layout(model, s.name, gen, a, kernel);
    const members = Object.fromEntries(flatten(l.fields).filter((f) => f.name).map((f) => [f.path, f.end ? { offset: f.offset } : { offset: f.offset, size: f.size }]));
    return [s.name, { size: l.size, align: l.align, members }] as const;
  });
  const enums = model.enums.filter((e) => cmp(e.since, kernel) <= 0)
    .map((e) => [e.name, e.values.filter((v) => cmp(v.since, kernel) <= 0)] as const);
  return {
    structs: Object.fromEntries(structs),
    enums: Object.fromEntries(enums.flatMap(([, vs]) => vs.map((v) => [v.name, v.value]))),
    enumerators: Object.fromEntries(enums.map(([name, vs]) => [name, vs.map((v) => v.name)])),
  };
}

describeNeeds(unreachable, 'the model equals real UAPI headers', () => {
  cases.forEach((c, i) => {
    describe(`${c.suite}${c.cross ? ' cross' : ''} (${c.why})`, () => {
      for (const a of model.arches.filter((x) => !c.hostOnly || x.name === host)) {
        const { cc, flags, pkg } = compilerFor(a);
        const t = trees.get(`${i} ${a.name}`);
        // loongarch64 came with 5.19: bullseye and bookworm have no header of it to hold the model against.
        if (notInEverySuite.has(a.name) && t instanceof DebianError && t.kind === 'not-found') continue;
        const name = t && !(t instanceof Error) ? `${a.name}: ${t.pkg} ${t.version}` : a.name;
        itNeeds(needTool(cc, pkg), name, async () => {
          if (t instanceof Error) throw t;
          const kernel = upstream(t!.version);
          const gen = generationFor(model, kernel)!.kernel;
          const want = expected(kernel, gen, a);
          const req = { compiler: cc, flags, includeDirs: t!.includeDirs, header: headers, assert: a.macro };
          const got = await measure({
            ...req,
            structs: Object.entries(want.structs).map(([s, l]) => ({
              name: s, members: Object.entries(l.members).map(([p, m]) => ('size' in m ? p : { path: p, size: false as const })),
            })),
            enums: Object.keys(want.enums),
          });
          const names = Object.fromEntries(await Promise.all(Object.keys(want.enumerators).map(async (e) => [e, await enumerators(req, e)])));
          expect({ ...got, enumerators: names }, `${a.name}, ${t!.pkg} ${t!.version} as generation ${gen}`).toEqual(want);
        });
      }
    });
  });
});
