// Struct layouts and enumerator values as a real C compiler computes them, without running
// anything it builds (so cross compilers work): every number becomes an immediate operand of an
// asm statement, asm-offsets style, and is read back from the `-S` output.
import { execFile } from 'node:child_process';

export interface MeasureRequest {
  /** 'cc' for the host, '<triplet>-gcc' for a cross compiler */
  compiler: string;
  /** extra compiler flags: ['-mbig-endian'], ['-mabi=n32'] */
  flags?: string[];
  /** searched before the compiler's own include directories */
  includeDirs?: string[];
  header: string | string[];
  /** members by dotted path as offsetof takes them ('slice_ctrl.request'); size: false for a flexible array */
  structs?: { name: string; members: (string | { path: string; size: false })[] }[];
  /** enumerators (or any integer constant expression named by an identifier) */
  enums?: string[];
  /** a preprocessor condition the target must meet, e.g. the spec's arch macro */
  assert?: string;
}

export interface MeasuredStruct {
  size: number;
  align: number;
  members: Record<string, { offset: number; size?: number }>;
}

export interface Measured {
  structs: Record<string, MeasuredStruct>;
  enums: Record<string, number>;
}

/** The C compiler's answer for every struct, member and enumerator requested. */
export async function measure(req: MeasureRequest): Promise<Measured> {
  const lines: string[] = [];
  const mark = (key: string, expr: string) => lines.push(`  M("${key}", ${expr});`);
  for (const s of req.structs ?? []) {
    const t = `struct ${s.name}`;
    mark(`s ${s.name}`, `sizeof(${t})`);
    mark(`a ${s.name}`, `__alignof__(${t})`);
    for (const m of s.members) {
      const path = typeof m === 'string' ? m : m.path;
      mark(`o ${s.name} ${path}`, `__builtin_offsetof(${t}, ${path})`);
      if (typeof m === 'string') mark(`z ${s.name} ${path}`, `sizeof(((${t} *)0)->${path})`);
    }
  }
  for (const e of req.enums ?? []) mark(`e ${e}`, e);
  const source = [
    ...includes(req.header),
    ...(req.assert ? [`#if !(${req.assert})`, `#error "the compiler does not target ${req.assert.replace(/"/g, "'")}"`, '#endif'] : []),
    '#define M(key, expr) __asm__ volatile("\\n.ascii \\"->" key " %0\\"" :: "i"((long)(expr)))',
    'void rseq_abi_measure(void)', '{', ...lines, '}', '',
  ].join('\n');
  const asm = await compile(req, ['-S', '-o', '-'], source);

  const out: Measured = { structs: {}, enums: {} };
  for (const m of asm.matchAll(/->([^"]*) [$#]?(-?(?:0x[0-9a-f]+|\d+))"/gi)) {
    const [kind, a, b] = m[1].split(' ');
    const n = Number(m[2]);
    if (kind === 'e') { out.enums[a] = n; continue; }
    const s = (out.structs[a] ??= { size: NaN, align: NaN, members: {} });
    if (kind === 's') s.size = n;
    else if (kind === 'a') s.align = n;
    else if (kind === 'o') (s.members[b] ??= { offset: n }).offset = n;
    else if (kind === 'z') (s.members[b] ??= { offset: NaN }).size = n;
  }
  const expected = lines.length;
  const found = [...asm.matchAll(/->[^"]* [$#]?-?\w+"/g)].length;
  if (found !== expected) throw new Error(`${req.compiler}: read ${found} of ${expected} values from the assembly`);
  return out;
}

/** The enumerators of `enum <tag>` in declaration order, from the preprocessed headers. */
export async function enumerators(req: Pick<MeasureRequest, 'compiler' | 'flags' | 'includeDirs' | 'header'>, tag: string): Promise<string[]> {
  const text = await compile(req, ['-E', '-P', '-o', '-'], includes(req.header).join('\n') + '\n');
  const body = new RegExp(`enum\\s+${tag}\\s*\\{([^}]*)\\}`).exec(text)?.[1];
  if (body === undefined) return [];
  return body.split(',').map((x) => x.split('=')[0].trim()).filter(Boolean);
}

const includes = (header: string | string[]) => [header].flat().map((h) => `#include <${h}>`);

function compile(req: Pick<MeasureRequest, 'compiler' | 'flags' | 'includeDirs'>, mode: string[], source: string): Promise<string> {
  const args = [...(req.flags ?? []), ...(req.includeDirs ?? []).flatMap((d) => ['-I', d]), ...mode, '-x', 'c', '-'];
  return new Promise((done, fail) => {
    const child = execFile(req.compiler, args, { encoding: 'utf8', maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) fail(new Error(`${req.compiler} ${args.join(' ')} failed:\n${stderr || err.message}\n--- source ---\n${source}`));
      else done(stdout);
    });
    child.stdin!.end(source);
  });
}
