// The registration rules of the spec, interpreted: which step of sys_rseq decides a call on a
// given kernel. No kernel behaviour is written here; it is all in spec.registration.
import { findArch, generationFor, type Model } from '../model/index.js';
import { inRange } from '../model/version.js';
import type { Condition, LenCond, SpecRange, AcceptedLayout } from '../spec/schema.js';
import type { Case, Outcome } from './case.js';

const UNREGISTER = 1;
/** alignment of an address that is not a valid area: null is aligned to anything, pages to 4096 */
const PAGE = 4096;

export class PredictError extends Error {}

/** The rule range in force for a kernel release. */
export function rangeFor(model: Model, kernel: string): SpecRange {
  const r = model.spec.registration.ranges.find((r) => inRange(kernel, r.from, r.to));
  if (!r) throw new PredictError(`no registration rules cover kernel ${kernel}`);
  return r;
}

interface Context {
  c: Case;
  /** the flags as the kernel sees them */
  flags: number;
  op: 'register' | 'unregister';
  params: SpecRange['params'];
  featureSize: number;
}

/** The outcome of one sys_rseq call on a kernel release and architecture (an arch name). */
export function predict(model: Model, kernel: string, arch: string, c: Case): Outcome {
  if (!findArch(model, arch)) throw new PredictError(`unknown architecture "${arch}" (known: ${model.arches.map((a) => a.name).join(', ')})`);
  const range = rangeFor(model, kernel);
  const flags = (c.flags | (c.op === 'unregister' ? UNREGISTER : 0)) >>> 0;
  const ctx: Context = {
    c, flags, op: flags & UNREGISTER ? 'unregister' : 'register', params: range.params,
    featureSize: generationFor(model, kernel)?.featureSize ?? 0,
  };
  for (const step of model.spec.registration.steps) {
    if (!holds(step.when, ctx)) continue;
    const out: Outcome = { errno: step.errno, rule: step.id };
    if (step.signal) out.signal = step.signal;
    if (step.mode) out.mode = step.mode;
    return out;
  }
  throw new PredictError(`no step of the registration rules decides ${JSON.stringify(c)} on ${kernel}`);
}

function holds(w: Condition, x: Context): boolean {
  const { c } = x;
  if (w.op !== undefined && w.op !== x.op) return false;
  if (w.registered !== undefined && (c.registered !== null) !== w.registered) return false;
  if (w.ptr !== undefined && c.registered?.ptr !== w.ptr) return false;
  if (w.sig !== undefined && !(c.registered && c.registered.sig !== c.sig)) return false;
  if (w.flagsOutside !== undefined) {
    const mask = operand(w.flagsOutside, x);
    if (mask === undefined || (x.flags & ~mask) >>> 0 === 0) return false;
  }
  if (w.len !== undefined && !lenHolds(w.len, c.len, x)) return false;
  if (w.addr !== undefined && !w.addr.includes(c.addr)) return false;
  if (w.param !== undefined && x.params[w.param] !== true) return false;
  if (w.accepted !== undefined && accepted(x) !== w.accepted) return false;
  if (w.any !== undefined && !w.any.some((a) => holds(a, x))) return false;
  if (w.not !== undefined && holds(w.not, x)) return false;
  return true;
}

/** A number, a name of the call's context, or a $param (which may itself name one). */
function operand(v: number | string, x: Context): number | undefined {
  if (typeof v === 'number') return v;
  if (v === 'registeredLen') return x.c.registered?.len;
  if (v === 'featureSize') return x.featureSize;
  const p = x.params[v.slice(1)];
  return typeof p === 'number' || typeof p === 'string' ? operand(p, x) : undefined;
}

function lenHolds(cond: LenCond, len: number, x: Context): boolean {
  const test = (v: number | string | undefined, ok: (n: number) => boolean) => {
    if (v === undefined) return true;
    const n = operand(v, x);
    return n !== undefined && ok(n);
  };
  return test(cond.eq, (n) => len === n) && test(cond.ne, (n) => len !== n) && test(cond.gt, (n) => len > n)
    && test(cond.lt, (n) => len < n) && test(cond.min, (n) => len >= n) && test(cond.max, (n) => len <= n);
}

/** Is the call's length and address alignment one the kernel accepts (step R5)? */
function accepted(x: Context): boolean {
  const list = x.params.accepted as AcceptedLayout[] | undefined;
  const align = x.c.addr === 'valid' ? x.c.align : x.c.addr === 'null' ? Infinity : PAGE;
  return (list ?? []).some((a) => align >= a.align && lenHolds(a.len, x.c.len, x));
}
