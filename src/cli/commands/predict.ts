import type { Command } from 'commander';
import { Cases } from '../../rules/case.js';
import { predict, PredictError } from '../../rules/index.js';
import { parseVersion } from '../../model/version.js';
import { archFrom, json, modelFrom, readStdin, specOption } from '../common.js';
import { CliError } from '../errors.js';

export function registerPredict(program: Command) {
  program
    .command('predict')
    .description('predict what sys_rseq answers: reads a JSON array of cases on stdin, prints a JSON array of outcomes')
    .requiredOption('--kernel <version>', 'kernel release, e.g. 6.12 or 6.1.0-27-amd64')
    .option('--arch <arch>', 'architecture of the spec (default: this machine\'s)')
    .addOption(specOption())
    .addHelpText('after', `
A case: {"op": "register"|"unregister", "len": N, "align": N, "flags": N,
         "sig": "default"|"other", "addr": "valid"|"null"|"unmapped"|"kernel",
         "registered": null | {"ptr": "same"|"other", "len": N, "sig": "default"|"other"}}
An outcome: {"errno": 0|"EINVAL"|"EPERM"|"EBUSY"|"EFAULT"|"ENOSYS", "rule": "<step id>",
             "signal"?: "SIGSEGV", "mode"?: "legacy"|"v2"}

Example: echo '[{"op":"register","len":33,"align":32}]' | rseq-abi predict --kernel 7.0`)
    .action((opts: { kernel: string; arch?: string; spec: string }) => {
      const model = modelFrom(opts.spec);
      const arch = archFrom(model, opts.arch);
      if (!parseVersion(opts.kernel)) throw new CliError(`"${opts.kernel}" is not a kernel version (like 6.12 or 6.1.0-27-amd64)`);
      let input: unknown;
      try {
        input = JSON.parse(readStdin());
      } catch (err) {
        throw new CliError(`stdin is not JSON: ${(err as Error).message}`);
      }
      const cases = Cases.safeParse(input);
      if (!cases.success) {
        throw new CliError(cases.error.issues.map((i) => `stdin: ${i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') || '(root)'}: ${i.message}`).join('\n'));
      }
      try {
        process.stdout.write(json(cases.data.map((c) => predict(model, opts.kernel, arch.name, c))));
      } catch (err) {
        if (err instanceof PredictError) throw new CliError(err.message);
        throw err;
      }
    });
}
