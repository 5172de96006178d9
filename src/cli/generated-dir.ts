// The generated/ directory against what the generators produce: what is missing, stale or extra,
// and bringing it in line with every new file staged before any is renamed into place.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { GeneratedFile } from '../../generators/types.js';
import { treeFiles } from './memo.js';
import { writeFilesAtomic } from './output.js';

export interface GeneratedDiff {
  missing: GeneratedFile[];
  stale: { file: GeneratedFile; old: string }[];
  /** paths under the directory that no generator writes */
  extra: string[];
}

export function compareGenerated(dir: string, files: GeneratedFile[]): GeneratedDiff {
  const expected = new Set(files.map((f) => f.path));
  const missing: GeneratedFile[] = [];
  const stale: GeneratedDiff['stale'] = [];
  for (const f of files) {
    const p = join(dir, f.path);
    if (!existsSync(p)) missing.push(f);
    else {
      const old = readFileSync(p, 'utf8');
      if (old !== f.content) stale.push({ file: f, old });
    }
  }
  return { missing, stale, extra: treeFiles(dir).filter((p) => !expected.has(p)) };
}

/** Writes what changed (all or nothing), then removes what no generator writes. */
export function writeGenerated(dir: string, files: GeneratedFile[]): { written: number; removed: number; diff: GeneratedDiff } {
  const diff = compareGenerated(dir, files);
  const changed = [...diff.missing, ...diff.stale.map((s) => s.file)];
  writeFilesAtomic(changed.map((f) => ({ path: join(dir, f.path), data: f.content })));
  for (const p of diff.extra) rmSync(join(dir, p));
  return { written: changed.length, removed: diff.extra.length, diff };
}
