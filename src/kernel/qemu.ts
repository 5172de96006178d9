// Boots one kernel under qemu TCG (never KVM: the emulated KVM here fails on real kernels and then
// hangs) with a hard timeout, collects the serial console and the data disk /init writes
// (src/kernel/initramfs.ts), and parses the markers. qemu exits 0 on a panic too, so success is
// judged by the markers only. A pool runs several boots at once.
import { spawn } from 'node:child_process';
import { closeSync, ftruncateSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DISK_BTF_OFFSET, DISK_HELPER_OFFSET, DISK_MAGIC, DISK_SIZE, MARK } from './initramfs.js';

export interface QemuArch {
  binary: string;
  /** Debian package of the binary */
  package: string;
  console: string;
  machine: string[];
  /** kernel parameters that shorten a TCG boot on this arch */
  fast: string;
}

export const qemuArches: Record<string, QemuArch> = {
  x86_64: { binary: 'qemu-system-x86_64', package: 'qemu-system-x86', console: 'ttyS0', machine: ['-M', 'q35', '-cpu', 'max'], fast: 'tsc=reliable no_timer_check' },
  aarch64: { binary: 'qemu-system-aarch64', package: 'qemu-system-arm', console: 'ttyAMA0', machine: ['-M', 'virt', '-cpu', 'max,pauth-impdef=on'], fast: '' },
};

/**
 * Kernel parameters for every boot: no crypto self-tests, no mitigation patching, a fixed delay
 * loop and no audit cut a TCG boot by about a quarter and change nothing rseq does.
 */
export const FAST_BOOT = 'cryptomgr.notests mitigations=off lpj=4000000 nokaslr audit=0';

export interface BootOptions {
  arch: string;
  kernel: string;
  initrd: string;
  /** hard limit for the whole boot; default 60 s */
  timeoutMs?: number;
  memory?: string;
  /** vCPUs; default 1: half the CPU time of 2 under TCG, and the syscall's answers do not depend on it */
  smp?: number;
  /** extra kernel command line */
  append?: string;
}

/** 'build': not booted, the payload did not build (set by the caller) */
export type BootFailure = 'panic' | 'timeout' | 'no-init' | 'no-helper' | 'qemu' | 'build';

export interface BootResult {
  ok: boolean;
  failure?: BootFailure;
  /** one line for the user */
  message?: string;
  console: string;
  /** the last lines of the console, for a failure */
  tail: string;
  /** uname -r the guest reported */
  release?: string;
  /** the helper's stdout (its JSON document), from the data disk or else the console */
  helperOutput?: string;
  helperStatus?: number;
  /** the guest's /sys/kernel/btf/vmlinux */
  btf?: Buffer;
  btfError?: string;
  /** the command line that ran */
  command: string[];
  wallMs: number;
  /** when /init printed its first marker, ms after qemu started */
  initMs?: number;
}

export function qemuCommand(o: BootOptions, disk: string): string[] {
  const q = qemuArches[o.arch];
  if (!q) throw new Error(`no qemu for ${o.arch}`);
  return [
    q.binary, ...q.machine, '-accel', 'tcg', '-m', o.memory ?? '256M', '-smp', String(o.smp ?? 1),
    '-nodefaults', '-no-user-config', '-display', 'none', '-serial', 'stdio', '-no-reboot',
    '-kernel', o.kernel, '-initrd', o.initrd,
    '-append', `console=${q.console} panic=-1 quiet ${FAST_BOOT} ${q.fast} ${o.append ?? ''}`.replace(/\s+/g, ' ').trim(),
    '-drive', `file=${disk},format=raw,if=none,id=data`, '-device', 'nvme,drive=data,serial=rseqabi',
  ];
}

const tailOf = (s: string, lines = 25) => s.replace(/\r/g, '').split('\n').filter((l) => l.trim()).slice(-lines).join('\n');

/** The marker records of a console. */
export function parseConsole(text: string): { records: { name: string; rest: string; index: number; end: number }[] } {
  const records: { name: string; rest: string; index: number; end: number }[] = [];
  const re = new RegExp(`${MARK} (\\S+)([^\\n]*)\\n`, 'g');
  for (let m = re.exec(text); m; m = re.exec(text)) records.push({ name: m[1], rest: m[2].trim(), index: m.index, end: m.index + m[0].length });
  return { records };
}

/** Reads what /init wrote on the data disk. */
export function readDisk(buf: Buffer): { helper?: string; btf?: Buffer; status?: number } | undefined {
  const head = buf.subarray(0, 512).toString('latin1');
  const m = new RegExp(`^${DISK_MAGIC} helper (\\d+) btf (\\d+) status (-?\\d+)\\n`).exec(head);
  if (!m) return undefined;
  const hn = Number(m[1]), bn = Number(m[2]);
  return {
    helper: hn ? buf.subarray(DISK_HELPER_OFFSET, DISK_HELPER_OFFSET + hn).toString('utf8') : undefined,
    btf: bn ? Buffer.from(buf.subarray(DISK_BTF_OFFSET, DISK_BTF_OFFSET + bn)) : undefined,
    status: Number(m[3]),
  };
}

/** A wait(2) status in words. */
export function waitStatus(st: number | undefined): string {
  if (st === undefined || Number.isNaN(st)) return 'no wait status';
  const sig = st & 0x7f;
  if (sig === 0) return `it exited with ${(st >> 8) & 0xff}`;
  if (sig !== 0x7f) return `it was killed by signal ${sig}${sig === 11 ? ' (SIGSEGV)' : sig === 9 ? ' (SIGKILL)' : sig === 6 ? ' (SIGABRT)' : ''}`;
  return `wait status ${st}`;
}

/** Boots once; never throws for a guest's failure (a missing qemu binary throws ENOENT). */
export async function boot(o: BootOptions): Promise<BootResult> {
  const work = mkdtempSync(join(tmpdir(), 'rseq-abi-vm-'));
  const disk = join(work, 'data.img');
  const fd = openSync(disk, 'w');
  ftruncateSync(fd, DISK_SIZE);
  closeSync(fd);
  const command = qemuCommand(o, disk);
  const timeoutMs = o.timeoutMs ?? 60_000;
  const t0 = Date.now();
  let initMs: number | undefined;
  try {
    const { out, code, timedOut, spawnError } = await new Promise<{ out: string; code: number | null; timedOut: boolean; spawnError?: Error }>((done) => {
      const child = spawn(command[0], command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
      const chunks: Buffer[] = [];
      let timedOut = false;
      const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
      let recent = '';
      child.stdout.on('data', (d: Buffer) => {
        chunks.push(d);
        if (initMs !== undefined) return;
        recent = (recent + d.toString('latin1')).slice(-256); // a marker split across reads
        if (recent.includes(`${MARK} init`)) initMs = Date.now() - t0;
      });
      child.stderr.on('data', (d: Buffer) => chunks.push(d));
      child.on('error', (e) => { clearTimeout(timer); done({ out: Buffer.concat(chunks).toString('utf8'), code: null, timedOut, spawnError: e }); });
      child.on('close', (c) => { clearTimeout(timer); done({ out: Buffer.concat(chunks).toString('utf8'), code: c, timedOut }); });
    });
    if (spawnError) throw spawnError;
    const wallMs = Date.now() - t0;
    const text = out.replace(/\r/g, '');
    const { records } = parseConsole(text);
    const rec = (name: string) => records.find((r) => r.name === name);
    const base: BootResult = { ok: false, console: text, tail: tailOf(text), command, wallMs, initMs };
    const init = rec('init');
    if (init) base.release = init.rest.split(/\s+/)[0];
    // the helper's output: the disk when /init got that far, else the console between the markers
    const d = readDisk(readFileSync(disk));
    const begin = rec('helper-begin'), end = rec('helper-end');
    if (d?.helper?.trim()) base.helperOutput = d.helper;
    else if (begin && end && text.slice(begin.end, end.index).trim()) base.helperOutput = text.slice(begin.end, end.index);
    const exit = end ?? rec('helper-exit');
    if (exit) base.helperStatus = Number(/status=(-?\d+)/.exec(exit.rest)?.[1]);
    else if (d) base.helperStatus = d.status;
    if (d?.btf) base.btf = d.btf;
    else base.btfError = rec('btf')?.rest.startsWith('error') ? `the guest cannot read /sys/kernel/btf/vmlinux (${rec('btf')!.rest})` : rec('disk') ? `the data disk: ${rec('disk')!.rest}` : 'no BTF came back';
    const panic = /Kernel panic - not syncing[^\n]*/.exec(text);
    if (panic) return { ...base, failure: 'panic', message: panic[0] };
    if (timedOut) return { ...base, failure: 'timeout', message: `no power-off within ${Math.round(timeoutMs / 1000)} s${init ? '' : ' (/init never started)'}` };
    if (!init) return { ...base, failure: code === 0 ? 'no-init' : 'qemu', message: code === 0 ? '/init never reported' : `qemu exited with ${code}` };
    if (!base.helperOutput) return { ...base, failure: 'no-helper', message: `the helper printed nothing: ${waitStatus(base.helperStatus)}` };
    return { ...base, ok: true };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Runs tasks with at most `jobs` at a time, keeping their order in the result. */
export async function pool<T, R>(items: T[], jobs: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await work(items[i], i);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, items.length)) }, worker));
  return out;
}
