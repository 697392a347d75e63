/**
 * `Stream<T>`: a stream on the driver. Each method appends one node to the immutable plan and returns a
 * new `Stream`; element types flow along the chain through TypeScript generics, and each node also
 * records its element type (for the IR verifier) and the plan line that created it.
 */
import { PlanError } from '../ir/errors.js';
import { K } from '../ir/kinds.js';
import { arrayOf, elementOf, tupleOf } from '../ir/type-expr.js';
import type { ActorRef, NotReady, StageContext, StageDef } from '../ir/contract.js';
import type { ActorGroup, BoundStage, Queue } from './define.js';
import {
  makeNode,
  renameNode,
  scope,
  stageDisplayName,
  stageTypes,
  toDslStage,
  type PlanNode,
  type StageArg,
  type StageOptionsBase,
} from './plan-node.js';
import { captureSource } from './source-location.js';

type Awaitable<T> = T | Promise<T>;
/** `[X, X, X]` for `TupleOf<X, 3>`; `X[]` when the length is not a literal. */
export type TupleOf<X, N extends number, R extends X[] = []> = number extends N ? X[] : R['length'] extends N ? R : TupleOf<X, N, [X, ...R]>;
/**
 * A driver-side stage: a closure, or a stage definition (which also runs on the driver).
 *
 * @typeParam F - The stage function's type.
 */
export type DriverStage<F extends (...args: never[]) => unknown> = F | StageDef<F, []> | BoundStage<F>;

/**
 * How a call stage builds a call's arguments from an item: a closure, or (in plans that must survive a
 * JSON round trip, like the built-in RL operators) a stage definition with plain-data arguments.
 */
export type CallArgs<T> = DriverStage<(item: T, ctx: StageContext) => Awaitable<unknown[]>>;

/** Options of `callActor`. */
export interface CallActorOptions<T> {
  /** Builds the call's arguments from the item (default: `[item]`). */
  readonly args?: CallArgs<T>;
  readonly name?: string;
  /** Element type of the reply, for the IR verifier. */
  readonly out?: string;
  /** Tag the reply with the item's source actor instead of the actor that replied. */
  readonly keepSource?: boolean;
  /** Emit `[item, reply]` instead of the reply alone. */
  readonly withInput?: boolean;
}

/** Method names of an actor instance whose value is a function. */
export type MethodOf<I> = { [K in keyof I]: I[K] extends (...args: never[]) => unknown ? K : never }[keyof I] & string;
type ResultOf<I, M extends keyof I> = I[M] extends (...args: never[]) => infer R ? Awaited<R> : never;

/**
 * A stream of `T` on the driver. Each method appends one node to the immutable plan and returns a new
 * `Stream`, so a plan is built as a chain; `compile` turns its output stream(s) into a verified IR graph.
 *
 * @example
 * ```ts
 * const plan = fromActors(workers)
 *   .forEach(double)          // actor-side stage
 *   .gatherAsync()
 *   .batch(4)                 // driver-side
 *   .forEach((xs) => xs.length);
 * ```
 */
export class Stream<T> {
  /** @internal Use the DSL functions to create streams. */
  constructor(
    readonly node: PlanNode,
    readonly port: number = 0,
  ) {}

  private input() {
    return [{ node: this.node, port: this.port }];
  }

  private elementStage<U>(kind: string, method: string, stage: StageArg, options: StageOptionsBase, output: (types: { in: string; out: string }) => string): Stream<U> {
    const source = captureSource();
    const dsl = toDslStage(stage, method, true, source);
    const types = stageTypes(dsl, options);
    return new Stream<U>(
      makeNode({
        kind,
        label: `${method}(${stageDisplayName(dsl)})`,
        output: output(types),
        inputTypes: [types.in],
        stage: dsl,
        inputs: this.input(),
        name: options.name,
        source,
      }),
    );
  }

  /**
   * Applies `fn` to every item. `fn` may return `NOT_READY` to give up its turn; it is then called again
   * with the same item at the next pull (this is how back-pressure is written).
   */
  forEach<U>(fn: DriverStage<(item: T, ctx: StageContext) => Awaitable<U | NotReady>>, options: StageOptionsBase = {}): Stream<U> {
    return this.elementStage(K.forEach.kind, 'forEach', fn as StageArg, options, (t) => t.out);
  }

  /** Keeps the items for which `pred` is true. */
  filter(pred: DriverStage<(item: T, ctx: StageContext) => Awaitable<boolean>>, options: Omit<StageOptionsBase, 'out'> = {}): Stream<T> {
    return this.elementStage(K.filter.kind, 'filter', pred as StageArg, options, () => this.type);
  }

  /** Flat-map: `fn` returns zero or more outputs per item. */
  combine<U>(fn: DriverStage<(item: T, ctx: StageContext) => Awaitable<Iterable<U>>>, options: StageOptionsBase = {}): Stream<U> {
    return this.elementStage(K.combine.kind, 'combine', fn as StageArg, options, (t) => t.out);
  }

  /** Rewrites the whole stream with a generator over the input items. */
  transform<U>(fn: DriverStage<(items: AsyncIterable<T>, ctx: StageContext) => AsyncIterable<U> | Iterable<U>>, options: StageOptionsBase = {}): Stream<U> {
    return this.elementStage(K.transform.kind, 'transform', fn as StageArg, options, (t) => t.out);
  }

  /** Groups `n` items into a list; a short final list is flushed when the stream ends. */
  batch(n: number, options: { readonly name?: string } = {}): Stream<T[]> {
    const source = captureSource();
    if (!Number.isInteger(n) || n < 1) throw new PlanError(`batch(n) needs a positive integer, got ${n}`, { source });
    return new Stream<T[]>(
      makeNode({ kind: K.batch.kind, label: `batch(${n})`, output: arrayOf(this.type), inputTypes: ['unknown'], params: { n }, inputs: this.input(), name: options.name, source }),
    );
  }

  /** Expands each list into its items. */
  flatten(options: { readonly name?: string } = {}): Stream<T extends Iterable<infer E> ? E : never> {
    return new Stream(
      makeNode({ kind: K.flatten.kind, label: 'flatten', output: elementOf(this.type), inputTypes: ['unknown'], inputs: this.input(), name: options.name }),
    );
  }

  /**
   * Puts every item into a bounded queue and passes it on. When the queue is full the item is held and
   * the stage reports "not ready" (back-pressure) until a `dequeue` makes room.
   */
  enqueue(queue: Queue<T>, options: { readonly name?: string } = {}): Stream<T> {
    const source = captureSource();
    if (!queue || queue.kind !== 'queue') throw new PlanError('enqueue() needs a queue created with queue(name, { capacity })', { source });
    return new Stream<T>(
      makeNode({ kind: K.enqueue.kind, label: `enqueue(${queue.name})`, output: this.type, inputTypes: [queue.itemType], params: { queue: queue.name }, queue: queue as Queue<unknown>, inputs: this.input(), name: options.name, source }),
    );
  }

  /**
   * Pairs each item with the actor that produced it. Items keep their source actor from a gather
   * (gatherAsync, gatherSync) or callActor through driver stages; an item with none is an error.
   */
  zipWithSourceActor(options: { readonly name?: string } = {}): Stream<[ActorRef, T]> {
    return new Stream(
      makeNode({ kind: K.zipWithSourceActor.kind, label: 'zipWithSourceActor', output: tupleOf('ActorRef', this.type), inputTypes: ['unknown'], inputs: this.input(), name: options.name }),
    );
  }

  /**
   * Calls `method` on every actor of `group` for each item (e.g. to broadcast weights) and passes the
   * item on. `args(item, ctx)` builds the call's arguments (default: the item). With `wait: false`
   * (default) the calls are fire-and-forget; each actor still runs them before any later request.
   */
  callActors<I, A extends unknown[]>(
    group: ActorGroup<I, A>,
    method: MethodOf<I>,
    options: { readonly args?: CallArgs<T>; readonly wait?: boolean; readonly name?: string } = {},
  ): Stream<T> {
    return this.callNode(K.callActors.kind, `callActors(${group.name}.${method})`, group as unknown as ActorGroup, method, options, this.type);
  }

  /** Calls `method` on the actor that produced each item (as A3C replies to its source worker). */
  callSourceActor(
    method: string,
    options: { readonly args?: CallArgs<T>; readonly wait?: boolean; readonly name?: string } = {},
  ): Stream<T> {
    return this.callNode(K.callSourceActor.kind, `callSourceActor(${method})`, undefined, method, options, this.type);
  }

  /**
   * Sends each item to `method` of an actor of `group` (round-robin over the group) and emits the reply,
   * tagged with that actor as its source — or, with `keepSource: true`, with the item's own source, so
   * a later `callSourceActor` still replies to the actor that produced the item (A3C: apply a worker's
   * gradients on the learner, then send the new weights back to that worker). A learner actor fed from
   * a queue is written this way. With `withInput: true` it emits `[item, reply]`, so a later stage sees
   * the batch a learner's reply was computed from without any variable shared between stages.
   */
  callActor<I, A extends unknown[], M extends MethodOf<I>>(
    group: ActorGroup<I, A>,
    method: M,
    options: CallActorOptions<T> & { readonly withInput: true },
  ): Stream<[T, ResultOf<I, M>]>;
  callActor<I, A extends unknown[], M extends MethodOf<I>>(group: ActorGroup<I, A>, method: M, options?: CallActorOptions<T>): Stream<ResultOf<I, M>>;
  callActor<I, A extends unknown[], M extends MethodOf<I>>(group: ActorGroup<I, A>, method: M, options: CallActorOptions<T> = {}): Stream<unknown> {
    const reply = options.out ?? 'unknown';
    const params = { ...(options.keepSource ? { keepSource: true } : {}), ...(options.withInput ? { withInput: true } : {}) };
    return this.callNode(K.callActor.kind, `callActor(${group.name}.${method})`, group as unknown as ActorGroup, method, { ...options, wait: true }, options.withInput ? tupleOf(this.type, reply) : reply, params);
  }

  private callNode<U>(
    kind: string,
    label: string,
    group: ActorGroup | undefined,
    method: string,
    options: { readonly args?: CallArgs<T>; readonly wait?: boolean; readonly name?: string },
    output: string,
    extraParams: Record<string, unknown> = {},
  ): Stream<U> {
    const source = captureSource();
    if (typeof method !== 'string' || !method) throw new PlanError(`${label}: method must be a method name`, { source });
    if (method.startsWith('$')) throw new PlanError(`${label}: method names starting with '$' are reserved for the runtime`, { source });
    if (group && group.kind !== 'actor-group') throw new PlanError(`${label}: needs an actor group created with actors()`, { source });
    const stage = options.args ? toDslStage(options.args as StageArg, label, true, source) : undefined;
    return new Stream<U>(
      makeNode({
        kind,
        label,
        output,
        inputTypes: ['unknown'],
        params: { ...(group ? { group: group.name } : {}), method, wait: options.wait ?? false, ...extraParams },
        stage,
        targets: group ? [group] : [],
        inputs: this.input(),
        name: options.name,
        source,
      }),
    );
  }

  /**
   * Fans the stream out to `n` consumers. A consumer more than `maxSkew` items ahead of the slowest
   * sibling is told "not ready" until the others catch up, so memory stays bounded.
   */
  duplicate<N extends number>(n: N, options: { readonly maxSkew?: number; readonly name?: string } = {}): TupleOf<Stream<T>, N> {
    const source = captureSource();
    if (!Number.isInteger(n) || n < 2) throw new PlanError(`duplicate(n) needs n >= 2, got ${n}`, { source });
    const maxSkew = options.maxSkew ?? 1;
    if (!Number.isInteger(maxSkew) || maxSkew < 1) throw new PlanError(`duplicate maxSkew must be a positive integer, got ${maxSkew}`, { source });
    const node = makeNode({ kind: K.duplicate.kind, label: `duplicate(${n})`, output: this.type, inputTypes: ['unknown'], params: { n, maxSkew }, inputs: this.input(), name: options.name, source });
    return Array.from({ length: n }, (_, port) => new Stream<T>(node, port)) as TupleOf<Stream<T>, N>;
  }

  /**
   * Applies a composite transform under a named scope (Apache Beam's `apply`, RxJS's `pipe`): every
   * node `transform` makes is named `name/…`, the IR records the scope, and the views draw it as one
   * box. Composites read top to bottom: `rollouts.apply('trainOneStep', (s) => trainOneStep(s, …))`.
   *
   * ```ts
   * const doubled = fromItems([1, 2]).apply('twice', (s) => s.forEach(double).forEach(double));
   * ```
   */
  apply<R>(name: string, transform: (stream: Stream<T>) => R): R {
    return scope(name, () => transform(this));
  }

  /**
   * `op(this)`: lets operators written as functions (`trainOneStep(stream, …)`) chain like methods, so
   * a plan reads top to bottom. Unlike `apply`, it opens no scope.
   */
  pipe<R>(op: (stream: Stream<T>) => R): R {
    return op(this);
  }

  /** The same stream with its last stage renamed (names must be unique in a plan). */
  named(name: string): Stream<T> {
    if (this.node.kind === K.duplicate.kind) throw new PlanError('name a duplicate through duplicate(n, { name })', { source: captureSource() });
    return new Stream<T>(renameNode(this.node, name), this.port);
  }

  /** The element type recorded for the verifier. */
  get type(): string {
    return this.node.output;
  }
}
