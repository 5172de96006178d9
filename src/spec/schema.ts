// The shape of spec/rseq.yaml. Strict everywhere: an unknown key is an error. The JSON Schema in
// generated/schema/ is exported from this file.
import { z } from 'zod';

const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a C identifier');
/** '' names an anonymous struct or union member */
const memberName = z.union([z.literal(''), identifier]);
const version = z
  .string({ error: (i) => (typeof i.input === 'number' ? 'a version must be a quoted string, like "6.3"' : 'must be a version string like "6.3"') })
  .regex(/^\d+(\.\d+){0,2}$/, 'must be a version like "6.3" or "7.0.10"');
const safeInt = z.number().int('must be an integer').refine(Number.isSafeInteger, 'is too large to be exact');
const u32 = safeInt.refine((n) => n >= 0 && n <= 0xffffffff, 'must fit in 32 bits');
const doc = z
  .string()
  .max(2000, 'is longer than 2000 characters')
  .refine((s) => !/[\u0000-\u0008\u000b-\u001f\u007f]/.test(s), 'contains control characters');

export const primitiveTypes = ['u8', 'u16', 'u32', 'u64', 's8', 's16', 's32', 's64', 'char[]'] as const;
const typeName = z.union([
  z.enum(primitiveTypes),
  z.string().regex(/^struct [A-Za-z_][A-Za-z0-9_]*$/, `must be one of ${primitiveTypes.join(', ')} or "struct NAME"`),
], { error: `must be one of ${primitiveTypes.join(', ')} or "struct NAME"` });

export interface InlineMember { name: string; type: TypeExpr; doc?: string; reserved?: boolean }
export type TypeExpr =
  | string
  | { union: InlineMember[] }
  | { struct: InlineMember[]; bigEndianReversed?: boolean }
  | { lp64: TypeExpr; ilp32: TypeExpr };

export const TypeExpr: z.ZodType<TypeExpr> = z.lazy(() =>
  z.union([
    typeName,
    z.strictObject({ union: z.array(InlineMember).min(1) }),
    z.strictObject({ struct: z.array(InlineMember).min(1), bigEndianReversed: z.boolean().optional() }),
    z.strictObject({ lp64: TypeExpr, ilp32: TypeExpr }),
  ], { error: 'must be a type name, {union: [...]}, {struct: [...]} or {lp64, ilp32}' }),
);
const InlineMember: z.ZodType<InlineMember> = z.lazy(() =>
  z.strictObject({ name: memberName, type: TypeExpr, doc: doc.optional(), reserved: z.boolean().optional() }),
);

export const Field = z.strictObject({
  name: memberName,
  type: TypeExpr,
  /** the offset on every target; checked against the computed layout */
  offset: safeInt.min(0).optional(),
  since: version,
  writer: z.enum(['kernel', 'user', 'both', 'none']),
  readOnly: z.boolean(),
  reserved: z.boolean().optional(),
  end: z.boolean().optional(),
  /** present from since up to (not including) this generation */
  until: version.optional(),
  doc,
  /** the C spelling of the field before a generation; the layout must not change */
  history: z.array(z.strictObject({
    before: version,
    type: TypeExpr,
    /** stable releases that already have the newer spelling, each for its own series */
    backported: z.array(version).optional(),
  })).optional(),
});

export const Struct = z.strictObject({
  name: identifier,
  /** the uapi header that defines it, when not linux/rseq.h (generated rseq headers leave it out) */
  header: z.string().regex(/^[a-z0-9_/]+\.h$/, 'must be a header path like linux/ptrace.h').optional(),
  since: version,
  align: safeInt.positive().optional(),
  doc,
  fields: z.array(Field).min(1),
});

const EnumValue = z.strictObject({
  name: identifier,
  value: safeInt.optional(),
  bit: safeInt.min(0).max(63).optional(),
  since: version,
  deprecated: version.optional(),
  doc,
});

export const Enum = z.strictObject({
  name: identifier,
  since: version,
  doc,
  flags: z.boolean().optional(),
  /** the name of the companion enum of bit numbers (NAME_BIT = n) */
  bitEnum: identifier.optional(),
  values: z.array(EnumValue).min(1),
});

const Constant = z.strictObject({
  name: identifier,
  prefixed: z.boolean().optional(),
  value: safeInt,
  since: version,
  header: z.string().regex(/^[a-z0-9_/]+\.h$/, 'must be a header path like linux/auxvec.h'),
  doc,
});

const Arch = z.strictObject({
  name: identifier,
  triplet: z.string().regex(/^[a-z0-9_]+(-[a-z0-9_]+)+$/, 'must be a GNU triplet'),
  headers: z.string().regex(/^[a-z0-9_]+(-[a-z0-9_]+)+$/, 'must be a multiarch directory').optional(),
  macro: z.string().regex(/^[A-Za-z0-9_ ()!&|=<>]+$/, 'must be a preprocessor condition of identifiers, defined(), !, &&, ||, ==, numbers'),
  dataModel: z.enum(['LP64', 'ILP32']),
  endian: z.enum(['little', 'big']),
  u64Align: safeInt.positive(),
  nr: z.strictObject({ rseq: u32, rseq_slice_yield: u32 }),
  sig: z.strictObject({ code: u32, data: u32.optional() }),
  glibcSig: version,
});

const SizeExpr = z.union([safeInt.min(0), z.strictObject({ max: z.array(z.union([safeInt.min(0), z.enum(['featureSize', 'rseqSize'])])).min(1) })]);

const GlibcVersion = z.strictObject({
  from: version,
  to: version.optional(),
  registers: z.boolean(),
  rseqSize: SizeExpr.optional(),
  registeredLen: SizeExpr.optional(),
  area: z.string().optional(),
  backports: z.array(z.strictObject({ rseqSize: safeInt.min(0), doc })).optional(),
  doc,
});

const Glibc = z.strictObject({
  tunable: z.strictObject({ name: z.string(), disable: z.string() }),
  symbols: z.array(z.strictObject({ name: identifier, type: z.enum(['ptrdiff_t', 'unsigned int']), since: version, doc })),
  versions: z.array(GlibcVersion).min(1),
});

/** A comparand: a number, the thread's registered length, the generation's feature size, or a $param. */
const Operand = z.union([safeInt, z.enum(['registeredLen', 'featureSize']), z.string().regex(/^\$[A-Za-z_]\w*$/, 'must be a number, registeredLen, featureSize or $param')]);
const LenCond = z.strictObject({ eq: Operand.optional(), ne: Operand.optional(), gt: Operand.optional(), lt: Operand.optional(), min: Operand.optional(), max: Operand.optional() });
export type LenCond = z.infer<typeof LenCond>;
export const addrKinds = ['valid', 'null', 'unmapped', 'kernel', 'readonly'] as const;

export interface Condition {
  op?: 'register' | 'unregister';
  registered?: boolean;
  ptr?: 'same' | 'other';
  sig?: 'differs';
  flagsOutside?: number | string;
  len?: LenCond;
  addr?: (typeof addrKinds)[number][];
  param?: string;
  accepted?: boolean;
  any?: Condition[];
  not?: Condition;
}
export const Condition: z.ZodType<Condition> = z.lazy(() =>
  z.strictObject({
    op: z.enum(['register', 'unregister']).optional(),
    registered: z.boolean().optional(),
    ptr: z.enum(['same', 'other']).optional(),
    sig: z.literal('differs').optional(),
    flagsOutside: Operand.optional(),
    len: LenCond.optional(),
    addr: z.array(z.enum(addrKinds)).min(1).optional(),
    param: identifier.optional(),
    accepted: z.boolean().optional(),
    any: z.array(Condition).min(1).optional(),
    not: Condition.optional(),
  }),
);

export const errnos = ['EINVAL', 'EPERM', 'EBUSY', 'EFAULT', 'ENOSYS'] as const;
const Step = z.strictObject({
  id: z.string().regex(/^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$/, 'must be an id like R5 or U-OK'),
  when: Condition,
  errno: z.union([z.literal(0), z.enum(errnos)]),
  signal: z.enum(['SIGSEGV']).optional(),
  mode: z.enum(['legacy', 'v2']).optional(),
  doc,
});

const Accepted = z.strictObject({ len: LenCond, align: safeInt.positive() });
const Params = z.record(
  identifier,
  z.union([z.boolean(), safeInt, z.enum(['registeredLen']), z.array(Accepted), z.record(identifier, safeInt)]),
);

const Range = z.strictObject({ from: version, to: version.optional(), params: Params });

export const Registration = z.strictObject({ steps: z.array(Step).min(1), ranges: z.array(Range).min(1) });

const Generation = z.strictObject({
  kernel: version,
  name: z.string().min(1),
  summary: doc,
  featureSize: safeInt.positive(),
  auxv: z.strictObject({ featureSize: safeInt.positive(), align: safeInt.positive() }).nullable(),
  allocation: z.strictObject({ size: safeInt.positive(), align: safeInt.positive() }),
  proposed: z.boolean().optional(),
});

export const SpecSchema = z.strictObject({
  schema: z.literal('rseq-abi/spec@1'),
  title: z.string(),
  generations: z.array(Generation).min(1),
  allocationRule: z.strictObject({ legacy: z.strictObject({ size: safeInt.positive(), align: safeInt.positive() }) }),
  structs: z.array(Struct).min(1),
  enums: z.array(Enum),
  constants: z.array(Constant),
  architectures: z.array(Arch).min(1),
  glibc: Glibc,
  registration: Registration,
});

export type Spec = z.infer<typeof SpecSchema>;
export type SpecStruct = z.infer<typeof Struct>;
export type SpecField = z.infer<typeof Field>;
export type SpecEnum = z.infer<typeof Enum>;
export type SpecStep = z.infer<typeof Step>;
export type SpecRange = z.infer<typeof Range>;
export type SpecGeneration = z.infer<typeof Generation>;
export type AcceptedLayout = z.infer<typeof Accepted>;
export type SizeExpr = z.infer<typeof SizeExpr>;
