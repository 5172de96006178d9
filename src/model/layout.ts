// C layout of the spec's structs: offsets, sizes, alignment, holes and tail padding for one
// generation and one target, by the rules every Linux C ABI follows (natural alignment, except
// where the target aligns 64-bit integers less; aligned() attributes raise alignment).
import type { InlineMember, Spec, SpecField, SpecStruct, TypeExpr } from '../spec/schema.js';
import type { Hole, LaidOutField, StructLayout, Target } from './types.js';
import { cmp } from './version.js';

/** A layout that cannot be computed (unknown struct, recursion): semantic checks report it. */
export class LayoutError extends Error {}

const primitives: Record<string, { size: number; cType: string }> = {
  u8: { size: 1, cType: '__u8' },
  u16: { size: 2, cType: '__u16' },
  u32: { size: 4, cType: '__u32' },
  u64: { size: 8, cType: '__u64' },
  s8: { size: 1, cType: '__s8' },
  s16: { size: 2, cType: '__s16' },
  s32: { size: 4, cType: '__s32' },
  s64: { size: 8, cType: '__s64' },
  'char[]': { size: 0, cType: 'char[]' },
};

export const alignUp = (n: number, a: number) => Math.ceil(n / a) * a;

/** Is the field part of the struct in generation gen? */
export function presentIn(field: Pick<SpecField, 'since' | 'until'>, gen: string): boolean {
  return cmp(field.since, gen) <= 0 && (field.until === undefined || cmp(gen, field.until) < 0);
}

/** Is kernel a release of a stable series that took the change early (5.10.110 for 5.10.223)? */
function backportedTo(backported: string[] | undefined, kernel: string): boolean {
  const series = (v: string) => v.split('.').slice(0, 2).join('.');
  return (backported ?? []).some((b) => series(b) === series(kernel) && cmp(kernel, b) >= 0);
}

/**
 * The field's C type in generation gen: its history entry if one applies. With a kernel release,
 * a history entry its stable series already left behind does not apply.
 */
export function typeIn(field: SpecField, gen: string, kernel?: string): TypeExpr {
  const older = (field.history ?? [])
    .filter((h) => cmp(gen, h.before) < 0 && !(kernel && backportedTo(h.backported, kernel)))
    .sort((a, b) => cmp(a.before, b.before));
  return older[0]?.type ?? field.type;
}

interface Inherited {
  since: string;
  writer: LaidOutField['writer'];
  readOnly: boolean;
}

export class Layouter {
  private readonly cache = new Map<string, StructLayout>();
  private readonly active = new Set<string>();

  constructor(private readonly spec: Spec) {}

  /** The layout of a struct in a generation; with a kernel release, its C spelling in that release. */
  struct(name: string, gen: string, target: Target, kernel?: string): StructLayout {
    const key = `${name}|${gen}|${target.dataModel}|${target.endian}|${target.u64Align}|${kernel ?? ''}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const def = this.spec.structs.find((s) => s.name === name);
    if (!def) throw new LayoutError(`unknown struct "${name}"`);
    if (this.active.has(name)) throw new LayoutError(`struct ${name} contains itself`);
    this.active.add(name);
    try {
      const result = this.layOut(def, gen, target, kernel);
      this.cache.set(key, result);
      return result;
    } finally {
      this.active.delete(name);
    }
  }

  private layOut(def: SpecStruct, gen: string, target: Target, kernel?: string): StructLayout {
    const fields: LaidOutField[] = [];
    const holes: Hole[] = [];
    let offset = 0;
    let align = 1;
    for (const f of def.fields.filter((f) => presentIn(f, gen))) {
      const inherited = { since: f.since, writer: f.writer, readOnly: f.readOnly };
      const t = this.type(typeIn(f, gen, kernel), gen, target, f.name, inherited, kernel);
      const at = alignUp(offset, t.align);
      if (at > offset) holes.push({ offset, size: at - offset });
      fields.push({
        name: f.name, path: f.name, type: t.cType, offset: at, size: t.size, align: t.align,
        ...inherited, reserved: f.reserved ?? false, end: f.end ?? false, doc: f.doc,
        members: shift(t.members, at),
      });
      offset = at + t.size;
      align = Math.max(align, t.align);
    }
    align = Math.max(align, def.align ?? 1);
    const size = alignUp(offset, align);
    return { struct: def.name, generation: gen, target, size, align, fields, holes, tailPadding: size - offset };
  }

  private type(expr: TypeExpr, gen: string, target: Target, path: string, inh: Inherited, kernel?: string): {
    size: number; align: number; cType: string; members: LaidOutField[];
  } {
    if (typeof expr === 'string') {
      if (expr.startsWith('struct ')) {
        const inner = this.struct(expr.slice(7), gen, target, kernel);
        return { size: inner.size, align: inner.align, cType: expr, members: inner.fields.map((m) => rebase(m, path, inh)) };
      }
      const p = primitives[expr];
      if (!p) throw new LayoutError(`unknown type "${expr}"`);
      const align = expr === 'char[]' ? 1 : expr.endsWith('64') ? Math.min(8, target.u64Align) : p.size;
      return { size: p.size, align, cType: p.cType, members: [] };
    }
    if ('lp64' in expr) return this.type(target.dataModel === 'LP64' ? expr.lp64 : expr.ilp32, gen, target, path, inh, kernel);
    const isUnion = 'union' in expr;
    let list: InlineMember[] = isUnion ? expr.union : expr.struct;
    if (!isUnion && expr.bigEndianReversed && target.endian === 'big') list = [...list].reverse();
    const members: LaidOutField[] = [];
    let offset = 0;
    let size = 0;
    let align = 1;
    for (const m of list) {
      const childPath = m.name ? (path ? `${path}.${m.name}` : m.name) : path;
      const t = this.type(m.type, gen, target, childPath, inh, kernel);
      const at = isUnion ? 0 : alignUp(offset, t.align);
      members.push({
        name: m.name, path: childPath, type: t.cType, offset: at, size: t.size, align: t.align,
        ...inh, reserved: m.reserved ?? false, end: false, doc: m.doc ?? '', members: shift(t.members, at),
      });
      offset = at + t.size;
      size = Math.max(size, offset);
      align = Math.max(align, t.align);
    }
    return { size: alignUp(size, align), align, cType: isUnion ? 'union' : 'struct', members };
  }
}

function shift(members: LaidOutField[], by: number): LaidOutField[] {
  return members.map((m) => ({ ...m, offset: m.offset + by, members: shift(m.members, by) }));
}

/** Members of a named struct seen through a field: paths under the field, the field's since. */
function rebase(m: LaidOutField, parent: string, inh: Inherited): LaidOutField {
  const path = m.path ? (parent ? `${parent}.${m.path}` : m.path) : parent;
  return { ...m, path, ...inh, members: m.members.map((c) => rebase(c, parent, inh)) };
}

/** Every field and nested member, depth first. */
export function flatten(fields: LaidOutField[]): LaidOutField[] {
  return fields.flatMap((f) => [f, ...flatten(f.members)]);
}
