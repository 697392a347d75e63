/**
 * Static checks of plan sources (`rlflow check`, docs/check.md) and the plan-size report (`rlflow
 * loc`, docs/loc.md). The entry points load ts-morph (the TypeScript compiler) only when called, so
 * importing this module costs nothing for commands that do not check.
 */
import type { CheckOptions } from './check-files.js';
import { StaticCheckError, type CheckReport } from './report.js';

export { StaticCheckError, PlanFileError, formatViolation, formatPlace, sortViolations } from './report.js';
export type { CheckReport, CheckRule, SourcePlace, Violation } from './report.js';
export type { CheckOptions } from './check-files.js';

/** Checks the actor-side definitions in `files` (and those they import); see docs/check.md. */
export async function checkFiles(files: readonly string[], options: CheckOptions = {}): Promise<CheckReport> {
  const { checkFiles: check } = await import('./check-files.js');
  return check(files, options);
}

/**
 * For `rlflow train <plan-file>`, before any worker starts: resolves when the files pass the check,
 * else throws a `StaticCheckError` listing every violation with its file:line:col and hint.
 */
export async function checkPlanFiles(files: readonly string[], options: CheckOptions = {}): Promise<void> {
  const report = await checkFiles(files, options);
  if (report.violations.length > 0) throw new StaticCheckError(report.violations);
}
