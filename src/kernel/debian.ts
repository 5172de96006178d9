// Real Debian packages of any suite, fetched without touching the system's apt state: a private
// apt configuration per architecture under ~/.cache/rseq-abi/apt/<arch>/ names the suites with the
// mirror the system already uses, keeps its own lists and caches, and runs none of the system's
// update hooks.
// Packages are downloaded into ~/.cache/rseq-abi/debs/ and checked against the SHA256 of their
// index record; extract() unpacks one into ~/.cache/rseq-abi/pkgs/<name>_<version>_<arch>/.
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cacheRoot } from '../paths.js';
import { basename, join } from 'node:path';

export const defaultSuites = ['bullseye', 'bookworm', 'trixie', 'trixie-backports', 'sid'];
const keyring = '/usr/share/keyrings/debian-archive-keyring.gpg';
const day = 24 * 3600 * 1000;

/** Why a Debian package could not be had. `offline` and `tool` are environment problems (exit 3). */
export type DebianErrorKind = 'offline' | 'tool' | 'not-found' | 'checksum';

export class DebianError extends Error {
  constructor(readonly kind: DebianErrorKind, message: string) {
    super(message);
    this.name = 'DebianError';
  }
}

/** One package version as the index describes it. */
export interface PackageRecord {
  package: string;
  version: string;
  architecture: string;
  /** path in the archive, pool/main/... */
  filename: string;
  size: number;
  sha256: string;
}

export interface DebianOptions {
  /** Debian architecture (amd64, arm64, ...); default: the host's */
  arch?: string;
  suites?: string[];
  /** archive URI; default: read from the system's apt sources */
  mirror?: string;
  /** default $XDG_CACHE_HOME/rseq-abi or ~/.cache/rseq-abi */
  cacheDir?: string;
  /** lists younger than this are not updated again; default one day */
  maxAge?: number;
  /** one line per step (update, download) */
  log?: (line: string) => void;
}

export function defaultCacheDir(): string {
  return cacheRoot();
}

/** The Debian archive the system's apt uses: the first `deb` source that is not a security archive. */
export function systemMirror(etc = '/etc/apt'): { uri: string; signedBy?: string } {
  const texts: string[] = [];
  const read = (p: string) => { try { texts.push(readFileSync(p, 'utf8')); } catch { /* absent */ } };
  read(join(etc, 'sources.list'));
  const parts = join(etc, 'sources.list.d');
  if (existsSync(parts)) for (const f of readdirSync(parts).sort()) if (/\.(list|sources)$/.test(f)) read(join(parts, f));
  for (const text of texts) {
    for (const s of parseSources(text)) if (s.suites.some((x) => !x.endsWith('-security'))) return s;
  }
  throw new DebianError('tool', `no Debian archive found in ${etc}/sources.list or ${etc}/sources.list.d/`);
}

interface Source { uri: string; suites: string[]; signedBy?: string }

/** `deb` entries of a one-line sources.list or a deb822 .sources file. */
export function parseSources(text: string): Source[] {
  const out: Source[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*deb\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)/.exec(line);
    if (m) out.push({ uri: m[2], suites: [m[3]], signedBy: /signed-by=(\S+)/.exec(m[1] ?? '')?.[1] });
  }
  for (const stanza of text.split(/\n\s*\n/)) {
    const field = (name: string) => new RegExp(`^${name}:[ \\t]*(.*)$`, 'mi').exec(stanza)?.[1].trim();
    if (!field('Types')?.split(/\s+/).includes('deb') || field('Enabled') === 'no') continue;
    const uri = field('URIs')?.split(/\s+/)[0];
    const signedBy = field('Signed-By');
    if (uri) out.push({ uri, suites: (field('Suites') ?? '').split(/\s+/), signedBy: signedBy?.startsWith('/') ? signedBy : undefined });
  }
  return out;
}

interface Run { stdout: string; stderr: string; code: number }

function run(cmd: string, args: string[], cwd?: string): Promise<Run> {
  return new Promise((done, fail) => {
    execFile(cmd, args, { cwd, maxBuffer: 64 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      if (err && typeof err.code === 'string') fail(new DebianError('tool', `${cmd}: ${err.code === 'ENOENT' ? 'not found' : err.message}`));
      else done({ stdout, stderr, code });
    });
  });
}

const sha256 = (path: string) => new Promise<string>((done, fail) => {
  const h = createHash('sha256');
  createReadStream(path).on('data', (d) => h.update(d)).on('error', fail).on('end', () => done(h.digest('hex')));
});

/** The message of a failed apt run, without the progress lines. */
const aptErrors = (r: Run) => `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => /^(E|W|Err):|^\s+(Could|Temporary|Unable|Connection)/.test(l)).join('\n').trim();

const updates = new Map<string, Promise<void>>();

/** Packages of several Debian suites for one architecture, through a private apt configuration. */
export class Debian {
  readonly cacheDir: string;
  readonly aptDir: string;
  readonly arch: string;
  /** results of this instance's lookups and downloads; failures are not kept */
  private readonly memo = new Map<string, Promise<unknown>>();
  private conf?: string;

  constructor(private readonly options: DebianOptions = {}) {
    this.cacheDir = options.cacheDir ?? defaultCacheDir();
    this.arch = options.arch ?? hostArch();
    this.aptDir = join(this.cacheDir, 'apt', this.arch);
  }

  private log(line: string) { this.options.log?.(line); }

  private once<T>(key: string, work: () => Promise<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined;
    if (!p) {
      p = work();
      this.memo.set(key, p);
      p.catch(() => this.memo.delete(key));
    }
    return p;
  }

  /** Writes the private apt.conf and sources.list once; returns apt's `-c` argument. */
  private configure(): string {
    if (this.conf) return this.conf;
    const d = this.aptDir;
    for (const sub of ['lists/partial', 'cache/archives/partial']) mkdirSync(join(d, sub), { recursive: true });
    const sys = this.options.mirror ? { uri: this.options.mirror, signedBy: undefined } : systemMirror();
    // the archive keyring verifies every suite; a source's own Signed-By may cover its release only
    const key = existsSync(keyring) ? keyring : sys.signedBy;
    if (!key || !existsSync(key)) throw new DebianError('tool', `${keyring} not found (Debian package debian-archive-keyring)`);
    const sources = (this.options.suites ?? defaultSuites)
      .map((s) => `deb [arch=${this.arch} signed-by=${key}] ${sys.uri} ${s} main\n`).join('');
    const conf = [
      `Dir::Etc::SourceList "${d}/sources.list";`, 'Dir::Etc::SourceParts "-";',
      `Dir::State::Lists "${d}/lists";`, 'Dir::State::status "/dev/null";',
      `Dir::Cache "${d}/cache";`, 'Dir::Cache::pkgcache "pkgcache.bin";', 'Dir::Cache::srcpkgcache "";',
      `APT::Architecture "${this.arch}";`, '#clear APT::Architectures;', `APT::Architectures { "${this.arch}"; };`,
      'Acquire::Languages "none";', 'Acquire::Retries "1";', '#clear APT::Update;',
      ...(process.getuid?.() === 0 ? ['APT::Sandbox::User "root";'] : []), '',
    ].join('\n');
    for (const [file, text] of [['sources.list', sources], ['apt.conf', conf]]) {
      const p = join(d, file);
      if (existsSync(p) && readFileSync(p, 'utf8') === text) continue;
      writeFileSync(`${p}.${process.pid}`, text);
      renameSync(`${p}.${process.pid}`, p);
    }
    return (this.conf = join(d, 'apt.conf'));
  }

  private async apt(tool: 'apt-get' | 'apt-cache', args: string[], cwd?: string): Promise<Run> {
    return run(tool, ['-c', this.configure(), ...args], cwd);
  }

  /**
   * Runs `apt-get update` unless the lists are younger than maxAge for these very sources; at most
   * once per process. When the mirror is unreachable, lists of an earlier update are used; without
   * any, it throws DebianError('offline'), and keeps throwing it for the rest of the process.
   */
  update(): Promise<void> {
    let p = updates.get(this.aptDir);
    if (!p) updates.set(this.aptDir, (p = (async () => { this.configure(); await this.doUpdate(); })()));
    return p;
  }

  private async doUpdate(): Promise<void> {
    const stamp = join(this.aptDir, 'lists', 'rseq-abi.updated');
    const sources = readFileSync(join(this.aptDir, 'sources.list'), 'utf8');
    for (let attempt = 0; ; attempt++) {
      const usable = existsSync(stamp) && readFileSync(stamp, 'utf8') === sources;
      if (usable && Date.now() - statSync(stamp).mtimeMs < (this.options.maxAge ?? day)) return;
      if (attempt === 0) this.log(`apt-get update (${this.arch}: ${(this.options.suites ?? defaultSuites).join(' ')})`);
      const r = await this.apt('apt-get', ['-q', 'update']);
      const failed = r.code !== 0 || /^(Err:|W: Failed to fetch|W: Some index files|E:)/m.test(`${r.stdout}\n${r.stderr}`);
      if (!failed) return writeFileSync(stamp, sources);
      // another process is updating these lists: wait for it, then look at its stamp
      if (/Could not get lock/.test(r.stderr) && attempt < 120) { await new Promise((t) => setTimeout(t, 1000)); continue; }
      if (usable) return this.log(`apt-get update failed, using the lists of an earlier update:\n${aptErrors(r)}`);
      throw new DebianError('offline', `cannot reach the Debian mirror (apt-get update failed):\n${aptErrors(r)}`);
    }
  }

  /** The newest version of a package in a suite. */
  resolve(pkg: string, suite: string): Promise<string> {
    return this.once(`resolve ${pkg} ${suite}`, () => this.doResolve(pkg, suite));
  }

  private async doResolve(pkg: string, suite: string): Promise<string> {
    await this.update();
    const r = await this.apt('apt-cache', ['policy', pkg]);
    // Version table: "     7.2.13-1 500" followed by "        500 <uri> sid/main amd64 Packages"; newest first.
    let version: string | undefined;
    for (const line of r.stdout.split('\n')) {
      const v = /^ (?:\*\*\*| {3}) (\S+) -?\d+$/.exec(line);
      if (v) version = v[1];
      else if (version && line.trim().split(/\s+/)[2]?.split('/')[0] === suite) return version;
    }
    throw new DebianError('not-found', `package ${pkg} is not in ${suite} (${this.arch})`);
  }

  /** The index record of pkg=version. */
  record(pkg: string, version: string): Promise<PackageRecord> {
    return this.once(`record ${pkg} ${version}`, async () => {
      await this.update();
      const key = `${pkg}=${version}`;
      const r = await this.apt('apt-cache', ['show', key]);
      const text = r.stdout.split(/\n\n/)[0];
      const field = (name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(text)?.[1].trim();
      const [filename, sha, size] = [field('Filename'), field('SHA256'), field('Size')];
      if (r.code !== 0 || !filename || !sha || !size) throw new DebianError('not-found', `no index record for ${key} (${this.arch})`);
      return { package: pkg, version, architecture: field('Architecture') ?? this.arch, filename, size: Number(size), sha256: sha };
    });
  }

  /** Downloads pkg=version into the cache unless a copy with the index's SHA256 is there; returns its path. */
  download(pkg: string, version: string): Promise<string> {
    return this.once(`download ${pkg} ${version}`, () => this.doDownload(pkg, version));
  }

  private async doDownload(pkg: string, version: string): Promise<string> {
    const rec = await this.record(pkg, version);
    const debs = join(this.cacheDir, 'debs');
    const dest = join(debs, basename(rec.filename));
    if (existsSync(dest)) {
      if ((await sha256(dest)) === rec.sha256) return dest;
      this.log(`${basename(dest)}: SHA256 differs from the index, downloading again`);
      rmSync(dest);
    }
    mkdirSync(debs, { recursive: true });
    const tmp = mkdtempSync(join(debs, '.download-'));
    try {
      this.log(`download ${pkg} ${version} (${Math.round(rec.size / 1024)} KiB)`);
      const r = await this.apt('apt-get', ['-q', 'download', `${pkg}=${version}`], tmp);
      const got = readdirSync(tmp).find((f) => f.endsWith('.deb'));
      if (r.code !== 0 || !got) {
        const kind = /Could not (resolve|connect)|Temporary failure|Failed to fetch|Connection/.test(r.stderr) ? 'offline' : 'not-found';
        throw new DebianError(kind, `cannot download ${pkg} ${version}:\n${aptErrors(r)}`);
      }
      const sum = await sha256(join(tmp, got));
      if (sum !== rec.sha256) throw new DebianError('checksum', `${got}: SHA256 ${sum}, the index says ${rec.sha256}`);
      renameSync(join(tmp, got), dest);
      return dest;
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }

  /** Unpacks a .deb (dpkg-deb -x) into pkgs/<name>_<version>_<arch>/ once; returns that directory. */
  extract(deb: string): Promise<string> {
    return this.once(`extract ${deb}`, () => this.doExtract(deb));
  }

  private async doExtract(deb: string): Promise<string> {
    const f = await run('dpkg-deb', ['-f', deb, 'Package', 'Version', 'Architecture']);
    const field = (name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(f.stdout)?.[1].trim();
    if (f.code !== 0 || !field('Package')) throw new DebianError('checksum', `${deb} is not a Debian package: ${f.stderr.trim()}`);
    const pkgs = join(this.cacheDir, 'pkgs');
    const dir = join(pkgs, `${field('Package')}_${field('Version')!.replace(/:/g, '%3a')}_${field('Architecture')}`);
    if (existsSync(dir)) return dir;
    mkdirSync(pkgs, { recursive: true });
    const tmp = mkdtempSync(join(pkgs, '.extract-'));
    try {
      const x = await run('dpkg-deb', ['-x', deb, tmp]);
      if (x.code !== 0) throw new DebianError('checksum', `dpkg-deb -x ${basename(deb)}: ${x.stderr.trim()}`);
      try {
        renameSync(tmp, dir);
      } catch (e) {
        if (!existsSync(dir)) throw e; // else another process extracted it first
      }
      return dir;
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }

  /** resolve + download + extract: the newest pkg of a suite, unpacked. */
  async fetch(pkg: string, suite: string): Promise<{ version: string; deb: string; dir: string }> {
    const version = await this.resolve(pkg, suite);
    const deb = await this.download(pkg, version);
    return { version, deb, dir: await this.extract(deb) };
  }
}

function hostArch(): string {
  try {
    return execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
  } catch {
    throw new DebianError('tool', 'dpkg not found: fetching Debian packages needs dpkg and apt');
  }
}

/** The Debian architecture of a GNU triplet or multiarch directory (aarch64-linux-gnu -> arm64). */
export async function debianArch(triplet: string): Promise<string> {
  const r = await run('dpkg-architecture', ['-t', triplet, '-qDEB_HOST_ARCH']);
  const arch = r.stdout.trim();
  if (r.code !== 0 || !arch) throw new DebianError('tool', `dpkg-architecture does not know ${triplet} (Debian package dpkg-dev)`);
  return arch;
}
