// Escaping of spec text for Markdown and XML. Every string from the spec that reaches
// generated/docs passes through md(), cell(), code() or xml().

/** Line breaks of every kind, folded into one space: a doc is one paragraph in the docs. */
const lineBreaks = /\r\n|[\n\r\u2028\u2029]/g;

/**
 * Markdown prose: everything that could start markup is a literal character. Backslash escapes for
 * the ASCII punctuation CommonMark lets us escape; entities for what HTML would read.
 */
export function md(text: string): string {
  return text
    .replace(lineBreaks, ' ')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    .replace(/[\\`*[\]|~$#!]/g, (c) => `\\${c}`)
    // an underscore between two letters or digits is literal in GFM; any other may open or close emphasis
    .replace(/_/g, (c, i: number, s: string) => (/[A-Za-z0-9]/.test(s[i - 1] ?? ' ') && /[A-Za-z0-9]/.test(s[i + 1] ?? ' ') ? c : '\\_'));
}

/** A table cell: prose escaped, pipes included (md escapes them already). */
export const cell = (text: string): string => md(text);

/**
 * A code span. Its content is literal in Markdown, except that a pipe still ends a table cell
 * (GFM) unless escaped; a backtick inside needs a longer fence.
 */
export function code(text: string): string {
  const body = text.replace(lineBreaks, ' ').replace(/\|/g, '\\|');
  const longest = Math.max(0, ...[...body.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = body.startsWith('`') || body.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${body}${pad}${fence}`;
}

/** XML character data and attribute values (both quote kinds, so either quoting works). */
export function xml(text: string): string {
  return text
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;').replace(/'/g, '&apos;')
    // characters XML 1.0 forbids outright; the schema rejects most, this keeps any that slip through out
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '\ufffd');
}

/** A file name part from a version string ("7.0.10"); versions are validated, checked again here. */
export function versionSlug(version: string): string {
  if (!/^\d+(\.\d+){0,2}$/.test(version)) throw new Error(`docs generator: ${JSON.stringify(version)} is not a version`);
  return version;
}

/** A GitHub-style heading anchor. */
export function anchor(heading: string): string {
  return heading.toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-');
}

export function hex(n: number, width = 0): string {
  return `0x${n.toString(16).padStart(width, '0')}`;
}
