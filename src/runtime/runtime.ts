/**
 * The runtime: interprets a verified IR graph, pull-based, over an actor backend. It builds one
 * operator per driver-side node (from the operator registry), wraps each so that every failure names
 * its node and source line and every output counts as progress, starts the actors, and exposes the
 * plan's output as an async iterator. `step()` pulls one output and reports which nodes fired, for
 * debugging on the deterministic `local` backend.
 */
import { ActorCrashedError, PlanError, RlflowError, StageError } from '../ir/errors.js';
import { formatActor, type ActorRef } from '../ir/contract.js';
import { inputEdges, topologicalOrder, type PlanGraph } from '../ir/graph.js';
import { getKind } from '../ir/kinds.js';
import { assertVerified } from '../ir/verify.js';
import type { NodeAttributes } from '../ir/types.js';
import type { ActorSpec } from './actor-host.js';
import { RemoteCallError, type ActorBackend } from './backend.js';
import { RuntimeContext, errorAt, type NodeStates } from './context.js';
import { FarmBackend } from './farm-backend.js';
import type { FaultOptions } from './faults.js';
import { LocalBackend } from './local-backend.js';
import type { MetricsContext } from './metrics.js';
import { DONE, NOT_READY, type Operator, type PullResult } from './protocol.js';
import { operatorFactory } from './registry.js';
import { deriveSeed } from '../rng/index.js';
import { chainEndingAt } from './shard-reader.js';
import type { TraceRecorder } from './trace.js';
import './operators/index.js';

/** Names of the built-in backends `run` can create: `local` (in-process) and `farm` (worker processes). */
export type BackendName = 'local' | 'farm';

/** Options of `run`: the backend, the root seed, fault handling and tracing. */
export interface RuntimeOptions {
  /** `local` (in-process, deterministic; default), `farm` (worker processes), or a backend object. */
  readonly backend?: BackendName | ActorBackend;
  /** Root seed for every actor's and the driver's randomness (default 0). */
  readonly seed?: number;
  /** Records the run (node pulls, actor calls) for `recorder.writeChromeTrace(file)`; see trace.ts. */
  readonly trace?: TraceRecorder;
  /** Call deadlines, heartbeats and actor restarts (enforced by the `farm` and `nats` backends); see faults.ts. */
  readonly faults?: FaultOptions;
}

/** One node's activity during a `step()`. */
export interface NodeActivity {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
  readonly items: number;
}

/**
 * What a checkpoint needs from the driver: the shared counters and info, and every node's state
 * (`ctx.state`), all plain data. Actor state (weights, optimizer state) is saved by the actors.
 */
export interface RuntimeState {
  readonly metrics: { readonly counters: Record<string, number>; readonly info: Record<string, unknown> };
  readonly nodes: NodeStates;
  /** Position of the driver's random stream (absent in states saved without it). */
  readonly random?: number;
}

/** One output pulled by `Runtime.step()`: the value (undefined once `done`) and which nodes fired meanwhile. */
export interface StepResult<T> {
  readonly done: boolean;
  readonly value: T | undefined;
  /** Nodes that produced items while this output was pulled, in topological order. */
  readonly fired: readonly NodeActivity[];
}

export function createBackend(backend: BackendName | ActorBackend | undefined, faults?: FaultOptions): ActorBackend {
  if (backend === undefined || backend === 'local') return new LocalBackend();
  if (backend === 'farm') return new FarmBackend(faults);
  if (typeof backend === 'object' && typeof backend.call === 'function') {
    if (faults) backend.useFaults?.(faults);
    return backend;
  }
  throw new PlanError(`unknown backend '${String(backend)}'`, { hint: "use 'local' or 'farm'" });
}

/** Wraps an operator: failures name the node; each output counts as progress and as step activity. */
function instrument(node: NodeAttributes, op: Operator, rt: RuntimeContext, port: number): Operator {
  const inner = rt.trace ? traced(rt.trace, node, op, port) : op;
  return {
    async pull(block: boolean): Promise<PullResult> {
      let r: PullResult;
      try {
        r = await inner.pull(block);
      } catch (e) {
        throw errorAt(node, e);
      }
      if (r !== NOT_READY && r !== DONE) {
        rt.activity.set(node.id, (rt.activity.get(node.id) ?? 0) + 1);
        rt.progress.bump();
      }
      return r;
    },
  };
}

/** Records every pull of `node`'s `port` on its trace track (the track keeps the ones worth keeping). */
function traced(trace: TraceRecorder, node: NodeAttributes, op: Operator, port: number): Operator {
  const track = trace.pullTrack(node, port);
  return {
    async pull(block: boolean): Promise<PullResult> {
      const start = trace.now();
      try {
        const r = await op.pull(block);
        track.pulled(start, r === NOT_READY ? 'not ready' : r === DONE ? 'done' : 'item', block);
        return r;
      } catch (e) {
        track.pulled(start, 'error', block);
        throw e;
      }
    },
  };
}

export class Runtime<T = unknown> implements AsyncIterable<T> {
  private closed = false;
  private pulling: Promise<unknown> = Promise.resolve();
  private failure: RlflowError | undefined;

  private constructor(
    readonly graph: PlanGraph,
    private readonly rt: RuntimeContext,
    private readonly output: Operator,
  ) {}

  /** Builds the operators and starts the actors. Prefer `run(plan, options)`. */
  static async create<T>(graph: PlanGraph, options: RuntimeOptions = {}): Promise<Runtime<T>> {
    assertVerified(graph);
    const outputs = graph.getAttribute('outputs');
    if (outputs.length !== 1) throw new PlanError(`the runtime runs plans with exactly one output; this one has ${outputs.length}`, { hint: 'combine outputs with concurrently()' });
    const seed = options.seed ?? 0;
    const backend = createBackend(options.backend, options.faults);
    options.trace?.attach(graph, backend.name, typeof backend.callTimed === 'function');
    const rt = new RuntimeContext(graph, backend, seed, options.trace);

    const ports = new Map<string, Operator[]>();
    for (const id of topologicalOrder(graph)) {
      const node = graph.getNodeAttributes(id);
      if (node.placement.on === 'actors') continue;
      const spec = getKind(node.kind);
      const edges = inputEdges(graph, id);
      const inputs = spec.gathersFromActors ? [] : edges.map((e) => ports.get(e.from)![e.fromPort]!);
      const chains = spec.gathersFromActors ? edges.map((e) => chainEndingAt(rt, e.from)) : [];
      const made = await operatorFactory(node)({ node, inputs, chains, rt });
      ports.set(id, (Array.isArray(made) ? made : [made]).map((op, port) => instrument(node, op, rt, port)));
    }

    const actors: ActorSpec[] = Object.values(graph.getAttribute('actorGroups')).flatMap((g) =>
      Array.from({ length: g.count }, (_, index) => ({
        group: g.name,
        index,
        seed: deriveSeed(seed, g.name, index),
        rootSeed: seed,
        actorClass: g.actorClass,
        args: g.args,
        ...((g.hosts?.[index] ?? g.host) !== undefined ? { host: g.hosts?.[index] ?? g.host } : {}),
        device: g.device,
        ...(g.vectorizable ? { vectorBatch: g.vectorizable.batch ?? 1 } : {}),
        ...(g.resync ? { resync: g.resync } : {}),
      })),
    );
    const starting = options.trace?.now() ?? 0;
    try {
      await backend.start(actors);
      options.trace?.runtimeSpan('start actors', starting, { backend: backend.name, actors: actors.length });
    } catch (e) {
      await backend.close().catch(() => undefined);
      if (e instanceof RemoteCallError) {
        const group = graph.getAttribute('actorGroups')[e.actor.group];
        // A constructor is actor code: report it as any actor failure (actor, remote stack), at the group.
        const Failure = e.failure.crashed ? ActorCrashedError : StageError;
        throw new Failure(`${e.failure.name}: ${e.failure.message} (in the constructor; the actor failed to start)`, {
          nodeName: e.actor.group,
          source: group?.source,
          cause: e,
          actor: formatActor(e.actor),
          remoteStack: e.failure.stack,
        });
      }
      throw e;
    }
    return new Runtime<T>(graph, rt, ports.get(outputs[0]!)![0]!);
  }

  /** The shared metrics context (counters, timers, info). */
  get metrics(): MetricsContext {
    return this.rt.metrics;
  }

  /** The driver's state, for a checkpoint: metrics counters and info, and each node's `ctx.state`. */
  saveState(): RuntimeState {
    return { metrics: this.rt.metrics.save(), nodes: this.rt.saveNodeStates(), random: this.rt.driverRandom.state };
  }

  /** Restores `saveState()`'s result (a plan with the same node names), before pulling on. */
  restoreState(state: RuntimeState): void {
    this.rt.metrics.restore(state.metrics);
    this.rt.restoreNodeStates(state.nodes);
    if (state.random !== undefined) this.rt.driverRandom.state = state.random;
  }

  /**
   * Records `state` (what the actor's `resync.get` method returned, e.g. at a checkpoint) as the state a
   * recreated actor of a `resync: { snapshot: true }` group is restored from. The trainer calls it at
   * every checkpoint; backends without restarts ignore it.
   */
  recordSnapshot(actor: ActorRef, state: unknown): void {
    this.rt.backend.snapshot?.(actor, state);
  }

  /** The backend running the actors. */
  get backend(): ActorBackend {
    return this.rt.backend;
  }

  /** Pulls the next output, waiting (without spinning) while the plan is not ready. */
  next(): Promise<IteratorResult<T, undefined>> {
    const result = this.pulling.then(() => this.pullOne());
    this.pulling = result.catch(() => undefined);
    return result;
  }

  private async pullOne(): Promise<IteratorResult<T, undefined>> {
    if (this.failure) throw this.failure;
    if (this.closed) return { done: true, value: undefined };
    this.rt.metrics.startedAt ??= performance.now();
    const outputNode = this.graph.getNodeAttributes(this.graph.getAttribute('outputs')[0]!);
    try {
      for (;;) {
        if (this.rt.deferred.length) throw this.rt.deferred.shift();
        const since = this.rt.progress.version;
        const r = await this.output.pull(true);
        if (r === DONE) return { done: true, value: undefined };
        if (r !== NOT_READY) return { done: false, value: r.value as T };
        await this.rt.waitForProgress(outputNode, since);
      }
    } catch (e) {
      // A failed plan stays failed: operators may hold half-processed state.
      this.failure = e instanceof RlflowError ? e : errorAt(outputNode, e);
      throw this.failure;
    }
  }

  /** Pulls one output and reports which nodes produced items meanwhile. */
  async step(): Promise<StepResult<T>> {
    this.rt.activity.clear();
    const r = await this.next();
    const fired = topologicalOrder(this.graph)
      .filter((id) => this.rt.activity.has(id))
      .map((id) => {
        const n = this.graph.getNodeAttributes(id);
        return { id, name: n.name, kind: n.kind, items: this.rt.activity.get(id)! };
      });
    return { done: r.done === true, value: r.done ? undefined : r.value, fired };
  }

  /** Pulls up to `n` outputs (fewer if the plan ends). */
  async take(n: number): Promise<T[]> {
    const out: T[] = [];
    while (out.length < n) {
      const r = await this.next();
      if (r.done) break;
      out.push(r.value);
    }
    return out;
  }

  /** Iterates over the plan's outputs until it ends: `for await (const x of rt)`. Does not close the runtime. */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const r = await this.next();
      if (r.done) return;
      yield r.value;
    }
  }

  /** Stops the actors (kills farm workers). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.rt.backend.close();
  }
}

/**
 * Runs a compiled plan: `const rt = await run(plan, { backend: 'farm', seed: 1 })`, then pull outputs
 * with `rt.next()`, `rt.take(n)`, `for await (const x of rt)`, and `await rt.close()` at the end.
 */
export function run<T>(plan: { readonly graph: PlanGraph; readonly __output?: T } | PlanGraph, options: RuntimeOptions = {}): Promise<Runtime<T>> {
  const graph = 'graph' in plan && !('addNode' in plan) ? plan.graph : (plan as PlanGraph);
  return Runtime.create<T>(graph, options);
}
