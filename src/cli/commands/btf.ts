// rseq-abi btf: a struct, union or enum as the kernel's BTF describes it.
//
// Text is pahole -C style (src/cli/pahole.ts, as `layout` prints): one line per member with offset
// and size as a comment, holes, cacheline boundaries and a summary. Anonymous structs and unions are
// printed inline; a member of a named struct type is one line (--struct that type to see inside).
//
// JSON (schema rseq-abi/btf@1) has the shape of `layout --format json` (rseq-abi/layout@1):
//   {"schema", "struct", "kind", "size",
//    "fields": [{"name", "type", "offset", "size", "bitOffset"?, "bitSize"?, "members"?}]}
// Fields nest as in layout: a struct or union member (named type or anonymous, name '') carries its
// own members. Offsets are bytes from the start of the top struct; bitOffset (bitfields only) is in
// bits from the same start. There is no "align": BTF records no alignment attributes (struct
// rseq's aligned(32) is not in it), and a guess from the size would be wrong (5.10 looks 16-aligned).
// Enums: {"schema", "enum", "size", "signed", "values": [{"name", "value"}]}, a value that is not a
// safe JavaScript integer (ENUM64) given as a decimal string.
import type { Command } from 'commander';
import { formatOption, json } from '../output.js';
import { CliError, ExitCode } from '../errors.js';
import { renderPahole, type PaholeMember } from '../pahole.js';
import {
  BtfError, KERNEL_BTF, btfLayoutOf, readKernelBtf, type Btf, type BtfEnum, type BtfMember, type BtfStructLayout,
} from '../../kernel/btf.js';

export const BTF_SCHEMA = 'rseq-abi/btf@1';

interface Options { file?: string; struct?: string; enum?: string; format: string }

export function registerBtf(program: Command): void {
  program
    .command('btf')
    .description('print a struct or enum as the kernel\'s BTF describes it (default: struct rseq of the running kernel)')
    .option('--file <path>', `raw BTF or a vmlinux ELF (default ${KERNEL_BTF})`)
    .option('--struct <name>', 'struct or union to print (default rseq)')
    .option('--enum <name>', 'enum to print')
    .addOption(formatOption())
    .action((opts: Options) => {
      if (opts.struct !== undefined && opts.enum !== undefined) throw new CliError('give --struct or --enum, not both');
      const file = opts.file ?? KERNEL_BTF;
      const data = loadBtf(file, opts.file === undefined);
      const asJson = opts.format === 'json';
      let out: string;
      if (opts.enum !== undefined) {
        const e = data.findEnum(opts.enum);
        if (!e) throw new CliError(`enum ${opts.enum} not found in ${file}`, ExitCode.Findings);
        out = asJson ? json(enumJson(e)) : enumText(e);
      } else {
        const name = opts.struct ?? 'rseq';
        const layout = btfLayoutOf(data, name);
        if (!layout) throw new CliError(`struct ${name} not found in ${file}`, ExitCode.Findings);
        out = asJson ? json(structJson(layout)) : structText(layout);
      }
      process.stdout.write(out);
    });
}

/** Reads the BTF for the command; errors become CliErrors (exit 3 when the running kernel has none). */
export function loadBtf(file: string, isDefault: boolean): Btf {
  try {
    return readKernelBtf(file);
  } catch (err) {
    if (err instanceof BtfError) throw new CliError(`${file}: ${err.message}`);
    const e = err as NodeJS.ErrnoException;
    if (isDefault && (e.code === 'ENOENT' || e.code === 'EACCES')) {
      throw new CliError(`${file}: ${e.code === 'ENOENT' ? 'not found: this kernel exposes no BTF (CONFIG_DEBUG_INFO_BTF) or /sys is not mounted' : 'permission denied'}`, ExitCode.Environment);
    }
    if (e.code) throw new CliError(`${file}: ${e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : e.message}`);
    throw err;
  }
}

export function structJson(l: BtfStructLayout) {
  return { schema: BTF_SCHEMA, struct: l.name, kind: l.kind, size: l.size, fields: l.members.map(jsonField) };
}

function jsonField(m: BtfMember): Record<string, unknown> {
  const out: Record<string, unknown> = { name: m.name, type: m.type, offset: m.offset, size: m.size };
  if (m.bitSize !== undefined) Object.assign(out, { bitOffset: m.bitOffset, bitSize: m.bitSize });
  if (m.members.length) out.members = m.members.map(jsonField);
  return out;
}

export function enumJson(e: BtfEnum) {
  return { schema: BTF_SCHEMA, enum: e.name, size: e.size, signed: e.signed,
    values: e.values.map((v) => ({ name: v.name, value: typeof v.value === 'bigint' ? v.value.toString() : v.value })) };
}

export function enumText(e: BtfEnum): string {
  const width = Math.max(0, ...e.values.map((v) => v.name.length));
  const lines = [`enum ${e.name} {`, ...e.values.map((v) => `\t${v.name.padEnd(width)} = ${v.value},`), '};', '',
    `/* size: ${e.size}, ${e.signed ? 'signed' : 'unsigned'}, values: ${e.values.length} */`];
  return `${lines.join('\n')}\n`;
}

/** pahole -C style text, by the renderer `layout` uses. */
export function structText(l: BtfStructLayout): string {
  return renderPahole({ name: l.name, kind: l.kind, size: l.size, fields: l.members.map(paholeMember) });
}

/** Splits the C spelling into the type and declarator columns pahole prints ('char' 'comm[16]', 'a:3'). */
function paholeMember(m: BtfMember): PaholeMember {
  let type = m.type;
  let name = m.name;
  let offset = m.offset;
  const fn = type.indexOf('(*)');
  const dims = /(\[\d*\])+$/.exec(type);
  if (fn >= 0) { name = `(*${name})${type.slice(fn + 3)}`; type = type.slice(0, fn).trimEnd(); }
  else if (dims && dims[0] !== '[]') { name += dims[0]; type = type.slice(0, dims.index); }
  if (m.bitSize !== undefined) {
    name += `:${m.bitSize}`;
    // pahole places a bitfield at the start of its storage unit (an aligned unit of its type's size)
    const unit = Math.max(m.size, 1);
    offset = Math.floor((m.bitOffset ?? 0) / (unit * 8)) * unit;
  }
  const inline = !m.name && (m.type === 'struct' || m.type === 'union');
  return { name, type, offset, size: m.size, members: inline ? m.members.map(paholeMember) : [] };
}
