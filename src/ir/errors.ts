/**
 * rlflow's error taxonomy. Every error has a stable `name` (tests and user code branch on the class or
 * the name, never on message text), and, where it concerns a plan node, the node's id, its user-facing
 * name and the source location (file:line:col) of the DSL call that created it, plus a hint of what to do.
 *
 * This file lives in the IR layer because the IR depends on nothing else in rlflow and every other layer
 * (DSL, optimizer, runtime) needs these classes.
 */
import type { SourceLocation } from './types.js';

/** Where in the plan an error happened. */
export interface PlanPlace {
  /** IR node id, e.g. `n3`. */
  readonly nodeId?: string;
  /** The node's unique hierarchical name, e.g. `rollouts/forEach(double)`. */
  readonly nodeName?: string;
  /** Source location of the DSL call that created the node. */
  readonly source?: SourceLocation;
}

export interface RlflowErrorOptions extends PlanPlace {
  readonly hint?: string;
  readonly cause?: unknown;
  /** Extra lines shown after the place (e.g. a remote stack). */
  readonly details?: string;
}

/** Formats a source location as `file:line:col`. */
export function formatSource(source: SourceLocation | undefined): string {
  if (!source) return '<unknown location>';
  return `${source.file}:${source.line}:${source.column}`;
}

function placeSuffix(place: PlanPlace): string {
  const parts: string[] = [];
  if (place.nodeName) parts.push(`node '${place.nodeName}'${place.nodeId ? ` (${place.nodeId})` : ''}`);
  else if (place.nodeId) parts.push(`node ${place.nodeId}`);
  if (place.source) parts.push(`at ${formatSource(place.source)}`);
  return parts.length ? ` [${parts.join(' ')}]` : '';
}

/** Base class of every error rlflow throws on purpose. */
export class RlflowError extends Error {
  override name = 'RlflowError';
  readonly nodeId: string | undefined;
  readonly nodeName: string | undefined;
  readonly source: SourceLocation | undefined;
  readonly hint: string | undefined;
  /** The message without the place suffix and hint. */
  readonly reason: string;

  constructor(reason: string, options: RlflowErrorOptions = {}) {
    const hint = options.hint ? `\n  hint: ${options.hint}` : '';
    const details = options.details ? `\n${options.details}` : '';
    super(`${reason}${placeSuffix(options)}${details}${hint}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = reason;
    this.nodeId = options.nodeId;
    this.nodeName = options.nodeName;
    this.source = options.source;
    this.hint = options.hint;
  }
}

/** A plan is malformed: wrong arguments to a DSL call, duplicate names, misuse of an operator. */
export class PlanError extends RlflowError {
  override name = 'PlanError';
}

/** An IR graph violates an invariant (found by the verifier). `invariant` names which one. */
export class VerificationError extends RlflowError {
  override name = 'VerificationError';
  constructor(
    readonly invariant: string,
    reason: string,
    options: RlflowErrorOptions = {},
  ) {
    super(`${invariant}: ${reason}`, options);
  }
}

/** The element type produced by one stage does not fit the stage that consumes it (invariant `types`). */
export class PlanTypeError extends VerificationError {
  override name = 'PlanTypeError';
  constructor(reason: string, options: RlflowErrorOptions = {}) {
    super('types', reason, options);
  }
}

/** A node kind that no registry knows (IR) or that no operator implements (runtime). */
export class UnknownKindError extends RlflowError {
  override name = 'UnknownKindError';
}

/** A node kind, operator or lowering registered a second time (two modules claim the same kind). */
export class DuplicateRegistrationError extends RlflowError {
  override name = 'DuplicateRegistrationError';
}

/** An actor-side stage or actor class that a worker process could not load. */
export class StageLoadError extends RlflowError {
  override name = 'StageLoadError';
}

/** User code (a stage or an actor method) threw while the plan ran. */
export class StageError extends RlflowError {
  override name = 'StageError';
  /** Actor that ran the failing code, e.g. `workers[1]`, if it ran on an actor. */
  readonly actor: string | undefined;
  /** Stack trace captured where the error was thrown (in the worker process for remote actors). */
  readonly remoteStack: string | undefined;
  constructor(reason: string, options: RlflowErrorOptions & { actor?: string; remoteStack?: string } = {}) {
    const where = options.actor ? ` on actor ${options.actor}` : '';
    const stack = options.remoteStack ? `  remote stack:\n    ${options.remoteStack.split('\n').join('\n    ')}` : undefined;
    super(`${reason}${where}`, { ...options, ...(stack ? { details: stack } : {}) });
    this.actor = options.actor;
    this.remoteStack = options.remoteStack;
  }
}

/** An actor's process died (crash, kill, out of memory). */
export class ActorCrashedError extends StageError {
  override name = 'ActorCrashedError';
}

/** The plan cannot make progress: every branch waits and nothing is in flight. */
export class PlanStuckError extends RlflowError {
  override name = 'PlanStuckError';
}
