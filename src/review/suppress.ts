// Suppressions: a YAML list of {rule, path, reason, expires}. A reason is required; an expired
// suppression no longer applies and becomes a SUPPRESSION_EXPIRED finding. Pure: the caller
// passes today's date.
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import { formatPath, type SpecError } from '../spec/errors.js';
import { ruleById, rule as ruleOf } from './rules.js';
import type { Finding, Location } from './types.js';

export interface Suppression {
  rule: string;
  /** a YAML path of the finding (new or old side); a trailing * matches any continuation */
  path?: string;
  reason: string;
  /** YYYY-MM-DD; the suppression applies up to and including this day */
  expires?: string;
  at: Location;
}

/** Reads a suppressions file; every problem, with positions, in errors. */
export function parseSuppressions(text: string, file: string): { suppressions: Suppression[]; errors: SpecError[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const pos = (offset: number | undefined) => { const { line, col } = lines.linePos(offset ?? 0); return { line, col }; };
  const errors: SpecError[] = doc.errors.map((e) => ({ file, ...pos(e.pos[0]), path: '', message: e.message.split('\n')[0] }));
  if (errors.length) return { suppressions: [], errors };
  let list = doc.contents;
  let base: (string | number)[] = [];
  if (isMap(list) && list.has('suppressions')) { list = list.get("suppressions", true) as unknown as typeof list; base = ['suppressions']; }
  if (list === null || list === undefined) return { suppressions: [], errors };
  if (!isSeq(list)) return { suppressions: [], errors: [{ file, ...pos(list?.range?.[0]), path: formatPath(base), message: 'must be a list of {rule, path, reason, expires}' }] };
  const out: Suppression[] = [];
  list.items.forEach((item, i) => {
    const path = [...base, i];
    const err = (key: string | undefined, message: string) => {
      const node = key && isMap(item) ? item.get(key, true) as { range?: [number, number, number] } | undefined : undefined;
      errors.push({ file, ...pos(node?.range?.[0] ?? (item as { range?: number[] })?.range?.[0]), path: formatPath(key ? [...path, key] : path), message });
    };
    if (!isMap(item)) return err(undefined, 'must be a map {rule, path, reason, expires}');
    const v = item.toJSON() as Record<string, unknown>;
    for (const k of Object.keys(v)) if (!['rule', 'path', 'reason', 'expires'].includes(k)) err(k, `unknown key "${k}"`);
    if (typeof v.rule !== 'string' || !ruleById.has(v.rule)) err(v.rule === undefined ? undefined : 'rule', v.rule === undefined ? 'missing required key "rule"' : `unknown rule "${String(v.rule)}" (see rseq-abi diff --list-rules)`);
    if (typeof v.reason !== 'string' || !v.reason.trim()) err(v.reason === undefined ? undefined : 'reason', 'a suppression needs a reason');
    if (v.path !== undefined && typeof v.path !== 'string') err('path', 'must be a YAML path like structs[0].fields[4]');
    let expires: string | undefined;
    if (v.expires !== undefined) {
      expires = v.expires instanceof Date ? v.expires.toISOString().slice(0, 10) : String(v.expires);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(expires) || Number.isNaN(Date.parse(expires))) err('expires', 'must be a date YYYY-MM-DD');
    }
    out.push({ rule: String(v.rule), path: v.path as string | undefined, reason: String(v.reason ?? ''), expires, at: { file, ...pos(item.range?.[0]), path: formatPath(path) } });
  });
  return errors.length ? { suppressions: [], errors } : { suppressions: out, errors };
}

const matches = (s: Suppression, f: Finding) => {
  if (s.rule !== f.rule) return false;
  if (s.path === undefined) return true;
  const paths = [f.new?.path, f.old?.path].filter((p): p is string => p !== undefined);
  return paths.some((p) => (s.path!.endsWith('*') ? p.startsWith(s.path!.slice(0, -1)) : p === s.path));
};

/** Marks suppressed findings; expired suppressions apply to nothing and are reported. today: YYYY-MM-DD. */
export function applySuppressions(findings: Finding[], suppressions: Suppression[], today: string): Finding[] {
  const live = suppressions.filter((s) => !s.expires || s.expires >= today);
  const out = findings.map((f) => {
    const s = live.find((x) => matches(x, f));
    return s ? { ...f, suppressed: { reason: s.reason } } : f;
  });
  for (const s of suppressions.filter((x) => !live.includes(x))) {
    out.push({
      rule: 'SUPPRESSION_EXPIRED', severity: ruleOf('SUPPRESSION_EXPIRED').severity,
      message: `the suppression of ${s.rule}${s.path ? ` at ${s.path}` : ''} expired on ${s.expires} (${s.reason})`,
      remedy: 'Fix what it suppressed, or extend expires with a reason that still holds.',
      new: s.at,
    });
  }
  return out;
}

/** YYYY-MM-DD of a clock in UTC. */
export const isoDay = (now: Date) => now.toISOString().slice(0, 10);
