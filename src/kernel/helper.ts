// Builds and runs the generated native helper (generated/helper/rseq-abi-helper.c). The build is
// cached under ~/.cache/rseq-abi/helper/ (XDG_CACHE_HOME honoured), keyed by the source, the
// header, `cc --version` and the flags; a build is renamed into place, so concurrent runs never
// see half a binary. The run is a child process with a timeout; its JSON is validated with zod.
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { cacheRoot } from '../paths.js';
import { join } from 'node:path';
import { z } from 'zod';

export const HELPER_SCHEMA = 'rseq-abi/helper@1';

export class HelperError extends Error {
  constructor(message: string, readonly kind: 'no-compiler' | 'build' | 'timeout' | 'crash' | 'output') {
    super(message);
  }
}
/** No C compiler: the CLI maps it to exit 3 (environment). */
export class NoCompilerError extends HelperError {
  constructor(cc: string) {
    super(`no C compiler: \`${cc}\` not found (install gcc and libc6-dev, or set CC)`, 'no-compiler');
  }
}

export interface HelperSources {
  /** text of rseq-abi-helper.c */
  helper: string;
  /** text of the rseq-abi.h it includes as "../c/rseq-abi.h" */
  header: string;
}

export interface BuildOptions {
  cc?: string;
  static?: boolean;
  cacheDir?: string;
}

export const helperCacheDir = () => cacheRoot('helper');

const baseFlags = ['-std=gnu11', '-O2', '-Wall', '-Wextra'];

/** Compiles the helper unless this source was built by this compiler with these flags; returns the executable. */
export function buildHelper(src: HelperSources, options: BuildOptions = {}): string {
  const cc = options.cc ?? process.env.CC ?? 'cc';
  let version: string;
  try {
    version = execFileSync(cc, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NoCompilerError(cc);
    throw new HelperError(`\`${cc} --version\` failed: ${(err as Error).message}`, 'build');
  }
  const flags = [...baseFlags, ...(options.static ? ['-static', '-DRSEQ_ABI_HELPER_STATIC'] : [])];
  const libs = options.static ? [] : ['-ldl'];
  const key = createHash('sha256')
    .update(src.helper).update('\0').update(src.header).update('\0').update(version).update('\0').update([...flags, ...libs].join(' '))
    .digest('hex').slice(0, 16);
  const dir = options.cacheDir ?? helperCacheDir();
  const exe = join(dir, `rseq-abi-helper-${key}${options.static ? '-static' : ''}`);
  if (existsSync(exe)) return exe;
  mkdirSync(dir, { recursive: true });
  const work = mkdtempSync(join(dir, '.build-'));
  try {
    mkdirSync(join(work, 'helper'));
    mkdirSync(join(work, 'c'));
    writeFileSync(join(work, 'helper', 'rseq-abi-helper.c'), src.helper);
    writeFileSync(join(work, 'c', 'rseq-abi.h'), src.header);
    const out = join(work, 'rseq-abi-helper');
    try {
      execFileSync(cc, [...flags, '-o', out, join(work, 'helper', 'rseq-abi-helper.c'), ...libs], { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
      if (e.code === 'ENOENT') throw new NoCompilerError(cc);
      throw new HelperError(`building the helper with ${cc} failed:\n${e.stderr?.toString().trim() ?? e.message}`, 'build');
    }
    renameSync(out, exe); // atomic
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return exe;
}

const errnoName = z.union([z.literal(0), z.string()]);
const u = z.number().int().nonnegative();
const fields = z.record(z.string(), z.number());
const ptraceConf = z.object({
  errno: errnoName, pointerMatches: z.boolean().optional(), size: u.optional(), signature: u.optional(), flags: u.optional(),
});
const regShape = z.object({ ptr: z.enum(['same', 'other']), len: u, sig: z.enum(['default', 'other']) });

export const HelperCaseResult = z.object({
  id: z.string(),
  case: z.object({
    op: z.enum(['register', 'unregister']), len: u, align: u, flags: u, sig: z.enum(['default', 'other']),
    addr: z.enum(['valid', 'null', 'unmapped', 'kernel', 'readonly']), registered: regShape.nullable(),
  }),
  setup: z.enum(['none', 'registered', 'unregistered']),
  earlier: regShape.optional(),
  forked: z.boolean(),
  errno: errnoName.optional(),
  signal: z.string().nullable().optional(),
  setupError: z.object({ step: z.string(), errno: errnoName }).optional(),
});
export type HelperCaseResult = z.infer<typeof HelperCaseResult>;

export const HelperReport = z.object({
  schema: z.literal(HELPER_SCHEMA),
  helper: z.object({ arch: z.string(), header: z.string(), static: z.boolean(), cases: u }),
  uname: z.object({ release: z.string(), version: z.string().optional(), machine: z.string() }),
  glibc: z.object({
    version: z.string().nullable(),
    tunables: z.string().nullable(),
    symbols: z.boolean(),
    rseqOffset: z.number().int().nullable(),
    rseqSize: u.nullable(),
    rseqFlags: u.nullable(),
    registered: z.boolean(),
    area: z.object({ address: z.string(), schedGetcpu: z.number().int(), fields, hex: z.string() }).nullable(),
    ptrace: ptraceConf.nullable(),
  }).nullable(),
  nrCpus: z.object({ configured: z.number().int(), online: z.number().int() }),
  auxv: z.object({ featureSize: u.nullable(), align: u.nullable() }),
  probe: z.object({ errno: errnoName }),
  available: z.boolean(),
  own: z.object({
    len: u, align: u, alloc: u, sig: u, errno: errnoName,
    fields: fields.optional(),
    hex: z.string().optional(),
    cpus: z.array(z.object({
      cpu: u, cpu_id: u, cpu_id_start: u, node_id: u, mm_cid: u, schedGetcpu: z.number().int(),
      getcpu: z.object({ cpu: u, node: u }).nullable(),
    })).optional(),
    ptrace: ptraceConf.optional(),
    afterUnregister: z.object({ errno: errnoName, fields, hex: z.string() }).optional(),
  }).optional(),
  cases: z.array(HelperCaseResult).optional(),
  elapsedUs: z.number(),
});
export type HelperReport = z.infer<typeof HelperReport>;

export interface RunOptions {
  timeoutMs?: number;
  /** extra environment (the helper's test hooks) */
  env?: Record<string, string>;
}

/** Runs the helper and returns its validated report; a timeout, crash or bad output is a HelperError. */
export function runHelper(exe: string, options: RunOptions = {}): Promise<HelperReport> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  return new Promise((resolve, reject) => {
    execFile(exe, [], {
      env: { ...process.env, ...options.env }, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 << 20, encoding: 'utf8',
    }, (err, stdout, stderr) => {
      if (err) {
        const e = err as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null; code?: number | string };
        if (e.killed && e.signal === 'SIGKILL') return reject(new HelperError(`the helper did not finish within ${timeoutMs} ms and was killed`, 'timeout'));
        const how = e.signal ? `was killed by ${e.signal}` : `exited with ${e.code}`;
        return reject(new HelperError(`the helper ${how}${stderr.trim() ? `: ${stderr.trim()}` : ''}`, 'crash'));
      }
      let data: unknown;
      try {
        data = JSON.parse(stdout);
      } catch (e) {
        return reject(new HelperError(`the helper printed no JSON document: ${(e as Error).message}`, 'output'));
      }
      const parsed = HelperReport.safeParse(data);
      if (!parsed.success) {
        const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
        return reject(new HelperError(`the helper's JSON does not match ${HELPER_SCHEMA}: ${issues}`, 'output'));
      }
      resolve(parsed.data);
    });
  });
}
