// The CLI as a user runs it: exit codes, messages, JSON shapes. Runs the built dist/ (npm test builds first).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultSpecPath } from '../../src/model/index.js';
import { packagePath } from '../../src/paths.js';

const cli = (args: string[], input?: string) => {
  const r = spawnSync(process.execPath, [packagePath('dist', 'src', 'cli', 'main.js'), ...args], { input, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const tmp = mkdtempSync(join(tmpdir(), 'rseq-abi-cli-'));

describe('rseq-abi', () => {
  it('validate: the shipped spec is valid', () => {
    const r = cli(['validate']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^spec\/rseq\.yaml: valid/);
  });

  it('validate: a broken spec lists every problem with positions, exit 2, no stack trace', () => {
    const bad = join(tmp, 'bad.yaml');
    writeFileSync(bad, readFileSync(defaultSpecPath, 'utf8').replace('featureSize: 28', 'featureSize: 29').replace('bit: 5,', 'bit: 4,'));
    const r = cli(['validate', bad]);
    expect(r.code).toBe(2);
    const lines = r.err.trim().split('\n');
    const located = lines.filter((l) => /bad\.yaml:\d+:\d+: \S+: /.test(l));
    expect(located.some((l) => l.includes('generations[2].featureSize: is 29'))).toBe(true);
    expect(located.some((l) => l.includes('bit 4 is already used'))).toBe(true);
    expect(lines.at(-1)).toBe(`${located.length} problems in the spec`);
    expect(r.err).not.toMatch(/\bat .*\.js:\d+/);
  });

  it('validate: a missing file and not-YAML are clear errors', () => {
    expect(cli(['validate', join(tmp, 'nope.yaml')])).toMatchObject({ code: 2, err: expect.stringMatching(/cannot read spec .*ENOENT/) });
    writeFileSync(join(tmp, 'x.yaml'), '{{{');
    expect(cli(['validate', join(tmp, 'x.yaml')]).code).toBe(2);
  });

  it('layout --format json has the documented shape', () => {
    const r = cli(['layout', '--kernel', '7.0', '--arch', 'x86_64', '--format', 'json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ schema: 'rseq-abi/layout@1', struct: 'rseq', kernel: '7.0', generation: '7.0', arch: 'x86_64', size: 64, align: 32, featureSize: 33, allocSize: 64, allocAlign: 64 });
    expect(j.fields.map((f: { name: string }) => f.name)).toEqual(['cpu_id_start', 'cpu_id', 'rseq_cs', 'flags', 'node_id', 'mm_cid', 'slice_ctrl', '__reserved', 'end']);
  });

  it('layout text looks like pahole', () => {
    const r = cli(['layout', '--kernel', '6.12']);
    expect(r.out).toMatch(/^struct rseq \{\n/);
    expect(r.out).toMatch(/__u32\s+mm_cid;\s+\/\*\s+24\s+4 \*\//);
    expect(r.out).toMatch(/\/\* size: 32, cachelines: 1, members: 7 \*\//);
    expect(r.out).toMatch(/\/\* padding: 4 \*\//);
  });

  it('predict: reads cases on stdin, one outcome per case in order', () => {
    const r = cli(['predict', '--kernel', '6.1.0-27-amd64'], JSON.stringify([{ op: 'register', len: 32, align: 32 }, { op: 'register', len: 31, align: 32 }]));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual([{ errno: 0, rule: 'R-OK', mode: 'legacy' }, { errno: 'EINVAL', rule: 'R5' }]);
  });

  it('predict: bad input is a usage error naming the case', () => {
    const r = cli(['predict', '--kernel', '6.12'], JSON.stringify([{ op: 'register', len: 32 }, { op: 'grab', len: 32 }]));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/stdin: \[1\]\.op: /);
    expect(cli(['predict', '--kernel', '6.12'], 'not json').code).toBe(2);
    expect(cli(['predict', '--kernel', 'banana'], '[]').code).toBe(2);
    expect(cli(['predict'], '[]').code).toBe(2);
  });

  it('diff: the real history, exit codes by --fail-on and the abidiff bitmask', () => {
    const r = cli(['diff', '--from-kernel', '6.3', '--to-kernel', '7.0']);
    expect(r.code).toBe(0); // review findings do not reach the default --fail-on incompatible
    expect(r.out).toMatch(/^spec\/rseq\.yaml:\d+:\d+ ALLOC_ALIGN_INCREASED review /m);
    expect(cli(['diff', '--from-kernel', '6.3', '--to-kernel', '7.0', '--fail-on', 'review']).code).toBe(1);
    expect(cli(['diff', '--from-kernel', '6.3', '--to-kernel', '7.0', '--exit-code', 'abidiff']).code).toBe(4);
    const sarif = JSON.parse(cli(['diff', '--from-kernel', '6.3', '--to-kernel', '7.0', '--format', 'sarif']).out);
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0].results.map((x: { ruleId: string }) => x.ruleId)).toContain('REGISTRATION_RULE_CHANGED');
  });

  it('diff: a spec at a git revision, and an incompatible change exits 1', () => {
    expect(cli(['diff', '--against', 'HEAD']).code).toBe(0);
    const edited = join(tmp, 'moved.yaml');
    writeFileSync(edited, readFileSync(defaultSpecPath, 'utf8').replace('{name: RSEQ_FLAG_SLICE_EXT_DEFAULT_ON, bit: 1,', '{name: RSEQ_FLAG_SLICE_EXT_DEFAULT_ON, bit: 2,'));
    const r = cli(['diff', 'HEAD:spec/rseq.yaml', edited]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/ENUM_VALUE_CHANGED incompatible/);
    expect(cli(['diff', join(tmp, 'nope.yaml'), edited]).code).toBe(2);
  });

  it('generate writes all or nothing: a file it cannot write leaves every old file as it was', () => {
    const out = join(tmp, 'gen');
    mkdirSync(join(out, 'c'), { recursive: true });
    writeFileSync(join(out, 'c', 'rseq-abi.h'), 'old\n');
    writeFileSync(join(out, 'ts'), 'a file where generate needs a directory\n');
    const r = cli(['generate', '--out', out]);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/cannot write .*ts/);
    expect(readFileSync(join(out, 'c', 'rseq-abi.h'), 'utf8')).toBe('old\n');
    expect(readdirSync(join(out, 'c'))).toEqual(['rseq-abi.h']); // no temp file left behind
    expect(cli(['header', '-o', '/proc/rseq-abi-test/x.h']).code).toBe(3); // refused, not a hang
  });

  it('an unknown command or option is a usage error', () => {
    expect(cli(['frobnicate']).code).toBe(2);
    expect(cli(['layout', '--bogus']).code).toBe(2);
    expect(cli(['layout', '--struct', 'nope']).code).toBe(2);
  });

  it('every command has --help', () => {
    const top = cli(['--help']);
    expect(top.code).toBe(0);
    const names = [...top.out.matchAll(/^ {2}(\w+)/gm)].map((m) => m[1]).filter((n) => n !== 'help');
    expect(names).toEqual(expect.arrayContaining(['validate', 'layout', 'predict', 'generate', 'header']));
    for (const n of names) expect(cli([n, '--help']).code, n).toBe(0);
  });
});
