// The layout diagram of struct rseq in one generation: rows of 32 bytes (the original area is the
// first), a byte ruler, fields as boxes coloured by the generation that added them, padding and
// reserved bytes hatched, the `end` marker, sizeof and the 64-byte cacheline. Same scale in every
// generation, so the diagrams can be compared side by side.
import type { Generation, LaidOutField, StructLayout } from '../../src/model/index.js';
import { xml } from './text.js';

const ROW_BYTES = 32;
const CACHELINE = 64;
const BYTE = 34;
const LEFT = 124;
const RIGHT = 88;
const WIDTH = LEFT + ROW_BYTES * BYTE + RIGHT;
const TOP = 96;
const BOX_H = 58;
const SPLIT_H = 26;
const LANE_H = 17;
const MONO = "'DejaVu Sans Mono', Menlo, Consolas, monospace";
const SANS = "'DejaVu Sans', 'Helvetica Neue', Arial, sans-serif";
const INK = '#1f2937';
const MUTED = '#6b7280';
const END = '#c2410c';

/** Fill and stroke per generation, by its index in model.generations (cycled). */
const palette = [
  { fill: '#dbe7f5', stroke: '#3a6ea5' },
  { fill: '#d5eeea', stroke: '#2a8c7a' },
  { fill: '#e1efd5', stroke: '#4f8a2b' },
  { fill: '#f9e7c7', stroke: '#b7791f' },
  { fill: '#e8dff8', stroke: '#7048b5' },
  { fill: '#f8dbe3', stroke: '#b4345a' },
];

const monoWidth = (text: string, size: number) => Math.ceil(text.length * size * 0.6);
const sansWidth = (text: string, size: number) => Math.ceil(text.length * size * 0.56);

export interface DiagramInput {
  layout: StructLayout;
  generation: Generation;
  generations: Generation[];
}

interface Piece { from: number; to: number }
interface Callout { x: number; text: string; color: string }

export function layoutSvg({ layout, generation, generations }: DiagramInput): string {
  const span = Math.max(layout.size, CACHELINE);
  const rows = Math.ceil(span / ROW_BYTES);
  const rowH = 36 + BOX_H + 2 * LANE_H + 30;
  const colorOf = (since: string) => {
    const i = generations.findIndex((g) => g.kernel === since);
    return palette[(i < 0 ? 0 : i) % palette.length];
  };
  const rowTop = (r: number) => TOP + r * rowH;
  const boxTop = (r: number) => rowTop(r) + 36;
  const xOf = (offset: number) => LEFT + offset * BYTE;

  /** A byte range split at row boundaries. */
  const pieces = (from: number, to: number): (Piece & { row: number })[] => {
    const out: (Piece & { row: number })[] = [];
    for (let at = from; at < to;) {
      const row = Math.floor(at / ROW_BYTES);
      const rowEnd = Math.min(to, (row + 1) * ROW_BYTES);
      out.push({ row, from: at - row * ROW_BYTES, to: rowEnd - row * ROW_BYTES });
      at = rowEnd;
    }
    return out;
  };

  const defs: string[] = [];
  const back: string[] = [];
  const body: string[] = [];
  const callouts: Callout[][] = Array.from({ length: rows }, () => []);
  const hatches = new Map<string, string>();
  const hatch = (stroke: string, fill: string) => {
    const key = `${stroke}${fill}`;
    let id = hatches.get(key);
    if (!id) {
      id = `hatch${hatches.size}`;
      hatches.set(key, id);
      defs.push(`<pattern id="${id}" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="8" height="8" fill="${fill}"/><line x1="0" y1="0" x2="0" y2="8" stroke="${stroke}" stroke-width="2.5" stroke-opacity="0.55"/></pattern>`);
    }
    return id;
  };

  // title
  const auxv = generation.auxv ? `AT_RSEQ_FEATURE_SIZE ${generation.auxv.featureSize} · AT_RSEQ_ALIGN ${generation.auxv.align}` : 'no AT_RSEQ_* in auxv';
  body.push(`<text x="${LEFT}" y="30" font-family="${SANS}" font-size="18" font-weight="bold" fill="${INK}">struct ${xml(layout.struct)} · Linux ${xml(generation.kernel)} (${xml(generation.name)})</text>`);
  body.push(`<text x="${LEFT}" y="52" font-family="${SANS}" font-size="13" fill="${MUTED}">sizeof ${layout.size} · alignof ${layout.align} · feature size ${generation.featureSize} · allocation ${generation.allocation.size} bytes aligned ${generation.allocation.align} · ${xml(auxv)}</text>`);

  for (let r = 0; r < rows; r++) {
    const y = boxTop(r);
    // ruler: a tick per byte, a number every 4
    const ticks: string[] = [];
    for (let b = 0; b <= ROW_BYTES; b++) {
      const x = xOf(b);
      const major = b % 4 === 0;
      ticks.push(`M${x} ${y - (major ? 9 : 5)}V${y}`);
      if (major) body.push(`<text x="${x}" y="${y - 13}" text-anchor="middle" font-family="${MONO}" font-size="11" fill="${MUTED}">${r * ROW_BYTES + b}</text>`);
    }
    body.push(`<path d="${ticks.join('')}" stroke="${MUTED}" stroke-width="1"/>`);
    // the row's frame: struct bytes solid, bytes past sizeof dashed
    const inStruct = Math.max(0, Math.min(ROW_BYTES, layout.size - r * ROW_BYTES));
    if (inStruct < ROW_BYTES) {
      const x = xOf(inStruct);
      const w = (ROW_BYTES - inStruct) * BYTE;
      back.push(`<rect x="${x}" y="${y}" width="${w}" height="${BOX_H}" fill="#f9fafb" stroke="#9ca3af" stroke-dasharray="5 4"/>`);
      const note = `past sizeof: the rest of the ${CACHELINE}-byte cacheline`;
      if (sansWidth(note, 12) < w - 16) body.push(`<text x="${x + w / 2}" y="${y + BOX_H / 2 + 4}" text-anchor="middle" font-family="${SANS}" font-size="12" font-style="italic" fill="#9ca3af">${note}</text>`);
    }
    // left margin: what the row is
    const label = r === 0 ? ['original area', `bytes 0–${ROW_BYTES - 1}`] : [`bytes ${r * ROW_BYTES}–${(r + 1) * ROW_BYTES - 1}`];
    label.forEach((l, i) => body.push(`<text x="${LEFT - 14}" y="${y + 24 + i * 16}" text-anchor="end" font-family="${SANS}" font-size="12" fill="${i === 0 ? INK : MUTED}"${i === 0 && r === 0 ? ' font-weight="bold"' : ''}>${l}</text>`));
    if (r === 0) body.push(`<path d="M${LEFT - 7} ${y}h-4V${y + BOX_H}h4" fill="none" stroke="${INK}" stroke-width="1.5"/>`);
  }

  // cacheline brackets on the right, one per 64 bytes
  for (let c = 0; c * CACHELINE < span; c++) {
    const firstRow = (c * CACHELINE) / ROW_BYTES;
    const lastRow = Math.min(rows - 1, firstRow + CACHELINE / ROW_BYTES - 1);
    const y1 = boxTop(firstRow);
    const y2 = boxTop(lastRow) + BOX_H;
    const x = xOf(ROW_BYTES) + 10;
    body.push(`<path d="M${x} ${y1}h5V${y2}h-5" fill="none" stroke="${INK}" stroke-width="1.5"/>`);
    const mid = (y1 + y2) / 2;
    body.push(`<text x="${x + 24}" y="${mid}" text-anchor="middle" font-family="${SANS}" font-size="12" fill="${INK}" transform="rotate(90 ${x + 24} ${mid})">${CACHELINE}-byte cacheline${c ? ` ${c}` : ''}</text>`);
  }

  // holes and tail padding
  const gaps = [...layout.holes.map((h) => ({ from: h.offset, to: h.offset + h.size, what: 'hole' }))];
  const lastEnd = layout.size - layout.tailPadding;
  if (layout.tailPadding > 0) gaps.push({ from: lastEnd, to: layout.size, what: 'padding' });
  for (const g of gaps) {
    for (const p of pieces(g.from, g.to)) {
      const x = xOf(p.from);
      const w = (p.to - p.from) * BYTE;
      const y = boxTop(p.row);
      body.push(`<rect x="${x}" y="${y}" width="${w}" height="${BOX_H}" fill="url(#${hatch('#9ca3af', '#ffffff')})" stroke="#9ca3af"/>`);
      const text = `${g.what} · ${g.to - g.from} B`;
      if (monoWidth(text, 12) + 12 < w) {
        body.push(`<rect x="${x + w / 2 - monoWidth(text, 12) / 2 - 5}" y="${y + BOX_H / 2 - 10}" width="${monoWidth(text, 12) + 10}" height="18" rx="3" fill="#ffffff" fill-opacity="0.9"/>`);
        body.push(`<text x="${x + w / 2}" y="${y + BOX_H / 2 + 4}" text-anchor="middle" font-family="${MONO}" font-size="12" fill="${MUTED}">${text}</text>`);
      } else callouts[p.row].push({ x: x + w / 2, text, color: MUTED });
    }
  }

  // fields
  const drawField = (f: LaidOutField) => {
    if (f.end) return;
    const color = colorOf(f.since);
    const leaves = splitMembers(f);
    for (const p of pieces(f.offset, f.offset + f.size)) {
      const x = xOf(p.from);
      const w = (p.to - p.from) * BYTE;
      const y = boxTop(p.row);
      const fill = f.reserved ? `url(#${hatch(color.stroke, color.fill)})` : color.fill;
      const title = `${f.name}: ${f.type}, offset ${f.offset}, ${f.size} bytes, since ${f.since}. ${f.doc}`;
      body.push(`<g><title>${xml(title)}</title><rect x="${x}" y="${y}" width="${w}" height="${BOX_H}" fill="${fill}" stroke="${color.stroke}" stroke-width="1.5"/></g>`);
      const labelH = leaves.length ? BOX_H - SPLIT_H : BOX_H;
      const name = f.name;
      const aliases = f.members.length && !leaves.length ? aliasNames(f) : '';
      const type = `${f.type}${aliases} · ${f.size} B`;
      if (monoWidth(name, 13) + 10 <= w) {
        const twoLines = monoWidth(type, 11) + 10 <= w && labelH >= 44;
        const nameY = y + (twoLines ? labelH / 2 - 2 : labelH / 2 + 5);
        body.push(`<text x="${x + w / 2}" y="${nameY}" text-anchor="middle" font-family="${MONO}" font-size="13" font-weight="bold" fill="${INK}">${xml(name)}</text>`);
        if (twoLines) body.push(`<text x="${x + w / 2}" y="${nameY + 16}" text-anchor="middle" font-family="${MONO}" font-size="11" fill="${MUTED}">${xml(type)}</text>`);
        else if (!leaves.length && monoWidth(`${f.size} B`, 11) + 6 <= w) body.push(`<text x="${x + w / 2}" y="${nameY + 14}" text-anchor="middle" font-family="${MONO}" font-size="11" fill="${MUTED}">${f.size} B</text>`);
      } else callouts[p.row].push({ x: x + w / 2, text: name, color: color.stroke });
      // members smaller than the field, in a lower band
      for (const m of leaves) {
        const mp = pieces(m.offset, m.offset + m.size).find((q) => q.row === p.row);
        if (!mp) continue;
        const mx = xOf(mp.from);
        const mw = (mp.to - mp.from) * BYTE;
        const my = y + BOX_H - SPLIT_H;
        body.push(`<g><title>${xml(`${m.path}: ${m.type}, offset ${m.offset}, ${m.size} bytes. ${m.doc}`)}</title><rect x="${mx}" y="${my}" width="${mw}" height="${SPLIT_H}" fill="${m.reserved ? `url(#${hatch(color.stroke, '#ffffff')})` : '#ffffff'}" fill-opacity="${m.reserved ? 1 : 0.55}" stroke="${color.stroke}" stroke-width="1"/></g>`);
        if (monoWidth(m.name, 11) + 6 <= mw) body.push(`<text x="${mx + mw / 2}" y="${my + SPLIT_H / 2 + 4}" text-anchor="middle" font-family="${MONO}" font-size="11" fill="${INK}">${xml(m.name)}</text>`);
        else callouts[p.row].push({ x: mx + mw / 2, text: m.name, color: color.stroke });
      }
    }
  };
  layout.fields.forEach(drawField);

  // end marker and sizeof, drawn on top
  const endField = layout.fields.find((f) => f.end);
  const featureMark = endField ? `end · ${endField.offset}` : `feature size · ${generation.featureSize}`;
  const marker = (offset: number, color: string, text: string, dash: string, above: boolean) => {
    const row = offset === 0 ? 0 : Math.floor((offset - 1) / ROW_BYTES);
    const x = xOf(offset - row * ROW_BYTES);
    const y = boxTop(row);
    const stroke = `stroke="${color}" stroke-width="2.5"${dash ? ` stroke-dasharray="${dash}"` : ''}`;
    if (above) {
      // from a tag above the ruler, leaving a gap for the ruler's number
      const w = monoWidth(text, 12) + 12;
      body.push(`<path d="M${x} ${y - 44}V${y - 25}M${x} ${y - 10}V${y + BOX_H + 5}" ${stroke}/>`);
      body.push(`<rect x="${x - 1}" y="${y - 50}" width="${w}" height="18" rx="3" fill="${color}"/>`);
      body.push(`<text x="${x + 5}" y="${y - 37}" font-family="${MONO}" font-size="12" font-weight="bold" fill="#ffffff">${xml(text)}</text>`);
    } else {
      body.push(`<path d="M${x} ${y}V${y + BOX_H + 5}" ${stroke}/>`);
      callouts[row].push({ x, text, color });
    }
  };
  marker(layout.size, INK, `sizeof ${layout.size}`, '', false);
  marker(endField ? endField.offset : generation.featureSize, END, featureMark, endField ? '' : '6 3', true);

  // callouts below each row, in lanes so that none overlaps another
  for (let r = 0; r < rows; r++) {
    const lanes: number[] = [];
    const y = boxTop(r) + BOX_H;
    for (const c of [...callouts[r]].sort((a, b) => a.x - b.x)) {
      const w = monoWidth(c.text, 11);
      const left = Math.min(Math.max(c.x - w / 2, LEFT), xOf(ROW_BYTES) - w);
      let lane = lanes.findIndex((right) => right + 8 <= left);
      if (lane < 0) { lanes.push(0); lane = lanes.length - 1; }
      lanes[lane] = left + w;
      const ty = y + 16 + lane * LANE_H;
      body.push(`<path d="M${c.x} ${y}V${ty - 10}" stroke="${c.color}" stroke-width="1"/>`);
      body.push(`<text x="${left + w / 2}" y="${ty}" text-anchor="middle" font-family="${MONO}" font-size="11" fill="${c.color}">${xml(c.text)}</text>`);
    }
  }

  // legend
  const legendY = rowTop(rows) + 6;
  const items: { swatch: string; text: string }[] = [];
  const added = generations.filter((g) => layout.fields.some((f) => !f.end && !f.reserved && f.since === g.kernel));
  for (const g of added) {
    const c = colorOf(g.kernel);
    items.push({ swatch: `fill="${c.fill}" stroke="${c.stroke}"`, text: `added in ${g.kernel} (${g.name})` });
  }
  for (const f of layout.fields.filter((f) => f.reserved)) {
    const c = colorOf(f.since);
    items.push({ swatch: `fill="url(#${hatch(c.stroke, c.fill)})" stroke="${c.stroke}"`, text: `reserved (${f.name})` });
  }
  if (gaps.length) items.push({ swatch: `fill="url(#${hatch('#9ca3af', '#ffffff')})" stroke="#9ca3af"`, text: 'padding' });
  if (layout.size < span) items.push({ swatch: 'fill="#f9fafb" stroke="#9ca3af" stroke-dasharray="3 2"', text: 'past sizeof' });
  let lx = LEFT;
  let ly = legendY;
  for (const it of items) {
    const w = 18 + 8 + sansWidth(it.text, 12) + 22;
    if (lx + w > WIDTH - RIGHT) { lx = LEFT; ly += 24; }
    body.push(`<rect x="${lx}" y="${ly}" width="18" height="14" ${it.swatch}/>`);
    body.push(`<text x="${lx + 26}" y="${ly + 11}" font-family="${SANS}" font-size="12" fill="${INK}">${xml(it.text)}</text>`);
    lx += w;
  }
  {
    const text = endField ? 'end: offsetof(end), the feature size' : 'feature size (no end marker yet)';
    const w = 18 + 8 + sansWidth(text, 12) + 22;
    if (lx + w > WIDTH - RIGHT) { lx = LEFT; ly += 24; }
    body.push(`<path d="M${lx + 9} ${ly - 2}V${ly + 16}" stroke="${END}" stroke-width="2.5"${endField ? '' : ' stroke-dasharray="6 3"'}/>`);
    body.push(`<text x="${lx + 26}" y="${ly + 11}" font-family="${SANS}" font-size="12" fill="${INK}">${text}</text>`);
  }
  const height = ly + 32;

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-labelledby="title">`,
    `<title id="title">${xml(`Layout of struct ${layout.struct} in Linux ${generation.kernel} (${generation.name})`)}</title>`,
    `<defs>${defs.join('')}</defs>`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    ...back,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

/** Named members smaller than the field (members as large as it are aliases of the whole). */
function splitMembers(f: LaidOutField): LaidOutField[] {
  const leaves = (ms: LaidOutField[]): LaidOutField[] => ms.flatMap((m) => (m.members.length ? leaves(m.members) : [m]));
  return leaves(f.members).filter((m) => m.name !== '' && m.size < f.size);
}

/** ' {ptr64, ptr}': the names of members that each cover the whole field (union alternatives). */
function aliasNames(f: LaidOutField): string {
  const named = (ms: LaidOutField[]): LaidOutField[] => ms.flatMap((m) => (m.name === '' ? named(m.members) : [m]));
  const names = named(f.members).filter((m) => m.size === f.size).map((m) => m.name);
  return names.length ? ` {${names.join(', ')}}` : '';
}
