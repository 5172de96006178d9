// How a laid-out C struct becomes TypeScript: its property tree, the DataView calls that read
// it and the checked writes that produce it. All offsets come from the model's layout.
import type { LaidOutField } from '../../src/model/index.js';
import { bindingName, pascalCase, propertyName, str } from './text.js';

export type IntKind = 'u8' | 'u16' | 'u32' | 'u64' | 's8' | 's16' | 's32' | 's64';
export type Kind = IntKind | 'struct' | 'union' | 'flexible';

/** Every integer kind, in the order helpers are emitted. */
export const intKinds: readonly IntKind[] = ['u8', 'u16', 'u32', 'u64', 's8', 's16', 's32', 's64'];

/** The kind of a laid-out member, from its C spelling. */
export function kindOf(f: LaidOutField): Kind {
  if (f.type === 'char[]') return 'flexible';
  if (f.type === 'union') return 'union';
  if (f.type === 'struct' || /^struct [A-Za-z_]\w*$/.test(f.type)) return 'struct';
  const m = /^__([us])(8|16|32|64)$/.exec(f.type);
  if (m) return `${m[1]}${m[2]}` as IntKind;
  throw new Error(`typescript generator: no TypeScript type for C type ${JSON.stringify(f.type)} of ${f.path || f.name}`);
}

export const isInt = (k: Kind): k is IntKind => k !== 'struct' && k !== 'union' && k !== 'flexible';
const is64 = (k: IntKind) => k.endsWith('64');

export function dataViewMethod(k: IntKind): string {
  const bits = k.slice(1);
  const signed = k.startsWith('s');
  return is64(k) ? (signed ? 'BigInt64' : 'BigUint64') : `${signed ? 'Int' : 'Uint'}${bits}`;
}

export const tsTypeOfInt = (k: IntKind) => (is64(k) ? 'bigint' : 'number');

/** The inclusive range of an integer kind, as source literals. */
export function rangeOf(k: IntKind): { min: string; max: string } {
  const bits = Number(k.slice(1));
  const n = is64(k) ? 'n' : '';
  if (k.startsWith('u')) return { min: `0${n}`, max: `0x${'f'.repeat(bits / 4)}${n}` };
  return { min: `-0x8${'0'.repeat(bits / 4 - 1)}${n}`, max: `0x7${'f'.repeat(bits / 4 - 1)}${n}` };
}

/** The named members of a struct or union as properties: anonymous members are merged into it. */
export function properties(members: LaidOutField[], where: string): LaidOutField[] {
  const out: LaidOutField[] = [];
  for (const m of members) {
    if (m.name === '') {
      const k = kindOf(m);
      if (k !== 'struct' && k !== 'union') throw new Error(`typescript generator: anonymous member of ${where} is not a struct or union`);
      out.push(...properties(m.members, where));
    } else out.push(m);
  }
  const seen = new Set<string>();
  for (const p of out) {
    propertyName(p.name, `member of ${where}`);
    if (seen.has(p.name)) throw new Error(`typescript generator: ${where} has two members named ${p.name}`);
    seen.add(p.name);
  }
  return out;
}

/** Named struct types met while typing fields: struct name -> members, in first-seen order. */
export class NamedStructs {
  readonly found = new Map<string, LaidOutField>();

  /** The TypeScript type of a property. Named structs get an interface of their own. */
  typeOf(f: LaidOutField): string {
    const k = kindOf(f);
    if (isInt(k)) return tsTypeOfInt(k);
    if (k === 'flexible') throw new Error(`typescript generator: ${f.path} is a flexible array but not the end marker`);
    const named = /^struct ([A-Za-z_]\w*)$/.exec(f.type);
    if (named) {
      if (!this.found.has(named[1])) this.found.set(named[1], f);
      return pascalCase(named[1]);
    }
    const props = properties(f.members, f.path);
    return `{ ${props.map((p) => `${p.name}: ${this.typeOf(p)};`).join(' ')} }`;
  }
}

/** The expression that reads a property from `view`. */
export function readExpr(f: LaidOutField, indent: string): string {
  const k = kindOf(f);
  if (isInt(k)) return `view.get${dataViewMethod(k)}(${f.offset}${k === 'u8' || k === 's8' ? '' : ', littleEndian'})`;
  if (k === 'flexible') throw new Error(`typescript generator: cannot read flexible array ${f.path}`);
  const inner = `${indent}  `;
  const lines = properties(f.members, f.path).map((p) => `${inner}${p.name}: ${readExpr(p, inner)},`);
  return `{\n${lines.join('\n')}\n${indent}}`;
}

/** What the writes of a struct need from the emitted helpers. */
export interface WriteNeeds {
  kinds: Set<IntKind>;
  /** a union member after the first is checked against the bytes the first one wrote */
  same: boolean;
}

/**
 * Statements that write a property held by `value` (an expression), or, in check mode, compare
 * it with the bytes already there: the members of a union share their bytes, the first writes
 * them and the others must agree.
 */
export function writeStatements(f: LaidOutField, value: string, label: string, needs: WriteNeeds, check = false): string[] {
  const k = kindOf(f);
  if (isInt(k)) {
    if (check) {
      needs.same = true;
      return [`same(${readExpr(f, '')}, ${value}, ${str(label)});`];
    }
    needs.kinds.add(k);
    const endian = k === 'u8' || k === 's8' ? '' : ', littleEndian';
    return [`set${k.toUpperCase()}(view, ${f.offset}, ${value}, ${str(label)}${endian});`];
  }
  if (k === 'flexible') throw new Error(`typescript generator: cannot write flexible array ${f.path}`);
  return f.members.flatMap((m, i) => {
    const mode = check || (k === 'union' && i > 0);
    if (m.name === '') return writeStatements(m, value, label, needs, mode);
    propertyName(m.name, `member of ${f.path}`);
    return writeStatements(m, `${value}.${m.name}`, `${label}.${m.name}`, needs, mode);
  });
}

/** A local binding named after a field, unless that name is taken or reserved. */
export function localName(name: string, taken: readonly string[]): string {
  try {
    bindingName(name, 'field');
  } catch {
    return `${name.replace(/^_+/, '')}Value`;
  }
  return taken.includes(name) ? `${name}Value` : name;
}
