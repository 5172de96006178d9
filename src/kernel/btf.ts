// BTF: the kernel's own description of its types, read without bpftool or libbpf.
//   btf-reader.ts  header, type and string sections, lookups (parseBtf, Btf, BtfError)
//   btf-layout.ts  struct layouts, sizes and C spellings (resolveStruct, btfLayoutOf)
//   btf-elf.ts     the .BTF section of an ELF file (an uncompressed vmlinux)
import { readFileSync } from 'node:fs';
import { Btf, BtfError, parseBtf } from './btf-reader.js';
import { elfSection, isElf } from './btf-elf.js';

export * from './btf-reader.js';
export * from './btf-layout.js';
export { elfSection, isElf } from './btf-elf.js';

export const KERNEL_BTF = '/sys/kernel/btf/vmlinux';

/** Parses raw BTF, or the .BTF section of an ELF file; BtfError offsets are from the start of `bytes`. */
export function parseBtfOrElf(bytes: Uint8Array): Btf {
  if (!isElf(bytes)) return parseBtf(bytes);
  const section = elfSection(bytes, '.BTF');
  if (!section) throw new BtfError('ELF file without a .BTF section', 0);
  try {
    return parseBtf(section.bytes);
  } catch (err) {
    if (err instanceof BtfError) throw new BtfError(`in the .BTF section: ${err.reason}`, err.offset + section.offset);
    throw err;
  }
}

/**
 * Reads the BTF of a kernel: the running kernel's by default, or any raw BTF file or vmlinux ELF.
 * File-system errors (ENOENT, EACCES) are thrown as they are; bad contents as BtfError.
 */
export function readKernelBtf(path: string = KERNEL_BTF): Btf {
  return parseBtfOrElf(readFileSync(path));
}
