// Semantic checks: what the schema cannot see. Each returns errors positioned at the YAML node
// they are about; validateSpec() runs them all and reports everything at once.
import { allocationFor } from '../model/abi-rules.js';
import { flatten, LayoutError, Layouter, presentIn, typeIn } from '../model/layout.js';
import type { Target } from '../model/types.js';
import { cmp } from '../model/version.js';
import type { SpecError } from './errors.js';
import type { Positions } from './load.js';
import type { Condition, InlineMember, Spec, TypeExpr } from './schema.js';

type Report = (path: (string | number)[], message: string, onKey?: boolean) => void;

export function semanticErrors(spec: Spec, positions: Positions): SpecError[] {
  const errors: SpecError[] = [];
  const report: Report = (path, message, onKey) => errors.push(positions.error(path, message, onKey));
  checkUniqueNames(spec, report);
  checkReferences(spec, report);
  // Layouts need unique names and resolvable references; everything else is reported regardless.
  const structural = errors.length;
  checkAlignments(spec, report);
  checkVersionRanges(spec.registration.ranges, ['registration', 'ranges'], 'rule ranges', report);
  checkVersionRanges(spec.glibc.versions, ['glibc', 'versions'], 'glibc versions', report);
  checkEnums(spec, report);
  checkRegistration(spec, report);
  if (!structural) checkLayouts(spec, report);
  return errors.sort((a, b) => a.line - b.line || a.col - b.col);
}

const isPow2 = (n: number) => n > 0 && (n & (n - 1)) === 0;

/** Distinct C layout targets of the architecture table. */
export function targetsOf(spec: Spec): Target[] {
  const seen = new Map<string, Target>();
  for (const a of spec.architectures) {
    const t: Target = { dataModel: a.dataModel, endian: a.endian, u64Align: a.u64Align };
    seen.set(`${t.dataModel}/${t.endian}/${t.u64Align}`, t);
  }
  return [...seen.values()];
}
const targetName = (t: Target) => `${t.dataModel} ${t.endian}-endian, u64 aligned to ${t.u64Align}`;

function unique<T>(items: T[], key: (t: T) => string | undefined, path: (i: number) => (string | number)[], what: string, report: Report) {
  const first = new Map<string, number>();
  items.forEach((item, i) => {
    const k = key(item);
    if (k === undefined || k === '') return;
    if (first.has(k)) report(path(i), `duplicate ${what} "${k}" (first at index ${first.get(k)})`);
    else first.set(k, i);
  });
}

function checkUniqueNames(spec: Spec, report: Report) {
  unique(spec.generations, (g) => g.kernel, (i) => ['generations', i, 'kernel'], 'generation', report);
  unique(spec.structs, (s) => s.name, (i) => ['structs', i, 'name'], 'struct name', report);
  spec.structs.forEach((s, si) =>
    unique(s.fields, (f) => f.name, (i) => ['structs', si, 'fields', i, 'name'], `field name in struct ${s.name}`, report));
  unique(spec.enums, (e) => e.name, (i) => ['enums', i, 'name'], 'enum name', report);
  unique(spec.architectures, (a) => a.name, (i) => ['architectures', i, 'name'], 'architecture', report);
  unique(spec.registration.steps, (s) => s.id, (i) => ['registration', 'steps', i, 'id'], 'step id', report);
  // Enumerators, _BIT companions and constants share C's one namespace.
  const names: { name: string; path: (string | number)[] }[] = [];
  spec.enums.forEach((e, ei) => {
    if (e.bitEnum) names.push({ name: e.bitEnum, path: ['enums', ei, 'bitEnum'] });
    e.values.forEach((v, vi) => {
      names.push({ name: v.name, path: ['enums', ei, 'values', vi, 'name'] });
      if (e.bitEnum) names.push({ name: `${v.name}_BIT`, path: ['enums', ei, 'values', vi, 'name'] });
    });
  });
  spec.constants.forEach((c, i) => names.push({ name: c.name, path: ['constants', i, 'name'] }));
  unique(names, (n) => n.name, (i) => names[i].path, 'C identifier', report);
}

function checkReferences(spec: Spec, report: Report) {
  const gens = new Set(spec.generations.map((g) => g.kernel));
  const structs = new Map(spec.structs.map((s) => [s.name, s]));
  const needGen = (v: string | undefined, path: (string | number)[]) => {
    if (v !== undefined && !gens.has(v)) report(path, `no generation "${v}" (generations: ${[...gens].join(', ')})`);
  };
  spec.structs.forEach((s, si) => {
    s.fields.forEach((f, fi) => {
      const at = ['structs', si, 'fields', fi];
      if (f.since !== s.since) needGen(f.since, [...at, 'since']);
      else if (cmp(f.since, s.since) < 0) report([...at, 'since'], `is older than struct ${s.name} (${s.since})`);
      needGen(f.until, [...at, 'until']);
      f.history?.forEach((h, hi) => {
        needGen(h.before, [...at, 'history', hi, 'before']);
        h.backported?.forEach((b, bi) => {
          if (cmp(b, h.before) >= 0) report([...at, 'history', hi, 'backported', bi], `a backport (${b}) must be older than the change itself (${h.before})`);
          if (b.split('.').length !== 3) report([...at, 'history', hi, 'backported', bi], `a backport names a stable release, like 5.10.110`);
        });
      });
      for (const [ref, path] of structRefs(f.type, [...at, 'type'])) {
        const target = structs.get(ref);
        if (!target) report(path, `unknown struct "${ref}"`);
        else if (cmp(target.since, f.since) > 0) report(path, `struct ${ref} appears in ${target.since}, after this field (${f.since})`);
      }
      if (f.end && f.type !== 'char[]') report([...at, 'type'], 'the end marker must be char[]');
      const last = fi === s.fields.length - 1;
      if ((f.end || f.type === 'char[]') && !last) report([...at, 'name'], 'a flexible array must be the last field');
      if (!f.reserved && f.until) report([...at, 'until'], 'only a reserved field may be replaced');
    });
  });
  spec.enums.forEach((e, ei) => e.values.forEach((v, vi) => needGen(v.since, ['enums', ei, 'values', vi, 'since'])));
}

function structRefs(t: TypeExpr, path: (string | number)[]): [string, (string | number)[]][] {
  if (typeof t === 'string') return t.startsWith('struct ') ? [[t.slice(7), path]] : [];
  if ('lp64' in t) return [...structRefs(t.lp64, [...path, 'lp64']), ...structRefs(t.ilp32, [...path, 'ilp32'])];
  const key = 'union' in t ? 'union' : 'struct';
  const list: InlineMember[] = 'union' in t ? t.union : t.struct;
  return list.flatMap((m, i) => structRefs(m.type, [...path, key, i, 'type']));
}

function checkAlignments(spec: Spec, report: Report) {
  const need = (n: number | undefined, path: (string | number)[]) => {
    if (n !== undefined && !isPow2(n)) report(path, `alignment ${n} is not a power of two`);
  };
  spec.structs.forEach((s, i) => need(s.align, ['structs', i, 'align']));
  spec.architectures.forEach((a, i) => need(a.u64Align, ['architectures', i, 'u64Align']));
  need(spec.allocationRule.legacy.align, ['allocationRule', 'legacy', 'align']);
  spec.generations.forEach((g, i) => {
    need(g.allocation.align, ['generations', i, 'allocation', 'align']);
    need(g.auxv?.align, ['generations', i, 'auxv', 'align']);
  });
  spec.registration.ranges.forEach((r, ri) => {
    const accepted = r.params.accepted;
    if (Array.isArray(accepted)) accepted.forEach((a, ai) => need(a.align, ['registration', 'ranges', ri, 'params', 'accepted', ai, 'align']));
  });
}

function checkVersionRanges(ranges: { from: string; to?: string }[], base: (string | number)[], what: string, report: Report) {
  ranges.forEach((r, i) => {
    const at = [...base, i];
    if (r.to !== undefined && cmp(r.from, r.to) >= 0) report([...at, 'to'], `the range is empty: ${r.from} is not below ${r.to}`);
    if (i === 0 && cmp(r.from, '0') !== 0) report([...at, 'from'], `the first of the ${what} must start at "0", not ${r.from}: versions below are covered by none`);
    const next = ranges[i + 1];
    if (!next) {
      if (r.to !== undefined) report([...at, 'to'], `the last of the ${what} must be open-ended: versions from ${r.to} are covered by none`);
      return;
    }
    if (r.to === undefined) report([...at], `only the last of the ${what} may be open-ended`);
    else if (cmp(next.from, r.to) > 0) report([...base, i + 1, 'from'], `gap: versions from ${r.to} to ${next.from} are covered by none of the ${what}`);
    else if (cmp(next.from, r.to) < 0) report([...base, i + 1, 'from'], `overlap: ${next.from} starts before the previous range ends (${r.to})`);
  });
}

function checkEnums(spec: Spec, report: Report) {
  spec.enums.forEach((e, ei) => {
    const seen = new Map<number, string>();
    e.values.forEach((v, vi) => {
      const at = ['enums', ei, 'values', vi];
      if (e.flags && v.bit === undefined) report([...at, 'name'], `a flag needs a bit`);
      if (!e.flags && v.value === undefined) report([...at, 'name'], `an enumerator needs a value`);
      if (v.bit !== undefined && v.value !== undefined && v.value !== 2 ** v.bit) report([...at, 'value'], `value ${v.value} is not 1 << ${v.bit}`);
      if (e.bitEnum && v.bit === undefined) report([...at, 'name'], `enum ${e.name} has a bit enum, so every value needs a bit`);
      if (v.deprecated && cmp(v.deprecated, v.since) < 0) report([...at, 'deprecated'], `deprecated (${v.deprecated}) before it appeared (${v.since})`);
      const value = v.value ?? (v.bit !== undefined ? 2 ** v.bit : undefined);
      if (value === undefined) return;
      const other = seen.get(value);
      if (other) report([...at, v.bit !== undefined ? 'bit' : 'value'], e.flags ? `bit ${v.bit} is already used by ${other}: flag bits are never reused` : `value ${value} is already used by ${other}`);
      else seen.set(value, v.name);
    });
  });
}

/** What each step parameter must be. */
const paramKinds: Record<string, 'boolean' | 'number' | 'len' | 'accepted' | 'ids'> = {
  noSyscall: 'boolean', faultInSyscall: 'boolean', writeInSyscall: 'boolean', v2Mode: 'boolean',
  registerFlags: 'number', unregisterLen: 'len', registeredLen: 'len', accepted: 'accepted', afterUnregister: 'ids',
};

function checkRegistration(spec: Spec, report: Report) {
  const { steps, ranges } = spec.registration;
  const used = new Map<string, (string | number)[]>();
  const walk = (c: Condition, path: (string | number)[]) => {
    if (c.param) used.set(c.param, [...path, 'param']);
    for (const [k, v] of Object.entries({ flagsOutside: c.flagsOutside, ...c.len })) {
      if (typeof v === 'string' && v.startsWith('$')) used.set(v.slice(1), [...path, k in (c.len ?? {}) ? 'len' : k, ...(k in (c.len ?? {}) ? [k] : [])]);
    }
    if (c.accepted !== undefined) used.set('accepted', [...path, 'accepted']);
    c.any?.forEach((a, i) => walk(a, [...path, 'any', i]));
    if (c.not) walk(c.not, [...path, 'not']);
  };
  steps.forEach((s, i) => walk(s.when, ['registration', 'steps', i, 'when']));
  for (const [name, path] of used) {
    if (!(name in paramKinds)) report(path, `unknown parameter "${name}" (known: ${Object.keys(paramKinds).join(', ')})`);
  }
  ranges.forEach((r, ri) => {
    const at = ['registration', 'ranges', ri, 'params'];
    for (const [name, value] of Object.entries(r.params)) {
      const kind = paramKinds[name];
      if (!kind) { report([...at, name], `unknown parameter "${name}"`, true); continue; }
      const ok = kind === 'boolean' ? typeof value === 'boolean'
        : kind === 'number' ? typeof value === 'number'
        : kind === 'len' ? typeof value === 'number' || value === 'registeredLen'
        : kind === 'accepted' ? Array.isArray(value)
        : typeof value === 'object' && !Array.isArray(value);
      if (!ok) report([...at, name], `parameter ${name} must be ${kind === 'len' ? 'a number or registeredLen' : kind === 'accepted' ? 'a list of {len, align}' : kind === 'ids' ? 'a map of field values' : `a ${kind}`}`);
    }
    // A range without the syscall decides at NOSYS; the others need every parameter a step reads.
    if (r.params.noSyscall === true) return;
    for (const name of used.keys()) {
      if (name in paramKinds && !(name in r.params)) report(at, `missing parameter "${name}" used by the steps`, true);
    }
  });
}

function checkLayouts(spec: Spec, reportOnce: Report) {
  // A problem seen on several targets is reported once, naming the targets unless it is all of them.
  const seen = new Map<string, { path: (string | number)[]; message: string; targets: Set<string> }>();
  let current = '';
  const report: Report = (path, message) => {
    const key = `${path.join('.')}\0${message}`;
    const entry = seen.get(key) ?? { path, message, targets: new Set<string>() };
    entry.targets.add(current);
    seen.set(key, entry);
  };
  const targets = targetsOf(spec);
  checkLayoutsOn(spec, targets, report, (t) => { current = targetName(t); });
  for (const { path, message, targets: on } of seen.values()) {
    reportOnce(path, on.size === targets.length || on.has('') ? message : `${message} (on ${[...on].join('; ')})`);
  }
}

function checkLayoutsOn(spec: Spec, targets: Target[], report: Report, onTarget: (t: Target) => void) {
  const layouter = new Layouter(spec);
  const gens = [...spec.generations].sort((a, b) => cmp(a.kernel, b.kernel));
  const genIndex = new Map(spec.generations.map((g, i) => [g.kernel, i]));
  const legacy = spec.allocationRule.legacy;
  const rseqIndex = spec.structs.findIndex((s) => s.name === 'rseq');
  if (rseqIndex < 0) return report(['structs'], 'the spec must define struct rseq');
  const rseq = spec.structs[rseqIndex];
  for (const target of targets) {
    onTarget(target);
    let previous: ReturnType<Layouter['struct']> | undefined;
    for (const g of gens) {
      const gi = genIndex.get(g.kernel)!;
      let l;
      try {
        l = layouter.struct('rseq', g.kernel, target);
      } catch (err) {
        if (err instanceof LayoutError) return report(['structs', rseqIndex], err.message);
        throw err;
      }
      // Declared offsets hold on every target, and no two fields overlap.
      for (const f of l.fields) {
        const fi = rseq.fields.findIndex((x) => x.name === f.name && presentIn(x, g.kernel));
        const declared = rseq.fields[fi].offset;
        if (declared !== undefined && declared !== f.offset) {
          report(['structs', rseqIndex, 'fields', fi, 'offset'], `declared offset ${declared}, but C lays the field out at ${f.offset} in ${g.kernel}`);
        }
      }
      const declaredSpans = rseq.fields
        .map((f, fi) => ({ f, fi, at: f.offset, size: l.fields.find((x) => x.name === f.name)?.size }))
        .filter((x) => x.at !== undefined && x.size !== undefined && presentIn(x.f, g.kernel));
      for (const a of declaredSpans) for (const b of declaredSpans) {
        if (a.fi < b.fi && a.at! < b.at! + b.size! && b.at! < a.at! + a.size! && a.size! > 0 && b.size! > 0) {
          report(['structs', rseqIndex, 'fields', b.fi, 'offset'], `field ${b.f.name} overlaps field ${a.f.name} in ${g.kernel}`);
        }
      }
      // Feature size: offsetof(end), or the end of the last field before `end` existed.
      const end = l.fields.find((f) => f.end);
      const last = [...l.fields].reverse().find((f) => !f.end);
      const featureSize = end ? end.offset : (last ? last.offset + last.size : 0);
      if (featureSize !== g.featureSize) {
        report(['generations', gi, 'featureSize'], `is ${g.featureSize}, but ${end ? 'offsetof(struct rseq, end)' : 'the end of the last field'} is ${featureSize}`);
      }
      // Older fields never move, change type or disappear.
      if (previous) {
        for (const old of previous.fields.filter((f) => !f.end)) {
          const now = l.fields.find((f) => f.name === old.name);
          const spec = rseq.fields.find((x) => x.name === old.name && presentIn(x, previous!.generation));
          const path = ['structs', rseqIndex, 'fields', rseq.fields.indexOf(spec!)];
          if (!now) continue; // a replaced reserved field: checkReferences allows no other

          if (now.offset !== old.offset) report([...path, 'name'], `field ${old.name} moves from ${old.offset} in ${previous.generation} to ${now.offset} in ${g.kernel}`);
          const reshaped = spec && typeIn(spec, previous.generation) !== typeIn(spec, g.kernel);
          if (now.size !== old.size || now.align !== old.align || (!reshaped && now.type !== old.type)) {
            report([...path, 'type'], `field ${old.name} changes type from ${old.type} (${old.size} bytes) in ${previous.generation} to ${now.type} (${now.size} bytes) in ${g.kernel}`);
          }
        }
      }
      previous = l;
      // The allocation rule of the uapi header.
      const { size, align } = allocationFor(g.featureSize, g.auxv?.align, legacy);
      if (g.auxv && g.auxv.featureSize !== g.featureSize) report(['generations', gi, 'auxv', 'featureSize'], `AT_RSEQ_FEATURE_SIZE ${g.auxv.featureSize} differs from the feature size ${g.featureSize}`);
      if (g.auxv && g.auxv.align < l.align) report(['generations', gi, 'auxv', 'align'], `AT_RSEQ_ALIGN ${g.auxv.align} is below __alignof__(struct rseq) ${l.align}`);
      if (g.allocation.align !== align) report(['generations', gi, 'allocation', 'align'], `is ${g.allocation.align}, but the allocation rule gives max(AT_RSEQ_ALIGN, ${legacy.align}) = ${align}`);
      if (g.allocation.size !== size) report(['generations', gi, 'allocation', 'size'], `is ${g.allocation.size}, but the allocation rule gives roundup(max(feature size ${g.featureSize}, ${legacy.size}), ${align}) = ${size}`);
    }
  }
  // Every other struct lays out in every generation it exists in.
  spec.structs.forEach((s, si) => {
    for (const g of gens.filter((g) => cmp(g.kernel, s.since) >= 0)) for (const t of targets) {
      onTarget(t);
      try { flatten(layouter.struct(s.name, g.kernel, t).fields); } catch (err) {
        if (err instanceof LayoutError) return report(['structs', si], err.message);
        throw err;
      }
    }
  });
}
