// Where the package's own files are, whether running from src/ (tests) or dist/src/ (the CLI).
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('rseq-abi: cannot find the package root');
    dir = up;
  }
  return dir;
}

export const packageRoot = findRoot();
export const packagePath = (...parts: string[]) => join(packageRoot, ...parts);

/** The shipped spec. */
export const defaultSpecPath = packagePath('spec', 'rseq.yaml');

/**
 * mkdir -p that fails instead of spinning: Node 20's recursive mkdirSync loops forever under a
 * directory that refuses new entries (/proc). Creates the missing directories one by one.
 */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let d = resolve(dir); !existsSync(d); d = dirname(d)) {
    missing.unshift(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing) mkdirSync(d);
}

/** Where rseq-abi keeps what it downloads and builds: $XDG_CACHE_HOME/rseq-abi or ~/.cache/rseq-abi. */
export const cacheRoot = (...parts: string[]) => join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'rseq-abi', ...parts);
