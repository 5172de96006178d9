// The BTF reader: header, type section and string section of a raw BTF blob, in either byte order.
// One pass over the type section records where each type starts; everything else (names, members,
// values) is decoded on demand. Every read is bounds-checked and reported as a BtfError with the
// byte offset, so a truncated or hostile blob never throws anything else.
// Format: the kernel's Documentation/bpf/btf.rst (struct btf_header, struct btf_type and the
// per-kind data that follows it).

/** A malformed BTF blob: what is wrong and the byte offset (from the start of the input) where. */
export class BtfError extends Error {
  constructor(readonly reason: string, readonly offset: number) {
    super(`${reason} (offset ${offset})`);
    this.name = 'BtfError';
  }
}

/** Type kinds by their BTF_KIND_* number; 0 is void (the implicit type id 0). */
export const BTF_KINDS = [
  'void', 'int', 'ptr', 'array', 'struct', 'union', 'enum', 'fwd', 'typedef', 'volatile', 'const',
  'restrict', 'func', 'func_proto', 'var', 'datasec', 'float', 'decl_tag', 'type_tag', 'enum64',
] as const;
export type BtfKind = (typeof BTF_KINDS)[number];

export const BTF_MAGIC = 0xeb9f;
const HEADER_SIZE = 24;
const RECORD_SIZE = 12; // name_off, info, size_or_type

export type BtfLinkage = 'static' | 'global' | 'extern';
const LINKAGES: readonly BtfLinkage[] = ['static', 'global', 'extern'];

interface Common {
  id: number;
  /** '' when anonymous */
  name: string;
  /** byte offset of the type record in the input */
  offset: number;
}
export interface BtfMemberRecord { name: string; type: number; bitOffset: number; bitSize: number }
export interface BtfEnumValue { name: string; value: number | bigint }

export type BtfType = Common & (
  | { kind: 'void' }
  | { kind: 'int'; size: number; bitOffset: number; bits: number; signed: boolean; char: boolean; bool: boolean }
  | { kind: 'ptr' | 'typedef' | 'volatile' | 'const' | 'restrict'; type: number }
  | { kind: 'type_tag'; type: number; attribute: boolean }
  | { kind: 'array'; type: number; indexType: number; nelems: number }
  | { kind: 'struct' | 'union'; size: number; members: BtfMemberRecord[] }
  | { kind: 'enum' | 'enum64'; size: number; signed: boolean; values: BtfEnumValue[] }
  | { kind: 'fwd'; union: boolean }
  | { kind: 'func'; type: number; linkage: BtfLinkage }
  | { kind: 'func_proto'; type: number; params: { name: string; type: number }[] }
  | { kind: 'var'; type: number; linkage: BtfLinkage }
  | { kind: 'datasec'; size: number; vars: { type: number; offset: number; size: number }[] }
  | { kind: 'float'; size: number }
  | { kind: 'decl_tag'; type: number; componentIdx: number; attribute: boolean }
);
export type BtfTypeOf<K extends BtfKind> = Extract<BtfType, { kind: K }>;
export type BtfComposite = BtfTypeOf<'struct' | 'union'>;

/** An enumeration as plain data. ENUM values are numbers; ENUM64 values are numbers when exact, else bigints. */
export interface BtfEnum {
  name: string;
  size: number;
  signed: boolean;
  values: BtfEnumValue[];
}

export interface BtfHeader {
  littleEndian: boolean;
  version: number;
  flags: number;
  hdrLen: number;
  typeOff: number;
  typeLen: number;
  strOff: number;
  strLen: number;
}

/** Bytes of kind-specific data after the 12-byte record; -1 for a kind this reader does not know. */
function extraSize(kind: number, vlen: number): number {
  switch (kind) {
    case 1: case 14: case 17: return 4; // int encoding, var linkage, decl_tag component_idx
    case 3: return 12; // struct btf_array
    case 4: case 5: case 15: case 19: return 12 * vlen; // members, datasec vars, enum64 values
    case 6: case 13: return 8 * vlen; // enum values, func_proto params
    case 2: case 7: case 8: case 9: case 10: case 11: case 12: case 16: case 18: return 0;
    default: return -1;
  }
}

const utf8 = new TextDecoder('utf-8');

/** A parsed BTF blob. Types are numbered from 1; id 0 is void. */
export class Btf {
  /** the input, as a plain Uint8Array view (a Buffer's subarray() is much slower) */
  readonly bytes: Uint8Array;
  readonly header: BtfHeader;
  /** number of type ids, void included: valid ids are 0 .. count-1 */
  readonly count: number;
  private readonly view: DataView;
  private readonly le: boolean;
  private readonly strStart: number;
  private readonly strLen: number;
  private readonly starts: Uint32Array;
  private readonly found = new Map<string, number>();
  private ptrSize = 0;

  constructor(input: Uint8Array) {
    const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    this.bytes = bytes;
    if (bytes.length > 0xffffffff) throw new BtfError('input larger than 4 GiB', 0);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.view = view;
    if (bytes.length < HEADER_SIZE) {
      if (bytes.length >= 2 && !isMagic(view)) throw new BtfError(badMagic(view), 0);
      throw new BtfError(`truncated BTF header: ${bytes.length} of ${HEADER_SIZE} bytes`, bytes.length);
    }
    if (!isMagic(view)) throw new BtfError(badMagic(view), 0);
    const le = view.getUint16(0, true) === BTF_MAGIC;
    this.le = le;
    const h: BtfHeader = {
      littleEndian: le, version: bytes[2], flags: bytes[3], hdrLen: view.getUint32(4, le),
      typeOff: view.getUint32(8, le), typeLen: view.getUint32(12, le),
      strOff: view.getUint32(16, le), strLen: view.getUint32(20, le),
    };
    this.header = h;
    if (h.version !== 1) throw new BtfError(`unsupported BTF version ${h.version}`, 2);
    if (h.hdrLen < HEADER_SIZE || h.hdrLen > bytes.length) throw new BtfError(`bad header length ${h.hdrLen}`, 4);
    const typeStart = h.hdrLen + h.typeOff;
    const typeEnd = typeStart + h.typeLen;
    if (typeEnd > bytes.length) throw new BtfError(`type section (${h.typeLen} bytes at ${typeStart}) runs past the end of the input (${bytes.length} bytes)`, 8);
    this.strStart = h.hdrLen + h.strOff;
    this.strLen = h.strLen;
    const strEnd = this.strStart + h.strLen;
    if (strEnd > bytes.length) throw new BtfError(`string section (${h.strLen} bytes at ${this.strStart}) runs past the end of the input (${bytes.length} bytes)`, 16);
    if (h.strLen > 0 && bytes[strEnd - 1] !== 0) throw new BtfError('string section does not end with a NUL byte', strEnd - 1);

    // The one pass: every record is at least 12 bytes, so the section bounds the number of types.
    const starts = new Uint32Array(Math.floor(h.typeLen / RECORD_SIZE) + 1);
    let id = 1;
    let off = typeStart;
    while (off < typeEnd) {
      if (off + RECORD_SIZE > typeEnd) throw new BtfError(`truncated type record [${id}]: ${typeEnd - off} of ${RECORD_SIZE} bytes`, off);
      const info = view.getUint32(off + 4, le);
      const kind = (info >>> 24) & 0x1f;
      const extra = extraSize(kind, info & 0xffff);
      if (extra < 0) throw new BtfError(`unknown BTF kind ${kind} in type [${id}]`, off + 4);
      const next = off + RECORD_SIZE + extra;
      if (next > typeEnd) throw new BtfError(`type [${id}] (${BTF_KINDS[kind]}) runs past the end of the type section`, off);
      starts[id++] = off;
      off = next;
    }
    this.starts = starts.subarray(0, id);
    this.count = id;
  }

  /** The BTF kind of a type id (BtfError for an id out of range). */
  kind(id: number): BtfKind {
    return id === 0 ? 'void' : BTF_KINDS[(this.u32(this.start(id) + 4) >>> 24) & 0x1f];
  }

  /** The name of a type id ('' when anonymous). */
  name(id: number): string {
    return id === 0 ? '' : this.str(this.u32(this.start(id)), this.start(id));
  }

  /** Decodes one type record. */
  type(id: number): BtfType {
    if (id === 0) return { id: 0, kind: 'void', name: '', offset: 0 };
    const off = this.start(id);
    const info = this.u32(off + 4);
    const vlen = info & 0xffff;
    const kflag = info >>> 31 === 1;
    const sizeOrType = this.u32(off + 8);
    const name = this.str(this.u32(off), off);
    const d = off + RECORD_SIZE; // kind-specific data
    const kind = BTF_KINDS[(info >>> 24) & 0x1f];
    switch (kind) {
      case 'int': {
        const enc = this.u32(d);
        return { id, name, offset: off, kind, size: sizeOrType, bitOffset: (enc >>> 16) & 0xff, bits: enc & 0xff,
          signed: (enc & 0x01000000) !== 0, char: (enc & 0x02000000) !== 0, bool: (enc & 0x04000000) !== 0 };
      }
      case 'ptr': case 'typedef': case 'volatile': case 'const': case 'restrict':
        return { id, name, offset: off, kind, type: sizeOrType };
      case 'type_tag':
        return { id, name, offset: off, kind, type: sizeOrType, attribute: kflag };
      case 'array':
        return { id, name, offset: off, kind, type: this.u32(d), indexType: this.u32(d + 4), nelems: this.u32(d + 8) };
      case 'struct': case 'union': {
        const members: BtfMemberRecord[] = [];
        for (let i = 0, m = d; i < vlen; i++, m += 12) {
          const o = this.u32(m + 8);
          members.push({ name: this.str(this.u32(m), m), type: this.u32(m + 4),
            bitOffset: kflag ? o & 0xffffff : o, bitSize: kflag ? o >>> 24 : 0 });
        }
        return { id, name, offset: off, kind, size: sizeOrType, members };
      }
      case 'enum': case 'enum64': {
        const values: BtfEnumValue[] = [];
        const step = kind === 'enum' ? 8 : 12;
        for (let i = 0, v = d; i < vlen; i++, v += step) {
          let value: number | bigint;
          if (kind === 'enum') value = kflag ? this.view.getInt32(v + 4, this.le) : this.u32(v + 4);
          else {
            const big = (BigInt(this.u32(v + 8)) << 32n) | BigInt(this.u32(v + 4));
            value = kflag ? BigInt.asIntN(64, big) : big;
            if (value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) value = Number(value);
          }
          values.push({ name: this.str(this.u32(v), v), value });
        }
        return { id, name, offset: off, kind, size: sizeOrType, signed: kflag, values };
      }
      case 'fwd':
        return { id, name, offset: off, kind, union: kflag };
      case 'func':
        return { id, name, offset: off, kind, type: sizeOrType, linkage: this.linkage(vlen, off + 4) };
      case 'func_proto': {
        const params = [];
        for (let i = 0, p = d; i < vlen; i++, p += 8) params.push({ name: this.str(this.u32(p), p), type: this.u32(p + 4) });
        return { id, name, offset: off, kind, type: sizeOrType, params };
      }
      case 'var':
        return { id, name, offset: off, kind, type: sizeOrType, linkage: this.linkage(this.u32(d), d) };
      case 'datasec': {
        const vars = [];
        for (let i = 0, v = d; i < vlen; i++, v += 12) vars.push({ type: this.u32(v), offset: this.u32(v + 4), size: this.u32(v + 8) });
        return { id, name, offset: off, kind, size: sizeOrType, vars };
      }
      case 'float':
        return { id, name, offset: off, kind, size: sizeOrType };
      case 'decl_tag':
        return { id, name, offset: off, kind, type: sizeOrType, componentIdx: this.view.getInt32(d, this.le), attribute: kflag };
      default: // the constructor rejected every other kind
        throw new BtfError(`unknown BTF kind in type [${id}]`, off + 4);
    }
  }

  /** Every type, void first; decodes them all (for tools and tests, not for lookups). */
  *types(): IterableIterator<BtfType> {
    for (let id = 0; id < this.count; id++) yield this.type(id);
  }

  /** The first type of one of `kinds` named `name`, compared as bytes so that no other name is decoded. */
  findId(name: string, kinds: readonly BtfKind[]): number | undefined {
    const key = `${kinds.join(',')}:${name}`;
    const cached = this.found.get(key);
    if (cached !== undefined) return cached || undefined;
    const want = new TextEncoder().encode(name);
    const codes = new Set(kinds.map((k) => BTF_KINDS.indexOf(k)));
    const { bytes, strStart, strLen } = this;
    let hit = 0;
    if (want.length > 0 && !want.includes(0)) {
      for (let id = 1; id < this.count && !hit; id++) {
        const off = this.starts[id];
        if (!codes.has((this.u32(off + 4) >>> 24) & 0x1f)) continue;
        const nameOff = this.u32(off);
        if (nameOff === 0 || nameOff + want.length >= strLen) continue;
        const s = strStart + nameOff;
        if (bytes[s + want.length] !== 0) continue;
        let i = 0;
        while (i < want.length && bytes[s + i] === want[i]) i++;
        if (i === want.length) hit = id;
      }
    }
    this.found.set(key, hit);
    return hit || undefined;
  }

  /** A struct or union by name. */
  findStruct(name: string): BtfComposite | undefined {
    const id = this.findId(name, ['struct', 'union']);
    return id === undefined ? undefined : (this.type(id) as BtfComposite);
  }

  /** An enum (32- or 64-bit) by name, as plain data. */
  findEnum(name: string): BtfEnum | undefined {
    const id = this.findId(name, ['enum', 'enum64']);
    if (id === undefined) return undefined;
    const t = this.type(id) as BtfTypeOf<'enum' | 'enum64'>;
    return { name: t.name, size: t.size, signed: t.signed, values: t.values };
  }

  /**
   * The size of a pointer, which BTF does not record: the size of `long` as libbpf infers it, or 8
   * when the blob has no long.
   */
  get pointerSize(): number {
    if (this.ptrSize === 0) {
      this.ptrSize = 8;
      for (const n of ['long int', 'long unsigned int', 'long', 'unsigned long', 'unsigned long int']) {
        const id = this.findId(n, ['int']);
        const size = id === undefined ? 0 : this.u32(this.starts[id] + 8);
        if (size === 4 || size === 8) { this.ptrSize = size; break; }
      }
    }
    return this.ptrSize;
  }

  /** Offset of a type record; BtfError for an id that is not in the blob. */
  start(id: number): number {
    if (!(id >= 0 && id < this.count && Number.isInteger(id))) throw new BtfError(`type id ${id} out of range (the blob has ${this.count - 1} types)`, this.header.hdrLen + this.header.typeOff);
    return this.starts[id];
  }

  private u32(off: number): number {
    return this.view.getUint32(off, this.le);
  }

  private str(nameOff: number, at: number): string {
    if (nameOff === 0) return '';
    if (nameOff >= this.strLen) throw new BtfError(`name offset ${nameOff} outside the string section (${this.strLen} bytes)`, at);
    const s = this.strStart + nameOff;
    // The section ends with NUL (checked in the constructor), so the search stops inside it.
    return utf8.decode(this.bytes.subarray(s, this.bytes.indexOf(0, s)));
  }

  private linkage(n: number, at: number): BtfLinkage {
    if (n >= LINKAGES.length) throw new BtfError(`unknown linkage ${n}`, at);
    return LINKAGES[n];
  }
}

function isMagic(view: DataView): boolean {
  return view.getUint16(0, true) === BTF_MAGIC || view.getUint16(0, false) === BTF_MAGIC;
}

function badMagic(view: DataView): string {
  return `not BTF: magic 0x${view.getUint16(0, false).toString(16).padStart(4, '0')}, expected 0xeb9f in either byte order`;
}

/** Parses a raw BTF blob (as in /sys/kernel/btf/vmlinux or an ELF .BTF section). */
export function parseBtf(bytes: Uint8Array): Btf {
  return new Btf(bytes);
}
