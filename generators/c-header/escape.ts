// Spec text on its way into C: identifiers are checked, comment text is neutralised.

/** A C identifier, or an error: names reach C code unquoted. */
export function cIdent(s: unknown): string {
  if (typeof s !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(s)) throw new Error(`c-header: ${JSON.stringify(s)} is not a C identifier`);
  return s;
}

/** Text safe inside a block comment: cannot close it, open a nested one, or form a trigraph. */
export function cComment(s: unknown): string {
  if (typeof s !== 'string') throw new Error(`c-header: comment text must be a string, got ${typeof s}`);
  return s
    .replace(/\*\//g, '* /')
    .replace(/\/\*/g, '/ *')
    .replace(/\?\?/g, '? ?')
    .replace(/\\/g, '\\ ')
    .replace(/[\r\n]+\s*/g, ' ')
    .trim();
}

/** 0x-prefixed hex, zero-padded to width digits. */
export function hex(n: number, width = 0): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`c-header: ${n} is not a non-negative integer`);
  return `0x${n.toString(16).padStart(width, '0')}`;
}
