// The shape of a predictor case and outcome, shared by `predict`, the helper and verify.
import { z } from 'zod';
import { addrKinds, errnos } from '../spec/schema.js';

const u32 = z.number().int().min(-0x80000000).max(0xffffffff);
const sigKind = z.enum(['default', 'other']);

export const Case = z.strictObject({
  op: z.enum(['register', 'unregister']),
  len: z.number().int().min(0).max(0xffffffff),
  /** the address is a multiple of align and not of 2 * align; only for addr "valid" */
  align: z.number().int().positive().refine((n) => (n & (n - 1)) === 0, 'must be a power of two').default(32),
  /** the flags argument; unregister adds RSEQ_FLAG_UNREGISTER */
  flags: u32.default(0),
  sig: sigKind.default('default'),
  addr: z.enum(addrKinds).default('valid'),
  registered: z.strictObject({ ptr: z.enum(['same', 'other']), len: z.number().int().min(0).max(0xffffffff), sig: sigKind }).nullable().default(null),
});
export type Case = z.infer<typeof Case>;
export type CaseInput = z.input<typeof Case>;

export interface Outcome {
  errno: 0 | (typeof errnos)[number];
  /** the id of the step that decided it */
  rule: string;
  /** the task dies of this signal after the call returns */
  signal?: 'SIGSEGV';
  /** the mode a successful registration runs in */
  mode?: 'legacy' | 'v2';
}

export const Cases = z.array(Case);
