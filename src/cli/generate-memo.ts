// What the generators produced from a spec, so `generate --check` need not run them (and load
// ts-morph, handlebars, zod and yaml) again for a spec and code it has already generated from.
// A check with a memo hit still reads and hashes every file under the output directory.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readMemo, sha256, treeFiles, writeMemo } from './memo.js';

/** Files under dir as {relative path: sha256}, hidden files left out. */
export function hashTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of treeFiles(dir)) out[f] = sha256(readFileSync(join(dir, f)));
  return out;
}

/** Records what the generators produced from this spec with this code. */
export function rememberGenerated(specPath: string, files: { path: string; content: string }[]): void {
  writeMemo('generate', [readFileSync(specPath)], Object.fromEntries(files.map((f) => [f.path, sha256(f.content)])));
}

/** True when the memo for this spec and code matches the output directory exactly. */
export function generatedIsCurrent(specPath: string, outDir: string): boolean {
  try {
    const expected = readMemo<Record<string, string>>('generate', [readFileSync(specPath)]);
    if (!expected) return false;
    const actual = hashTree(outDir);
    const keys = Object.keys(expected);
    return keys.length === Object.keys(actual).length && keys.every((k) => actual[k] === expected[k]);
  } catch {
    return false;
  }
}
