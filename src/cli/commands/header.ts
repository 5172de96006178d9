import type { Command } from 'commander';
import { archFrom, generationFrom, modelFrom, specOption, writeFileAtomic } from '../common.js';

interface Options { kernel?: string; arch?: string; output?: string; spec: string }

export function registerHeader(program: Command) {
  program
    .command('header')
    .description('print the UAPI-style C header of the generation in force for a kernel')
    .option('--kernel <version>', 'kernel release (default: the latest generation)')
    .option('--arch <arch>', 'check that the spec knows this architecture (the header covers them all)')
    .option('-o, --output <file>', 'write to a file (atomically) instead of stdout')
    .addOption(specOption())
    .action(async (opts: Options) => {
      const model = modelFrom(opts.spec);
      const gen = generationFrom(model, opts.kernel);
      if (opts.arch) archFrom(model, opts.arch);
      const { headerFor } = await import('../../../generators/c-header/index.js');
      const text = headerFor(model, gen);
      if (opts.output) writeFileAtomic(opts.output, text);
      else process.stdout.write(text);
    });
}
