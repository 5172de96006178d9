/** Exit codes shared by every command (see README). */
export const ExitCode = {
  Ok: 0,
  /** findings or mismatches */
  Findings: 1,
  /** usage error or invalid spec */
  Usage: 2,
  /** environment: no C compiler, no rseq, no qemu, offline */
  Environment: 3,
  Internal: 70,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error meant for the user: printed as one line, then the process exits with exitCode. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: ExitCode = ExitCode.Usage) {
    super(message);
  }
}
