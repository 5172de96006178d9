// Kernel and glibc versions: "6.3", "7.0.10", "6.1.0-27-amd64", "6.18.44-fc-v1147".

export type Version = readonly number[];

/** The numeric prefix of a release string, or undefined when it has none. */
export function parseVersion(text: string): Version | undefined {
  const m = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(text.trim());
  if (!m) return undefined;
  return m.slice(1).filter((x) => x !== undefined).map(Number);
}

export function compareVersions(a: Version, b: Version): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d) return d < 0 ? -1 : 1;
  }
  return 0;
}

const parsed = new Map<string, Version>();
const versionOf = (v: string) => {
  let p = parsed.get(v);
  if (!p) parsed.set(v, (p = parseVersion(v) ?? [0]));
  return p;
};

/** compare two version strings (both must parse); hot in prediction and layout, so parses are kept */
export function cmp(a: string, b: string): number {
  return compareVersions(versionOf(a), versionOf(b));
}

/** from <= v < to, with an absent `to` meaning no upper bound */
export function inRange(v: string, from: string, to: string | undefined): boolean {
  return cmp(v, from) >= 0 && (to === undefined || cmp(v, to) < 0);
}

/**
 * The upstream version of a running kernel. Distribution releases name the ABI, not the stable
 * release (Debian's "6.1.0-27-amd64" is 6.1.1xx), and stable-series rules need the latter: it
 * comes from uname's version string where the distribution puts it ("... Debian 6.1.176-1 ...").
 */
export function kernelVersion(release: string, unameVersion = ''): string {
  const m = /\b(?:Debian|Ubuntu) (\d+\.\d+\.\d+)/.exec(unameVersion);
  return m ? m[1] : release;
}
