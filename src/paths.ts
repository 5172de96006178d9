// Where the package's own files are, whether running from src/ (tests) or dist/src/ (the CLI).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
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
