/**
 * JSON round trip of IR graphs. Everything in the IR is plain data except driver closures, which are
 * written as `{ type: 'closure', name }` and can be re-attached on load by name; a graph loaded without
 * them still verifies and dumps, and the runtime reports the missing closure by node when run.
 */
import { PlanError } from './errors.js';
import { createPlanGraph, inputEdges, topologicalOrder, type PlanGraph } from './graph.js';
import { IR_SCHEMA_VERSION, type GraphAttributes, type NodeAttributes, type StageBinding } from './types.js';

/**
 * The plain-data form of a plan graph written by `graphToJson` and read by `graphFromJson`: plan attributes,
 * nodes in topological order and edges with their ports.
 */
export interface PlanJson {
  readonly schemaVersion: number;
  readonly name: string;
  readonly actorGroups: GraphAttributes['actorGroups'];
  readonly queues: GraphAttributes['queues'];
  readonly outputs: readonly string[];
  readonly nodes: readonly NodeAttributes[];
  readonly edges: ReadonlyArray<{ from: string; to: string; fromPort: number; toPort: number }>;
}

function stageToJson(stage: StageBinding): StageBinding {
  return stage.type === 'closure' ? { type: 'closure', name: stage.name } : stage;
}

/** The graph as plain JSON-compatible data (closures replaced by their names). */
export function graphToJson(graph: PlanGraph): PlanJson {
  const attrs = graph.getAttributes();
  const order = topologicalOrder(graph);
  const nodes = order.map((id) => {
    const node = graph.getNodeAttributes(id);
    return node.stage ? { ...node, stage: stageToJson(node.stage) } : { ...node };
  });
  const edges = order.flatMap((id) => inputEdges(graph, id).map((e) => ({ from: e.from, to: id, fromPort: e.fromPort, toPort: e.toPort })));
  return JSON.parse(
    JSON.stringify({
      schemaVersion: attrs.schemaVersion,
      name: attrs.name,
      actorGroups: attrs.actorGroups,
      queues: attrs.queues,
      outputs: attrs.outputs,
      nodes,
      edges,
    }),
  ) as PlanJson;
}

/** Options for `graphFromJson`. */
export interface FromJsonOptions {
  /** Closures to re-attach to driver stages, by stage name. */
  readonly closures?: Readonly<Record<string, (...args: never[]) => unknown>>;
}

/** Rebuilds a graph from `graphToJson` output. Throws `PlanError` on a schema mismatch or bad shape. */
export function graphFromJson(json: PlanJson, options: FromJsonOptions = {}): PlanGraph {
  if (!json || typeof json !== 'object' || !Array.isArray(json.nodes) || !Array.isArray(json.edges)) {
    throw new PlanError('not an rlflow plan JSON document: expected { schemaVersion, name, nodes, edges, ... }');
  }
  if (json.schemaVersion !== IR_SCHEMA_VERSION) {
    throw new PlanError(`plan JSON has schema version ${json.schemaVersion}; this rlflow reads version ${IR_SCHEMA_VERSION}`);
  }
  const graph = createPlanGraph(json.name);
  graph.mergeAttributes({
    actorGroups: json.actorGroups ?? {},
    queues: json.queues ?? {},
    outputs: json.outputs ?? [],
  });
  for (const node of json.nodes) {
    let stage = node.stage;
    if (stage?.type === 'closure' && options.closures?.[stage.name]) stage = { ...stage, fn: options.closures[stage.name] };
    graph.addNode(node.id, stage ? { ...node, stage } : { ...node });
  }
  for (const e of json.edges) {
    if (!graph.hasNode(e.from) || !graph.hasNode(e.to)) throw new PlanError(`plan JSON edge ${e.from} -> ${e.to} names a missing node`);
    graph.addEdge(e.from, e.to, { fromPort: e.fromPort, toPort: e.toPort });
  }
  return graph;
}
