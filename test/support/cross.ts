// The real compiler of each architecture of the spec: the host's cc for the host, Debian's cross gcc
// per triplet otherwise, and for arches without a Debian cross compiler of their own a sibling's
// with the flags that select them. Nothing these compilers build is run.
import type { Arch } from '../../src/model/index.js';

/** The spec's name of the host architecture, when the host is one the table knows. */
export const host = process.arch === 'x64' ? 'x86_64' : undefined;

const standIns: Record<string, { cc: string; flags: string[]; pkg?: string }> = {
  // Debian 12 has no loongarch64 gcc; its clang-16 targets it.
  loongarch64: { cc: 'clang-16', flags: ['--target=loongarch64-linux-gnu'], pkg: 'clang-16' },
  aarch64_be: { cc: 'aarch64-linux-gnu-gcc', flags: ['-mbig-endian'] },
  armeb: { cc: 'arm-linux-gnueabihf-gcc', flags: ['-mbig-endian'] },
  mips_n32: { cc: 'mips64el-linux-gnuabi64-gcc', flags: ['-mabi=n32'] },
};

/** The compiler for an arch, its flags and the Debian package that installs it. */
export function compilerFor(a: Arch): { cc: string; flags: string[]; pkg: string } {
  if (a.name === host) return { cc: 'cc', flags: [], pkg: 'gcc' };
  const { cc, flags, pkg } = standIns[a.name] ?? { cc: `${a.triplet}-gcc`, flags: [] };
  return { cc, flags, pkg: pkg ?? `gcc-${cc.replace(/-gcc$/, '').replace(/_/g, '-')}` };
}
