#!/usr/bin/env node
import { relative } from 'node:path';
import { generatedIsCurrent, hashTree } from './generate-memo.js';
import { packagePath } from '../paths.js';

/**
 * `generate --check` of a spec and code already generated from answers from the memo without
 * loading the generators; anything else, or any doubt, goes to the full CLI.
 */
function memoizedCheck(args: string[]): boolean {
  if (args[0] !== 'generate' || !args.includes('--check') || args.includes('--no-memo')) return false;
  const opts: Record<string, string> = { '--spec': packagePath('spec', 'rseq.yaml'), '--out': packagePath('generated') };
  for (let i = 1; i < args.length; i++) {
    if (args[i] === '--check') continue;
    const [flag, inline] = args[i].split(/=(.*)/s);
    if (!(flag in opts)) return false;
    const value = inline ?? args[++i];
    if (value === undefined) return false;
    opts[flag] = value;
  }
  if (!generatedIsCurrent(opts['--spec'], opts['--out'])) return false;
  const n = Object.keys(hashTree(opts['--out'])).length;
  process.stdout.write(`current: ${n} files in ${relative(process.cwd(), opts['--out']) || '.'}\n`);
  return true;
}

if (!memoizedCheck(process.argv.slice(2))) {
  const { run } = await import('./program.js');
  process.exitCode = await run(process.argv);
}
