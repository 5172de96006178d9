// Real kernels under qemu TCG: every cached Debian cloud kernel (rseq-abi kernels fetch) boots with
// the static helper as /init's payload, and its answers must equal the spec's predictions. A spec
// with a wrong 7.0 alignment rule must fail on the 7.x kernels only, naming the cases.
// Without qemu, the aarch64 cross compiler or the kernels (and no mirror to fetch them) the VM tests
// skip with the reason; in CI they fail instead. The cpio writer and the console/disk parsers are
// tested without qemu.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { helperSources } from '../../src/cli/helper-sources.js';
import { DebianError } from '../../src/kernel/debian.js';
import { DISK_BTF_OFFSET, DISK_HELPER_OFFSET, DISK_SIZE, newcCpio, vmInitramfs } from '../../src/kernel/initramfs.js';
import { fetchKernels, listKernels, upstreamVersion, vmArches, type CachedKernel } from '../../src/kernel/kernels.js';
import { packagePath } from '../../src/paths.js';
import { boot, parseConsole, pool, readDisk, waitStatus } from '../../src/kernel/qemu.js';
import { defaultSpecPath, loadModel } from '../../src/model/index.js';
import { judge, prepareInitramfs, verifyVm, type VmKernelResult, type VmReport } from '../../src/verify/vm.js';
import { imagePath } from '../../src/kernel/kernels.js';
import { inCI, itNeeds, needTool, which } from '../support/tools.js';

const cli = (args: string[], env: Record<string, string> = {}, wrap: string[] = []) => {
  const argv = [...wrap, process.execPath, packagePath('dist', 'src', 'cli', 'main.js'), ...args];
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

/** Reads a newc archive back: name, mode, rdev, data of each entry. */
function readCpio(buf: Buffer) {
  const out: { name: string; mode: number; rdev: [number, number]; data: Buffer }[] = [];
  let at = 0;
  const up4 = (n: number) => (n + 3) & ~3;
  for (;;) {
    expect(buf.subarray(at, at + 6).toString()).toBe('070701');
    const f = (i: number) => parseInt(buf.subarray(at + 6 + i * 8, at + 14 + i * 8).toString(), 16);
    const [mode, size, rmaj, rmin, nsize] = [f(1), f(6), f(9), f(10), f(11)];
    const name = buf.subarray(at + 110, at + 110 + nsize - 1).toString();
    const dataAt = up4(at + 110 + nsize);
    if (name === 'TRAILER!!!') return out;
    out.push({ name, mode, rdev: [rmaj, rmin], data: buf.subarray(dataAt, dataAt + size) });
    at = up4(dataAt + size);
  }
}

describe('the initramfs and the guest channels', () => {
  it('writes a newc archive with /init, the helper, dev, proc, sys and /dev/console (5, 1)', () => {
    const cpio = vmInitramfs(Buffer.from('INIT'), Buffer.from('HELPER!'));
    expect(cpio.length % 4).toBe(0);
    const entries = readCpio(cpio);
    expect(entries.map((e) => [e.name, (e.mode & 0o170000).toString(8), e.rdev, e.data.toString()])).toEqual([
      ['dev', '40000', [0, 0], ''],
      ['dev/console', '20000', [5, 1], ''],
      ['proc', '40000', [0, 0], ''],
      ['sys', '40000', [0, 0], ''],
      ['init', '100000', [0, 0], 'INIT'],
      ['rseq-abi-helper', '100000', [0, 0], 'HELPER!'],
    ]);
    expect(entries.find((e) => e.name === 'init')!.mode & 0o777).toBe(0o755);
    expect(vmInitramfs(Buffer.from('INIT'), Buffer.from('HELPER!')).equals(cpio)).toBe(true);
    expect(() => newcCpio([{ type: 'dir', path: '../x' }])).toThrow(/bad path/);
  });

  it('parses markers glued to escape sequences, and the data disk', () => {
    const console = '\x1b[2J\x1b[01;01H\nRSEQ-ABI-VM: init 7.3.4+deb13-cloud-amd64 x86_64\n[ 1.0] noise\nRSEQ-ABI-VM: helper-exit status=0 bytes=2\n';
    expect(parseConsole(console).records.map((r) => [r.name, r.rest])).toEqual([
      ['init', '7.3.4+deb13-cloud-amd64 x86_64'], ['helper-exit', 'status=0 bytes=2'],
    ]);
    const disk = Buffer.alloc(DISK_SIZE);
    disk.write('RSEQVM1 helper 2 btf 3 status 139\n', 0, 'latin1');
    disk.write('{}', DISK_HELPER_OFFSET);
    disk.write('BTF', DISK_BTF_OFFSET);
    expect(readDisk(disk)).toEqual({ helper: '{}', btf: Buffer.from('BTF'), status: 139 });
    expect(readDisk(Buffer.alloc(4096))).toBeUndefined();
    expect([waitStatus(0), waitStatus(11), waitStatus(3 << 8)]).toEqual(['it exited with 0', 'it was killed by signal 11 (SIGSEGV)', 'it exited with 3']);
  });
});

describe('kernels and verify vm without kernels', () => {
  const empty = () => mkdtempSync(join(tmpdir(), 'rseq-abi-cache-'));
  it('upstream versions of Debian kernel packages', () => {
    expect(['5.10.223-1', '6.12.117-1', '7.3.4-1~bpo13+1', '7.2.13+really7.2.12-1'].map(upstreamVersion)).toEqual(['5.10.223', '6.12.117', '7.3.4', '7.2.13']);
  });
  it('kernels list on an empty cache, verify vm without kernels: exit 3 with the way out', () => {
    const env = { XDG_CACHE_HOME: empty() };
    const l = cli(['kernels', 'list'], env);
    expect([l.code, l.out]).toEqual([0, 'no kernels cached (rseq-abi kernels fetch)\n']);
    const v = cli(['verify', 'vm'], env);
    expect([v.code, v.err]).toEqual([3, 'rseq-abi: no kernels cached for x86_64, aarch64: run rseq-abi kernels fetch\n']);
    expect(cli(['verify', 'vm', '--arch', 'sparc'], env).code).toBe(2);
  });
  // no network namespace without root: then this runs where the mirror is unreachable anyway
  const unshare = process.getuid?.() === 0 && which('unshare') ? ['unshare', '-n'] : undefined;
  itNeeds(unshare ? undefined : 'unshare -n needs root', 'kernels fetch offline: a clear message and exit 3', () => {
    const r = cli(['kernels', 'fetch', '--arch', 'x86_64'], { XDG_CACHE_HOME: empty() }, unshare);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/rseq-abi: cannot reach the Debian mirror .*\nkernels fetch needs Debian's package mirror; kernels already cached: 0/);
  }, 120_000);
});

// ---- real kernels ----
const tools = needTool('qemu-system-x86_64', 'qemu-system-x86') ?? needTool('qemu-system-aarch64', 'qemu-system-arm')
  ?? needTool('cc', 'gcc') ?? needTool('aarch64-linux-gnu-gcc', 'gcc-aarch64-linux-gnu');
const wanted = vmArches.flatMap((a) => a.suites.map((s) => `${a.name} ${s}`));
const have = (ks: CachedKernel[]) => new Set(ks.map((k) => `${k.arch} ${k.suite}`));
let kernels: CachedKernel[] = listKernels();
let reason: string | undefined = tools;
if (!reason && wanted.some((w) => !have(kernels).has(w))) {
  try {
    await fetchKernels(vmArches);
    kernels = listKernels();
  } catch (e) {
    if (!(e instanceof DebianError)) throw e;
    if (!inCI) reason = `kernels are not cached and cannot be fetched: ${e.message.split('\n')[0]}`;
    else throw e;
  }
}
// the current kernel of each suite (an older one may stay in the cache)
const current = new Map<string, CachedKernel>();
for (const k of kernels) {
  const key = `${k.arch} ${k.suite}`;
  const old = current.get(key);
  if (!old || old.fetchedAt < k.fetchedAt) current.set(key, k);
}
const matrix = [...current.values()];
if (!reason && wanted.some((w) => !have(matrix).has(w))) reason = `kernels missing from the cache: ${wanted.filter((w) => !have(matrix).has(w)).join(', ')}`;

const problems = (k: VmKernelResult, tail = true) => [
  ...(k.boot.ok ? [] : [`boot ${k.boot.failure}: ${k.boot.message}${tail ? `\n${k.boot.tail}` : ''}`]),
  ...k.errors,
  ...k.mismatched.cases.map((c) => `case ${c.id}: predicted ${c.predicted}, kernel ${c.kernel}`),
  ...k.mismatched.checks.map((c) => `check ${c.name}: expected ${c.expected}, observed ${c.observed}`),
  ...k.mismatched.btf.map((c) => `btf struct ${c.struct} ${c.name}: model ${c.expected}, BTF ${c.observed}`),
];
const label = (k: VmKernelResult) => `${k.arch} ${k.version} (${k.suite})`;

describe('verify vm on real kernels', () => {
  let shipped: VmReport;
  const run = async (specPath: string) => {
    const model = loadModel(specPath);
    return verifyVm(model, { kernels: matrix, jobs: 2, sources: await helperSources(model, specPath) });
  };
  beforeAll(async () => {
    if (!reason) shipped = await run(defaultSpecPath);
  }, 300_000);

  itNeeds(reason, `passes on every kernel (${matrix.length}: ${matrix.map((k) => `${k.arch} ${k.version}`).join(', ')})`, () => {
    expect(shipped.kernels.map(label)).toEqual(matrix.map((k) => `${k.arch} ${k.version} (${k.suite})`));
    expect(Object.fromEntries(shipped.kernels.map((k) => [label(k), problems(k)]))).toEqual(Object.fromEntries(shipped.kernels.map((k) => [label(k), []])));
  });

  itNeeds(reason, 'a kernel that panics or hangs is reported with the tail of its console, and the others go on', async () => {
    const model = loadModel();
    const k = matrix.filter((x) => x.arch === 'x86_64').at(-1)!; // the newest
    const initrd = await prepareInitramfs('x86_64', await helperSources(model, defaultSpecPath));
    const [panic, hang, fine] = await pool([
      { append: 'rdinit=/no-such-init' }, { timeoutMs: 1500 }, {},
    ], 3, (o) => boot({ arch: 'x86_64', kernel: imagePath(k), initrd, ...o }));
    expect([panic.ok, panic.failure, panic.message]).toEqual([false, 'panic', expect.stringMatching(/^Kernel panic - not syncing/)]);
    expect(panic.tail).toMatch(/Kernel panic/);
    expect([hang.ok, hang.failure, hang.message]).toEqual([false, 'timeout', expect.stringMatching(/no power-off within 2 s/)]);
    expect([fine.ok, fine.failure, fine.message]).toEqual([true, undefined, undefined]);
    const row = judge(model, k, panic);
    expect([row.cells.boot, row.boot.tail]).toEqual(['error', panic.tail]);
  }, 120_000);

  itNeeds(reason, 'a spec with a wrong 7.0 alignment rule fails on the 7.x kernels only, naming the cases', async () => {
    const text = readFileSync(defaultSpecPath, 'utf8');
    const right = '{len: {min: 33}, align: 64}';
    expect(text.split(right).length - 1).toBe(2); // the ranges 7.0 and 7.0.10
    const path = join(mkdtempSync(join(tmpdir(), 'rseq-abi-vm-test-')), 'rseq.yaml');
    writeFileSync(path, text.replaceAll(right, '{len: {min: 33}, align: 32}'));
    const wrong = await run(path);
    // what the wrong rule adds to each kernel's findings
    const added = Object.fromEntries(wrong.kernels.map((k, i) => {
      const before = new Set(problems(shipped.kernels[i], false));
      return [label(k), problems(k, false).filter((p) => !before.has(p))];
    }));
    const seven = wrong.kernels.filter((k) => k.version.startsWith('7.'));
    expect(seven.length).toBeGreaterThan(0);
    for (const k of wrong.kernels) {
      if (!k.version.startsWith('7.')) expect(added[label(k)], label(k)).toEqual([]);
      else {
        expect(added[label(k)].length, label(k)).toBeGreaterThan(0);
        // every new finding is a registration of 33 bytes or more at 32-byte alignment the kernel refuses
        for (const p of added[label(k)]) expect(p).toMatch(/^case #\d+ register len=(3[3-9]|[4-9]\d|\d{3,}) align=32\b.*: predicted 0 .*, kernel EINVAL$/);
        expect(added[label(k)].some((p) => p.includes('register len=33 align=32:'))).toBe(true);
      }
    }
  }, 300_000);
});
