// rseq-abi probe: what this machine's kernel and glibc do with rseq, from one helper run.
import type { Command } from 'commander';
import { featureFields, generationFor, parseVersion, type Model } from '../../model/index.js';
import type { HelperReport } from '../../kernel/helper.js';
import { archOf } from '../../verify/live.js';
import { color, formatOption, json, modelFrom } from '../common.js';
import { CliError, ExitCode } from '../errors.js';
import { addHelperOptions, runLiveHelper, UNAVAILABLE, type HelperOptions } from './verify.js';

export const PROBE_SCHEMA = 'rseq-abi/probe@1';

export function probeSummary(model: Model, h: HelperReport) {
  const kernel = h.uname.release;
  const arch = archOf(model, h);
  const gen = parseVersion(kernel) ? generationFor(model, kernel) ?? null : null;
  const legacy = model.spec.allocationRule.legacy;
  const featureSize = h.auxv.featureSize ?? gen?.featureSize ?? null;
  const align = h.auxv.align ?? legacy.align;
  const allocAlign = Math.max(align, legacy.align);
  const allocSize = Math.ceil(Math.max(featureSize ?? 0, legacy.size) / allocAlign) * allocAlign;
  const latest = model.generations[model.generations.length - 1];
  const fields = featureFields(model, latest.kernel, arch).map((f) => ({ name: f.name, offset: f.offset, size: f.size, since: f.since, available: featureSize !== null && featureSize >= f.offset + f.size }));
  const g = h.glibc;
  const owner = !h.available ? 'nobody (no rseq)' : g?.registered ? `glibc ${g.version}` : g?.symbols ? `nobody: glibc ${g.version} did not register (${g.tunables ?? 'registration failed or unsupported'})` : 'nobody: this libc does not register rseq';
  return {
    schema: PROBE_SCHEMA,
    kernel: { release: kernel, machine: h.uname.machine, arch: arch.name, generation: gen ? { kernel: gen.kernel, name: gen.name } : null },
    available: h.available,
    auxv: h.auxv,
    featureSize,
    align,
    fields,
    glibc: g ? { version: g.version, registered: g.registered, rseqSize: g.rseqSize, rseqOffset: g.rseqOffset, rseqFlags: g.rseqFlags, registeredLen: g.ptrace?.errno === 0 ? g.ptrace.size : null } : null,
    owner,
    allocation: { size: allocSize, align: allocAlign, registerLen: Math.max(featureSize ?? 0, legacy.size) },
  };
}

export function registerProbe(program: Command) {
  addHelperOptions(program
    .command('probe')
    .description('what this machine supports: kernel generation, feature size and alignment, fields, glibc\'s registration, the allocation to make')
    .addOption(formatOption()))
    .action(async (opts: HelperOptions & { format: string }) => {
      const model = modelFrom(opts.spec);
      const helper = await runLiveHelper(model, opts);
      let s: ReturnType<typeof probeSummary>;
      try {
        s = probeSummary(model, helper);
      } catch (err) {
        throw new CliError(`cannot read the helper's report with ${model.file}: ${(err as Error).message}`, ExitCode.Environment);
      }
      if (opts.format === 'json') process.stdout.write(json(s));
      else {
        const row = (k: string, v: string) => `${k.padEnd(22)}${v}\n`;
        process.stdout.write([
          row('kernel', `${s.kernel.release} (${s.kernel.arch}), generation ${s.kernel.generation ? `${s.kernel.generation.kernel} (${s.kernel.generation.name})` : 'none'}`),
          row('rseq', s.available ? color.green('available') : color.red(UNAVAILABLE)),
          row('feature size', `${s.featureSize ?? 'unknown'} (AT_RSEQ_FEATURE_SIZE ${s.auxv.featureSize ?? 'absent'})`),
          row('alignment', `${s.align} (AT_RSEQ_ALIGN ${s.auxv.align ?? 'absent'})`),
          row('fields', s.fields.map((f) => (f.available ? f.name : color.dim(`${f.name} (no)`))).join(', ')),
          row('glibc', s.glibc ? `${s.glibc.version}, __rseq_size ${s.glibc.rseqSize ?? 'absent'}, __rseq_offset ${s.glibc.rseqOffset ?? 'absent'}, registered length ${s.glibc.registeredLen ?? 'unknown'}` : 'none'),
          row('registration owner', s.owner),
          row('allocate', `${s.allocation.size} bytes aligned on ${s.allocation.align}; register with rseq_len ${s.allocation.registerLen}`),
        ].join(''));
      }
      if (!s.available) process.exitCode = ExitCode.Environment;
    });
}
