// The bump round trip, on a temp copy of the spec and a temp generated/ dir: a u32 after 7.0 gets
// the layout the C compiler gives for the regenerated header, validates, and leaves every other
// byte of the YAML as it was.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateAll } from '../../generators/index.js';
import { defaultSpecPath } from '../../src/model/index.js';
import { bumpField, bumpFlag, untouchedCheck } from '../../src/review/bump.js';
import { validateSpec } from '../../src/spec/index.js';
import { itNeeds, needTool, which } from '../support/tools.js';

const original = readFileSync(defaultSpecPath, 'utf8');
const tmp = mkdtempSync(join(tmpdir(), 'rseq-abi-bump-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('bump field', () => {
  const result = bumpField(original, 'spec/rseq.yaml', { name: 'test_id', type: 'u32', kernel: '7.1', doc: 'A test field.' });

  it('validates and only adds bytes', () => {
    expect(result.errors).toEqual([]);
    expect(validateSpec(result.text!, 'spec/rseq.yaml').errors).toEqual([]);
    expect(untouchedCheck(original, result.text!)).toEqual([]);
    // Removing the added lines gives back the original, byte for byte.
    const blocks = [
      ['  - kernel: "7.1"', '    name: "test_id"', '    summary: "test_id: A test field."', '    featureSize: 36',
        '    auxv: {featureSize: 36, align: 64}', '    allocation: {size: 64, align: 64}'],
      ['        until: "7.1"'],
      ['      - name: test_id', '        offset: 32', '        type: u32', '        since: "7.1"', '        writer: kernel', '        readOnly: true', '        doc: "A test field."'],
    ];
    const lines = result.text!.split('\n');
    for (const b of blocks) {
      const at = lines.indexOf(b[0]);
      expect(lines.slice(at, at + b.length)).toEqual(b);
      lines.splice(at, b.length);
    }
    expect(lines.join('\n')).toBe(original);
  });

  it('replaces the reserved byte and reports the consequences', () => {
    expect(result.report[0]).toBe('struct rseq.test_id: u32, offset 32, 4 bytes (replaces the reserved __reserved, which gets until: 7.1)');
    expect(result.report).toContain('feature size: 33 -> 36 (AT_RSEQ_FEATURE_SIZE 36, AT_RSEQ_ALIGN 64 -> 64)');
    expect(result.report).toContain('glibc 2.41+: __rseq_size 33 -> 36, registered length 33 -> 36');
    expect(result.findings.map((f) => f.rule)).toEqual(['RESERVED_FIELD_REPLACED']);
  });

  itNeeds(needTool('cc', 'gcc'), 'the C compiler agrees with the offset', async () => {
    const files = await generateAll(result.model!);
    const header = files.find((f) => f.path === 'c/rseq-abi-7.1.h')!;
    expect(header).toBeDefined();
    writeFileSync(join(tmp, 'rseq-abi.h'), header.content);
    writeFileSync(join(tmp, 'check.c'), [
      '#include "rseq-abi.h"',
      '_Static_assert(__builtin_offsetof(struct rseq, test_id) == 32, "offset");',
      '_Static_assert(sizeof(((struct rseq *)0)->test_id) == 4, "size");',
      '_Static_assert(__builtin_offsetof(struct rseq, end) == 36, "feature size");',
      'int main(void) { return 0; }', '',
    ].join('\n'));
    execFileSync(which('cc') ?? 'cc', ['-std=gnu11', '-Werror', '-c', '-o', join(tmp, 'check.o'), join(tmp, 'check.c')], { stdio: 'pipe' });
  });

  it('refuses what would not validate and writes nothing', () => {
    const r = bumpField(original, 'spec/rseq.yaml', { name: 'cpu_id', type: 'u32', kernel: '7.1' });
    expect(r.text).toBeUndefined();
    expect(r.errors[0].message).toMatch(/already has a field cpu_id/);
    const older = bumpField(original, 'spec/rseq.yaml', { name: 'x', type: 'u32', kernel: '6.1' });
    expect(older.text).toBeUndefined();
  });

  it('a proposed generation stays out of the merged outputs', async () => {
    const r = bumpField(original, 'spec/rseq.yaml', { name: 'test_id', type: 'u32', kernel: '7.1', proposed: true });
    expect(r.text).toContain('proposed: true');
    const { resolve } = await import('../../src/model/index.js');
    const merged = await generateAll(resolve(r.model!.spec, {}));
    expect(merged.some((f) => f.path === 'c/rseq-abi-7.1.h')).toBe(false);
    expect(merged.find((f) => f.path === 'c/rseq-abi.h')!.content).not.toContain('test_id');
  });

  it('and out of a later merged generation too', async () => {
    const proposal = bumpField(original, 'spec/rseq.yaml', { name: 'test_id', type: 'u32', kernel: '7.1', proposed: true });
    const later = bumpFlag(proposal.text!, 'spec/rseq.yaml', { enum: 'rseq_cs_flags', name: 'RSEQ_CS_FLAG_TEST', kernel: '7.2' });
    expect(later.errors).toEqual([]);
    const { resolve, layout, findArch } = await import('../../src/model/index.js');
    const merged = resolve(later.model!.spec, {});
    expect(merged.generations.map((g) => g.kernel)).toContain('7.2');
    const fields = layout(merged, 'rseq', '7.2', findArch(merged, 'x86_64')!).fields.map((f) => f.name);
    expect(fields).not.toContain('test_id');
    expect(fields).toContain('__reserved'); // the byte the proposal would replace is still there
    const header = (await generateAll(merged)).find((f) => f.path === 'c/rseq-abi-7.2.h')!.content;
    expect(header).not.toContain('test_id');
    expect(header).toContain('RSEQ_CS_FLAG_TEST');
    expect(layout(resolve(later.model!.spec, { includeProposed: true }), 'rseq', '7.2', findArch(merged, 'x86_64')!).fields.map((f) => f.name)).toContain('test_id');
  });
});

describe('bump flag', () => {
  it('takes the next bit after the highest and only adds bytes', () => {
    const r = bumpFlag(original, 'spec/rseq.yaml', { enum: 'rseq_cs_flags', name: 'RSEQ_CS_FLAG_TEST', kernel: '7.1' });
    expect(r.errors).toEqual([]);
    expect(r.text).toContain('- {name: RSEQ_CS_FLAG_TEST, bit: 6, since: "7.1"');
    expect(untouchedCheck(original, r.text!)).toEqual([]);
    expect(r.findings.map((f) => f.rule)).toEqual(['FLAG_ADDED']);
  });
});
