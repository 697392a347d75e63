/**
 * What a pass is, and the registry of passes by name. The built-in passes (passes/) use exactly this
 * API, so a user's pass is a first-class citizen: `registerPass(myPass)`, then name it in a pipeline
 * (`optimize(plan, { passes: ['fuse', 'my-pass'] })` or `rlflow train … --passes fuse,my-pass`).
 *
 * A pass rewrites the graph it is given in place (the manager hands it a private copy) and may explain
 * its decisions with `ctx.note`. Requirements and guarantees are *properties*: plain strings such as
 * `placed` (each actor group has a device). A pass `requires` properties that earlier passes
 * `provide`; after it runs, the properties it does not list in `preserves` are gone (MLIR's analysis
 * preservation): a pass that may add actor-side nodes does not preserve `fused`.
 */
import type { PlanPlace } from '../ir/errors.js';
import type { PlanGraph } from '../ir/graph.js';
import type { CostModel } from './cost-model.js';
import { PassConfigError } from './errors.js';
import type { Inventory } from './inventory.js';

/**
 * What a pass gets besides the graph: the resource inventory, the cost model, its own options, and
 * `note`/`warn` to explain its decisions.
 */
export interface PassContext {
  /** The machines and devices the plan may use (the `place` pass's input). */
  readonly inventory: Inventory;
  /** Measured costs (the `batch` pass's input). */
  readonly costs: CostModel;
  /** This pass's options from `optimize({ options: { [pass]: … } })` (e.g. `{ strict: true }` for place). */
  readonly options: Readonly<Record<string, unknown>>;
  /** Records a decision (what changed and why, or why not) for `explain`. `at` is a node id or group name. */
  note(message: string, at?: string): void;
  /** Records something the user should see even without `explain` (the CLI prints warnings). */
  warn(message: string, place?: PlanPlace): void;
}

/**
 * A graph-to-graph rewrite of the optimizer, declared with the properties it requires, provides and
 * preserves. Register it with `registerPass` and name it in a pipeline.
 *
 * @example
 * ```ts
 * registerPass({
 *   name: 'my-pass',
 *   description: 'does nothing yet',
 *   preserves: 'all',
 *   idempotent: true,
 *   run(graph, ctx) {
 *     ctx.note(`saw ${graph.order} nodes`);
 *   },
 * });
 * const { graph } = await optimize(plan, { passes: ['fuse', 'my-pass'] });
 * ```
 */
export interface Pass {
  /** Registry name: lowercase, digits and '-' (used in pipelines and on the CLI). */
  readonly name: string;
  /** One line: what the pass does (shown by `rlflow passes` and `--explain`). */
  readonly description: string;
  /** Properties that must hold before this pass runs. */
  readonly requires?: readonly string[];
  /** Properties that hold after this pass has run. */
  readonly provides?: readonly string[];
  /** Properties this pass keeps; `'all'` for passes that never touch what any property describes. */
  readonly preserves?: readonly string[] | 'all';
  /** Running the pass on its own output changes nothing (checked by `passSpec`). */
  readonly idempotent: boolean;
  /** Run until the graph stops changing (e.g. one rewrite may expose another). */
  readonly fixedPoint?: boolean;
  /** Rewrites `graph` in place. */
  run(graph: PlanGraph, ctx: PassContext): void | Promise<void>;
}

const PASS_NAME = /^[a-z][a-z0-9-]*$/;
const passes = new Map<string, Pass>();

/** Registers a pass under its name. Registering another pass under a taken name is an error. */
export function registerPass<P extends Pass>(pass: P): P {
  if (!PASS_NAME.test(pass.name)) {
    throw new PassConfigError(`pass name '${pass.name}' must be lowercase letters, digits and '-' (it is used in pipelines and on the CLI)`);
  }
  if (typeof pass.run !== 'function') throw new PassConfigError(`pass '${pass.name}' has no run(graph, ctx) function`);
  const existing = passes.get(pass.name);
  if (existing && existing !== pass) {
    throw new PassConfigError(`a different pass named '${pass.name}' is already registered`, { hint: 'give your pass another name' });
  }
  passes.set(pass.name, pass);
  return pass;
}

/** Removes a pass (tests, plugins that unload). */
export function unregisterPass(name: string): boolean {
  return passes.delete(name);
}

/** The registered pass called `name`; throws `PassConfigError` (listing the registered ones) when there is none. */
export function getPass(name: string): Pass {
  const pass = passes.get(name);
  if (!pass) {
    throw new PassConfigError(`unknown pass '${name}'`, { hint: `registered passes: ${registeredPasses().map((p) => p.name).join(', ')}` });
  }
  return pass;
}

/** Every registered pass. */
export function registeredPasses(): Pass[] {
  return [...passes.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** One entry of a pipeline: a pass, once or repeated to a fixed point (`name*` in the string form). */
export interface PipelineStep {
  readonly pass: Pass;
  readonly fixedPoint: boolean;
}

/**
 * Parses a pipeline: a list of names or a comma-separated string (`cleanup,fuse,place,batch`). A
 * trailing `*` runs that pass to a fixed point; a pass that declares `fixedPoint` always does.
 */
export function parsePipeline(passNames: string | readonly string[]): PipelineStep[] {
  const names = typeof passNames === 'string' ? passNames.split(',').map((s) => s.trim()).filter((s) => s !== '') : passNames;
  return names.map((raw) => {
    const star = raw.endsWith('*');
    const pass = getPass(star ? raw.slice(0, -1) : raw);
    return { pass, fixedPoint: star || pass.fixedPoint === true };
  });
}
