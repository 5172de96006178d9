// Model-free helpers of the commands: options, output, files. Loading this loads no spec
// machinery (zod, yaml), so commands that need no spec start fast.
import { Option } from 'commander';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { defaultSpecPath } from '../paths.js';
import { CliError, ExitCode } from './errors.js';

export const specOption = (what = 'the spec to read') => new Option('--spec <file>', what).default(defaultSpecPath, 'spec/rseq.yaml');
export const formatOption = (formats: string[] = ['text', 'json']) =>
  new Option('--format <format>', 'output format').choices(formats).default(formats[0]);

/** Node's process.arch as an arch of the spec. */
export function hostArch(): string {
  const map: Record<string, string> = { x64: 'x86_64', ia32: 'i386', arm64: 'aarch64', arm: 'arm', riscv64: 'riscv64', ppc64: 'ppc64le', s390x: 's390x', loong64: 'loongarch64' };
  return map[process.arch] ?? 'x86_64';
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
