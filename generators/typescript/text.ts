// Spelling of TypeScript source text: names checked again, strings and comments escaped. Every
// piece of spec text that reaches generated/ts goes through one of these functions.

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Words that cannot name a binding (const, function, parameter) in strict-mode ES modules. */
const reserved = new Set([
  'await', 'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do',
  'else', 'enum', 'export', 'extends', 'false', 'finally', 'for', 'function', 'if', 'implements',
  'import', 'in', 'instanceof', 'interface', 'let', 'new', 'null', 'package', 'private', 'protected',
  'public', 'return', 'static', 'super', 'switch', 'this', 'throw', 'true', 'try', 'typeof', 'var',
  'void', 'while', 'with', 'yield', 'arguments', 'eval', 'undefined', 'NaN', 'Infinity',
]);

/** A C identifier used as a property name; throws on anything else. */
export function propertyName(name: string, what: string): string {
  if (!identifier.test(name)) throw new Error(`typescript generator: ${what} ${JSON.stringify(name)} is not a C identifier`);
  // `__proto__: x` in an object literal sets the prototype instead of a property.
  if (name === '__proto__') throw new Error(`typescript generator: ${what} "__proto__" cannot be a JavaScript property name`);
  return name;
}

/** A C identifier used as a top-level binding (const, type, function name); throws on anything else. */
export function bindingName(name: string, what: string): string {
  propertyName(name, what);
  if (reserved.has(name)) throw new Error(`typescript generator: ${what} ${JSON.stringify(name)} is a reserved word in JavaScript`);
  return name;
}

/** rseq_cs_flags -> RseqCsFlags */
export function pascalCase(name: string): string {
  const out = name.split('_').filter(Boolean).map((w) => w[0].toUpperCase() + w.slice(1)).join('');
  return bindingName(out || name, 'name');
}

/** A string literal. JSON escapes quotes, backslashes and control characters; U+2028/9 are legal since ES2019. */
export const str = (s: string): string => JSON.stringify(s);

/** A number literal: hexadecimal for large values, which read better as bit patterns (syscall numbers stay decimal). */
export function num(n: number, hexFrom = 0x10000): string {
  if (!Number.isSafeInteger(n)) throw new Error(`typescript generator: ${n} is not a safe integer`);
  if (n >= hexFrom) return `0x${n.toString(16)}`;
  return String(n);
}

export const hex32 = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;

/** Line breaks as JavaScript sees them: a U+2028 in a `//` comment would end the comment. */
const lineBreak = /\r\n|[\n\r\u2028\u2029]/;

/** Text of a comment: `*​/` cannot end it, `@` at a word start cannot open a tag. */
function commentText(s: string): string {
  return s.replace(/\*\//g, '*\\/').replace(/(^|\s)@(?=\w)/g, '$1\\@');
}

/** Greedy word wrap, deterministic; words longer than the width stay whole. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split(lineBreak)) {
    let line = '';
    for (const word of paragraph.split(/[ \t]+/).filter(Boolean)) {
      if (line && line.length + 1 + word.length > width) {
        lines.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    lines.push(line);
  }
  return lines;
}

/**
 * The text of a JSDoc comment as ts-morph's `docs` takes it (without the comment markers):
 * escaped, wrapped, paragraphs separated by empty lines, tags last.
 */
export function docText(paragraphs: (string | undefined)[], tags: string[] = [], width = 96): string {
  const blocks = paragraphs.filter((p): p is string => !!p && p.trim() !== '').map((p) => wrap(commentText(p), width).join('\n'));
  const tagBlock = tags.map((t) => wrap(commentTagText(t), width).join('\n')).join('\n');
  return [...blocks, ...(tagBlock ? [tagBlock] : [])].join('\n\n');
}

function commentTagText(tag: string): string {
  // the tag name is ours; only its text is escaped
  const m = /^(@\w+)(?: (.*))?$/s.exec(tag);
  if (!m) throw new Error(`typescript generator: bad tag ${JSON.stringify(tag)}`);
  return m[2] ? `${m[1]} ${commentText(m[2]).split(lineBreak).join(' ')}` : m[1];
}

/** A JSDoc comment as source text, for statements written as text; same shape as ts-morph's. */
export function jsDoc(text: string, indent = ''): string {
  const lines = text.split('\n');
  if (lines.length === 1) return `${indent}/** ${lines[0]} */\n`;
  return `${indent}/**\n${lines.map((l) => (l ? `${indent} * ${l}` : `${indent} *`)).join('\n')}\n${indent} */\n`;
}

/** `//` comment lines; every kind of line break starts a new comment line. */
export function lineComment(text: string): string {
  return text.split(lineBreak).map((l) => (l ? `// ${l}` : '//')).join('\n');
}
