/**
 * `rlflow check <files…>`: the static check of plan sources (docs/check.md). Reports every actor-side
 * definition a worker process could not load, or that closes over a variable of an enclosing
 * function, with file:line:col and a hint; exits 1 when there is any.
 */
import { checkFiles, formatViolation } from '../check/index.js';
import { parse, UsageError } from './args.js';

export const checkHelp = `rlflow check <file…>

Checks plan sources statically, before anything runs: every actorStage / actorStageFactory /
actorClass definition in the files (and those the files import from their own modules) must be
  - given import.meta.url as its module               (rule not-loadable)
  - an exported module-level constant                 (rule not-exported)
  - free of variables of enclosing functions          (rule captured-variable)
  - free of module-level state that changes           (rule module-state)
since a worker process loads it by module URL and export name. Prints one line per problem,
file:line:col: rule: message, with a hint; exits 1 if there is any. See docs/check.md.`;

export async function check(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const { positionals } = parse(argv, {});
  if (positionals.length === 0) throw new UsageError('give the plan files to check: rlflow check <file…>');
  const report = await checkFiles(positionals);
  for (const violation of report.violations) out(formatViolation(violation));
  const files = `${report.files} file${report.files === 1 ? '' : 's'}`;
  const definitions = `${report.definitions} stage definition${report.definitions === 1 ? '' : 's'} checked`;
  if (report.violations.length > 0) {
    out(`${report.violations.length} problem(s): ${files}, ${definitions}`);
    return 1;
  }
  out(`ok: ${files}, ${definitions}`);
  return 0;
}
