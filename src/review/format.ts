// Findings as text, json, markdown (a pull-request comment), SARIF 2.1.0 and GitHub workflow
// annotations. Pure: findings in, a string out.
import { rules } from './rules.js';
import { severities, type Finding, type Location, type Severity } from './types.js';

export const formats = ['text', 'json', 'markdown', 'sarif', 'github'] as const;
export type Format = (typeof formats)[number];

export interface ReportMeta {
  /** what was compared, as the user named it */
  old: string;
  new: string;
  /** tool version for SARIF */
  version?: string;
  /** markdown size cap in bytes */
  maxBytes?: number;
  /** text: color a severity */
  paint?: (s: Severity, text: string) => string;
}

const where = (f: Finding): Location | undefined => f.new ?? f.old;
const at = (l: Location | undefined) => (l ? `${l.file}:${l.line}:${l.col}` : '(spec)');

export function summarize(findings: Finding[]) {
  const count = { incompatible: 0, review: 0, compatible: 0, suppressed: 0 };
  for (const f of findings) {
    if (f.suppressed) count.suppressed++;
    else count[f.severity]++;
  }
  const verdict: Severity = count.incompatible ? 'incompatible' : count.review ? 'review' : 'compatible';
  return { ...count, verdict };
}

export function format(kind: Format, findings: Finding[], meta: ReportMeta): string {
  switch (kind) {
    case 'text': return formatText(findings, meta);
    case 'json': return formatJson(findings, meta);
    case 'markdown': return formatMarkdown(findings, meta);
    case 'sarif': return formatSarif(findings, meta);
    case 'github': return formatGithub(findings);
  }
}

export function formatText(findings: Finding[], meta: ReportMeta): string {
  const paint = meta.paint ?? ((_s: Severity, t: string) => t);
  const lines = findings.map((f) => `${at(where(f))} ${f.rule} ${paint(f.severity, f.severity)}${f.suppressed ? ` (suppressed: ${f.suppressed.reason})` : ''} ${f.message}`);
  const s = summarize(findings);
  lines.push(`${meta.old} -> ${meta.new}: ${paint(s.verdict, s.verdict)} (${s.incompatible} incompatible, ${s.review} review, ${s.compatible} compatible${s.suppressed ? `, ${s.suppressed} suppressed` : ''})`);
  return `${lines.join('\n')}\n`;
}

export function formatJson(findings: Finding[], meta: ReportMeta): string {
  return `${JSON.stringify({ schema: 'rseq-abi/diff@1', old: meta.old, new: meta.new, summary: summarize(findings), findings }, null, 2)}\n`;
}

const mdCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const icon: Record<Severity, string> = { incompatible: '\u274c', review: '\u26a0\ufe0f', compatible: '\u2705' };

export function formatMarkdown(findings: Finding[], meta: ReportMeta): string {
  const max = meta.maxBytes ?? 60_000;
  const s = summarize(findings);
  const head: string[] = [
    `## rseq-abi diff: ${icon[s.verdict]} ${s.verdict}`, '',
    `\`${meta.old}\` \u2192 \`${meta.new}\``, '',
    '| severity | findings |', '|---|---:|',
    ...severities.map((v) => `| ${icon[v]} ${v} | ${s[v]} |`),
    ...(s.suppressed ? [`| suppressed | ${s.suppressed} |`] : []), '',
  ];
  if (!findings.length) return `${head.join('\n')}No ABI change.\n`;
  head.push('| | rule | where | message |', '|---|---|---|---|');
  const rows = findings.map((f) => `| ${f.suppressed ? '\u{1f507}' : icon[f.severity]} | \`${f.rule}\` | \`${at(where(f))}\` | ${mdCell(f.message)} |`);
  const details = findings.map((f) => {
    const out = [`### \`${f.rule}\` (${f.severity}${f.suppressed ? `, suppressed: ${mdCell(f.suppressed.reason)}` : ''})`, '', f.message, ''];
    if (f.new) out.push(`- new: \`${at(f.new)}\` \`${f.new.path}\``);
    if (f.old) out.push(`- old: \`${at(f.old)}\` \`${f.old.path}\``);
    out.push(`- remedy: ${f.remedy}`);
    if (f.cases?.length) {
      out.push('', '<details><summary>cases whose outcome changes</summary>', '', '| case | old | new |', '|---|---|---|');
      for (const c of f.cases) out.push(`| \`${c.case}\` | ${mdCell(c.old)} | ${mdCell(c.new)} |`);
      out.push('', '</details>');
    }
    out.push('');
    return out.join('\n');
  });
  const bytes = (t: string) => Buffer.byteLength(t, 'utf8');
  let text = head.join('\n');
  const note = (shown: number, what: string) => `\n_${findings.length - shown} more ${what} left out to keep this comment under ${Math.round(max / 1000)} KB; run \`rseq-abi diff --format json\` for all of them._\n`;
  let i = 0;
  for (; i < rows.length; i++) {
    if (bytes(text) + bytes(rows[i]) + 400 > max) break;
    text += `\n${rows[i]}`;
  }
  if (i < rows.length) return `${text}\n${note(i, 'findings')}`;
  text += '\n\n<details><summary>details</summary>\n\n';
  let j = 0;
  for (; j < details.length; j++) {
    if (bytes(text) + bytes(details[j]) + 400 > max) break;
    text += `${details[j]}\n`;
  }
  text += '</details>\n';
  if (j < details.length) text += note(j, 'details');
  return text;
}

const level: Record<Severity, 'error' | 'warning' | 'note'> = { incompatible: 'error', review: 'warning', compatible: 'note' };

export function formatSarif(findings: Finding[], meta: ReportMeta): string {
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: {
        driver: {
          name: 'rseq-abi',
          version: meta.version ?? '0.1.0',
          rules: rules.map((r) => ({
            id: r.id, name: r.id, shortDescription: { text: r.summary },
            defaultConfiguration: { level: level[r.severity] }, properties: { severity: r.severity },
          })),
        },
      },
      results: findings.map((f) => {
        const l = where(f);
        const result: Record<string, unknown> = {
          ruleId: f.rule, ruleIndex: index.get(f.rule) ?? -1, level: level[f.severity],
          message: { text: `${f.message} Remedy: ${f.remedy}` },
          locations: l ? [{ physicalLocation: { artifactLocation: { uri: l.file }, region: { startLine: l.line, startColumn: l.col } }, logicalLocations: [{ fullyQualifiedName: l.path }] }] : [],
          properties: { severity: f.severity, ...(f.old ? { old: f.old } : {}), ...(f.cases ? { cases: f.cases } : {}) },
        };
        if (f.old && f.new) result.relatedLocations = [{ id: 1, message: { text: 'before the change' }, physicalLocation: { artifactLocation: { uri: f.old.file }, region: { startLine: f.old.line, startColumn: f.old.col } } }];
        if (f.suppressed) result.suppressions = [{ kind: 'external', justification: f.suppressed.reason }];
        return result;
      }),
    }],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}

const ghData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const ghProp = (s: string) => ghData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
const ghLevel: Record<Severity, string> = { incompatible: 'error', review: 'warning', compatible: 'notice' };

/** GitHub workflow commands; suppressed findings are left out (they are in json and sarif). */
export function formatGithub(findings: Finding[]): string {
  return findings.filter((f) => !f.suppressed).map((f) => {
    const l = where(f);
    const props = [...(l ? [`file=${ghProp(l.file)}`, `line=${l.line}`, `col=${l.col}`] : []), `title=${ghProp(f.rule)}`].join(',');
    return `::${ghLevel[f.severity]} ${props}::${ghData(`${f.message} (${f.remedy})`)}\n`;
  }).join('');
}
