import { Command, CommanderError } from 'commander';
import { CliError, ExitCode } from './errors.js';
import { registrationsFor } from './commands/index.js';

/** Builds the rseq-abi command line with the commands argv needs (all of them for the top-level help). */
export async function buildProgram(argv: string[] = process.argv): Promise<Command> {
  const program = new Command('rseq-abi')
    .description('The Linux rseq ABI as one spec: headers, bindings, predictions and proofs against real kernels')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  for (const register of await registrationsFor(argv.slice(2))) register(program);
  return program;
}

/** Runs the CLI and returns the exit code; never throws for bad input. */
export async function run(argv: string[]): Promise<number> {
  try {
    const program = await buildProgram(argv);
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.Ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return ExitCode.Ok;
      return ExitCode.Usage;
    }
    if (err instanceof CliError) {
      if (err.message) process.stderr.write(`rseq-abi: ${err.message}\n`);
      return err.exitCode;
    }
    const e = err as Error;
    process.stderr.write(`rseq-abi: internal error: ${e?.message ?? String(err)}\n`);
    return ExitCode.Internal;
  }
}
