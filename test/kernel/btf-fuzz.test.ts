// Truncated, mutated and hostile BTF: the reader may reject a blob only with a BtfError, must
// finish quickly (no hang on reference cycles, no blow-up on nesting), and must not allocate
// beyond what the input's size allows. Deterministic: a seeded PRNG picks every mutation.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BtfError, parseBtf, resolveStruct, sizeOf, typeName, type Btf } from '../../src/kernel/btf.js';
import { EVERY_KIND, writeBtf, type BtfTypeSpec } from '../support/btf-trim.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/btf/', import.meta.url));
const seeds: [string, Uint8Array][] = [
  ...readdirSync(FIXTURES).filter((f) => f.endsWith('.btf')).sort().map((f): [string, Uint8Array] => [f, readFileSync(join(FIXTURES, f))]),
  ['every kind (le)', writeBtf(EVERY_KIND)],
  ['every kind (be)', writeBtf(EVERY_KIND, { littleEndian: false })],
];
const LOOKUPS = ['rseq', 'rseq_slice_ctrl', 'outer', 'u', 'rseq_cpu_id_state', 'e64'];
/**
 * A parse and full walk of a blob of a few KB takes well under a millisecond; this is a hang
 * detector. A slow case is timed again before it counts, so a stall of a busy machine does not.
 */
const SLOW_MS = 500;

/** mulberry32: a small seeded PRNG. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Parses and then touches everything the API offers; returns the errors that are not BtfErrors. */
function exercise(bytes: Uint8Array): unknown[] {
  const bad: unknown[] = [];
  const attempt = (f: () => unknown) => {
    try { f(); } catch (e) { if (!(e instanceof BtfError)) bad.push(e); }
  };
  let btf: Btf | undefined;
  attempt(() => { btf = parseBtf(bytes); });
  if (!btf) return bad;
  const b = btf;
  for (let id = 0; id < b.count; id++) {
    attempt(() => b.type(id));
    attempt(() => typeName(b, id));
    attempt(() => sizeOf(b, id));
    attempt(() => { if (b.kind(id) === 'struct' || b.kind(id) === 'union') resolveStruct(b, id); });
  }
  for (const name of LOOKUPS) {
    attempt(() => { const s = b.findStruct(name); if (s) resolveStruct(b, s); });
    attempt(() => b.findEnum(name));
  }
  attempt(() => b.pointerSize);
  attempt(() => b.type(b.count));
  return bad;
}

function check(what: string, bytes: Uint8Array, failures: string[]) {
  const timed = () => {
    const start = performance.now();
    const bad = exercise(bytes);
    return { bad, ms: performance.now() - start };
  };
  let { bad, ms } = timed();
  if (bad.length) failures.push(`${what}: ${bad.map((e) => (e as Error)?.stack ?? String(e)).join('; ')}`);
  if (ms > SLOW_MS) ms = Math.min(ms, timed().ms);
  if (ms > SLOW_MS) failures.push(`${what}: took ${ms.toFixed(0)} ms, twice`);
}

const INTERESTING = [0, 1, 2, 3, 4, 12, 24, 0x7f, 0x80, 0xff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

describe('fuzzed BTF', () => {
  it('every truncation of every seed gives a BtfError or a valid prefix, never anything else', () => {
    const failures: string[] = [];
    for (const [name, bytes] of seeds) {
      for (let len = 0; len < bytes.length; len++) check(`${name} cut at ${len}`, bytes.subarray(0, len), failures);
    }
    expect(failures.slice(0, 5)).toEqual([]);
  });

  it('thousands of random mutations give only BtfErrors, quickly', () => {
    const rand = prng(0x5eed);
    const int = (n: number) => Math.floor(rand() * n);
    const failures: string[] = [];
    for (let round = 0; round < 6000; round++) {
      const [name, seed] = seeds[int(seeds.length)];
      const bytes = Uint8Array.from(seed);
      const view = new DataView(bytes.buffer);
      const le = bytes[0] === 0x9f;
      const edits: string[] = [];
      for (let n = 1 + int(4); n > 0; n--) {
        const kind = int(4);
        if (kind === 0) { // any byte
          const at = int(bytes.length);
          bytes[at] = int(256);
          edits.push(`byte ${at}`);
        } else if (kind === 1 && bytes.length >= 24) { // a header field
          const at = 4 + 4 * int(5);
          view.setUint32(at, INTERESTING[int(INTERESTING.length)], le);
          edits.push(`header ${at}`);
        } else if (bytes.length >= 4) { // an aligned word in the type section: ids, sizes, info, offsets
          const at = Math.min(24 + 4 * int((bytes.length - 24) / 4), bytes.length - 4);
          const v = kind === 2 ? INTERESTING[int(INTERESTING.length)] : int(40); // small values hit real type ids: cycles
          view.setUint32(at, v, le);
          edits.push(`word ${at}=${v}`);
        }
      }
      check(`${name} round ${round} (${edits.join(', ')})`, bytes, failures);
    }
    expect(failures.slice(0, 5)).toEqual([]);
  });
});

describe('hostile BTF', () => {
  const u32: BtfTypeSpec = { kind: 'int', name: 'unsigned int', size: 4, bitOffset: 0, bits: 32, signed: false, char: false, bool: false };
  const errorOf = (f: () => unknown) => { try { f(); } catch (e) { return e; } throw new Error('no error'); };
  const struct = (name: string, size: number, types: number[]): BtfTypeSpec =>
    ({ kind: 'struct', name, size, members: types.map((type, i) => ({ name: `m${i}`, type, bitOffset: 0, bitSize: 0 })) });

  it('typedef cycles end in a BtfError', () => {
    const b = parseBtf(writeBtf([{ kind: 'typedef', name: 'a', type: 2 }, { kind: 'typedef', name: 'b', type: 1 }, struct('s', 4, [1])]));
    expect(errorOf(() => sizeOf(b, 1))).toMatchObject({ reason: expect.stringMatching(/cycle/) });
    expect(errorOf(() => resolveStruct(b, 3))).toBeInstanceOf(BtfError);
    expect(typeName(b, 1)).toBe('a'); // a typedef's spelling is its name: no chain to follow
  });

  it('an array or pointer chain that loops ends in a BtfError', () => {
    const b = parseBtf(writeBtf([{ kind: 'array', name: '', type: 1, indexType: 2, nelems: 2 }, u32, { kind: 'const', name: '', type: 4 }, { kind: 'ptr', name: '', type: 3 }]));
    expect(errorOf(() => sizeOf(b, 1))).toBeInstanceOf(BtfError);
    expect(errorOf(() => typeName(b, 1))).toBeInstanceOf(BtfError);
    expect(errorOf(() => typeName(b, 3))).toBeInstanceOf(BtfError);
  });

  it('a struct that contains itself ends in a BtfError', () => {
    const b = parseBtf(writeBtf([struct('loop', 8, [2]), struct('inner', 4, [1])]));
    expect(errorOf(() => resolveStruct(b, 1))).toMatchObject({ reason: expect.stringMatching(/contains itself/) });
  });

  it('exponential nesting stops at the member budget, quickly', () => {
    // struct L0 { L1 a, b; } ... struct L39 { u32 a, b; }: 2^40 members if expanded
    const types: BtfTypeSpec[] = [u32];
    for (let i = 0; i < 40; i++) types.push(struct(`L${i}`, 8, i === 39 ? [1, 1] : [i + 3, i + 3]));
    const b = parseBtf(writeBtf(types));
    const start = performance.now();
    expect(errorOf(() => resolveStruct(b, 2))).toMatchObject({ reason: expect.stringMatching(/more than 100000 members/) });
    expect(performance.now() - start).toBeLessThan(5000);
  });

  it('exponentially long function spellings stop at the length cap, quickly', () => {
    // proto [2+2i] takes two pointers [3+2i] to proto [4+2i]: each level doubles the spelling, and
    // without memoization 30 levels would take 2^30 steps
    const types: BtfTypeSpec[] = [u32];
    for (let i = 0; i < 30; i++) {
      types.push({ kind: 'func_proto', name: '', type: 1, params: [{ name: 'x', type: 3 + 2 * i }, { name: 'y', type: 3 + 2 * i }] });
      types.push({ kind: 'ptr', name: '', type: i === 29 ? 1 : 4 + 2 * i });
    }
    const b = parseBtf(writeBtf(types));
    const start = performance.now();
    expect(errorOf(() => typeName(b, 2))).toMatchObject({ reason: expect.stringMatching(/longer than 4096 characters/) });
    expect(performance.now() - start).toBeLessThan(5000);
  });

  it('counts that the section cannot hold are refused before anything is allocated', () => {
    const bytes = writeBtf([struct('s', 4, [0])]);
    const view = new DataView(bytes.buffer);
    view.setUint32(28, (4 << 24 | 0xffff) >>> 0, true); // vlen 65535 members in a 24-byte record
    expect(errorOf(() => parseBtf(bytes))).toMatchObject({ offset: 24, reason: 'type [1] (struct) runs past the end of the type section' });
    const huge = writeBtf([u32]);
    new DataView(huge.buffer).setUint32(12, 0xfffffff0, true); // type_len 4 GiB
    expect(errorOf(() => parseBtf(huge))).toMatchObject({ offset: 8 });
  });

  it('names outside the string section are BtfErrors when read, not before', () => {
    const bytes = writeBtf([u32, struct('s', 4, [1])]);
    const view = new DataView(bytes.buffer);
    view.setUint32(24 + 16 + 12, 0xfffff, true); // name of member m0 of struct [2]
    const b = parseBtf(bytes);
    expect(b.name(1)).toBe('unsigned int');
    expect(errorOf(() => b.type(2))).toMatchObject({ offset: 24 + 16 + 12, reason: expect.stringMatching(/name offset 1048575 outside the string section/) });
  });
});
