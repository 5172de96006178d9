// generated/ts/rseq-abi.ts: the TypeScript bindings of the ABI, exported by the package as
// rseq-abi/bindings. Built with ts-morph from one structure; ts-morph is loaded only here, when
// TypeScript is emitted.
import type { StatementStructures, WriterFunction } from 'ts-morph';
import type { Arch, LaidOutField, Model, ModelEnum, StructLayout } from '../../src/model/index.js';
import { latestGeneration, layout } from '../../src/model/index.js';
import { generatedNotice, type GeneratedFile, type Generator } from '../types.js';
import {
  dataViewMethod, intKinds, isInt, kindOf, localName, NamedStructs, properties, rangeOf, readExpr,
  tsTypeOfInt, writeStatements, type WriteNeeds,
} from './codec.js';
import { bindingName, docText, hex32, jsDoc, lineComment, num, pascalCase, propertyName, str } from './text.js';

export const typescriptPath = 'ts/rseq-abi.ts';

type Statement = string | WriterFunction | StatementStructures;

const writerText: Record<LaidOutField['writer'], string> = {
  kernel: 'Written by the kernel',
  user: 'Written by user space',
  both: 'Written by user space and by the kernel',
  none: 'Written by nobody',
};

/** The one-struct-per-layout assumption of the bindings: the layout must be the same on every architecture. */
function uniformLayout(model: Model, struct: string, generation: string): StructLayout {
  // offsets, sizes and types; the alignment of a member may differ (i386 aligns __u64 on 4)
  const shape = (l: StructLayout) => JSON.stringify(l.fields, (k, v) => (k === 'doc' || k === 'align' ? undefined : v)) + `|${l.size}`;
  const first = layout(model, struct, generation, model.arches[0]);
  for (const arch of model.arches.slice(1)) {
    const other = layout(model, struct, generation, arch);
    if (shape(other) !== shape(first)) {
      throw new Error(`typescript generator: struct ${struct} of ${generation} lays out differently on ${model.arches[0].name} and ${arch.name}; the bindings describe one layout`);
    }
  }
  return first;
}

export const generateTypescript: Generator = async (model) => {
  const { Project, StructureKind, VariableDeclarationKind, IndentationText, QuoteKind, NewLineKind } = await import('ts-morph');
  const latest = latestGeneration(model);
  const original = model.generations[0];
  const rseq = uniformLayout(model, 'rseq', latest.kernel);
  const rseqCs = uniformLayout(model, 'rseq_cs', latest.kernel);

  const values = new Set<string>();
  const types = new Set<string>();
  const claim = (set: Set<string>, name: string, what: string) => {
    bindingName(name, what);
    if (set.has(name)) throw new Error(`typescript generator: two declarations named ${name} (${what})`);
    set.add(name);
    return name;
  };

  const constStatement = (name: string, doc: string, initializer: string, exported = true): Statement => {
    claim(values, name, 'constant');
    const text = `${doc ? jsDoc(doc) : ''}${exported ? 'export ' : ''}const ${name} = ${initializer};`;
    // ts-morph gives multi-line initializers a hanging indent; written as text they keep their shape
    return initializer.includes('\n') ? text : {
      kind: StructureKind.VariableStatement, isExported: exported, declarationKind: VariableDeclarationKind.Const,
      docs: doc ? [doc] : [], declarations: [{ name, initializer }],
    };
  };
  const typeAlias = (name: string, doc: string, type: string): Statement => ({
    kind: StructureKind.TypeAlias, isExported: true, name: claim(types, name, 'type'), docs: [doc], type,
  });
  const iface = (name: string, doc: string, props: { name: string; type: string; doc?: string; optional?: boolean; readonly?: boolean }[]): Statement => ({
    kind: StructureKind.Interface, isExported: true, name: claim(types, name, 'interface'), docs: doc ? [doc] : [],
    properties: props.map((p) => ({
      name: propertyName(p.name, `property of ${name}`), type: p.type, hasQuestionToken: p.optional ?? false,
      isReadonly: p.readonly ?? false, docs: p.doc ? [p.doc] : [],
    })),
  });
  const fn = (name: string, doc: string, params: { name: string; type: string; initializer?: string }[], returnType: string, body: string[], exported = true, typeParameters: string[] = []): Statement => ({
    kind: StructureKind.Function, isExported: exported, name: claim(values, name, 'function'), docs: doc ? [doc] : [], typeParameters,
    parameters: params.map((p) => ({ name: p.name, type: p.type, initializer: p.initializer })), returnType,
    statements: (w) => w.write(body.join('\n')),
  });
  const blank: Statement = (w) => w.blankLineIfLastNot();
  const section = (title: string): Statement[] => [blank, lineComment(title), blank];

  const statements: Statement[] = [
    lineComment([
      generatedNotice(),
      '',
      `${model.spec.title}: TypeScript bindings.`,
      '',
      'Field names are the kernel\'s. Integers of up to 32 bits are numbers, 64-bit ones bigints.',
    ].join('\n')),
  ];

  // --- enumerations and flags ---------------------------------------------------------------
  statements.push(...section('Enumerations and flags'));
  for (const e of model.enums) statements.push(...enumStatements(e), blank);

  // --- constants ----------------------------------------------------------------------------
  statements.push(...section('Constants'));
  for (const c of model.spec.constants) {
    const name = bindingName(c.name, 'constant');
    statements.push(constStatement(name, docText([c.doc], [`@since ${c.since} (${c.header})`]), num(c.value, 0x100)));
  }
  const legacy = model.spec.allocationRule.legacy;
  statements.push(constStatement(
    'RSEQ_LEGACY_ALLOCATION',
    docText(['The legacy area: every kernel accepts an area of exactly this size and alignment.']),
    `{ size: ${legacy.size}, align: ${legacy.align} } as const`,
  ));

  // --- architectures ------------------------------------------------------------------------
  statements.push(...section('Architectures'));
  statements.push(iface('RseqArch', docText(['One architecture (ABI) and its rseq constants.']), [
    { name: 'name', type: 'string', doc: 'The name rseq-abi uses for it.' },
    { name: 'triplet', type: 'string', doc: 'GNU triplet of its C compiler.' },
    { name: 'dataModel', type: '"LP64" | "ILP32"', doc: 'Sizes of long and pointers.' },
    { name: 'endian', type: '"little" | "big"', doc: 'Byte order.' },
    { name: 'u64Align', type: 'number', doc: 'Alignment of a 64-bit integer inside a struct.' },
    { name: 'nr', type: '{ readonly rseq: number; readonly rseq_slice_yield: number }', doc: 'System call numbers.' },
    { name: 'sig', type: '{ readonly code: number; readonly data: number }', doc: docText(['RSEQ_SIG: the instruction before an abort handler, and the same as a 32-bit data word (they differ where code is stored in the other byte order).']) },
    { name: 'glibcSig', type: 'string', doc: 'First glibc release that defines RSEQ_SIG for it; before that glibc does not register.' },
  ].map((p) => ({ ...p, readonly: true }))));
  statements.push(constStatement('RSEQ_ARCHES', docText(['Every architecture of the spec.']), list(model.arches.map(archLiteral), 'as const satisfies readonly RseqArch[]')));
  statements.push(typeAlias('RseqArchName', 'The name of an architecture in {@link RSEQ_ARCHES}.', '(typeof RSEQ_ARCHES)[number]["name"]'));

  // --- generations --------------------------------------------------------------------------
  statements.push(...section('Generations of struct rseq'));
  statements.push(iface('RseqGeneration', docText(['A generation of the ABI: in force from its kernel release until the next one.']), [
    { name: 'kernel', type: 'string', doc: 'First kernel release of the generation.' },
    { name: 'name', type: 'string', doc: 'Short name.' },
    { name: 'summary', type: 'string', doc: 'What changed.' },
    { name: 'featureSize', type: 'number', doc: 'offsetof(struct rseq, end): the size of the feature fields.' },
    { name: 'allocSize', type: 'number', doc: 'Size of an area that holds every feature field.' },
    { name: 'allocAlign', type: 'number', doc: 'Alignment of that area.' },
    { name: 'auxv', type: '{ readonly featureSize: number; readonly align: number } | null', doc: 'AT_RSEQ_FEATURE_SIZE and AT_RSEQ_ALIGN, or null where the kernel publishes neither.' },
  ].map((p) => ({ ...p, readonly: true }))));
  statements.push(constStatement('RSEQ_GENERATIONS', docText(['Every generation, oldest first.']), list(model.generations.map((g) => [
    '{',
    `  kernel: ${str(g.kernel)},`,
    `  name: ${str(g.name)},`,
    `  summary: ${str(g.summary)},`,
    `  featureSize: ${g.featureSize},`,
    `  allocSize: ${g.allocation.size},`,
    `  allocAlign: ${g.allocation.align},`,
    `  auxv: ${g.auxv ? `{ featureSize: ${g.auxv.featureSize}, align: ${g.auxv.align} }` : 'null'},`,
    '}',
  ].join('\n')), 'as const satisfies readonly RseqGeneration[]')));
  statements.push(constStatement('RSEQ_LATEST', docText([`The latest generation: ${latest.kernel} (${latest.name}).`]), `RSEQ_GENERATIONS[${model.generations.length - 1}]`));

  // --- field descriptors --------------------------------------------------------------------
  statements.push(...section('Field descriptors'));
  const kinds = [...intKinds, 'struct', 'union', 'flexible'].map((k) => str(k)).join(' | ');
  statements.push(typeAlias('FieldKind', docText(['What a field holds: an integer, a struct, a union or the flexible end marker.']), kinds));
  statements.push(iface('FieldDescriptor', docText(['A field of a C struct as it is laid out: the same on every architecture.']), [
    { name: 'name', type: 'string', doc: 'The kernel\'s name.' },
    { name: 'offset', type: 'number', doc: 'offsetof() from the start of the outermost struct.' },
    { name: 'size', type: 'number', doc: 'sizeof(); 0 for the flexible end marker.' },
    { name: 'type', type: 'string', doc: 'The C spelling of the type.' },
    { name: 'kind', type: 'FieldKind' },
    { name: 'since', type: 'string', doc: 'The kernel release that added it.' },
    { name: 'writer', type: '"kernel" | "user" | "both" | "none"', doc: 'Who writes it.' },
    { name: 'readOnly', type: 'boolean', doc: 'Whether user space must not write it.' },
    { name: 'reserved', type: 'true', optional: true, doc: 'Padding with a name: holds no feature.' },
    { name: 'end', type: 'true', optional: true, doc: 'The flexible array that marks the end of the feature fields.' },
    { name: 'members', type: 'readonly FieldDescriptor[]', optional: true, doc: 'The named members of a struct or union field.' },
  ].map((p) => ({ ...p, readonly: true }))));
  statements.push(constStatement('RSEQ_FIELDS', docText([`The fields of struct rseq in the latest generation (${latest.kernel}).`]), list(rseq.fields.map(descriptorLiteral), 'as const satisfies readonly FieldDescriptor[]')));
  statements.push(typeAlias('RseqFieldName', 'The name of a field of struct rseq.', '(typeof RSEQ_FIELDS)[number]["name"]'), blank);
  statements.push(constStatement('RSEQ_CS_FIELDS', docText(['The fields of struct rseq_cs.']), list(rseqCs.fields.map(descriptorLiteral), 'as const satisfies readonly FieldDescriptor[]')));

  // --- struct values ------------------------------------------------------------------------
  statements.push(...section('Struct values'));
  const named = new NamedStructs();
  const structDoc = (name: string) => model.structs.find((s) => s.name === name)?.doc ?? '';
  const valueFields = (l: StructLayout) => l.fields.filter((f) => !f.end && !f.reserved);
  const isOptional = (f: LaidOutField) => f.offset + f.size > original.featureSize;
  const fieldDoc = (f: LaidOutField, optional: boolean) => docText(
    [f.doc, `${writerText[f.writer]}${f.readOnly ? '; read-only for user space' : ''}.${optional ? ' Present when the feature size reaches its end.' : ''}`],
    [`@since ${f.since}`],
  );
  const valueInterface = (name: string, l: StructLayout, doc: string, optionalFrom: boolean) => iface(name, doc, valueFields(l).map((f) => ({
    name: f.name, type: named.typeOf(f), optional: optionalFrom && isOptional(f), doc: fieldDoc(f, optionalFrom && isOptional(f)),
  })));
  statements.push(valueInterface('Rseq', rseq, docText([
    structDoc('rseq'),
    `struct rseq as decodeRseq() returns it. Fields that end past the original feature size (${original.featureSize}) are present only when the feature size of the area reaches their end; reserved bytes and the end marker are not values.`,
  ]), true));
  statements.push(valueInterface('RseqCs', rseqCs, docText([structDoc('rseq_cs')]), false));
  for (const [struct, field] of named.found) {
    statements.push(iface(pascalCase(struct), docText([structDoc(struct), `Members of a union are views of the same bytes.`]), properties(field.members, struct).map((m) => ({
      name: m.name, type: named.typeOf(m), doc: m.doc ? docText([m.doc]) : undefined,
    }))));
  }

  // --- availability and allocation ----------------------------------------------------------
  statements.push(...section('Availability and allocation'));
  statements.push(fn('fieldAvailable', docText([
    'Whether a field of struct rseq is usable in an area of the given feature size or registered length: the size reaches offsetof(field) + sizeof(field), the rule of librseq and the kernel selftests.',
  ], ['@throws TypeError for a name that is not a field of struct rseq']), [
    { name: 'name', type: 'RseqFieldName' }, { name: 'size', type: 'number' },
  ], 'boolean', [
    'const field = RSEQ_FIELDS.find((f) => f.name === name);',
    'if (!field) throw new TypeError(`struct rseq has no field ${JSON.stringify(name)}`);',
    'return size >= field.offset + field.size;',
  ]));
  statements.push(iface('RseqAllocation', 'An area to allocate for struct rseq, in bytes.', [
    { name: 'size', type: 'number' }, { name: 'align', type: 'number' },
  ].map((p) => ({ ...p, readonly: true }))));
  statements.push(fn('allocationFor', docText([
    `The area to allocate for a feature size and alignment, by the rule of the uapi header: size roundup(max(featureSize, ${legacy.size}), max(align, ${legacy.align})), aligned on max(align, ${legacy.align}).`,
    'Pass getauxval(AT_RSEQ_FEATURE_SIZE) and getauxval(AT_RSEQ_ALIGN); both are 0 on kernels that publish neither, which gives the legacy area.',
  ], ['@throws RangeError for a negative or fractional size, or an alignment that is not 0 or a power of two']), [
    { name: 'featureSize', type: 'number' }, { name: 'align', type: 'number' },
  ], 'RseqAllocation', [
    'if (!Number.isSafeInteger(featureSize) || featureSize < 0) {',
    '  throw new RangeError(`feature size ${featureSize} is not a size`);',
    '}',
    'if (!Number.isSafeInteger(align) || align < 0 || (align !== 0 && !Number.isInteger(Math.log2(align)))) {',
    '  throw new RangeError(`alignment ${align} is not 0 or a power of two`);',
    '}',
    'const alignment = Math.max(align, RSEQ_LEGACY_ALLOCATION.align);',
    'const size = Math.ceil(Math.max(featureSize, RSEQ_LEGACY_ALLOCATION.size) / alignment) * alignment;',
    'return { size, align: alignment };',
  ]));

  // --- codecs -------------------------------------------------------------------------------
  statements.push(...section('Codecs'));
  statements.push(iface('ByteOrderOptions', 'Options of the struct codecs.', [
    { name: 'littleEndian', type: 'boolean', optional: true, doc: 'Byte order of the bytes; this machine\'s by default.' },
  ]));
  statements.push({
    kind: StructureKind.Interface, isExported: true, name: claim(types, 'RseqCodecOptions', 'interface'), extends: ['ByteOrderOptions'],
    properties: [{
      name: 'featureSize', type: 'number', hasQuestionToken: true, docs: [docText([
        `The feature size of the area (AT_RSEQ_FEATURE_SIZE, or glibc's __rseq_size): fields that end past it are absent. Default: the latest generation's, ${latest.featureSize}.`,
      ])],
    }],
  });
  statements.push({
    kind: StructureKind.Interface, isExported: true, name: claim(types, 'RseqEncodeOptions', 'interface'), extends: ['RseqCodecOptions'],
    properties: [{
      name: 'size', type: 'number', hasQuestionToken: true, docs: [docText([
        'Length of the bytes returned. Default: allocationFor(featureSize, 0).size.',
      ])],
    }],
  });
  statements.push(constStatement('HOST_LITTLE_ENDIAN', '', 'new Uint8Array(new Uint16Array([1]).buffer)[0] === 1', false));

  const needs: WriteNeeds = { kinds: new Set(), same: false };
  const locals = ['bytes', 'value', 'options', 'view', 'featureSize', 'littleEndian', 'size', 'rseq', 'rseqCs'];
  const rseqValue = valueFields(rseq);
  const always = rseqValue.filter((f) => !isOptional(f));
  const optional = rseqValue.filter(isOptional);
  const hasOptional = optional.length > 0;

  statements.push(fn('decodeRseq', docText([
    'Decodes struct rseq from the bytes of an area. Fields that end past options.featureSize are absent; u32 fields read unsigned (compare them with negative enumerators as `value | 0`).',
  ], ['@throws RangeError when featureSize is below the original feature size or the bytes are shorter than the fields it covers']), [
    { name: 'bytes', type: 'Uint8Array' }, { name: 'options', type: 'RseqCodecOptions', initializer: '{}' },
  ], 'Rseq', [
    'const featureSize = checkedFeatureSize(options.featureSize ?? RSEQ_LATEST.featureSize);',
    'const littleEndian = options.littleEndian ?? HOST_LITTLE_ENDIAN;',
    'const view = viewOf(bytes, fieldsEnd(RSEQ_FIELDS, featureSize), "struct rseq");',
    'const rseq: Rseq = {',
    ...always.map((f) => `  ${f.name}: ${readExpr(f, '  ')},`),
    '};',
    ...optional.flatMap((f) => {
      const read = readExpr(f, '  ');
      return read.includes('\n')
        ? [`if (fieldAvailable(${str(f.name)}, featureSize)) {`, `  rseq.${f.name} = ${read};`, '}']
        : [`if (fieldAvailable(${str(f.name)}, featureSize)) rseq.${f.name} = ${read};`];
    }),
    'return rseq;',
  ]));

  statements.push(fn('encodeRseq', docText([
    'Encodes struct rseq: the exact inverse of decodeRseq() with the same options. The value holds exactly the fields the feature size covers; bytes that are not fields are zero. A union is written through its first member and the other members must agree with it.',
  ], ['@throws TypeError when a field the feature size covers is missing', '@throws RangeError when a field the feature size does not cover is present, a value does not fit its field, or size is too small']), [
    { name: 'value', type: 'Rseq' }, { name: 'options', type: 'RseqEncodeOptions', initializer: '{}' },
  ], 'Uint8Array', [
    'const featureSize = checkedFeatureSize(options.featureSize ?? RSEQ_LATEST.featureSize);',
    'const littleEndian = options.littleEndian ?? HOST_LITTLE_ENDIAN;',
    'const bytes = new Uint8Array(options.size ?? allocationFor(featureSize, 0).size);',
    'const view = viewOf(bytes, fieldsEnd(RSEQ_FIELDS, featureSize), "struct rseq");',
    ...always.flatMap((f) => writeStatements(f, `value.${f.name}`, f.name, needs)),
    ...optional.flatMap((f) => {
      const local = localName(f.name, locals);
      const inner = writeStatements(f, local, f.name, needs);
      return [
        `if (fieldAvailable(${str(f.name)}, featureSize)) {`,
        `  const ${local} = required(value.${f.name}, ${str(f.name)}, featureSize);`,
        ...inner.map((s) => `  ${s}`),
        '} else {',
        `  absent(value.${f.name}, ${str(f.name)}, featureSize);`,
        '}',
      ];
    }),
    'return bytes;',
  ]));

  const csEnd = Math.max(...valueFields(rseqCs).map((f) => f.offset + f.size));
  statements.push(fn('decodeRseqCs', docText(['Decodes struct rseq_cs, a critical section descriptor.'], [`@throws RangeError when the bytes are shorter than ${csEnd}`]), [
    { name: 'bytes', type: 'Uint8Array' }, { name: 'options', type: 'ByteOrderOptions', initializer: '{}' },
  ], 'RseqCs', [
    'const littleEndian = options.littleEndian ?? HOST_LITTLE_ENDIAN;',
    `const view = viewOf(bytes, ${csEnd}, "struct rseq_cs");`,
    'return {',
    ...valueFields(rseqCs).map((f) => `  ${f.name}: ${readExpr(f, '  ')},`),
    '};',
  ]));
  statements.push(fn('encodeRseqCs', docText([`Encodes struct rseq_cs into its ${rseqCs.size} bytes: the exact inverse of decodeRseqCs().`], ['@throws RangeError when a value does not fit its field']), [
    { name: 'value', type: 'RseqCs' }, { name: 'options', type: 'ByteOrderOptions', initializer: '{}' },
  ], 'Uint8Array', [
    'const littleEndian = options.littleEndian ?? HOST_LITTLE_ENDIAN;',
    `const bytes = new Uint8Array(${rseqCs.size});`,
    'const view = new DataView(bytes.buffer);',
    ...valueFields(rseqCs).flatMap((f) => writeStatements(f, `value.${f.name}`, f.name, needs)),
    'return bytes;',
  ]));

  // --- helpers ------------------------------------------------------------------------------
  statements.push(...section('Helpers'));
  statements.push(fn('checkedFeatureSize', '', [{ name: 'featureSize', type: 'number' }], 'number', [
    'if (!Number.isSafeInteger(featureSize) || featureSize < RSEQ_GENERATIONS[0].featureSize) {',
    '  throw new RangeError(`feature size ${featureSize} is below the original ${RSEQ_GENERATIONS[0].featureSize}`);',
    '}',
    'return featureSize;',
  ], false));
  statements.push(fn('fieldsEnd', docText(['The end of the last value field that a size covers.']), [
    { name: 'fields', type: 'readonly FieldDescriptor[]' }, { name: 'size', type: 'number' },
  ], 'number', [
    'let end = 0;',
    'for (const field of fields) {',
    '  const fieldEnd = field.offset + field.size;',
    '  if (!field.reserved && !field.end && fieldEnd <= size) end = Math.max(end, fieldEnd);',
    '}',
    'return end;',
  ], false));
  statements.push(fn('viewOf', '', [
    { name: 'bytes', type: 'Uint8Array' }, { name: 'length', type: 'number' }, { name: 'what', type: 'string' },
  ], 'DataView', [
    'if (bytes.length < length) throw new RangeError(`${what} needs ${length} bytes, got ${bytes.length}`);',
    'return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);',
  ], false));
  if (hasOptional) {
    statements.push(fn('required', '', [
      { name: 'value', type: 'T | undefined' }, { name: 'name', type: 'string' }, { name: 'featureSize', type: 'number' },
    ], 'T', [
      'if (value === undefined) throw new TypeError(`${name} is missing, but feature size ${featureSize} covers it`);',
      'return value;',
    ], false, ['T']));
    statements.push(fn('absent', '', [
      { name: 'value', type: 'unknown' }, { name: 'name', type: 'string' }, { name: 'featureSize', type: 'number' },
    ], 'void', [
      'if (value !== undefined) throw new RangeError(`${name} is present, but feature size ${featureSize} does not cover it`);',
    ], false));
  }
  if (needs.same) {
    statements.push(fn('same', docText(['A union member after the first must agree with the bytes the first one wrote.']), [
      { name: 'actual', type: 'number | bigint' }, { name: 'expected', type: 'number | bigint' }, { name: 'name', type: 'string' },
    ], 'void', [
      'if (actual !== expected) {',
      '  throw new RangeError(`${name} is ${String(expected)}, but the union member written first makes it ${String(actual)}`);',
      '}',
    ], false));
  }
  for (const k of intKinds.filter((k) => needs.kinds.has(k))) {
    const { min, max } = rangeOf(k);
    const type = tsTypeOfInt(k);
    const endian = k === 'u8' || k === 's8' ? '' : ', littleEndian';
    const invalid = type === 'bigint' ? `typeof value !== "bigint"` : '!Number.isInteger(value)';
    statements.push(fn(`set${k.toUpperCase()}`, '', [
      { name: 'view', type: 'DataView' }, { name: 'offset', type: 'number' }, { name: 'value', type },
      { name: 'name', type: 'string' }, ...(endian ? [{ name: 'littleEndian', type: 'boolean' }] : []),
    ], 'void', [
      `if (${invalid} || value < ${min} || value > ${max}) {`,
      `  throw new RangeError(\`\${name}: \${String(value)} does not fit in ${k}\`);`,
      '}',
      `view.set${dataViewMethod(k)}(offset, value${endian});`,
    ], false));
  }

  const project = new Project({
    useInMemoryFileSystem: true,
    manipulationSettings: { indentationText: IndentationText.TwoSpaces, quoteKind: QuoteKind.Double, newLineKind: NewLineKind.LineFeed },
  });
  const file = project.createSourceFile(typescriptPath, { statements });
  const content = file.getFullText().replace(/\n*$/, '\n');
  return [{ path: typescriptPath, content }] satisfies GeneratedFile[];

  function enumStatements(e: ModelEnum): Statement[] {
    const name = pascalCase(e.name);
    const body = e.values.map((v) => {
      const tags = [`@since ${v.since}`, ...(v.deprecated ? [`@deprecated since ${v.deprecated}`] : [])];
      return `${jsDoc(docText([v.doc], tags), '  ')}  ${propertyName(v.name, `value of enum ${e.name}`)}: ${e.flags ? `0x${v.value.toString(16)}` : num(v.value)},`;
    });
    const what = e.flags ? `A single flag of {@link ${name}}; flags combine with \`|\` into a number.` : `A value of {@link ${name}}.`;
    return [
      constStatement(name, docText([e.doc, `The kernel's enum ${e.name}.`], [`@since ${e.since}`]), `{\n${body.join('\n')}\n} as const`),
      typeAlias(name, what, `(typeof ${name})[keyof typeof ${name}]`),
    ];
  }
};

/** An array literal with one element per line. */
function list(elements: string[], suffix: string): string {
  const indented = elements.map((e) => `${e.split('\n').map((l) => `  ${l}`).join('\n')},`);
  return `[\n${indented.join('\n')}\n] ${suffix}`;
}

function archLiteral(a: Arch): string {
  const nr = `{ rseq: ${num(a.nr.rseq)}, rseq_slice_yield: ${num(a.nr.rseq_slice_yield)} }`;
  const sig = `{ code: ${hex32(a.sig.code)}, data: ${hex32(a.sig.data)} }`;
  return `{ name: ${str(a.name)}, triplet: ${str(a.triplet)}, dataModel: ${str(a.dataModel)}, endian: ${str(a.endian)}, u64Align: ${a.u64Align}, nr: ${nr}, sig: ${sig}, glibcSig: ${str(a.glibcSig)} }`;
}

function descriptorLiteral(f: LaidOutField): string {
  const kind = kindOf(f);
  const head = [
    `name: ${str(propertyName(f.name, 'field'))}`, `offset: ${f.offset}`, `size: ${f.size}`, `type: ${str(f.type)}`, `kind: ${str(kind)}`,
    `since: ${str(f.since)}`, `writer: ${str(f.writer)}`, `readOnly: ${f.readOnly}`,
    ...(f.reserved ? ['reserved: true'] : []), ...(f.end ? ['end: true'] : []),
  ].join(', ');
  if (isInt(kind) || kind === 'flexible') return `{ ${head} }`;
  const members = namedLeaves(f.members);
  return `{\n  ${head},\n  members: ${list(members.map(descriptorLiteral), '').trimEnd().replace(/\n/g, '\n  ')},\n}`;
}

/** The named members of a struct or union, anonymous levels flattened. */
function namedLeaves(members: LaidOutField[]): LaidOutField[] {
  return members.flatMap((m) => (m.name === '' ? namedLeaves(m.members) : [m]));
}
