/** A problem in a spec file, with the position of the YAML node it is about. */
export interface SpecError {
  file: string;
  line: number;
  col: number;
  /** dotted YAML path: structs[0].fields[2].type */
  path: string;
  message: string;
}

export function formatSpecError(e: SpecError): string {
  return `${e.file}:${e.line}:${e.col}: ${e.path || '(document)'}: ${e.message}`;
}

/** Thrown by loadModel() when a spec does not validate; carries every problem at once. */
export class SpecInvalidError extends Error {
  constructor(readonly errors: SpecError[]) {
    super(errors.map(formatSpecError).join('\n'));
    this.name = 'SpecInvalidError';
  }
}

/** A YAML path as the user reads it: a.b[2].c */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${key}` : key;
  }
  return out;
}
