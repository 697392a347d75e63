/**
 * `fuse`: consecutive actor-side stages on the same actor group become one fused node, which the
 * runtime installs as ONE shard-program segment: a pull costs one actor round trip instead of one per
 * stage (spec/limits.md §2a: ≈ 60–90 µs per round trip across cores).
 *
 * It never fuses across a placement or device boundary (a different group, or the same group name on
 * another device), nor past a node whose output feeds anything but the next stage (in a valid IR an
 * actor-side output has exactly one consumer; the check keeps the pass correct for any graph). Fusing
 * keeps each member's id, name, kind, params, stage and source line in the fused node, so errors,
 * `inspect` and traces still name the stage the user wrote.
 */
import { ELEMENT_KINDS, K, fusedMembers, type FusedMember } from '../../ir/kinds.js';
import { inputEdges, outputEdges, topologicalOrder, type PlanGraph } from '../../ir/graph.js';
import type { NodeAttributes } from '../../ir/types.js';
import { registerPass, type Pass } from '../pass.js';
import { replaceChain } from '../rewrite.js';

/** Kinds fuse can put into a fused node. */
function fusable(node: NodeAttributes): boolean {
  return node.placement.on === 'actors' && (ELEMENT_KINDS.has(node.kind) || node.kind === K.fromActors.kind || node.kind === K.fused.kind);
}

function samePlace(a: NodeAttributes, b: NodeAttributes): boolean {
  return a.placement.on === 'actors' && b.placement.on === 'actors' && a.placement.group === b.placement.group && a.placement.device === b.placement.device;
}

/** A node as the member(s) it contributes to a fused node. */
function membersOf(node: NodeAttributes): FusedMember[] {
  if (node.kind === K.fused.kind) return [...fusedMembers(node.params)];
  const stage = node.stage?.type === 'ref' ? { type: 'ref' as const, ref: node.stage.ref, args: node.stage.args } : undefined;
  const { shards: _shards, ...params } = node.params;
  return [
    {
      id: node.id,
      name: node.name,
      kind: node.kind,
      params: node.kind === K.fromActors.kind ? {} : params,
      ...(stage ? { stage } : {}),
      output: node.output,
      ...(node.source ? { source: node.source } : {}),
    },
  ];
}

/** The node's single consumer when it is fusable with it, else undefined. */
function fusableSuccessor(graph: PlanGraph, id: string): string | undefined {
  const outs = outputEdges(graph, id);
  if (outs.length !== 1 || outs[0]!.fromPort !== 0) return undefined;
  const next = outs[0]!.to;
  const a = graph.getNodeAttributes(id);
  const b = graph.getNodeAttributes(next);
  if (!fusable(b) || !samePlace(a, b) || inputEdges(graph, next).length !== 1) return undefined;
  // A fused node that starts at a source can only be the first of a chain.
  if (b.kind === K.fromActors.kind || (b.kind === K.fused.kind && b.params['shards'] !== undefined)) return undefined;
  return next;
}

/** The built-in `fuse` pass (registered on import): fuses consecutive actor-side stages of one actor group into one segment. */
export const fusePass: Pass = registerPass({
  name: 'fuse',
  description: 'fuses consecutive actor-side stages of one actor group into one shard-program segment (one round trip per pull instead of one per stage)',
  provides: ['fused'],
  preserves: ['placed', 'batched'],
  idempotent: true,
  run(graph, ctx) {
    const done = new Set<string>();
    let fusedAny = false;
    for (const id of topologicalOrder(graph)) {
      if (done.has(id) || !graph.hasNode(id)) continue;
      const head = graph.getNodeAttributes(id);
      if (!fusable(head)) continue;
      // Start only at the head of a run: its producer (if any) is not fusable with it.
      const producer = inputEdges(graph, id)[0]?.from;
      if (producer !== undefined && fusableSuccessor(graph, producer) === id) continue;
      const chain = [id];
      for (let next = fusableSuccessor(graph, id); next !== undefined; next = fusableSuccessor(graph, next)) chain.push(next);
      chain.forEach((c) => done.add(c));
      if (chain.length < 2) continue;

      const nodes = chain.map((c) => graph.getNodeAttributes(c));
      const first = nodes[0]!;
      const last = nodes[nodes.length - 1]!;
      const members = nodes.flatMap(membersOf);
      const shards = first.params['shards'];
      const group = first.placement.on === 'actors' ? first.placement.group : '?';
      const fusedId = replaceChain(graph, chain, {
        kind: K.fused.kind,
        name: `fused(${members.map((m) => m.name).join(' + ')})`,
        output: last.output,
        inputTypes: first.inputTypes,
        params: shards === undefined ? { stages: members } : { stages: members, shards },
        placement: first.placement,
        ...(first.source ? { source: first.source } : {}),
      });
      fusedAny = true;
      ctx.note(`fused ${members.length} stages on '${group}' into ${fusedId}: ${members.map((m) => `${m.id} ${m.name}`).join(', ')} (${chain.length - 1} fewer round trip${chain.length > 2 ? 's' : ''} per pull)`, fusedId);
    }
    if (!fusedAny) ctx.note('no run of two or more consecutive actor-side stages on one actor group: nothing to fuse');
  },
});
