// Turns BTF types into plain layouts: a struct's members with byte offsets, sizes and C spellings,
// typedef chains resolved for sizes, anonymous and nested aggregates expanded with dotted paths.
// Chains and nesting are depth-limited, so a blob whose references form a cycle gives a BtfError.
import { Btf, BtfError, type BtfComposite, type BtfType } from './btf-reader.js';

export interface BtfMember {
  /** '' for an anonymous struct or union */
  name: string;
  /** dotted path from the top struct, anonymous levels skipped: 'slice_ctrl.request' */
  path: string;
  /** C spelling of the declared type: '__u32', 'struct rseq_slice_ctrl', 'union', 'char[]' */
  type: string;
  /** byte offset from the start of the top struct */
  offset: number;
  /** bitfields only: bit offset from the start of the top struct */
  bitOffset?: number;
  /** bitfields only: width in bits */
  bitSize?: number;
  /** bytes; for a bitfield, the size of its declared type */
  size: number;
  /** members of a nested struct or union (named type or anonymous), offsets from the top struct */
  members: BtfMember[];
}

export interface BtfStructLayout {
  name: string;
  kind: 'struct' | 'union';
  size: number;
  members: BtfMember[];
}

/** Longest typedef/qualifier/array chain and deepest nesting followed before calling it a cycle. */
const MAX_DEPTH = 64;
/** Most members one layout may expand to (nested ones included), against exponential blow-up. */
const MAX_MEMBERS = 100_000;

/** Follows typedefs, qualifiers and type tags to the type they name. */
export function resolveType(btf: Btf, id: number, at = 0): BtfType {
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const t = btf.type(checkId(btf, id, at));
    switch (t.kind) {
      case 'typedef': case 'const': case 'volatile': case 'restrict': case 'type_tag':
        at = t.offset;
        id = t.type;
        break;
      default:
        return t;
    }
  }
  throw new BtfError(`type chain from [${id}] longer than ${MAX_DEPTH} (a reference cycle?)`, at);
}

/** sizeof the type, in bytes (0 for void, functions and forward declarations). */
export function sizeOf(btf: Btf, id: number, at = 0, depth = 0): number {
  if (depth > MAX_DEPTH) throw new BtfError(`array nesting deeper than ${MAX_DEPTH} (a reference cycle?)`, at);
  const t = resolveType(btf, id, at);
  switch (t.kind) {
    case 'int': case 'float': case 'struct': case 'union': case 'enum': case 'enum64': case 'datasec':
      return t.size;
    case 'ptr':
      return btf.pointerSize;
    case 'array':
      return t.nelems === 0 ? 0 : t.nelems * sizeOf(btf, t.type, t.offset, depth + 1);
    case 'var': case 'decl_tag':
      return sizeOf(btf, t.type, t.offset, depth + 1);
    default:
      return 0;
  }
}

/**
 * Spellings are memoized per blob: function prototypes branch (one spelling per parameter), so
 * without it a hostile blob could make spelling take exponential time; the length cap keeps a
 * spelling from growing without bound.
 */
const spellings = new WeakMap<Btf, Map<number, string>>();
const MAX_SPELLING = 4096;

/** The C spelling of a type: '__u32', 'struct rseq *', 'char[]', 'union' (anonymous), 'int (*)(void *)'. */
export function typeName(btf: Btf, id: number, at = 0, depth = 0): string {
  let memo = spellings.get(btf);
  if (!memo) spellings.set(btf, (memo = new Map()));
  let s = memo.get(id);
  if (s === undefined) {
    s = spell(btf, id, at, depth);
    if (s.length > MAX_SPELLING) throw new BtfError(`the C spelling of type [${id}] is longer than ${MAX_SPELLING} characters`, at);
    memo.set(id, s);
  }
  return s;
}

function spell(btf: Btf, id: number, at: number, depth: number): string {
  if (depth > MAX_DEPTH) throw new BtfError(`type chain from [${id}] longer than ${MAX_DEPTH} (a reference cycle?)`, at);
  const t = btf.type(checkId(btf, id, at));
  const next = (ref: number) => typeName(btf, ref, t.offset, depth + 1);
  switch (t.kind) {
    case 'void': return 'void';
    case 'int': case 'float': case 'typedef': case 'func': case 'var': case 'datasec': return t.name;
    case 'struct': case 'union': return t.name ? `${t.kind} ${t.name}` : t.kind;
    case 'enum': case 'enum64': return t.name ? `enum ${t.name}` : 'enum';
    case 'fwd': return `${t.union ? 'union' : 'struct'} ${t.name}`;
    case 'type_tag': case 'decl_tag': return next(t.type);
    case 'ptr': {
      const target = btf.type(checkId(btf, t.type, t.offset));
      if (target.kind === 'func_proto') return `${next(target.type)} (*)(${params(btf, target, depth)})`;
      const s = next(t.type);
      return s.endsWith('*') ? `${s}*` : `${s} *`;
    }
    case 'const': case 'volatile': case 'restrict': {
      const s = next(t.type);
      return s.endsWith('*') || t.kind === 'restrict' ? `${s} ${t.kind}` : `${t.kind} ${s}`;
    }
    case 'array': {
      let dims = '';
      let a: BtfType = t;
      for (let n = 0; a.kind === 'array'; n++) {
        if (n > MAX_DEPTH) throw new BtfError(`array nesting deeper than ${MAX_DEPTH} (a reference cycle?)`, a.offset);
        dims += a.nelems ? `[${a.nelems}]` : '[]';
        a = btf.type(checkId(btf, a.type, a.offset));
      }
      return typeName(btf, a.id, t.offset, depth + 1) + dims;
    }
    case 'func_proto': return `${next(t.type)} (${params(btf, t, depth)})`;
  }
}

function params(btf: Btf, proto: Extract<BtfType, { kind: 'func_proto' }>, depth: number): string {
  if (proto.params.length === 0) return 'void';
  let out = '';
  for (const [i, p] of proto.params.entries()) {
    out += (i ? ', ' : '') + (p.type === 0 && i === proto.params.length - 1 ? '...' : typeName(btf, p.type, proto.offset, depth + 1));
    if (out.length > MAX_SPELLING) throw new BtfError(`the parameters of type [${proto.id}] spell longer than ${MAX_SPELLING} characters`, proto.offset);
  }
  return out;
}

/** Lays out a struct or union (by type or id): members in declaration order, nested aggregates expanded. */
export function resolveStruct(btf: Btf, t: BtfComposite | number): BtfStructLayout {
  const top = typeof t === 'number' ? btf.type(checkId(btf, t, 0)) : t;
  if (top.kind !== 'struct' && top.kind !== 'union') throw new BtfError(`type [${top.id}] is a ${top.kind}, not a struct or union`, top.offset);
  const budget = { left: MAX_MEMBERS };
  return { name: top.name, kind: top.kind, size: top.size, members: membersOf(btf, top, 0, '', [top.id], budget) };
}

function membersOf(btf: Btf, t: BtfComposite, baseBit: number, parentPath: string, open: number[], budget: { left: number }): BtfMember[] {
  const out: BtfMember[] = [];
  for (const m of t.members) {
    if (--budget.left < 0) throw new BtfError(`struct expands to more than ${MAX_MEMBERS} members`, t.offset);
    const bit = baseBit + m.bitOffset;
    const path = m.name ? (parentPath ? `${parentPath}.${m.name}` : m.name) : parentPath;
    const target = resolveType(btf, m.type, t.offset);
    const member: BtfMember = { name: m.name, path, type: typeName(btf, m.type, t.offset), offset: Math.floor(bit / 8), size: sizeOf(btf, m.type, t.offset), members: [] };
    // kind_flag structs carry the width in the member; older BTF encodes it in the int type itself.
    let bitSize = m.bitSize;
    let bitOffset = bit;
    if (bitSize === 0 && target.kind === 'int' && (target.bits !== target.size * 8 || target.bitOffset !== 0)) {
      bitSize = target.bits;
      bitOffset = bit + target.bitOffset;
      member.offset = Math.floor(bitOffset / 8);
    }
    if (bitSize > 0) {
      member.bitOffset = bitOffset;
      member.bitSize = bitSize;
    }
    if (target.kind === 'struct' || target.kind === 'union') {
      if (open.includes(target.id)) throw new BtfError(`struct [${target.id}] contains itself (a reference cycle)`, target.offset);
      if (open.length > MAX_DEPTH) throw new BtfError(`structs nested deeper than ${MAX_DEPTH}`, target.offset);
      member.members = membersOf(btf, target, bit, path, [...open, target.id], budget);
    }
    out.push(member);
  }
  return out;
}

/** The layout of the struct or union named `name`, or undefined when the BTF has none. */
export function btfLayoutOf(btf: Btf, name: string): BtfStructLayout | undefined {
  const t = btf.findStruct(name);
  return t && resolveStruct(btf, t);
}

function checkId(btf: Btf, id: number, at: number): number {
  if (id >= btf.count) throw new BtfError(`reference to type [${id}], but the blob has ${btf.count - 1} types`, at);
  return id;
}
