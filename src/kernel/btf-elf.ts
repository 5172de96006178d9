// Finds a section (.BTF) in an ELF file such as an uncompressed vmlinux, bounds-checked like the
// BTF reader: a malformed ELF gives a BtfError with the offset.
import { BtfError } from './btf-reader.js';

export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

/** The bytes of the section named `name`, or undefined when the ELF has none. */
export function elfSection(bytes: Uint8Array, name: string): { offset: number; bytes: Uint8Array } | undefined {
  if (bytes.length < 0x34) throw new BtfError('truncated ELF header', bytes.length);
  const is64 = bytes[4] === 2;
  if (bytes[4] !== 1 && !is64) throw new BtfError(`unknown ELF class ${bytes[4]}`, 4);
  if (bytes[5] !== 1 && bytes[5] !== 2) throw new BtfError(`unknown ELF data encoding ${bytes[5]}`, 5);
  const le = bytes[5] === 1;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (off: number, len: number, what: string) => {
    if (off + len > bytes.length) throw new BtfError(`truncated ELF: ${what} runs past the end of the file`, off);
  };
  const word = (off: number) => (is64 ? Number(view.getBigUint64(off, le)) : view.getUint32(off, le));
  need(0, is64 ? 0x40 : 0x34, 'ELF header');
  const shoff = word(is64 ? 0x28 : 0x20);
  const shentsize = view.getUint16(is64 ? 0x3a : 0x2e, le);
  let shnum = view.getUint16(is64 ? 0x3c : 0x30, le);
  let shstrndx = view.getUint16(is64 ? 0x3e : 0x32, le);
  const entry = is64 ? 0x40 : 0x28;
  if (shoff === 0) return undefined;
  if (shentsize < entry) throw new BtfError(`ELF section header size ${shentsize} too small`, is64 ? 0x3a : 0x2e);
  need(shoff, entry, 'section header table');
  // Extended numbering: the real counts live in section header 0.
  if (shnum === 0) shnum = word(shoff + (is64 ? 32 : 20));
  if (shstrndx === 0xffff) shstrndx = view.getUint32(shoff + (is64 ? 40 : 24), le);
  need(shoff, shnum * shentsize, 'section header table');
  const header = (i: number) => {
    const h = shoff + i * shentsize;
    return { name: view.getUint32(h, le), offset: word(h + (is64 ? 24 : 16)), size: word(h + (is64 ? 32 : 20)), at: h };
  };
  if (shstrndx >= shnum) throw new BtfError(`ELF section name table index ${shstrndx} out of range`, is64 ? 0x3e : 0x32);
  const names = header(shstrndx);
  need(names.offset, names.size, 'section name table');
  const want = new TextEncoder().encode(name);
  for (let i = 0; i < shnum; i++) {
    const s = header(i);
    if (s.name + want.length >= names.size) continue;
    const n = names.offset + s.name;
    if (bytes[n + want.length] !== 0 || want.some((b, j) => bytes[n + j] !== b)) continue;
    need(s.offset, s.size, `section ${name}`);
    return { offset: s.offset, bytes: bytes.subarray(s.offset, s.offset + s.size) };
  }
  return undefined;
}
