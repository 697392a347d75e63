/**
 * The view model every renderer draws from: a plan graph flattened to plain, display-ready data
 * (nodes in stable topological order, edges labelled with the element type they carry, actor groups
 * with their placement, driver→actor calls and queue links), plus the plain shape of an optimizer
 * report. Renderers never see a live graph or a running plan, only this data, so the HTML page can
 * embed it as JSON and every format shows the same facts.
 */
import { displayModule, displayRef } from '../ir/dump.js';
import { dataFlowOrder, inputEdges, type PlanGraph } from '../ir/graph.js';
import { fusedMembers, getKind, hasKind, K } from '../ir/kinds.js';
import type { Device, Placement, SourceLocation, StageBinding } from '../ir/types.js';

/** A source location with its file shown relative to the inspect root. */
export type ViewSource = SourceLocation;

/** One original stage inside a fused node. */
export interface ViewFusedMember {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
  readonly output: string;
  readonly stage?: string;
  readonly source?: ViewSource;
}

/** Where a node runs, as the IR says (`Placement`). */
export type ViewPlacement = Placement;

/** A plan node as renderers draw it: ids, kind, types, params, placement, stage, source and fused members. */
export interface ViewNode {
  readonly id: string;
  readonly kind: string;
  /** The kind's one-line summary from the kind registry (empty for an unregistered kind). */
  readonly summary: string;
  readonly name: string;
  readonly output: string;
  readonly inputTypes: readonly string[];
  /** Kind params; a fused node's member list is moved to `members`. */
  readonly params: Readonly<Record<string, unknown>>;
  readonly placement: ViewPlacement;
  /** `module#export[args]` or `closure(name)`. */
  readonly stage?: string;
  /** The stage's plain-data arguments (its settings, e.g. `{ numSgdIter, sgdMinibatchSize }`), if any. */
  readonly stageArgs?: readonly unknown[];
  readonly source?: ViewSource;
  /** Present on fused nodes: the stages it runs, in order. */
  readonly members?: readonly ViewFusedMember[];
  /** The composite scopes the node was made in, outermost first (absent at top level). */
  readonly scope?: readonly string[];
}

/** A data edge as renderers draw it, with the element type it carries. */
export interface ViewEdge {
  readonly from: string;
  readonly to: string;
  readonly fromPort: number;
  readonly toPort: number;
  /** Element type carried: the producer's output type. */
  readonly type: string;
}

/** An actor group as renderers draw it: class, count, device, host, resources and constructor arguments. */
export interface ViewGroup {
  readonly name: string;
  /** `module#Class` of the actors. */
  readonly actorClass: string;
  readonly count: number;
  readonly device: Device;
  readonly prefers?: Device;
  /** The machine chosen by placement; `local` (the driver's machine) when no pass chose. */
  readonly host: string;
  readonly resources: { readonly cpus: number; readonly gpus: number; readonly strict?: boolean };
  readonly itemType: string;
  readonly vectorizable?: { readonly what: string; readonly items: number; readonly cost: string; readonly batch?: number };
  readonly args: readonly unknown[];
  readonly source?: ViewSource;
}

/** A driver node that calls methods on the actors of a group (weights broadcast, learner RPC). */
export interface ViewCall {
  readonly from: string;
  readonly group: string;
  readonly method: string;
}

/** An enqueue node feeding a dequeue node through a named queue. */
export interface ViewQueueLink {
  readonly from: string;
  readonly to: string;
  readonly queue: string;
  readonly capacity: number;
}

/**
 * A renderer-friendly view of one plan graph (built by `graphView`): nodes, edges, actor groups, driver→actor
 * calls, queue links and outputs, with paths made relative.
 */
export interface GraphView {
  readonly name: string;
  readonly nodes: readonly ViewNode[];
  readonly edges: readonly ViewEdge[];
  readonly groups: readonly ViewGroup[];
  readonly calls: readonly ViewCall[];
  readonly queueLinks: readonly ViewQueueLink[];
  readonly outputs: readonly string[];
}

/** The plain shape of an optimizer report that renderers need (`OptimizeReport` fits it). */
export interface InspectPassReport {
  readonly pass: string;
  readonly description: string;
  readonly runs: number;
  readonly ms: number;
  readonly stats: {
    readonly nodesAdded: number;
    readonly nodesRemoved: number;
    readonly nodesModified: number;
    readonly groupsModified: number;
    readonly nodesChanged: number;
  };
  readonly notes: ReadonlyArray<{ readonly message: string; readonly at?: string }>;
  readonly warnings: ReadonlyArray<{ readonly message: string }>;
  readonly verified: boolean;
  readonly diff?: string;
}

/** The plain shape of an optimize report that renderers need (`OptimizeReport` fits it). */
export interface InspectReport {
  readonly pipeline: readonly string[];
  readonly passes: readonly InspectPassReport[];
  readonly ms: number;
  readonly properties: readonly string[];
  readonly warnings: ReadonlyArray<{ readonly message: string }>;
}

/** What an inspect renderer gets: the plan as compiled, as optimized, and the optimizer's report. */
export interface InspectInput {
  readonly original: PlanGraph;
  readonly optimized: PlanGraph;
  readonly report: InspectReport;
}

/** Options of the graph view and the renderers. */
export interface ViewOptions {
  /** Directory that source and module paths are shown relative to (default: the current directory). */
  readonly root?: string;
}

function viewSource(source: SourceLocation | undefined, root: string | undefined): ViewSource | undefined {
  return source ? { file: displayModule(source.file, root), line: source.line, column: source.column } : undefined;
}

function viewStage(stage: StageBinding | FusedStage | undefined, root: string | undefined): string | undefined {
  if (!stage) return undefined;
  if (stage.type === 'closure') return `closure(${stage.name})`;
  return stage.args.length ? `${displayRef(stage.ref, root)}${JSON.stringify(stage.args)}` : displayRef(stage.ref, root);
}

type FusedStage = NonNullable<ReturnType<typeof fusedMembers>[number]['stage']>;

/** `file:line:col`, or `?` when the IR carries no location. */
export function formatViewSource(source: ViewSource | undefined): string {
  return source ? `${source.file}:${source.line}:${source.column}` : '?';
}

/** The display-ready view of a plan graph. */
export function graphView(graph: PlanGraph, options: ViewOptions = {}): GraphView {
  const { root } = options;
  const attrs = graph.getAttributes();
  const order = dataFlowOrder(graph);
  const nodes: ViewNode[] = [];
  const edges: ViewEdge[] = [];
  const calls: ViewCall[] = [];
  const enqueues = new Map<string, string[]>();
  const dequeues: Array<{ id: string; queue: string }> = [];
  for (const id of order) {
    const node = graph.getNodeAttributes(id);
    const fused = node.kind === K.fused.kind;
    const { stages: _stages, ...rest } = node.params;
    const view: ViewNode = {
      id,
      kind: node.kind,
      summary: hasKind(node.kind) ? getKind(node.kind).summary : '',
      name: node.name,
      output: node.output,
      inputTypes: node.inputTypes,
      params: fused ? rest : node.params,
      placement: node.placement,
      ...(node.stage ? { stage: viewStage(node.stage, root)! } : {}),
      ...(node.stage?.type === 'ref' && node.stage.args.length ? { stageArgs: node.stage.args } : {}),
      ...(node.source ? { source: viewSource(node.source, root)! } : {}),
      ...(node.scope?.length ? { scope: node.scope } : {}),
      ...(fused
        ? {
            members: fusedMembers(node.params).map((m) => ({
              id: m.id,
              name: m.name,
              kind: m.kind,
              output: m.output,
              ...(m.stage ? { stage: viewStage(m.stage, root)! } : {}),
              ...(m.source ? { source: viewSource(m.source, root)! } : {}),
            })),
          }
        : {}),
    };
    nodes.push(view);
    for (const e of inputEdges(graph, id)) {
      edges.push({ from: e.from, to: id, fromPort: e.fromPort, toPort: e.toPort, type: graph.getNodeAttribute(e.from, 'output') });
    }
    const group = node.params['group'];
    const method = node.params['method'];
    if (typeof group === 'string' && typeof method === 'string') calls.push({ from: id, group, method });
    const queue = node.params['queue'];
    if (typeof queue === 'string' && node.kind === K.enqueue.kind) enqueues.set(queue, [...(enqueues.get(queue) ?? []), id]);
    if (typeof queue === 'string' && node.kind === K.dequeue.kind) dequeues.push({ id, queue });
  }
  const queueLinks = dequeues.flatMap(({ id, queue }) =>
    (enqueues.get(queue) ?? []).map((from) => ({ from, to: id, queue, capacity: attrs.queues[queue]?.capacity ?? 0 })),
  );
  const groups = Object.keys(attrs.actorGroups)
    .sort()
    .map((name): ViewGroup => {
      const g = attrs.actorGroups[name]!;
      return {
        name,
        actorClass: displayRef(g.actorClass, root),
        count: g.count,
        device: g.device,
        ...(g.prefers ? { prefers: g.prefers } : {}),
        host: g.host ?? 'local',
        resources: g.resources,
        itemType: g.itemType,
        ...(g.vectorizable ? { vectorizable: g.vectorizable } : {}),
        args: g.args,
        ...(g.source ? { source: viewSource(g.source, root)! } : {}),
      };
    });
  return { name: attrs.name, nodes, edges, groups, calls, queueLinks, outputs: attrs.outputs };
}

/**
 * A node's settings in one short line for graph labels: its stage's arguments (`numSgdIter=10
 * sgdMinibatchSize=256` for an object, JSON otherwise), or undefined when it has none.
 */
export function settingsLine(node: ViewNode, max = 60): string | undefined {
  if (!node.stageArgs?.length) return undefined;
  const parts = node.stageArgs.map((a) =>
    a && typeof a === 'object' && !Array.isArray(a)
      ? Object.entries(a as Record<string, unknown>)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(' ')
      : JSON.stringify(a),
  );
  const text = parts.join(', ');
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** `workers ×2 · cpu · local`: a group's headline, the same in every format. */
export function groupTitle(group: ViewGroup): string {
  return `${group.name} ×${group.count} · ${group.device} · ${group.host}`;
}

/** The lines of a group's actors box: class and count, device (and wish), vectorized work. */
export function actorsLines(group: ViewGroup): string[] {
  const lines = [`${actorClassName(group)} ×${group.count}`, `actors · ${group.device}${group.prefers && group.prefers !== group.device ? ` (prefers ${group.prefers})` : ''}`];
  const v = group.vectorizable;
  if (v) lines.push(`${v.what}: ${v.batch ? `${v.batch} row(s)/call` : 'one call per item'}`);
  return lines;
}

/** The class name of a group's actors (the export name of its `module#Class` reference). */
export function actorClassName(group: ViewGroup): string {
  return group.actorClass.slice(group.actorClass.lastIndexOf('#') + 1);
}

/** The nodes of each group (actor-placed nodes by group name) and the driver nodes. */
export function nodesByPlacement(view: GraphView): { groups: Map<string, ViewNode[]>; driver: ViewNode[] } {
  const groups = new Map<string, ViewNode[]>(view.groups.map((g) => [g.name, []]));
  const driver: ViewNode[] = [];
  for (const node of view.nodes) {
    if (node.placement.on === 'driver') driver.push(node);
    else {
      const list = groups.get(node.placement.group) ?? [];
      list.push(node);
      groups.set(node.placement.group, list);
    }
  }
  return { groups, driver };
}

/** Nodes grouped by composite scope: the nodes directly in a scope and its named sub-scopes, in order. */
export interface ScopeTree {
  /** The scope's path (`['trainOneStep']`), empty at the top. */
  readonly path: readonly string[];
  readonly nodes: ViewNode[];
  readonly children: Map<string, ScopeTree>;
}

/** The scope tree of `nodes` (views draw one box per scope: a DOT cluster, a Mermaid subgraph). */
export function scopeTree(nodes: readonly ViewNode[]): ScopeTree {
  const top: ScopeTree = { path: [], nodes: [], children: new Map() };
  for (const node of nodes) {
    let at = top;
    for (const name of node.scope ?? []) {
      let child = at.children.get(name);
      if (!child) {
        child = { path: [...at.path, name], nodes: [], children: new Map() };
        at.children.set(name, child);
      }
      at = child;
    }
    at.nodes.push(node);
  }
  return top;
}
