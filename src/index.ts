// The library API of rseq-abi: every stage as pure functions.
export {
  loadModel, resolve, generationFor, latestGeneration, findArch, layout, fieldAvailable, offsetOfEnd, featureFields,
  flatten, defaultSpecPath, compareVersionStrings, parseVersion,
  type Model, type ModelEnum, type EnumValue, type ResolveOptions,
  type Arch, type Target, type Generation, type StructLayout, type LaidOutField, type Hole, type DataModel, type Endian, type Writer,
} from './model/index.js';
export { validateSpec, parseSpec, formatSpecError, SpecInvalidError, type SpecError, type Spec } from './spec/index.js';
export { predict, rangeFor, PredictError, Case, Cases, type CaseInput, type Outcome } from './rules/index.js';
export { generateAll, type GeneratedFile } from '../generators/index.js';
