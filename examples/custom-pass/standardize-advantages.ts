/**
 * A custom optimizer pass (docs/passes.md walks through it): before every learner update (the
 * `trainOneStep` composite, which ends in `callActor(learner.learnOnBatch)`), make sure the batch's
 * advantages are standardized, by inserting a driver-side `forEach(standardizeFields(['advantages']))`
 * where the plan does not already have one. The inserted stage is data (a stage reference with its
 * arguments), so the optimized plan still saves to JSON and runs from it.
 *
 * It uses only the public pass API — the same one the built-in passes use:
 *   - `registerPass` makes it available by name in pipelines (`--passes cleanup,standardize-advantages`);
 *   - `insertBefore` (one of the graph-surgery helpers in src/optimizer/rewrite.ts) splices a node into an edge, keeping the IR's invariants;
 *   - `ctx.note` explains each decision in `--explain` and `rlflow inspect`.
 * It is idempotent (a second run finds the stage in place and changes nothing), as it declares.
 */
import { K, inputEdges, insertBefore, registerPass, type Pass, type PlanGraph } from '../../src/index.js';
import { standardizeFields } from '../../src/rl/ops/batching.js';

const STANDARDIZE = standardizeFields(['advantages']);
const STAGE_NAME = STANDARDIZE.def.displayName;

const inTrainStep = (graph: PlanGraph, id: string): boolean => (graph.getNodeAttribute(id, 'scope') ?? []).includes('trainOneStep');

/** The first node of every `trainOneStep` composite (its input comes from outside the scope). */
function learnerCalls(graph: PlanGraph): string[] {
  return graph.filterNodes((id) => inTrainStep(graph, id) && inputEdges(graph, id).some((e) => !inTrainStep(graph, e.from)));
}

/** Whether the node feeding `id` already standardizes (so the pass leaves it alone). */
function alreadyStandardized(graph: PlanGraph, id: string): boolean {
  const producer = inputEdges(graph, id)[0]?.from;
  const stage = producer === undefined ? undefined : graph.getNodeAttributes(producer).stage;
  return stage?.type === 'ref' && stage.ref.name === STAGE_NAME;
}

export const standardizeAdvantages: Pass = registerPass({
  name: 'standardize-advantages',
  description: "inserts forEach(standardizeFields(['advantages'])) before every trainOneStep that lacks one",
  // Adds a driver-side node only: actor groups, fusion and batching decisions stay valid.
  preserves: ['fused', 'placed', 'batched'],
  idempotent: true,
  run(graph, ctx) {
    for (const call of learnerCalls(graph)) {
      const target = graph.getNodeAttributes(call);
      if (alreadyStandardized(graph, call)) {
        ctx.note(`'${target.name}' already gets standardized advantages`, call);
        continue;
      }
      const input = graph.getNodeAttributes(inputEdges(graph, call)[0]!.from);
      const id = insertBefore(graph, call, 0, {
        kind: K.forEach.kind,
        name: `${target.name}/standardizeAdvantages`,
        output: input.output,
        inputTypes: [input.output],
        params: {},
        placement: { on: 'driver' },
        stage: { type: 'ref', ref: { module: STANDARDIZE.def.module, name: STAGE_NAME }, args: STANDARDIZE.args },
        // The new node points at the plan line of the call it protects, so errors land somewhere useful.
        ...(target.source ? { source: target.source } : {}),
      });
      ctx.note(`inserted ${id} before '${target.name}': advantages are standardized before each learner update`, id);
    }
  },
});
