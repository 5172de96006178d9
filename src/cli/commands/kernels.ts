// rseq-abi kernels fetch|list: real Debian cloud kernels for `verify vm`, cached under
// ~/.cache/rseq-abi/kernels/<arch>/<release>/ (see src/kernel/kernels.ts).
import type { Command } from 'commander';
import { DebianError } from '../../kernel/debian.js';
import { fetchKernels, findVmArch, listKernels, vmArches, type CachedKernel, type VmArch } from '../../kernel/kernels.js';
import { color, formatOption, json } from '../common.js';
import { CliError, ExitCode } from '../errors.js';

export const KERNELS_SCHEMA = 'rseq-abi/kernels@1';

/** --arch x86_64,aarch64 (repeatable or comma-separated); default every arch qemu boots here. */
export function vmArchesFrom(value: string[] | string | undefined): VmArch[] {
  const names = (Array.isArray(value) ? value : value ? [value] : []).flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) return vmArches;
  return names.map((n) => {
    const a = findVmArch(n);
    if (!a) throw new CliError(`unknown VM architecture "${n}" (known: ${vmArches.map((x) => x.name).join(', ')})`);
    return a;
  });
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** Progress: on a TTY one status line rewritten in place, otherwise one line per step on stderr. */
export function progress(): { step: (line: string) => void; done: () => void } {
  const tty = process.stderr.isTTY;
  let last = '';
  return {
    step(line) {
      if (!tty) return void process.stderr.write(`${line}\n`);
      const first = line.split('\n')[0];
      const width = (process.stderr.columns ?? 100) - 1;
      process.stderr.write(`\r\x1b[K${first.length > width ? `${first.slice(0, width - 1)}…` : first}`);
      last = first;
    },
    done() {
      if (tty && last) process.stderr.write('\r\x1b[K');
    },
  };
}

const row = (k: CachedKernel) => `${k.arch.padEnd(8)} ${k.version.padEnd(10)} ${k.suite.padEnd(17)} ${k.release.padEnd(30)} ${k.package} ${k.packageVersion}`;

export function registerKernels(program: Command): void {
  const kernels = program.command('kernels').description('real Debian cloud kernels for verify vm');
  kernels
    .command('fetch')
    .description('download the current cloud kernel of each Debian suite (checksums from the index)')
    .option('--arch <arches>', 'x86_64, aarch64 (comma-separated; default both)', collect)
    .addOption(formatOption())
    .action(async (opts: { arch?: string[]; format: string }) => {
      const arches = vmArchesFrom(opts.arch);
      const p = progress();
      let result;
      try {
        result = await fetchKernels(arches, { log: p.step });
      } catch (e) {
        p.done();
        if (e instanceof DebianError && (e.kind === 'offline' || e.kind === 'tool')) {
          const lines = e.message.split('\n');
          const why = lines.find((l) => /^\s+\S/.test(l))?.trim();
          throw new CliError(`${lines[0].replace(/:$/, '')}${why ? ` (${why})` : ''}\nkernels fetch needs Debian's package mirror; kernels already cached: ${listKernels().length} (rseq-abi kernels list)`, ExitCode.Environment);
        }
        throw e;
      }
      p.done();
      if (opts.format === 'json') {
        process.stdout.write(json({ schema: KERNELS_SCHEMA, kernels: result.kernels.map(({ dir: _d, ...k }) => k), failures: result.failures.map((f) => ({ arch: f.arch, suite: f.suite, error: f.error.message })) }));
      } else {
        for (const k of result.kernels) process.stdout.write(`${row(k)}\n`);
        for (const f of result.failures) process.stdout.write(color.red(`${f.arch} ${f.suite}: ${f.error.message}\n`));
      }
      if (result.failures.length) process.exitCode = result.failures.every((f) => f.error instanceof DebianError && f.error.kind === 'checksum') ? ExitCode.Findings : ExitCode.Environment;
    });
  kernels
    .command('list')
    .description('the kernels in the cache')
    .addOption(formatOption())
    .action((opts: { format: string }) => {
      const list = listKernels();
      if (opts.format === 'json') return void process.stdout.write(json({ schema: KERNELS_SCHEMA, kernels: list }));
      if (list.length === 0) return void process.stdout.write('no kernels cached (rseq-abi kernels fetch)\n');
      process.stdout.write(color.dim(`${'arch'.padEnd(8)} ${'version'.padEnd(10)} ${'suite'.padEnd(17)} ${'release'.padEnd(30)} package\n`));
      for (const k of list) process.stdout.write(`${row(k)}\n`);
    });
}
