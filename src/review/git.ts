// Reads a file at a git revision: the only impure part of src/review besides the CLI.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';

export class GitError extends Error {}

/** Is this argument REF:path (and not a file that happens to contain a colon)? */
export function isGitSpec(arg: string): boolean {
  const i = arg.indexOf(':');
  return i > 0 && !existsSync(arg) && !/^[A-Za-z]:[\\/]/.test(arg);
}

function git(args: string[], cwd: string): string {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stderr?: string; code?: string; message: string };
    if (e.code === 'ENOENT') throw new GitError('git not found');
    throw new GitError((e.stderr || e.message).trim().split('\n')[0]);
  }
}

/** The text of REF:path; path is relative to the repository root, or to cwd when it starts with ./ */
export function readGitSpec(arg: string, cwd = process.cwd()): string {
  const i = arg.indexOf(':');
  return git(['show', `${arg.slice(0, i)}:${arg.slice(i + 1)}`], cwd);
}

/** The text of a working-tree file at REF (for --against REF). */
export function readAtRevision(ref: string, file: string, cwd = process.cwd()): { text: string; name: string } {
  const abs = resolve(cwd, file);
  const dir = dirname(abs);
  const top = git(['rev-parse', '--show-toplevel'], dir).trim();
  const rel = relative(top, abs).split('\\').join('/');
  return { text: git(['show', `${ref}:${rel}`], dir), name: `${ref}:${rel}` };
}
