// The resolved ABI: what every generator, rule and verifier reads. Built by resolve() from a
// validated spec; never mutated afterwards.

export type DataModel = 'LP64' | 'ILP32';
export type Endian = 'little' | 'big';
export type Writer = 'kernel' | 'user' | 'both' | 'none';

/** The target a layout is computed for: what C's layout rules depend on. */
export interface Target {
  dataModel: DataModel;
  endian: Endian;
  /** alignment of a 64-bit integer inside a struct (i386: 4) */
  u64Align: number;
}

export interface Arch extends Target {
  name: string;
  /** Debian's cross compiler triplet (gcc-<triplet>) */
  triplet: string;
  /** the multiarch directory of linux-libc-dev holding this arch's asm/ headers */
  headers: string;
  /** C preprocessor condition that selects this arch */
  macro: string;
  nr: { rseq: number; rseq_slice_yield: number };
  sig: { code: number; data: number };
  /** first glibc version that defines RSEQ_SIG for it (and so registers) */
  glibcSig: string;
}

/** One member of a laid-out struct or union, nested members flattened with dotted paths. */
export interface LaidOutField {
  /** the kernel's name; '' for an anonymous struct or union */
  name: string;
  /** dotted path from the top struct, anonymous members skipped: 'slice_ctrl.request' */
  path: string;
  /** C spelling of the type: '__u32', 'struct rseq_slice_ctrl', 'union', 'char[]' */
  type: string;
  offset: number;
  size: number;
  align: number;
  /** generation (kernel version) that added the field; for nested members, the parent's */
  since: string;
  writer: Writer;
  readOnly: boolean;
  reserved: boolean;
  /** the flexible `end` marker */
  end: boolean;
  doc: string;
  /** members of a nested struct or union, laid out relative to the top struct */
  members: LaidOutField[];
}

export interface Hole { offset: number; size: number }

export interface StructLayout {
  struct: string;
  /** the generation this layout is for */
  generation: string;
  target: Target;
  size: number;
  align: number;
  /** top-level fields in declaration order */
  fields: LaidOutField[];
  holes: Hole[];
  tailPadding: number;
}

export interface Generation {
  kernel: string;
  name: string;
  summary: string;
  featureSize: number;
  auxv: { featureSize: number; align: number } | null;
  allocation: { size: number; align: number };
}
