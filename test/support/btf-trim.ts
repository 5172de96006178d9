// A small BTF writer: encodes decoded types (src/kernel/btf-reader.ts) back into a raw BTF blob in
// either byte order, and cuts a trimmed blob holding only some named types and what they reference.
// Used to make the fixtures in test/fixtures/btf/ and to build blobs for the tests.
import type { Btf, BtfType } from '../../src/kernel/btf-reader.js';

// BTF_KIND_* numbers, written out here rather than taken from the reader: the writer is the
// reader's test oracle, so it encodes the format independently (and imports nothing at run time,
// which lets test/fixtures/btf/make.mjs load it without a build).
const KINDS = ['void', 'int', 'ptr', 'array', 'struct', 'union', 'enum', 'fwd', 'typedef', 'volatile', 'const',
  'restrict', 'func', 'func_proto', 'var', 'datasec', 'float', 'decl_tag', 'type_tag', 'enum64'];

/** A type to write: what the reader decodes, without the id and offset (ids follow the array order, from 1). */
export type BtfTypeSpec = BtfType extends infer T ? (T extends BtfType ? Omit<T, 'id' | 'offset'> : never) : never;

const LINKAGE = { static: 0, global: 1, extern: 2 } as const;

/** Encodes `types` as a raw BTF blob; types[0] gets id 1. */
export function writeBtf(types: readonly BtfTypeSpec[], opts: { littleEndian?: boolean } = {}): Uint8Array {
  const le = opts.littleEndian ?? true;
  const strings = new Map<string, number>([['', 0]]);
  const strParts: Uint8Array[] = [new Uint8Array(1)];
  let strLen = 1;
  const str = (s: string) => {
    let off = strings.get(s);
    if (off === undefined) {
      const b = new TextEncoder().encode(`${s}\0`);
      off = strLen;
      strings.set(s, off);
      strParts.push(b);
      strLen += b.length;
    }
    return off;
  };
  const words: number[] = [];
  const rec = (t: BtfTypeSpec, vlen: number, kflag: boolean, sizeOrType: number) => {
    const kind = KINDS.indexOf(t.kind);
    words.push(str(t.name), ((kflag ? 1 : 0) << 31 | kind << 24 | vlen) >>> 0, sizeOrType >>> 0);
  };
  for (const t of types) {
    switch (t.kind) {
      case 'void': throw new Error('void is implicit (id 0) and is not written');
      case 'int':
        rec(t, 0, false, t.size);
        words.push(((t.signed ? 1 : 0) | (t.char ? 2 : 0) | (t.bool ? 4 : 0)) << 24 | t.bitOffset << 16 | t.bits);
        break;
      case 'ptr': case 'typedef': case 'volatile': case 'const': case 'restrict':
        rec(t, 0, false, t.type);
        break;
      case 'type_tag':
        rec(t, 0, t.attribute, t.type);
        break;
      case 'array':
        rec(t, 0, false, 0);
        words.push(t.type, t.indexType, t.nelems);
        break;
      case 'struct': case 'union': {
        const kflag = t.members.some((m) => m.bitSize > 0);
        rec(t, t.members.length, kflag, t.size);
        for (const m of t.members) words.push(str(m.name), m.type, kflag ? (m.bitSize << 24 | m.bitOffset) >>> 0 : m.bitOffset);
        break;
      }
      case 'enum':
        rec(t, t.values.length, t.signed, t.size);
        for (const v of t.values) words.push(str(v.name), Number(v.value) >>> 0);
        break;
      case 'enum64':
        rec(t, t.values.length, t.signed, t.size);
        for (const v of t.values) {
          const u = BigInt.asUintN(64, BigInt(v.value));
          words.push(str(v.name), Number(u & 0xffffffffn), Number(u >> 32n));
        }
        break;
      case 'fwd':
        rec(t, 0, t.union, 0);
        break;
      case 'func':
        rec(t, LINKAGE[t.linkage], false, t.type);
        break;
      case 'func_proto':
        rec(t, t.params.length, false, t.type);
        for (const p of t.params) words.push(str(p.name), p.type);
        break;
      case 'var':
        rec(t, 0, false, t.type);
        words.push(LINKAGE[t.linkage]);
        break;
      case 'datasec':
        rec(t, t.vars.length, false, t.size);
        for (const v of t.vars) words.push(v.type, v.offset, v.size);
        break;
      case 'float':
        rec(t, 0, false, t.size);
        break;
      case 'decl_tag':
        rec(t, 0, t.attribute, t.type);
        words.push(t.componentIdx >>> 0);
        break;
    }
  }
  const typeLen = words.length * 4;
  const out = new Uint8Array(24 + typeLen + strLen);
  const view = new DataView(out.buffer);
  view.setUint16(0, 0xeb9f, le);
  out[2] = 1;
  view.setUint32(4, 24, le);
  view.setUint32(8, 0, le);
  view.setUint32(12, typeLen, le);
  view.setUint32(16, typeLen, le);
  view.setUint32(20, strLen, le);
  words.forEach((w, i) => view.setUint32(24 + 4 * i, w >>> 0, le));
  let off = 24 + typeLen;
  for (const p of strParts) { out.set(p, off); off += p.length; }
  return out;
}

/** The type ids a type refers to. */
export function refsOf(t: BtfType): number[] {
  switch (t.kind) {
    case 'void': case 'int': case 'fwd': case 'float': return [];
    case 'array': return [t.type, t.indexType];
    case 'struct': case 'union': return t.members.map((m) => m.type);
    case 'enum': case 'enum64': return [];
    case 'func_proto': return [t.type, ...t.params.map((p) => p.type)];
    case 'datasec': return t.vars.map((v) => v.type);
    default: return [t.type];
  }
}

/**
 * A blob holding the struct, union and enum types named in `roots` (those the BTF has) and every
 * type they reach, in their original order. A pointer to a struct or union that is not otherwise
 * kept points to a forward declaration instead, so a pointer does not pull in the whole kernel.
 */
export function trimBtf(btf: Btf, roots: readonly string[], opts: { littleEndian?: boolean } = {}): Uint8Array {
  const keep = new Set<number>();
  const pointedTo = new Set<number>();
  const visit = (id: number) => {
    if (id === 0 || keep.has(id)) return;
    keep.add(id);
    const t = btf.type(id);
    if (t.kind === 'ptr' && ['struct', 'union'].includes(btf.kind(t.type))) pointedTo.add(t.type);
    else for (const r of refsOf(t)) visit(r);
  };
  for (const name of roots) {
    const id = btf.findId(name, ['struct', 'union', 'enum', 'enum64']);
    if (id !== undefined) visit(id);
  }
  const kept = [...keep].sort((a, b) => a - b);
  const fwds = [...pointedTo].filter((id) => !keep.has(id)).sort((a, b) => a - b);
  const newId = new Map<number, number>([[0, 0]]);
  kept.forEach((id, i) => newId.set(id, i + 1));
  const out: BtfTypeSpec[] = [];
  for (const id of fwds) {
    // An anonymous struct has no name to declare: its pointer becomes void *.
    if (!btf.name(id)) { newId.set(id, 0); continue; }
    newId.set(id, kept.length + out.length + 1);
    out.push({ kind: 'fwd', name: btf.name(id), union: btf.kind(id) === 'union' });
  }
  const map = (id: number) => newId.get(id)!;
  out.unshift(...kept.map((id) => renumber(btf.type(id), map)));
  return writeBtf(out, opts);
}

function renumber(t: BtfType, map: (id: number) => number): BtfTypeSpec {
  const { id: _id, offset: _offset, ...rest } = t;
  const s = rest as BtfTypeSpec;
  switch (s.kind) {
    case 'void': case 'int': case 'fwd': case 'float': case 'enum': case 'enum64': return s;
    case 'array': return { ...s, type: map(s.type), indexType: map(s.indexType) };
    case 'struct': case 'union': return { ...s, members: s.members.map((m) => ({ ...m, type: map(m.type) })) };
    case 'func_proto': return { ...s, type: map(s.type), params: s.params.map((p) => ({ ...p, type: map(p.type) })) };
    case 'datasec': return { ...s, vars: s.vars.map((v) => ({ ...v, type: map(v.type) })) };
    default: return { ...s, type: map(s.type) };
  }
}

/** A blob's worth of types: every kind, both bitfield encodings, signed and 64-bit enums, nesting (ids are positions + 1). */
export const EVERY_KIND: BtfTypeSpec[] = [
  { kind: 'int', name: 'int', size: 4, bitOffset: 0, bits: 32, signed: true, char: false, bool: false }, // 1
  { kind: 'int', name: 'unsigned int', size: 4, bitOffset: 0, bits: 32, signed: false, char: false, bool: false }, // 2
  { kind: 'int', name: 'char', size: 1, bitOffset: 0, bits: 8, signed: false, char: true, bool: false }, // 3
  { kind: 'int', name: '_Bool', size: 1, bitOffset: 0, bits: 8, signed: false, char: false, bool: true }, // 4
  { kind: 'ptr', name: '', type: 1 }, // 5: int *
  { kind: 'array', name: '', type: 3, indexType: 1, nelems: 16 }, // 6: char[16]
  { kind: 'struct', name: 'bits', size: 8, members: [ // 7 (kind_flag bitfields)
    { name: 'a', type: 2, bitOffset: 0, bitSize: 3 }, { name: 'b', type: 2, bitOffset: 3, bitSize: 5 }, { name: 'c', type: 1, bitOffset: 32, bitSize: 0 }] },
  { kind: 'union', name: 'u', size: 4, members: [{ name: 'x', type: 1, bitOffset: 0, bitSize: 0 }, { name: '', type: 26, bitOffset: 0, bitSize: 0 }] }, // 8
  { kind: 'enum', name: 'e', size: 4, signed: true, values: [{ name: 'E_NEG', value: -1 }, { name: 'E_TWO', value: 2 }] }, // 9
  { kind: 'fwd', name: 'fw', union: true }, // 10
  { kind: 'typedef', name: 'bits_t', type: 7 }, // 11
  { kind: 'volatile', name: '', type: 1 }, // 12: volatile int
  { kind: 'const', name: '', type: 5 }, // 13: int * const
  { kind: 'restrict', name: '', type: 5 }, // 14: int * restrict
  { kind: 'func_proto', name: '', type: 1, params: [{ name: 'a', type: 1 }, { name: 'b', type: 5 }, { name: '', type: 0 }] }, // 15
  { kind: 'func', name: 'f', type: 15, linkage: 'global' }, // 16
  { kind: 'var', name: 'v', type: 1, linkage: 'global' }, // 17
  { kind: 'datasec', name: '.data', size: 4, vars: [{ type: 17, offset: 0, size: 4 }] }, // 18
  { kind: 'float', name: 'double', size: 8 }, // 19
  { kind: 'decl_tag', name: 'tag', type: 7, componentIdx: 1, attribute: false }, // 20
  { kind: 'type_tag', name: 'user', type: 7, attribute: false }, // 21
  { kind: 'enum64', name: 'e64', size: 8, signed: false, values: [{ name: 'BIG', value: 0xffffffff00000000n }, { name: 'FIVE', value: 5 }] }, // 22
  { kind: 'enum64', name: 's64', size: 8, signed: true, values: [{ name: 'NEG', value: -5 }, { name: 'MIN', value: -(2n ** 63n) }] }, // 23
  { kind: 'ptr', name: '', type: 21 }, // 24: struct bits * (through the type tag)
  { kind: 'struct', name: 'legacy', size: 4, members: [{ name: 'l', type: 27, bitOffset: 0, bitSize: 0 }, { name: 'm', type: 27, bitOffset: 3, bitSize: 0 }] }, // 25
  { kind: 'struct', name: '', size: 4, members: [{ name: 'y', type: 2, bitOffset: 0, bitSize: 0 }] }, // 26: anonymous, inside union u
  { kind: 'int', name: 'unsigned int', size: 4, bitOffset: 0, bits: 3, signed: false, char: false, bool: false }, // 27: old-style 3-bit int
  { kind: 'ptr', name: '', type: 15 }, // 28: int (*)(int, int *, ...)
  { kind: 'func', name: 'g', type: 15, linkage: 'static' }, // 29
  { kind: 'var', name: 'w', type: 6, linkage: 'static' }, // 30
  { kind: 'struct', name: 'outer', size: 48, members: [ // 31
    { name: 'b', type: 11, bitOffset: 0, bitSize: 0 }, { name: 'un', type: 8, bitOffset: 64, bitSize: 0 }, { name: 'name', type: 6, bitOffset: 96, bitSize: 0 },
    { name: 'fn', type: 28, bitOffset: 256, bitSize: 0 }, { name: 'p', type: 24, bitOffset: 320, bitSize: 0 }, { name: 'end', type: 32, bitOffset: 384, bitSize: 0 }] },
  { kind: 'array', name: '', type: 3, indexType: 1, nelems: 0 }, // 32: char[]
  { kind: 'int', name: 'long int', size: 8, bitOffset: 0, bits: 64, signed: true, char: false, bool: false }, // 33
];
