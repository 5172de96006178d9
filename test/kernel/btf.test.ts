// The BTF reader against independent readers of the same bytes: bpftool (libbpf) for every type
// record, every struct layout and enum the spec names; pahole for the C spellings and offsets it
// prints. On this machine's kernel and on the fixtures cut from Debian's kernels of each rseq
// generation (test/fixtures/btf/README.md), in both byte orders.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  BtfError, KERNEL_BTF, btfLayoutOf, parseBtf, parseBtfOrElf, readKernelBtf, resolveStruct, sizeOf, typeName,
  type Btf, type BtfMember, type BtfStructLayout, type BtfType,
} from '../../src/kernel/btf.js';
import { run } from '../../src/cli/program.js';
import { EVERY_KIND, writeBtf, type BtfTypeSpec } from '../support/btf-trim.js';
import { itNeeds, needTool } from '../support/tools.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/btf/', import.meta.url));
const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.btf')).sort();
const fixture = (name: string) => join(FIXTURES, `${name}.btf`);
const tmp = mkdtempSync(join(tmpdir(), 'rseq-abi-btf-'));

const noBpftool = needTool('bpftool');
const noPahole = needTool('pahole', 'dwarves');
const noLive = existsSync(KERNEL_BTF) ? undefined : `${KERNEL_BTF} not found (kernel without CONFIG_DEBUG_INFO_BTF)`;
const SPEC_STRUCTS = ['rseq', 'rseq_cs', 'rseq_slice_ctrl', 'ptrace_rseq_configuration'];
const SPEC_ENUMS = ['rseq_cpu_id_state', 'rseq_flags', 'rseq_cs_flags', 'rseq_cs_flags_bit'];

// ---- bpftool's reading, in the reader's vocabulary ----

interface BpftoolType { id: number; kind: string; name: string; [key: string]: any }

/**
 * bpftool's records from its JSON dump, with enum values from its text dump: the JSON prints
 * 64-bit values as lossy doubles and (bpftool 7.1) sign-extends unsigned 32-bit values.
 */
function bpftool(file: string): BpftoolType[] {
  const dump = (...json: string[]) => execFileSync('bpftool', [...json, 'btf', 'dump', 'file', file, 'format', 'raw'], { maxBuffer: 1 << 30, encoding: 'utf8' });
  const types: BpftoolType[] = JSON.parse(dump('-j')).types;
  const values = new Map<number, bigint[]>();
  let current: bigint[] = [];
  for (const line of dump().split('\n')) {
    const head = /^\[(\d+)\] ENUM(64)? /.exec(line);
    if (head) values.set(Number(head[1]), (current = []));
    else if (line.startsWith('\t') && / val=-?\d+(U?LL)?$/.test(line)) current.push(BigInt(/ val=(-?\d+)(U?LL)?$/.exec(line)![1]));
    else if (line.startsWith('[')) current = [];
  }
  for (const t of types) if (t.kind === 'ENUM' || t.kind === 'ENUM64') t.values.forEach((v: any, i: number) => { v.val = values.get(t.id)![i]; });
  return types;
}

/** A bpftool JSON type as the reader decodes it (without offset, and the kind_flag attribute bpftool does not print). */
function fromBpftool(t: BpftoolType): Record<string, unknown> {
  const name = t.name === '(anon)' ? '' : t.name;
  const base = { id: t.id, name, kind: t.kind.toLowerCase() };
  switch (t.kind) {
    case 'INT': return { ...base, size: t.size, bitOffset: t.bits_offset, bits: t.nr_bits, signed: t.encoding === 'SIGNED', char: t.encoding === 'CHAR', bool: t.encoding === 'BOOL' };
    case 'PTR': case 'TYPEDEF': case 'VOLATILE': case 'CONST': case 'RESTRICT': case 'TYPE_TAG': return { ...base, type: t.type_id };
    case 'ARRAY': return { ...base, type: t.type_id, indexType: t.index_type_id, nelems: t.nr_elems };
    case 'STRUCT': case 'UNION': return { ...base, size: t.size, members: t.members.map((m: any) => ({ name: m.name === '(anon)' ? '' : m.name, type: m.type_id, bitOffset: m.bits_offset, bitSize: m.bitfield_size ?? 0 })) };
    case 'ENUM': case 'ENUM64': return { ...base, size: t.size, signed: t.encoding === 'SIGNED', values: t.values.map((v: any) => ({ name: v.name, value: String(v.val) })) };
    case 'FWD': return { ...base, union: t.fwd_kind === 'union' };
    case 'FUNC': return { ...base, type: t.type_id, linkage: t.linkage };
    case 'FUNC_PROTO': return { ...base, type: t.ret_type_id, params: t.params.map((p: any) => ({ name: p.name === '(anon)' ? '' : p.name, type: p.type_id })) };
    case 'VAR': return { ...base, type: t.type_id, linkage: t.linkage };
    case 'DATASEC': return { ...base, size: t.size, vars: t.vars.map((v: any) => ({ type: v.type_id, offset: v.offset, size: v.size })) };
    case 'FLOAT': return { ...base, size: t.size };
    case 'DECL_TAG': return { ...base, type: t.type_id, componentIdx: t.component_idx };
    default: throw new Error(`bpftool kind ${t.kind}`);
  }
}

/** A decoded type in the same vocabulary; enum values as decimal strings (exact for 64-bit ones). */
function comparable(t: BtfType): Record<string, unknown> {
  const { offset: _o, ...rest } = t as BtfType & { attribute?: boolean };
  delete (rest as { attribute?: boolean }).attribute;
  if (rest.kind === 'enum' || rest.kind === 'enum64') return { ...rest, values: rest.values.map((v) => ({ name: v.name, value: String(v.value) })) };
  return rest;
}

/** Every type record of the file, ours against bpftool's: the first differences. */
function recordDifferences(btf: Btf, file: string): string[] {
  const theirs = bpftool(file);
  const diffs: string[] = [];
  if (theirs.length !== btf.count - 1) diffs.push(`type count: ours ${btf.count - 1}, bpftool ${theirs.length}`);
  for (const t of theirs) {
    const a = JSON.stringify(comparable(btf.type(t.id)));
    const b = JSON.stringify(fromBpftool(t));
    if (a !== b && diffs.push(`[${t.id}] ours ${a}\n      bpftool ${b}`) >= 5) break;
  }
  return diffs;
}

/** A struct laid out from bpftool's records alone: sizes through typedefs, offsets, bitfields, nesting. */
function bpftoolLayout(types: BpftoolType[], name: string) {
  const byId = new Map(types.map((t) => [t.id, t]));
  const strip = (id: number): BpftoolType | undefined => {
    let t = byId.get(id);
    while (t && ['TYPEDEF', 'CONST', 'VOLATILE', 'RESTRICT', 'TYPE_TAG'].includes(t.kind)) t = byId.get(t.type_id);
    return t;
  };
  const size = (id: number): number => {
    const t = strip(id);
    if (!t) return 0;
    if (t.kind === 'PTR') return 8;
    if (t.kind === 'ARRAY') return t.nr_elems * size(t.type_id);
    return t.size ?? 0;
  };
  const members = (t: BpftoolType, baseBit: number, parent: string): object[] => t.members.map((m: any) => {
    const n = m.name === '(anon)' ? '' : m.name;
    const path = n ? (parent ? `${parent}.${n}` : n) : parent;
    const bit = baseBit + m.bits_offset;
    const target = strip(m.type_id);
    return {
      name: n, path, offset: Math.floor(bit / 8), size: size(m.type_id),
      ...(m.bitfield_size ? { bitOffset: bit, bitSize: m.bitfield_size } : {}),
      members: target && (target.kind === 'STRUCT' || target.kind === 'UNION') ? members(target, bit, path) : [],
    };
  });
  const top = types.find((t) => (t.kind === 'STRUCT' || t.kind === 'UNION') && t.name === name);
  return top && { name, kind: top.kind.toLowerCase(), size: top.size, members: members(top, 0, '') };
}

function withoutTypes(l: BtfStructLayout) {
  const strip = (m: BtfMember): object => {
    const { type: _t, members, ...rest } = m;
    return { ...rest, members: members.map(strip) };
  };
  return { ...l, members: l.members.map(strip) };
}

function bpftoolEnum(types: BpftoolType[], name: string) {
  const t = types.find((x) => (x.kind === 'ENUM' || x.kind === 'ENUM64') && x.name === name);
  return t && { name, size: t.size, signed: t.encoding === 'SIGNED', values: t.values.map((v: any) => ({ name: v.name, value: String(v.val) })) };
}

/** pahole -C's members: [type spelling, name, offset, size], anonymous aggregates as ['union', ''] before their members. */
function pahole(file: string, name: string): [string, string, number, number][] {
  const out = execFileSync('pahole', ['-C', name, file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const rows: [string, string, number, number][] = [];
  const open: [string, string, number, number][] = [];
  for (const line of out.split('\n').slice(1)) {
    let m = /^\t+(struct|union) \{$/.exec(line);
    if (m) { const row: [string, string, number, number] = [m[1], '', -1, -1]; rows.push(row); open.push(row); continue; }
    m = /^\t+\};\s+\/\*\s+(\d+)\s+(\d+) \*\/$/.exec(line);
    if (m) { const row = open.pop()!; row[2] = Number(m[1]); row[3] = Number(m[2]); continue; }
    m = /^\t+(.+?)\s+([\w[\]]+);\s+\/\*\s+(\d+)\s+(\d+) \*\/$/.exec(line);
    if (m) {
      const [, type, decl] = m;
      const dims = /\[.*$/.exec(decl)?.[0] ?? '';
      rows.push([`${type.trim()}${dims}`, decl.slice(0, decl.length - dims.length), Number(m[3]), Number(m[4])]);
    }
  }
  return rows;
}

function ourRows(l: BtfStructLayout): [string, string, number, number][] {
  const rows: [string, string, number, number][] = [];
  const walk = (ms: BtfMember[]) => {
    for (const m of ms) {
      rows.push([m.type, m.name, m.offset, m.size]);
      if (!m.name && (m.type === 'struct' || m.type === 'union')) walk(m.members);
    }
  };
  walk(l.members);
  return rows;
}

const specOf = (btf: Btf): BtfTypeSpec[] =>
  [...btf.types()].slice(1).map(({ id: _i, offset: _o, ...rest }) => rest as BtfTypeSpec);

// ---- the sources: this machine's kernel and the fixtures ----

const sources = [
  ...fixtures.map((f) => ({ name: f.replace(/\.btf$/, ''), file: join(FIXTURES, f), needs: undefined as string | undefined })),
  { name: 'live kernel', file: KERNEL_BTF, needs: noLive },
  // more kernels to hold against bpftool and pahole, e.g. whole .BTF sections or vmlinux files
  ...(process.env.RSEQ_ABI_BTF_FILES ?? '').split(':').filter(Boolean).map((file) => ({ name: file, file, needs: undefined })),
];

describe.each(sources)('$name', ({ file, needs }) => {
  const btf = () => readKernelBtf(file);

  itNeeds(needs ?? noBpftool, 'decodes every type record as bpftool does', () => {
    expect(recordDifferences(btf(), file)).toEqual([]);
  }, 120_000);

  itNeeds(needs ?? noBpftool, 'lays out the spec\'s structs and reads its enums as bpftool does', () => {
    const b = btf();
    const types = bpftool(file);
    for (const name of SPEC_STRUCTS) {
      const ours = btfLayoutOf(b, name);
      expect(ours && withoutTypes(ours), name).toEqual(bpftoolLayout(types, name));
    }
    for (const name of SPEC_ENUMS) {
      const ours = b.findEnum(name);
      expect(ours && { ...ours, values: ours.values.map((v) => ({ ...v, value: String(v.value) })) }, name).toEqual(bpftoolEnum(types, name));
    }
    expect(btfLayoutOf(b, 'rseq'), 'every kernel with BTF has struct rseq').toBeDefined();
  }, 120_000);

  itNeeds(needs ?? noPahole, 'spells types and places members as pahole -C does', () => {
    const b = btf();
    for (const name of SPEC_STRUCTS) {
      const ours = btfLayoutOf(b, name);
      if (!ours) continue;
      expect(ourRows(ours), name).toEqual(pahole(file, name));
    }
  }, 120_000);

  itNeeds(needs, 'reads the same types from the blob in the other byte order', () => {
    const b = btf();
    const swapped = parseBtf(writeBtf(specOf(b), { littleEndian: !b.header.littleEndian }));
    expect(swapped.header.littleEndian).toBe(!b.header.littleEndian);
    for (const name of SPEC_STRUCTS) expect(btfLayoutOf(swapped, name), name).toEqual(btfLayoutOf(b, name));
    for (const name of SPEC_ENUMS) expect(swapped.findEnum(name), name).toEqual(b.findEnum(name));
  }, 120_000);
});

// ---- what the real kernels carry (the facts the fixtures hold; the kernel wins over any page) ----

const row = (m: BtfMember) => `${m.path ? `${m.path} ` : ''}${m.type} @${m.offset} +${m.size}`;
const rowsOf = (btf: Btf, name: string) => {
  const l = btfLayoutOf(btf, name);
  const out: string[] = [];
  const walk = (ms: BtfMember[]) => ms.forEach((m) => { out.push(row(m)); walk(m.members); });
  if (l) walk(l.members);
  return l && { size: l.size, kind: l.kind, rows: out };
};
const values = (btf: Btf, name: string) => btf.findEnum(name)?.values.map((v) => `${v.name}=${v.value}`);

describe('the rseq types of each kernel generation', () => {
  const original = ['cpu_id_start __u32 @0 +4', 'cpu_id __u32 @4 +4', 'rseq_cs __u64 @8 +8', 'flags __u32 @16 +4'];
  const extensible = [...original, 'node_id __u32 @20 +4', 'mm_cid __u32 @24 +4'];
  const csFlags = ['RSEQ_CS_FLAG_NO_RESTART_ON_PREEMPT=1', 'RSEQ_CS_FLAG_NO_RESTART_ON_SIGNAL=2', 'RSEQ_CS_FLAG_NO_RESTART_ON_MIGRATE=4'];
  const csBits = ['RSEQ_CS_FLAG_NO_RESTART_ON_PREEMPT_BIT=0', 'RSEQ_CS_FLAG_NO_RESTART_ON_SIGNAL_BIT=1', 'RSEQ_CS_FLAG_NO_RESTART_ON_MIGRATE_BIT=2'];
  const ptrace = ['rseq_abi_pointer __u64 @0 +8', 'rseq_abi_size __u32 @8 +4', 'signature __u32 @12 +4', 'flags __u32 @16 +4', 'pad __u32 @20 +4'];
  const rseqCs = ['version __u32 @0 +4', 'flags __u32 @4 +4', 'start_ip __u64 @8 +8', 'post_commit_offset __u64 @16 +8', 'abort_ip __u64 @24 +8'];

  it('5.10 (bullseye): the original 32-byte area, rseq_cs already a plain __u64, enums without signedness', () => {
    const b = parseBtf(readFileSync(fixture('linux-5.10-bullseye')));
    expect(rowsOf(b, 'rseq')).toEqual({ size: 32, kind: 'struct', rows: original });
    expect(rowsOf(b, 'rseq_cs')).toEqual({ size: 32, kind: 'struct', rows: rseqCs });
    expect(btfLayoutOf(b, 'ptrace_rseq_configuration')).toBeUndefined();
    expect(btfLayoutOf(b, 'rseq_slice_ctrl')).toBeUndefined();
    // pahole of that time set no kind_flag on enums: -1 and -2 read as unsigned, as bpftool shows them
    expect(b.findEnum('rseq_cpu_id_state')).toMatchObject({ signed: false, values: [{ value: 0xffffffff }, { value: 0xfffffffe }] });
    expect(values(b, 'rseq_cs_flags')).toEqual(csFlags);
    expect(values(b, 'rseq_cs_flags_bit')).toEqual(csBits);
  });

  it('6.1 (bookworm): still the original layout; ptrace_rseq_configuration; signed enums', () => {
    const b = parseBtf(readFileSync(fixture('linux-6.1-bookworm')));
    expect(rowsOf(b, 'rseq')).toEqual({ size: 32, kind: 'struct', rows: original });
    expect(rowsOf(b, 'ptrace_rseq_configuration')).toEqual({ size: 24, kind: 'struct', rows: ptrace });
    expect(values(b, 'rseq_cpu_id_state')).toEqual(['RSEQ_CPU_ID_UNINITIALIZED=-1', 'RSEQ_CPU_ID_REGISTRATION_FAILED=-2']);
    expect(btfLayoutOf(b, 'rseq_slice_ctrl')).toBeUndefined();
  });

  for (const [name, littleEndian] of [['linux-6.12-trixie', true], ['linux-6.12-trixie-s390x', false]] as const) {
    it(`${name.replace('linux-', '')}: node_id, mm_cid and the flexible end at 28`, () => {
      const b = parseBtf(readFileSync(fixture(name)));
      expect(b.header.littleEndian).toBe(littleEndian);
      expect(rowsOf(b, 'rseq')).toEqual({ size: 32, kind: 'struct', rows: [...extensible, 'end char[] @28 +0'] });
      expect(rowsOf(b, 'ptrace_rseq_configuration')).toEqual({ size: 24, kind: 'struct', rows: ptrace });
      expect(values(b, 'rseq_flags')).toEqual(['RSEQ_FLAG_UNREGISTER=1']);
      expect(values(b, 'rseq_cpu_id_state')).toEqual(['RSEQ_CPU_ID_UNINITIALIZED=-1', 'RSEQ_CPU_ID_REGISTRATION_FAILED=-2']);
    });
  }

  for (const name of ['linux-7.2-sid', 'linux-7.3-trixie-backports']) {
    it(`${name.replace('linux-', '')}: slice_ctrl, __reserved and end at 33 in a 64-byte struct`, () => {
      const b = parseBtf(readFileSync(fixture(name)));
      const slice = ['slice_ctrl struct rseq_slice_ctrl @28 +4', 'slice_ctrl union @28 +4', 'slice_ctrl.all __u32 @28 +4', 'slice_ctrl struct @28 +4',
        'slice_ctrl.request __u8 @28 +1', 'slice_ctrl.granted __u8 @29 +1', 'slice_ctrl.__reserved __u16 @30 +2'];
      expect(rowsOf(b, 'rseq')).toEqual({ size: 64, kind: 'struct', rows: [...extensible, ...slice, '__reserved __u8 @32 +1', 'end char[] @33 +0'] });
      // rseq_slice_ctrl is a struct holding an anonymous union, not a union itself
      expect(rowsOf(b, 'rseq_slice_ctrl')?.rows.slice(0, 2)).toEqual(['union @0 +4', 'all __u32 @0 +4']);
      expect(values(b, 'rseq_flags')).toEqual(['RSEQ_FLAG_UNREGISTER=1', 'RSEQ_FLAG_SLICE_EXT_DEFAULT_ON=2']);
      expect(values(b, 'rseq_cs_flags')).toEqual([...csFlags, 'RSEQ_CS_FLAG_SLICE_EXT_AVAILABLE=16', 'RSEQ_CS_FLAG_SLICE_EXT_ENABLED=32']);
      expect(values(b, 'rseq_cs_flags_bit')).toEqual([...csBits, 'RSEQ_CS_FLAG_SLICE_EXT_AVAILABLE_BIT=4', 'RSEQ_CS_FLAG_SLICE_EXT_ENABLED_BIT=5']);
    });
  }

  it('the fixtures are what the writer makes of them (no hidden bytes)', () => {
    for (const f of fixtures) {
      const bytes = readFileSync(join(FIXTURES, f));
      const b = parseBtf(bytes);
      expect(Buffer.from(writeBtf(specOf(b), { littleEndian: b.header.littleEndian })).equals(bytes), f).toBe(true);
    }
  });
});

// ---- every kind, written by the test's own encoder ----

describe('every BTF kind', () => {
  for (const littleEndian of [true, false]) {
    const order = littleEndian ? 'little-endian' : 'big-endian';
    const bytes = writeBtf(EVERY_KIND, { littleEndian });
    const file = join(tmp, `all-kinds-${order}.btf`);
    writeFileSync(file, bytes);

    itNeeds(noBpftool, `${order}: bpftool reads the written blob as the reader does`, () => {
      expect(recordDifferences(parseBtf(bytes), file)).toEqual([]);
    });

    it(`${order}: decodes what was written`, () => {
      const b = parseBtf(bytes);
      expect(b.header.littleEndian).toBe(littleEndian);
      expect(specOf(b)).toEqual(EVERY_KIND);
    });
  }

  const b = parseBtf(writeBtf(EVERY_KIND));
  it('spells types as C does', () => {
    const spelled = Object.fromEntries([5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 24, 26, 28, 32, 0].map((id) => [id, typeName(b, id)]));
    expect(spelled).toEqual({
      5: 'int *', 6: 'char[16]', 7: 'struct bits', 8: 'union u', 9: 'enum e', 10: 'union fw', 11: 'bits_t', 12: 'volatile int',
      13: 'int * const', 14: 'int * restrict', 15: 'int (int, int *, ...)', 16: 'f', 24: 'struct bits *', 26: 'struct',
      28: 'int (*)(int, int *, ...)', 32: 'char[]', 0: 'void',
    });
    expect([sizeOf(b, 6), sizeOf(b, 11), sizeOf(b, 24), sizeOf(b, 32), sizeOf(b, 10), sizeOf(b, 0)]).toEqual([16, 8, 8, 0, 0, 0]);
  });

  it('lays out bitfields (both encodings), nested anonymous members, arrays and pointers', () => {
    expect(resolveStruct(b, 7).members.map((m) => [m.name, m.offset, m.bitOffset, m.bitSize])).toEqual([['a', 0, 0, 3], ['b', 0, 3, 5], ['c', 4, undefined, undefined]]);
    expect(resolveStruct(b, 25).members.map((m) => [m.name, m.offset, m.bitOffset, m.bitSize, m.size])).toEqual([['l', 0, 0, 3, 4], ['m', 0, 3, 3, 4]]);
    const outer = resolveStruct(b, 31);
    expect(outer.members.map((m) => [m.path, m.type, m.offset, m.size])).toEqual([
      ['b', 'bits_t', 0, 8], ['un', 'union u', 8, 4], ['name', 'char[16]', 12, 16], ['fn', 'int (*)(int, int *, ...)', 32, 8],
      ['p', 'struct bits *', 40, 8], ['end', 'char[]', 48, 0]]);
    expect(outer.members[0].members.map((m) => [m.path, m.bitOffset])).toEqual([['b.a', 0], ['b.b', 3], ['b.c', undefined]]);
    const un = outer.members[1];
    expect(un.members.map((m) => [m.name, m.path, m.type, m.offset])).toEqual([['x', 'un.x', 'int', 8], ['', 'un', 'struct', 8]]);
    expect(un.members[1].members.map((m) => [m.path, m.offset])).toEqual([['un.y', 8]]);
    expect(b.pointerSize).toBe(8);
    expect(b.findStruct('u')?.kind).toBe('union');
    expect(b.findStruct('e')).toBeUndefined();
    expect(b.findEnum('s64')?.values).toEqual([{ name: 'NEG', value: -5 }, { name: 'MIN', value: -(2n ** 63n) }]);
    expect(b.findEnum('e64')?.values).toEqual([{ name: 'BIG', value: 0xffffffff00000000n }, { name: 'FIVE', value: 5 }]);
  });
});

// ---- ELF input (an uncompressed vmlinux) ----

/** A minimal ELF64 holding `btf` as its .BTF section. */
function elfWith(btf: Uint8Array, littleEndian = true): Uint8Array {
  const names = new TextEncoder().encode('\0.shstrtab\0.BTF\0');
  const dataOff = 64;
  const namesOff = dataOff + btf.length;
  const shoff = Math.ceil((namesOff + names.length) / 8) * 8;
  const out = new Uint8Array(shoff + 3 * 64);
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, littleEndian ? 1 : 2, 1]);
  v.setUint16(16, 1, littleEndian); // ET_REL
  v.setUint32(20, 1, littleEndian);
  v.setBigUint64(0x28, BigInt(shoff), littleEndian);
  v.setUint16(0x34, 64, littleEndian);
  v.setUint16(0x3a, 64, littleEndian);
  v.setUint16(0x3c, 3, littleEndian);
  v.setUint16(0x3e, 1, littleEndian);
  out.set(btf, dataOff);
  out.set(names, namesOff);
  const section = (i: number, name: number, type: number, off: number, size: number) => {
    const h = shoff + 64 * i;
    v.setUint32(h, name, littleEndian);
    v.setUint32(h + 4, type, littleEndian);
    v.setBigUint64(h + 24, BigInt(off), littleEndian);
    v.setBigUint64(h + 32, BigInt(size), littleEndian);
    v.setBigUint64(h + 48, 1n, littleEndian);
  };
  section(1, 1, 3, namesOff, names.length); // .shstrtab
  section(2, 11, 1, dataOff, btf.length); // .BTF
  return out;
}

describe('ELF input', () => {
  const raw = readFileSync(fixture('linux-7.3-trixie-backports'));
  it('reads the .BTF section of a vmlinux-like ELF, either byte order', () => {
    for (const le of [true, false]) {
      const b = parseBtfOrElf(elfWith(raw, le));
      expect(btfLayoutOf(b, 'rseq')?.size).toBe(64);
    }
  });
  it('reports errors inside the section with file offsets', () => {
    const cut = elfWith(raw.subarray(0, 100));
    expect(() => parseBtfOrElf(cut)).toThrow(BtfError);
    try { parseBtfOrElf(cut); } catch (e) { expect((e as BtfError).offset).toBeGreaterThanOrEqual(64); expect((e as BtfError).message).toMatch(/\.BTF section/); }
    expect(() => parseBtfOrElf(elfWith(raw).subarray(0, 200))).toThrow(BtfError);
  });
  itNeeds(noBpftool, 'bpftool agrees on the ELF', () => {
    const file = join(tmp, 'vmlinux.o');
    writeFileSync(file, elfWith(raw));
    expect(recordDifferences(parseBtfOrElf(readFileSync(file)), file)).toEqual([]);
  });
});

// ---- errors ----

describe('malformed input', () => {
  const raw = readFileSync(fixture('linux-6.12-trixie'));
  const errorOf = (bytes: Uint8Array) => { try { parseBtf(bytes); } catch (e) { return e; } return undefined; };
  it('names the problem and its offset', () => {
    const e = errorOf(new TextEncoder().encode('\x7fELF not btf at all, just text')) as BtfError;
    expect(e).toBeInstanceOf(BtfError);
    expect([e.offset, e.reason]).toEqual([0, 'not BTF: magic 0x7f45, expected 0xeb9f in either byte order']);
    expect((errorOf(raw.subarray(0, 10)) as BtfError).reason).toMatch(/truncated BTF header/);
    expect((errorOf(raw.subarray(0, raw.length - 1)) as BtfError).reason).toMatch(/string section .* runs past the end/);
    const badKind = Uint8Array.from(raw);
    badKind[24 + 7] = 0x1f; // info's kind byte of type [1]
    expect(errorOf(badKind)).toMatchObject({ offset: 28, reason: 'unknown BTF kind 31 in type [1]' });
  });
});

// ---- the command ----

describe('rseq-abi btf', () => {
  let out = '';
  let err = '';
  afterEach(() => { vi.restoreAllMocks(); out = ''; err = ''; });
  const cli = async (...args: string[]) => {
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out += String(s); return true; });
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => { err += String(s); return true; });
    return run(['node', 'rseq-abi', 'btf', ...args]);
  };

  it('prints struct rseq as json in the layout shape', async () => {
    expect(await cli('--file', fixture('linux-7.3-trixie-backports'), '--format', 'json')).toBe(0);
    const doc = JSON.parse(out);
    expect(doc).toMatchObject({ schema: 'rseq-abi/btf@1', struct: 'rseq', kind: 'struct', size: 64 });
    expect(doc.fields.map((f: { name: string; offset: number }) => `${f.name}@${f.offset}`)).toEqual(
      ['cpu_id_start@0', 'cpu_id@4', 'rseq_cs@8', 'flags@16', 'node_id@20', 'mm_cid@24', 'slice_ctrl@28', '__reserved@32', 'end@33']);
    expect(doc.fields[6].members[0].members[1].members[0]).toEqual({ name: 'request', type: '__u8', offset: 28, size: 1 });
  });

  it('prints pahole-style text and enums', async () => {
    expect(await cli('--file', fixture('linux-6.12-trixie'))).toBe(0);
    expect(out).toMatch(/^struct rseq \{\n\t__u32 +cpu_id_start; +\/\* +0 +4 \*\/\n/);
    expect(out).toMatch(/\tchar +end\[\]; +\/\* +28 +0 \*\/\n\n\t\/\* size: 32, cachelines: 1, members: 7 \*\/\n\t\/\* padding: 4 \*\//);
    out = '';
    expect(await cli('--file', fixture('linux-6.12-trixie'), '--enum', 'rseq_cpu_id_state')).toBe(0);
    expect(out).toContain('\tRSEQ_CPU_ID_UNINITIALIZED       = -1,\n');
    out = '';
    expect(await cli('--file', fixture('linux-6.12-trixie'), '--enum', 'rseq_cs_flags', '--format', 'json')).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ schema: 'rseq-abi/btf@1', enum: 'rseq_cs_flags', size: 4, signed: false, values: [{ name: 'RSEQ_CS_FLAG_NO_RESTART_ON_PREEMPT', value: 1 }, {}, {}] });
  });

  it('exits 1 for a type the kernel does not have, 2 for a bad file or usage', async () => {
    expect(await cli('--file', fixture('linux-6.12-trixie'), '--struct', 'rseq_slice_ctrl')).toBe(1);
    expect(err).toMatch(/struct rseq_slice_ctrl not found/);
    err = '';
    expect(await cli('--file', join(tmp, 'absent.btf'))).toBe(2);
    expect(err).toBe(`rseq-abi: ${join(tmp, 'absent.btf')}: no such file\n`);
    err = '';
    const junk = join(tmp, 'junk.btf');
    writeFileSync(junk, readFileSync(fixture('linux-6.12-trixie')).subarray(0, 300));
    expect(await cli('--file', junk)).toBe(2);
    expect(err).toMatch(/^rseq-abi: .*junk\.btf: type section \(472 bytes at 24\) runs past the end of the input \(300 bytes\) \(offset 8\)\n$/);
    expect(await cli('--struct', 'rseq', '--enum', 'rseq_flags')).toBe(2);
    expect(await cli('--format', 'yaml')).toBe(2);
  });

  it('exits 3 when the running kernel has no BTF', async () => {
    const { loadBtf } = await import('../../src/cli/commands/btf.js');
    expect(() => loadBtf(join(tmp, 'no-such-vmlinux'), true)).toThrow(expect.objectContaining({ exitCode: 3 }));
  });

  itNeeds(noLive, 'reads this machine\'s kernel by default', async () => {
    expect(await cli('--format', 'json')).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ struct: 'rseq', fields: expect.arrayContaining([expect.objectContaining({ name: 'cpu_id_start', offset: 0 })]) });
  });
});
