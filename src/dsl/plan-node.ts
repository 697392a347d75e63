/**
 * The plain-data plan definition the fluent DSL builds. Every DSL call appends one immutable `PlanNode`
 * that points at its inputs, so a plan is a DAG of frozen objects that `compile()` lowers to the IR.
 * Nothing here runs anything.
 */
import { PlanError } from '../ir/errors.js';
import { normalizeType } from '../ir/type-expr.js';
import type { SourceLocation } from '../ir/types.js';
import type { StageDef } from '../ir/contract.js';
import type { ActorGroup, BoundStage, Queue } from './define.js';
import { captureSource } from './source-location.js';

/** What a DSL node runs: a loadable stage definition with arguments, or a driver closure. */
export type DslStage =
  | { readonly type: 'def'; readonly def: StageDef; readonly args: readonly unknown[] }
  | { readonly type: 'closure'; readonly fn: (...args: never[]) => unknown; readonly name: string };

export interface PlanInput {
  readonly node: PlanNode;
  readonly port: number;
}

export interface PlanNode {
  /** Creation order; gives compiled node ids a stable order. */
  readonly uid: number;
  readonly kind: string;
  /** Default name part, e.g. `forEach(double)`. */
  readonly label: string;
  /** Name given by the user (`{ name }` or `.named()`); must be unique in the plan. */
  readonly userName: string | undefined;
  /** Enclosing `scope()` names, outermost first. */
  readonly scope: readonly string[];
  readonly output: string;
  readonly inputTypes: readonly string[];
  readonly params: Readonly<Record<string, unknown>>;
  readonly group: ActorGroup | undefined;
  readonly stage: DslStage | undefined;
  readonly inputs: readonly PlanInput[];
  readonly queue: Queue<unknown> | undefined;
  /** Actor groups this node sends messages to (call-actors, call-actor). */
  readonly targets: readonly ActorGroup[];
  readonly source: SourceLocation | undefined;
}

let nextUid = 0;
const scopeStack: string[] = [];

/**
 * Runs `build` with every node it creates named under `name/` (Beam-style hierarchical names), so a
 * reusable sub-flow shows up as one named block in dumps and errors.
 */
export function scope<R>(name: string, build: () => R): R {
  if (!/^[\w.()-]+$/.test(name)) throw new PlanError(`scope name '${name}' may only use letters, digits and '_.()-'`, { source: captureSource() });
  scopeStack.push(name);
  try {
    return build();
  } finally {
    scopeStack.pop();
  }
}

/** The enclosing `scope()` names at this point of plan construction, outermost first. */
export function currentScope(): readonly string[] {
  return [...scopeStack];
}

export interface NodeInit {
  readonly kind: string;
  readonly label: string;
  readonly output: string;
  readonly inputTypes?: readonly string[];
  readonly params?: Readonly<Record<string, unknown>>;
  readonly group?: ActorGroup;
  readonly stage?: DslStage;
  readonly inputs?: readonly PlanInput[];
  readonly queue?: Queue<unknown>;
  readonly targets?: readonly ActorGroup[];
  readonly name?: string;
  readonly source?: SourceLocation | undefined;
  /** Scope names; defaults to the `scope()`s enclosing this call (nodes built lazily pass their own). */
  readonly scope?: readonly string[];
}

/** Creates a frozen plan node; the source location defaults to the caller's plan line. */
export function makeNode(init: NodeInit): PlanNode {
  const source = init.source ?? captureSource();
  if (init.name !== undefined && !/^[^\s/]+$/.test(init.name)) {
    throw new PlanError(`stage name '${init.name}' must be non-empty and contain no spaces or '/'`, { source });
  }
  let output: string;
  let inputTypes: string[];
  try {
    output = normalizeType(init.output);
    inputTypes = (init.inputTypes ?? []).map(normalizeType);
  } catch (e) {
    throw new PlanError((e as Error).message, { source });
  }
  return Object.freeze({
    uid: nextUid++,
    kind: init.kind,
    label: init.label,
    userName: init.name,
    scope: [...(init.scope ?? scopeStack)],
    output,
    inputTypes,
    params: Object.freeze({ ...(init.params ?? {}) }),
    group: init.group,
    stage: init.stage,
    inputs: Object.freeze([...(init.inputs ?? [])]),
    queue: init.queue,
    targets: Object.freeze([...(init.targets ?? [])]),
    source,
  });
}

/** A copy of a node under a user-given name. */
export function renameNode(node: PlanNode, name: string): PlanNode {
  return makeNode({ ...node, name, source: node.source });
}

/** Options every stage-taking DSL method accepts. */
export interface StageOptionsBase {
  /** Unique stage name shown in dumps and errors (default: derived from the function). */
  readonly name?: string;
  /** Element type produced, for the IR verifier, when the stage does not declare it. */
  readonly out?: string;
}

/** A stage argument as the DSL accepts it: a stage definition (possibly bound) or a closure. */
export type StageArg = StageDef<unknown, []> | BoundStage<unknown> | ((...args: never[]) => unknown);

function isBound(x: unknown): x is BoundStage<unknown> {
  return typeof x === 'object' && x !== null && 'def' in x && 'args' in x;
}

function isDef(x: unknown): x is StageDef {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[Symbol.for('rlflow.definition')] === 'stage';
}

/** Normalizes a stage argument; `allowClosure` is false on actors. */
export function toDslStage(arg: StageArg, method: string, allowClosure: boolean, source: SourceLocation | undefined): DslStage {
  if (isBound(arg)) return { type: 'def', def: arg.def as StageDef, args: arg.args };
  if (isDef(arg)) return { type: 'def', def: arg, args: [] };
  if (typeof arg === 'function') {
    if (!allowClosure) {
      throw new PlanError(`${method}() on a ParStream runs on actors and needs a stage defined with actorStage(import.meta.url, fn), not a closure`, {
        source,
        hint: 'closures cannot be sent to worker processes; define the function in a module with actorStage and export it',
      });
    }
    return { type: 'closure', fn: arg, name: arg.name || 'anonymous' };
  }
  throw new PlanError(`${method}() needs a function or a stage definition, got ${typeof arg}`, { source });
}

export function stageDisplayName(stage: DslStage): string {
  return stage.type === 'def' ? stage.def.displayName : stage.name;
}

/** The declared input and output types of a stage (`unknown` when undeclared). */
export function stageTypes(stage: DslStage, options: StageOptionsBase = {}): { in: string; out: string } {
  const declared = stage.type === 'def' ? stage.def.types : {};
  return { in: declared.in ?? 'unknown', out: options.out ?? declared.out ?? 'unknown' };
}
