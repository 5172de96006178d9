// Runs sys_rseq cases against the live kernel with test/support/syscall-probe.c. The probe is
// compiled with the system cc into ~/.cache/rseq-abi/probe/, keyed by the source and the
// compiler, and reads one case per line (see the comment at the top of the C file).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Errno = 0 | 'EINVAL' | 'EPERM' | 'EBUSY' | 'EFAULT' | 'ENOSYS';

export interface Case {
  op: 'register' | 'unregister';
  len: number;
  align: number;
  flags: number;
  sig: 'default' | 'other';
  addr: 'valid' | 'null' | 'unmapped' | 'kernel';
  registered: null | { ptr: 'same' | 'other'; len: number; sig: 'default' | 'other' };
}

/** What the live kernel did: the call's errno ('?' when unreadable) and the signal that killed the child. */
export interface LiveOutcome {
  errno: Errno | string;
  signal?: string;
}

const source = fileURLToPath(new URL('./syscall-probe.c', import.meta.url));

/** Compiles the probe unless a build of this source by this compiler is cached; returns its path. */
export function buildProbe(cc = 'cc'): string {
  const code = readFileSync(source);
  const version = execFileSync(cc, ['--version'], { encoding: 'utf8' });
  const key = createHash('sha256').update(code).update('\0').update(version).digest('hex').slice(0, 16);
  const dir = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'rseq-abi', 'probe');
  const exe = join(dir, `syscall-probe-${key}`);
  if (existsSync(exe)) return exe;
  mkdirSync(dir, { recursive: true });
  const tmp = `${exe}.${process.pid}.tmp`;
  execFileSync(cc, ['-std=gnu11', '-O2', '-Wall', '-Wextra', '-Werror', '-o', tmp, source], { stdio: ['ignore', 'pipe', 'pipe'] });
  renameSync(tmp, exe); // atomic: concurrent test workers never run a half-written binary
  return exe;
}

/** One input line of the probe for a case. */
export function caseLine(c: Case): string {
  const r = c.registered;
  return [c.op, c.len, c.align, c.flags | 0, c.sig, c.addr, r?.ptr ?? '-', r?.len ?? 0, r?.sig ?? '-'].join(' ');
}

/** Parses one result line: "EINVAL", "0 SIGSEGV"; a SETUP line is an error naming the case. */
export function parseResult(line: string, c: Case): LiveOutcome {
  const [errno, signal, ...rest] = line.trim().split(/\s+/);
  if (errno === 'SETUP' || !errno || rest.length) {
    throw new Error(`probe could not run case ${JSON.stringify(c)}: ${line.trim() || '(no output)'}`);
  }
  const out: LiveOutcome = { errno: errno === '0' ? 0 : errno };
  if (signal) out.signal = signal;
  return out;
}

/** Runs the cases against the live kernel, each in a fresh child, and returns their outcomes in order. */
export function probe(exe: string, cases: Case[], timeoutMs = 60_000): LiveOutcome[] {
  const stdout = execFileSync(exe, [], {
    input: cases.map(caseLine).join('\n') + '\n',
    encoding: 'utf8',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    maxBuffer: 16 << 20,
  });
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  if (lines.length !== cases.length) {
    throw new Error(`probe printed ${lines.length} results for ${cases.length} cases`);
  }
  return lines.map((l, i) => parseResult(l, cases[i]));
}

/** Why rseq cannot be probed here (no rseq system call), or undefined when it can. */
export function rseqUnavailable(exe: string): string | undefined {
  const [out] = probe(exe, [{ op: 'register', len: 0, align: 32, flags: 0, sig: 'default', addr: 'null', registered: null }]);
  return out.errno === 'ENOSYS' ? 'this kernel has no rseq system call (rseq(NULL, 0, 0, sig) gives ENOSYS)' : undefined;
}
