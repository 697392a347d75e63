/**
 * `passSpec`: the semantics-preservation contract of an optimizer pass (DESIGN.md §4), as fast-check
 * properties over generated plans (plans.ts). The built-in passes are checked with it, and so can a
 * user's pass:
 *
 * ```ts
 * import { checkPass } from 'rlflow/testing';
 * await checkPass(myPass, { numRuns: 50 });                          // local backend
 * await checkPass(myPass, { numRuns: 5, backends: ['farm'] });       // real worker processes
 * ```
 *
 * For every generated plan:
 * (a) the pass runs without throwing and leaves an IR that verifies;
 * (b) when the pass claims `idempotent`, running it again on its own output changes nothing (the
 *     stable dumps are equal);
 * (c) the optimized graph outputs what the original does, on each backend, with the same seed: the
 *     identical sequence when the plan fixes its order, otherwise the same outputs with each source's
 *     items in the same order (only the interleaving of sources, e.g. by a gather's `batchMs`, may change).
 * (d) error paths: a plan with `failAt = k` (a driver stage that throws on its k-th item, see plans.ts)
 *     must fail on every backend, both as compiled and as optimized, with the planned error, having
 *     delivered exactly k - 1 items first: for an ordered plan the model's first k - 1 items in order
 *     (so the original and the optimized run deliver the identical prefix); otherwise each source's
 *     delivered items must be a prefix of that source's items in the model. (Which sources got how far
 *     before the error depends on timing in an unordered plan, so the two runs are not compared with
 *     each other there; comparing each with the model is the strongest check that is not flaky.)
 * A failure reports the plan as DSL code, the IR before and after, and both runs' outputs.
 */
import fc from 'fast-check';
import { compile, type Stream } from '../dsl/index.js';
import { dumpGraph } from '../ir/dump.js';
import { cloneGraph, type PlanGraph } from '../ir/graph.js';
import { getKind } from '../ir/kinds.js';
import { verifyGraph } from '../ir/verify.js';
import {
  DEFAULT_COSTS,
  DEFAULT_PIPELINE,
  PassConfigError,
  inventory as makeInventory,
  optimize,
  registerPass,
  registeredPasses,
  unregisterPass,
  type CostModel,
  type Inventory,
  type OptimizeOptions,
  type Pass,
  type PassContext,
} from '../optimizer/index.js';
import type { BackendName } from '../runtime/index.js';
import { build, describePlan, expected, isOrdered, planArbitrary, type PlanArbitraryOptions, type PlanDesc } from './plans.js';
import { outputDifference, prefixDifference, runGraph, runGraphSettled } from './run-plan.js';

/** What to check: a pass, a registered pass's name, or a pipeline (a list of either). */
export type PassTarget = Pass | string | readonly (Pass | string)[];

/**
 * Options of `passSpec`: the backends to compare on, the plans to generate, and the inventory, costs and pass
 * options to optimize with.
 */
export interface PassSpecOptions {
  /** Backends the outputs are compared on (default `['local']`; `'farm'` starts a process per actor). */
  readonly backends?: readonly BackendName[];
  /** Shape of the generated plans (e.g. `{ maxActorsPerGroup: 2 }` for the farm). */
  readonly plans?: PlanArbitraryOptions;
  /** Plans to check instead of `planArbitrary(plans)`. */
  readonly arbitrary?: fc.Arbitrary<PlanDesc>;
  /** The `place` pass's inventory (default: one machine, 4 CPUs, no GPU: the same on every machine). */
  readonly inventory?: Inventory;
  /** The `batch` pass's cost model (default `DEFAULT_COSTS`, not this machine's calibration). */
  readonly costs?: CostModel;
  /** Options per pass name, as for `optimize`. */
  readonly options?: OptimizeOptions['options'];
  /** Limit for one plan run, in ms (default 30000). */
  readonly runTimeoutMs?: number;
}

/** Counts kept by the output property, so a suite can tell that the pass had work to do. */
export interface PassSpecStats {
  /** Plans run through property (c). */
  runs: number;
  /** Of those, plans the pipeline changed (the stable dump differs). */
  changed: number;
  /** Of those, plans compared as an exact sequence (the rest per source). */
  exact: number;
  /** Of those, plans with an error path (`failAt`), checked by what they deliver before the error. */
  failing: number;
}

/**
 * The fast-check properties a pass (or pipeline) must satisfy: its output verifies, it is idempotent if it
 * says so, and the optimized plan outputs what the original does. Built by `passSpec`; `checkPass` asserts them all.
 */
export interface PassSpec {
  /** `pass 'fuse'` or `pipeline cleanup,fuse`. */
  readonly label: string;
  /** The pass names that run, in order (prerequisites of a single pass's `requires` included). */
  readonly pipeline: readonly string[];
  /** (a) The pass does not throw and its output verifies. */
  readonly verifies: fc.IAsyncPropertyWithHooks<[PlanDesc]>;
  /** (b) Running the pass on its output changes nothing; only for a single pass that claims `idempotent`. */
  readonly idempotent: fc.IAsyncPropertyWithHooks<[PlanDesc]> | undefined;
  /** (c) The optimized graph outputs what the original does, on every backend (the second value is the run seed). */
  readonly preservesOutputs: fc.IAsyncPropertyWithHooks<[PlanDesc, number]>;
  readonly stats: PassSpecStats;
}

/** A pass object that is not registered is registered while it runs (the manager runs passes by name). */
async function withRegistered<T>(passes: readonly Pass[], work: () => Promise<T>): Promise<T> {
  const added: string[] = [];
  try {
    for (const p of passes) {
      if (!registeredPasses().includes(p)) {
        registerPass(p); // throws, naming it, when another pass has the name
        added.push(p.name);
      }
    }
    return await work();
  } finally {
    for (const name of added) unregisterPass(name);
  }
}

function passByName(name: string): Pass {
  const pass = registeredPasses().find((p) => p.name === name);
  if (!pass) throw new PassConfigError(`passSpec: unknown pass '${name}'`, { hint: `registered passes: ${registeredPasses().map((p) => p.name).join(', ')}; or give the Pass object itself` });
  return pass;
}

/**
 * Passes that must run before `pass` so that its `requires` hold: for each missing property, the
 * registered pass that provides it (the default pipeline's first), its own prerequisites first.
 */
function prerequisites(pass: Pass, seen: Set<string> = new Set()): Pass[] {
  const out: Pass[] = [];
  for (const property of pass.requires ?? []) {
    const candidates = registeredPasses().filter((p) => p !== pass && p.provides?.includes(property));
    const rank = (p: Pass): number => (DEFAULT_PIPELINE.includes(p.name) ? DEFAULT_PIPELINE.indexOf(p.name) : DEFAULT_PIPELINE.length);
    const provider = candidates.sort((a, b) => rank(a) - rank(b))[0];
    if (!provider) {
      throw new PassConfigError(`passSpec: pass '${pass.name}' requires '${property}', and no registered pass provides it`, {
        hint: `check a pipeline instead: passSpec(['<pass providing ${property}>', '${pass.name}'])`,
      });
    }
    if (seen.has(provider.name)) continue;
    seen.add(provider.name);
    out.push(...prerequisites(provider, seen), provider);
  }
  return out;
}

function hasAsynchronousNode(graph: PlanGraph): boolean {
  return graph.someNode((_id, attrs) => getKind(attrs.kind).asynchronous === true);
}

function dumpForReport(graph: PlanGraph): string {
  return dumpGraph(graph, { sources: false, full: true }).trimEnd();
}

function show(outputs: readonly unknown[]): string {
  return outputs.length ? outputs.map((x, i) => `  ${i}: ${JSON.stringify(x)}`).join('\n') : '  (none)';
}

/** Adds the plan (and the IR, when known) to a failure, so fast-check's report shows the counterexample. */
function explain(e: unknown, label: string, desc: PlanDesc, sections: readonly [string, string][] = []): Error {
  const err = e instanceof Error ? e : new Error(String(e));
  err.message = [`${label}: ${err.message}`, '--- plan ---', describePlan(desc), ...sections.flatMap(([title, body]) => [`--- ${title} ---`, body])].join('\n');
  return err;
}

/**
 * The properties of a pass (or pipeline) over generated plans. Run them with `fc.assert` (`checkPass`
 * does), or combine them with your own generators.
 */
export function passSpec(target: PassTarget, options: PassSpecOptions = {}): PassSpec {
  const entries = (typeof target === 'string' || !Array.isArray(target) ? [target] : target) as readonly (Pass | string)[];
  if (entries.length === 0) throw new PassConfigError('passSpec: the pipeline is empty', { hint: "name at least one pass, e.g. passSpec('fuse')" });
  const passes = entries.map((e) => (typeof e === 'string' ? passByName(e) : e));
  const single = passes.length === 1 && !Array.isArray(target) ? passes[0]! : undefined;
  const before = single ? prerequisites(single) : [];
  const pipeline = [...before, ...passes];
  const names = pipeline.map((p) => p.name);
  const label = single ? `pass '${single.name}'${before.length ? ` (after ${before.map((p) => p.name).join(', ')})` : ''}` : `pipeline ${names.join(',')}`;
  const backends = options.backends ?? ['local'];
  const inventory = options.inventory ?? makeInventory({ cpus: 4 });
  const costs = options.costs ?? DEFAULT_COSTS;
  const plans = options.arbitrary ?? planArbitrary({ errors: true, ...options.plans });
  const stats: PassSpecStats = { runs: 0, changed: 0, exact: 0, failing: 0 };

  async function original(desc: PlanDesc): Promise<PlanGraph> {
    return (await compile(build(desc) as Stream<unknown>, { name: 'generated' })).graph;
  }

  async function optimized(desc: PlanDesc, graph: PlanGraph): Promise<PlanGraph> {
    try {
      const result = await withRegistered(pipeline, () => optimize(graph, { passes: names, verify: true, inventory, costs, options: options.options ?? {} }));
      const errors = verifyGraph(result.graph);
      if (errors.length) throw errors[0]!;
      return result.graph;
    } catch (e) {
      throw explain(e, `${label} failed or left an invalid IR`, desc, [['original IR', dumpForReport(graph)]]);
    }
  }

  /** One more run of the single pass, directly (its prerequisites' properties still hold on `graph`). */
  async function rerun(pass: Pass, graph: PlanGraph): Promise<PlanGraph> {
    const copy = cloneGraph(graph);
    const ctx: PassContext = { inventory, costs, options: options.options?.[pass.name] ?? {}, note: () => {}, warn: () => {} };
    await pass.run(copy, ctx);
    return copy;
  }

  const verifies = fc.asyncProperty(plans, async (desc) => {
    await optimized(desc, await original(desc));
  });

  const idempotent =
    single?.idempotent === true
      ? fc.asyncProperty(plans, async (desc) => {
          const graph = await original(desc);
          const once = await optimized(desc, graph);
          const twice = await rerun(single, once).catch((e: unknown) => {
            throw explain(e, `${label} failed on its own output`, desc, [['its output', dumpForReport(once)]]);
          });
          const a = dumpGraph(once, { full: true });
          const b = dumpGraph(twice, { full: true });
          if (a !== b) {
            throw explain(new Error('claims to be idempotent, but running it again on its output changed the graph'), label, desc, [
              ['after one run', dumpForReport(once)],
              ['after two runs', dumpForReport(twice)],
            ]);
          }
        })
      : undefined;

  const preservesOutputs = fc.asyncProperty(plans, fc.nat({ max: 1000 }), async (desc, seed) => {
    const graph = await original(desc);
    const opt = await optimized(desc, graph);
    // The plan's own structure can fix its order even through asynchronous kinds (a FIFO queue join, a
    // dead branch whose items are dropped); without that, a graph with no asynchronous kind is exact.
    const exact = isOrdered(desc) || !hasAsynchronousNode(graph);
    stats.runs++;
    if (exact) stats.exact++;
    if (dumpGraph(opt, { full: true }) !== dumpGraph(graph, { full: true })) stats.changed++;
    const model = expected(desc);
    const count = model.count;
    if (model.failsAfter !== undefined) {
      const failsAfter = model.failsAfter;
      stats.failing++;
      for (const backend of backends) {
        const sections = (): [string, string][] => [
          ['original IR', dumpForReport(graph)],
          ['optimized IR', dumpForReport(opt)],
        ];
        for (const [which, g] of [['original', graph], ['optimized', opt]] as const) {
          const r = await runGraphSettled(g, { backend, seed, count, timeoutMs: options.runTimeoutMs }).catch((e: unknown) => {
            throw explain(e, `the ${which} plan (with failAt) did not end on '${backend}' (run seed ${seed})`, desc, sections());
          });
          const message = r.error instanceof Error ? r.error.message : String(r.error);
          const problem =
            r.error === undefined
              ? `ended without the planned error (failAt ${desc.failAt})`
              : !message.includes('failAt')
                ? `failed with another error than the planned one: ${message}`
                : prefixDifference(r.outputs, model.items, failsAfter, exact);
          if (problem) {
            throw explain(new Error(`the ${which} plan's error path on '${backend}' (run seed ${seed}): ${problem}`), label, desc, [
              ...sections(),
              [`model items (${model.items.length})`, show(model.items)],
              [`${which} outputs before the error (${r.outputs.length})`, show(r.outputs)],
            ]);
          }
        }
      }
      return;
    }
    for (const backend of backends) {
      const run = (g: PlanGraph): Promise<unknown[]> => runGraph(g, { backend, seed, count, endless: desc.queue !== undefined, timeoutMs: options.runTimeoutMs });
      const sections = (): [string, string][] => [
        ['original IR', dumpForReport(graph)],
        ['optimized IR', dumpForReport(opt)],
      ];
      const ref = await run(graph).catch((e: unknown) => {
        throw explain(e, `the original plan failed on '${backend}' (run seed ${seed}), before ${label} was involved`, desc, sections());
      });
      const got = await run(opt).catch((e: unknown) => {
        throw explain(e, `the plan optimized by ${label} failed on '${backend}' (run seed ${seed}); the original gave ${ref.length} outputs`, desc, [...sections(), ['original outputs', show(ref)]]);
      });
      const difference = outputDifference(got, ref, exact);
      if (difference) {
        throw explain(new Error(`changed what the plan outputs on '${backend}' (run seed ${seed}, compared ${exact ? 'as an exact sequence' : 'per source'}): ${difference}`), label, desc, [
          ...sections(),
          [`original outputs (${ref.length})`, show(ref)],
          [`optimized outputs (${got.length})`, show(got)],
        ]);
      }
    }
  });

  return { label, pipeline: names, verifies, idempotent, preservesOutputs, stats };
}

/** Options of `checkPass`: those of `passSpec`, plus fast-check's run count, seed and parameters. */
export interface CheckPassOptions extends PassSpecOptions {
  /** Generated plans per property (default 50). */
  readonly numRuns?: number;
  /** fast-check seed (default fixed, so a run is reproducible). */
  readonly seed?: number;
  /** Extra fast-check parameters (e.g. `{ verbose: true }`, or `path` to replay a failure). */
  readonly fcParams?: Omit<fc.Parameters<unknown>, 'numRuns' | 'seed'>;
}

/**
 * Checks every property of `passSpec(target)` with `fc.assert`; throws fast-check's report (with the
 * shrunk counterexample) on the first failure. Returns the output property's counts.
 */
export async function checkPass(target: PassTarget, options: CheckPassOptions = {}): Promise<PassSpecStats> {
  const spec = passSpec(target, options);
  const params = { numRuns: options.numRuns ?? 50, seed: options.seed ?? 20240607, includeErrorInReport: true, ...options.fcParams };
  await fc.assert(spec.verifies, params as fc.Parameters<[PlanDesc]>);
  if (spec.idempotent) await fc.assert(spec.idempotent, params as fc.Parameters<[PlanDesc]>);
  await fc.assert(spec.preservesOutputs, params as fc.Parameters<[PlanDesc, number]>);
  return { ...spec.stats };
}
