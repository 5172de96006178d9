// Real Debian cloud kernels for qemu: one per suite and architecture, resolved at fetch time.
//
// For each suite the metapackage linux-image-cloud-<debarch> names the current kernel package
// linux-image-<abi>-cloud-<debarch>; from 7.x that package is itself a small metapackage and the
// kernel is in linux-binary-<abi>. The package is fetched through src/kernel/debian.ts (private apt
// configuration, SHA256 of the index checked), unpacked, and its kernel image copied to
// ~/.cache/rseq-abi/kernels/<arch>/<abi>/ beside a kernel.json that records what was fetched.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Debian, DebianError, defaultCacheDir } from './debian.js';

/** An architecture qemu can boot here, with its Debian names. */
export interface VmArch {
  /** the spec's name */
  name: 'x86_64' | 'aarch64';
  debian: string;
  /** the cloud flavour's suffix */
  flavour: string;
  suites: string[];
}

export const vmArches: VmArch[] = [
  { name: 'x86_64', debian: 'amd64', flavour: 'cloud-amd64', suites: ['bullseye', 'bookworm', 'trixie', 'sid', 'trixie-backports'] },
  { name: 'aarch64', debian: 'arm64', flavour: 'cloud-arm64', suites: ['bookworm', 'trixie', 'trixie-backports'] },
];

export const findVmArch = (name: string) => vmArches.find((a) => a.name === name || a.debian === name);

/** One cached kernel (kernel.json). */
export interface CachedKernel {
  schema: 'rseq-abi/kernel@1';
  arch: VmArch['name'];
  suite: string;
  /** upstream version, as the spec's generations are keyed: 6.12.117 */
  version: string;
  /** Debian package version: 6.12.117-1 */
  packageVersion: string;
  /** uname -r: 6.12.117+deb13-cloud-amd64 */
  release: string;
  package: string;
  sha256: string;
  /** file name of the image in the kernel's directory */
  image: string;
  fetchedAt: string;
  /** absolute directory; not stored */
  dir?: string;
}

export const kernelsDir = (cacheDir = defaultCacheDir()) => join(cacheDir, 'kernels');

/** The upstream version of a Debian kernel package version: 7.3.4-1~bpo13+1 -> 7.3.4. */
export function upstreamVersion(packageVersion: string): string {
  return packageVersion.replace(/^\d+:/, '').replace(/[-+~].*$/, '');
}

/** Every kernel in the cache, sorted by arch and version. */
export function listKernels(cacheDir = defaultCacheDir()): CachedKernel[] {
  const root = kernelsDir(cacheDir);
  const out: CachedKernel[] = [];
  if (!existsSync(root)) return out;
  for (const arch of readdirSync(root).sort()) {
    for (const rel of readdirSync(join(root, arch)).sort()) {
      const dir = join(root, arch, rel);
      try {
        const k = JSON.parse(readFileSync(join(dir, 'kernel.json'), 'utf8')) as CachedKernel;
        if (existsSync(join(dir, k.image))) out.push({ ...k, dir });
      } catch { /* not a complete kernel */ }
    }
  }
  const key = (v: string) => v.split('.').map((n) => n.padStart(6, '0')).join('.');
  return out.sort((a, b) => a.arch.localeCompare(b.arch) || key(a.version).localeCompare(key(b.version)) || a.suite.localeCompare(b.suite));
}

export const imagePath = (k: CachedKernel) => join(k.dir!, k.image);

export interface FetchOptions {
  cacheDir?: string;
  /** a step done: one line each */
  log?: (line: string) => void;
  /** resolve again even if the lists are young */
  maxAge?: number;
}

function aptCacheShow(conf: string, spec: string): Promise<string> {
  return new Promise((done, fail) => execFile('apt-cache', ['-c', conf, 'show', spec], { encoding: 'utf8', maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
    if (err) fail(new DebianError('not-found', `apt-cache show ${spec}: ${stderr.trim() || err.message}`));
    else done(stdout.split(/\n\n/)[0]);
  }));
}

/** Depends of a package version, as "name (= version)" pairs (alternatives dropped). */
async function depends(debian: Debian, pkg: string, version: string): Promise<{ name: string; version?: string }[]> {
  await debian.update();
  const text = await aptCacheShow(join(debian.aptDir, 'apt.conf'), `${pkg}=${version}`);
  const line = /^Depends: (.*)$/m.exec(text)?.[1] ?? '';
  return line.split(',').map((d) => d.trim()).filter((d) => !d.includes('|')).map((d) => {
    const m = /^(\S+)(?:\s*\(=\s*([^)]+)\))?/.exec(d)!;
    return { name: m[1], version: m[2] };
  });
}

/** Resolves, downloads, verifies and caches the current cloud kernel of one suite. */
export async function fetchKernel(arch: VmArch, suite: string, debian: Debian, options: FetchOptions = {}): Promise<CachedKernel> {
  const log = options.log ?? (() => {});
  const meta = `linux-image-${arch.flavour}`;
  const metaVersion = await debian.resolve(meta, suite);
  const image = (await depends(debian, meta, metaVersion)).find((d) => d.name.startsWith('linux-image-') && d.name.endsWith(arch.flavour));
  if (!image?.version) throw new DebianError('not-found', `${meta} ${metaVersion} (${suite}) names no kernel image package`);
  const release = image.name.slice('linux-image-'.length);
  // 7.x: linux-image-<abi> is a metapackage, the kernel is in linux-binary-<abi>
  const binary = (await depends(debian, image.name, image.version)).find((d) => d.name === `linux-binary-${release}`);
  const pkg = binary ? { name: binary.name, version: binary.version ?? image.version } : { name: image.name, version: image.version };
  const dir = join(kernelsDir(options.cacheDir), arch.name, release);
  const jsonPath = join(dir, 'kernel.json');
  const rec = await debian.record(pkg.name, pkg.version);
  if (existsSync(jsonPath)) {
    const k = JSON.parse(readFileSync(jsonPath, 'utf8')) as CachedKernel;
    if (k.sha256 === rec.sha256 && existsSync(join(dir, k.image))) {
      log(`${arch.name} ${suite}: ${release} (${pkg.version}) already cached`);
      return { ...k, dir };
    }
  }
  log(`${arch.name} ${suite}: ${release} from ${pkg.name} ${pkg.version}`);
  const deb = await debian.download(pkg.name, pkg.version);
  const unpacked = await debian.extract(deb);
  const candidates = [join(unpacked, 'boot', `vmlinuz-${release}`), join(unpacked, 'usr', 'lib', 'modules', release, 'vmlinuz'), join(unpacked, 'lib', 'modules', release, 'vmlinuz')];
  const src = candidates.find((p) => existsSync(p));
  if (!src) throw new DebianError('not-found', `${pkg.name} ${pkg.version} holds no vmlinuz (looked for boot/vmlinuz-${release} and usr/lib/modules/${release}/vmlinuz)`);
  mkdirSync(dir, { recursive: true });
  copyFileSync(src, join(dir, `.vmlinuz.${process.pid}`));
  renameSync(join(dir, `.vmlinuz.${process.pid}`), join(dir, 'vmlinuz'));
  const config = [join(unpacked, 'boot', `config-${release}`)].find((p) => existsSync(p));
  if (config) copyFileSync(config, join(dir, 'config'));
  const k: CachedKernel = {
    schema: 'rseq-abi/kernel@1', arch: arch.name, suite, version: upstreamVersion(pkg.version), packageVersion: pkg.version,
    release, package: pkg.name, sha256: rec.sha256, image: 'vmlinuz', fetchedAt: new Date().toISOString(),
  };
  writeFileSync(`${jsonPath}.${process.pid}`, `${JSON.stringify(k, null, 2)}\n`);
  renameSync(`${jsonPath}.${process.pid}`, jsonPath);
  log(`${arch.name} ${suite}: ${release} cached`);
  return { ...k, dir };
}

export interface FetchResult { kernels: CachedKernel[]; failures: { arch: string; suite: string; error: Error }[] }

/** Fetches the current kernel of every suite of every arch; an offline mirror throws DebianError('offline'). */
export async function fetchKernels(arches: VmArch[], options: FetchOptions = {}): Promise<FetchResult> {
  const result: FetchResult = { kernels: [], failures: [] };
  for (const arch of arches) {
    const debian = new Debian({ arch: arch.debian, cacheDir: options.cacheDir, log: options.log, maxAge: options.maxAge });
    await debian.update();
    // two downloads at a time per arch
    const queue = [...arch.suites];
    const worker = async () => {
      for (let suite = queue.shift(); suite; suite = queue.shift()) {
        try {
          result.kernels.push(await fetchKernel(arch, suite, debian, options));
        } catch (e) {
          if (e instanceof DebianError && e.kind === 'offline') throw e;
          result.failures.push({ arch: arch.name, suite, error: e as Error });
        }
      }
    };
    await Promise.all([worker(), worker()]);
  }
  const order = (k: CachedKernel) => `${vmArches.findIndex((a) => a.name === k.arch)} ${vmArches.find((a) => a.name === k.arch)!.suites.indexOf(k.suite)}`;
  result.kernels.sort((a, b) => order(a).localeCompare(order(b)));
  return result;
}
