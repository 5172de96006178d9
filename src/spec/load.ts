// Reads a spec: YAML with positions, then the strict schema. Returns every problem at once.
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { formatPath, type SpecError } from './errors.js';
import { SpecSchema, type Spec } from './schema.js';

/** Aliases are allowed, but a document that expands them past this many nodes is refused. */
const MAX_ALIAS_COUNT = 100;
/** A spec is a few tens of KB; anything near this is not a spec. */
const MAX_BYTES = 4 * 1024 * 1024;

type Path = readonly (string | number)[];

/** Where YAML paths are in the source text. */
export class Positions {
  constructor(readonly file: string, readonly doc: Document, private readonly lines: LineCounter) {}

  /** The position of the node at path, or of the nearest ancestor that exists. */
  at(path: Path, onKey = false): { line: number; col: number } {
    for (let n = path.length; n >= 0; n--) {
      const node = this.nodeAt(path.slice(0, n), onKey && n === path.length);
      if (node?.range) return this.pos(node.range[0]);
    }
    return { line: 1, col: 1 };
  }

  pos(offset: number): { line: number; col: number } {
    const { line, col } = this.lines.linePos(offset);
    return { line, col };
  }

  error(path: Path, message: string, onKey = false): SpecError {
    return { file: this.file, ...this.at(path, onKey), path: formatPath(path), message };
  }

  private nodeAt(path: Path, key: boolean): Node | undefined {
    let node: unknown = this.doc.contents;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i];
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) return undefined;
        node = key && i === path.length - 1 ? pair.key : pair.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        node = node.items[seg];
      } else {
        return undefined;
      }
    }
    return node && (isMap(node) || isSeq(node) || isScalar(node) || isPair(node)) ? (node as Node) : undefined;
  }
}

export interface Loaded {
  spec?: Spec;
  positions?: Positions;
  errors: SpecError[];
}

/** Parses and schema-checks spec text; file is the name used in error messages. */
export function parseSpec(text: string, file: string): Loaded {
  const fail = (message: string): Loaded => ({ errors: [{ file, line: 1, col: 1, path: '', message }] });
  if (text.length > MAX_BYTES) return fail(`the file is larger than ${MAX_BYTES} bytes`);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false, strict: true, intAsBigInt: false });
  const positions = new Positions(file, doc, lines);
  if (doc.errors.length) {
    return {
      errors: doc.errors.map((e) => ({ file, ...positions.pos(e.pos[0]), path: '', message: yamlMessage(e.code, e.message) })),
    };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    let at = { line: 1, col: 1 };
    visit(doc, { Alias: (_, node) => { if (node.range) at = positions.pos(node.range[0]); return visit.BREAK; } });
    return { errors: [{ file, ...at, path: '', message: `aliases expand too far (more than ${MAX_ALIAS_COUNT} nodes): ${(err as Error).message}` }] };
  }
  if (data === null || data === undefined) return fail('the document is empty: a spec is a YAML mapping (schema, title, generations, structs, ...)');
  const result = SpecSchema.safeParse(data);
  if (!result.success) return { positions, errors: result.error.issues.flatMap((i) => schemaErrors(positions, i)) };
  return { spec: result.data, positions, errors: [] };
}

function yamlMessage(code: string, message: string): string {
  const first = message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  return code === 'DUPLICATE_KEY' ? `duplicate key: ${first}` : first;
}

function schemaErrors(positions: Positions, issue: z.core.$ZodIssue): SpecError[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => positions.error([...path, k], `unknown key "${k}"`, true));
  }
  if (issue.code === 'invalid_union' && issue.errors.length) {
    // Report the branch that got furthest: the one whose issues are deepest.
    const best = issue.errors.reduce((a, b) => (depth(b) > depth(a) ? b : a));
    if (depth(best) > 0) return best.flatMap((i) => schemaErrors(positions, { ...i, path: [...path, ...i.path] } as z.core.$ZodIssue));
  }
  if (issue.code === 'invalid_type' && !positions.doc.hasIn(path)) {
    const key = path[path.length - 1];
    return [positions.error(path.slice(0, -1), `missing required key "${String(key)}"`)];
  }
  return [positions.error(path, issue.message)];
}

function depth(issues: z.core.$ZodIssue[]): number {
  return Math.max(0, ...issues.map((i) => i.path.length + (i.code === 'invalid_union' ? 0 : 0.5)));
}
