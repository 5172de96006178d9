import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { HelperSources } from '../kernel/helper.js';
import { defaultSpecPath, type Model } from '../model/index.js';
import { packagePath } from '../paths.js';

/** The helper's C source and header: the committed ones for the shipped spec, else generated from the model. */
export async function helperSources(model: Model, specPath: string): Promise<HelperSources> {
  if (resolve(specPath) === resolve(defaultSpecPath)) {
    return {
      helper: readFileSync(packagePath('generated', 'helper', 'rseq-abi-helper.c'), 'utf8'),
      header: readFileSync(packagePath('generated', 'c', 'rseq-abi.h'), 'utf8'),
    };
  }
  const [{ generateHelper }, { generateCHeaders }] = await Promise.all([
    import('../../generators/helper/index.js'), import('../../generators/c-header/index.js'),
  ]);
  const helper = (await generateHelper(model)).find((f) => f.path === 'helper/rseq-abi-helper.c')!.content;
  const header = generateCHeaders(model).find((f) => f.path === 'c/rseq-abi.h')!.content;
  return { helper, header };
}
