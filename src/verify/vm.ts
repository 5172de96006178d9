// verify vm: every cached kernel booted under qemu TCG with the generated helper as /init's payload.
// Per kernel: the helper's JSON goes through the same comparison as verify live (verifyLive), and
// the guest's own /sys/kernel/btf/vmlinux goes through the same comparison as verify btf
// (verifyBtf: every struct and enum of the spec for that kernel's generation). A boot that panics or hangs is reported with the
// tail of its console; the other kernels go on.
import { readFileSync, writeFileSync, mkdirSync, existsSync, renameSync } from 'node:fs';
import { makeDirs } from '../paths.js';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { defaultCacheDir } from '../kernel/debian.js';
import { buildHelper, HelperError, HelperReport, NoCompilerError, type HelperSources } from '../kernel/helper.js';
import { BuildError, buildStatic, initSource, staticCompiler, vmInitramfs } from '../kernel/initramfs.js';
import { imagePath, type CachedKernel } from '../kernel/kernels.js';
import { boot, pool, type BootResult } from '../kernel/qemu.js';
import { parseBtfOrElf } from '../kernel/btf.js';
import { findArch, generationFor, type Model } from '../model/index.js';
import { verifyBtf } from './btf.js';
import { verifyLive, type LiveReport } from './live.js';

export const VERIFY_VM_SCHEMA = 'rseq-abi/verify-vm@1';

/** One cell of the matrix. */
export type Cell = 'ok' | 'mismatch' | 'error' | 'skip';

export interface BtfCheck {
  /** struct or enum */
  struct: string;
  /** "size", "cpu_id offset", ... */
  name: string;
  expected: string;
  observed: string;
  ok: boolean;
}

export interface VmKernelResult {
  arch: string;
  version: string;
  release: string;
  suite: string;
  generation: string | null;
  boot: { ok: boolean; failure?: string; message?: string; wallMs: number; initMs?: number; tail?: string };
  cells: { boot: Cell; helper: Cell; cases: Cell; checks: Cell; btf: Cell };
  /** the ids of mismatched cases, and the names of failed checks */
  mismatched: { cases: { id: string; predicted: string; kernel: string }[]; checks: { name: string; expected: string; observed: string }[]; btf: BtfCheck[] };
  counts: { cases: number; casesOk: number; checks: number; checksOk: number; btf: number; btfOk: number };
  /** why the helper or BTF cell is an error */
  errors: string[];
  live?: LiveReport;
}

export interface VmReport {
  schema: typeof VERIFY_VM_SCHEMA;
  kernels: VmKernelResult[];
  /** kernels with a mismatch */
  mismatches: number;
  /** kernels that did not boot or report */
  failures: number;
  wallMs: number;
}

export interface VmOptions {
  kernels: CachedKernel[];
  jobs?: number;
  /** per boot; default 90 s */
  timeoutMs?: number;
  /** vCPUs per guest (default 1) */
  smp?: number;
  /** the helper's sources for this model (generated/ for the shipped spec) */
  sources: HelperSources;
  cacheDir?: string;
  /** a kernel is done */
  onResult?: (r: VmKernelResult) => void;
  /** a step (build, boot start) */
  log?: (line: string) => void;
  /** keep each guest's console, helper JSON and BTF here (<arch>-<release>.console.txt, .helper.json, .btf) */
  keepDir?: string;
}

/** The guest's BTF through the same comparison as verify btf (verifyBtf), for the kernel's upstream version. */
export function compareBtfLayout(model: Model, btfBytes: Uint8Array, version: string, archName: string): { checks: BtfCheck[]; error?: string } {
  const arch = findArch(model, archName);
  if (!generationFor(model, version) || !arch) return { checks: [], error: `no generation or arch in the spec for ${version} ${archName}` };
  let btf;
  try {
    btf = parseBtfOrElf(btfBytes);
  } catch (e) {
    return { checks: [], error: `the guest's BTF does not parse: ${(e as Error).message}` };
  }
  const report = verifyBtf(model, btf, version, arch);
  return { checks: report.checks.map((c) => ({ struct: c.item, name: c.name, expected: c.expected, observed: c.observed, ok: c.ok })) };
}

const cellOf = (ok: boolean) => (ok ? 'ok' : 'mismatch') as Cell;

/** Turns one boot into its matrix row. */
export function judge(model: Model, k: CachedKernel, b: BootResult): VmKernelResult {
  const gen = generationFor(model, k.version) ?? null;
  const r: VmKernelResult = {
    arch: k.arch, version: k.version, release: k.release, suite: k.suite, generation: gen?.kernel ?? null,
    boot: { ok: b.ok, failure: b.failure, message: b.message, wallMs: b.wallMs, initMs: b.initMs, ...(b.ok ? {} : { tail: b.tail }) },
    cells: { boot: b.ok ? 'ok' : 'error', helper: 'skip', cases: 'skip', checks: 'skip', btf: 'skip' },
    mismatched: { cases: [], checks: [], btf: [] },
    counts: { cases: 0, casesOk: 0, checks: 0, checksOk: 0, btf: 0, btfOk: 0 },
    errors: [],
  };
  if (b.helperOutput) {
    let parsed: ReturnType<typeof HelperReport.safeParse> | undefined;
    try {
      parsed = HelperReport.safeParse(JSON.parse(b.helperOutput));
    } catch (e) {
      r.errors.push(`the helper printed no JSON document: ${(e as Error).message}`);
    }
    if (parsed && !parsed.success) r.errors.push(`the helper's JSON does not match its schema: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    if (parsed?.success) {
      r.cells.helper = parsed.data.available ? 'ok' : 'error';
      if (!parsed.data.available) r.errors.push('rseq unavailable in the guest (ENOSYS)');
      const live = verifyLive(model, parsed.data);
      r.live = live;
      const cm = live.cases.filter((c) => c.status === 'mismatch');
      const km = live.checks.filter((c) => c.ok === false);
      r.mismatched.cases = cm.map((c) => ({ id: c.id, predicted: c.predicted, kernel: c.kernel }));
      r.mismatched.checks = km.map((c) => ({ name: c.name, expected: c.expected, observed: c.observed }));
      r.counts.cases = live.cases.length;
      r.counts.casesOk = live.cases.filter((c) => c.status === 'ok').length;
      r.counts.checks = live.checks.filter((c) => c.ok !== null).length;
      r.counts.checksOk = live.checks.filter((c) => c.ok === true).length;
      if (parsed.data.available) {
        r.cells.cases = cellOf(cm.length === 0);
        r.cells.checks = cellOf(km.length === 0);
      }
    } else {
      r.cells.helper = 'error';
    }
  } else if (b.ok === false && b.failure === 'no-helper') {
    r.cells.helper = 'error';
    r.cells.boot = 'ok';
  }
  if (b.btf) {
    const c = compareBtfLayout(model, b.btf, k.version, k.arch);
    if (c.error) {
      r.errors.push(c.error);
      r.cells.btf = 'error';
    } else {
      r.mismatched.btf = c.checks.filter((x) => !x.ok);
      r.counts.btf = c.checks.length;
      r.counts.btfOk = c.checks.length - r.mismatched.btf.length;
      r.cells.btf = cellOf(r.mismatched.btf.length === 0);
    }
  } else if (b.initMs !== undefined && b.btfError) {
    r.errors.push(b.btfError);
    r.cells.btf = 'error';
  }
  return r;
}

/** Builds the static /init and helper of an arch and writes the initramfs; returns its path. */
export async function prepareInitramfs(arch: string, sources: HelperSources, cacheDir = defaultCacheDir()): Promise<string> {
  const dir = join(cacheDir, 'vm');
  const init = await buildStatic(arch, initSource, 'init', join(dir, 'init'));
  const helper = buildHelper(sources, { static: true, cc: staticCompiler(arch), cacheDir: join(dir, 'helper', arch) });
  const image = vmInitramfs(readFileSync(init), readFileSync(helper));
  const key = createHash('sha256').update(image).digest('hex').slice(0, 16);
  const path = join(dir, `initramfs-${arch}-${key}.cpio`);
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${path}.${process.pid}`, image);
    renameSync(`${path}.${process.pid}`, path);
  }
  return path;
}

/**
 * Boots every kernel (jobs at a time) and judges each. A missing compiler throws NoCompilerError;
 * a helper that does not build for an arch fails that arch's rows and the others go on.
 */
export async function verifyVm(model: Model, o: VmOptions): Promise<VmReport> {
  const t0 = Date.now();
  const log = o.log ?? (() => {});
  const initrds = new Map<string, string>();
  const buildErrors = new Map<string, string>();
  for (const arch of [...new Set(o.kernels.map((k) => k.arch))]) {
    log(`build the static helper and /init for ${arch}`);
    try {
      initrds.set(arch, await prepareInitramfs(arch, o.sources, o.cacheDir));
    } catch (e) {
      // no compiler at all is the environment's problem; a failed build is this arch's row
      if (e instanceof NoCompilerError || !(e instanceof HelperError || e instanceof BuildError)) throw e;
      buildErrors.set(arch, e.message);
    }
  }
  const kernels = await pool(o.kernels, o.jobs ?? 2, async (k) => {
    const buildError = buildErrors.get(k.arch);
    if (buildError) {
      const r = judge(model, k, { ok: false, failure: 'build', message: `not booted: the static helper did not build for ${k.arch}`, console: '', tail: buildError, command: [], wallMs: 0 });
      r.cells.boot = 'skip';
      r.cells.helper = 'error';
      o.onResult?.(r);
      return r;
    }
    log(`boot ${k.arch} ${k.release}`);
    const b = await boot({ arch: k.arch, kernel: imagePath(k), initrd: initrds.get(k.arch)!, timeoutMs: o.timeoutMs ?? 90_000, smp: o.smp });
    if (o.keepDir) {
      makeDirs(o.keepDir);
      const base = join(o.keepDir, `${k.arch}-${k.release}`);
      writeFileSync(`${base}.console.txt`, b.console);
      if (b.helperOutput) writeFileSync(`${base}.helper.json`, b.helperOutput);
      if (b.btf) writeFileSync(`${base}.btf`, b.btf);
    }
    const r = judge(model, k, b);
    o.onResult?.(r);
    return r;
  });
  const bad = (r: VmKernelResult) => Object.values(r.cells).includes('mismatch');
  const failed = (r: VmKernelResult) => Object.values(r.cells).includes('error');
  return {
    schema: VERIFY_VM_SCHEMA, kernels,
    mismatches: kernels.filter(bad).length, failures: kernels.filter(failed).length, wallMs: Date.now() - t0,
  };
}
