/**
 * What the static plan check reports, and how: violations with a place (file:line:col), the rule, the
 * identifier concerned and a hint. This module does not load ts-morph, so the CLI and `rlflow train`
 * can import it (and the error class) without paying for the TypeScript compiler up front.
 */
import { RlflowError } from '../ir/errors.js';

/** The rules of `rlflow check` (docs/check.md explains each). */
export type CheckRule = 'not-exported' | 'captured-variable' | 'not-loadable' | 'module-state';

/** A place in a source file; `line` and `column` are 1-based. */
export interface SourcePlace {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

export interface Violation extends SourcePlace {
  readonly rule: CheckRule;
  /** The name concerned: the captured variable for `captured-variable`, else the definition's name. */
  readonly identifier: string;
  readonly message: string;
  readonly hint: string;
  /** Where a captured variable (`captured-variable`) or the module state (`module-state`) is declared. */
  readonly declaredAt?: SourcePlace;
}

export interface CheckReport {
  readonly violations: readonly Violation[];
  /** Files checked: the given ones (imported modules whose definitions a plan uses are not counted). */
  readonly files: number;
  /** Stage and actor-class definitions checked, including those a given file imports and uses. */
  readonly definitions: number;
}

export function formatPlace(place: SourcePlace): string {
  return `${place.file}:${place.line}:${place.column}`;
}

/** `file:line:col: rule: message (identifier 'k')` and, indented below, the hint. */
export function formatViolation(v: Violation): string {
  return `${formatPlace(v)}: ${v.rule}: ${v.message} (identifier '${v.identifier}')\n  hint: ${v.hint}`;
}

/** Violations sorted by file, line and column, so output and errors are stable. */
export function sortViolations(violations: readonly Violation[]): Violation[] {
  return [...violations].sort((a, b) => (a.file !== b.file ? (a.file < b.file ? -1 : 1) : a.line - b.line || a.column - b.column || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0)));
}

/**
 * A plan's sources define actor-side code that a worker process could not load (or that would run
 * with undefined variables there). Thrown by `checkPlanFiles` before any worker starts.
 */
export class StaticCheckError extends RlflowError {
  override name = 'StaticCheckError';
  readonly violations: readonly Violation[];

  constructor(violations: readonly Violation[]) {
    const sorted = sortViolations(violations);
    // Every violation carries its own place, so the error has no single `source`.
    super(`${sorted.length} problem(s) in the plan's actor-side definitions (workers load them by module URL and export name; see docs/check.md):\n${sorted.map(formatViolation).join('\n')}`);
    this.violations = sorted;
  }
}

/** A plan source file given to the check does not exist. */
export class PlanFileError extends RlflowError {
  override name = 'PlanFileError';
}
