// Per-rule fixture pairs (test/fixtures/review/<RULE_ID>/{old,new}.yaml, written by make.mjs):
// the exact findings, with their positions in the new and old YAML.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffModels, rules, sideFromText } from '../../src/review/index.js';

const dir = join(import.meta.dirname, '../fixtures/review');
const side = (rule: string, which: 'old' | 'new') => {
  const { side, errors } = sideFromText(readFileSync(join(dir, rule, `${which}.yaml`), 'utf8'), `${which}.yaml`);
  expect(errors).toEqual([]);
  return side!;
};

/** [rule, new line:col, old line:col] of every finding, in order. */
const expected: Record<string, [string, string | null, string | null][]> = {
  ALLOC_ALIGN_INCREASED: [["ALLOC_ALIGN_INCREASED","35:35","35:35"]],
  ENUM_VALUE_CHANGED: [["ENUM_VALUE_CHANGED","200:56","200:56"]],
  ENUM_VALUE_REMOVED: [["ENUM_VALUE_REMOVED","199:7","200:9"]],
  FEATURE_SIZE_AMBIGUOUS: [["FEATURE_SIZE_AMBIGUOUS","39:18","39:18"],["FEATURE_SIZE_DECREASED","39:18","39:18"],["FEATURE_SIZE_AMBIGUOUS","45:18","45:18"],["FEATURE_SIZE_DECREASED","45:18","45:18"],["FIELD_REMOVED","60:7","136:9"]],
  FEATURE_SIZE_DECREASED: [["FEATURE_SIZE_AMBIGUOUS","39:18","39:18"],["FEATURE_SIZE_DECREASED","39:18","39:18"],["FEATURE_SIZE_AMBIGUOUS","45:18","45:18"],["FEATURE_SIZE_DECREASED","45:18","45:18"],["FIELD_REMOVED","60:7","136:9"]],
  FIELD_APPENDED: [["FIELD_APPENDED","193:9",null]],
  FIELD_INSERTED_NOT_AT_END: [["FIELD_INSERTED_NOT_AT_END","192:9",null],["FIELD_MOVED","193:9","192:9"]],
  FIELD_MOVED: [["FIELD_MOVED","178:9","179:9"],["FIELD_MOVED","179:9","178:9"]],
  FIELD_REMOVED: [["FIELD_REMOVED","188:7","192:9"]],
  FIELD_RENAMED: [["FIELD_RENAMED","192:16","192:16"]],
  FIELD_TYPE_CHANGED: [["FIELD_TYPE_CHANGED","192:27","192:27"]],
  FLAG_ADDED: [["FLAG_ADDED","219:9",null]],
  FLAG_BIT_REUSED: [["FLAG_BIT_REUSED","207:48","207:53"]],
  GLIBC_SEMANTICS_CHANGED: [["GLIBC_SEMANTICS_CHANGED","274:7","274:7"]],
  LAYOUT_DIFFERS_BETWEEN_ABIS: [["FIELD_APPENDED","193:9",null],["LAYOUT_DIFFERS_BETWEEN_ABIS","193:9",null]],
  REGISTRATION_RULE_CHANGED: [["REGISTRATION_RULE_CHANGED","371:7","371:7"]],
  SIGNATURE_CHANGED: [["SIGNATURE_CHANGED","246:169","246:169"]],
  STRUCT_ALIGN_CHANGED: [["STRUCT_ALIGN_CHANGED","175:12","175:12"]],
  SYSCALL_NUMBER_CHANGED: [["SYSCALL_NUMBER_CHANGED","236:157","236:157"]],
};

describe('review rules on their fixture pairs', () => {
  for (const [rule, findings] of Object.entries(expected)) {
    it(rule, () => {
      const got = diffModels(side(rule, 'old'), side(rule, 'new'));
      expect(got.map((f) => [f.rule, f.new ? `${f.new.line}:${f.new.col}` : null, f.old ? `${f.old.line}:${f.old.col}` : null])).toEqual(findings);
      expect(got.some((f) => f.rule === rule)).toBe(true);
      for (const f of got) {
        expect(f.severity).toBe(rules.find((r) => r.id === f.rule)!.severity);
        expect(f.message).not.toBe('');
        expect(f.remedy).not.toBe('');
      }
    });
  }
  it('an unchanged spec has no findings', () => {
    expect(diffModels(side('FIELD_REMOVED', 'old'), side('FIELD_REMOVED', 'old'))).toEqual([]);
  });
});
