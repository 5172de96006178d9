import type { Command } from 'commander';
import { compareVersionStrings, layout, type Model } from '../../model/index.js';
import { archFrom, formatOption, generationFrom, json, modelFrom, specOption } from '../common.js';
import { CliError } from '../errors.js';
import { renderPahole } from '../pahole.js';
import type { LaidOutField } from '../../model/types.js';

interface Options { kernel?: string; arch?: string; struct: string; format: string; spec: string }

export function registerLayout(program: Command) {
  program
    .command('layout')
    .description('print the C layout of a struct in the generation of a kernel, for an architecture (pahole style)')
    .option('--kernel <version>', 'kernel release whose generation to show (default: the latest)')
    .option('--arch <arch>', 'architecture of the spec (default: this machine\'s)')
    .option('--struct <name>', 'struct to lay out', 'rseq')
    .addOption(formatOption())
    .addOption(specOption())
    .action((opts: Options) => {
      const model = modelFrom(opts.spec);
      process.stdout.write(layoutReport(model, opts));
    });
}

export function layoutReport(model: Model, opts: Omit<Options, 'spec'>): string {
  const gen = generationFrom(model, opts.kernel);
  const arch = archFrom(model, opts.arch);
  const def = model.structs.find((s) => s.name === opts.struct);
  if (!def) throw new CliError(`unknown struct "${opts.struct}" (known: ${model.structs.map((s) => s.name).join(', ')})`);
  if (compareVersionStrings(gen.kernel, def.since) < 0 && compareVersionStrings(opts.kernel ?? gen.kernel, def.since) < 0) {
    throw new CliError(`struct ${def.name} appears in ${def.since}, after generation ${gen.kernel}`);
  }
  const l = layout(model, def.name, gen.kernel, arch);
  const isRseq = def.name === 'rseq';
  if (opts.format === 'json') {
    return json({
      schema: 'rseq-abi/layout@1', struct: def.name, kernel: opts.kernel ?? gen.kernel, generation: gen.kernel, arch: arch.name,
      size: l.size, align: l.align,
      featureSize: isRseq ? gen.featureSize : null, allocSize: isRseq ? gen.allocation.size : null, allocAlign: isRseq ? gen.allocation.align : null,
      fields: l.fields.map(jsonField),
    });
  }
  const notes = [`generation ${gen.kernel} (${gen.name}), ${arch.name}`];
  if (isRseq) notes.push(`feature size: ${gen.featureSize}, allocation: ${gen.allocation.size} bytes aligned to ${gen.allocation.align}`);
  return renderPahole({ name: def.name, size: l.size, align: l.align, fields: l.fields.map(pahole) }, notes);
}

const pahole = (f: LaidOutField): Parameters<typeof renderPahole>[0]['fields'][number] => ({
  name: f.name, type: f.type, offset: f.offset, size: f.size,
  members: f.type === 'union' || f.type === 'struct' ? f.members.map(pahole) : [],
});

function jsonField(f: LaidOutField): Record<string, unknown> {
  const out: Record<string, unknown> = { name: f.name, type: f.type, offset: f.offset, size: f.size, since: f.since };
  if (f.members.length) out.members = f.members.map(jsonField);
  return out;
}
