// Version bumps: add a field, flag or enumerator to spec/rseq.yaml for a kernel generation. The
// edit is made on the text at the positions yaml's Document API gives, as pure insertions, so
// every byte outside the edit stays as it was; the result must validate or nothing is returned.
import { diffLines } from 'diff';
import { isMap, isScalar, isSeq, parseDocument, type YAMLMap, type YAMLSeq } from 'yaml';
import { resolve, type Model } from '../model/index.js';
import { allocationFor, glibcSize } from '../model/abi-rules.js';
import { alignUp } from '../model/layout.js';
import { cmp } from '../model/version.js';
import { validateSpec, type SpecError } from '../spec/index.js';
import { parseSpec } from '../spec/load.js';
import type { Spec } from '../spec/schema.js';
import { diffModels } from './diff.js';
import type { Finding } from './types.js';

export interface BumpCommon {
  kernel: string;
  doc?: string;
  /** mark a generation this bump adds as proposed (not merged upstream) */
  proposed?: boolean;
}
export interface BumpFieldOptions extends BumpCommon { name: string; type: string; writes?: 'kernel' | 'user' | 'both' }
export interface BumpFlagOptions extends BumpCommon { enum: string; name: string }
export interface BumpEnumValueOptions extends BumpCommon { enum: string; name: string; value: number }

export interface BumpResult {
  /** the new spec text, only when it validates */
  text?: string;
  errors: SpecError[];
  /** what the bump did and what it means, one line each */
  report: string[];
  /** findings of the new spec against the old one */
  findings: Finding[];
  /** the model of the new text (proposed generations included when this bump added one) */
  model?: Model;
}

class BumpError extends Error {}

const q = (s: string) => JSON.stringify(s);
const nextPow2 = (n: number) => 2 ** Math.ceil(Math.log2(Math.max(1, n)));

interface Insertion { at: number; text: string }

function applyInsertions(text: string, ins: Insertion[]): string {
  let out = text;
  for (const i of [...ins].sort((a, b) => b.at - a.at)) out = out.slice(0, i.at) + i.text + out.slice(i.at);
  return out;
}

const lineStart = (text: string, offset: number) => text.lastIndexOf('\n', offset - 1) + 1;
const lineEnd = (text: string, offset: number) => { const i = text.indexOf('\n', offset); return i < 0 ? text.length : i; };
const column = (text: string, offset: number) => offset - lineStart(text, offset);

/** Every removed or changed byte of old, as a message; none when new only adds to old. */
export function untouchedCheck(oldText: string, newText: string): string[] {
  return diffLines(oldText, newText).filter((p) => p.removed).map((p) => `changed: ${JSON.stringify(p.value.slice(0, 80))}`);
}

function load(text: string, file: string): { spec: Spec; model: Model } {
  const { spec, errors } = validateSpec(text, file);
  if (!spec) throw new BumpError(`the spec does not validate before the bump:\n${errors.map((e) => `${e.file}:${e.line}:${e.col}: ${e.message}`).join('\n')}`);
  return { spec, model: resolve(spec, { includeProposed: true, file }) };
}

interface GenPlan { featureSize: number; auxv: { featureSize: number; align: number } | null; allocation: { size: number; align: number } }

/** The generation insertion for V after the last one, or nothing when V exists; V must be the newest. */
function generationEdit(text: string, spec: Spec, kernel: string, plan: GenPlan, name: string, summary: string, proposed: boolean): Insertion[] {
  const latest = [...spec.generations].sort((a, b) => cmp(a.kernel, b.kernel)).pop()!;
  if (spec.generations.some((g) => cmp(g.kernel, kernel) === 0)) {
    const g = spec.generations.find((x) => cmp(x.kernel, kernel) === 0)!;
    if (g.featureSize !== plan.featureSize || JSON.stringify(g.auxv) !== JSON.stringify(plan.auxv) || JSON.stringify(g.allocation) !== JSON.stringify(plan.allocation)) {
      throw new BumpError(`generation ${kernel} exists with feature size ${g.featureSize}; a bump that changes an existing generation is not supported: bump a newer kernel`);
    }
    return [];
  }
  if (cmp(kernel, latest.kernel) < 0) throw new BumpError(`kernel ${kernel} is older than the newest generation ${latest.kernel}: a bump adds to the newest kernel only`);
  const doc = parseDocument(text);
  const seq = doc.get('generations', true) as YAMLSeq;
  const last = seq.items[seq.items.length - 1] as YAMLMap;
  const lastPair = last.items[last.items.length - 1];
  const end = lineEnd(text, (lastPair.value as { range: [number, number, number] }).range[1] - 1);
  const dash = ' '.repeat(column(text, (last as unknown as { range: [number] }).range[0]) - 2);
  const ind = `${dash}  `;
  const lines = [
    `${dash}- kernel: ${q(kernel)}`, `${ind}name: ${q(name)}`, `${ind}summary: ${q(summary)}`, `${ind}featureSize: ${plan.featureSize}`,
    `${ind}auxv: ${plan.auxv ? `{featureSize: ${plan.auxv.featureSize}, align: ${plan.auxv.align}}` : 'null'}`,
    `${ind}allocation: {size: ${plan.allocation.size}, align: ${plan.allocation.align}}`,
    ...(proposed ? [`${ind}proposed: true`] : []),
  ];
  return [{ at: end, text: `\n${lines.join('\n')}` }];
}

/** The feature size, AT_RSEQ_* and allocation of a generation whose feature size is fs, by the allocation rule. */
function planFor(spec: Spec, model: Model, fs: number): GenPlan {
  const latest = model.generations[model.generations.length - 1];
  const legacy = spec.allocationRule.legacy;
  const rseqAlign = model.layouter.struct('rseq', latest.kernel, model.arches[0]).align;
  const auxAlign = Math.max(latest.auxv?.align ?? legacy.align, nextPow2(fs), rseqAlign);
  return { featureSize: fs, auxv: { featureSize: fs, align: auxAlign }, allocation: allocationFor(fs, auxAlign, legacy) };
}

/** What the change means for glibc's __rseq_size and for code that allocates by the header. */
function consequences(spec: Spec, before: GenPlan, after: GenPlan, structAlign: number): string[] {
  const out: string[] = [];
  for (const v of spec.glibc.versions.filter((x) => x.registers)) {
    const f = (p: GenPlan) => {
      const rseqSize = glibcSize(v.rseqSize, { featureSize: p.featureSize, rseqSize: 0 }) ?? 0;
      return { rseqSize, len: glibcSize(v.registeredLen, { featureSize: p.featureSize, rseqSize }) ?? 0 };
    };
    const a = f(before), b = f(after);
    const range = `glibc ${v.from}${v.to ? `-${v.to}` : '+'}`;
    out.push(a.rseqSize === b.rseqSize && a.len === b.len
      ? `${range}: __rseq_size stays ${a.rseqSize}, registers ${a.len} bytes: the new field is not available to its users`
      : `${range}: __rseq_size ${a.rseqSize} -> ${b.rseqSize}, registered length ${a.len} -> ${b.len}`);
  }
  const sizeofRseq = alignUp(after.featureSize, structAlign);
  out.push(`code that allocates by the header: sizeof(struct rseq) ${alignUp(before.featureSize, structAlign)} -> ${sizeofRseq}, __alignof__ ${structAlign}` +
    (after.allocation.align > structAlign ? `, but AT_RSEQ_ALIGN is ${after.auxv?.align}: an area aligned by the header's attribute is refused for lengths > 32` : '') +
    (sizeofRseq < after.allocation.size ? `; sizeof is below the allocation size ${after.allocation.size}` : ''));
  return out;
}

function finish(oldText: string, newText: string, file: string, report: string[]): BumpResult {
  const { spec, errors } = validateSpec(newText, file);
  if (!spec) return { errors, report, findings: [] };
  const touched = untouchedCheck(oldText, newText);
  if (touched.length) throw new Error(`bump would change bytes outside the edit: ${touched.join('; ')}`);
  const side = (text: string) => {
    const { spec } = validateSpec(text, file);
    return { model: resolve(spec!, { includeProposed: true, file }), positions: parseSpec(text, file).positions! };
  };
  const findings = diffModels(side(oldText), side(newText));
  return { text: newText, errors: [], report, findings, model: resolve(spec, { includeProposed: true, file }) };
}

function guard(fn: () => BumpResult, file: string): BumpResult {
  try { return fn(); } catch (err) {
    if (err instanceof BumpError) return { errors: [{ file, line: 1, col: 1, path: '', message: err.message }], report: [], findings: [] };
    throw err;
  }
}

const primitiveSize: Record<string, number> = { u8: 1, u16: 2, u32: 4, u64: 8, s8: 1, s16: 2, s32: 4, s64: 8 };

export function bumpField(text: string, file: string, o: BumpFieldOptions): BumpResult {
  return guard(() => {
    const { spec, model } = load(text, file);
    const si = spec.structs.findIndex((s) => s.name === 'rseq');
    const rseq = spec.structs[si];
    if (rseq.fields.some((f) => f.name === o.name)) throw new BumpError(`struct rseq already has a field ${o.name}`);
    const latest = model.generations[model.generations.length - 1];
    // Lay the new field out with the C rules for every data model: its size and alignment.
    let size: number, align: number;
    if (o.type in primitiveSize) {
      size = primitiveSize[o.type];
      align = o.type.endsWith('64') ? Math.min(...model.arches.map((a) => Math.min(8, a.u64Align))) : size;
      if (o.type.endsWith('64') && new Set(model.arches.map((a) => Math.min(8, a.u64Align))).size > 1) align = 8;
    } else if (/^struct \w+$/.test(o.type)) {
      const l = model.layouter.struct(o.type.slice(7), latest.kernel, model.arches[0]);
      size = l.size; align = l.align;
    } else throw new BumpError(`type "${o.type}" is not a primitive (u8..u64, s8..s64) or "struct NAME"`);
    const cur = model.layouter.struct('rseq', latest.kernel, model.arches[0]);
    const live = cur.fields.filter((f) => !f.end);
    const last = live[live.length - 1];
    const replaces = last && last.reserved && last.size < size ? last : undefined;
    const offset = replaces ? alignUp(replaces.offset, align) : alignUp(last ? last.offset + last.size : 0, align);
    const before: GenPlan = { featureSize: latest.featureSize, auxv: latest.auxv, allocation: latest.allocation };
    const plan = planFor(spec, model, offset + size);

    const doc = parseDocument(text);
    const fields = doc.getIn(['structs', si, 'fields'], true) as YAMLSeq;
    const endIdx = rseq.fields.findIndex((f) => f.end);
    const anchor = fields.items[endIdx >= 0 ? endIdx : fields.items.length - 1] as YAMLMap & { range: [number, number, number] };
    const dashCol = column(text, anchor.range[0]) - 2;
    const dash = ' '.repeat(dashCol);
    const ind = `${dash}  `;
    const writer = o.writes ?? 'kernel';
    const doc_ = o.doc ?? `${o.name} (added in ${o.kernel}).`;
    const item = [
      `${dash}- name: ${o.name}`, `${ind}offset: ${offset}`, `${ind}type: ${o.type.includes(' ') ? q(o.type) : o.type}`, `${ind}since: ${q(o.kernel)}`,
      `${ind}writer: ${writer}`, `${ind}readOnly: ${writer === 'kernel'}`, `${ind}doc: ${q(doc_)}`,
    ].join('\n');
    const ins: Insertion[] = [];
    if (endIdx >= 0) ins.push({ at: lineStart(text, anchor.range[0]), text: `${item}\n` });
    else ins.push({ at: lineEnd(text, anchor.range[1] - 1), text: `\n${item}` });
    if (replaces) {
      const ri = rseq.fields.findIndex((f) => f.name === replaces.name && !f.until);
      const rnode = fields.items[ri] as YAMLMap;
      const since = rnode.items.find((p) => isScalar(p.key) && p.key.value === 'since')!;
      const vr = (since.value as { range: [number, number, number] }).range;
      const keyCol = column(text, (since.key as { range: [number] }).range[0]);
      ins.push({ at: lineEnd(text, vr[1] - 1), text: `\n${' '.repeat(keyCol)}until: ${q(o.kernel)}` });
    }
    ins.push(...generationEdit(text, spec, o.kernel, plan, `${o.name}`, `${o.name}: ${doc_}`, o.proposed ?? false));
    const structAlign = cur.align;
    const report = [
      `struct rseq.${o.name}: ${o.type}, offset ${offset}, ${size} bytes${replaces ? ` (replaces the reserved ${replaces.name}, which gets until: ${o.kernel})` : ''}`,
      `feature size: ${before.featureSize} -> ${plan.featureSize} (AT_RSEQ_FEATURE_SIZE ${plan.auxv!.featureSize}, AT_RSEQ_ALIGN ${before.auxv?.align ?? 'absent'} -> ${plan.auxv!.align})`,
      `allocation: ${before.allocation.size} bytes aligned to ${before.allocation.align} -> ${plan.allocation.size} bytes aligned to ${plan.allocation.align}`,
      ...consequences(spec, before, plan, structAlign),
      `available when the registered or feature size >= ${offset + size} (offsetofend)`,
      'registration.ranges are unchanged: check what the kernel accepts for the new feature size',
    ];
    return finish(text, applyInsertions(text, ins), file, report);
  }, file);
}

function enumEdit(text: string, spec: Spec, enumName: string, item: (indent: string) => string): Insertion {
  const ei = spec.enums.findIndex((e) => e.name === enumName);
  if (ei < 0) throw new BumpError(`no enum ${enumName} (enums: ${spec.enums.map((e) => e.name).join(', ')})`);
  const doc = parseDocument(text);
  const values = doc.getIn(['enums', ei, 'values'], true) as YAMLSeq;
  const last = values.items[values.items.length - 1] as { range: [number, number, number] };
  const dash = ' '.repeat(column(text, last.range[0]) - 2);
  return { at: lineEnd(text, last.range[1] - 1), text: `\n${item(dash)}` };
}

function bumpValue(text: string, file: string, o: BumpCommon & { enum: string; name: string }, make: (spec: Spec) => { fields: string; what: string }): BumpResult {
  return guard(() => {
    const { spec, model } = load(text, file);
    const latest = model.generations[model.generations.length - 1];
    const e = spec.enums.find((x) => x.name === o.enum);
    if (!e) throw new BumpError(`no enum ${o.enum} (enums: ${spec.enums.map((x) => x.name).join(', ')})`);
    const { fields, what } = make(spec);
    const doc_ = o.doc ?? `${o.name} (added in ${o.kernel}).`;
    const ins = [
      enumEdit(text, spec, o.enum, (dash) => `${dash}- {name: ${o.name}, ${fields}, since: ${q(o.kernel)}, doc: ${q(doc_)}}`),
      ...generationEdit(text, spec, o.kernel, { featureSize: latest.featureSize, auxv: latest.auxv, allocation: latest.allocation }, o.name, `${o.name}: ${doc_}`, o.proposed ?? false),
    ];
    return finish(text, applyInsertions(text, ins), file, [`${o.enum}.${o.name}: ${what}, since ${o.kernel}`, `feature size and allocation unchanged (${latest.featureSize}; ${latest.allocation.size} bytes aligned to ${latest.allocation.align})`]);
  }, file);
}

export function bumpFlag(text: string, file: string, o: BumpFlagOptions): BumpResult {
  return bumpValue(text, file, o, (spec) => {
    const e = spec.enums.find((x) => x.name === o.enum)!;
    if (!e.flags) throw new BumpError(`enum ${o.enum} is not a flags enum: use bump enum-value`);
    const bit = Math.max(-1, ...e.values.map((v) => v.bit ?? -1)) + 1;
    return { fields: `bit: ${bit}`, what: `bit ${bit} (1 << ${bit}; bits are never reused, so the next after the highest)` };
  });
}

export function bumpEnumValue(text: string, file: string, o: BumpEnumValueOptions): BumpResult {
  return bumpValue(text, file, o, (spec) => {
    const e = spec.enums.find((x) => x.name === o.enum)!;
    if (e.flags) throw new BumpError(`enum ${o.enum} is a flags enum: use bump flag`);
    return { fields: `value: ${o.value}`, what: `value ${o.value}` };
  });
}

export { isMap, isSeq };
