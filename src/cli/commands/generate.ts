import type { Command } from 'commander';
import { createTwoFilesPatch } from 'diff';
import { join, relative } from 'node:path';
import { generateAll } from '../../../generators/index.js';
import { packagePath } from '../../paths.js';
import { color, modelFrom, specOption } from '../common.js';
import { ExitCode } from '../errors.js';
import { rememberGenerated } from '../generate-memo.js';
import { compareGenerated, writeGenerated } from '../generated-dir.js';

interface Options { out: string; check?: boolean; spec: string }

export function registerGenerate(program: Command) {
  program
    .command('generate')
    .description('write every output (C headers, TypeScript bindings, docs, schema, helper) under generated/')
    .option('--out <dir>', 'directory to write into', packagePath('generated'))
    .option('--check', 'write nothing; exit 1 listing every stale, missing or extra file with a diff')
    .option('--no-memo', 'run every generator even for a spec and code already generated from')
    .addOption(specOption())
    .action(async (opts: Options) => {
      const model = modelFrom(opts.spec);
      const files = await generateAll(model);
      rememberGenerated(opts.spec, files);
      const report = compareGenerated(opts.out, files);
      if (opts.check) {
        if (!report.stale.length && !report.missing.length && !report.extra.length) {
          process.stdout.write(`${color.green('current')}: ${files.length} files in ${shown(opts.out)}\n`);
          return;
        }
        for (const f of report.missing) process.stdout.write(`${color.red('missing')} ${shown(join(opts.out, f.path))}\n`);
        for (const p of report.extra) process.stdout.write(`${color.red('extra')}   ${shown(join(opts.out, p))} (no generator writes it)\n`);
        for (const { file, old } of report.stale) {
          process.stdout.write(`${color.red('stale')}   ${shown(join(opts.out, file.path))}\n`);
          process.stdout.write(createTwoFilesPatch(`a/${file.path}`, `b/${file.path}`, old, file.content, 'committed', 'generated', { context: 2 }));
        }
        const n = report.stale.length + report.missing.length + report.extra.length;
        process.stdout.write(`${n} file${n === 1 ? '' : 's'} out of date: run \`rseq-abi generate\`\n`);
        process.exitCode = ExitCode.Findings;
        return;
      }
      const { written, removed } = writeGenerated(opts.out, files);
      process.stdout.write(`${written} written, ${removed} removed, ${files.length - written} unchanged in ${shown(opts.out)}\n`);
    });
}

const shown = (p: string) => relative(process.cwd(), p) || '.';
