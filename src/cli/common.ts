// What the commands share: loading the spec, choosing kernel and arch, formats, writing files.
import { Option, type Command } from 'commander';
import { readFileSync, renameSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { defaultSpecPath, findArch, generationFor, latestGeneration, loadModel, type Arch, type Generation, type Model } from '../model/index.js';
import { formatSpecError, SpecInvalidError } from '../spec/errors.js';
import { parseVersion } from '../model/version.js';
import { CliError, ExitCode } from './errors.js';

export const specOption = (what = 'the spec to read') => new Option('--spec <file>', what).default(defaultSpecPath, 'spec/rseq.yaml');
export const formatOption = (formats: string[] = ['text', 'json']) =>
  new Option('--format <format>', 'output format').choices(formats).default(formats[0]);

/** Loads the model or ends the command with every spec error and exit 2. */
export function modelFrom(specPath: string, options: { includeProposed?: boolean } = {}): Model {
  try {
    return loadModel(specPath, options);
  } catch (err) {
    if (err instanceof SpecInvalidError) {
      throw new CliError(`${err.errors.map(formatSpecError).join('\n')}\n${err.errors.length} problem${err.errors.length === 1 ? '' : 's'} in the spec`, ExitCode.Usage);
    }
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT' || e.code === 'EISDIR' || e.code === 'EACCES') throw new CliError(`cannot read spec ${specPath}: ${e.code}`, ExitCode.Usage);
    throw err;
  }
}

/** Node's process.arch as an arch of the spec. */
export function hostArch(): string {
  const map: Record<string, string> = { x64: 'x86_64', ia32: 'i386', arm64: 'aarch64', arm: 'arm', riscv64: 'riscv64', ppc64: 'ppc64le', s390x: 's390x', loong64: 'loongarch64' };
  return map[process.arch] ?? 'x86_64';
}

export function archFrom(model: Model, name: string | undefined): Arch {
  const arch = findArch(model, name ?? hostArch());
  if (!arch) throw new CliError(`unknown architecture "${name}" (known: ${model.arches.map((a) => a.name).join(', ')})`);
  return arch;
}

/** The generation for --kernel, or the latest when absent. */
export function generationFrom(model: Model, kernel: string | undefined): Generation {
  if (kernel === undefined) return latestGeneration(model);
  if (!parseVersion(kernel)) throw new CliError(`"${kernel}" is not a kernel version (like 6.12 or 6.1.0-27-amd64)`);
  const g = generationFor(model, kernel);
  if (!g) throw new CliError(`kernel ${kernel} predates rseq (${model.generations[0].kernel})`);
  return g;
}

export function readStdin(): string {
  try {
    return readFileSync(0, 'utf8');
  } catch {
    return '';
  }
}

/** Writes a file atomically: a temp file beside it, then rename; a failure leaves the old file. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new CliError(`cannot write ${path}: ${(err as Error).message}`, ExitCode.Environment);
  }
}

export const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** Colors on a TTY unless NO_COLOR is set. */
export const color = (() => {
  const on = process.stdout.isTTY && !process.env.NO_COLOR;
  const wrap = (code: number) => (s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);
  return { red: wrap(31), green: wrap(32), yellow: wrap(33), dim: wrap(2), bold: wrap(1) };
})();

export type WithSpec = { spec: string };
export const addSpec = (cmd: Command) => cmd.addOption(specOption());
