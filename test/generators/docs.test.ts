// The docs: one Markdown reference and one SVG per generation, every number from the model,
// byte-identical on every run, well-formed XML and intact Markdown tables even when the spec's
// text is hostile. With chromium on PATH the SVGs are also rendered.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { generateDocs } from '../../generators/docs/index.js';
import { generatedNotice, type GeneratedFile } from '../../generators/types.js';
import { defaultSpecPath, flatten, layout, loadModel, resolve, type Model } from '../../src/model/index.js';
import { validateSpec } from '../../src/spec/index.js';
import { itNeeds, needTool } from '../support/tools.js';

const run = promisify(execFile);
const shipped = readFileSync(defaultSpecPath, 'utf8');
const work = mkdtempSync(join(tmpdir(), 'rseq-abi-docs-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const docs = async (model: Model): Promise<GeneratedFile[]> => generateDocs(model);

function specWith(...edits: [string, string][]): Model {
  let text = shipped;
  for (const [find, replace] of edits) {
    const hits = text.split(find).length - 1;
    if (hits !== 1) throw new Error(`fixture edit ${find} matches ${hits} times`);
    text = text.replace(find, replace);
  }
  const { spec, errors } = validateSpec(text, 'spec/rseq.yaml');
  if (!spec) throw new Error(`fixture spec is invalid: ${errors.map((e) => e.message).join('; ')}`);
  return resolve(spec);
}

/**
 * A small XML 1.0 well-formedness check: one root element, balanced tags, quoted attributes without
 * `<` or stray `&`, unique attribute names, only the predefined or numeric entities, comments without
 * `--`. Returns the problems (none for a well-formed document) and the element names in order.
 */
function checkXml(doc: string): { problems: string[]; elements: string[]; texts: string[] } {
  const problems: string[] = [];
  const elements: string[] = [];
  const texts: string[] = [];
  const stack: string[] = [];
  let roots = 0;
  const entity = /&(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/y;
  const checkText = (s: string, where: string) => {
    for (let i = 0; i < s.length; i++) {
      if (s[i] === '<') problems.push(`raw < in ${where}`);
      if (s[i] === '&') {
        entity.lastIndex = i;
        if (!entity.test(s)) problems.push(`bad entity in ${where}: ${s.slice(i, i + 12)}`);
      }
    }
  };
  let i = 0;
  while (i < doc.length) {
    if (doc.startsWith('<!--', i)) {
      const end = doc.indexOf('-->', i + 4);
      if (end < 0) { problems.push('unterminated comment'); break; }
      if (doc.slice(i + 4, end).includes('--')) problems.push('-- inside a comment');
      i = end + 3;
      continue;
    }
    if (doc[i] === '<') {
      const end = doc.indexOf('>', i);
      if (end < 0) { problems.push('unterminated tag'); break; }
      const tag = doc.slice(i + 1, end);
      if (tag.startsWith('/')) {
        const name = tag.slice(1).trim();
        if (stack.pop() !== name) problems.push(`mismatched </${name}>`);
      } else {
        const selfClosing = tag.endsWith('/');
        const m = /^([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.:-]*="[^"]*"|\s+[A-Za-z_][\w.:-]*='[^']*')*)\s*\/?$/.exec(tag);
        if (!m) { problems.push(`malformed tag <${tag.slice(0, 60)}>`); i = end + 1; continue; }
        const names = [...m[2].matchAll(/([A-Za-z_][\w.:-]*)=("[^"]*"|'[^']*')/g)];
        if (new Set(names.map((n) => n[1])).size !== names.length) problems.push(`duplicate attribute in <${m[1]}>`);
        for (const n of names) checkText(n[2].slice(1, -1), `attribute ${n[1]}`);
        if (!stack.length) roots++;
        elements.push(m[1]);
        if (!selfClosing) stack.push(m[1]);
      }
      i = end + 1;
      continue;
    }
    const next = doc.indexOf('<', i);
    const text = doc.slice(i, next < 0 ? doc.length : next);
    if (!stack.length && text.trim()) problems.push(`text outside the root: ${text.trim().slice(0, 30)}`);
    checkText(text, 'text');
    if (stack.length) texts.push(text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&'));
    i = next < 0 ? doc.length : next;
  }
  if (stack.length) problems.push(`unclosed <${stack.join('>, <')}>`);
  if (roots !== 1) problems.push(`${roots} root elements`);
  return { problems, elements, texts };
}

/** Cells of a GFM table row: split at pipes that are not escaped. */
const cells = (row: string) => row.replace(/^\|/, '').replace(/\|$/, '').split(/(?<!\\)\|/);

/** Every table: a header row, a delimiter row, body rows; each must have the header's cell count. */
function tables(md: string): string[][][] {
  const out: string[][][] = [];
  const lines = md.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].startsWith('|') || !/^\|[-:|]+\|$/.test(lines[i + 1] ?? '')) continue;
    const rows: string[][] = [];
    for (let j = i; j < lines.length && lines[j].startsWith('|'); j++) if (j !== i + 1) rows.push(cells(lines[j]).map((c) => c.trim()));
    out.push(rows);
  }
  return out;
}

const model = loadModel();

describe('generated/docs', () => {
  it('is one Markdown file and one SVG per generation, each starting with the notice, byte-identical on every run', async () => {
    const files = await docs(model);
    expect(files.map((f) => f.path)).toEqual(['docs/rseq-abi.md', ...model.generations.map((g) => `docs/rseq-${g.kernel}.svg`)]);
    for (const f of files) expect(f.content.split('\n')[0]).toBe(`<!-- ${generatedNotice()} -->`);
    expect(await docs(model)).toEqual(files);
    expect(await docs(loadModel())).toEqual(files);
  });

  it('writes every table intact and every layout row as layout() has it', async () => {
    const md = (await docs(model))[0].content;
    const all = tables(md);
    expect(all.length).toBeGreaterThan(model.generations.length + model.enums.length);
    for (const t of all) for (const row of t) expect(row.length).toBe(t[0].length);
    // the layout table of each generation, for the first architecture, row by row
    const layoutTables = all.filter((t) => t[0].join('|') === 'offset|size|field|type|since|writer');
    for (const g of model.generations) {
      const l = layout(model, 'rseq', g.kernel, model.arches[0]);
      const expected = flatten(l.fields).map((f) => [String(f.offset), String(f.size)]);
      const found = layoutTables.some((t) => {
        const rows = t.slice(1).filter((r) => !r[2].startsWith('*'));
        return JSON.stringify(rows.map((r) => [r[0], r[1]])) === JSON.stringify(expected)
          && rows.every((r, i) => r[2].includes(flatten(l.fields)[i].name || 'anonymous'));
      });
      expect(found, `layout table of ${g.kernel}`).toBe(true);
      expect(md).toContain(`feature size (offsetof(struct rseq, end)): ${g.featureSize}`);
      expect(md).toContain(`![Layout of struct rseq in ${g.kernel}](rseq-${g.kernel}.svg)`);
    }
    // the tables of the other sections, by their first cells
    const firstCells = new Set(all.flatMap((t) => t.slice(1).map((r) => r[0])));
    for (const a of model.arches) expect(firstCells).toContain(`\`${a.name}\``);
    for (const s of model.spec.registration.steps) expect(firstCells).toContain(`\`${s.id}\``);
    for (const e of model.enums) for (const v of e.values) expect(firstCells).toContain(`\`${v.name}\``);
    for (const c of model.spec.constants) expect(firstCells).toContain(`\`${c.name}\``);
    for (const s of model.spec.glibc.symbols) expect(firstCells).toContain(`\`${s.name}\``);
    const params = all.find((t) => t[0][0] === 'parameter')!;
    expect(params[0].length).toBe(model.spec.registration.ranges.length + 1);
  });

  it('draws each generation with its fields, padding, the end marker and the cacheline, as well-formed SVG', async () => {
    const files = await docs(model);
    for (const g of model.generations) {
      const svg = files.find((f) => f.path === `docs/rseq-${g.kernel}.svg`)!.content;
      const { problems, elements, texts } = checkXml(svg);
      expect(problems).toEqual([]);
      expect(elements[0]).toBe('svg');
      const l = layout(model, 'rseq', g.kernel, model.arches[0]);
      const words = texts.join('\n');
      for (const f of l.fields.filter((f) => !f.end)) expect(words).toContain(f.name);
      expect(words).toContain(`sizeof ${l.size}`);
      expect(words).toContain('64-byte cacheline');
      expect(words).toContain('original area');
      const end = l.fields.find((f) => f.end);
      expect(words).toContain(end ? `end · ${end.offset}` : `feature size · ${g.featureSize}`);
      if (l.tailPadding) expect(words).toContain(`padding · ${l.tailPadding} B`);
      for (const gen of model.generations.filter((x) => l.fields.some((f) => !f.end && !f.reserved && f.since === x.kernel))) {
        expect(words).toContain(`added in ${gen.kernel}`);
      }
      if (l.fields.some((f) => f.reserved)) expect(svg).toMatch(/<pattern id="hatch\d+"/);
    }
  });
});

describe('hostile spec text', () => {
  const nasty = '*/ #endif `${x}` </svg><script>alert(1)</script> & | pipe [link](x) <b> $math$ _em_ \\ --';
  const yamlString = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const hostile = () => specWith(
    ['title: Linux restartable sequences (rseq) ABI', `title: ${yamlString(`# rseq ${nasty}`)}`],
    ['doc: NUMA node of the CPU the thread runs on.', `doc: ${yamlString(nasty)}`],
    ['    name: extensible\n', `    name: ${yamlString(`ext ${nasty}`)}\n`],
    ['summary: sys_rseq and struct rseq with cpu_id_start, cpu_id, rseq_cs and flags; one fixed 32-byte area.', `summary: ${yamlString(nasty)}`],
    ['{name: RSEQ_FLAG_UNREGISTER, bit: 0, since: "4.18", doc: Unregister the area.}', `{name: RSEQ_FLAG_UNREGISTER, bit: 0, since: "4.18", doc: ${yamlString(`a | b | ${nasty}`)}}`],
    ['{name: __rseq_flags, type: unsigned int, since: "2.35", doc: Flags of the registration; always 0.}', `{name: __rseq_flags, type: unsigned int, since: "2.35", doc: ${yamlString(nasty)}}`],
  );

  it('keeps every SVG well-formed XML, with the text escaped rather than interpreted', async () => {
    const files = await docs(hostile());
    for (const f of files.filter((f) => f.path.endsWith('.svg'))) {
      const { problems, elements } = checkXml(f.content);
      expect(problems, f.path).toEqual([]);
      expect(elements).not.toContain('script');
      expect(f.content.match(/<\/svg>/g)).toHaveLength(1);
    }
    const svg63 = files.find((f) => f.path === 'docs/rseq-6.3.svg')!.content;
    expect(checkXml(svg63).texts.join('')).toContain(`ext ${nasty}`);
    expect(svg63).toContain('&lt;/svg&gt;&lt;script&gt;');
  });

  it('keeps every Markdown table intact and escapes markup in the prose', async () => {
    const md = (await docs(hostile()))[0].content;
    for (const t of tables(md)) for (const row of t) expect(row.length).toBe(t[0].length);
    const lines = md.split('\n');
    expect(lines).not.toContain('</svg><script>alert(1)</script>');
    expect(md).not.toMatch(/<script>|<b>|<\/svg>/);
    // the heading stays one heading, the doc's markup characters are literal
    expect(lines.filter((l) => l.startsWith('# '))).toHaveLength(1);
    const doc = lines.find((l) => l.startsWith('- `node_id`'))!;
    expect(doc).toContain('\\*/ \\#endif \\`\\${x}\\` &lt;/svg&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; ');
    expect(doc).toContain('\\| pipe \\[link\\](x) &lt;b&gt; \\$math\\$ \\_em\\_ \\\\');
  });

  itNeeds(needTool('chromium'), 'renders the SVGs with chromium', async () => {
    const files = await docs(model);
    for (const f of files.filter((f) => f.path.endsWith('.svg')).slice(-1)) {
      const dir = mkdtempSync(join(work, 'chromium-'));
      const svg = join(dir, 'diagram.svg');
      const png = join(dir, 'diagram.png');
      writeFileSync(svg, f.content);
      await run('chromium', [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run', `--user-data-dir=${join(dir, 'profile')}`, `--screenshot=${png}`, '--window-size=1320,480', svg,
      ], { timeout: 90_000 });
      expect(existsSync(png) && statSync(png).size > 10_000).toBe(true);
    }
  }, 120_000);
});
