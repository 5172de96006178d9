// rseq-abi verify btf: the spec against the kernel's own type information.
import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { release, version } from 'node:os';
import { BtfError, KERNEL_BTF, parseBtfOrElf } from '../../kernel/btf.js';
import { kernelVersion, parseVersion } from '../../model/version.js';
import { verifyBtf, type BtfReport } from '../../verify/btf.js';
import { archFrom, color, formatOption, json, modelFrom, specOption } from '../common.js';
import { CliError, ExitCode } from '../errors.js';

interface Options { file?: string; kernel?: string; arch?: string; format: string; spec: string }

export function registerVerifyBtf(verify: Command) {
  verify
    .command('btf')
    .description('compare the BTF\'s struct rseq, rseq_cs, rseq_slice_ctrl, ptrace_rseq_configuration and rseq enums with the spec; exit 1 on any difference')
    .option('--file <path>', `raw BTF or a vmlinux ELF (default ${KERNEL_BTF})`)
    .option('--kernel <version>', 'the kernel the BTF is of (default: this machine\'s release)')
    .option('--arch <arch>', 'architecture of the spec (default: this machine\'s)')
    .addOption(formatOption())
    .addOption(specOption())
    .action((opts: Options) => {
      const model = modelFrom(opts.spec);
      const arch = archFrom(model, opts.arch);
      const kernel = opts.kernel ?? kernelVersion(release(), version());
      if (!parseVersion(kernel)) throw new CliError(`"${kernel}" is not a kernel version (like 6.12 or 6.1.0-27-amd64)`);
      const file = opts.file ?? KERNEL_BTF;
      if (!opts.file && !existsSync(file)) throw new CliError(`${file} is missing: this kernel was built without BTF (CONFIG_DEBUG_INFO_BTF)`, ExitCode.Environment);
      let report: BtfReport;
      try {
        report = verifyBtf(model, parseBtfOrElf(readFileSync(file)), kernel, arch);
      } catch (err) {
        if (err instanceof BtfError) throw new CliError(`${file}: ${err.message}`);
        const e = err as NodeJS.ErrnoException;
        if (e.code) throw new CliError(`cannot read ${file}: ${e.code}`, e.code === 'EACCES' ? ExitCode.Environment : ExitCode.Usage);
        throw new CliError((err as Error).message);
      }
      process.stdout.write(opts.format === 'json' ? json({ ...report, file }) : render(report, file));
      process.exitCode = report.mismatches ? ExitCode.Findings : ExitCode.Ok;
    });
}

function render(r: BtfReport, file: string): string {
  const rows = r.checks.map((c) => [`${c.item} ${c.name}`, c.expected, c.observed, c.ok ? color.green('ok') : color.red('MISMATCH')]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i].length), 8));
  const lines = rows.map((row) => row.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]) : cell)).join('  '));
  const head = ['check'.padEnd(widths[0]), 'spec'.padEnd(widths[1]), 'btf'.padEnd(widths[2]), ''].join('  ');
  const verdict = r.mismatches ? color.red(`${r.mismatches} mismatch${r.mismatches === 1 ? '' : 'es'}`) : color.green('no mismatch');
  return `${head}\n${lines.join('\n')}\n\n${file}: kernel ${r.kernel} (${r.arch}, generation ${r.generation}): ${r.checks.length} checks, ${verdict}\n`;
}
