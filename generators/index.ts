// Every generator, in the order generate runs them. Each is a leaf: it imports the model only.
import type { Model } from '../src/model/index.js';
import type { GeneratedFile, Generator } from './types.js';

export type { GeneratedFile } from './types.js';

/** Generators loaded on demand, so commands that need one output do not load them all. */
const generators: Record<string, () => Promise<Generator>> = {
  'c-header': async () => (await import('./c-header/index.js')).generateCHeaders,
  typescript: async () => (await import('./typescript/index.js')).generateTypescript,
  docs: async () => (await import('./docs/index.js')).generateDocs,
  helper: async () => (await import('./helper/index.js')).generateHelper,
  schema: async () => (await import('./schema/index.js')).generateSchema,
};

/** Runs every generator; files sorted by path, paths unique. */
export async function generateAll(model: Model): Promise<GeneratedFile[]> {
  const files: GeneratedFile[] = [];
  for (const load of Object.values(generators)) files.push(...(await (await load())(model)));
  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.path)) throw new Error(`two generators write generated/${f.path}`);
    seen.add(f.path);
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
