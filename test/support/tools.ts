// What a test needs from the machine. A missing tool skips the test with the reason, except in
// CI (CI=true), where .ci/run installs every tool and a skip fails the run.
import { execFileSync } from 'node:child_process';
import { it, describe } from 'vitest';

export const inCI = process.env.CI === 'true';

/** The path of an executable on PATH, or undefined. */
export function which(tool: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v "$1"', 'sh', tool], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The reason a test cannot run, or undefined when it can. In CI a missing requirement throws,
 * so the run fails instead of skipping.
 */
export function missing(reason: string | undefined): string | undefined {
  if (reason && inCI) throw new Error(`required in CI: ${reason}`);
  return reason;
}

/** it() that skips with the reason when `reason` is set (fails in CI). */
export function itNeeds(reason: string | undefined, name: string, fn: () => unknown, timeout?: number) {
  const why = reason ? (inCI ? undefined : reason) : undefined;
  if (why) return it.skip(`${name} (skipped: ${why})`, () => {});
  if (reason) return it(name, () => { throw new Error(`required in CI: ${reason}`); });
  return it(name, fn, timeout);
}

/** describe() counterpart of itNeeds. */
export function describeNeeds(reason: string | undefined, name: string, fn: () => void) {
  if (reason && !inCI) return describe.skip(`${name} (skipped: ${reason})`, fn);
  if (reason) return describe(name, () => { it('has what it needs', () => { throw new Error(`required in CI: ${reason}`); }); });
  return describe(name, fn);
}

/** Reason string when a tool is absent from PATH. */
export function needTool(tool: string, pkg = tool): string | undefined {
  return which(tool) ? undefined : `${tool} not found (Debian package ${pkg})`;
}
