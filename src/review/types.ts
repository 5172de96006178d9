// What a review finds: a rule id, a severity, where in the new and old YAML, and what to do.

export type Severity = 'incompatible' | 'review' | 'compatible';
export const severities: readonly Severity[] = ['incompatible', 'review', 'compatible'];
/** higher is worse */
export const severityRank: Record<Severity, number> = { compatible: 0, review: 1, incompatible: 2 };

export interface Location {
  file: string;
  line: number;
  col: number;
  /** dotted YAML path: structs[0].fields[4] */
  path: string;
}

/** One sys_rseq case whose predicted outcome differs between the two sides. */
export interface CaseChange {
  case: string;
  old: string;
  new: string;
}

export interface Finding {
  rule: string;
  severity: Severity;
  message: string;
  remedy: string;
  new?: Location;
  old?: Location;
  suppressed?: { reason: string };
  /** REGISTRATION_RULE_CHANGED / _RELAXED: every case whose outcome changes */
  cases?: CaseChange[];
}
