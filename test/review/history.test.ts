// The real history of the shipped spec reads right.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultSpecPath } from '../../src/model/index.js';
import { diffModels, sideFromText } from '../../src/review/index.js';
import { format, summarize } from '../../src/review/format.js';
import { applySuppressions, parseSuppressions } from '../../src/review/suppress.js';

const text = readFileSync(defaultSpecPath, 'utf8');
const between = (a: string, b: string) => diffModels(
  sideFromText(text, 'spec/rseq.yaml', { generation: a }).side!,
  sideFromText(text, 'spec/rseq.yaml', { generation: b }).side!,
);
const count = (fs: { rule: string }[], rule: string) => fs.filter((f) => f.rule === rule).length;

describe('the history of struct rseq', () => {
  it('4.18 -> 6.3 is compatible: node_id and mm_cid are appended', () => {
    const fs = between('4.18', '6.3');
    expect(summarize(fs).verdict).toBe('compatible');
    expect(fs.filter((f) => f.rule === 'FIELD_APPENDED').map((f) => f.message.split(' ')[0])).toEqual(['rseq.node_id', 'rseq.mm_cid']);
    expect(fs.find((f) => f.rule === 'FIELD_APPENDED')!.new).toMatchObject({ file: 'spec/rseq.yaml', path: 'structs[0].fields[4]' });
  });

  it('6.3 -> 7.0 needs review: the allocation alignment and the registration rules change', () => {
    const fs = between('6.3', '7.0');
    expect(summarize(fs)).toMatchObject({ verdict: 'review', incompatible: 0, review: 2 });
    expect(fs.filter((f) => f.severity === 'review').map((f) => f.rule).sort()).toEqual(['ALLOC_ALIGN_INCREASED', 'REGISTRATION_RULE_CHANGED']);
    expect(count(fs, 'FIELD_APPENDED')).toBe(2);
    expect(count(fs, 'FLAG_ADDED')).toBe(3);
    const align = fs.find((f) => f.rule === 'ALLOC_ALIGN_INCREASED')!;
    expect(align.new).toMatchObject({ path: 'generations[4].allocation.align', line: 41, col: 35 });
    expect(align.old).toMatchObject({ path: 'generations[2].allocation.align', line: 29, col: 35 });
    const reg = fs.find((f) => f.rule === 'REGISTRATION_RULE_CHANGED')!;
    expect(reg.cases).toContainEqual({ case: 'register len=64 align=32', old: 'ok (legacy) [R-OK]', new: 'EINVAL [R5]' });
    expect(reg.cases).toContainEqual({ case: 'register len=32 align=32 flags=2', old: 'EINVAL [R1]', new: 'ok (legacy) [R-OK]' });
  });

  it('formats: text, json, sarif, github, markdown', () => {
    const fs = between('6.3', '7.0');
    const meta = { old: 'spec/rseq.yaml@6.3', new: 'spec/rseq.yaml@7.0' };
    expect(format('text', fs, meta).split('\n')[0]).toMatch(/^spec\/rseq\.yaml:41:35 ALLOC_ALIGN_INCREASED review /);
    expect(JSON.parse(format('json', fs, meta)).schema).toBe('rseq-abi/diff@1');
    const sarif = JSON.parse(format('sarif', fs, meta));
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0].results[0].locations[0].physicalLocation.region).toEqual({ startLine: 41, startColumn: 35 });
    expect(sarif.runs[0].tool.driver.rules.some((r: { id: string }) => r.id === 'FEATURE_SIZE_AMBIGUOUS')).toBe(true);
    expect(format('github', fs, meta).split('\n')[0]).toMatch(/^::warning file=spec\/rseq\.yaml,line=41,col=35,title=ALLOC_ALIGN_INCREASED::/);
    const md = format('markdown', fs, { ...meta, maxBytes: 3000 });
    expect(md).toContain('| ⚠️ review | 2 |');
    expect(Buffer.byteLength(md)).toBeLessThan(3000);
    expect(md).toMatch(/left out to keep this comment under 3 KB/);
  });

  it('suppressions: a reason is required, suppressed findings stay listed, expired ones become findings', () => {
    const bad = parseSuppressions('- rule: ALLOC_ALIGN_INCREASED\n  path: generations[4].allocation.align\n', 's.yaml');
    expect(bad.errors).toEqual([{ file: 's.yaml', line: 1, col: 3, path: '[0]', message: 'a suppression needs a reason' }]);
    const ok = parseSuppressions([
      '- {rule: ALLOC_ALIGN_INCREASED, path: "generations[4].*", reason: known since 7.0, expires: 2030-01-01}',
      '- {rule: REGISTRATION_RULE_CHANGED, reason: reviewed, expires: 2020-01-01}',
    ].join('\n'), 's.yaml');
    expect(ok.errors).toEqual([]);
    const fs = applySuppressions(between('6.3', '7.0'), ok.suppressions, '2026-06-01');
    expect(fs.find((f) => f.rule === 'ALLOC_ALIGN_INCREASED')!.suppressed).toEqual({ reason: 'known since 7.0' });
    expect(fs.find((f) => f.rule === 'REGISTRATION_RULE_CHANGED')!.suppressed).toBeUndefined();
    expect(fs.find((f) => f.rule === 'SUPPRESSION_EXPIRED')!.new).toMatchObject({ file: 's.yaml', line: 2, col: 3 });
    expect(summarize(fs)).toMatchObject({ suppressed: 1, review: 2 });
  });
});
