// verify live end to end, in process: this machine's kernel with no mismatch, a deliberately wrong
// rule caught with the case named, rseq unavailable (a seccomp filter) with exit 3, a killed case
// reported while the run goes on, a hung helper killed at its timeout.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseDocument } from 'yaml';
import { run } from '../../src/cli/program.js';
import { loadModel } from '../../src/model/index.js';
import { packagePath } from '../../src/paths.js';
import { rangeFor } from '../../src/rules/index.js';
import type { LiveReport } from '../../src/verify/live.js';
import { itNeeds, missing, needTool } from '../support/tools.js';

const noCC = missing(needTool('cc', 'gcc'));
const tmp = mkdtempSync(join(tmpdir(), 'rseq-abi-verify-'));
process.env.XDG_CACHE_HOME ??= join(tmp, 'cache');

let out = '';
let err = '';
const hooks = ['RSEQ_ABI_HELPER_NOSYS', 'RSEQ_ABI_HELPER_KILL', 'RSEQ_ABI_HELPER_SLEEP'];
afterEach(() => {
  vi.restoreAllMocks();
  out = '';
  err = '';
  for (const h of hooks) delete process.env[h];
});
async function cli(...args: string[]): Promise<number> {
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out += String(s); return true; });
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => { err += String(s); return true; });
  process.exitCode = undefined;
  const code = await run(['node', 'rseq-abi', ...args]);
  process.exitCode = undefined;
  return code;
}

/** The shipped spec with the first accepted layout of the range in force for this kernel demanding 64-alignment. */
function wrongRuleSpec(): string {
  const text = readFileSync(packagePath('spec', 'rseq.yaml'), 'utf8');
  const model = loadModel();
  const ranges = model.spec.registration.ranges;
  const index = ranges.indexOf(rangeFor(model, release()));
  const doc = parseDocument(text);
  doc.setIn(['registration', 'ranges', index, 'params', 'accepted', 0, 'align'], 64);
  const file = join(tmp, 'wrong-rule.yaml');
  writeFileSync(file, doc.toString());
  return file;
}

describe(`rseq-abi verify live on this machine (${release()})`, () => {
  itNeeds(noCC, 'finds no mismatch between the spec and the kernel', async () => {
    const code = await cli('verify', 'live', '--format', 'json');
    if (code === 3) return expect(err).toMatch(/rseq unavailable/); // not this machine's case, but not a mismatch
    const r = JSON.parse(out) as LiveReport;
    expect(r.schema).toBe('rseq-abi/verify-live@1');
    expect([...r.cases.filter((c) => c.status === 'mismatch'), ...r.checks.filter((c) => c.ok === false)]).toEqual([]);
    expect(code).toBe(0);
    expect(r.cases.filter((c) => c.status === 'ok').length).toBeGreaterThan(500);
  }, 60_000);

  itNeeds(noCC, 'prints a table of case, predicted, kernel, ok', async () => {
    const code = await cli('verify', 'live');
    if (code === 3) return;
    expect(out.split('\n')[0]).toMatch(/^case +predicted +kernel +ok$/);
    expect(out).toMatch(/\n#001 register len=0 align=4 +EINVAL \(R5\) +EINVAL +ok\n/);
    expect(out).toMatch(/no mismatch\n$/);
  }, 60_000);

  itNeeds(noCC, 'a deliberately wrong rule in a fixture spec fails with the case named', async () => {
    const code = await cli('verify', 'live', '--spec', wrongRuleSpec());
    if (code === 3) return;
    expect(code).toBe(1);
    expect(out).toMatch(/\n(#\d+ register len=32 align=32) +EINVAL \(R5\) +0 +MISMATCH\n/);
    expect(out).toMatch(/\d+ mismatches\n$/);
  }, 60_000);

  itNeeds(noCC, 'rseq unavailable (a seccomp filter returning ENOSYS): exit 3, no wall of mismatches', async () => {
    process.env.RSEQ_ABI_HELPER_NOSYS = '1';
    expect(await cli('verify', 'live')).toBe(3);
    expect(err).toMatch(/rseq unavailable: rseq\(NULL, 0, 0, 0\) gives ENOSYS/);
    expect(out).toBe('');
    expect(await cli('probe', '--format', 'json')).toBe(3);
    expect(JSON.parse(out)).toMatchObject({ schema: 'rseq-abi/probe@1', available: false });
  }, 60_000);

  itNeeds(noCC, 'a case killed by a signal is reported as such and the run goes on', async () => {
    process.env.RSEQ_ABI_HELPER_KILL = '1';
    const code = await cli('verify', 'live', '--format', 'json');
    if (code === 3) return;
    expect(code).toBe(1);
    const r = JSON.parse(out) as LiveReport;
    expect(r.cases[0]).toMatchObject({ status: 'mismatch', kernel: 'EINVAL + SIGSEGV', predicted: 'EINVAL (R5)', forked: true });
    expect(r.cases.filter((c) => c.status === 'mismatch')).toHaveLength(1);
    expect(r.cases.at(-1)!.status).toBe('ok');
  }, 60_000);

  itNeeds(noCC, 'a hung helper is killed at its timeout and reported, exit 3', async () => {
    process.env.RSEQ_ABI_HELPER_SLEEP = '30';
    const t0 = Date.now();
    expect(await cli('verify', 'live', '--timeout', '400')).toBe(3);
    expect(err).toMatch(/did not finish within 400 ms and was killed/);
    expect(Date.now() - t0).toBeLessThan(10_000);
  }, 60_000);

  itNeeds(noCC, 'probe tells what this machine supports', async () => {
    const code = await cli('probe', '--format', 'json');
    if (code === 3) return;
    expect(code).toBe(0);
    const p = JSON.parse(out);
    expect(p).toMatchObject({ schema: 'rseq-abi/probe@1', available: true, kernel: { release: release() } });
    expect(p.allocation.size % p.allocation.align).toBe(0);
    expect(p.fields.find((f: { name: string }) => f.name === 'cpu_id').available).toBe(true);
    out = '';
    await cli('probe');
    expect(out).toMatch(/^kernel +\S+/);
    expect(out).toMatch(/\nallocate +\d+ bytes aligned on \d+; register with rseq_len \d+\n/);
  }, 60_000);
});

describe('rseq-abi check', () => {
  itNeeds(noCC, 'runs validate, generate --check, verify live and verify btf, and exits with the worst', async () => {
    const steps = [['validate'], ['generate', '--check'], ['verify', 'live'], ['verify', 'btf']];
    const codes: number[] = [];
    for (const s of steps) codes.push(await cli(...s));
    out = '';
    const code = await cli('check');
    for (const s of steps) expect(out).toContain(`== rseq-abi ${s.join(' ')}`);
    expect(code).toBe(Math.max(...codes));
  }, 120_000);
});

describe('verifyLive, pure: each comparison catches a wrong observation', async () => {
  const { buildHelper, runHelper } = await import('../../src/kernel/helper.js');
  const { verifyLive } = await import('../../src/verify/live.js');
  const model = loadModel();
  const report = noCC ? undefined : await runHelper(buildHelper({
    helper: readFileSync(packagePath('generated', 'helper', 'rseq-abi-helper.c'), 'utf8'),
    header: readFileSync(packagePath('generated', 'c', 'rseq-abi.h'), 'utf8'),
  }));
  const reason = noCC ?? (report?.available ? undefined : 'rseq unavailable here');
  const failing = (mutate: (r: NonNullable<typeof report>) => void) => {
    const r = structuredClone(report!);
    mutate(r);
    const v = verifyLive(model, r);
    return [...v.cases.filter((c) => c.status === 'mismatch').map((c) => c.id), ...v.checks.filter((c) => c.ok === false).map((c) => c.name)];
  };

  itNeeds(reason, 'the real report has no mismatch', () => expect(failing(() => {})).toEqual([]));
  itNeeds(reason, 'auxv', () => expect(failing((r) => { r.auxv.align = 4096; })).toEqual(['auxv AT_RSEQ_ALIGN']));
  itNeeds(reason, 'area bytes against the field reads', () => {
    expect(failing((r) => { r.own!.hex = `ff${r.own!.hex!.slice(2)}`; })).toEqual(['area after registration: cpu_id_start (bytes decoded vs read)']);
  });
  itNeeds(reason, 'the ids after unregistration', () => {
    expect(failing((r) => { r.own!.afterUnregister!.fields.cpu_id = 7; r.own!.afterUnregister!.hex = r.own!.afterUnregister!.hex.replace(/^(.{8}).{8}/, '$107000000'); }))
      .toEqual([expect.stringMatching(/^after unregistration: cpu_id \(range /)]);
  });
  itNeeds(reason, "glibc's __rseq_size", () => {
    if (!report!.glibc?.registered) return;
    expect(failing((r) => { r.glibc!.rseqSize = 1234; })).toEqual([expect.stringMatching(/^glibc .* __rseq_size$/)]);
  });
  itNeeds(reason, 'a case errno', () => {
    expect(failing((r) => { r.cases![0].errno = 0; })).toEqual([r0(report!)]);
  });
});
const r0 = (r: { cases?: { id: string }[] }) => r.cases![0].id;

describe('the validated-spec memo of the CLI', () => {
  it('serves the same model for the same spec, and never a stale one for an edited spec', async () => {
    const { modelFrom } = await import('../../src/cli/common.js');
    const shipped = packagePath('spec', 'rseq.yaml');
    const a = modelFrom(shipped);
    const b = modelFrom(shipped);
    expect(b.spec).toEqual(a.spec);
    expect(b.spec).toEqual(loadModel(shipped).spec);
    expect(b.file).toBe(loadModel(shipped).file);
    const wrong = modelFrom(wrongRuleSpec());
    const index = a.spec.registration.ranges.indexOf(rangeFor(a, release()));
    expect((wrong.spec.registration.ranges[index].params.accepted as { align: number }[])[0].align).toBe(64);
  });
});
