/**
 * An algorithm's plan, compiled and optimized the way `rlflow train` runs it: the one place code outside
 * the CLI (tests, benchmarks, your scripts) gets a runnable plan for an algorithm. Running a compiled
 * plan without optimizing it is legal but does exactly what it says: e.g. rollout workers then make one
 * policy forward pass per env copy, because batching is the `batch` pass's decision.
 */
import { compile, type CompiledPlan } from '../dsl/compile.js';
import type { PlanGraph } from '../ir/graph.js';
import { optimize, type OptimizeOptions, type OptimizeReport } from '../optimizer/index.js';
import type { ResultDict } from '../rl/ops/metrics.js';
import type { Algorithm } from './common.js';

/** What `buildAlgorithmPlan` returns: the compiled plan, the graph to run and the optimizer's report (if it ran). */
export interface BuiltPlan {
  readonly compiled: CompiledPlan<ResultDict>;
  /** The graph to run: optimized, or the compiled one with `optimize: false`. */
  readonly graph: PlanGraph;
  readonly report: OptimizeReport | undefined;
}

/**
 * Compiles `algorithm.plan(config)` and optimizes it (the default pipeline unless `optimize` says
 * otherwise; `false` skips it).
 *
 * @example
 *   const { graph } = await buildAlgorithmPlan(ppo, ppo.config({ env: 'CartPole-v1' }));
 *   const rt = await run<ResultDict>(graph, { backend: 'farm' });
 */
export async function buildAlgorithmPlan<C>(algorithm: Algorithm<C>, config: C, options: { readonly name?: string; readonly optimize?: OptimizeOptions | false } = {}): Promise<BuiltPlan> {
  const compiled = await compile(algorithm.plan(config), { name: options.name ?? algorithm.name });
  if (options.optimize === false) return { compiled, graph: compiled.graph, report: undefined };
  const { graph, report } = await optimize(compiled, options.optimize ?? {});
  return { compiled, graph, report };
}
