/**
 * `compile()` lowers a plan (the DAG of plan nodes the DSL built) to the IR graph, and checks it:
 * every stream is consumed at most once, names are unique, groups and queues are consistent, every
 * stage and actor class that a worker must load is exported from its module (found by importing the
 * module), and the resulting graph passes the IR verifier. Errors name the node and its plan line.
 */
import { PlanError, StageLoadError, formatSource } from '../ir/errors.js';
import { createPlanGraph, type PlanGraph } from '../ir/graph.js';
import { assertVerified } from '../ir/verify.js';
import { isActorClassDef, isStageDef } from '../ir/contract.js';
import type { ActorGroupSpec, Placement, QueueSpec, SourceLocation, StageBinding, StageRef } from '../ir/types.js';
import type { ActorGroup, Queue } from './define.js';
import type { PlanNode } from './plan-node.js';
import { Stream } from './stream.js';

/** A compiled plan: the verified IR graph of a plan whose output elements are `T`. */
export interface CompiledPlan<T = unknown> {
  readonly graph: PlanGraph;
  /** Phantom field carrying the output element type. */
  readonly __output?: T;
}

/** Options of `compile`. */
export interface CompileOptions {
  /** Plan name (default `plan`). */
  readonly name?: string;
  /** Milliseconds to wait for a stage's module to load before reporting it (default 10000). */
  readonly loadTimeoutMs?: number;
}

interface Consumer {
  readonly node: PlanNode;
  readonly port: number;
}

function place(node: PlanNode): { nodeName?: string; source?: SourceLocation } {
  return { nodeName: node.userName ?? node.label, source: node.source };
}

/** Reachable plan nodes in creation order, with a check that each output port feeds one consumer. */
function collect(outputs: readonly Stream<unknown>[]): PlanNode[] {
  const seen = new Set<PlanNode>();
  const consumers = new Map<string, Consumer>();
  const key = (n: PlanNode, port: number) => `${n.uid}:${port}`;
  const visit = (node: PlanNode): void => {
    if (seen.has(node)) return;
    seen.add(node);
    node.inputs.forEach((input, port) => {
      const k = key(input.node, input.port);
      const previous = consumers.get(k);
      if (previous) {
        throw new PlanError(
          `the stream made at ${formatSource(input.node.source)} is consumed twice: by '${previous.node.userName ?? previous.node.label}' at ${formatSource(previous.node.source)} and by '${node.userName ?? node.label}'`,
          { ...place(node), hint: 'each item can be pulled only once; fan a stream out with .duplicate(n)' },
        );
      }
      consumers.set(k, { node, port });
      visit(input.node);
    });
  };
  outputs.forEach((s, i) => {
    if (!(s instanceof Stream)) throw new PlanError(`compile(): output ${i} is not a driver Stream`, { hint: 'gather a ParStream first (gatherSync, gatherAsync, batchAcrossShards)' });
    visit(s.node);
  });
  // Checked after every node is visited, so the result does not depend on the order of the outputs.
  for (const s of outputs) {
    if (consumers.has(key(s.node, s.port))) throw new PlanError('compile(): a plan output is also consumed inside the plan', place(s.node));
  }
  return [...seen].sort((a, b) => a.uid - b.uid);
}

/** Unique hierarchical names: user names must be unique; generated ones get `#2`, `#3`… */
function assignNames(nodes: readonly PlanNode[], label: (node: PlanNode) => string): Map<PlanNode, string> {
  const names = new Map<PlanNode, string>();
  const byName = new Map<string, PlanNode>();
  for (const node of nodes.filter((n) => n.userName !== undefined)) {
    const name = [...node.scope, node.userName].join('/');
    const other = byName.get(name);
    if (other) {
      throw new PlanError(`two stages are named '${name}': at ${formatSource(other.source)} and at ${formatSource(node.source)}`, {
        ...place(node),
        hint: 'give one of them another name',
      });
    }
    byName.set(name, node);
    names.set(node, name);
  }
  for (const node of nodes.filter((n) => n.userName === undefined)) {
    const base = [...node.scope, ...(node.group ? [node.group.name] : []), label(node)].join('/');
    let name = base;
    for (let k = 2; byName.has(name); k++) name = `${base}#${k}`;
    byName.set(name, node);
    names.set(node, name);
  }
  return names;
}

/** Finds the export under which a module exports `value`, importing the module as a worker would. */
class ExportResolver {
  private readonly modules = new Map<string, Promise<Record<string, unknown>>>();
  constructor(private readonly timeoutMs: number) {}

  async resolve(value: { module: string; exportName: string | undefined; displayName: string; source: SourceLocation | undefined }, what: string, user: PlanNode | undefined, group?: ActorGroup): Promise<StageRef> {
    const where = user ? place(user) : { nodeName: group?.name, source: group?.source };
    // Inline arrow functions have no name; the defaults ('stage', 'Actor') would only confuse.
    const named = value.displayName !== 'stage' && value.displayName !== 'Actor';
    const subject = `${what}${named ? ` '${value.displayName}'` : ''} defined at ${formatSource(value.source)}`;
    const example = named ? value.displayName : what === 'stage' ? 'myStage' : 'MyActor';
    let mod: Record<string, unknown>;
    try {
      mod = await this.load(value.module);
    } catch (e) {
      throw new StageLoadError(`the ${subject} cannot be loaded from ${value.module}: ${(e as Error).message}`, { ...where, cause: e });
    }
    const names = value.exportName !== undefined ? [value.exportName] : Object.keys(mod);
    const found = names.find((name) => mod[name] === value);
    if (found === undefined) {
      const reason = value.exportName !== undefined ? `its module has no export '${value.exportName}' holding it` : 'it is not exported from its module';
      throw new StageLoadError(`the ${subject} cannot be loaded by a worker: ${reason}`, {
        ...where,
        hint: `export it from its module, e.g. \`export const ${example} = ...\`, so workers can import it by name`,
      });
    }
    return { module: value.module, name: found };
  }

  private load(module: string): Promise<Record<string, unknown>> {
    let promise = this.modules.get(module);
    if (!promise) {
      promise = new Promise<Record<string, unknown>>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`the module did not finish loading within ${this.timeoutMs} ms; is compile() awaited at the top level of the module that defines the stage? Define stages and actors in a module of their own.`)),
          this.timeoutMs,
        );
        import(module).then(
          (m: Record<string, unknown>) => {
            clearTimeout(timer);
            resolve(m);
          },
          (e: unknown) => {
            clearTimeout(timer);
            reject(e instanceof Error ? e : new Error(String(e)));
          },
        );
      });
      this.modules.set(module, promise);
    }
    return promise;
  }
}

/**
 * Compiles a plan to its verified IR graph.
 *
 * ```ts
 * const plan = await compile(fromActors(workers).forEach(double).gatherSync(), { name: 'demo' });
 * console.log(dumpGraph(plan.graph));
 * ```
 */
export async function compile<T>(output: Stream<T> | readonly Stream<T>[], options: CompileOptions = {}): Promise<CompiledPlan<T>> {
  const outputs = (Array.isArray(output) ? output : [output]) as readonly Stream<unknown>[];
  if (outputs.length === 0) throw new PlanError('compile() needs at least one output stream');
  const nodes = collect(outputs);
  const ids = new Map(nodes.map((n, i) => [n, `n${i}`]));
  const resolver = new ExportResolver(options.loadTimeoutMs ?? 10_000);

  const groups = new Map<string, ActorGroup>();
  const queues = new Map<string, Queue<unknown>>();
  const addGroup = (group: ActorGroup, user: PlanNode): void => {
    const other = groups.get(group.name);
    if (other && other !== group) {
      throw new PlanError(`two different actor groups are named '${group.name}' (declared at ${formatSource(other.source)} and ${formatSource(group.source)})`, { ...place(user), hint: "name one of them: actors(Class, { name: '...' })" });
    }
    groups.set(group.name, group);
  };
  for (const node of nodes) {
    if (node.group) addGroup(node.group, node);
    for (const target of node.targets) addGroup(target, node);
    if (node.queue) {
      const other = queues.get(node.queue.name);
      if (other && other !== node.queue) {
        throw new PlanError(`two different queues are named '${node.queue.name}' (declared at ${formatSource(other.source)} and ${formatSource(node.queue.source)})`, place(node));
      }
      queues.set(node.queue.name, node.queue);
    }
  }

  const actorGroups: Record<string, ActorGroupSpec> = {};
  for (const group of [...groups.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    const def = group.actorClass;
    if (!isActorClassDef(def)) throw new PlanError(`actor group '${group.name}' has no actor class defined with actorClass()`, { source: group.source });
    const user = nodes.find((n) => n.group === group || n.targets.includes(group));
    actorGroups[group.name] = {
      name: group.name,
      actorClass: await resolver.resolve(def, 'actor class', user, group),
      count: group.count,
      args: group.args,
      resources: group.resources,
      itemType: def.itemType,
      device: 'cpu',
      ...(group.prefers ? { prefers: group.prefers } : {}),
      ...(group.vectorizable ? { vectorizable: group.vectorizable } : {}),
      ...(group.resync ? { resync: group.resync } : {}),
      ...(group.source ? { source: group.source } : {}),
    };
  }
  const queueSpecs: Record<string, QueueSpec> = {};
  for (const q of [...queues.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    queueSpecs[q.name] = { name: q.name, capacity: q.capacity, itemType: q.itemType, ...(q.source ? { source: q.source } : {}) };
  }

  const stages = new Map<PlanNode, StageBinding>();
  for (const node of nodes) {
    if (node.stage?.type === 'def') {
      if (!isStageDef(node.stage.def)) throw new PlanError('stage is not a stage definition', place(node));
      stages.set(node, { type: 'ref', ref: await resolver.resolve(node.stage.def, 'stage', node), args: node.stage.args });
    } else if (node.stage?.type === 'closure') {
      stages.set(node, { type: 'closure', name: node.stage.name, fn: node.stage.fn });
    }
  }
  // Generated names use a stage's export name, which is known only now (`forEach(double)`).
  const names = assignNames(nodes, (node) => {
    const stage = stages.get(node);
    return stage?.type === 'ref' && node.stage?.type === 'def' ? node.label.replace(`(${node.stage.def.displayName})`, `(${stage.ref.name})`) : node.label;
  });

  const graph = createPlanGraph(options.name ?? 'plan');
  graph.mergeAttributes({ actorGroups, queues: queueSpecs, outputs: outputs.map((s) => ids.get(s.node)!) });
  for (const node of nodes) {
    const stage = stages.get(node);
    const placement: Placement = node.group ? { on: 'actors', group: node.group.name, device: 'cpu' } : { on: 'driver' };
    graph.addNode(ids.get(node)!, {
      id: ids.get(node)!,
      kind: node.kind,
      name: names.get(node)!,
      output: node.output,
      inputTypes: node.inputTypes,
      params: node.params,
      placement,
      ...(stage ? { stage } : {}),
      ...(node.source ? { source: node.source } : {}),
      ...(node.scope.length ? { scope: node.scope } : {}),
    });
  }
  for (const node of nodes) {
    node.inputs.forEach((input, toPort) => {
      graph.addEdge(ids.get(input.node)!, ids.get(node)!, { fromPort: input.port, toPort });
    });
  }
  assertVerified(graph);
  return { graph };
}
