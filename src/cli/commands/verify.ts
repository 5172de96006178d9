// rseq-abi verify live: the generated helper against the running kernel, case by case.
// (verify btf is added beside it as another subcommand of `verify`.)
import { registerVerifyBtf } from './verify-btf.js';
import type { Command } from 'commander';
import { buildHelper, HelperError, runHelper, type HelperReport } from '../../kernel/helper.js';
import type { Model } from '../../model/index.js';
import { verifyLive, type LiveReport } from '../../verify/live.js';
import { color, formatOption, json, modelFrom, specOption } from '../common.js';
import { CliError, ExitCode } from '../errors.js';
import { helperSources } from '../helper-sources.js';

export interface HelperOptions { spec: string; static?: boolean; timeout?: string; cc?: string }

export const UNAVAILABLE = 'rseq unavailable: rseq(NULL, 0, 0, 0) gives ENOSYS (qemu-user, a seccomp filter or a kernel without CONFIG_RSEQ)';

/** Builds (or finds in the cache) and runs the helper; helper failures become exit-3 CliErrors. */
export async function runLiveHelper(model: Model, opts: HelperOptions): Promise<HelperReport> {
  const timeoutMs = opts.timeout === undefined ? 20_000 : Number(opts.timeout);
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new CliError(`--timeout must be a number of milliseconds, not "${opts.timeout}"`);
  try {
    const exe = buildHelper(await helperSources(model, opts.spec), { static: opts.static, cc: opts.cc });
    return await runHelper(exe, { timeoutMs });
  } catch (err) {
    if (err instanceof HelperError) throw new CliError(err.message, ExitCode.Environment);
    throw err;
  }
}

export const addHelperOptions = (cmd: Command) => cmd
  .option('--static', 'build the helper statically (as for a VM)')
  .option('--timeout <ms>', 'kill the helper after this many milliseconds', '20000')
  .option('--cc <compiler>', 'C compiler (default $CC or cc)')
  .addOption(specOption());

const mark = (s: string) => (s === 'ok' ? color.green('ok') : s === 'mismatch' ? color.red('MISMATCH') : color.dim(s));

export function renderLive(r: LiveReport): string {
  const rows = [
    ...r.cases.map((c) => [c.id, c.predicted, c.kernel, c.status]),
    ...r.checks.map((c) => [c.name, c.expected, c.observed, c.ok === null ? 'info' : c.ok ? 'ok' : 'mismatch']),
  ];
  const head = ['case', 'predicted', 'kernel', 'ok'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (row: string[], paint = (s: string) => s) => `${row.slice(0, 3).map((x, i) => x.padEnd(w[i])).join('  ')}  ${paint(row[3])}`;
  const out = [color.bold(line(head)), ...rows.map((row) => line(row, mark))];
  const n = (s: string) => r.cases.filter((c) => c.status === s).length;
  out.push('', `${r.kernel} (${r.arch}, generation ${r.generation ?? 'none'}), glibc ${r.glibc ?? 'none'}: ${r.cases.length} cases (${n('ok')} ok, ${n('mismatch')} mismatched, ${n('n/a')} not applicable, ${n('observed')} observed only), ${r.checks.length} checks; ` +
    (r.mismatches ? color.red(`${r.mismatches} mismatch${r.mismatches === 1 ? '' : 'es'}`) : color.green('no mismatch')));
  return `${out.join('\n')}\n`;
}

interface LiveOptions extends HelperOptions { format: string }

/** verify live as a function: prints, and returns the exit code. */
export async function verifyLiveCommand(opts: LiveOptions): Promise<number> {
  const model = modelFrom(opts.spec);
  const helper = await runLiveHelper(model, opts);
  let report: LiveReport;
  try {
    report = verifyLive(model, helper);
  } catch (err) {
    throw new CliError(`cannot compare the helper's report with ${model.file}: ${(err as Error).message}`, ExitCode.Environment);
  }
  if (opts.format === 'json') process.stdout.write(json(report));
  if (!report.available) {
    if (opts.format !== 'json') process.stderr.write(`rseq-abi: ${UNAVAILABLE}\n`);
    return ExitCode.Environment;
  }
  if (opts.format !== 'json') process.stdout.write(renderLive(report));
  return report.mismatches ? ExitCode.Findings : ExitCode.Ok;
}

export function registerVerify(program: Command) {
  const verify = program.command('verify').description('prove the spec against a kernel: live (this machine), btf');
  addHelperOptions(verify
    .command('live')
    .description('run the generated helper on this kernel and compare every case with the prediction; exit 1 on any mismatch, 3 when rseq is unavailable')
    .addOption(formatOption()))
    .action(async (opts: LiveOptions) => {
      process.exitCode = await verifyLiveCommand(opts);
    });
  registerVerifyBtf(verify);
}
