// The native registration helper: a C program that includes the generated header and runs a case
// matrix derived from the model against the live kernel (see the comment at the top of the
// template). The TypeScript side (src/kernel/helper.ts, src/verify/live.ts) builds and runs it
// and predicts every case it reports.
import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import { flatten, latestGeneration, layout, type Model } from '../../src/model/index.js';
import { packagePath } from '../../src/paths.js';
import { generatedNotice, type GeneratedFile, type Generator } from '../types.js';
import { helperCases, type HelperCase } from './cases.js';

export { helperCases, type HelperCase } from './cases.js';

/** The "schema" of the helper's JSON document. */
export const HELPER_SCHEMA = 'rseq-abi/helper@1';
export const HELPER_PATH = 'helper/rseq-abi-helper.c';

let template: Handlebars.TemplateDelegate | undefined;
function compile(): Handlebars.TemplateDelegate {
  template ??= Handlebars.create().compile(readFileSync(packagePath('generators', 'helper', 'rseq-abi-helper.c.hbs'), 'utf8'), { noEscape: true, strict: true });
  return template;
}

/** Text that cannot end a C string literal or comment. */
function cText(s: string): string {
  if (!/^[ -~]*$/.test(s) || /["\\]|\*\/|\?\?/.test(s)) throw new Error(`helper: ${JSON.stringify(s)} cannot be embedded in C`);
  return s;
}
const cPath = (s: string) => {
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(s)) throw new Error(`helper: ${JSON.stringify(s)} is not a C member path`);
  return s;
};

const OPS = ['register', 'unregister'];
const SIGS = ['default', 'other'];
const ADDRS = ['valid', 'null', 'unmapped', 'kernel', 'readonly'];
const SETUPS = ['none', 'registered', 'unregistered'];
const PTRS = ['same', 'other'];

function caseRow(c: HelperCase) {
  return {
    id: cText(c.id), op: OPS.indexOf(c.op), sig: SIGS.indexOf(c.sig), addr: ADDRS.indexOf(c.addr), setup: SETUPS.indexOf(c.setup),
    regptr: PTRS.indexOf(c.reg?.ptr ?? 'same'), regsig: SIGS.indexOf(c.reg?.sig ?? 'default'),
    len: c.len >>> 0, align: c.align >>> 0, flags: c.flags >>> 0, reglen: (c.reg?.len ?? 0) >>> 0,
  };
}

export const generateHelper: Generator = (model: Model): GeneratedFile[] => {
  const latest = latestGeneration(model);
  // every leaf field of struct rseq the latest header declares (the layout is the same on every arch)
  const fields = flatten(layout(model, 'rseq', latest.kernel, model.arches[0]).fields)
    .filter((f) => f.name && !f.end && f.members.length === 0)
    .map((f) => ({ path: cPath(f.path) }));
  const cases = helperCases(model);
  const content = compile()({
    notice: cText(generatedNotice()),
    schema: HELPER_SCHEMA,
    tunable: cText(model.spec.glibc.tunable.disable),
    caseCount: cases.length,
    cases: cases.map(caseRow),
    fields,
  });
  return [{ path: HELPER_PATH, content }];
};
