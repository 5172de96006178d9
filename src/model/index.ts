// The resolved ABI. resolve() turns a validated spec into the model every later stage reads;
// loadModel() reads, validates and resolves a spec file.
import { readFileSync } from 'node:fs';
import { defaultSpecPath } from '../paths.js';
import { relative } from 'node:path';
import { SpecInvalidError } from '../spec/errors.js';
import { validateSpec } from '../spec/index.js';
import type { Spec, SpecStruct } from '../spec/schema.js';
import { flatten, Layouter } from './layout.js';
import type { Arch, Generation, LaidOutField, StructLayout, Target } from './types.js';
import { cmp, inRange, parseVersion } from './version.js';

export * from './types.js';
export { cmp as compareVersionStrings, parseVersion } from './version.js';
export { flatten, presentIn, typeIn } from './layout.js';

export { defaultSpecPath } from '../paths.js';

export interface EnumValue { name: string; value: number; bit?: number; since: string; deprecated?: string; doc: string }
export interface ModelEnum { name: string; since: string; doc: string; flags: boolean; values: EnumValue[] }

export interface Model {
  spec: Spec;
  /** the spec file as named in messages */
  file: string;
  /** merged generations, oldest first (proposed ones only when asked for) */
  generations: Generation[];
  arches: Arch[];
  structs: SpecStruct[];
  /** enums in header order; a flags enum with bitEnum is preceded by its _BIT companion */
  enums: ModelEnum[];
  layouter: Layouter;
}

export interface ResolveOptions { includeProposed?: boolean; file?: string }

/**
 * The spec without what proposed generations add: their fields, structs, enum values and
 * constants, so nothing under discussion reaches a merged generation, even a later one.
 */
function withoutProposed(spec: Spec): Spec {
  const proposed = new Set(spec.generations.filter((g) => g.proposed).map((g) => g.kernel));
  if (!proposed.size) return spec;
  const merged = <T extends { since: string }>(x: T) => !proposed.has(x.since);
  return {
    ...spec,
    structs: spec.structs.filter(merged).map((s) => ({
      ...s,
      // a reserved field a proposal replaces stays in the merged ABI
      fields: s.fields.filter(merged).map((f) => (f.until && proposed.has(f.until) ? { ...f, until: undefined } : f)),
    })),
    enums: spec.enums.filter(merged).map((e) => ({ ...e, values: e.values.filter(merged) })),
    constants: spec.constants.filter(merged),
  };
}

export function resolve(given: Spec, options: ResolveOptions = {}): Model {
  const spec = options.includeProposed ? given : withoutProposed(given);
  const generations = spec.generations
    .filter((g) => options.includeProposed || !g.proposed)
    .map(({ kernel, name, summary, featureSize, auxv, allocation }) => ({ kernel, name, summary, featureSize, auxv, allocation }))
    .sort((a, b) => cmp(a.kernel, b.kernel));
  const arches = spec.architectures.map((a) => ({
    ...a,
    headers: a.headers ?? a.triplet,
    sig: { code: a.sig.code, data: a.sig.data ?? a.sig.code },
  }));
  const enums = spec.enums.flatMap((e): ModelEnum[] => {
    const values = e.values.map((v) => ({ ...v, value: v.value ?? 2 ** (v.bit ?? 0) }));
    const main = { name: e.name, since: e.since, doc: e.doc, flags: e.flags ?? false, values };
    if (!e.bitEnum) return [main];
    const bits = values.map((v) => ({ ...v, name: `${v.name}_BIT`, value: v.bit ?? Math.log2(v.value) }));
    return [{ name: e.bitEnum, since: e.since, doc: `Bit numbers of enum ${e.name}.`, flags: false, values: bits }, main];
  });
  return { spec, file: options.file ?? 'spec/rseq.yaml', generations, arches, structs: spec.structs, enums, layouter: new Layouter(spec) };
}

/** Reads, validates and resolves a spec file; throws SpecInvalidError with every problem. */
export function loadModel(path: string = defaultSpecPath, options: ResolveOptions = {}): Model {
  const file = options.file ?? displayName(path);
  const { spec, errors } = validateSpec(readFileSync(path, 'utf8'), file);
  if (!spec) throw new SpecInvalidError(errors);
  return resolve(spec, { ...options, file });
}

export function displayName(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}

/** The generation in force for a kernel release ("6.1.0-27-amd64" -> 5.18), or undefined before the first. */
export function generationFor(model: Model, kernel: string): Generation | undefined {
  if (!parseVersion(kernel)) return undefined;
  let found: Generation | undefined;
  for (const g of model.generations) if (cmp(g.kernel, kernel) <= 0) found = g;
  return found;
}

export function latestGeneration(model: Model): Generation {
  return model.generations[model.generations.length - 1];
}

export function findArch(model: Model, name: string): Arch | undefined {
  return model.arches.find((a) => a.name === name);
}

/**
 * The C layout of a struct as it is in a generation, for one target. With a kernel release, the
 * members are spelled as in that release's header (a stable series can take a change early).
 */
export function layout(model: Model, struct: string, generation: string, target: Target, kernel?: string): StructLayout {
  return model.layouter.struct(struct, generation, target, kernel);
}

/** offsetof(struct rseq, field) + sizeof(field), in the latest generation that has it. */
export function offsetOfEnd(model: Model, field: string, target: Target = model.arches[0]): number | undefined {
  for (const g of [...model.generations].reverse()) {
    const f = flatten(layout(model, 'rseq', g.kernel, target).fields).find((x) => x.path === field);
    if (f) return f.offset + f.size;
  }
  return undefined;
}

/** A field is available iff the registered or feature size reaches its end (librseq's rule). */
export function fieldAvailable(model: Model, field: string, size: number, target?: Target): boolean {
  const end = offsetOfEnd(model, field, target);
  return end !== undefined && size >= end;
}

/** The feature fields (not reserved, not `end`) of struct rseq in a generation. */
export function featureFields(model: Model, generation: string, target: Target = model.arches[0]): LaidOutField[] {
  return layout(model, 'rseq', generation, target).fields.filter((f) => !f.end && !f.reserved);
}

export { inRange };
