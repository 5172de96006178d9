// generated/docs: the ABI as a Markdown reference (rseq-abi.md) and one layout diagram of
// struct rseq per generation (rseq-<kernel>.svg). Every number comes from the model.
import type { Arch, Generation, LaidOutField, Model, StructLayout } from '../../src/model/index.js';
import { flatten, layout } from '../../src/model/index.js';
import type { AcceptedLayout, Condition, LenCond, SizeExpr } from '../../src/spec/schema.js';
import { generatedNotice, type GeneratedFile, type Generator } from '../types.js';
import { layoutSvg } from './svg.js';
import { anchor, cell, code, hex, md, versionSlug } from './text.js';

export const docsPath = 'docs/rseq-abi.md';
export const svgPath = (g: Generation) => `docs/rseq-${versionSlug(g.kernel)}.svg`;

const writerText: Record<LaidOutField['writer'], string> = { kernel: 'kernel', user: 'user space', both: 'both', none: 'none' };

export const generateDocs: Generator = (model) => {
  const files: GeneratedFile[] = [];
  const out: string[] = [];
  const line = (...ls: string[]) => out.push(...ls);
  const first = model.arches[0];

  line(`<!-- ${generatedNotice()} -->`, '', `# ${md(model.spec.title)}`, '');
  line(
    `Every number on this page is computed from ${code(model.file)} by rseq-abi: struct layouts by the C rules of each architecture, the rest read from the spec.`,
    '',
    '## Contents',
    '',
    '- [Generations](#generations)',
    ...model.generations.map((g) => `  - [${md(genTitle(g))}](#${anchor(genTitle(g))})`),
    '- [Other structs](#other-structs)',
    '- [Enumerations and flags](#enumerations-and-flags)',
    '- [Constants](#constants)',
    '- [Registration](#registration)',
    '- [glibc](#glibc)',
    '- [Architectures](#architectures)',
    '',
  );

  // --- generations --------------------------------------------------------------------------
  line('## Generations', '', 'A generation is in force from its kernel release until the next one.', '');
  line(
    '| kernel | name | feature size | sizeof | allocation (size, align) | AT_RSEQ_FEATURE_SIZE | AT_RSEQ_ALIGN |',
    '|---|---|--:|--:|---|--:|--:|',
    ...model.generations.map((g) => {
      const l = layout(model, 'rseq', g.kernel, first);
      return `| ${g.kernel} | ${cell(g.name)} | ${g.featureSize} | ${l.size} | ${g.allocation.size}, ${g.allocation.align} | ${g.auxv?.featureSize ?? '–'} | ${g.auxv?.align ?? '–'} |`;
    }),
    '',
  );

  let previous: StructLayout | undefined;
  for (const g of model.generations) {
    const l = layout(model, 'rseq', g.kernel, first);
    line(`### ${md(genTitle(g))}`, '', md(g.summary), '');
    line(`![Layout of struct rseq in ${md(g.kernel)}](${svgPath(g).slice('docs/'.length)})`, '');
    line(
      `- feature size (offsetof(struct rseq, end)): ${g.featureSize}` + (l.fields.some((f) => f.end) ? '' : ' (no `end` marker yet: the size of the original fields)'),
      `- sizeof ${l.size}, alignof ${l.align}`,
      `- auxv: ${g.auxv ? `AT_RSEQ_FEATURE_SIZE = ${g.auxv.featureSize}, AT_RSEQ_ALIGN = ${g.auxv.align}` : 'neither AT_RSEQ_FEATURE_SIZE nor AT_RSEQ_ALIGN (getauxval returns 0)'}`,
      `- allocation that holds every feature: ${g.allocation.size} bytes aligned on ${g.allocation.align}`,
      '',
    );
    line(...groupedTables(model, 'rseq', g.kernel));
    const changed = l.fields.filter((f) => {
      const before = previous?.fields.find((p) => p.name === f.name);
      return !before || before.type !== f.type;
    });
    if (changed.length) {
      line(previous ? '#### New or changed fields' : '#### Fields', '');
      for (const f of changed) line(...fieldDoc(f, previous?.fields.find((p) => p.name === f.name)));
      line('');
    }
    previous = l;
    files.push({ path: svgPath(g), content: `<!-- ${generatedNotice()} -->\n${layoutSvg({ layout: l, generation: g, generations: model.generations })}` });
  }

  // --- other structs ------------------------------------------------------------------------
  const latest = model.generations[model.generations.length - 1];
  line('## Other structs', '');
  for (const s of model.structs.filter((s) => s.name !== 'rseq')) {
    const l = layout(model, s.name, latest.kernel, first);
    const uniform = archGroups(model, s.name, latest.kernel).length === 1;
    line(`### struct ${md(s.name)}`, '', `${md(s.doc)} Since ${s.since}${uniform ? `; sizeof ${l.size}, alignof ${l.align}` : ''}.`, '');
    line(...groupedTables(model, s.name, latest.kernel));
    for (const f of l.fields) line(...fieldDoc(f));
    line('');
  }

  // --- enums --------------------------------------------------------------------------------
  line('## Enumerations and flags', '');
  for (const e of model.enums) {
    line(`### enum ${md(e.name)}`, '', `${md(e.doc)} Since ${e.since}.`, '');
    line(
      `| name | value${e.flags ? ' | bit' : ''} | since | deprecated | doc |`,
      `|---|--:${e.flags ? '|--:' : ''}|---|---|---|`,
      ...e.values.map((v) => `| ${code(v.name)} | ${e.flags ? hex(v.value) : v.value}${e.flags ? ` | ${v.bit ?? Math.log2(v.value)}` : ''} | ${v.since} | ${v.deprecated ?? ''} | ${cell(v.doc)} |`),
      '',
    );
  }

  // --- constants ----------------------------------------------------------------------------
  line('## Constants', '', '| name | value | since | header | doc |', '|---|--:|---|---|---|');
  for (const c of model.spec.constants) line(`| ${code(c.name)} | ${c.value >= 0x100 ? hex(c.value) : c.value} | ${c.since} | ${code(c.header)} | ${cell(c.doc)} |`);
  line('');

  // --- registration -------------------------------------------------------------------------
  const reg = model.spec.registration;
  line(
    '## Registration', '',
    'sys_rseq(struct rseq *rseq, u32 rseq_len, int flags, u32 sig) checks these steps in this order in every kernel; the first whose condition holds decides the outcome. `$name` is a parameter of the kernel range in force (next table).', '',
    '| step | condition | result | doc |', '|---|---|---|---|',
    ...reg.steps.map((s) => {
      const result = [s.errno === 0 ? '0' : s.errno, s.signal ? `then ${s.signal}` : '', s.mode ? `${s.mode} mode` : ''].filter(Boolean).join(', ');
      return `| ${code(s.id)} | ${code(condition(s.when))} | ${cell(result)} | ${cell(s.doc)} |`;
    }),
    '',
  );
  const params = [...new Set(reg.ranges.flatMap((r) => Object.keys(r.params)))];
  line(
    '### Parameters per kernel range', '',
    `| parameter | ${reg.ranges.map((r) => `${r.from}${r.to ? ` – ${r.to}` : '+'}`).join(' | ')} |`,
    `|---|${reg.ranges.map(() => '---').join('|')}|`,
    ...params.map((p) => `| ${code(p)} | ${reg.ranges.map((r) => (p in r.params ? paramValue(r.params[p]) : '–')).join(' | ')} |`),
    '',
  );

  // --- glibc --------------------------------------------------------------------------------
  const glibc = model.spec.glibc;
  line(
    '## glibc', '',
    `Tunable ${code(glibc.tunable.name)}; ${code(`GLIBC_TUNABLES=${glibc.tunable.disable}`)} leaves the area unregistered.`, '',
    '| symbol | type | since | doc |', '|---|---|---|---|',
    ...glibc.symbols.map((s) => `| ${code(s.name)} | ${code(s.type)} | ${s.since} | ${cell(s.doc)} |`),
    '',
    '| glibc | registers | `__rseq_size` | registered length | area | doc |', '|---|---|---|---|---|---|',
    ...glibc.versions.map((v) => {
      const backports = (v.backports ?? []).map((b) => ` Backport: ${b.rseqSize}. ${md(b.doc)}`).join('');
      return `| ${v.from}${v.to ? ` – ${v.to}` : '+'} | ${v.registers ? 'yes' : 'no'} | ${v.rseqSize === undefined ? '–' : sizeExpr(v.rseqSize)} | ${v.registeredLen === undefined ? '–' : sizeExpr(v.registeredLen)} | ${cell(v.area ?? '–')} | ${cell(v.doc)}${backports} |`;
    }),
    '',
  );

  // --- architectures ------------------------------------------------------------------------
  line(
    '## Architectures', '',
    '| name | triplet | data model | endian | u64 align | `__NR_rseq` | `__NR_rseq_slice_yield` | RSEQ\\_SIG (code, data) | glibc RSEQ\\_SIG | selected by |',
    '|---|---|---|---|--:|--:|--:|---|---|---|',
    ...model.arches.map((a) => `| ${code(a.name)} | ${code(a.triplet)} | ${a.dataModel} | ${a.endian} | ${a.u64Align} | ${nr(a.nr.rseq)} | ${nr(a.nr.rseq_slice_yield)} | ${code(hex(a.sig.code, 8))}${a.sig.data === a.sig.code ? '' : `, ${code(hex(a.sig.data, 8))}`} | ${a.glibcSig} | ${code(a.macro)} |`),
    '',
  );

  files.unshift({ path: docsPath, content: out.join('\n').replace(/\n+$/, '\n') });
  return files;
};

const genTitle = (g: Generation) => `Linux ${g.kernel}: ${g.name}`;

/** A syscall number: decimal, or hexadecimal where an ABI offsets its numbers (x32's 0x40000000). */
const nr = (n: number) => (n >= 0x10000 ? hex(n) : String(n));

/** Architectures that share one layout of a struct, largest group first (ties in spec order). */
function archGroups(model: Model, struct: string, generation: string): { arches: Arch[]; layout: StructLayout }[] {
  const groups = new Map<string, { arches: Arch[]; layout: StructLayout }>();
  for (const a of model.arches) {
    const l = layout(model, struct, generation, a);
    const key = JSON.stringify([l.size, l.align, flatten(l.fields).map((f) => [f.path, f.type, f.offset, f.size])]);
    const g = groups.get(key);
    if (g) g.arches.push(a);
    else groups.set(key, { arches: [a], layout: l });
  }
  return [...groups.values()];
}

/** The layout tables of a struct: one, or one per group of architectures that lay it out alike. */
function groupedTables(model: Model, struct: string, generation: string): string[] {
  const groups = archGroups(model, struct, generation);
  return groups.flatMap((group) => [
    ...(groups.length > 1 ? [`On ${group.arches.map((a) => code(a.name)).join(', ')} (sizeof ${group.layout.size}, alignof ${group.layout.align}):`, ''] : []),
    ...layoutTable(group.layout),
    '',
  ]);
}

function layoutTable(l: StructLayout): string[] {
  const rows: string[] = ['| offset | size | field | type | since | writer |', '|--:|--:|---|---|---|---|'];
  const row = (f: LaidOutField, depth: number) => {
    const name = f.name === '' ? `(anonymous ${f.type})` : f.name;
    const label = `${'&nbsp;&nbsp;'.repeat(depth * 2)}${f.name === '' ? md(name) : code(name)}${f.reserved ? ' (reserved)' : ''}${f.end ? ' (end marker)' : ''}`;
    const writer = depth ? '' : `${writerText[f.writer]}${f.readOnly ? ', read-only' : ''}`;
    rows.push(`| ${f.offset} | ${f.size} | ${label} | ${code(f.type)} | ${depth ? '' : f.since} | ${writer} |`);
    for (const m of f.members) row(m, depth + 1);
  };
  const gaps = l.holes.map((h) => ({ offset: h.offset, text: `| ${h.offset} | ${h.size} | *hole* | | | |` }));
  if (l.tailPadding) gaps.push({ offset: l.size - l.tailPadding, text: `| ${l.size - l.tailPadding} | ${l.tailPadding} | *padding* | | | |` });
  const pending = gaps.sort((a, b) => a.offset - b.offset);
  for (const f of l.fields) {
    while (pending.length && pending[0].offset < f.offset) rows.push(pending.shift()!.text);
    row(f, 0);
  }
  rows.push(...pending.map((g) => g.text));
  return rows;
}

function fieldDoc(f: LaidOutField, before?: LaidOutField): string[] {
  const name = f.name === '' ? `(anonymous ${f.type})` : f.name;
  const changed = before ? ` Type changed from ${code(before.type)}.` : '';
  const out = [`- ${code(name)} (${code(f.type)}, since ${f.since}): ${md(f.doc)}${changed}`];
  for (const m of flatten(f.members).filter((m) => m.name && m.doc)) out.push(`  - ${code(m.path)}: ${md(m.doc)}`);
  return out;
}

function operand(o: number | string): string {
  return typeof o === 'number' ? String(o) : o;
}

function lenCond(c: LenCond, what = 'len'): string {
  const ops: [keyof LenCond, string][] = [['eq', '=='], ['ne', '!='], ['gt', '>'], ['lt', '<'], ['min', '>='], ['max', '<=']];
  return ops.filter(([k]) => c[k] !== undefined).map(([k, op]) => `${what} ${op} ${operand(c[k] as number | string)}`).join(' and ');
}

/** A step's condition as one readable expression. */
function condition(c: Condition): string {
  const parts: string[] = [];
  if (c.op) parts.push(c.op);
  if (c.param) parts.push(`$${c.param}`);
  if (c.registered !== undefined) parts.push(c.registered ? 'registered' : 'not registered');
  if (c.ptr) parts.push(`${c.ptr} pointer`);
  if (c.sig) parts.push(`sig ${c.sig}`);
  if (c.flagsOutside !== undefined) parts.push(`flags outside ${typeof c.flagsOutside === 'number' ? hex(c.flagsOutside) : c.flagsOutside}`);
  if (c.len) parts.push(lenCond(c.len));
  if (c.addr) parts.push(`addr ${c.addr.join(' or ')}`);
  if (c.accepted !== undefined) parts.push(c.accepted ? 'length and alignment accepted' : 'length or alignment not accepted');
  if (c.any) parts.push(`(${c.any.map(condition).join(' or ')})`);
  if (c.not) parts.push(`not (${condition(c.not)})`);
  return parts.join(' and ');
}

function paramValue(v: unknown): string {
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return code(v);
  if (Array.isArray(v)) return (v as AcceptedLayout[]).map((a) => code(`${lenCond(a.len)}, align ${a.align}`)).join(' or ');
  if (v && typeof v === 'object') return Object.entries(v as Record<string, number>).map(([k, n]) => `${code(k)} ${n}`).join(', ');
  throw new Error(`docs generator: cannot show parameter value ${JSON.stringify(v)}`);
}

function sizeExpr(e: SizeExpr): string {
  return typeof e === 'number' ? String(e) : code(`max(${e.max.join(', ')})`);
}
