/**
 * The contract between plan code and any runtime: the shapes of stage and actor definitions that a
 * worker process loads by `{ module, name }`, the contexts user code receives, actor references, and the
 * `NOT_READY` sentinel. The DSL creates these values and the runtime consumes them; both import them
 * from here so that neither depends on the other.
 */
import type { Device, SourceLocation } from './types.js';

/** Marker property of stage and actor-class definitions (a registered symbol, so it survives module copies). */
export const DEFINITION = Symbol.for('rlflow.definition');

/**
 * Returned by a driver-side `forEach` function (or yielded by a source) to say "nothing available right
 * now": the operator gives up its turn and is asked again with the same item later (back-pressure).
 */
export const NOT_READY: unique symbol = Symbol.for('rlflow.notReady') as never;
/** The type of the `NOT_READY` marker. */
export type NotReady = typeof NOT_READY;

/** A reference to one actor: plain data, so it can be stored in items and sent across processes. */
export interface ActorRef {
  readonly group: string;
  readonly index: number;
}

/** An actor reference as `group[index]`, for messages and dumps. */
export function formatActor(ref: ActorRef): string {
  return `${ref.group}[${ref.index}]`;
}

/** Per-process services shared by actor code and driver code; virtual in the local backend. */
export interface Clock {
  /** Milliseconds since the runtime started (virtual time in the local backend). */
  now(): number;
  /** Resolves after `ms` milliseconds (virtual in the local backend, so tests run instantly). */
  delay(ms: number): Promise<void>;
}

/** What an actor receives as its constructor's first argument. */
export interface ActorContext extends Clock {
  readonly group: string;
  readonly index: number;
  readonly ref: ActorRef;
  /** Seed derived from the runtime's root seed, the group name and the index. */
  readonly seed: number;
  /**
   * The runtime's root seed, the same on every actor: derive shared seeds from it (e.g. one policy
   * initialization for all workers and the learner, so they start with identical weights).
   */
  readonly rootSeed: number;
  /**
   * The device the plan placed this actor on (the `place` pass): load tensor backends for it (`gpu`
   * means a GPU backend is known to be loadable on this machine).
   */
  readonly device: Device;
  /**
   * Rows per vectorized call (e.g. envs per policy forward pass) when the actor's group declared
   * `vectorizable` work: the `batch` pass's choice, or 1 in a plan no pass optimized. Undefined when
   * the group declared none: the actor decides (all items in one call).
   */
  readonly vectorBatch: number | undefined;
  /** Deterministic uniform [0, 1) stream seeded with `seed`. */
  random(): number;
}

/** Context of an actor-side stage function: the actor it runs on. */
export interface ActorStageContext<A = unknown> extends Clock {
  readonly actor: A;
  readonly actorContext: ActorContext;
}

/** A timer that keeps a window of the last 10 samples (as RLlib's TimerStat). */
export interface TimerView {
  readonly count: number;
  /** Mean duration in ms over the window. */
  readonly meanMs: number;
  /** Units per second over the window, when units were recorded. */
  readonly meanThroughput: number | undefined;
  /** Records one sample of `ms` milliseconds (and `units` processed, for throughput). */
  push(ms: number, units?: number): void;
  /** Times `fn` and pushes its duration. */
  time<T>(fn: () => Promise<T> | T, units?: number): Promise<T>;
}

/**
 * Counters the runtime's fault handling keeps in the shared metrics (see runtime/faults.ts), named here
 * so that layers above (RL result dicts) read them without depending on the runtime.
 */
export const FAULT_COUNTERS = {
  /** Actors recreated after a crash or a stuck call. */
  restarts: 'num_actor_restarts',
  /** Calls in flight on an actor when it died, dropped rather than replayed (e.g. lost sample fragments). */
  dropped: 'num_dropped_calls',
  /** Actors given up for the rest of the run (`ignoreWorkerFailures`). */
  abandoned: 'num_actors_abandoned',
} as const;

/** Counters, timers and info shared by every stage of one running plan. */
export interface MetricsView {
  readonly counters: Map<string, number>;
  readonly info: Record<string, unknown>;
  /** Adds `by` (default 1) to `counter` and returns its new value. */
  inc(counter: string, by?: number): number;
  /** The current value of `counter` (0 when never incremented). */
  get(counter: string): number;
  /** The timer called `name`, created on first use. */
  timer(name: string): TimerView;
  readonly timers: ReadonlyMap<string, TimerView>;
  /** `performance.now()` when this run's first output was requested (undefined before): its clock start. */
  readonly startedAt: number | undefined;
}

/**
 * Driver-side state of one plan node that must outlive an item (an iteration count, a merged filter):
 * kept by the runtime under the node's name, so `Runtime.saveState()` can checkpoint it and
 * `restoreState()` bring it back. Values must be plain data (structured-cloneable). State that may be
 * lost on a restart (a timestamp, a partial batch) can stay in the stage's own closure.
 */
export interface NodeStateView {
  /** The value stored under `key`, or undefined. */
  get<V>(key: string): V | undefined;
  /** Stores `value` (plain data) under `key`. */
  set(key: string, value: unknown): void;
}

/** Context of a driver-side stage function. */
export interface StageContext extends Clock {
  readonly metrics: MetricsView;
  /** This node's checkpointed state (see `NodeStateView`). */
  readonly state: NodeStateView;
  /** The actor that produced the current item (set by gatherAsync and callActor), if any. */
  readonly sourceActor: ActorRef | undefined;
  /** Deterministic uniform [0, 1) stream of the driver, seeded from the root seed. */
  random(): number;
  /** Calls a method on one actor and resolves with its result. */
  call(actor: ActorRef, method: string, ...args: unknown[]): Promise<unknown>;
  /** Calls a method on every actor of a group; resolves with the results in actor order. */
  callAll(group: string, method: string, ...args: unknown[]): Promise<unknown[]>;
  /**
   * Sends a method call to every actor of a group without waiting for the replies (as `callActors`
   * with `wait: false`): each actor still runs it before any later request to it, and a failure fails
   * the plan at its next pull. For calls whose result nothing reads (a target-network update).
   */
  tellAll(group: string, method: string, ...args: unknown[]): void;
  /** The actors of a group. */
  actors(group: string): readonly ActorRef[];
}

/** An actor-side stage: an exported function a worker loads by module URL and export name. */
export interface StageDef<F = unknown, A extends unknown[] = unknown[]> {
  readonly [DEFINITION]: 'stage';
  /** File URL of the module that exports this definition. */
  readonly module: string;
  /** Export name, when given explicitly; otherwise found by the compiler among the module's exports. */
  readonly exportName: string | undefined;
  /** Display name (the function's name). */
  readonly displayName: string;
  /** Builds the per-shard function from plain-data arguments (called once per shard, on the actor). */
  readonly make: (...args: A) => F;
  readonly types: { readonly in?: string; readonly out?: string };
  readonly source: SourceLocation | undefined;
}

/** An actor class: an exported class a worker loads by module URL and export name. */
export interface ActorClassDef<I = unknown, A extends unknown[] = never[]> {
  readonly [DEFINITION]: 'actor';
  readonly module: string;
  readonly exportName: string | undefined;
  readonly displayName: string;
  readonly ctor: new (ctx: ActorContext, ...args: A) => I;
  /** Element type of the actor's `items()` stream. */
  readonly itemType: string;
  readonly source: SourceLocation | undefined;
}

/** Whether `x` is a stage definition made by `stage`/`actorStage` (tagged with `DEFINITION`). */
export function isStageDef(x: unknown): x is StageDef {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[DEFINITION] === 'stage';
}

/** Whether `x` is an actor class definition made by `actorClass` (tagged with `DEFINITION`). */
export function isActorClassDef(x: unknown): x is ActorClassDef {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[DEFINITION] === 'actor';
}
