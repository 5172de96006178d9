// rseq-abi check: the main job. validate, generate --check, verify live, verify btf.
// Every step runs and prints; the exit code is the worst one.
import type { Command } from 'commander';
import { relative } from 'node:path';
import { specOption } from '../output.js';

export function registerCheck(program: Command) {
  program
    .command('check')
    .description('validate the spec, check generated/ is current, verify the live kernel and its BTF; exit with the worst result')
    .addOption(specOption())
    .action(async (opts: { spec: string }) => {
      const { run } = await import('../program.js');
      const steps: string[][] = [
        ['validate', opts.spec],
        ['generate', '--check', '--spec', opts.spec],
        ['verify', 'live', '--spec', opts.spec],
        ['verify', 'btf', '--spec', opts.spec],
      ];
      let worst = 0;
      for (const step of steps) {
        process.stdout.write(`== rseq-abi ${step.map((a) => (a === opts.spec ? relative(process.cwd(), a) || a : a)).join(' ')}\n`);
        process.exitCode = undefined;
        const code = await run(['node', 'rseq-abi', ...step]);
        if (code > worst) worst = code;
      }
      process.exitCode = worst;
    });
}
