// The spec against a kernel's own BTF: pure comparison, no I/O. For the generation the spec assigns
// to the kernel, every struct of the spec that kernel has (rseq, rseq_cs, rseq_slice_ctrl,
// ptrace_rseq_configuration) and every enum. BTF records no alignment, so sizes and offsets are
// compared; enum values modulo 2^32, since older kernels emit enums without a sign.
import { btfLayoutOf, type Btf, type BtfMember } from '../kernel/btf.js';
import { compareVersionStrings as cmp, flatten, generationFor, layout, type Arch, type Model } from '../model/index.js';

export interface BtfCheck {
  /** struct or enum name */
  item: string;
  /** what is compared: 'sizeof', a member path, an enumerator */
  name: string;
  expected: string;
  observed: string;
  ok: boolean;
}

export interface BtfReport {
  schema: 'rseq-abi/verify-btf@1';
  kernel: string;
  generation: string;
  arch: string;
  checks: BtfCheck[];
  mismatches: number;
}

const span = (m: { offset: number; size: number }) => `offset ${m.offset} size ${m.size}`;

function btfMembers(members: BtfMember[], into = new Map<string, BtfMember>()): Map<string, BtfMember> {
  for (const m of members) {
    if (m.path && !into.has(m.path)) into.set(m.path, m);
    btfMembers(m.members, into);
  }
  return into;
}

export function verifyBtf(model: Model, btf: Btf, kernel: string, arch: Arch): BtfReport {
  const gen = generationFor(model, kernel);
  if (!gen) throw new Error(`kernel ${kernel} predates rseq`);
  const checks: BtfCheck[] = [];
  const check = (item: string, name: string, expected: string, observed: string) => checks.push({ item, name, expected, observed, ok: expected === observed });
  for (const s of model.structs.filter((s) => cmp(s.since, kernel) <= 0)) {
    const want = layout(model, s.name, gen.kernel, arch, kernel);
    const got = btfLayoutOf(btf, s.name);
    if (!got) {
      check(s.name, 'struct', 'present', 'absent');
      continue;
    }
    check(s.name, 'sizeof', String(want.size), String(got.size));
    const have = btfMembers(got.members);
    const wanted = flatten(want.fields).filter((f) => f.name);
    for (const f of wanted) {
      const b = have.get(f.path);
      check(s.name, f.path, f.end ? `offset ${f.offset}` : span(f), b ? (f.end ? `offset ${b.offset}` : span(b)) : 'absent');
    }
    const known = new Set(want.fields.map((f) => f.name));
    for (const m of got.members) if (m.name && !known.has(m.name)) check(s.name, m.name, 'absent', span(m));
  }
  for (const e of model.enums.filter((e) => cmp(e.since, kernel) <= 0)) {
    const got = btf.findEnum(e.name);
    if (!got) {
      check(e.name, 'enum', 'present', 'absent');
      continue;
    }
    const values = new Map(got.values.map((v) => [v.name, BigInt.asUintN(32, BigInt(v.value))]));
    for (const v of e.values.filter((v) => cmp(v.since, kernel) <= 0)) {
      const have = values.get(v.name);
      check(e.name, v.name, String(BigInt.asUintN(32, BigInt(v.value))), have === undefined ? 'absent' : String(have));
      values.delete(v.name);
    }
    for (const [name, value] of values) check(e.name, name, 'absent', String(value));
  }
  return { schema: 'rseq-abi/verify-btf@1', kernel, generation: gen.kernel, arch: arch.name, checks, mismatches: checks.filter((c) => !c.ok).length };
}
