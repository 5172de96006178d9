// Rules of the ABI that several stages apply to the spec's numbers: the uapi allocation rule and
// glibc's size expressions. One implementation, so validation, review and verification agree.
import type { SizeExpr } from '../spec/schema.js';
import { alignUp } from './layout.js';

/**
 * The uapi allocation rule: size >= max(AT_RSEQ_FEATURE_SIZE, legacy size), aligned on
 * max(AT_RSEQ_ALIGN, legacy alignment); without auxv, the legacy alignment.
 */
export function allocationFor(featureSize: number, auxvAlign: number | undefined, legacy: { size: number; align: number }) {
  const align = Math.max(auxvAlign ?? legacy.align, legacy.align);
  return { size: alignUp(Math.max(featureSize, legacy.size), align), align };
}

/** A size of the spec's glibc table: a number, or the largest of numbers and names (a missing name is 0). */
export function glibcSize(e: SizeExpr | undefined, names: Partial<Record<'featureSize' | 'rseqSize', number>>): number | undefined {
  if (e === undefined) return undefined;
  if (typeof e === 'number') return e;
  return Math.max(...e.max.map((x) => (typeof x === 'number' ? x : names[x] ?? 0)));
}
