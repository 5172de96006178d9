import type { Command } from 'commander';

/** Every command module registers itself on the program. */
export type Register = (program: Command) => void;

/**
 * The commands by name, each loaded only when asked for: a run imports the module of its own
 * command (and every module only for the top-level help), so no command pays for the others'
 * dependencies. Order is the order of `rseq-abi --help`.
 */
export const commands: Record<string, (() => Promise<Register>)[]> = {
  validate: [async () => (await import('./validate.js')).registerValidate],
  layout: [async () => (await import('./layout.js')).registerLayout],
  predict: [async () => (await import('./predict.js')).registerPredict],
  generate: [async () => (await import('./generate.js')).registerGenerate],
  diff: [async () => (await import('./diff.js')).registerDiff],
  bump: [async () => (await import('./bump.js')).registerBump],
  header: [async () => (await import('./header.js')).registerHeader],
  btf: [async () => (await import('./btf.js')).registerBtf],
  kernels: [async () => (await import('./kernels.js')).registerKernels],
  probe: [async () => (await import('./probe.js')).registerProbe],
  // `verify vm` is added to the `verify` that registerVerify creates
  verify: [async () => (await import('./verify.js')).registerVerify, async () => (await import('./vm.js')).registerVerifyVm],
  check: [async () => (await import('./check.js')).registerCheck],
};

/** The registrations a command line needs: its command's, or all of them when it names none. */
export async function registrationsFor(args: string[]): Promise<Register[]> {
  const name = args.find((a) => !a.startsWith('-'));
  const wanted = name && name in commands ? [commands[name]] : Object.values(commands);
  return Promise.all(wanted.flat().map((load) => load()));
}
