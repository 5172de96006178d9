// What the commands share: loading the spec, choosing kernel and arch, formats, writing files.
import { readFileSync } from 'node:fs';
import { displayName, findArch, generationFor, latestGeneration, resolve, type Arch, type Generation, type Model } from '../model/index.js';
import { validateSpec, type Spec } from '../spec/index.js';
import { readMemo, writeMemo } from './memo.js';
import { formatSpecError, SpecInvalidError } from '../spec/errors.js';
import { parseVersion } from '../model/version.js';
import { CliError, ExitCode } from './errors.js';
import { hostArch } from './output.js';

export * from './output.js';

/**
 * Loads the model or ends the command with every spec error and exit 2. A spec this code has
 * validated before comes from the memo of its validated form: parsing and checking the YAML is
 * most of a short command's own time.
 */
export function modelFrom(specPath: string, options: { includeProposed?: boolean } = {}): Model {
  try {
    const text = readFileSync(specPath);
    const file = displayName(specPath);
    const memo = readMemo<Spec>('model', [text]);
    if (memo) return resolve(memo, { ...options, file });
    const { spec, errors } = validateSpec(text.toString('utf8'), file);
    if (!spec) throw new SpecInvalidError(errors);
    writeMemo('model', [text], spec);
    return resolve(spec, { ...options, file });
  } catch (err) {
    if (err instanceof SpecInvalidError) {
      throw new CliError(`${err.errors.map(formatSpecError).join('\n')}\n${err.errors.length} problem${err.errors.length === 1 ? '' : 's'} in the spec`, ExitCode.Usage);
    }
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT' || e.code === 'EISDIR' || e.code === 'EACCES') throw new CliError(`cannot read spec ${specPath}: ${e.code}`, ExitCode.Usage);
    throw err;
  }
}

export function archFrom(model: Model, name: string | undefined): Arch {
  const arch = findArch(model, name ?? hostArch());
  if (!arch) throw new CliError(`unknown architecture "${name}" (known: ${model.arches.map((a) => a.name).join(', ')})`);
  return arch;
}

/** The generation for --kernel, or the latest when absent. */
export function generationFrom(model: Model, kernel: string | undefined): Generation {
  if (kernel === undefined) return latestGeneration(model);
  if (!parseVersion(kernel)) throw new CliError(`"${kernel}" is not a kernel version (like 6.12 or 6.1.0-27-amd64)`);
  const g = generationFor(model, kernel);
  if (!g) throw new CliError(`kernel ${kernel} predates rseq (${model.generations[0].kernel})`);
  return g;
}
