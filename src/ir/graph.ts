/**
 * The IR graph: a graphology directed multigraph whose nodes are plan stages and whose edges carry data
 * from an output port to an input port. This module holds the typed graph alias and the small set of
 * structural queries every layer needs (inputs in port order, consumers, topological order), so that
 * passes and the runtime never re-implement them.
 */
import { MultiDirectedGraph } from 'graphology';
import { PlanError } from './errors.js';
import { K } from './kinds.js';
import { IR_SCHEMA_VERSION, type EdgeAttributes, type GraphAttributes, type NodeAttributes } from './types.js';

/** The typed IR graph: a graphology multigraph of plan nodes, with port-carrying edges and plan-level attributes. */
export type PlanGraph = MultiDirectedGraph<NodeAttributes, EdgeAttributes, GraphAttributes>;

/** An empty plan graph with the given name. */
export function createPlanGraph(name: string): PlanGraph {
  const graph = new MultiDirectedGraph<NodeAttributes, EdgeAttributes, GraphAttributes>({ allowSelfLoops: false });
  graph.replaceAttributes({ schemaVersion: IR_SCHEMA_VERSION, name, actorGroups: {}, queues: {}, outputs: [] });
  return graph;
}

/** A deep structural copy (closures are shared, since they cannot be copied). */
export function cloneGraph(graph: PlanGraph): PlanGraph {
  return graph.copy() as PlanGraph;
}

/** The attributes of node `id`; throws `PlanError` when the plan has no such node. */
export function nodeAttrs(graph: PlanGraph, id: string): NodeAttributes {
  if (!graph.hasNode(id)) throw new PlanError(`no node '${id}' in plan '${graph.getAttribute('name')}'`);
  return graph.getNodeAttributes(id);
}

/** An edge feeding a node: the edge key, the producing node and the output/input ports it connects. */
export interface InputEdge {
  readonly edge: string;
  readonly from: string;
  readonly fromPort: number;
  readonly toPort: number;
}

/** The edges feeding a node, sorted by input port. */
export function inputEdges(graph: PlanGraph, id: string): InputEdge[] {
  const edges: InputEdge[] = [];
  graph.forEachInEdge(id, (edge, attrs, source) => {
    edges.push({ edge, from: source, fromPort: attrs.fromPort, toPort: attrs.toPort });
  });
  return edges.sort((a, b) => a.toPort - b.toPort);
}

/** An edge leaving a node: the edge key, the consuming node and the output/input ports it connects. */
export interface OutputEdge {
  readonly edge: string;
  readonly to: string;
  readonly fromPort: number;
  readonly toPort: number;
}

/** The edges leaving a node, sorted by output port then consumer id. */
export function outputEdges(graph: PlanGraph, id: string): OutputEdge[] {
  const edges: OutputEdge[] = [];
  graph.forEachOutEdge(id, (edge, attrs, _source, target) => {
    edges.push({ edge, to: target, fromPort: attrs.fromPort, toPort: attrs.toPort });
  });
  return edges.sort((a, b) => a.fromPort - b.fromPort || compareIds(a.to, b.to));
}

/** Node ids compare by their numeric suffix when both have one (`n2` < `n10`), else as strings. */
export function compareIds(a: string, b: string): number {
  const ma = /^(\D*)(\d+)$/.exec(a);
  const mb = /^(\D*)(\d+)$/.exec(b);
  if (ma && mb && ma[1] === mb[1]) return Number(ma[2]) - Number(mb[2]);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Node ids in a stable topological order (producers first, ties broken by id). Throws on a cycle. */
export function topologicalOrder(graph: PlanGraph): string[] {
  const indegree = new Map<string, number>();
  graph.forEachNode((id) => indegree.set(id, graph.inDegree(id)));
  const ready = [...indegree].filter(([, d]) => d === 0).map(([id]) => id);
  const order: string[] = [];
  while (ready.length) {
    ready.sort(compareIds);
    const id = ready.shift()!;
    order.push(id);
    graph.forEachOutEdge(id, (_edge, _attrs, _source, target) => {
      const d = indegree.get(target)! - 1;
      indegree.set(target, d);
      if (d === 0) ready.push(target);
    });
  }
  if (order.length !== graph.order) {
    const stuck = [...indegree].filter(([, d]) => d > 0).map(([id]) => id);
    throw new PlanError(`the plan graph has a cycle through ${stuck.sort(compareIds).join(', ')}`);
  }
  return order;
}

/**
 * Node ids in data-flow order, the order dumps and views list them in: producers before consumers, a
 * queue's enqueue nodes before its dequeue nodes (unless the queue closes a loop), and the nodes of one
 * composite scope together where the edges allow; remaining ties are broken by id.
 */
export function dataFlowOrder(graph: PlanGraph): string[] {
  const enqueues = new Map<string, string[]>();
  graph.forEachNode((id, n) => {
    if (n.kind === K.enqueue.kind) enqueues.set(String(n.params['queue']), [...(enqueues.get(String(n.params['queue'])) ?? []), id]);
  });
  const queueEdges: Array<[string, string]> = [];
  graph.forEachNode((id, n) => {
    if (n.kind === K.dequeue.kind) for (const from of enqueues.get(String(n.params['queue'])) ?? []) queueEdges.push([from, id]);
  });
  // NOTE: a queue that feeds its own producer (a loop through the queue) cannot be ordered that way;
  // then only the data edges count.
  return orderWith(graph, queueEdges) ?? orderWith(graph, []) ?? topologicalOrder(graph);
}

function sharedPrefix(a: readonly string[], b: readonly string[]): number {
  let k = 0;
  while (k < a.length && k < b.length && a[k] === b[k]) k++;
  return k;
}

function orderWith(graph: PlanGraph, extra: ReadonlyArray<[string, string]>): string[] | undefined {
  const indegree = new Map<string, number>();
  const after = new Map<string, string[]>();
  graph.forEachNode((id) => indegree.set(id, graph.inDegree(id)));
  graph.forEachOutEdge((_e, _a, from, to) => after.set(from, [...(after.get(from) ?? []), to]));
  for (const [from, to] of extra) {
    indegree.set(to, indegree.get(to)! + 1);
    after.set(from, [...(after.get(from) ?? []), to]);
  }
  const ready = [...indegree].filter(([, d]) => d === 0).map(([id]) => id);
  const order: string[] = [];
  let scope: readonly string[] = [];
  while (ready.length) {
    // Stay inside the scope of the node just listed as long as one of its nodes is ready.
    let best = 0;
    for (let k = 1; k < ready.length; k++) {
      const a = sharedPrefix(scope, graph.getNodeAttribute(ready[k]!, 'scope') ?? []);
      const b = sharedPrefix(scope, graph.getNodeAttribute(ready[best]!, 'scope') ?? []);
      if (a > b || (a === b && compareIds(ready[k]!, ready[best]!) < 0)) best = k;
    }
    const id = ready.splice(best, 1)[0]!;
    order.push(id);
    scope = graph.getNodeAttribute(id, 'scope') ?? [];
    for (const to of after.get(id) ?? []) {
      const d = indegree.get(to)! - 1;
      indegree.set(to, d);
      if (d === 0) ready.push(to);
    }
  }
  return order.length === graph.order ? order : undefined;
}

/** A fresh node id not used in the graph (`n<k>`). */
export function freshNodeId(graph: PlanGraph): string {
  let max = -1;
  graph.forEachNode((id) => {
    const m = /^n(\d+)$/.exec(id);
    if (m) max = Math.max(max, Number(m[1]));
  });
  return `n${max + 1}`;
}
