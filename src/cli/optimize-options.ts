/**
 * The optimizer flags every command that compiles a plan shares (`train`, `inspect`): which passes run,
 * whether to verify after each, and whether to explain what each changed.
 */
import type { CompiledPlan } from '../dsl/compile.js';
import type { PlanGraph } from '../ir/graph.js';
import { DEFAULT_PIPELINE, detectInventory, formatReport, inventory, loadCostModel, optimize, type Inventory, type OptimizeResult } from '../optimizer/index.js';
import { UsageError } from './args.js';
import { importUserModule } from './plan-file.js';

export const optimizerOptions = {
  passes: { type: 'string' },
  'no-optimize': { type: 'boolean' },
  verify: { type: 'boolean' },
  explain: { type: 'boolean' },
  'strict-placement': { type: 'boolean' },
  plugin: { type: 'string', multiple: true },
} as const;

export const optimizerHelp = `Optimizer (docs/passes.md):
  --passes <list>       passes to run, comma-separated, 'name*' = to a fixed point (default ${DEFAULT_PIPELINE.join(',')})
  --no-optimize         run the plan exactly as compiled
  --verify              verify the IR after every pass (names the pass that breaks it)
  --explain             print what each pass changed (IR diff) and why
  --strict-placement    fail instead of falling back to the CPU when a GPU request cannot be met
  --plugin <module>     import a module that registers your own passes (repeatable); name them in --passes`;

/** Imports the `--plugin` modules, whose `registerPass` calls make their passes available by name. */
export async function loadPlugins(values: Record<string, unknown>): Promise<void> {
  for (const file of (values['plugin'] as string[] | undefined) ?? []) {
    await importUserModule(file, 'pass plugin', 'give a path to a module that calls registerPass() (see docs/passes.md)');
  }
}

/** The pass pipeline and options the flags ask for (undefined: optimization is off). */
export function optimizeRequest(values: Record<string, unknown>): { passes: string; verify: boolean; explain: boolean; strict: boolean } | undefined {
  if (values['no-optimize'] === true) {
    if (values['passes'] !== undefined) throw new UsageError('--passes and --no-optimize contradict each other');
    return undefined;
  }
  const passes = (values['passes'] as string | undefined) ?? DEFAULT_PIPELINE.join(',');
  return { passes, verify: values['verify'] === true, explain: values['explain'] === true, strict: values['strict-placement'] === true };
}

/**
 * The resources a run on `backend` can use. The local backend runs every actor in the driver's process,
 * which holds ONE TensorFlow.js backend, so actors cannot sit on different devices there: no GPU.
 */
export function inventoryFor(backend: 'local' | 'farm' | Inventory): Inventory {
  // A cluster's inventory (the nats backend's nodes) is given as is.
  if (typeof backend === 'object') return backend;
  const detected = detectInventory();
  if (backend === 'farm') return detected;
  const host = detected.hosts[0]!;
  return inventory({
    name: host.name,
    cpus: host.cpus,
    gpus: 0,
    gpuNotes: [...(host.gpus > 0 ? [] : host.gpuNotes), 'the local backend runs every actor in one process with one TensorFlow.js backend; GPUs are used on the farm backend'],
  });
}

/** Runs the requested optimization; the result, or undefined when the flags turned it off. */
export async function optimizeFromFlags(plan: CompiledPlan, values: Record<string, unknown>, explain = false, backend: 'local' | 'farm' | Inventory = 'farm'): Promise<OptimizeResult | undefined> {
  const request = optimizeRequest(values);
  if (!request) return undefined;
  await loadPlugins(values);
  return optimize(plan, {
    passes: request.passes,
    verify: request.verify,
    explain: request.explain || explain,
    inventory: inventoryFor(backend),
    costs: loadCostModel(),
    // On a cluster, a group's actors are spread over the nodes (the place pass's `spread` option).
    ...(request.strict || typeof backend === 'object' ? { options: { place: { ...(request.strict ? { strict: true } : {}), ...(typeof backend === 'object' ? { spread: true } : {}) } } } : {}),
  });
}

/** Optimizes for a run: prints a one-line summary (or the full explanation) and warnings; returns the graph to run. */
export async function optimizeForCli(plan: CompiledPlan, values: Record<string, unknown>, out: (line: string) => void, backend: 'local' | 'farm' | Inventory = 'farm'): Promise<PlanGraph> {
  const result = await optimizeFromFlags(plan, values, false, backend);
  if (!result) {
    out('optimizer: off (--no-optimize): the plan runs exactly as compiled');
    return plan.graph;
  }
  const { report } = result;
  if (values['explain'] === true) out(formatReport(report));
  else {
    const parts = report.passes.map((p) => {
      const s = p.stats;
      const what = [s.nodesChanged ? `${s.nodesChanged} node(s)` : '', s.groupsModified ? `${s.groupsModified} group(s)` : ''].filter(Boolean).join(', ');
      return `${p.pass} (${what || 'no change'})`;
    });
    out(`optimizer: ${parts.join(' → ')}; --explain shows what and why`);
  }
  for (const w of report.warnings) out(`warning: ${w.message}`);
  return result.graph;
}
