// Compares two models (or two generations of one) and returns findings with positions in both
// YAML files. Pure: takes values, returns values.
import { flatten, generationFor, presentIn, type Arch, type Generation, type LaidOutField, type Model, type StructLayout, type Target } from '../model/index.js';
import { cmp } from '../model/version.js';
import { predict, rangeFor, type Outcome } from '../rules/index.js';
import type { Case } from '../rules/case.js';
import { formatPath } from '../spec/errors.js';
import type { Positions } from '../spec/load.js';
import { addrKinds, type SpecStruct } from '../spec/schema.js';
import { rule } from './rules.js';
import type { CaseChange, Finding, Location } from './types.js';

type Path = (string | number)[];

export interface Side {
  model: Model;
  positions: Positions;
  /** compare this generation (a kernel version of model.generations); default: every common one and the latest */
  generation?: string;
}

/** A model restricted to one generation: the structs as laid out then, the values since then, the rules in force. */
export interface Snapshot {
  side: Side;
  model: Model;
  gen: Generation;
  genIndex: number;
  targets: { target: Target; arches: string[] }[];
}

export function snapshot(side: Side, kernel: string): Snapshot {
  const gen = side.model.generations.find((g) => cmp(g.kernel, kernel) === 0);
  if (!gen) throw new Error(`no generation ${kernel} in ${side.model.file} (generations: ${side.model.generations.map((g) => g.kernel).join(', ')})`);
  return { side, model: side.model, gen, genIndex: side.model.spec.generations.findIndex((g) => g.kernel === gen.kernel), targets: targetsOf(side.model.arches) };
}

function targetsOf(arches: Arch[]) {
  const seen = new Map<string, { target: Target; arches: string[] }>();
  for (const a of arches) {
    const key = `${a.dataModel}/${a.endian}/${a.u64Align}`;
    const t = seen.get(key) ?? { target: { dataModel: a.dataModel, endian: a.endian, u64Align: a.u64Align }, arches: [] };
    t.arches.push(a.name);
    seen.set(key, t);
  }
  return [...seen.values()];
}

/** Every finding between old and new. */
export function diffModels(oldSide: Side, newSide: Side): Finding[] {
  const pairs: [string, string][] = [];
  if (oldSide.generation || newSide.generation) {
    const latest = (s: Side) => s.model.generations[s.model.generations.length - 1].kernel;
    pairs.push([oldSide.generation ?? latest(oldSide), newSide.generation ?? latest(newSide)]);
  } else {
    const oldGens = oldSide.model.generations.map((g) => g.kernel);
    const newGens = newSide.model.generations.map((g) => g.kernel);
    for (const k of newGens) if (oldGens.some((o) => cmp(o, k) === 0)) pairs.push([k, k]);
    const lo = oldGens[oldGens.length - 1];
    const ln = newGens[newGens.length - 1];
    if (!pairs.some(([a, b]) => a === lo && b === ln)) pairs.push([lo, ln]);
  }
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const [a, b] of pairs) {
    for (const f of diffSnapshots(snapshot(oldSide, a), snapshot(newSide, b))) {
      const key = `${f.rule}|${f.new?.path ?? ''}|${f.old?.path ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(f);
    }
  }
  return sortFindings(out);
}

export function sortFindings(findings: Finding[]): Finding[] {
  const at = (f: Finding) => f.new ?? f.old;
  return [...findings].sort((x, y) => {
    const a = at(x), b = at(y);
    if (!a || !b) return a ? -1 : b ? 1 : x.rule.localeCompare(y.rule);
    return a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col || x.rule.localeCompare(y.rule);
  });
}

class Collector {
  readonly findings: Finding[] = [];
  constructor(readonly o: Snapshot, readonly n: Snapshot) {}
  add(id: string, message: string, remedy: string, where: { new?: Path; old?: Path; onKey?: boolean }, extra: Partial<Finding> = {}) {
    const r = rule(id);
    const f: Finding = { rule: id, severity: r.severity, message, remedy, ...extra };
    if (where.new) f.new = loc(this.n, where.new);
    if (where.old) f.old = loc(this.o, where.old);
    this.findings.push(f);
  }
}

function loc(s: Snapshot, path: Path): Location {
  return { file: s.side.positions.file, ...s.side.positions.at(path), path: formatPath(path) };
}

export function diffSnapshots(o: Snapshot, n: Snapshot): Finding[] {
  const c = new Collector(o, n);
  diffStructs(c);
  diffGeneration(c);
  diffAbis(c);
  diffEnums(c);
  diffConstants(c);
  diffArches(c);
  diffGlibc(c);
  diffRegistration(c);
  return c.findings;
}

// ---- structs ----

const structPresent = (s: SpecStruct, gen: string) => cmp(s.since, gen) <= 0;

function diffStructs(c: Collector) {
  const { o, n } = c;
  const oldStructs = o.model.spec.structs;
  const newStructs = n.model.spec.structs;
  newStructs.forEach((ns, nsi) => {
    if (!structPresent(ns, n.gen.kernel)) return;
    const osi = oldStructs.findIndex((s) => s.name === ns.name);
    const os = oldStructs[osi];
    if (!os || !structPresent(os, o.gen.kernel)) {
      c.add('STRUCT_ADDED', `struct ${ns.name} is added (since ${ns.since})`, 'None needed.', { new: ['structs', nsi] });
      return;
    }
    for (const { target } of n.targets) {
      if (!o.targets.some((t) => sameTarget(t.target, target))) continue;
      diffStruct(c, os, osi, ns, nsi, o.model.layouter.struct(os.name, o.gen.kernel, target), n.model.layouter.struct(ns.name, n.gen.kernel, target));
    }
  });
  oldStructs.forEach((os, osi) => {
    if (!structPresent(os, o.gen.kernel)) return;
    const ns = newStructs.find((s) => s.name === os.name);
    if (!ns || !structPresent(ns, n.gen.kernel)) {
      c.add('STRUCT_REMOVED', `struct ${os.name} is removed`, `Keep struct ${os.name}; mark it deprecated in its doc instead.`, { old: ['structs', osi] });
    }
  });
}

const sameTarget = (a: Target, b: Target) => a.dataModel === b.dataModel && a.endian === b.endian && a.u64Align === b.u64Align;

function fieldIndex(def: SpecStruct, name: string, gen: string): number {
  const i = def.fields.findIndex((f) => f.name === name && presentIn(f, gen));
  return i >= 0 ? i : def.fields.findIndex((f) => f.name === name);
}

function diffStruct(c: Collector, os: SpecStruct, osi: number, ns: SpecStruct, nsi: number, ol: StructLayout, nl: StructLayout) {
  const { o, n } = c;
  const oPath = (name: string): Path => ['structs', osi, 'fields', fieldIndex(os, name, o.gen.kernel)];
  const nPath = (name: string): Path => ['structs', nsi, 'fields', fieldIndex(ns, name, n.gen.kernel)];
  const oldFields = ol.fields.filter((f) => !f.end);
  const newFields = nl.fields.filter((f) => !f.end);
  const oldEnd = ns.name === 'rseq' ? o.gen.featureSize : oldFields.reduce((e, f) => Math.max(e, f.offset + f.size), 0);
  const handled = new Set<string>();
  for (const of of oldFields) {
    const nf = newFields.find((f) => f.name === of.name);
    if (!nf) {
      const sameSpot = newFields.find((f) => f.offset === of.offset && !oldFields.some((x) => x.name === f.name));
      if (sameSpot && of.reserved) {
        handled.add(sameSpot.name);
        c.add('RESERVED_FIELD_REPLACED', `${ns.name}.${sameSpot.name} (${sameSpot.type}, ${sameSpot.size} bytes) replaces the reserved ${of.name} at offset ${of.offset}`, 'None needed; check that the feature size still grows.', { new: nPath(sameSpot.name), old: oPath(of.name) });
      } else if (sameSpot && sameSpot.size === of.size && sameSpot.type === of.type) {
        handled.add(sameSpot.name);
        c.add('FIELD_RENAMED', `${ns.name}.${of.name} is renamed to ${sameSpot.name} (offset ${of.offset}, ${of.type})`, `Keep the kernel's name ${of.name}; field names are never changed.`, { new: [...nPath(sameSpot.name), 'name'], old: [...oPath(of.name), 'name'] });
      } else {
        c.add('FIELD_REMOVED', `${ns.name}.${of.name} (offset ${of.offset}, ${of.size} bytes) is removed`, `Keep ${of.name}; a field that is no longer used stays, documented as unused.`, { old: oPath(of.name), new: ['structs', nsi, 'fields'] });
      }
      continue;
    }
    handled.add(nf.name);
    if (nf.offset !== of.offset) {
      c.add('FIELD_MOVED', `${ns.name}.${of.name} moves from offset ${of.offset} to ${nf.offset} (${targetLabel(c, nl.target)})`, 'Put the field back at its old offset; add new fields after the last feature field.', { new: nPath(nf.name), old: oPath(of.name) });
      continue;
    }
    const reshaped = (ns.fields[fieldIndex(ns, nf.name, n.gen.kernel)]?.history?.length ?? 0) > 0;
    if (nf.size !== of.size || nf.align !== of.align || (nf.type !== of.type && !reshaped)) {
      c.add('FIELD_TYPE_CHANGED', `${ns.name}.${of.name} changes from ${of.type} (${of.size} bytes, align ${of.align}) to ${nf.type} (${nf.size} bytes, align ${nf.align})`, 'Keep the old type; a new meaning needs a new field.', { new: [...nPath(nf.name), 'type'], old: [...oPath(of.name), 'type'] });
    }
  }
  const lastOld = Math.max(-1, ...oldFields.map((f) => newFields.findIndex((x) => x.name === f.name)));
  newFields.forEach((nf, i) => {
    if (handled.has(nf.name)) return;
    const what = `${ns.name}.${nf.name} (${nf.type}, ${nf.size} bytes) at offset ${nf.offset}`;
    if (nf.offset < oldEnd || i < lastOld) {
      c.add('FIELD_INSERTED_NOT_AT_END', `${what} lands inside the old area (which ends at ${oldEnd})`, `Append ${nf.name} after the last feature field (offset >= ${oldEnd}), or replace a reserved field.`, { new: nPath(nf.name) });
    } else {
      const fs = ns.name === 'rseq' ? `; feature size ${o.gen.featureSize} -> ${n.gen.featureSize}` : '';
      c.add('FIELD_APPENDED', `${what} is appended${nf.reserved ? ' (reserved)' : ''}${fs}`, `Users detect it with feature size >= ${nf.offset + nf.size} (offsetofend).`, { new: nPath(nf.name) });
    }
  });
  if (nl.align !== ol.align || (ns.align ?? 0) !== (os.align ?? 0)) {
    c.add('STRUCT_ALIGN_CHANGED', `struct ${ns.name} changes alignment from ${ol.align}${os.align ? ` (aligned(${os.align}))` : ''} to ${nl.align}${ns.align ? ` (aligned(${ns.align}))` : ''}`, 'Keep the alignment; publish a larger one through AT_RSEQ_ALIGN instead.', { new: ns.align !== undefined ? ['structs', nsi, 'align'] : ['structs', nsi], old: os.align !== undefined ? ['structs', osi, 'align'] : ['structs', osi] });
  }
}

function targetLabel(c: Collector, t: Target): string {
  const arches = c.n.targets.find((x) => sameTarget(x.target, t))?.arches ?? [];
  return `${t.dataModel} ${t.endian}-endian: ${arches.join(', ')}`;
}

// ---- generation: feature size and allocation ----

function diffGeneration(c: Collector) {
  const { o, n } = c;
  const gp = (s: Snapshot, ...rest: Path): Path => ['generations', s.genIndex, ...rest];
  const legacy = n.model.spec.allocationRule.legacy;
  if (n.gen.featureSize < o.gen.featureSize) {
    c.add('FEATURE_SIZE_DECREASED', `the feature size goes down from ${o.gen.featureSize} (${o.gen.kernel}) to ${n.gen.featureSize} (${n.gen.kernel})`, 'Feature sizes only grow: keep the fields and the end marker where they were.', { new: gp(n, 'featureSize'), old: gp(o, 'featureSize') });
  }
  if (n.gen.featureSize === legacy.size && o.gen.featureSize !== n.gen.featureSize) {
    c.add('FEATURE_SIZE_AMBIGUOUS', `the feature size ${n.gen.featureSize} equals the legacy allocation size ${legacy.size}: a registration or __rseq_size of ${legacy.size} cannot say whether the new fields are there`, `Add a reserved byte after the new fields so the feature size becomes ${legacy.size + 1}, as 7.0 did.`, { new: gp(n, 'featureSize'), old: gp(o, 'featureSize') });
  }
  const rseq = n.model.spec.structs.find((s) => s.name === 'rseq');
  const headerAlign = rseq?.align ?? 0;
  if (n.gen.allocation.align > o.gen.allocation.align) {
    const header = headerAlign && n.gen.allocation.align > headerAlign ? ` while the header still says aligned(${headerAlign})` : '';
    c.add('ALLOC_ALIGN_INCREASED', `an allocation of more than ${legacy.size} bytes must now be ${n.gen.allocation.align}-aligned (was ${o.gen.allocation.align}; AT_RSEQ_ALIGN ${o.gen.auxv?.align ?? 'absent'} -> ${n.gen.auxv?.align ?? 'absent'})${header}; allocation ${o.gen.allocation.size} -> ${n.gen.allocation.size} bytes`, `Allocate roundup(max(AT_RSEQ_FEATURE_SIZE, ${legacy.size}), max(AT_RSEQ_ALIGN, ${legacy.align})) aligned on max(AT_RSEQ_ALIGN, ${legacy.align}), never by __alignof__(struct rseq); or register the legacy ${legacy.size} bytes.`, { new: gp(n, 'allocation', 'align'), old: gp(o, 'allocation', 'align') });
  }
}

// ---- offsets that differ between data models ----

function diffAbis(c: Collector) {
  const { o, n } = c;
  const spread = (s: Snapshot, struct: SpecStruct) => {
    const by = new Map<string, Map<string, string[]>>();
    for (const { target, arches } of s.targets) {
      for (const f of flatten(s.model.layouter.struct(struct.name, s.gen.kernel, target).fields)) {
        if (f.end || !f.path) continue;
        const m = by.get(f.path) ?? new Map<string, string[]>();
        const k = `offset ${f.offset}, ${f.size} bytes`;
        m.set(k, [...(m.get(k) ?? []), ...arches]);
        by.set(f.path, m);
      }
    }
    return by;
  };
  n.model.spec.structs.forEach((ns, nsi) => {
    if (!structPresent(ns, n.gen.kernel)) return;
    const os = o.model.spec.structs.find((s) => s.name === ns.name && structPresent(s, o.gen.kernel));
    const before = os ? spread(o, os) : new Map<string, Map<string, string[]>>();
    for (const [path, layouts] of spread(n, ns)) {
      if (layouts.size < 2) continue;
      const was = before.get(path);
      const describe = (m: Map<string, string[]>) => [...m].map(([k, a]) => `${k} on ${a.join(', ')}`).join('; ');
      if (was && describe(was) === describe(layouts)) continue;
      const top = path.split('.')[0];
      const fi = fieldIndex(ns, top, n.gen.kernel);
      c.add('LAYOUT_DIFFERS_BETWEEN_ABIS', `${ns.name}.${path} differs between ABIs: ${describe(layouts)}`, 'Use fixed-size types (__u64 for pointers) and explicit padding so every data model has the same layout.', { new: fi >= 0 ? ['structs', nsi, 'fields', fi] : ['structs', nsi] });
    }
  });
}

// ---- enums and flags ----

function diffEnums(c: Collector) {
  const { o, n } = c;
  const present = (x: { since: string }, s: Snapshot) => cmp(x.since, s.gen.kernel) <= 0;
  const valueOf = (v: { value?: number; bit?: number }) => v.value ?? (v.bit !== undefined ? 2 ** v.bit : 0);
  n.model.spec.enums.forEach((ne, nei) => {
    const oei = o.model.spec.enums.findIndex((e) => e.name === ne.name);
    const oe = o.model.spec.enums[oei];
    const oldValues = oe ? oe.values.map((v, vi) => ({ v, vi })).filter(({ v }) => present(v, o) && present(oe, o)) : [];
    const newValues = ne.values.map((v, vi) => ({ v, vi })).filter(({ v }) => present(v, n) && present(ne, n));
    const np = (vi: number, ...k: Path): Path => ['enums', nei, 'values', vi, ...k];
    const op = (vi: number, ...k: Path): Path => ['enums', oei, 'values', vi, ...k];
    const reused = new Set<string>();
    for (const { v: nv, vi } of newValues) {
      const old = oldValues.find(({ v }) => v.name === nv.name);
      if (old) {
        if (valueOf(old.v) !== valueOf(nv)) {
          const key = nv.bit !== undefined ? 'bit' : 'value';
          c.add('ENUM_VALUE_CHANGED', `${ne.name}.${nv.name} changes from ${show(old.v)} to ${show(nv)}`, `Keep ${nv.name} = ${show(old.v)}; a new meaning needs a new name.`, { new: np(vi, key), old: op(old.vi, key) });
        }
        continue;
      }
      const clash = oldValues.find(({ v }) => ne.flags && valueOf(v) === valueOf(nv) && !newValues.some((x) => x.v.name === v.name && valueOf(x.v) === valueOf(v)));
      if (ne.flags && clash) {
        reused.add(clash.v.name);
        c.add('FLAG_BIT_REUSED', `${ne.name}.${nv.name} takes bit ${nv.bit ?? Math.log2(valueOf(nv))}, which was ${clash.v.name}'s`, `Give ${nv.name} an unused bit; keep ${clash.v.name} (deprecate it instead).`, { new: np(vi, 'bit'), old: op(clash.vi, 'bit') });
      } else if (ne.flags) {
        c.add('FLAG_ADDED', `${ne.name}.${nv.name} (bit ${nv.bit}) is added in ${nv.since}`, `Check for it before use: it needs a kernel >= ${nv.since}.`, { new: np(vi) });
      } else {
        c.add('ENUM_VALUE_ADDED', `${ne.name}.${nv.name} = ${show(nv)} is added in ${nv.since}`, 'None needed.', { new: np(vi) });
      }
    }
    for (const { v: ov, vi } of oldValues) {
      if (newValues.some(({ v }) => v.name === ov.name) || reused.has(ov.name)) continue;
      c.add('ENUM_VALUE_REMOVED', `${ne.name}.${ov.name} is removed`, `Keep ${ov.name}; mark it deprecated instead.`, { old: op(vi), new: ['enums', nei, 'values'] });
    }
  });
  o.model.spec.enums.forEach((oe, oei) => {
    if (n.model.spec.enums.some((e) => e.name === oe.name) || !present(oe, o)) return;
    oe.values.forEach((v, vi) => {
      if (present(v, o)) c.add('ENUM_VALUE_REMOVED', `${oe.name}.${v.name} is removed with enum ${oe.name}`, `Keep enum ${oe.name}.`, { old: ['enums', oei, 'values', vi] });
    });
  });
}

const show = (v: { value?: number; bit?: number }) => (v.bit !== undefined ? `1 << ${v.bit}` : String(v.value));

// ---- constants and architectures ----

function diffConstants(c: Collector) {
  const { o, n } = c;
  const present = (x: { since: string }, s: Snapshot) => cmp(x.since, s.gen.kernel) <= 0;
  n.model.spec.constants.forEach((nc, nci) => {
    if (!present(nc, n)) return;
    const oci = o.model.spec.constants.findIndex((x) => x.name === nc.name && present(x, o));
    const oc = o.model.spec.constants[oci];
    if (!oc) c.add('CONSTANT_ADDED', `${nc.name} = ${nc.value} (${nc.header}) is added in ${nc.since}`, 'None needed.', { new: ['constants', nci] });
    else if (oc.value !== nc.value) c.add('CONSTANT_CHANGED', `${nc.name} changes from ${oc.value} to ${nc.value}`, `Keep ${nc.name} = ${oc.value}.`, { new: ['constants', nci, 'value'], old: ['constants', oci, 'value'] });
  });
  o.model.spec.constants.forEach((oc, oci) => {
    if (present(oc, o) && !n.model.spec.constants.some((x) => x.name === oc.name && present(x, n))) {
      c.add('CONSTANT_REMOVED', `${oc.name} is removed`, `Keep ${oc.name}.`, { old: ['constants', oci], new: ['constants'] });
    }
  });
}

function diffArches(c: Collector) {
  const { o, n } = c;
  const ospec = o.model.spec.architectures;
  n.model.spec.architectures.forEach((na, nai) => {
    const oai = ospec.findIndex((a) => a.name === na.name);
    const oa = ospec[oai];
    if (!oa) return c.add('ARCH_ADDED', `architecture ${na.name} is added`, 'None needed.', { new: ['architectures', nai] });
    for (const k of ['rseq', 'rseq_slice_yield'] as const) {
      if (oa.nr[k] !== na.nr[k]) c.add('SYSCALL_NUMBER_CHANGED', `__NR_${k} on ${na.name} changes from ${oa.nr[k]} to ${na.nr[k]}`, 'System call numbers never change; restore the old number.', { new: ['architectures', nai, 'nr', k], old: ['architectures', oai, 'nr', k] });
    }
    for (const k of ['code', 'data'] as const) {
      if (k === 'data' && oa.sig.data === undefined && na.sig.data === undefined) continue;
      const ov = oa.sig[k] ?? oa.sig.code;
      const nv = na.sig[k] ?? na.sig.code;
      if (ov !== nv) c.add('SIGNATURE_CHANGED', `RSEQ_SIG (${k}) on ${na.name} changes from 0x${ov.toString(16)} to 0x${nv.toString(16)}`, 'Keep the signature; binaries carry it before every abort handler.', { new: ['architectures', nai, 'sig', k], old: ['architectures', oai, 'sig', k] });
    }
  });
  ospec.forEach((oa, oai) => {
    if (!n.model.spec.architectures.some((a) => a.name === oa.name)) c.add('ARCH_REMOVED', `architecture ${oa.name} is removed`, `Keep ${oa.name}.`, { old: ['architectures', oai], new: ['architectures'] });
  });
}

// ---- glibc ----

function diffGlibc(c: Collector) {
  const { o, n } = c;
  const ov = o.model.spec.glibc.versions;
  const semantic = (v: (typeof ov)[number]) => JSON.stringify({ to: v.to, registers: v.registers, rseqSize: v.rseqSize, registeredLen: v.registeredLen, backports: v.backports?.map((b) => b.rseqSize) });
  n.model.spec.glibc.versions.forEach((nv, nvi) => {
    const ovi = ov.findIndex((v) => v.from === nv.from);
    if (ovi < 0) return c.add('GLIBC_SEMANTICS_CHANGED', `glibc ${nv.from}${nv.to ? `-${nv.to}` : '+'} is a new entry: registers ${nv.registers}, __rseq_size ${JSON.stringify(nv.rseqSize)}`, 'Check the entry against glibc\'s rseq-internal.h of that version.', { new: ['glibc', 'versions', nvi] });
    if (semantic(ov[ovi]) !== semantic(nv)) {
      c.add('GLIBC_SEMANTICS_CHANGED', `glibc ${nv.from}: ${semantic(ov[ovi])} -> ${semantic(nv)}`, 'Check the change against glibc\'s rseq-internal.h of that version; __rseq_size consumers (librseq) depend on it.', { new: ['glibc', 'versions', nvi], old: ['glibc', 'versions', ovi] });
    }
  });
  ov.forEach((v, ovi) => {
    if (!n.model.spec.glibc.versions.some((x) => x.from === v.from)) c.add('GLIBC_SEMANTICS_CHANGED', `glibc ${v.from} is no longer described`, 'Keep every glibc version range.', { old: ['glibc', 'versions', ovi], new: ['glibc', 'versions'] });
  });
}

// ---- registration rules, by prediction ----

/** The cases to predict: every length, alignment and flag the two specs' constants make interesting. */
export function caseMatrix(models: Model[]): Case[] {
  const lens = new Set<number>([0]);
  const aligns = new Set<number>();
  const flags = new Set<number>([0]);
  const addLen = (v: unknown) => { if (typeof v === 'number') for (const d of [-1, 0, 1]) if (v + d >= 0) lens.add(v + d); };
  for (const m of models) {
    const legacy = m.spec.allocationRule.legacy;
    addLen(legacy.size); addLen(legacy.size * 2);
    for (const a of [legacy.align / 2, legacy.align, legacy.align * 2]) aligns.add(a);
    for (const g of m.generations) { addLen(g.featureSize); addLen(g.allocation.size); aligns.add(g.allocation.align); }
    for (const r of m.spec.registration.ranges) {
      const acc = r.params.accepted;
      if (Array.isArray(acc)) for (const a of acc) {
        for (const k of ['eq', 'ne', 'gt', 'lt', 'min', 'max'] as const) addLen(a.len[k]);
        for (const x of [a.align / 2, a.align, a.align * 2]) aligns.add(x);
      }
      const rf = r.params.registerFlags;
      if (typeof rf === 'number') {
        for (let b = 0; b < 31; b++) if (rf & (1 << b)) flags.add(1 << b);
        flags.add(2 ** (Math.floor(Math.log2(Math.max(rf, 1))) + 1));
      }
    }
  }
  const cases: Case[] = [];
  const base = { sig: 'default' as const, addr: 'valid' as const, registered: null };
  for (const len of [...lens].sort((a, b) => a - b)) {
    for (const align of [...aligns].filter((a) => a >= 1 && Number.isInteger(a)).sort((a, b) => a - b)) {
      for (const f of [...flags].sort((a, b) => a - b)) cases.push({ ...base, op: 'register', len, align, flags: f });
      cases.push({ ...base, op: 'register', len, align, flags: 0, registered: { ptr: 'same', len, sig: 'default' } });
    }
    cases.push({ ...base, op: 'unregister', len, align: 32, flags: 0, registered: { ptr: 'same', len, sig: 'default' } });
    cases.push({ ...base, op: 'unregister', len, align: 32, flags: 0, registered: { ptr: 'same', len: 32, sig: 'default' } });
  }
  for (const addr of addrKinds.filter((a) => a !== 'valid')) cases.push({ ...base, op: 'register', len: 32, align: 32, flags: 0, addr });
  return cases;
}

export function describeCase(c: Case): string {
  const parts = [`${c.op} len=${c.len}`];
  if (c.addr !== 'valid') parts.push(`addr=${c.addr}`); else parts.push(`align=${c.align}`);
  if (c.flags) parts.push(`flags=${c.flags}`);
  if (c.sig !== 'default') parts.push(`sig=${c.sig}`);
  if (c.registered) parts.push(`registered(len=${c.registered.len}${c.registered.ptr !== 'same' ? `, ptr=${c.registered.ptr}` : ''}${c.registered.sig !== 'default' ? ', sig=other' : ''})`);
  return parts.join(' ');
}

export function describeOutcome(x: Outcome): string {
  return `${x.errno === 0 ? 'ok' : x.errno}${x.signal ? `+${x.signal}` : ''}${x.mode ? ` (${x.mode})` : ''} [${x.rule}]`;
}

const behaviour = (x: Outcome) => `${x.errno}|${x.signal ?? ''}|${x.mode ?? ''}`;

/**
 * The kernels a snapshot pair is compared on: its generations' first kernels, and, when both sides
 * are the same generation, every rule range that starts inside it in either spec (a stable-series
 * range such as 6.12.117 lies inside generation 6.3).
 */
function comparedKernels(o: Snapshot, n: Snapshot): [string, string][] {
  if (o.gen.kernel !== n.gen.kernel) return [[o.gen.kernel, n.gen.kernel]];
  const inGeneration = (s: Snapshot, v: string) => generationFor(s.model, v)?.kernel === s.gen.kernel;
  const starts = [o, n].flatMap((s) => s.model.spec.registration.ranges.map((r) => r.from).filter((v) => inGeneration(s, v)));
  return [...new Set([o.gen.kernel, ...starts])].sort(cmp).map((k) => [k, k]);
}

function diffRegistration(c: Collector) {
  const { o, n } = c;
  const arch = (m: Model) => m.arches[0].name;
  const ranges = (s: Snapshot) => s.model.spec.registration.ranges;
  for (const [ok, nk] of comparedKernels(o, n)) {
    const changes: CaseChange[] = [];
    const strictChanges: CaseChange[] = [];
    let stricter = false;
    // A prior registration must be one both kernels would have accepted.
    const reachable = (k: Case) => !k.registered || [[o.model, ok], [n.model, nk]].every(([m, kernel]) =>
      predict(m as Model, kernel as string, arch(m as Model), { ...k, op: 'register', flags: 0, sig: 'default', addr: 'valid', len: k.registered!.len, registered: null }).errno === 0);
    for (const k of caseMatrix([o.model, n.model]).filter(reachable)) {
      const a = predict(o.model, ok, arch(o.model), k);
      const b = predict(n.model, nk, arch(n.model), k);
      if (behaviour(a) === behaviour(b)) continue;
      const strict = !(a.errno !== 0 && b.errno === 0 && !b.signal);
      if (strict) stricter = true;
      (strict ? strictChanges : changes).push({ case: describeCase(k), old: describeOutcome(a), new: describeOutcome(b) });
    }
    changes.unshift(...strictChanges);
    if (!changes.length) continue;
    const rangePath = (s: Snapshot, kernel: string): Path => ['registration', 'ranges', ranges(s).indexOf(rangeFor(s.model, kernel))];
    const sample = changes.slice(0, 4).map((x) => `${x.case}: ${x.old} -> ${x.new}`).join('; ');
    const where = ok === nk ? `on kernel ${nk}` : `from ${ok} to ${nk}`;
    const head = `${changes.length} sys_rseq case${changes.length === 1 ? '' : 's'} change ${where}: ${sample}${changes.length > 4 ? '; ...' : ''}`;
    const at = { new: rangePath(n, nk), old: rangePath(o, ok) };
    if (stricter) {
      c.add('REGISTRATION_RULE_CHANGED', head, 'Check each case against kernel/rseq.c and the selftests; callers that relied on the old answer need AT_RSEQ_* based allocation or a fallback.', at, { cases: changes });
    } else {
      c.add('REGISTRATION_RULE_RELAXED', head, 'None needed; callers may use the new calls on kernels >= the new range.', at, { cases: changes });
    }
  }
}

export type { LaidOutField };
