import type { Command } from 'commander';
import { color, modelFrom, specOption } from '../common.js';

export function registerValidate(program: Command) {
  program
    .command('validate')
    .description('check a spec: YAML, schema and every semantic rule; exit 2 listing every problem')
    .argument('[spec]', 'the spec file (default spec/rseq.yaml)')
    .addOption(specOption().hideHelp())
    .action((file: string | undefined, opts: { spec: string }) => {
      const model = modelFrom(file ?? opts.spec);
      const s = model.spec;
      process.stdout.write(`${model.file}: ${color.green('valid')} (${s.generations.length} generations, ${s.structs.length} structs, ${s.enums.length} enums, ${s.architectures.length} architectures, ${s.registration.steps.length} registration steps over ${s.registration.ranges.length} kernel ranges)\n`);
    });
}
