// rseq-abi verify vm: the cached Debian kernels (rseq-abi kernels fetch) booted under qemu TCG, the
// static helper as /init's payload, compared as verify live does, plus the guest's BTF.
// Prints a matrix (kernel x check); exit 1 on any mismatch or a kernel that did not report, 3 when
// qemu, a cross compiler or the kernels are missing.
import type { Command } from 'commander';
import { execFileSync } from 'node:child_process';
import { HelperError } from '../../kernel/helper.js';
import { BuildError } from '../../kernel/initramfs.js';
import { listKernels, type CachedKernel } from '../../kernel/kernels.js';
import { qemuArches } from '../../kernel/qemu.js';
import { verifyVm, type Cell, type VmKernelResult, type VmReport } from '../../verify/vm.js';
import { color, formatOption, json, modelFrom, specOption } from '../common.js';
import { CliError, ExitCode } from '../errors.js';
import { helperSources } from '../helper-sources.js';
import { progress, vmArchesFrom } from './kernels.js';

interface VmCliOptions { kernel?: string[]; arch?: string[]; jobs: string; timeout: string; spec: string; format: string; keep?: string; smp: string }

/** --kernel all | 6.1 | 7.3.4 | 6.12.117+deb13-cloud-amd64 | trixie (repeatable, comma-separated). */
export function selectKernels(all: CachedKernel[], wanted: string[] | undefined): CachedKernel[] {
  const names = (wanted ?? []).flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
  if (names.length === 0 || names.includes('all')) return all;
  const out = all.filter((k) => names.some((n) => k.version === n || k.version.startsWith(`${n}.`) || k.release === n || k.suite === n));
  const unmatched = names.filter((n) => !all.some((k) => k.version === n || k.version.startsWith(`${n}.`) || k.release === n || k.suite === n));
  if (unmatched.length) throw new CliError(`no cached kernel matches ${unmatched.join(', ')} (cached: ${[...new Set(all.map((k) => k.version))].join(', ') || 'none'}; rseq-abi kernels fetch)`, ExitCode.Usage);
  return out;
}

const paint = (c: Cell) => (c === 'ok' ? color.green(c) : c === 'mismatch' ? color.red('MISMATCH') : c === 'error' ? color.red('ERROR') : color.dim('-'));
const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

export function renderMatrix(r: VmReport): string {
  const head = ['kernel', 'arch', 'suite', 'generation', 'boot', 'helper', 'cases', 'checks', 'btf', 'time'];
  const rows = r.kernels.map((k) => [
    k.version, k.arch, k.suite, k.generation ?? 'none',
    k.cells.boot, k.cells.helper,
    k.cells.cases === 'skip' ? k.cells.cases : `${k.cells.cases} ${k.counts.casesOk}/${k.counts.cases}`,
    k.cells.checks === 'skip' ? k.cells.checks : `${k.cells.checks} ${k.counts.checksOk}/${k.counts.checks}`,
    k.cells.btf === 'skip' ? k.cells.btf : `${k.cells.btf} ${k.counts.btfOk}/${k.counts.btf}`,
    secs(k.boot.wallMs),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (i >= 4 && i <= 8 ? row[i].replace(/^mismatch/, 'MISMATCH').length : row[i].length))));
  const cell = (s: string, i: number) => {
    if (i < 4 || i > 8) return s.padEnd(w[i]);
    const [c, ...rest] = s.split(' ');
    const text = [paint(c as Cell), ...rest].join(' ');
    const plain = [c === 'mismatch' ? 'MISMATCH' : c === 'error' ? 'ERROR' : c === 'skip' ? '-' : c, ...rest].join(' ');
    return text + ' '.repeat(Math.max(0, w[i] - plain.length));
  };
  const out = [color.bold(head.map((h, i) => h.padEnd(w[i])).join('  ')), ...rows.map((row) => row.map(cell).join('  ').trimEnd())];
  for (const k of r.kernels) out.push(...details(k));
  const n = r.kernels.length;
  out.push('', `${n} kernel${n === 1 ? '' : 's'} in ${secs(r.wallMs)}: ` + (r.mismatches || r.failures
    ? color.red(`${r.mismatches} with mismatches, ${r.failures} failed`)
    : color.green('no mismatch')));
  return `${out.join('\n')}\n`;
}

function details(k: VmKernelResult): string[] {
  const name = `${k.release} (${k.arch})`;
  const out: string[] = [];
  if (!k.boot.ok) {
    out.push('', color.red(`${name}: ${k.boot.failure}: ${k.boot.message}`), ...(k.boot.tail ?? '').split('\n').map((l) => `  | ${l}`));
  }
  for (const e of k.errors) out.push(color.red(`${name}: ${e}`));
  if (k.mismatched.cases.length) {
    out.push('', color.red(`${name}: ${k.mismatched.cases.length} case${k.mismatched.cases.length === 1 ? '' : 's'} mismatched:`));
    for (const c of k.mismatched.cases) out.push(`  ${c.id}: predicted ${c.predicted}, kernel ${c.kernel}`);
  }
  if (k.mismatched.checks.length) {
    out.push('', color.red(`${name}: ${k.mismatched.checks.length} check${k.mismatched.checks.length === 1 ? '' : 's'} failed:`));
    for (const c of k.mismatched.checks) out.push(`  ${c.name}: expected ${c.expected}, observed ${c.observed}`);
  }
  if (k.mismatched.btf.length) {
    out.push('', color.red(`${name}: BTF disagrees with the model:`));
    for (const c of k.mismatched.btf) out.push(`  ${c.struct} ${c.name}: model ${c.expected}, BTF ${c.observed}`);
  }
  return out;
}

function haveTool(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v "$1"', 'sh', tool], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export async function verifyVmCommand(opts: VmCliOptions): Promise<number> {
  const model = modelFrom(opts.spec);
  const jobs = Number(opts.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) throw new CliError(`--jobs must be a positive integer, not "${opts.jobs}"`);
  const timeoutMs = Number(opts.timeout) * 1000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new CliError(`--timeout must be a number of seconds, not "${opts.timeout}"`);
  const smp = Number(opts.smp);
  if (!Number.isInteger(smp) || smp < 1 || smp > 8) throw new CliError(`--smp must be 1 to 8, not "${opts.smp}"`);
  const arches = vmArchesFrom(opts.arch).map((a) => a.name);
  const cached = listKernels().filter((k) => arches.includes(k.arch));
  if (cached.length === 0) throw new CliError(`no kernels cached for ${arches.join(', ')}: run rseq-abi kernels fetch${opts.arch ? ` --arch ${arches.join(',')}` : ''}`, ExitCode.Environment);
  const kernels = selectKernels(cached, opts.kernel);
  for (const arch of new Set(kernels.map((k) => k.arch))) {
    const q = qemuArches[arch];
    if (!haveTool(q.binary)) throw new CliError(`${q.binary} not found (Debian package ${q.package})`, ExitCode.Environment);
  }
  const p = progress();
  let done = 0;
  let report: VmReport;
  try {
    report = await verifyVm(model, {
      kernels, jobs, timeoutMs, smp, keepDir: opts.keep, sources: await helperSources(model, opts.spec),
      log: p.step,
      onResult: (r) => p.step(`[${++done}/${kernels.length}] ${r.release} (${r.arch}): ${Object.values(r.cells).includes('mismatch') ? 'mismatch' : r.boot.ok ? 'ok' : r.boot.failure} in ${secs(r.boot.wallMs)}`),
    });
  } catch (e) {
    p.done();
    if (e instanceof HelperError || e instanceof BuildError) throw new CliError(e.message, ExitCode.Environment);
    throw e;
  }
  p.done();
  process.stdout.write(opts.format === 'json' ? json(report) : renderMatrix(report));
  return report.mismatches || report.failures ? ExitCode.Findings : ExitCode.Ok;
}

export function registerVerifyVm(program: Command): void {
  const verify = program.commands.find((c) => c.name() === 'verify') ?? program.command('verify').description('prove the spec against a kernel');
  verify
    .command('vm')
    .description('boot the cached Debian kernels under qemu TCG, run the static helper in each and compare as verify live does, plus the guest\'s BTF; exit 1 on any mismatch')
    .option('--kernel <versions>', 'all, or versions / releases / suites (comma-separated, repeatable)', collect)
    .option('--arch <arches>', 'x86_64, aarch64 (comma-separated; default both)', collect)
    .option('--jobs <n>', 'boots at a time', '2')
    .option('--timeout <seconds>', 'hard limit per boot', '90')
    .option('--smp <n>', 'vCPUs per guest (more CPUs pinned in the round trip, more CPU time)', '1')
    .option('--keep <dir>', 'keep each guest\'s console, helper JSON and BTF in this directory')
    .addOption(specOption())
    .addOption(formatOption())
    .action(async (opts: VmCliOptions) => {
      process.exitCode = await verifyVmCommand(opts);
    });
}
