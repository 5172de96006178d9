// Validation: YAML with positions -> strict schema -> semantic checks. Every problem at once.
import type { SpecError } from './errors.js';
import { parseSpec } from './load.js';
import type { Spec } from './schema.js';
import { semanticErrors } from './semantic.js';

export * from './errors.js';
export { parseSpec, Positions } from './load.js';
export type { Spec } from './schema.js';

export function validateSpec(text: string, file: string): { spec?: Spec; errors: SpecError[] } {
  const loaded = parseSpec(text, file);
  if (!loaded.spec || !loaded.positions) return { errors: loaded.errors };
  const errors = semanticErrors(loaded.spec, loaded.positions);
  return errors.length ? { errors } : { spec: loaded.spec, errors: [] };
}
