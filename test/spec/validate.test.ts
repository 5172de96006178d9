// Every check of the validator, on the shipped spec broken in one place. ⟨ marks where the error
// must point; the expected line:column is read from the mutated text, not from the validator.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultSpecPath } from '../../src/model/index.js';
import { formatSpecError, validateSpec } from '../../src/spec/index.js';

const shipped = readFileSync(defaultSpecPath, 'utf8');
const MARK = '⟨';

/** Applies replacements (each must match exactly once) and returns the text and the marked position. */
function broken(...edits: [string | RegExp, string][]): { text: string; at: string } {
  let text = shipped;
  for (const [find, replace] of edits) {
    const hits = typeof find === 'string' ? text.split(find).length - 1 : (text.match(new RegExp(find, 'g')) ?? []).length;
    if (hits !== 1) throw new Error(`fixture edit ${String(find)} matches ${hits} times`);
    text = text.replace(find, replace);
  }
  const i = text.indexOf(MARK);
  if (i < 0) throw new Error('fixture has no position mark');
  const before = text.slice(0, i).split('\n');
  return { text: text.replace(MARK, ''), at: `${before.length}:${before[before.length - 1].length + 1}` };
}

function errorsOf(text: string): string[] {
  return validateSpec(text, 'spec/rseq.yaml').errors.map(formatSpecError);
}

const cases: { name: string; edits: [string | RegExp, string][]; message: string | RegExp }[] = [
  { name: 'a name that is not a C identifier', edits: [['- name: node_id', `- name: ${MARK}node-id`]], message: 'structs[0].fields[4].name: must be a C identifier' },
  { name: 'a duplicate field name', edits: [['- name: mm_cid', `- name: ${MARK}node_id`]], message: /structs\[0\]\.fields\[5\]\.name: duplicate field name in struct rseq "node_id"/ },
  { name: 'a duplicate C identifier across enums and constants', edits: [['{name: AT_RSEQ_ALIGN,', `{name: ${MARK}RSEQ_FLAG_UNREGISTER,`]], message: /constants\[1\]\.name: duplicate C identifier "RSEQ_FLAG_UNREGISTER"/ },
  { name: 'an unknown type', edits: [[/(- name: node_id\n {8}offset: 20\n {8}type: )u32/, `$1${MARK}u31`]], message: /structs\[0\]\.fields\[4\]\.type: must be one of u8, .* or "struct NAME"/ },
  { name: 'a reference to an unknown struct', edits: [['type: struct rseq_slice_ctrl', `type: ${MARK}struct rseq_slice_ctl`]], message: 'structs[0].fields[6].type: unknown struct "rseq_slice_ctl"' },
  { name: 'a declared offset the layout contradicts', edits: [['offset: 24', `offset: ${MARK}22`]], message: 'structs[0].fields[5].offset: declared offset 22, but C lays the field out at 24 in 6.3' },
  { name: 'overlapping fields', edits: [['offset: 24', `offset: ${MARK}22`]], message: 'structs[0].fields[5].offset: field mm_cid overlaps field node_id in 6.3' },
  {
    name: 'a field of an older generation that moves',
    edits: [['      - name: node_id', `      - {name: pad0, type: u32, since: "7.0", writer: none, readOnly: true, doc: x}\n      - name: ${MARK}node_id`]],
    message: 'structs[0].fields[5].name: field node_id moves from 20 in 6.19 to 24 in 7.0',
  },
  {
    name: 'a field that changes type',
    edits: [['- {name: ptr64, type: u64}', '- {name: ptr64, type: u32}'], [/(lp64: )u64/, '$1u32'], [/(ilp32:\n\s+)struct:\n\s+- \{name: ptr32, type: u32\}\n\s+- \{name: padding, type: u32\}\n\s+bigEndianReversed: true/, '$1u32'], [/(- name: rseq_cs\n {8}offset: 8\n {8})type: u64/, `$1type: ${MARK}u64`]],
    message: 'structs[0].fields[2].type: field rseq_cs changes type from union (4 bytes) in 4.18 to __u64 (8 bytes) in 5.18',
  },
  { name: 'a field that disappears', edits: [[/(- name: mm_cid\n {8}offset: 24\n)/, `$1        until: ${MARK}"7.0"\n`]], message: 'structs[0].fields[5].until: only a reserved field may be replaced' },
  { name: 'a feature size that is not offsetof(end)', edits: [[/(name: extensible\n.*\n {4}featureSize: )28/, `$1${MARK}29`]], message: 'generations[2].featureSize: is 29, but offsetof(struct rseq, end) is 28' },
  { name: 'an alignment that is not a power of two', edits: [[/(- name: rseq\n {4}since: "4.18"\n {4}align: )32/, `$1${MARK}48`]], message: 'structs[0].align: alignment 48 is not a power of two' },
  { name: 'an allocation size against the allocation rule', edits: [[/(name: time-slice extension\n(.*\n){3} {4}allocation: \{size: )64/, `$1${MARK}48`]], message: 'generations[4].allocation.size: is 48, but the allocation rule gives roundup(max(feature size 33, 32), 64) = 64' },
  { name: 'an allocation alignment against AT_RSEQ_ALIGN', edits: [[/(name: time-slice extension\n(.*\n){3} {4}allocation: \{size: 64, align: )64/, `$1${MARK}32`]], message: /generations\[4\]\.allocation\.align: is 32, but the allocation rule gives max\(AT_RSEQ_ALIGN, 32\) = 64/ },
  { name: 'a duplicate enum value', edits: [['{name: RSEQ_CPU_ID_REGISTRATION_FAILED, value: -2,', `{name: RSEQ_CPU_ID_REGISTRATION_FAILED, value: ${MARK}-1,`]], message: 'enums[0].values[1].value: value -1 is already used by RSEQ_CPU_ID_UNINITIALIZED' },
  { name: 'a reused flag bit', edits: [['{name: RSEQ_CS_FLAG_SLICE_EXT_ENABLED, bit: 5,', `{name: RSEQ_CS_FLAG_SLICE_EXT_ENABLED, bit: ${MARK}4,`]], message: 'enums[2].values[4].bit: bit 4 is already used by RSEQ_CS_FLAG_SLICE_EXT_AVAILABLE: flag bits are never reused' },
  { name: 'a reference to a generation that does not exist', edits: [[/(- name: node_id\n(.*\n){2} {8}since: )"6.3"/, `$1${MARK}"6.4"`]], message: 'structs[0].fields[4].since: no generation "6.4"' },
  { name: 'a gap between rule ranges', edits: [[/(- from: "6.13"\n {6}to: )"6.15"/, `$1"6.14"`], [/(- from: )"6.15"/, `$1${MARK}"6.15"`]], message: 'registration.ranges[7].from: gap: versions from 6.14 to 6.15 are covered by none of the rule ranges' },
  { name: 'overlapping rule ranges', edits: [[/(- from: )"6.15"/, `$1${MARK}"6.14"`]], message: 'registration.ranges[7].from: overlap: 6.14 starts before the previous range ends (6.15)' },
  { name: 'a rule parameter no step knows', edits: [['        v2Mode: true', `        ${MARK}v3Mode: true\n        v2Mode: true`]], message: 'registration.ranges[10].params.v3Mode: unknown parameter "v3Mode"' },
  {
    name: 'a rule parameter a range lacks',
    edits: [['        v2Mode: true\n        afterUnregister: {cpu_id_start: 0,', '        afterUnregister: {cpu_id_start: 0,'], ['- from: "7.0.10"\n      params:', `- from: "7.0.10"\n      ${MARK}params:`]],
    message: 'registration.ranges[10].params: missing parameter "v2Mode" used by the steps',
  },
  { name: 'a backport newer than the change', edits: [['backported: ["5.10.110"]', `backported: [${MARK}"5.19.1"]`]], message: 'structs[0].fields[2].history[0].backported[0]: a backport (5.19.1) must be older than the change itself (5.18)' },
  { name: 'a backport that is not a stable release', edits: [['backported: ["5.10.110"]', `backported: [${MARK}"5.10"]`]], message: 'structs[0].fields[2].history[0].backported[0]: a backport names a stable release, like 5.10.110' },
  { name: 'malformed YAML', edits: [['allocation: {size: 32, align: 32}\n  - kernel: "5.18"', `allocation: {size: 32, align: 32\n  ${MARK}- kernel: "5.18"`]], message: /spec\/rseq\.yaml:\d+:\d+: \(document\): / },
  { name: 'a duplicate key', edits: [[/(- kernel: "6.3"\n {4}name: extensible\n)/, `$1    ${MARK}name: again\n`]], message: /\(document\): duplicate key/ },
  { name: 'an unknown key', edits: [['title: Linux restartable sequences (rseq) ABI', `title: Linux restartable sequences (rseq) ABI\n${MARK}colour: blue`]], message: 'colour: unknown key "colour"' },
  { name: 'a number too large to be exact', edits: [['{name: AT_RSEQ_FEATURE_SIZE, value: 27,', `{name: AT_RSEQ_FEATURE_SIZE, value: ${MARK}99999999999999999999,`]], message: 'constants[0].value: is too large to be exact' },
  { name: 'an unquoted version', edits: [[/(- kernel: )"6.3"/, `$1${MARK}6.3`]], message: 'generations[2].kernel: a version must be a quoted string, like "6.3"' },
  { name: 'a missing required key', edits: [['  - kernel: "6.19"\n    name: eager registration\n', `  - ${MARK}kernel: "6.19"\n`]], message: 'generations[3]: missing required key "name"' },
];

describe('validate', () => {
  it('accepts the shipped spec', () => {
    expect(errorsOf(shipped)).toEqual([]);
  });

  for (const c of cases) {
    it(`reports ${c.name} with its position`, () => {
      const { text, at } = broken(...c.edits);
      const errors = errorsOf(text);
      const hit = errors.find((e) => (typeof c.message === 'string' ? e.includes(c.message) : c.message.test(e)));
      expect(hit, `no error matching ${c.message} in:\n${errors.join('\n')}`).toBeDefined();
      expect(hit!.startsWith(`spec/rseq.yaml:${at}: `), `${hit} should be at ${at}`).toBe(true);
    });
  }

  it('refuses an alias bomb at the first alias', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...'bcdefgh'.split('').map((k, i) => `${k}: &${k} [${Array(10).fill(`*${'abcdefgh'[i]}`).join(', ')}]`)].join('\n');
    const errors = errorsOf(bomb);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^spec\/rseq\.yaml:2:\d+: \(document\): aliases expand too far/);
  });

  it('reports every problem at once, in source order', () => {
    const { text } = broken([/(- name: rseq\n {4}since: "4.18"\n {4}align: )32/, `$1${MARK}48`], [/(name: AT_RSEQ_ALIGN, value: )28/, '$1-1e400']);
    const errors = errorsOf(text);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    const lines = errors.map((e) => Number(e.split(':')[1]));
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
  });
});
