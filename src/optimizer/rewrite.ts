/**
 * Graph surgery that passes share: splicing a node out, replacing a chain by one node, inserting a node
 * on an edge, dropping ports. Each keeps the IR's port invariants (ports numbered 0..k-1, one consumer
 * per output port), so a pass written with them verifies unless its own logic is wrong.
 */
import { PlanError } from '../ir/errors.js';
import { freshNodeId, inputEdges, nodeAttrs, outputEdges, type PlanGraph } from '../ir/graph.js';
import type { NodeAttributes } from '../ir/types.js';

/** A node name not used in the graph: `base`, else `base#2`, `base#3`, … */
export function uniqueName(graph: PlanGraph, base: string): string {
  const taken = new Set<string>();
  graph.forEachNode((_id, a) => taken.add(a.name));
  if (!taken.has(base)) return base;
  for (let k = 2; ; k++) if (!taken.has(`${base}#${k}`)) return `${base}#${k}`;
}

/** Adds a node with a fresh id (and a unique name); returns its id. */
export function addNode(graph: PlanGraph, attrs: Omit<NodeAttributes, 'id'>): string {
  const id = freshNodeId(graph);
  graph.addNode(id, { ...attrs, id, name: uniqueName(graph, attrs.name) });
  return id;
}

/** Removes a one-input, one-consumer node, connecting its producer straight to its consumer. */
export function spliceOut(graph: PlanGraph, id: string): void {
  const ins = inputEdges(graph, id);
  const outs = outputEdges(graph, id);
  if (ins.length !== 1 || outs.length > 1) {
    throw new PlanError(`cannot splice out ${id}: it has ${ins.length} input(s) and ${outs.length} consumer(s) (needs 1 and at most 1)`);
  }
  const input = ins[0]!;
  const out = outs[0];
  const outputs = graph.getAttribute('outputs');
  graph.dropNode(id);
  if (out) graph.addEdge(input.from, out.to, { fromPort: input.fromPort, toPort: out.toPort });
  else if (outputs.includes(id)) graph.setAttribute('outputs', outputs.map((o) => (o === id ? input.from : o)));
}

/**
 * Inserts a new one-input node on the edge feeding `consumer`'s input `toPort`: producer → new → consumer.
 * Returns the new node's id.
 */
export function insertBefore(graph: PlanGraph, consumer: string, toPort: number, attrs: Omit<NodeAttributes, 'id'>): string {
  const edge = inputEdges(graph, consumer).find((e) => e.toPort === toPort);
  if (!edge) throw new PlanError(`node ${consumer} has no input port ${toPort}`);
  graph.dropEdge(edge.edge);
  const id = addNode(graph, attrs);
  graph.addEdge(edge.from, id, { fromPort: edge.fromPort, toPort: 0 });
  graph.addEdge(id, consumer, { fromPort: 0, toPort });
  return id;
}

/**
 * Replaces a linear chain `ids` (each feeding the next) by one new node: it takes the first node's
 * input edges and the last node's output edges (and output role). Returns the new node's id.
 */
export function replaceChain(graph: PlanGraph, ids: readonly string[], attrs: Omit<NodeAttributes, 'id'>): string {
  if (ids.length === 0) throw new PlanError('replaceChain needs at least one node');
  for (let k = 0; k + 1 < ids.length; k++) {
    const outs = outputEdges(graph, ids[k]!);
    if (outs.length !== 1 || outs[0]!.to !== ids[k + 1]) throw new PlanError(`replaceChain: ${ids[k]} does not feed ${ids[k + 1]} alone`);
  }
  nodeAttrs(graph, ids[0]!);
  const ins = inputEdges(graph, ids[0]!);
  const last = ids[ids.length - 1]!;
  const outs = outputEdges(graph, last);
  const outputs = graph.getAttribute('outputs');
  for (const id of ids) graph.dropNode(id);
  const id = addNode(graph, attrs);
  for (const e of ins) graph.addEdge(e.from, id, { fromPort: e.fromPort, toPort: e.toPort });
  for (const e of outs) graph.addEdge(id, e.to, { fromPort: e.fromPort, toPort: e.toPort });
  if (outputs.includes(last)) graph.setAttribute('outputs', outputs.map((o) => (o === last ? id : o)));
  return id;
}

/** Drops the edge into `id`'s input `port` and renumbers the later input ports down by one. */
export function removeInputPort(graph: PlanGraph, id: string, port: number): void {
  for (const e of inputEdges(graph, id)) {
    if (e.toPort === port) graph.dropEdge(e.edge);
    else if (e.toPort > port) graph.setEdgeAttribute(e.edge, 'toPort', e.toPort - 1);
  }
}

/** Drops the edges leaving `id`'s output `port` and renumbers the later output ports down by one. */
export function removeOutputPort(graph: PlanGraph, id: string, port: number): void {
  for (const e of outputEdges(graph, id)) {
    if (e.fromPort === port) graph.dropEdge(e.edge);
    else if (e.fromPort > port) graph.setEdgeAttribute(e.edge, 'fromPort', e.fromPort - 1);
  }
}

/** Replaces some attributes of a node (attributes are immutable values: a node gets a new object). */
export function updateNode(graph: PlanGraph, id: string, patch: Partial<Omit<NodeAttributes, 'id'>>): void {
  graph.replaceNodeAttributes(id, { ...nodeAttrs(graph, id), ...patch });
}
