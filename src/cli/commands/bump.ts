import { Option, type Command } from 'commander';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { generateAll } from '../../../generators/index.js';
import { displayName, resolve } from '../../model/index.js';
import { packagePath } from '../../paths.js';
import { bumpEnumValue, bumpField, bumpFlag, type BumpResult } from '../../review/bump.js';
import { formatText } from '../../review/format.js';
import { formatSpecError } from '../../spec/errors.js';
import { color, specOption, writeFileAtomic } from '../common.js';
import { writeGenerated } from '../generated-dir.js';
import { CliError, ExitCode } from '../errors.js';

interface Common { kernel: string; doc?: string; spec: string; out: string; includeProposed?: boolean; proposed?: boolean; dryRun?: boolean }

const common = (cmd: Command) => cmd
  .requiredOption('--kernel <version>', 'the kernel generation that adds it (a new generation is added when needed)')
  .option('--doc <text>', 'its documentation')
  .option('--proposed', 'mark a generation this bump adds as proposed (not merged upstream)')
  .option('--include-proposed', 'regenerate with proposed generations included')
  .option('--dry-run', 'print what would change; write nothing')
  .addOption(specOption('the spec to edit'))
  .option('--out <dir>', 'the generated/ directory to regenerate', packagePath('generated'));

export function registerBump(program: Command) {
  const bump = program.command('bump').description('add a field, flag or enumerator to the spec for a kernel generation, then regenerate');
  common(bump.command('field').description('append a field to struct rseq (replacing the reserved byte when larger)')
    .requiredOption('--name <name>', 'field name (the kernel\'s)')
    .requiredOption('--type <type>', 'u8..u64, s8..s64 or "struct NAME"')
    .addOption(new Option('--writes <who>', 'who writes it').choices(['kernel', 'user', 'both']).default('kernel')))
    .action(async (o: Common & { name: string; type: string; writes: 'kernel' | 'user' | 'both' }) => run(o, (t, f) => bumpField(t, f, o)));
  common(bump.command('flag').description('add a flag on the next free bit of a flags enum')
    .requiredOption('--enum <enum>', 'the flags enum').requiredOption('--name <name>', 'flag name'))
    .action(async (o: Common & { enum: string; name: string }) => run(o, (t, f) => bumpFlag(t, f, o)));
  common(bump.command('enum-value').description('add an enumerator to an enum')
    .requiredOption('--enum <enum>', 'the enum').requiredOption('--name <name>', 'enumerator name')
    .requiredOption('--value <n>', 'its value', (v) => { const n = Number(v); if (!Number.isSafeInteger(n)) throw new CliError(`--value ${v} is not an integer`); return n; }))
    .action(async (o: Common & { enum: string; name: string; value: number }) => run(o, (t, f) => bumpEnumValue(t, f, o)));
}

async function run(o: Common, edit: (text: string, file: string) => BumpResult) {
  let text: string;
  try { text = readFileSync(o.spec, 'utf8'); } catch (err) {
    throw new CliError(`cannot read spec ${o.spec}: ${(err as NodeJS.ErrnoException).code}`, ExitCode.Usage);
  }
  const file = displayName(o.spec);
  const result = edit(text, file);
  if (!result.text) {
    throw new CliError(`${result.errors.map(formatSpecError).join('\n')}\nnothing written: the bumped spec would not validate`, ExitCode.Usage);
  }
  const out: string[] = result.report.map((l) => `  ${l}`);
  process.stdout.write(`${color.bold('bump')}\n${out.join('\n')}\n\n${color.bold('diff against the spec before the edit')}\n`);
  process.stdout.write(formatText(result.findings, { old: `${file} (before)`, new: file }));
  if (o.dryRun) { process.stdout.write('dry run: nothing written\n'); return; }
  const model = resolve(result.model!.spec, { includeProposed: o.includeProposed, file });
  const files = await generateAll(model);
  writeFileAtomic(o.spec, result.text);
  const written = writeGenerated(o.out, files);
  process.stdout.write(`wrote ${file}; generated: ${written.written} written, ${written.removed} removed, ${files.length - written.written} unchanged in ${relative(process.cwd(), o.out) || '.'}\n`);
}

