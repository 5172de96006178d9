// Model-free helpers of the commands: options, output, files. Loading this loads no spec
// machinery (zod, yaml), so commands that need no spec start fast.
import { Option } from 'commander';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { defaultSpecPath, makeDirs } from '../paths.js';
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

/**
 * Writes files atomically, all or nothing: every one is staged in a temp file beside its target
 * first, and only when all are staged are they renamed into place; a failure leaves the old files.
 */
export function writeFilesAtomic(files: { path: string; data: string | Uint8Array }[]): void {
  const staged: { tmp: string; path: string }[] = [];
  let current = '';
  try {
    for (const { path, data } of files) {
      current = path;
      const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
      makeDirs(dirname(path));
      writeFileSync(tmp, data);
      staged.push({ tmp, path });
    }
  } catch (err) {
    const discard = (tmp: string) => { try { rmSync(tmp, { force: true }); } catch { /* never created */ } };
    for (const s of staged) discard(s.tmp);
    discard(join(dirname(current), `.${basename(current)}.${process.pid}.tmp`));
    throw new CliError(`cannot write ${current}: ${(err as Error).message}`, ExitCode.Environment);
  }
  for (const s of staged) renameSync(s.tmp, s.path);
}

export const writeFileAtomic = (path: string, data: string | Uint8Array) => writeFilesAtomic([{ path, data }]);

export const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** Colors on a TTY unless NO_COLOR is set. */
export const color = (() => {
  const on = process.stdout.isTTY && !process.env.NO_COLOR;
  const wrap = (code: number) => (s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);
  return { red: wrap(31), green: wrap(32), yellow: wrap(33), dim: wrap(2), bold: wrap(1) };
})();
