// The TypeScript bindings: they compile on their own with tsc --strict, decode bytes that the test
// builds independently (from layout() and from the C compiler and kernel of this machine), encode
// as the exact inverse, come out byte-identical on every run, and survive hostile spec text.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTypescript } from '../../generators/typescript/index.js';
import { generatedNotice } from '../../generators/types.js';
import { defaultSpecPath, flatten, latestGeneration, layout, loadModel, resolve, type Model } from '../../src/model/index.js';
import { packagePath } from '../../src/paths.js';
import { validateSpec } from '../../src/spec/index.js';
import { itNeeds, needTool } from '../support/tools.js';

const run = promisify(execFile);
const shipped = readFileSync(defaultSpecPath, 'utf8');
const tsc = packagePath('node_modules', 'typescript', 'bin', 'tsc');
const work = mkdtempSync(join(tmpdir(), 'rseq-abi-ts-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

type Bindings = typeof import('../../generated/ts/rseq-abi.js');

async function source(model: Model): Promise<string> {
  const files = await generateTypescript(model);
  expect(files.map((f) => f.path)).toEqual(['ts/rseq-abi.ts']);
  return files[0].content;
}

/** Type-checks files on their own (no tsconfig of the project), as a consumer's strict build would. */
async function typeCheck(dir: string, files: string[]): Promise<void> {
  try {
    await run(process.execPath, [tsc, '--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', ...files], { cwd: dir });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    throw new Error(`tsc --strict failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
}

/** The bindings as a module: transpiled by the project's TypeScript, imported from a temp file. */
async function load(text: string, name: string): Promise<Bindings> {
  const js = ts.transpileModule(text, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022 } }).outputText;
  const file = join(work, `${name}.mjs`);
  writeFileSync(file, js);
  return (await import(pathToFileURL(file).href)) as Bindings;
}

function specWith(...edits: [string | RegExp, string][]): Model {
  let text = shipped;
  for (const [find, replace] of edits) {
    const hits = typeof find === 'string' ? text.split(find).length - 1 : (text.match(new RegExp(find, 'g')) ?? []).length;
    if (hits !== 1) throw new Error(`fixture edit ${String(find)} matches ${hits} times`);
    text = text.replace(find, replace);
  }
  const { spec, errors } = validateSpec(text, 'spec/rseq.yaml');
  if (!spec) throw new Error(`fixture spec is invalid: ${errors.map((e) => e.message).join('; ')}`);
  return resolve(spec);
}

const model = loadModel();
const latest = latestGeneration(model);
let text: string;
let b: Bindings;

beforeAll(async () => {
  text = await source(model);
  b = await load(text, 'bindings');
});

describe('generated/ts/rseq-abi.ts', () => {
  it('starts with the generated notice and is byte-identical on every run', async () => {
    expect(text.split('\n')[0]).toBe(`// ${generatedNotice()}`);
    expect(await source(model)).toBe(text);
    expect(await source(loadModel())).toBe(text);
    expect(text.endsWith('\n') && !text.endsWith('\n\n')).toBe(true);
  });

  it('passes tsc --noEmit --strict on its own, and types a consumer the way the ABI says', async () => {
    const dir = mkdtempSync(join(work, 'tsc-'));
    writeFileSync(join(dir, 'rseq-abi.ts'), text);
    writeFileSync(join(dir, 'consumer.ts'), [
      'import { decodeRseq, encodeRseq, fieldAvailable, allocationFor, RseqCsFlags, RSEQ_ARCHES, RSEQ_GENERATIONS, type Rseq, type RseqArchName, type RseqFieldName } from "./rseq-abi.js";',
      'const area: Rseq = decodeRseq(new Uint8Array(32), { featureSize: 28, littleEndian: true });',
      'const cs: bigint = area.rseq_cs;',
      'const cpu: number = area.cpu_id;',
      '// @ts-expect-error node_id is optional: absent below its feature size',
      'const node: number = area.node_id;',
      'const node2: number | undefined = area.node_id;',
      'const flag: RseqCsFlags = RseqCsFlags.RSEQ_CS_FLAG_SLICE_EXT_ENABLED;',
      '// @ts-expect-error as const: the flag values are literal types',
      'const notAFlag: RseqCsFlags = 3;',
      'const arch: RseqArchName = RSEQ_ARCHES[0].name;',
      '// @ts-expect-error only the spec\'s fields have names',
      'const bad: RseqFieldName = "nope";',
      'const ok: boolean = fieldAvailable("mm_cid", RSEQ_GENERATIONS[2].featureSize);',
      'const bytes: Uint8Array = encodeRseq(area, { featureSize: 28, size: allocationFor(28, 32).size });',
      'export { cs, cpu, node, node2, flag, notAFlag, arch, bad, ok, bytes };',
      '',
    ].join('\n'));
    await typeCheck(dir, ['rseq-abi.ts', 'consumer.ts']);
  });

  it('is exported by the package as rseq-abi/bindings, compiled with the package', () => {
    const pkg = JSON.parse(readFileSync(packagePath('package.json'), 'utf8'));
    expect(pkg.exports['./bindings']).toEqual({ types: './dist/generated/ts/rseq-abi.d.ts', default: './dist/generated/ts/rseq-abi.js' });
    expect(JSON.parse(readFileSync(packagePath('tsconfig.json'), 'utf8')).include).toContain('generated/ts/**/*.ts');
    expect(pkg.dependencies['ts-morph']).toBe('~28.0.0');
  });
});

describe('tables', () => {
  it('carries every number from the model', () => {
    expect(b.RSEQ_GENERATIONS.map((g) => [g.kernel, g.name, g.featureSize, g.allocSize, g.allocAlign, g.auxv]))
      .toEqual(model.generations.map((g) => [g.kernel, g.name, g.featureSize, g.allocation.size, g.allocation.align, g.auxv]));
    expect(b.RSEQ_LATEST.kernel).toBe(latest.kernel);
    expect(b.RSEQ_ARCHES.map((a) => [a.name, a.triplet, a.dataModel, a.endian, a.u64Align, a.nr, a.sig, a.glibcSig]))
      .toEqual(model.arches.map((a) => [a.name, a.triplet, a.dataModel, a.endian, a.u64Align, a.nr, a.sig, a.glibcSig]));
    for (const e of model.enums) {
      const name = e.name.split('_').map((w) => w[0].toUpperCase() + w.slice(1)).join('');
      expect((b as unknown as Record<string, Record<string, number>>)[name]).toEqual(Object.fromEntries(e.values.map((v) => [v.name, v.value])));
    }
    for (const c of model.spec.constants) expect((b as unknown as Record<string, number>)[c.name]).toBe(c.value);
    expect(b.RSEQ_LEGACY_ALLOCATION).toEqual(model.spec.allocationRule.legacy);
  });

  it('describes struct rseq of the latest generation and struct rseq_cs as layout() lays them out, on every architecture', () => {
    for (const arch of model.arches) {
      for (const [struct, fields] of [['rseq', b.RSEQ_FIELDS], ['rseq_cs', b.RSEQ_CS_FIELDS]] as const) {
        const l = layout(model, struct, latest.kernel, arch);
        expect(fields.map((f) => [f.name, f.offset, f.size, f.type, f.since, f.writer, f.readOnly, 'reserved' in f, 'end' in f]))
          .toEqual(l.fields.map((f) => [f.name, f.offset, f.size, f.type, f.since, f.writer, f.readOnly, f.reserved, f.end]));
      }
    }
    const slice = b.RSEQ_FIELDS.find((f) => f.name === 'slice_ctrl');
    const members = flatten(layout(model, 'rseq', latest.kernel, model.arches[0]).fields).filter((f) => f.path.startsWith('slice_ctrl.'));
    expect(slice && 'members' in slice ? slice.members.map((m) => [m.name, m.offset, m.size]) : []).toEqual(members.map((m) => [m.name, m.offset, m.size]));
  });

  it('fieldAvailable is size >= offsetofend, and allocationFor is the uapi rule', () => {
    for (const f of layout(model, 'rseq', latest.kernel, model.arches[0]).fields) {
      const end = f.offset + f.size;
      expect(b.fieldAvailable(f.name as never, end)).toBe(true);
      expect(b.fieldAvailable(f.name as never, end - 1)).toBe(false);
    }
    expect(() => b.fieldAvailable('nope' as never, 64)).toThrow(TypeError);
    const legacy = model.spec.allocationRule.legacy;
    for (const g of model.generations) {
      // the allocation each generation declares is the rule applied to its auxv values (0 when absent)
      expect(b.allocationFor(g.featureSize, g.auxv?.align ?? 0)).toEqual(g.allocation);
    }
    for (const [size, align] of [[0, 0], [20, 0], [32, 32], [33, 32], [33, 64], [65, 64], [100, 128], [28, 16]]) {
      const a = Math.max(align, legacy.align);
      expect(b.allocationFor(size, align)).toEqual({ size: Math.ceil(Math.max(size, legacy.size) / a) * a, align: a });
    }
    expect(() => b.allocationFor(33, 48)).toThrow(RangeError);
    expect(() => b.allocationFor(-1, 32)).toThrow(RangeError);
  });
});

/** Bytes of struct rseq written by the test itself, at the offsets layout() gives, with Buffer's own writers. */
function handmade(values: Record<string, number | bigint>, featureSize: number, size: number, littleEndian: boolean): Uint8Array {
  const buf = Buffer.alloc(size);
  for (const f of flatten(layout(model, 'rseq', latest.kernel, model.arches[0]).fields)) {
    const v = values[f.path];
    if (v === undefined || f.offset + f.size > featureSize || f.members.length) continue;
    if (f.size === 8) littleEndian ? buf.writeBigUInt64LE(BigInt(v), f.offset) : buf.writeBigUInt64BE(BigInt(v), f.offset);
    else if (f.size === 4) littleEndian ? buf.writeUInt32LE(Number(v), f.offset) : buf.writeUInt32BE(Number(v), f.offset);
    else if (f.size === 2) littleEndian ? buf.writeUInt16LE(Number(v), f.offset) : buf.writeUInt16BE(Number(v), f.offset);
    else if (f.size === 1) buf.writeUInt8(Number(v), f.offset);
  }
  return new Uint8Array(buf);
}

describe('codecs', () => {
  const values = {
    cpu_id_start: 7, cpu_id: 7, rseq_cs: 0x00007ffd12345678n, flags: 0x30, node_id: 1, mm_cid: 3,
    'slice_ctrl.request': 1, 'slice_ctrl.granted': 0,
  };

  it('decodes bytes built at layout() offsets, in both byte orders and at every generation\'s feature size', () => {
    for (const littleEndian of [true, false]) {
      for (const g of model.generations) {
        const bytes = handmade(values, g.featureSize, g.allocation.size, littleEndian);
        const got = b.decodeRseq(bytes, { featureSize: g.featureSize, littleEndian });
        const expected: Record<string, unknown> = { cpu_id_start: 7, cpu_id: 7, rseq_cs: 0x00007ffd12345678n, flags: 0x30 };
        if (g.featureSize >= 24) expected.node_id = 1;
        if (g.featureSize >= 28) expected.mm_cid = 3;
        if (g.featureSize >= 32) {
          const all = littleEndian ? 0x00000001 : 0x01000000;
          expected.slice_ctrl = { all, request: 1, granted: 0, __reserved: 0 };
        }
        expect(got).toEqual(expected);
        // the exact inverse, both ways
        expect(b.encodeRseq(got, { featureSize: g.featureSize, littleEndian })).toEqual(bytes);
        expect(b.decodeRseq(b.encodeRseq(got, { featureSize: g.featureSize, littleEndian }), { featureSize: g.featureSize, littleEndian })).toEqual(got);
      }
    }
  });

  it('leaves fields past the feature size out, and refuses what it cannot represent', () => {
    const full = b.decodeRseq(handmade(values, 64, 64, true), { littleEndian: true });
    expect(Object.keys(full)).toEqual(['cpu_id_start', 'cpu_id', 'rseq_cs', 'flags', 'node_id', 'mm_cid', 'slice_ctrl']);
    expect(Object.keys(b.decodeRseq(new Uint8Array(20), { featureSize: 20 }))).toEqual(['cpu_id_start', 'cpu_id', 'rseq_cs', 'flags']);
    expect(() => b.decodeRseq(new Uint8Array(20))).toThrow(/needs 32 bytes/);
    expect(() => b.decodeRseq(new Uint8Array(32), { featureSize: 19 })).toThrow(RangeError);
    expect(() => b.encodeRseq(full, { featureSize: 28 })).toThrow(/slice_ctrl is present/);
    const { mm_cid: _, ...noCid } = full;
    expect(() => b.encodeRseq(noCid)).toThrow(/mm_cid is missing/);
    expect(() => b.encodeRseq({ ...full, cpu_id: -1 })).toThrow(/cpu_id: -1 does not fit in u32/);
    expect(() => b.encodeRseq({ ...full, rseq_cs: 1n << 64n })).toThrow(/rseq_cs/);
    expect(() => b.encodeRseq({ ...full, slice_ctrl: { all: 0, request: 1, granted: 0, __reserved: 0 } })).toThrow(/slice_ctrl.request/);
    expect(b.encodeRseq(full).length).toBe(b.allocationFor(latest.featureSize, 0).size);
    // a subarray of a larger buffer decodes from its own offset
    const big = new Uint8Array(96);
    big.set(handmade(values, 64, 64, true), 16);
    expect(b.decodeRseq(big.subarray(16, 80), { littleEndian: true })).toEqual(full);
  });

  it('decodes and encodes struct rseq_cs at layout() offsets', () => {
    const l = layout(model, 'rseq_cs', latest.kernel, model.arches[0]);
    const at = (name: string) => l.fields.find((f) => f.name === name)!.offset;
    const buf = Buffer.alloc(l.size);
    buf.writeUInt32BE(0, at('version'));
    buf.writeUInt32BE(0, at('flags'));
    buf.writeBigUInt64BE(0x401000n, at('start_ip'));
    buf.writeBigUInt64BE(0x20n, at('post_commit_offset'));
    buf.writeBigUInt64BE(0x401100n, at('abort_ip'));
    const cs = b.decodeRseqCs(new Uint8Array(buf), { littleEndian: false });
    expect(cs).toEqual({ version: 0, flags: 0, start_ip: 0x401000n, post_commit_offset: 0x20n, abort_ip: 0x401100n });
    expect(b.encodeRseqCs(cs, { littleEndian: false })).toEqual(new Uint8Array(buf));
    expect(() => b.decodeRseqCs(new Uint8Array(l.size - 1))).toThrow(RangeError);
  });

  itNeeds(needTool('cc', 'gcc'), 'decodes a struct rseq the C compiler filled from this machine\'s <linux/rseq.h>', async () => {
    const dir = mkdtempSync(join(work, 'cc-'));
    writeFileSync(join(dir, 'fill.c'), [
      '#include <linux/rseq.h>', '#include <stdio.h>', '#include <string.h>',
      'int main(void) {',
      '  struct rseq r; unsigned char *p = (unsigned char *)&r; unsigned i;',
      '  memset(&r, 0, sizeof r);',
      '  r.cpu_id_start = 0x01020304; r.cpu_id = 0xfffffffe; r.flags = 0x11223344;',
      '  *(unsigned long long *)((char *)&r + __builtin_offsetof(struct rseq, rseq_cs)) = 0x0a0b0c0d0e0f1011ULL;',
      '  for (i = 0; i < sizeof r; i++) printf("%02x", p[i]);',
      '  printf(" %u\\n", (unsigned)(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__));',
      '  return 0;',
      '}', '',
    ].join('\n'));
    await run('cc', ['-o', join(dir, 'fill'), join(dir, 'fill.c')]);
    const [hexBytes, le] = (await run(join(dir, 'fill'))).stdout.trim().split(' ');
    const bytes = new Uint8Array(Buffer.from(hexBytes, 'hex'));
    const littleEndian = le === '1';
    const original = model.generations[0].featureSize;
    expect(b.decodeRseq(bytes, { featureSize: original, littleEndian }))
      .toEqual({ cpu_id_start: 0x01020304, cpu_id: 0xfffffffe, rseq_cs: 0x0a0b0c0d0e0f1011n, flags: 0x11223344 });
    expect(b.encodeRseq(b.decodeRseq(bytes, { featureSize: original, littleEndian }), { featureSize: original, littleEndian, size: bytes.length })).toEqual(bytes);
  });

  itNeeds(needTool('cc', 'gcc'), 'decodes the live rseq area glibc registered for a thread of this machine', async () => {
    const dir = mkdtempSync(join(work, 'live-'));
    writeFileSync(join(dir, 'live.c'), [
      '#define _GNU_SOURCE',
      '#include <sched.h>', '#include <stdio.h>', '#include <stddef.h>', '#include <sys/auxv.h>', '#include <sys/syscall.h>', '#include <unistd.h>',
      'extern const ptrdiff_t __rseq_offset; extern const unsigned int __rseq_size;',
      'int main(void) {',
      '  unsigned cpu = 0, node = 0, i; cpu_set_t set; unsigned char *area;',
      '  if (syscall(SYS_getcpu, &cpu, &node, NULL) != 0) return 2;',
      '  CPU_ZERO(&set); CPU_SET(cpu, &set);',
      '  if (sched_setaffinity(0, sizeof set, &set) != 0) return 2;',
      '  sched_yield();',
      '  if (syscall(SYS_getcpu, &cpu, &node, NULL) != 0) return 2;',
      '  area = (unsigned char *)__builtin_thread_pointer() + __rseq_offset;',
      '  printf("%u %u %u %lu ", cpu, node, __rseq_size, getauxval(27));',
      '  for (i = 0; i < 32; i++) printf("%02x", __rseq_size ? area[i] : 0);',
      '  printf("\\n");',
      '  return 0;',
      '}', '',
    ].join('\n'));
    try {
      await run('cc', ['-O1', '-o', join(dir, 'live'), join(dir, 'live.c')]);
    } catch {
      return; // an older glibc without __rseq_offset: nothing live to read
    }
    const [cpu, node, rseqSize, auxvFeature, hexBytes] = (await run(join(dir, 'live'))).stdout.trim().split(' ');
    if (rseqSize === '0') return; // glibc did not register (tunable or kernel without rseq)
    const bytes = new Uint8Array(Buffer.from(hexBytes, 'hex'));
    // what the kernel supports, capped at what glibc registered (32 bytes here)
    const featureSize = Math.min(Math.max(Number(auxvFeature), model.generations[0].featureSize), bytes.length);
    const area = b.decodeRseq(bytes, { featureSize });
    expect(area.cpu_id_start).toBe(Number(cpu));
    expect(area.cpu_id).toBe(Number(cpu));
    expect(area.rseq_cs).toBe(0n);
    if (b.fieldAvailable('node_id', featureSize)) expect(area.node_id).toBe(Number(node));
    expect(b.encodeRseq(area, { featureSize, size: bytes.length })).toEqual(bytes);
  });
});

describe('hostile spec text', () => {
  const nasty = '*/ #endif `${process.exit(1)}` </svg> <b>&amp;</b> | \\\\ @deprecated \'"';

  it('escapes doc text, names and strings so that the bindings still compile and carry the text exactly', async () => {
    const hostile = specWith(
      ['title: Linux restartable sequences (rseq) ABI', 'title: "rseq */ ABI\\nexport const INJECTED = 1;\\u2028process.exit(1)"'],
      ['doc: NUMA node of the CPU the thread runs on.', `doc: "${nasty.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`],
      ['    name: extensible\n', `    name: "ext */ \${x} </svg> \\u2028 ' \\" end"\n`],
      ['{name: RSEQ_FLAG_UNREGISTER, bit: 0, since: "4.18", doc: Unregister the area.}', '{name: RSEQ_FLAG_UNREGISTER, bit: 0, since: "4.18", doc: "*/ } as const; process.exit(1); /*"}'],
    );
    const hostileText = await source(hostile);
    expect(hostileText.split('\n').filter((l) => l.startsWith('export const INJECTED'))).toEqual([]);
    const dir = mkdtempSync(join(work, 'hostile-'));
    writeFileSync(join(dir, 'rseq-abi.ts'), hostileText);
    await typeCheck(dir, ['rseq-abi.ts']);
    const h = await load(hostileText, 'hostile');
    expect(h.RSEQ_GENERATIONS[2].name).toBe(hostile.generations[2].name);
    expect(h.RSEQ_GENERATIONS[2].name).toContain('</svg>');
    expect(Object.keys(h)).not.toContain('INJECTED');
    expect(h.RseqFlags.RSEQ_FLAG_UNREGISTER).toBe(1);
    // the doc text is in a comment, unable to close it
    const docLine = hostileText.split('\n').find((l) => l.includes('#endif'));
    expect(docLine).toContain('*\\/');
  });

  it('throws on a name that is not a C identifier, even one that got past validation', async () => {
    const { spec } = validateSpec(shipped, 'spec/rseq.yaml');
    const broken = structuredClone(spec!);
    broken.structs[0].fields[4].name = 'node-id; process.exit(1)';
    await expect(generateTypescript(resolve(broken))).rejects.toThrow(/is not a C identifier/);
    const proto = structuredClone(spec!);
    proto.structs[0].fields[4].name = '__proto__';
    await expect(generateTypescript(resolve(proto))).rejects.toThrow(/__proto__/);
    const word = structuredClone(spec!);
    word.constants[0].name = 'delete';
    await expect(generateTypescript(resolve(word))).rejects.toThrow(/reserved word/);
  });
});
