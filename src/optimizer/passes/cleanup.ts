/**
 * `cleanup`: canonicalization that never changes what a plan computes or does.
 *
 * - **No-op removal.** Nodes whose kind says they pass items through unchanged (`KindSpec.isNoOp`),
 *   and `batch(1)` immediately followed by `flatten` on the same side (wrap in a list of one, unwrap).
 * - **Dead branch pruning.** A `concurrently` stream that is not in `outputIndexes` is run only for
 *   what running it does; its items are dropped. When every node that feeds only that stream (back to
 *   a `duplicate` it shares with others, or to its sources) is free of side effects, nothing observable
 *   comes of running it: the branch, its `concurrently` input and its `duplicate` output go. A branch
 *   with any side-effecting node (a stage function, an actor call, a queue, an actor's items()) is kept.
 */
import { getKind, K } from '../../ir/kinds.js';
import { inputEdges, outputEdges, topologicalOrder, type PlanGraph } from '../../ir/graph.js';
import type { NodeAttributes } from '../../ir/types.js';
import { registerPass, type Pass, type PassContext } from '../pass.js';
import { removeInputPort, removeOutputPort, spliceOut, updateNode } from '../rewrite.js';

function samePlacement(a: NodeAttributes, b: NodeAttributes): boolean {
  return JSON.stringify(a.placement) === JSON.stringify(b.placement);
}

function removeNoOps(graph: PlanGraph, ctx: PassContext): void {
  for (const id of topologicalOrder(graph)) {
    if (!graph.hasNode(id)) continue;
    const node = graph.getNodeAttributes(id);
    const spec = getKind(node.kind);
    if (spec.isNoOp?.(node.params) && !spec.sideEffects && inputEdges(graph, id).length === 1 && outputEdges(graph, id).length <= 1) {
      spliceOut(graph, id);
      ctx.note(`removed no-op ${node.kind} '${node.name}'`, id);
      continue;
    }
    if (node.kind === K.batch.kind && Number(node.params['n']) === 1) {
      const outs = outputEdges(graph, id);
      const next = outs.length === 1 ? graph.getNodeAttributes(outs[0]!.to) : undefined;
      if (next && next.kind === K.flatten.kind && samePlacement(node, next) && !graph.getAttribute('outputs').includes(id)) {
        spliceOut(graph, next.id);
        spliceOut(graph, id);
        ctx.note(`removed batch(1) → flatten pair '${node.name}', '${next.name}' (wraps each item in a list of one, then unwraps it)`, id);
      }
    }
  }
}

/**
 * The nodes that exist only to feed `consumer`'s input `port`: walk upstream while each node's output
 * goes only into the branch. Stops at a `duplicate` (shared with other consumers): returned as `fanOut`.
 */
function branchOf(graph: PlanGraph, consumer: string, port: number): { nodes: string[]; fanOuts: { id: string; port: number }[] } {
  const nodes: string[] = [];
  const fanOuts: { id: string; port: number }[] = [];
  const stack = inputEdges(graph, consumer).filter((e) => e.toPort === port);
  const seen = new Set<string>();
  while (stack.length) {
    const e = stack.pop()!;
    const producer = graph.getNodeAttributes(e.from);
    if (producer.kind === K.duplicate.kind) {
      fanOuts.push({ id: e.from, port: e.fromPort });
      continue;
    }
    if (seen.has(e.from)) continue;
    seen.add(e.from);
    nodes.push(e.from);
    stack.push(...inputEdges(graph, e.from));
  }
  return { nodes, fanOuts };
}

function pruneDeadBranches(graph: PlanGraph, ctx: PassContext): void {
  for (const id of topologicalOrder(graph)) {
    if (!graph.hasNode(id)) continue;
    const node = graph.getNodeAttributes(id);
    if (node.kind !== K.concurrently.kind) continue;
    const outputIndexes = node.params['outputIndexes'] as number[] | undefined | null;
    if (!outputIndexes) continue;
    const inputs = inputEdges(graph, id).length;
    // Highest port first, so renumbering does not shift ports still to visit.
    for (let port = inputs - 1; port >= 0; port--) {
      if ((node.params['outputIndexes'] as number[]).includes(port)) continue;
      const current = graph.getNodeAttributes(id);
      if (inputEdges(graph, id).length <= 1) break;
      const branch = branchOf(graph, id, port);
      const effectful = branch.nodes.filter((n) => getKind(graph.getNodeAttributes(n).kind).sideEffects);
      if (effectful.length) {
        const names = effectful.map((n) => `'${graph.getNodeAttributes(n).name}'`).slice(0, 3).join(', ');
        ctx.note(`kept stream ${port} of '${current.name}' (its items are dropped, but it runs for its side effects: ${names})`, id);
        continue;
      }
      // Drop the branch, the concurrently input, and the duplicate output that fed it.
      const names = branch.nodes.map((n) => graph.getNodeAttributes(n).name);
      for (const n of branch.nodes) graph.dropNode(n);
      removeInputPort(graph, id, port);
      const weights = current.params['weights'] as unknown[] | undefined | null;
      const kept = (current.params['outputIndexes'] as number[]).map((i) => (i > port ? i - 1 : i));
      updateNode(graph, id, {
        inputTypes: current.inputTypes.filter((_, k) => k !== port),
        params: { ...current.params, outputIndexes: kept, ...(Array.isArray(weights) ? { weights: weights.filter((_, k) => k !== port) } : {}) },
      });
      // Highest port first per duplicate, so the others keep their numbers.
      for (const f of branch.fanOuts.sort((x, y) => y.port - x.port)) shrinkDuplicate(graph, f.id, f.port, ctx);
      ctx.note(`pruned stream ${port} of '${current.name}': its items are dropped and it has no side effects (${names.length ? names.map((n) => `'${n}'`).join(', ') : 'a duplicate output'})`, id);
    }
    // A concurrently left with one stream is that stream.
    if (graph.hasNode(id) && inputEdges(graph, id).length === 1 && outputEdges(graph, id).length <= 1) {
      ctx.note(`removed '${node.name}': one stream left`, id);
      spliceOut(graph, id);
    }
  }
}

/** Removes output `port` of a duplicate; a duplicate left with one output is spliced out. */
function shrinkDuplicate(graph: PlanGraph, id: string, port: number, ctx: PassContext): void {
  removeOutputPort(graph, id, port);
  const dup = graph.getNodeAttributes(id);
  const n = Number(dup.params['n']) - 1;
  if (n >= 2) updateNode(graph, id, { params: { ...dup.params, n } });
  else {
    spliceOut(graph, id);
    ctx.note(`removed '${dup.name}': one consumer left`, id);
  }
}

export const cleanupPass: Pass = registerPass({
  name: 'cleanup',
  description: 'removes no-op stages and prunes side-effect-free branches whose output nobody reads',
  preserves: ['fused', 'placed', 'batched'],
  idempotent: true,
  fixedPoint: true,
  run(graph, ctx) {
    removeNoOps(graph, ctx);
    pruneDeadBranches(graph, ctx);
  },
});
