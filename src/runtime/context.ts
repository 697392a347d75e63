/**
 * What operators get from the runtime: the graph, the backend, the shared metrics, the progress
 * signal, seeded randomness, queues, and helpers that turn remote failures into errors that name the
 * plan node. Operator implementations use only this, so they stay small and backend-agnostic.
 */
import { ActorCrashedError, ActorStuckError, PlanStuckError, RlflowError, StageError, formatSource, type PlanPlace } from '../ir/errors.js';
import type { PlanGraph } from '../ir/graph.js';
import { K, fusedMembers } from '../ir/kinds.js';
import { formatActor, type ActorRef, type NodeStateView, type StageContext } from '../ir/contract.js';
import type { NodeAttributes } from '../ir/types.js';
import type { CallTiming } from './actor-host.js';
import { RemoteCallError, type ActorBackend } from './backend.js';
import { buildStageFunction } from './loader.js';
import { MetricsContext } from './metrics.js';
import { ProgressSignal } from './progress.js';
import { createRng, deriveSeed, type Rng } from '../rng/index.js';
import { FAULT_COUNTERS } from './faults.js';
import type { TraceRecorder } from './trace.js';

export function placeOf(node: NodeAttributes): PlanPlace {
  return { nodeId: node.id, nodeName: node.name, source: node.source };
}

/** The place of a fused node's member stage that failed (`at`), so errors point at the plan line the user wrote. */
function memberPlace(node: NodeAttributes, at: string | undefined): PlanPlace {
  if (at === undefined || node.kind !== K.fused.kind) return placeOf(node);
  const member = fusedMembers(node.params).find((m) => m.id === at);
  return member ? { nodeId: node.id, nodeName: `${member.name} (fused into ${node.name})`, source: member.source } : placeOf(node);
}

/** Converts anything thrown while running `node` into an rlflow error that names the node. */
export function errorAt(node: NodeAttributes, e: unknown): RlflowError {
  if (e instanceof RlflowError && e.nodeId !== undefined) return e;
  if (e instanceof RemoteCallError) {
    const f = e.failure;
    const options = { ...memberPlace(node, f.at), actor: formatActor(e.actor), remoteStack: f.stack, cause: e };
    if (f.crashed && f.name === 'ActorStuckError') {
      return new ActorStuckError(f.message, { ...options, hint: 'raise the deadline (faults.methodDeadlinesMs / heartbeatTimeoutMs) if the call is just slow; allow restarts with maxActorRestarts' });
    }
    return f.crashed
      ? new ActorCrashedError(`actor ${formatActor(e.actor)} crashed${e.method.startsWith('$') ? '' : ` during '${e.method}'`}: ${f.message}`, { ...options, hint: 'its state is lost; see the worker output above for why it died' })
      : new StageError(`${f.name}: ${f.message}${e.method.startsWith('$') ? '' : ` (in method '${e.method}')`}`, options);
  }
  if (e instanceof RlflowError) return e;
  const err = e instanceof Error ? e : new Error(String(e));
  return new StageError(`${err.name}: ${err.message}`, { ...placeOf(node), remoteStack: err.stack, cause: err });
}

/**
 * A bounded FIFO queue between enqueue and dequeue nodes. It ends (dequeue answers DONE) once it is
 * empty and every enqueue node feeding it has seen its input end, so finite plans with queues finish.
 */
export class BoundedQueue {
  readonly items: unknown[] = [];
  private openProducers: number;
  constructor(
    readonly name: string,
    readonly capacity: number,
    producers: number,
  ) {
    this.openProducers = producers;
  }
  get full(): boolean {
    return this.items.length >= this.capacity;
  }
  /** Called once by each enqueue node when its input ends. */
  producerEnded(): void {
    this.openProducers--;
  }
  get ended(): boolean {
    return this.openProducers <= 0 && this.items.length === 0;
  }
}

/** The driver-side node state of a running plan, by node name then key (see `NodeStateView`). */
export type NodeStates = Record<string, Record<string, unknown>>;

/**
 * The services an operator gets from the runtime: the plan graph, the backend, shared metrics, node
 * state, queues, seeded randomness, and helpers that turn remote failures into plan-level errors.
 */
export class RuntimeContext {
  readonly metrics = new MetricsContext();
  /** Each node's checkpointed state, by node name (names are unique and survive optimization). */
  private readonly nodeStates = new Map<string, Map<string, unknown>>();
  readonly progress = new ProgressSignal();
  readonly queues = new Map<string, BoundedQueue>();
  /** Errors from fire-and-forget calls, thrown at the next pull. */
  readonly deferred: RlflowError[] = [];
  /** Driver-side user code currently running (not waiting for plan progress). */
  private busy = 0;
  /** Items produced per node during the current step (for `step()`). */
  readonly activity = new Map<string, number>();
  /** The driver's random stream (its position is part of `Runtime.saveState()`). */
  readonly driverRandom: Rng;

  constructor(
    readonly graph: PlanGraph,
    readonly backend: ActorBackend,
    readonly seed: number,
    /** Records the run when it is traced (`run(plan, { trace })`). */
    readonly trace?: TraceRecorder,
  ) {
    this.driverRandom = createRng(deriveSeed(seed, 'driver'));
    backend.onFault = (event) => {
      this.metrics.inc(event.type === 'restarted' ? FAULT_COUNTERS.restarts : FAULT_COUNTERS.abandoned);
      this.progress.bump();
    };
    const producers = new Map<string, number>();
    graph.forEachNode((_id, n) => {
      if (n.kind === K.enqueue.kind) producers.set(String(n.params['queue']), (producers.get(String(n.params['queue'])) ?? 0) + 1);
    });
    for (const q of Object.values(graph.getAttribute('queues'))) this.queues.set(q.name, new BoundedQueue(q.name, q.capacity, producers.get(q.name) ?? 0));
  }

  /** Runs driver-side user code; while it runs the plan cannot be declared stuck. */
  async runUserCode<T>(fn: () => Promise<T> | T): Promise<T> {
    this.busy++;
    try {
      return await fn();
    } finally {
      this.busy--;
      // Not progress, but waiters must re-check whether the plan can still move.
      this.progress.wakeAll();
    }
  }

  /** The plan's seeded driver-side random stream. */
  random(): number {
    return this.driverRandom();
  }

  /** The attributes of plan node `id`. */
  node(id: string): NodeAttributes {
    return this.graph.getNodeAttributes(id);
  }

  /** The live actors of `group`, in index order (actors given up after a crash are left out). Throws for an unknown group. */
  actors(group: string): ActorRef[] {
    const spec = this.graph.getAttribute('actorGroups')[group];
    if (!spec) throw new RlflowError(`no actor group '${group}' in this plan`);
    // Actors given up after a crash (ignoreWorkerFailures) are no longer part of the group.
    return Array.from({ length: spec.count }, (_, index) => ({ group, index })).filter((a) => this.backend.healthy?.(a) ?? true);
  }

  /**
   * What a call that died with its actor stands for. A recreated (`dropped`) or given-up (`abandoned`)
   * actor's in-flight work is lost, counted, and never replayed: a shard pull answers "nothing" (or
   * "ended" for a given-up actor); other calls are sent once more to the recreated actor (its state is
   * new, so nothing is applied twice), or skipped for a given-up one.
   */
  private async afterLostCall(e: RemoteCallError, actor: ActorRef, method: string, args: readonly unknown[]): Promise<unknown> {
    this.metrics.inc(FAULT_COUNTERS.dropped);
    const abandoned = e.failure.abandoned === true;
    if (method === '$pull' || method === '$apply') return { items: [], done: abandoned };
    if (method === '$install' || abandoned) return undefined;
    return this.backend.call(actor, method, args);
  }

  /** Calls an actor method on behalf of `node`; failures name the node and the actor. */
  async call(node: NodeAttributes, actor: ActorRef, method: string, args: readonly unknown[]): Promise<unknown> {
    if (this.trace) return this.tracedCall(this.trace, node, actor, method, args);
    try {
      try {
        return await this.backend.call(actor, method, args);
      } catch (e) {
        if (e instanceof RemoteCallError && (e.failure.dropped || e.failure.abandoned)) return await this.afterLostCall(e, actor, method, args);
        throw e;
      }
    } catch (e) {
      throw errorAt(node, e);
    } finally {
      this.progress.bump();
    }
  }

  /** `call`, recorded in the trace, with the actor's own timing when the backend reports it. */
  private async tracedCall(trace: TraceRecorder, node: NodeAttributes, actor: ActorRef, method: string, args: readonly unknown[]): Promise<unknown> {
    const span = trace.beginCall(node, actor, method, args);
    let timing: CallTiming | undefined;
    let error: unknown;
    try {
      if (!this.backend.callTimed) return await this.backend.call(actor, method, args);
      const reply = await this.backend.callTimed(actor, method, args);
      timing = reply.timing;
      return reply.value;
    } catch (e) {
      error = e;
      if (e instanceof RemoteCallError && (e.failure.dropped || e.failure.abandoned)) {
        try {
          const value = await this.afterLostCall(e, actor, method, args);
          error = undefined;
          return value;
        } catch (again) {
          error = again;
        }
      }
      throw errorAt(node, error);
    } finally {
      span.end(timing, error);
      this.progress.bump();
    }
  }

  /** The state of `node` (created empty on first use). */
  nodeState(node: NodeAttributes): NodeStateView {
    let values = this.nodeStates.get(node.name);
    if (!values) this.nodeStates.set(node.name, (values = new Map()));
    const store = values;
    return {
      get: <V>(key: string) => store.get(key) as V | undefined,
      set: (key, value) => void store.set(key, value),
    };
  }

  /** Every node's state as plain data (a deep copy), for a checkpoint. */
  saveNodeStates(): NodeStates {
    const out: NodeStates = {};
    for (const [name, values] of [...this.nodeStates].sort(([a], [b]) => a.localeCompare(b))) {
      if (values.size) out[name] = structuredClone(Object.fromEntries(values));
    }
    return out;
  }

  /** Replaces every node's state with a saved copy (before the plan pulls its first item). */
  restoreNodeStates(states: NodeStates): void {
    this.nodeStates.clear();
    for (const [name, values] of Object.entries(states)) this.nodeStates.set(name, new Map(Object.entries(structuredClone(values))));
  }

  /** The stage context handed to driver-side user functions of `node`. */
  stageContext(node: NodeAttributes, sourceActor: () => ActorRef | undefined): StageContext {
    const clock = this.backend.clock;
    return {
      metrics: this.metrics,
      state: this.nodeState(node),
      get sourceActor() {
        return sourceActor();
      },
      random: () => this.random(),
      now: () => clock.now(),
      delay: (ms) => clock.delay(ms),
      call: (actor, method, ...args) => this.call(node, actor, method, args),
      callAll: (group, method, ...args) => Promise.all(this.actors(group).map((a) => this.call(node, a, method, args))),
      tellAll: (group, method, ...args) => {
        Promise.all(this.actors(group).map((a) => this.call(node, a, method, args))).catch((e: unknown) => this.deferred.push(e as RlflowError));
      },
      actors: (group) => this.actors(group),
    };
  }

  /** The function a driver-side node runs: its closure, or its stage reference built with its args. */
  async stageFunction(node: NodeAttributes): Promise<(...args: never[]) => unknown> {
    const stage = node.stage;
    if (!stage) throw new RlflowError(`node has no stage`, placeOf(node));
    if (stage.type === 'ref') {
      try {
        return await buildStageFunction(stage.ref, stage.args);
      } catch (e) {
        throw errorAt(node, e);
      }
    }
    if (!stage.fn) {
      throw new RlflowError(`driver closure '${stage.name}' is missing (a plan loaded from JSON keeps only closure names)`, {
        ...placeOf(node),
        hint: 'pass the closures to graphFromJson(json, { closures }) or use stage references',
      });
    }
    return stage.fn;
  }

  /**
   * Waits until something in the plan makes progress after `since`. Fails with `PlanStuckError`
   * instead of hanging when nothing can: no actor call in flight, no timer pending, no user code running.
   */
  async waitForProgress(node: NodeAttributes, since: number): Promise<void> {
    for (;;) {
      if (this.progress.version !== since) return;
      if (this.backend.inFlight() === 0 && !this.backend.hasPendingWork() && this.busy === 0) {
        // Let every promise callback settle first: progress may be one microtask away.
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (this.progress.version !== since) return;
        if (this.backend.inFlight() === 0 && !this.backend.hasPendingWork() && this.busy === 0) {
          throw new PlanStuckError(`the plan is stuck: '${node.name}' waits for data that nothing can produce (no actor call in flight, every branch not ready)`, {
            ...placeOf(node),
            hint: `check that every queue has a producer that runs and that duplicate() consumers are all pulled (created at ${formatSource(node.source)})`,
          });
        }
        continue;
      }
      await this.progress.after(since);
    }
  }
}
