/**
 * Plain-data types of the IR: source locations, stage references, placements, actor groups, queues and
 * the attributes stored on graph nodes and edges. Everything here is JSON-serializable except a driver
 * closure, which only lives in memory (see `StageBinding`).
 */

/** Where a DSL call was made in the user's source. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/**
 * A reference to an exported function or class that a worker process can load: `await import(module)`
 * then take the export `name`. `module` is a file URL or a package specifier.
 */
export interface StageRef {
  readonly module: string;
  readonly name: string;
}

/**
 * What a node runs. Actor-side nodes must use a `ref`; driver-side nodes may use a closure, which is
 * kept in memory only (`closure` holds a display name; JSON keeps the name and marks it unloadable).
 */
export type StageBinding =
  | { readonly type: 'ref'; readonly ref: StageRef; readonly args: readonly unknown[] }
  | {
      readonly type: 'closure';
      readonly name: string;
      /** The closure itself; absent once the plan went through JSON. */
      readonly fn?: (...args: never[]) => unknown;
    };

/** Devices an actor group can be placed on. */
export type Device = 'cpu' | 'gpu';

/** Where a node runs: on the driver, or sharded over the actors of a group. */
export type Placement =
  | { readonly on: 'driver' }
  | { readonly on: 'actors'; readonly group: string; readonly device: Device };

/** Resources an actor of a group asks for. */
export interface ActorResources {
  readonly cpus: number;
  /** GPUs per actor (fractions share one GPU). A request > 0 is a demand; see `prefers` for a wish. */
  readonly gpus: number;
  /**
   * When the inventory cannot satisfy the request, fail (`true`) instead of falling back to the CPU
   * and saying why in `explain` (the default).
   */
  readonly strict?: boolean;
}

/**
 * Per-item work an actor can do for many items in one call (policy inference over its env copies).
 * The actor's builder declares it; the `batch` pass chooses how many rows go into one call.
 */
export interface VectorizableWork {
  /** What is vectorized, for `explain` and `inspect` (e.g. `policy inference`). */
  readonly what: string;
  /** Items each actor serves per step (e.g. env copies per worker). */
  readonly items: number;
  /** Cost-model entry of one call (fixed cost per call + cost per row), e.g. `policyForward`. */
  readonly cost: string;
  /**
   * Rows per call, chosen by the `batch` pass. Absent: no pass chose, and the actor makes one call per
   * item (an unoptimized plan does exactly what it says).
   */
  readonly batch?: number;
}

/** An actor group: `count` instances of one registered actor class, each built with `args`. */
export interface ActorGroupSpec {
  readonly name: string;
  readonly actorClass: StageRef;
  readonly count: number;
  /** Constructor arguments shared by every actor (plain data). */
  readonly args: readonly unknown[];
  readonly resources: ActorResources;
  /** Element type of the actor's `items()` stream, for the verifier. */
  readonly itemType: string;
  /** Device chosen by placement (`cpu` until a placement pass says otherwise). */
  readonly device: Device;
  /** The device this group would rather run on (learners prefer `gpu`); the `place` pass decides. */
  readonly prefers?: Device;
  /**
   * Machine of each actor, by index, when the `place` pass spread the group over several machines
   * (its `spread` option); `host` below is then the first actor's.
   */
  readonly hosts?: readonly string[];
  /** Machine the group runs on, chosen by the `place` pass (`local`: the driver's machine). */
  readonly host?: string;
  /** Work the `batch` pass may vectorize. */
  readonly vectorizable?: VectorizableWork;
  /** How a recreated actor of this group gets its state back; groups without it are not restarted. */
  readonly resync?: ResyncSpec;
  readonly source?: SourceLocation;
}

/**
 * The generic re-sync hook of an actor group (the runtime knows no RL): when one of its actors is
 * recreated after a crash, the runtime reads state with `get()` from a live actor and hands it to the
 * new actor's `set(state)`. Sources, in order: a healthy peer of the same group, then actor 0 of each
 * group in `from`. `stateless: true` (with no methods) restarts the actor as constructed.
 * `snapshot: true` is for an actor whose state no other actor holds (a learner): the new actor gets the
 * last `get()` result the driver recorded for it (`Runtime.recordSnapshot`, done at every checkpoint), so
 * the work since then is lost; with no snapshot recorded yet, the actor is not restarted.
 */
export type ResyncSpec =
  | { readonly get: string; readonly set: string; readonly from?: readonly string[]; readonly snapshot?: true }
  | { readonly stateless: true };

/** A bounded FIFO queue connecting `enqueue` nodes to `dequeue` nodes. */
export interface QueueSpec {
  readonly name: string;
  readonly capacity: number;
  readonly itemType: string;
  readonly source?: SourceLocation;
}

/** Attributes of an IR node. */
export interface NodeAttributes {
  readonly id: string;
  /** Versioned node kind, e.g. `rlflow/gather-async@1`. */
  readonly kind: string;
  /** Unique hierarchical name, e.g. `rollouts/forEach(double)`. */
  readonly name: string;
  /** Element type of the node's output stream(s). */
  readonly output: string;
  /** Element type each input port expects (`unknown` accepts anything). */
  readonly inputTypes: readonly string[];
  /** Kind-specific parameters, plain JSON. */
  readonly params: Readonly<Record<string, unknown>>;
  readonly placement: Placement;
  readonly stage?: StageBinding;
  readonly source?: SourceLocation;
  /**
   * The composite scopes (`stream.apply(name, …)`) the node was made in, outermost first; the node's
   * name starts with them (`trainOneStep/callActor(learner.learnOnBatch)`). Absent at top level.
   */
  readonly scope?: readonly string[];
}

/** Attributes of an IR edge: which output port of the producer feeds which input port of the consumer. */
export interface EdgeAttributes {
  readonly fromPort: number;
  readonly toPort: number;
}

/** Graph-level attributes. */
export interface GraphAttributes {
  readonly schemaVersion: number;
  readonly name: string;
  readonly actorGroups: Readonly<Record<string, ActorGroupSpec>>;
  readonly queues: Readonly<Record<string, QueueSpec>>;
  /** Ids of the plan's output nodes, in order (normally one). */
  readonly outputs: readonly string[];
}

/** Version of the IR graph and JSON format; `graphFromJson` rejects documents with a different `schemaVersion`. */
export const IR_SCHEMA_VERSION = 1;
