// The live round trip, compared: what the helper saw on a kernel against what the spec predicts
// for that kernel release and architecture. Pure: a helper report in, a verdict out.
import { decodeRseq } from '../../generated/ts/rseq-abi.js';
import type { HelperCaseResult, HelperReport } from '../kernel/helper.js';
import {
  compareVersionStrings as cmp, findArch, flatten, generationFor, inRange, layout, parseVersion,
  type Arch, type Generation, type Model,
} from '../model/index.js';
import { Case, predict, rangeFor, type Outcome } from '../rules/index.js';
import { addrKinds } from '../spec/schema.js';
import { kernelVersion } from '../model/version.js';
import { glibcSize } from '../model/abi-rules.js';

export const VERIFY_LIVE_SCHEMA = 'rseq-abi/verify-live@1';

export type CaseStatus = 'ok' | 'mismatch' | 'n/a' | 'observed';

export interface CaseVerdict {
  id: string;
  status: CaseStatus;
  /** "EINVAL (R5)", "0 + SIGSEGV (R8)", "-" when the spec predicts nothing */
  predicted: string;
  kernel: string;
  rule?: string;
  forked: boolean;
  note?: string;
}

export interface CheckVerdict {
  /** "auxv AT_RSEQ_ALIGN", "fields after registration: cpu_id", ... */
  name: string;
  expected: string;
  observed: string;
  /** null: recorded, nothing to compare with */
  ok: boolean | null;
}

export interface LiveReport {
  schema: typeof VERIFY_LIVE_SCHEMA;
  kernel: string;
  arch: string;
  generation: string | null;
  glibc: string | null;
  available: boolean;
  cases: CaseVerdict[];
  checks: CheckVerdict[];
  /** cases and checks that disagree */
  mismatches: number;
  elapsedUs: number;
}

/** A kernel release as the helper's uname -m and RSEQ_ABI_ARCH name it. */
export function archOf(model: Model, report: HelperReport): Arch {
  const a = findArch(model, report.helper.arch);
  if (!a) throw new Error(`the helper ran as "${report.helper.arch}", which the spec does not know`);
  return a;
}

const show = (o: { errno: unknown; signal?: unknown }) => `${o.errno}${o.signal ? ` + ${o.signal}` : ''}`;
const u32 = (n: number) => n >>> 0;

/** The alignment of the helper's "other" area (a page + 256). */
const OTHER_ALIGN = 256;

function verdictFor(model: Model, kernel: string, arch: string, r: HelperCaseResult): CaseVerdict {
  const base = { id: r.id, forked: r.forked };
  if (!(addrKinds as readonly string[]).includes(r.case.addr)) {
    return { ...base, status: 'observed', predicted: '-', kernel: show({ errno: r.errno, signal: r.signal }), note: `the spec has no rule for a ${r.case.addr} address` };
  }
  if (r.setupError) {
    const kernelText = `setup ${r.setupError.step}: ${r.setupError.errno}`;
    const prior = r.case.registered ?? r.earlier;
    if (r.setupError.step === 'register' && prior) {
      const setupCase = Case.parse({ op: 'register', len: prior.len, align: prior.ptr === 'same' ? r.case.align : OTHER_ALIGN, addr: 'valid' });
      const p = predict(model, kernel, arch, setupCase);
      const predicted = `setup register: ${p.errno} (${p.rule})`;
      if (p.errno !== 0 && p.errno === r.setupError.errno) return { ...base, status: 'n/a', predicted, kernel: kernelText, rule: p.rule, note: 'the earlier registration is refused, as predicted' };
      return { ...base, status: 'mismatch', predicted, kernel: kernelText, rule: p.rule };
    }
    return { ...base, status: 'mismatch', predicted: '-', kernel: kernelText };
  }
  // every field of a Case is there, checked by the helper report's schema
  const p: Outcome = predict(model, kernel, arch, r.case as Case);
  const seen = { errno: r.errno ?? '?', signal: r.signal ?? undefined };
  const ok = p.errno === seen.errno && (p.signal ?? undefined) === seen.signal;
  return { ...base, status: ok ? 'ok' : 'mismatch', predicted: `${show(p)} (${p.rule})`, kernel: show(seen), rule: p.rule };
}

/** The bytes of a hex string. */
function bytesOf(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * struct rseq decoded from raw bytes by the generated TypeScript bindings (decodeRseq), in the
 * architecture's byte order: every field the feature size covers, by dotted path
 * ("slice_ctrl.request"), 64-bit ones as numbers. The spec's layout of the generation in force
 * must agree with the bindings: a field the bindings decode at another place shows as a mismatch.
 */
export function decodeArea(model: Model, gen: Generation, arch: Arch, bytes: Uint8Array, featureSize: number): Record<string, number> {
  const out: Record<string, number> = {};
  const decoded = decodeRseq(bytes, { featureSize, littleEndian: arch.endian === 'little' }) as unknown as Record<string, unknown>;
  const put = (path: string, v: unknown) => {
    if (typeof v === 'number' || typeof v === 'bigint') out[path] = Number(v);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) put(`${path}.${k}`, x);
  };
  for (const [k, v] of Object.entries(decoded)) put(k, v);
  // the model's view of the same area: both must name the same fields (the members of a struct
  // field; a field whose older C spelling is an inline union is the one number it always was)
  const fields = layout(model, 'rseq', gen.kernel, arch).fields.flatMap((f) => (f.type.startsWith('struct ') ? flatten(f.members) : [f]));
  for (const f of fields) {
    if (!f.name || f.end || (f.members.length && f.type.startsWith('struct')) || f.reserved || f.offset + f.size > featureSize) continue;
    if (!(f.path in out)) out[f.path] = Number.NaN; // the bindings do not decode a field the spec has
  }
  return out;
}

/** Compares everything the helper reported with the spec. */
export function verifyLive(model: Model, report: HelperReport): LiveReport {
  const kernel = kernelVersion(report.uname.release, report.uname.version);
  const arch = archOf(model, report);
  const gen = parseVersion(kernel) ? generationFor(model, kernel) ?? null : null;
  const checks: CheckVerdict[] = [];
  const check = (name: string, expected: unknown, observed: unknown, ok: boolean | null = String(expected) === String(observed)) =>
    checks.push({ name, expected: String(expected), observed: String(observed), ok });

  const cases = report.available ? (report.cases ?? []).map((r) => verdictFor(model, kernel, arch.name, r)) : [];

  if (report.available && gen) {
    const range = rangeFor(model, kernel);
    const featureSize = gen.featureSize;
    // auxv against the generation
    check('auxv AT_RSEQ_FEATURE_SIZE', gen.auxv?.featureSize ?? 'absent', report.auxv.featureSize ?? 'absent');
    check('auxv AT_RSEQ_ALIGN', gen.auxv?.align ?? 'absent', report.auxv.align ?? 'absent');
    const own = report.own;
    if (own) {
      const p = predict(model, kernel, arch.name, Case.parse({ op: 'register', len: own.len, align: own.align }));
      check(`registration of ${own.len} bytes at ${own.align}-alignment`, `${p.errno} (${p.rule})`, own.errno, p.errno === own.errno);
      const compareFields = (what: string, hex: string | undefined, fields: Record<string, number> | undefined) => {
        if (!hex || !fields) return;
        const decoded = decodeArea(model, gen, arch, bytesOf(hex), featureSize);
        for (const [path, value] of Object.entries(decoded)) check(`${what}: ${path} (bytes decoded vs read)`, value, fields[path] ?? 'absent');
      };
      compareFields('area after registration', own.hex, own.fields);
      for (const c of own.cpus ?? []) {
        check(`pinned to CPU ${c.cpu}: cpu_id = sched_getcpu()`, c.schedGetcpu, c.cpu_id);
        check(`pinned to CPU ${c.cpu}: cpu_id_start = sched_getcpu()`, c.schedGetcpu, c.cpu_id_start);
        if (featureSize >= offsetEnd(model, gen, arch, 'node_id') && c.getcpu) check(`pinned to CPU ${c.cpu}: node_id = getcpu() node`, c.getcpu.node, c.node_id);
        if (featureSize >= offsetEnd(model, gen, arch, 'mm_cid')) check(`pinned to CPU ${c.cpu}: mm_cid < ${report.nrCpus.configured} CPUs`, `< ${report.nrCpus.configured}`, c.mm_cid, c.mm_cid < report.nrCpus.configured);
      }
      const ptraceSince = model.spec.constants.find((c) => c.name === 'PTRACE_GET_RSEQ_CONFIGURATION')?.since;
      if (own.ptrace) {
        if (ptraceSince && cmp(kernel, ptraceSince) >= 0) {
          check('PTRACE_GET_RSEQ_CONFIGURATION', 'the registered pointer, length and signature',
            own.ptrace.errno === 0 ? `pointer ${own.ptrace.pointerMatches ? 'matches' : 'differs'}, length ${own.ptrace.size}, signature 0x${(own.ptrace.signature ?? 0).toString(16)}` : `errno ${own.ptrace.errno}`,
            own.ptrace.errno === 0 && own.ptrace.pointerMatches === true && own.ptrace.size === own.len && own.ptrace.signature === own.sig);
        } else {
          check('PTRACE_GET_RSEQ_CONFIGURATION', `unsupported before ${ptraceSince}`, own.ptrace.errno === 0 ? 'supported' : `errno ${own.ptrace.errno}`, own.ptrace.errno !== 0);
        }
      }
      const after = own.afterUnregister;
      if (after) {
        check('unregistration', 0, after.errno);
        compareFields('area after unregistration', after.hex, after.fields);
        const expected = (range.params.afterUnregister ?? {}) as Record<string, number>;
        for (const [field, value] of Object.entries(expected)) check(`after unregistration: ${field} (range ${range.from}–${range.to ?? ''})`, u32(value), after.fields[field] ?? 'absent');
      }
    }
  }
  if (report.available && !gen) check('kernel generation', 'a generation of the spec', `none for ${kernel}`, false);
  glibcChecks(model, report, arch, gen, check);

  const mismatches = cases.filter((c) => c.status === 'mismatch').length + checks.filter((c) => c.ok === false).length;
  return {
    schema: VERIFY_LIVE_SCHEMA, kernel, arch: arch.name, generation: gen?.kernel ?? null, glibc: report.glibc?.version ?? null,
    available: report.available, cases, checks, mismatches, elapsedUs: report.elapsedUs,
  };
}

function offsetEnd(model: Model, gen: Generation, arch: Arch, path: string): number {
  const f = flatten(layout(model, 'rseq', gen.kernel, arch).fields).find((x) => x.path === path);
  return f ? f.offset + f.size : Infinity;
}

type Check = (name: string, expected: unknown, observed: unknown, ok?: boolean | null) => void;

function glibcChecks(model: Model, report: HelperReport, arch: Arch, gen: Generation | null, check: Check) {
  const g = report.glibc;
  if (!g || !g.version) return;
  const entry = model.spec.glibc.versions.find((v) => inRange(g.version!, v.from, v.to));
  if (!entry) return check(`glibc ${g.version}`, 'a row of spec.glibc.versions', 'none', false);
  const disabled = (g.tunables ?? '').includes(model.spec.glibc.tunable.disable);
  if (disabled) return check(`glibc ${g.version} registration`, `not checked: ${model.spec.glibc.tunable.disable} was set`, g.registered ? 'registered' : 'not registered', null);
  const registers = entry.registers && cmp(g.version, arch.glibcSig) >= 0 && report.available && gen !== null;
  check(`glibc ${g.version} registers rseq`, registers, g.registered);
  check(`glibc ${g.version} exports __rseq_offset, __rseq_size, __rseq_flags`, cmp(g.version, '2.35') >= 0, g.symbols);
  if (!registers || !g.registered) return;
  const featureSize = report.auxv.featureSize ?? 0;
  const main = glibcSize(entry.rseqSize, { featureSize });
  const allowed = [main, ...(entry.backports ?? []).map((b) => b.rseqSize)].filter((n): n is number => n !== undefined);
  check(`glibc ${g.version} __rseq_size`, allowed.join(' or ') + (entry.backports?.length ? ' (backport)' : ''), g.rseqSize, allowed.includes(g.rseqSize ?? -1));
  check(`glibc ${g.version} __rseq_flags`, 0, g.rseqFlags);
  const regLen = glibcSize(entry.registeredLen, { featureSize, rseqSize: g.rseqSize ?? 0 });
  const ptraceSince = model.spec.constants.find((c) => c.name === 'PTRACE_GET_RSEQ_CONFIGURATION')?.since;
  if (regLen !== undefined && g.ptrace && !(ptraceSince && cmp(kernelVersion(report.uname.release, report.uname.version), ptraceSince) < 0)) {
    check(`glibc ${g.version} registered length (PTRACE_GET_RSEQ_CONFIGURATION)`, regLen, g.ptrace.errno === 0 ? g.ptrace.size : `errno ${g.ptrace.errno}`);
    if (g.ptrace.errno === 0) check(`glibc ${g.version} area at thread pointer + __rseq_offset is the registered one`, true, g.ptrace.pointerMatches);
  }
  if (g.area && gen) {
    const decoded = decodeArea(model, gen, arch, bytesOf(g.area.hex), Math.min(gen.featureSize, g.area.hex.length / 2));
    for (const [path, value] of Object.entries(decoded)) check(`glibc's area: ${path} (bytes decoded vs read)`, value, g.area.fields[path] ?? 'absent');
    check(`glibc's area: cpu_id = sched_getcpu()`, g.area.schedGetcpu, g.area.fields.cpu_id);
  }
}
