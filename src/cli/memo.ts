// Memos: results the CLI already computed from the same inputs with the same code, kept under
// ~/.cache/rseq-abi/<kind>/. Keys hash the inputs and a fingerprint of the package's own code,
// so any change to either misses. Best effort both ways: an unreadable or unwritable memo only
// costs time. Node built-ins only, so the CLI can consult one before loading anything else.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { cacheRoot, packagePath } from '../paths.js';

export const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** Files under dir (sorted, recursively) whose names pass keep. */
export function walkFiles(dir: string, keep: (name: string) => boolean, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walkFiles(p, keep, out);
    else if (keep(name)) out.push(p);
  }
  return out;
}

/** The files of a tree as forward-slash paths relative to it, hidden files left out. */
export function treeFiles(dir: string): string[] {
  return walkFiles(dir, (n) => !n.startsWith('.')).map((p) => relative(dir, p).split('\\').join('/'));
}

let fingerprint: string | undefined;
/** Everything of ours that decides a result besides its inputs: code, templates, dependency versions. */
function codeFingerprint(): string {
  if (fingerprint) return fingerprint;
  const h = createHash('sha256');
  const files = [
    ...walkFiles(packagePath('dist'), (n) => n.endsWith('.js')),
    ...walkFiles(packagePath('generators'), (n) => n.endsWith('.hbs')),
    packagePath('package-lock.json'),
  ];
  for (const f of files) if (existsSync(f)) h.update(relative(packagePath(), f)).update('\0').update(readFileSync(f)).update('\0');
  return (fingerprint = h.digest('hex'));
}

const memoFile = (kind: string, inputs: (string | Buffer)[]) => {
  const h = createHash('sha256').update(codeFingerprint());
  for (const i of inputs) h.update('\0').update(i);
  return cacheRoot(kind, `${h.digest('hex')}.json`);
};

export function readMemo<T>(kind: string, inputs: (string | Buffer)[]): T | undefined {
  try {
    const path = memoFile(kind, inputs);
    return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as T) : undefined;
  } catch {
    return undefined;
  }
}

export function writeMemo(kind: string, inputs: (string | Buffer)[], value: unknown): void {
  try {
    const path = memoFile(kind, inputs);
    mkdirSync(join(path, '..'), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(value));
    renameSync(tmp, path);
  } catch {
    // a memo that cannot be written only costs time
  }
}
