// Struct layouts as `pahole -C` prints them: type, name, offset and size columns, holes,
// padding and cacheline boundaries.

export interface PaholeMember {
  name: string;
  /** C spelling: '__u32', 'struct rseq_slice_ctrl', 'union', 'struct', 'char[]' */
  type: string;
  offset: number;
  size: number;
  /** members of an inline (unnamed-type) struct or union, printed nested */
  members: PaholeMember[];
}

export interface PaholeStruct {
  name: string;
  kind?: 'struct' | 'union';
  size: number;
  align?: number;
  fields: PaholeMember[];
}

const CACHELINE = 64;

function decl(m: PaholeMember): [string, string] {
  if (m.type.endsWith('[]')) return [m.type.slice(0, -2), `${m.name}[]`];
  return [m.type, m.name];
}

/** Indents by tabs and pads so the offset comment starts at the same screen column at any depth. */
const column = (depth: number, text: string) => '\t'.repeat(depth) + text.padEnd(Math.max(text.length + 1, 48 - 8 * (depth - 1)));

const comment = (offset: number, size: number) => `/* ${String(offset).padStart(5)} ${String(size).padStart(5)} */`;

function lines(members: PaholeMember[], depth: number, out: string[]) {
  const ind = '\t'.repeat(depth);
  let end = members.length ? members[0].offset : 0;
  let line = Math.floor(end / CACHELINE);
  for (const m of members) {
    if (depth === 1 && m.offset > end) out.push(`${ind}/* XXX ${m.offset - end} byte${m.offset - end === 1 ? '' : 's'} hole, try to pack */`, '');
    if (depth === 1 && Math.floor(m.offset / CACHELINE) > line && m.size > 0) {
      line = Math.floor(m.offset / CACHELINE);
      out.push(`${ind}/* --- cacheline ${line} boundary (${line * CACHELINE} bytes) --- */`);
    }
    const inline = m.type === 'union' || m.type === 'struct';
    if (inline) {
      out.push(`${ind}${m.type} {`);
      lines(m.members, depth + 1, out);
      out.push(column(depth, `}${m.name ? ` ${m.name}` : ''};`) + comment(m.offset, m.size));
    } else {
      const [type, name] = decl(m);
      out.push(column(depth, `${type.padEnd(Math.max(1, 27 - 8 * (depth - 1)))}${name};`) + comment(m.offset, m.size));
    }
    end = Math.max(end, m.offset + m.size);
  }
}

export function renderPahole(s: PaholeStruct, notes: string[] = []): string {
  const out: string[] = [`${s.kind ?? 'struct'} ${s.name} {`];
  lines(s.fields, 1, out);
  const last = s.fields.reduce((e, m) => Math.max(e, m.offset + m.size), 0);
  const holes = s.fields.reduce((acc, m, i) => {
    const prevEnd = i ? s.fields[i - 1].offset + s.fields[i - 1].size : 0;
    return m.offset > prevEnd ? { n: acc.n + 1, bytes: acc.bytes + m.offset - prevEnd } : acc;
  }, { n: 0, bytes: 0 });
  out.push('');
  out.push(`\t/* size: ${s.size}, cachelines: ${Math.ceil(s.size / CACHELINE)}, members: ${s.fields.length} */`);
  if (holes.n) out.push(`\t/* sum members: ${s.fields.reduce((n, m) => n + m.size, 0)}, holes: ${holes.n}, sum holes: ${holes.bytes} */`);
  if (s.size > last) out.push(`\t/* padding: ${s.size - last} */`);
  const lastLine = s.size % CACHELINE;
  if (lastLine) out.push(`\t/* last cacheline: ${lastLine} bytes */`);
  for (const n of notes) out.push(`\t/* ${n} */`);
  out.push(`}${s.align && s.align > 8 ? ` __attribute__((__aligned__(${s.align})))` : ''};`);
  return `${out.join('\n')}\n`;
}
