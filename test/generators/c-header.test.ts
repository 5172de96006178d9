// The generated headers compile standalone, pedantically, as C90, C11 and C++17 with the host
// compiler and with Debian's cross compilers, and every layout assert in them holds there. The
// kernel's own <linux/types.h> and asm/ headers come from Debian's linux-libc-dev (all arches).
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateCHeaders, headerFor } from '../../generators/c-header/index.js';
import { Debian } from '../../src/kernel/debian.js';
import { loadModel, resolve } from '../../src/model/index.js';
import { validateSpec } from '../../src/spec/index.js';
import { readFileSync } from 'node:fs';
import { defaultSpecPath } from '../../src/model/index.js';
import { describeNeeds, inCI, itNeeds, needTool } from '../support/tools.js';

const run = promisify(execFile);
const model = loadModel();
const files = generateCHeaders(model);
const dir = mkdtempSync(join(tmpdir(), 'rseq-abi-h-'));
for (const f of files) writeFileSync(join(dir, f.path.replace('c/', '')), f.content);

const strict = ['-Wall', '-Wextra', '-Werror', '-pedantic', '-fsyntax-only'];
const modes = [
  { name: 'C90', lang: 'c', std: '-std=c90', cc: (c: string) => c },
  { name: 'C11', lang: 'c', std: '-std=c11', cc: (c: string) => c },
  { name: 'C++17', lang: 'c++', std: '-std=c++17', cc: (c: string) => c.replace(/gcc$/, 'g++').replace(/^cc$/, 'c++') },
];

async function compile(cc: string, lang: string, std: string, header: string, include: string[] = [], extra: string[] = []) {
  const src = join(dir, `use-${header}.${lang === 'c' ? 'c' : 'cc'}`);
  writeFileSync(src, `#include "${header}"\nint rseq_abi_use(struct rseq *r) { return (int)r->cpu_id + RSEQ_ABI_FEATURE_SIZE; }\n`);
  await run(cc, [...strict, std, '-x', lang, '-I', dir, ...include.flatMap((d) => ['-isystem', d]), ...extra, src]);
}

describeNeeds(needTool('cc', 'gcc') ?? needTool('c++', 'g++'), 'the generated headers on the host compiler', () => {
  for (const f of files) for (const m of modes) {
    it(`${f.path} compiles as ${m.name} with -Werror -pedantic`, async () => {
      await compile(m.cc('cc'), m.lang, m.std, f.path.replace('c/', ''));
    });
  }

  it('lives beside the system headers that share its names, in either order', async () => {
    const system = ['<linux/ptrace.h>', '<linux/prctl.h>', '<linux/auxvec.h>', '<sys/rseq.h>', '<sys/auxv.h>', '<linux/membarrier.h>'];
    for (const [name, order] of [['ours-first', ['"rseq-abi.h"', ...system]], ['ours-last', [...system, '"rseq-abi.h"']]] as const) {
      const src = join(dir, `${name}.c`);
      writeFileSync(src, `${order.map((h) => `#include ${h}`).join('\n')}\nint rseq_abi_use(void) { return RSEQ_ABI_ALLOC_SIZE + AT_RSEQ_ALIGN + (int)sizeof(struct rseq); }\n`);
      await run('cc', [...strict, '-std=gnu11', '-I', dir, src]);
    }
  });

  it('an assert that does not hold stops the build', async () => {
    const broken = headerFor(model, model.generations.at(-1)!).replace('sizeof(struct rseq) == 64', 'sizeof(struct rseq) == 96');
    writeFileSync(join(dir, 'broken.h'), broken);
    await expect(compile('cc', 'c', '-std=c11', 'broken.h')).rejects.toThrow(/rseq_sizeof/);
    await expect(compile('cc', 'c', '-std=c90', 'broken.h')).rejects.toThrow(/rseq_abi_assert_rseq_sizeof/);
  });
});

// Debian's cross compilers for the architectures the issue names; the asm/ headers of each come
// from the multiarch linux-libc-dev.
const cross: { arch: string; cc: string; flags?: string[]; pkg?: string }[] = [
  { arch: 'aarch64', cc: 'aarch64-linux-gnu-gcc' },
  { arch: 'arm', cc: 'arm-linux-gnueabihf-gcc' },
  { arch: 'i386', cc: 'i686-linux-gnu-gcc' },
  { arch: 'riscv64', cc: 'riscv64-linux-gnu-gcc' },
  { arch: 'ppc64le', cc: 'powerpc64le-linux-gnu-gcc' },
  { arch: 's390x', cc: 's390x-linux-gnu-gcc' },
  { arch: 'mips_n64', cc: 'mips64el-linux-gnuabi64-gcc' },
  // Debian 12 has no loongarch64 gcc; its clang-16 targets it.
  { arch: 'loongarch64', cc: 'clang-16', flags: ['--target=loongarch64-linux-gnu'], pkg: 'clang-16' },
];

describe('the generated headers on cross compilers', () => {
  let usrInclude = '';
  beforeAll(async () => {
    if (cross.every((c) => needTool(c.cc)) && !inCI) return;
    const { dir: tree } = await new Debian().fetch('linux-libc-dev', 'sid');
    usrInclude = join(tree, 'usr', 'include');
  });
  for (const c of cross) {
    const arch = model.arches.find((a) => a.name === c.arch)!;
    itNeeds(needTool(c.cc, c.pkg ?? `gcc-${c.cc.replace(/-gcc$/, '')}`), `${c.arch}: every generation compiles as C90 and C11 and its asserts hold`, async () => {
      for (const f of files.filter((f) => f.path !== 'c/rseq-abi.h')) for (const m of modes.filter((m) => m.lang === 'c')) {
        await compile(c.cc, m.lang, m.std, f.path.replace('c/', ''), [usrInclude, join(usrInclude, arch.headers)], c.flags);
      }
      // The arch block selected the right constants: the compiler agrees on RSEQ_ABI_ARCH.
      const src = join(dir, `arch-${c.arch}.c`);
      writeFileSync(src, '#include "rseq-abi.h"\nconst char rseq_abi_arch[] = RSEQ_ABI_ARCH;\n');
      const { stdout } = await run(c.cc, [...(c.flags ?? []), '-E', '-P', '-I', dir, '-isystem', usrInclude, '-isystem', join(usrInclude, arch.headers), src]);
      expect(stdout).toContain(`rseq_abi_arch[] = "${c.arch}"`);
    }, 300_000);
  }
});

describe('spec text cannot inject C', () => {
  const hostile = '*/ #endif `x` ${y} </svg> ??/ \\';
  const text = readFileSync(defaultSpecPath, 'utf8').replace('doc: NUMA node of the CPU the thread runs on.', `doc: ${JSON.stringify(hostile)}`);
  it('the hostile doc text validates and is neutralised in the header', () => {
    const { spec, errors } = validateSpec(text, 'spec/rseq.yaml');
    expect(errors).toEqual([]);
    const header = headerFor(resolve(spec!), resolve(spec!).generations.at(-1)!);
    const line = header.split('\n').find((l) => l.includes('#endif `x`'))!;
    expect(line).toBeDefined();
    expect(line.trim().startsWith('/*') && line.trim().endsWith('*/')).toBe(true);
    expect(line.slice(2, -2)).not.toContain('*/');
    writeFileSync(join(dir, 'hostile.h'), header);
  });
  itNeeds(needTool('cc', 'gcc'), 'and the header still compiles', async () => {
    await compile('cc', 'c', '-std=c11', 'hostile.h');
    await compile('c++', 'c++', '-std=c++17', 'hostile.h');
  });
  it('a non-identifier name is rejected before it reaches C', () => {
    const bad = readFileSync(defaultSpecPath, 'utf8').replace('- name: node_id', '- name: "node_id; int x"');
    expect(validateSpec(bad, 'spec/rseq.yaml').errors[0].message).toBe('must be a C identifier');
  });
});
