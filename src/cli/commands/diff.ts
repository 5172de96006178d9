import { Option, type Command } from 'commander';
import { readFileSync } from 'node:fs';
import { displayName, generationFor } from '../../model/index.js';
import { formatSpecError } from '../../spec/errors.js';
import { diffModels, rules, severityRank, sideFromText, type Finding, type Severity, type Side } from '../../review/index.js';
import { format, formats, summarize, type Format } from '../../review/format.js';
import { GitError, isGitSpec, readAtRevision, readGitSpec } from '../../review/git.js';
import { applySuppressions, isoDay, parseSuppressions } from '../../review/suppress.js';
import { color, specOption } from '../common.js';
import { CliError, ExitCode } from '../errors.js';

interface Options {
  spec: string; against?: string; fromKernel?: string; toKernel?: string; format: Format;
  failOn: Severity | 'never'; exitCode: 'default' | 'abidiff'; suppressions?: string; includeProposed?: boolean;
  listRules?: boolean; today?: string;
}

/** libabigail's abidiff exit bits */
export const Abidiff = { Error: 1, Usage: 2, AbiChange: 4, Incompatible: 8 } as const;

export function registerDiff(program: Command) {
  program
    .command('diff')
    .description('judge an ABI change: compare two specs (files or REF:path), the spec against a git revision, or two kernel generations')
    .argument('[old]', 'old spec: a file or REF:path')
    .argument('[new]', 'new spec: a file or REF:path (default: --spec)')
    .addOption(specOption('the working spec'))
    .option('--against <ref>', 'compare the working spec with the same file at a git revision')
    .option('--from-kernel <version>', 'compare two generations of one spec: the generation in force for this kernel ...')
    .option('--to-kernel <version>', '... and the one for this kernel')
    .addOption(new Option('--format <format>', 'output format').choices([...formats]).default('text'))
    .addOption(new Option('--fail-on <severity>', 'exit 1 when an unsuppressed finding is at least this severe').choices(['incompatible', 'review', 'compatible', 'never']).default('incompatible'))
    .addOption(new Option('--exit-code <style>', 'exit codes: 0/1/2, or libabigail\'s abidiff bitmask (1 error, 2 usage, 4 ABI change, 8 incompatible change)').choices(['default', 'abidiff']).default('default'))
    .option('--suppressions <file>', 'YAML list of {rule, path, reason, expires}')
    .option('--include-proposed', 'include generations marked proposed')
    .option('--list-rules', 'print the rule catalogue and exit')
    .addOption(new Option('--today <date>', 'the date suppressions expire against (YYYY-MM-DD)').hideHelp())
    .action((oldArg: string | undefined, newArg: string | undefined, opts: Options) => {
      try {
        process.exitCode = runDiff(oldArg, newArg, opts);
      } catch (err) {
        if (opts.exitCode === 'abidiff' && err instanceof CliError) {
          throw new CliError(err.message, (err.exitCode === ExitCode.Usage ? Abidiff.Error | Abidiff.Usage : Abidiff.Error) as ExitCode);
        }
        throw err;
      }
    });
}

function listRules(fmt: Format): string {
  if (fmt === 'json') return `${JSON.stringify({ schema: 'rseq-abi/rules@1', rules }, null, 2)}\n`;
  const w = Math.max(...rules.map((r) => r.id.length));
  return rules.map((r) => `${r.id.padEnd(w)}  ${r.severity.padEnd(12)}  ${r.summary}`).join('\n') + '\n';
}

function read(arg: string): { text: string; name: string } {
  try {
    if (isGitSpec(arg)) return { text: readGitSpec(arg), name: arg };
    return { text: readFileSync(arg, 'utf8'), name: displayName(arg) };
  } catch (err) {
    if (err instanceof GitError) throw new CliError(`cannot read ${arg}: ${err.message}`, ExitCode.Usage);
    throw new CliError(`cannot read ${arg}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, ExitCode.Usage);
  }
}

function side(src: { text: string; name: string }, includeProposed: boolean, kernel?: string): Side {
  const { side, errors } = sideFromText(src.text, src.name, { includeProposed });
  if (!side) throw new CliError(`${errors.map(formatSpecError).join('\n')}\n${errors.length} problem${errors.length === 1 ? '' : 's'} in ${src.name}`, ExitCode.Usage);
  if (kernel === undefined) return side;
  const g = generationFor(side.model, kernel);
  if (!g) throw new CliError(`no generation of ${displayName(src.name)} is in force for kernel ${kernel} (generations: ${side.model.generations.map((x) => x.kernel).join(', ')}${includeProposed ? '' : '; proposed ones need --include-proposed'})`, ExitCode.Usage);
  return { ...side, generation: g.kernel };
}

export function runDiff(oldArg: string | undefined, newArg: string | undefined, opts: Options): number {
  if (opts.listRules) {
    process.stdout.write(listRules(opts.format));
    return ExitCode.Ok;
  }
  const proposed = opts.includeProposed ?? false;
  let o: Side, n: Side, names: [string, string];
  if (opts.fromKernel || opts.toKernel) {
    if (!opts.fromKernel || !opts.toKernel) throw new CliError('--from-kernel and --to-kernel go together');
    if (opts.against || newArg) throw new CliError('--from-kernel/--to-kernel compare two generations of one spec: give at most one spec');
    const src = read(oldArg ?? opts.spec);
    o = side(src, proposed, opts.fromKernel);
    n = side(src, proposed, opts.toKernel);
    names = [`${src.name}@${o.generation}`, `${src.name}@${n.generation}`];
  } else if (opts.against) {
    if (oldArg || newArg) throw new CliError('--against compares the working spec (--spec); give no spec arguments');
    let old;
    try { old = readAtRevision(opts.against, opts.spec); } catch (err) {
      if (err instanceof GitError) throw new CliError(`cannot read ${opts.spec} at ${opts.against}: ${err.message}`);
      throw err;
    }
    const cur = read(opts.spec);
    o = side(old, proposed);
    n = side(cur, proposed);
    names = [old.name, cur.name];
  } else {
    if (!oldArg) throw new CliError('give OLD [NEW], --against REF or --from-kernel A --to-kernel B (see rseq-abi diff --help)');
    const a = read(oldArg);
    const b = read(newArg ?? opts.spec);
    o = side(a, proposed);
    n = side(b, proposed);
    names = [a.name, b.name];
  }
  let findings: Finding[] = diffModels(o, n);
  if (opts.suppressions) {
    const src = read(opts.suppressions);
    const { suppressions, errors } = parseSuppressions(src.text, src.name);
    if (errors.length) throw new CliError(`${errors.map(formatSpecError).join('\n')}\n${errors.length} problem${errors.length === 1 ? '' : 's'} in ${src.name}`, ExitCode.Usage);
    const today = opts.today ?? isoDay(new Date());
    if (!/^\d{4}-\d{2}-\d{2}$/.test(today)) throw new CliError(`--today ${today} is not a date YYYY-MM-DD`);
    findings = applySuppressions(findings, suppressions, today);
  }
  const paint = (s: Severity, t: string) => (s === 'incompatible' ? color.red(t) : s === 'review' ? color.yellow(t) : color.green(t));
  process.stdout.write(format(opts.format, findings, { old: names[0], new: names[1], paint }));
  return exitCode(findings, opts);
}

export function exitCode(findings: Finding[], opts: Pick<Options, 'failOn' | 'exitCode'>): number {
  const live = findings.filter((f) => !f.suppressed);
  if (opts.exitCode === 'abidiff') {
    const s = summarize(findings);
    return (live.length ? Abidiff.AbiChange : 0) | (s.incompatible ? Abidiff.Incompatible : 0);
  }
  if (opts.failOn === 'never') return ExitCode.Ok;
  const bar = severityRank[opts.failOn];
  return live.some((f) => severityRank[f.severity] >= bar) ? ExitCode.Findings : ExitCode.Ok;
}
