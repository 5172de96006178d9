// The helper's case matrix, derived from the model: lengths around every boundary the spec's
// registration ranges and generations name, alignments up to twice the largest one the spec
// requires, every flag of enum rseq_flags and one undefined, registered states, double
// unregistration and addresses that are not a usable area. Nothing here names a kernel number.
import type { Model } from '../../src/model/index.js';

export type AddrKind = 'valid' | 'null' | 'unmapped' | 'kernel' | 'readonly';
/** none: the thread is unregistered; registered: an earlier registration is in force;
 *  unregistered: an earlier registration was made and undone (double unregister, re-register). */
export type Setup = 'none' | 'registered' | 'unregistered';

export interface HelperCase {
  id: string;
  op: 'register' | 'unregister';
  len: number;
  align: number;
  flags: number;
  sig: 'default' | 'other';
  addr: AddrKind;
  setup: Setup;
  /** the earlier registration (setup registered or unregistered) */
  reg: { ptr: 'same' | 'other'; len: number; sig: 'default' | 'other' } | null;
}

const U32 = 0xffffffff;
const uniq = (xs: number[]) => [...new Set(xs)].filter((n) => Number.isInteger(n) && n >= 0 && n <= U32).sort((a, b) => a - b);

/** Every number a length condition of the accepted layouts can resolve to. */
function lenBoundaries(model: Model): number[] {
  const out: number[] = [];
  const featureSizes = model.generations.map((g) => g.featureSize);
  const resolve = (v: unknown, params: Record<string, unknown>): number[] => {
    if (typeof v === 'number') return [v];
    if (v === 'featureSize') return featureSizes;
    if (typeof v === 'string' && v.startsWith('$')) return resolve(params[v.slice(1)], params);
    return [];
  };
  for (const r of model.spec.registration.ranges) {
    const params = r.params as Record<string, unknown>;
    const accepted = (params.accepted ?? []) as { len: Record<string, unknown> }[];
    for (const a of accepted) for (const v of Object.values(a.len)) for (const n of resolve(v, params)) out.push(n - 1, n, n + 1);
  }
  return out;
}

export function helperCases(model: Model): HelperCase[] {
  const gens = model.generations;
  const legacy = model.spec.allocationRule.legacy;
  const allocSizes = gens.map((g) => g.allocation.size);
  const lens = uniq([0, 16, 31, 32, 33, 4096, U32, ...gens.map((g) => g.featureSize), ...allocSizes, ...lenBoundaries(model)]);
  const maxAlign = Math.max(legacy.align, ...gens.map((g) => g.allocation.align), ...gens.map((g) => g.auxv?.align ?? 0),
    ...model.spec.registration.ranges.flatMap((r) => ((r.params.accepted ?? []) as { align: number }[]).map((a) => a.align)));
  const aligns: number[] = [];
  for (let a = 4; a <= 2 * maxAlign; a *= 2) aligns.push(a);
  const rseqFlags = model.enums.find((e) => e.name === 'rseq_flags');
  const defined = (rseqFlags?.values ?? []).map((v) => v.value >>> 0);
  let undefinedBit = 1;
  while (defined.includes(undefinedBit)) undefinedBit *= 2;
  const flagSet = [0, ...defined, undefinedBit];
  const regLens = uniq([legacy.size, ...allocSizes]);
  const sigs = ['default', 'other'] as const;

  const out: Omit<HelperCase, 'id'>[] = [];
  const base = { op: 'register' as const, len: legacy.size, align: legacy.align, flags: 0, sig: 'default' as const, addr: 'valid' as AddrKind, setup: 'none' as Setup, reg: null };
  // 1. length x alignment x flags on an unregistered thread
  for (const len of lens) for (const align of aligns) for (const flags of flagSet) out.push({ ...base, len, align, flags });
  // 2. registering again: identically, or with another pointer, length or signature
  const regAligns = uniq([legacy.align, ...gens.map((g) => g.allocation.align)]);
  for (const len of uniq([...regLens, ...gens.map((g) => g.featureSize).filter((n) => n > legacy.size)]))
    for (const align of regAligns) for (const sig of sigs) for (const ptr of ['same', 'other'] as const)
      for (const rlen of regLens) for (const rsig of sigs) {
        if (ptr === 'same' && rlen > align && align < Math.max(...regAligns)) continue; // an area the kernel may refuse
        out.push({ ...base, len, align, sig, setup: 'registered', reg: { ptr, len: rlen, sig: rsig } });
      }
  // 3. unregistering: length, signature, flags and pointer against the registration in force
  const unregAlign = Math.max(...regAligns);
  const states = [null, ...(['same', 'other'] as const).flatMap((ptr) => regLens.flatMap((len) => sigs.map((sig) => ({ ptr, len, sig }))))];
  for (const reg of states) {
    const rlen = reg?.len ?? legacy.size;
    for (const len of uniq([0, legacy.size, rlen - 1, rlen, rlen + 1])) for (const sig of sigs)
      out.push({ ...base, op: 'unregister', len, align: unregAlign, sig, setup: reg ? 'registered' : 'none', reg });
    for (const flags of flagSet.filter((f) => f > 1))
      out.push({ ...base, op: 'unregister', len: rlen, align: unregAlign, flags, setup: reg ? 'registered' : 'none', reg });
  }
  // 4. double unregistration, and registering again after an unregistration
  for (const len of regLens) {
    const reg = { ptr: 'same' as const, len, sig: 'default' as const };
    out.push({ ...base, op: 'unregister', len, align: unregAlign, setup: 'unregistered', reg });
    out.push({ ...base, len, align: unregAlign, setup: 'unregistered', reg });
  }
  // 5. addresses that are not a usable area, each run in a forked child
  const other = { ptr: 'other' as const, len: legacy.size, sig: 'default' as const };
  for (const addr of ['null', 'unmapped', 'kernel', 'readonly'] as const)
    for (const len of uniq([0, legacy.size - 1, legacy.size, legacy.size + 1, ...allocSizes]))
      for (const op of ['register', 'unregister'] as const) for (const reg of [null, other])
        out.push({ ...base, op, len, addr, setup: reg ? 'registered' : 'none', reg });
  // 6. the rest of the kernel's syscall_errors_test: every flag bit set, the address + 1
  out.push({ ...base, flags: U32 }, { ...base, align: 1 });
  return out.map((c, i) => ({ id: caseId(i, c), ...c }));
}

const hexFlags = (n: number) => `0x${(n >>> 0).toString(16)}`;
function caseId(i: number, c: Omit<HelperCase, 'id'>): string {
  const parts = [`${c.op} len=${c.len}`];
  if (c.addr === 'valid') parts.push(`align=${c.align}`);
  else parts.push(`addr=${c.addr}`);
  if (c.flags) parts.push(`flags=${hexFlags(c.flags)}`);
  if (c.sig !== 'default') parts.push('sig=other');
  if (c.reg) parts.push(`${c.setup === 'unregistered' ? 'after unregister of' : 'registered'} ${c.reg.ptr} len=${c.reg.len}${c.reg.sig === 'other' ? ' sig=other' : ''}`);
  return `#${String(i + 1).padStart(3, '0')} ${parts.join(' ')}`;
}
