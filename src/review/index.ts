// ABI review: diff two specs (or two generations of one), format the findings, suppress,
// and edit the spec safely (bump).
import { resolve } from '../model/index.js';
import { validateSpec, type SpecError } from '../spec/index.js';
import { parseSpec } from '../spec/load.js';
import type { Side } from './diff.js';

export * from './types.js';
export { rules, rule, ruleById, type Rule } from './rules.js';
export { diffModels, diffSnapshots, snapshot, caseMatrix, describeCase, describeOutcome, sortFindings, type Side, type Snapshot } from './diff.js';

/** A side of a diff from spec text: validated, resolved, with positions; or every spec error. */
export function sideFromText(text: string, file: string, options: { includeProposed?: boolean; generation?: string } = {}): { side?: Side; errors: SpecError[] } {
  const { spec, errors } = validateSpec(text, file);
  if (!spec) return { errors };
  const { positions } = parseSpec(text, file);
  const model = resolve(spec, { includeProposed: options.includeProposed, file });
  return { side: { model, positions: positions!, generation: options.generation }, errors: [] };
}
