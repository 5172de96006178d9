// The catalogue of review rules: a stable id, a severity and one sentence each.
import type { Severity } from './types.js';

export interface Rule {
  id: string;
  severity: Severity;
  summary: string;
}

export const rules: readonly Rule[] = [
  { id: 'FIELD_REMOVED', severity: 'incompatible', summary: 'A field of a struct disappears; code that reads or writes it breaks.' },
  { id: 'FIELD_MOVED', severity: 'incompatible', summary: 'A field changes its offset; every binary built against the old layout reads the wrong bytes.' },
  { id: 'FIELD_TYPE_CHANGED', severity: 'incompatible', summary: 'A field changes its type, size or alignment.' },
  { id: 'FIELD_RENAMED', severity: 'incompatible', summary: 'A field keeps its offset and type under another name; binaries still work but source that names it does not build.' },
  { id: 'FIELD_INSERTED_NOT_AT_END', severity: 'incompatible', summary: 'A new field lands inside the area older kernels or programs already use instead of after the last feature field.' },
  { id: 'FIELD_APPENDED', severity: 'compatible', summary: 'A new field is added after the existing ones; older users ignore it and feature detection by size finds it.' },
  { id: 'RESERVED_FIELD_REPLACED', severity: 'compatible', summary: 'A new field takes the place of a reserved field, as the reserved field was meant for.' },
  { id: 'FEATURE_SIZE_DECREASED', severity: 'incompatible', summary: 'The feature size (offsetof(struct rseq, end)) goes down, so fields detected as available vanish.' },
  { id: 'FEATURE_SIZE_AMBIGUOUS', severity: 'review', summary: 'The feature size equals the legacy allocation size 32, so it cannot be told apart from the original fixed area (why 7.0 added its reserved byte).' },
  { id: 'STRUCT_ALIGN_CHANGED', severity: 'incompatible', summary: "A struct's alignment (its aligned() attribute or natural alignment) changes." },
  { id: 'STRUCT_REMOVED', severity: 'incompatible', summary: 'A struct of the ABI disappears.' },
  { id: 'STRUCT_ADDED', severity: 'compatible', summary: 'A struct is added to the ABI.' },
  { id: 'ALLOC_ALIGN_INCREASED', severity: 'review', summary: "The alignment an allocation needs grows beyond the header's aligned() attribute; code that aligns by the header rather than AT_RSEQ_ALIGN breaks." },
  { id: 'LAYOUT_DIFFERS_BETWEEN_ABIS', severity: 'incompatible', summary: 'A field has a different offset or size on different data models or architectures, so a 64-bit kernel reads a compat task\'s area wrongly.' },
  { id: 'ENUM_VALUE_CHANGED', severity: 'incompatible', summary: 'An enumerator or flag keeps its name but changes its value.' },
  { id: 'ENUM_VALUE_REMOVED', severity: 'incompatible', summary: 'An enumerator or flag disappears.' },
  { id: 'ENUM_VALUE_ADDED', severity: 'compatible', summary: 'An enumerator is added.' },
  { id: 'FLAG_BIT_REUSED', severity: 'incompatible', summary: 'A flag takes a bit that another flag had; flag bits are never reused.' },
  { id: 'FLAG_ADDED', severity: 'compatible', summary: 'A flag is added on a bit no flag used before.' },
  { id: 'CONSTANT_ADDED', severity: 'compatible', summary: 'A constant (auxv tag, prctl or ptrace request) is added.' },
  { id: 'CONSTANT_CHANGED', severity: 'incompatible', summary: 'A constant keeps its name but changes its value.' },
  { id: 'CONSTANT_REMOVED', severity: 'incompatible', summary: 'A constant disappears.' },
  { id: 'ARCH_ADDED', severity: 'compatible', summary: 'An architecture is added.' },
  { id: 'ARCH_REMOVED', severity: 'incompatible', summary: 'An architecture disappears from the spec.' },
  { id: 'SYSCALL_NUMBER_CHANGED', severity: 'incompatible', summary: 'A system call number of an architecture changes.' },
  { id: 'SIGNATURE_CHANGED', severity: 'incompatible', summary: "An architecture's RSEQ_SIG changes; abort handlers built with the old one are rejected." },
  { id: 'REGISTRATION_RULE_CHANGED', severity: 'review', summary: 'sys_rseq answers some calls differently (a success fails, or an error changes); the finding lists the cases.' },
  { id: 'REGISTRATION_RULE_RELAXED', severity: 'compatible', summary: 'sys_rseq accepts calls it used to refuse, and changes nothing else; the finding lists the cases.' },
  { id: 'GLIBC_SEMANTICS_CHANGED', severity: 'review', summary: "What glibc registers or reports in __rseq_size changes for some glibc version." },
  { id: 'SUPPRESSION_EXPIRED', severity: 'review', summary: 'A suppression is past its expiry date and no longer applies.' },
];

export const ruleById: ReadonlyMap<string, Rule> = new Map(rules.map((r) => [r.id, r]));

export function rule(id: string): Rule {
  const r = ruleById.get(id);
  if (!r) throw new Error(`unknown review rule ${id}`);
  return r;
}
