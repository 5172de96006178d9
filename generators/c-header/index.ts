// The UAPI-style C header of each generation: the kernel's names and shapes, RSEQ_ABI_* extras,
// and compile-time asserts of every offset, size and alignment on every architecture.
import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import { flatten, layout, presentIn, typeIn, type Generation, type Model } from '../../src/model/index.js';
import type { InlineMember, TypeExpr } from '../../src/spec/schema.js';
import { packagePath } from '../../src/paths.js';
import { generatedNotice, type GeneratedFile } from '../types.js';
import { cComment, cIdent, hex } from './escape.js';

const FLEX_GUARD = 'defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L && !defined(__cplusplus)';
const BIG_ENDIAN = 'defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__';

interface MemberView {
  indent: string;
  doc?: string;
  name?: string;
  decl?: string;
  flexible?: boolean;
  inline?: 'struct' | 'union';
  anonymous?: boolean;
  members?: MemberView[];
  /** the line that closes an inline struct or union: '} ptr;' */
  closer?: string;
  branches?: { directive: string; members: MemberView[] }[];
}

let template: Handlebars.TemplateDelegate | undefined;
function compile(): Handlebars.TemplateDelegate {
  if (template) return template;
  const hb = Handlebars.create();
  hb.registerHelper('ident', (s: unknown) => cIdent(s));
  hb.registerHelper('comment', (s: unknown) => cComment(s));
  const read = (f: string) => readFileSync(packagePath('generators', 'c-header', f), 'utf8');
  hb.registerPartial('members', hb.compile(read('members.hbs'), { noEscape: true, strict: true }));
  template = hb.compile(read('rseq-abi.h.hbs'), { noEscape: true, strict: true });
  return template;
}

const cType: Record<string, string> = { u8: '__u8', u16: '__u16', u32: '__u32', u64: '__u64', s8: '__s8', s16: '__s16', s32: '__s32', s64: '__s64' };

function members(list: InlineMember[], depth: number, withDocs: boolean): MemberView[] {
  return list.map((m) => member(m.name, m.type, withDocs ? m.doc : undefined, depth));
}

function member(name: string, type: TypeExpr, doc: string | undefined, depth: number): MemberView {
  const indent = '\t'.repeat(depth);
  const base = { indent, doc, name };
  if (typeof type === 'string') {
    if (type === 'char[]') return { ...base, flexible: true, decl: `char ${cIdent(name)}[];` };
    const t = type.startsWith('struct ') ? `struct ${cIdent(type.slice(7))}` : cType[type];
    if (!t) throw new Error(`c-header: unknown type ${type}`);
    return { ...base, decl: `${t} ${cIdent(name)};` };
  }
  if ('lp64' in type) {
    return { indent, doc, branches: [
      { directive: '#ifdef __LP64__', members: [member(name, type.lp64, undefined, depth)] },
      { directive: '#else', members: [member(name, type.ilp32, undefined, depth)] },
    ] };
  }
  const aggregate = { ...base, anonymous: !name, closer: name ? `} ${cIdent(name)};` : '};' };
  if ('union' in type) return { ...aggregate, inline: 'union', members: members(type.union, depth + 1, true) };
  const inner = members(type.struct, depth + 1, true);
  if (!type.bigEndianReversed) return { ...aggregate, inline: 'struct', members: inner };
  return { ...aggregate, inline: 'struct', members: [{ indent, branches: [
    { directive: `#if ${BIG_ENDIAN}`, members: [...inner].reverse() },
    { directive: '#else', members: inner },
  ] }] };
}

interface Assert { id: string; expr: string }

/** Every offset, member size, struct size and alignment, per architecture, grouped. */
function assertGroups(model: Model, gen: Generation, structs: { name: string; cName: string }[]) {
  const perArch = model.arches.map((arch) => {
    const list: (Assert & { flexible: boolean })[] = [];
    for (const { name, cName: s } of structs) {
      const l = layout(model, name, gen.kernel, arch);
      list.push({ id: `${s}_sizeof`, expr: `sizeof(struct ${s}) == ${l.size}`, flexible: false });
      list.push({ id: `${s}_alignof`, expr: `__alignof__(struct ${s}) == ${l.align}`, flexible: false });
      for (const f of flatten(l.fields).filter((f) => f.name)) {
        const id = `${s}__${f.path.replace(/\./g, '__')}`;
        list.push({ id: `${id}_offset`, expr: `offsetof(struct ${s}, ${f.path}) == ${f.offset}`, flexible: f.end || f.type === 'char[]' });
        if (!(f.end || f.type === 'char[]')) list.push({ id: `${id}_size`, expr: `RSEQ_ABI_SIZEOF_MEMBER(${s}, ${f.path}) == ${f.size}`, flexible: false });
      }
    }
    return { arch, list };
  });
  const key = (a: Assert) => `${a.id}:${a.expr}`;
  const common = perArch[0].list.filter((a) => perArch.every((p) => p.list.some((b) => key(b) === key(a))));
  const commonKeys = new Set(common.map(key));
  const groups: { macro?: string; asserts: Assert[] }[] = [
    { asserts: common.filter((a) => !a.flexible) },
    { macro: FLEX_GUARD, asserts: common.filter((a) => a.flexible) },
  ];
  // Architectures whose remaining asserts are the same share one #if.
  const byRest = new Map<string, { macros: string[]; asserts: Assert[] }>();
  for (const { arch, list } of perArch) {
    const rest = list.filter((a) => !commonKeys.has(key(a)));
    if (!rest.length) continue;
    const k = rest.map(key).join('\n');
    const g = byRest.get(k) ?? { macros: [], asserts: rest };
    g.macros.push(`(${arch.macro})`);
    byRest.set(k, g);
  }
  for (const g of byRest.values()) groups.push({ macro: g.macros.join(' || '), asserts: g.asserts });
  return groups.filter((g) => g.asserts.length);
}

function enumExpr(e: Model['enums'][number], v: Model['enums'][number]['values'][number], bitEnumOf: Map<string, string>): string {
  if (v.bit !== undefined && bitEnumOf.has(e.name)) return `(1U << ${cIdent(`${v.name}_BIT`)})`;
  if (v.bit !== undefined && e.flags) return `(1 << ${v.bit})`;
  return String(v.value);
}

/** The header of one generation. */
export function headerFor(model: Model, gen: Generation): string {
  const since = (x: { since: string }) => presentIn({ since: x.since }, gen.kernel);
  const bitEnumOf = new Map(model.spec.enums.filter((e) => e.bitEnum).map((e) => [e.name, e.bitEnum!]));
  const enums = model.enums.filter(since).map((e) => ({
    name: e.name, doc: e.doc,
    values: e.values.filter(since).map((v) => ({ name: v.name, doc: v.deprecated ? `${v.doc} Deprecated since ${v.deprecated}.` : v.doc, expr: enumExpr(e, v, bitEnumOf) })),
  }));
  // A struct is declared before the structs that use it.
  const order = ['rseq_cs', 'rseq_slice_ctrl', 'rseq', 'ptrace_rseq_configuration'].filter((n) => model.structs.some((s) => s.name === n));
  const structs = [...order, ...model.structs.map((s) => s.name).filter((n) => !order.includes(n))]
    .map((n) => model.structs.find((s) => s.name === n)!)
    .filter(since)
    .map((s) => ({
      name: s.name,
      // a struct of another uapi header (linux/ptrace.h) would clash with it under its own name
      cName: s.header ? `rseq_abi_${s.name}` : s.name,
      doc: s.header ? `${s.doc} The layout of struct ${s.name} of <${s.header}>.` : s.doc,
      align: s.align,
      // C90 and C++ accept anonymous members only as a GNU extension.
      anonymousMembers: s.fields.some((f) => !f.name),
      fields: s.fields.filter((f) => presentIn(f, gen.kernel)).map((f) => member(f.name, typeIn(f, gen.kernel), f.doc, 1)),
    }));
  return compile()({
    notice: cComment(generatedNotice()),
    title: model.spec.title,
    gen,
    legacy: model.spec.allocationRule.legacy,
    enums,
    structs,
    constants: model.spec.constants.filter(since).map((c) => ({
      name: c.prefixed ? `RSEQ_ABI_${c.name}` : c.name, value: c.value > 255 ? hex(c.value) : String(c.value), doc: c.doc, header: c.header,
    })),
    arches: model.arches.map((a) => ({ name: a.name, macro: a.macro, nrRseq: nr(a.nr.rseq), nrSliceYield: nr(a.nr.rseq_slice_yield), sig: hex(a.sig.data, 8), sigCode: hex(a.sig.code, 8) })),
    assertGroups: assertGroups(model, gen, structs),
  });
}

/** File name of a generation's header: rseq-abi-7.0.h; the latest is also rseq-abi.h. */
export const headerName = (kernel?: string) => (kernel ? `rseq-abi-${kernel}.h` : 'rseq-abi.h');

export function generateCHeaders(model: Model): GeneratedFile[] {
  const files = model.generations.map((g) => ({ path: `c/${headerName(g.kernel)}`, content: headerFor(model, g) }));
  return [{ path: `c/${headerName()}`, content: files[files.length - 1].content }, ...files];
}

/** Syscall numbers in decimal, as the kernel's tables have them; x32's offset ones in hex. */
const nr = (n: number) => (n > 0xffff ? hex(n) : String(n));
