// A rootless initramfs for the VM runs: a newc cpio written here (no cpio binary, no root), and the
// static /init that runs the helper inside the guest.
//
// /init (initSource below) mounts proc, sysfs and devtmpfs, forks the payload /rseq-abi-helper with
// its stdout on a pipe, and prints on the console, each record after a newline:
//     RSEQ-ABI-VM: init <uname -r>
//     RSEQ-ABI-VM: helper-exit status=<wait status> bytes=<n>
//     RSEQ-ABI-VM: btf bytes=<n> | btf error=<errno>
//     RSEQ-ABI-VM: disk ok | disk error=<errno>
//     RSEQ-ABI-VM: helper-begin                         (only without the disk:
//     <the helper's JSON document>                        the console is slow
//     RSEQ-ABI-VM: helper-end status=<s> bytes=<n>        under TCG)
//     RSEQ-ABI-VM: done
// then powers off (reboot(RB_POWER_OFF)). The data disk (an NVMe drive: built into every Debian
// cloud kernel, unlike virtio-blk) gets, in this layout:
//     offset 0       "RSEQVM1 helper <n> btf <n> status <s>\n" (written last)
//     offset 4 KiB   the helper's JSON (up to 1 MiB - 4 KiB)
//     offset 1 MiB   /sys/kernel/btf/vmlinux of the guest
// The disk is the fast and clean channel (kernel messages can interleave with the console, and
// 200 KB of JSON through an emulated UART costs seconds); the console markers tell progress and
// failures.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One entry of the archive. */
export type CpioEntry =
  | { type: 'dir'; path: string; mode?: number }
  | { type: 'file'; path: string; data: Uint8Array; mode?: number }
  | { type: 'char'; path: string; major: number; minor: number; mode?: number };

const S_IFDIR = 0o040000, S_IFREG = 0o100000, S_IFCHR = 0o020000;

/** A newc ("070701") cpio archive of the entries, in order, with the trailer. Deterministic (mtime 0). */
export function newcCpio(entries: CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let size = 0;
  const push = (b: Buffer) => { parts.push(b); size += b.length; };
  const pad = () => { const n = (4 - (size % 4)) % 4; if (n) push(Buffer.alloc(n)); };
  const hex = (n: number) => (n >>> 0).toString(16).padStart(8, '0');
  let ino = 1;
  const header = (name: string, mode: number, data: Uint8Array, rdev: [number, number] = [0, 0], nlink = 1) => {
    const nameBytes = Buffer.from(`${name}\0`, 'utf8');
    push(Buffer.from(`070701${[ino++, mode, 0, 0, nlink, 0, data.length, 0, 0, rdev[0], rdev[1], nameBytes.length, 0].map(hex).join('')}`, 'ascii'));
    push(nameBytes);
    pad();
    if (data.length) push(Buffer.from(data.buffer, data.byteOffset, data.length));
    pad();
  };
  for (const e of entries) {
    const path = e.path.replace(/^\/+/, '');
    if (!path || path.split('/').some((p) => p === '..' || p === '')) throw new Error(`cpio: bad path ${e.path}`);
    if (e.type === 'dir') header(path, S_IFDIR | (e.mode ?? 0o755), new Uint8Array(0), [0, 0], 2);
    else if (e.type === 'file') header(path, S_IFREG | (e.mode ?? 0o644), e.data);
    else header(path, S_IFCHR | (e.mode ?? 0o600), new Uint8Array(0), [e.major, e.minor]);
  }
  ino = 0;
  header('TRAILER!!!', 0, new Uint8Array(0), [0, 0], 1);
  return Buffer.concat(parts, size);
}

/** The initramfs of a VM run: /init, the payload, dev, proc, sys and /dev/console (5, 1). */
export function vmInitramfs(init: Uint8Array, helper: Uint8Array): Buffer {
  return newcCpio([
    { type: 'dir', path: 'dev' },
    { type: 'char', path: 'dev/console', major: 5, minor: 1 },
    { type: 'dir', path: 'proc' },
    { type: 'dir', path: 'sys' },
    { type: 'file', path: 'init', data: init, mode: 0o755 },
    { type: 'file', path: 'rseq-abi-helper', data: helper, mode: 0o755 },
  ]);
}

export const MARK = 'RSEQ-ABI-VM:';
export const DISK_MAGIC = 'RSEQVM1';
export const DISK_HELPER_OFFSET = 4096;
export const DISK_BTF_OFFSET = 1 << 20;
/** the data disk's size: room for a BTF blob of up to 31 MiB */
export const DISK_SIZE = 32 << 20;

/** The C source of /init. */
export const initSource = String.raw`/* rseq-abi VM /init: runs /rseq-abi-helper and reports on the console and the data disk. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#define MARK "${MARK}"
#define HELPER_OFF ${DISK_HELPER_OFFSET}L
#define BTF_OFF ${DISK_BTF_OFFSET}L
#define DISK_SIZE ${DISK_SIZE}L

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#include <stdarg.h>
static void say(const char *fmt, ...)
{
	char b[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(b + 1, sizeof b - 2, fmt, ap);
	va_end(ap);
	if (n < 0) return;
	if (n > (int)sizeof b - 3) n = sizeof b - 3;
	b[0] = '\n';
	b[n + 1] = '\n';
	(void)!write(1, b, (size_t)n + 2);
}

static void put_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) { if (errno == EINTR) continue; return; }
		p += w; n -= (size_t)w;
	}
}

static int pwrite_all(int fd, const char *p, size_t n, off_t off)
{
	while (n) {
		ssize_t w = pwrite(fd, p, n, off);
		if (w < 0) { if (errno == EINTR) continue; return -1; }
		p += w; n -= (size_t)w; off += w;
	}
	return 0;
}

static char *slurp_fd(int fd, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap);
	for (;;) {
		if (n == cap && !(b = realloc(b, cap *= 2))) break;
		ssize_t r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR) continue;
		if (r <= 0) break;
		n += (size_t)r;
	}
	*len = n;
	return b;
}

static void off(void)
{
	say(MARK " done");
	sync();
	reboot(RB_POWER_OFF);
	for (;;) pause();
}

int main(void)
{
	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	struct utsname u;
	uname(&u);
	say(MARK " init %s %s", u.release, u.machine);

	int p[2];
	if (pipe(p) != 0) { say(MARK " error pipe %d", errno); off(); }
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]); close(p[1]);
		char *argv[] = { "/rseq-abi-helper", NULL };
		char *envp[] = { "PATH=/", "HOME=/", NULL };
		execve(argv[0], argv, envp);
		_exit(127);
	}
	close(p[1]);
	size_t hn = 0;
	char *h = slurp_fd(p[0], &hn);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
	say(MARK " helper-exit status=%d bytes=%zu", st, hn);

	/* the data disk appears once the NVMe driver has probed it (asynchronously) */
	int disk = -1;
	for (int i = 0; i < 400 && disk < 0; i++) {
		disk = open("/dev/nvme0n1", O_RDWR);
		if (disk < 0) { struct timespec t = { 0, 10 * 1000 * 1000 }; nanosleep(&t, NULL); }
	}
	size_t bn = 0;
	char *btf = NULL;
	int bfd = open("/sys/kernel/btf/vmlinux", O_RDONLY);
	if (bfd >= 0) { btf = slurp_fd(bfd, &bn); close(bfd); say(MARK " btf bytes=%zu", bn); }
	else say(MARK " btf error=%d", errno);
	int ok = 0;
	if (disk < 0) {
		say(MARK " disk error=%d", errno);
	} else {
		if (hn > BTF_OFF - HELPER_OFF) hn = 0;
		if (bn > DISK_SIZE - BTF_OFF) bn = 0;
		char hdr[512];
		memset(hdr, 0, sizeof hdr);
		snprintf(hdr, sizeof hdr, "RSEQVM1 helper %zu btf %zu status %d\n", hn, bn, st);
		if (pwrite_all(disk, h, hn, HELPER_OFF) || (bn && pwrite_all(disk, btf, bn, BTF_OFF))
		    || pwrite_all(disk, hdr, sizeof hdr, 0) || fsync(disk))
			say(MARK " disk error=%d", errno);
		else
			ok = 1, say(MARK " disk ok");
		close(disk);
	}
	/* without the disk, the console carries the JSON (slow under TCG: every byte is a trap) */
	if (!ok) {
		say(MARK " helper-begin");
		put_all(1, h, hn);
		say(MARK " helper-end status=%d bytes=%zu", st, hn);
	}
	off();
	return 0;
}
`;

function run(cmd: string, args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((done) => execFile(cmd, args, { encoding: 'utf8' }, (err, _o, stderr) => {
    done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stderr: err && typeof err.code === 'string' ? `${cmd}: not found` : stderr });
  }));
}

/** The static C compiler of a VM arch. */
export const staticCompiler = (arch: string) => (arch === 'aarch64' ? 'aarch64-linux-gnu-gcc' : 'cc');
export const compilerPackages = (arch: string) => (arch === 'aarch64' ? 'gcc-aarch64-linux-gnu libc6-dev-arm64-cross' : 'gcc libc6-dev');

export class BuildError extends Error {
  constructor(message: string) { super(message); this.name = 'BuildError'; }
}

/**
 * Compiles C source statically for arch into dir (cached by a hash of the source, compiler and
 * flags); returns the binary's path.
 */
export async function buildStatic(arch: string, source: string, name: string, dir: string, flags: string[] = []): Promise<string> {
  const cc = staticCompiler(arch);
  const key = createHash('sha256').update(JSON.stringify([cc, flags, source])).digest('hex').slice(0, 16);
  const out = join(dir, `${name}-${arch}-${key}`);
  if (existsSync(out)) return out;
  mkdirSync(dir, { recursive: true });
  const src = join(dir, `.${name}-${arch}-${key}.${process.pid}.c`);
  writeFileSync(src, source);
  const tmp = `${out}.${process.pid}`;
  try {
    const r = await run(cc, ['-static', '-O2', '-std=gnu11', '-o', tmp, src, ...flags]);
    if (r.code !== 0) throw new BuildError(`${cc} -static ${name} for ${arch} failed (Debian packages ${compilerPackages(arch)}):\n${r.stderr.trim().split('\n').slice(0, 12).join('\n')}`);
    renameSync(tmp, out);
    return out;
  } finally {
    rmSync(src, { force: true });
    rmSync(tmp, { force: true });
  }
}
