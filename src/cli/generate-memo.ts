// A memo of what the generators produce, so `generate --check` need not run them (and load
// ts-morph, handlebars, zod and yaml) again for a spec and code it has already generated from.
// Key: the spec's bytes and a fingerprint of the package's own code; value: the path and hash of
// every generated file. A check with a memo hit still reads and hashes every file under the output
// directory. Node built-ins only: this runs before the rest of the CLI is loaded.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative } from 'node:path';
import { packagePath } from '../paths.js';

const sha = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

function walk(dir: string, keep: (name: string) => boolean, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, keep, out);
    else if (keep(name)) out.push(p);
  }
  return out;
}

/** Everything that decides the generators' output besides the spec: our code, templates, dependency versions. */
function codeFingerprint(): string {
  const h = createHash('sha256');
  const files = [
    ...walk(packagePath('dist'), (n) => n.endsWith('.js')),
    ...walk(packagePath('generators'), (n) => n.endsWith('.hbs')),
    packagePath('package-lock.json'),
  ];
  for (const f of files) if (existsSync(f)) h.update(relative(packagePath(), f)).update('\0').update(readFileSync(f)).update('\0');
  return h.digest('hex');
}

const memoDir = () => join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'rseq-abi', 'generate');
const memoPath = (specPath: string) => join(memoDir(), `${sha(`${codeFingerprint()}\n${sha(readFileSync(specPath))}`)}.json`);

/** Files under dir as {relative path: sha256}, hidden files left out. */
export function hashTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of walk(dir, (n) => !n.startsWith('.'))) out[relative(dir, f).split('\\').join('/')] = sha(readFileSync(f));
  return out;
}

/** Records what the generators produced from this spec with this code. Best effort. */
export function rememberGenerated(specPath: string, files: { path: string; content: string }[]): void {
  try {
    const value = Object.fromEntries(files.map((f) => [f.path, sha(f.content)]));
    const path = memoPath(specPath);
    mkdirSync(memoDir(), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(value));
    renameSync(tmp, path);
  } catch {
    // a cache that cannot be written only costs time
  }
}

/** True when the memo for this spec and code matches the output directory exactly. */
export function generatedIsCurrent(specPath: string, outDir: string): boolean {
  try {
    const path = memoPath(specPath);
    if (!existsSync(path)) return false;
    const expected = JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
    const actual = hashTree(outDir);
    const keys = Object.keys(expected);
    return keys.length === Object.keys(actual).length && keys.every((k) => actual[k] === expected[k]);
  } catch {
    return false;
  }
}
