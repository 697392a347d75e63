/**
 * `ParStream<T>`: a stream sharded over the actors of one or more groups. Transforms chained on it run
 * **on the actors** (one shard each), so they take stage definitions, never closures. Like RLlib's
 * ParallelIterator it is a list of shard sets, each an actor selection with its own pending transforms;
 * a gather lowers every set into a chain of actor-side IR nodes feeding one driver-side gather node.
 */
import { PlanError } from '../ir/errors.js';
import { K } from '../ir/kinds.js';
import { arrayOf, elementOf, unionOf } from '../ir/type-expr.js';
import type { ActorStageContext, StageDef } from '../ir/contract.js';
import type { SourceLocation } from '../ir/types.js';
import type { ActorGroup, BoundStage, ItemOf } from './define.js';
import { currentScope, makeNode, scope, stageDisplayName, stageTypes, toDslStage, type DslStage, type PlanNode, type StageArg, type StageOptionsBase } from './plan-node.js';
import { captureSource } from './source-location.js';
import { Stream } from './stream.js';

type Awaitable<T> = T | Promise<T>;
/**
 * An actor-side stage: a stage definition, possibly bound to arguments.
 *
 * @typeParam F - The stage function's type.
 */
export type ActorStage<F extends (...args: never[]) => unknown> = StageDef<F, []> | BoundStage<F>;

type ElementOf<P> = P extends ParStream<infer T, unknown> ? T : never;
type ActorTypeOf<P> = P extends ParStream<unknown, infer A> ? A : never;

interface PendingOp {
  readonly kind: string;
  readonly label: string;
  readonly stage: DslStage | undefined;
  readonly params: Readonly<Record<string, unknown>>;
  readonly inputType: string;
  readonly output: string;
  readonly name: string | undefined;
  readonly source: SourceLocation | undefined;
  /** `scope()` names around the call: actor nodes are made only at the gather, maybe in another scope. */
  readonly scope: readonly string[];
}

interface ShardSet {
  readonly group: ActorGroup;
  readonly shards: readonly number[];
  readonly ops: readonly PendingOp[];
  readonly output: string;
  /** Where the shard set was created (the fromActors call). */
  readonly source: SourceLocation | undefined;
  /** `scope()` names around the fromActors call. */
  readonly scope: readonly string[];
}

/**
 * `T` is the element type; `A` the type of the actors the shards run on, which actor-side stages see as
 * `ctx.actor` (declare a stage's context as `ActorStageContext<MyActor>` to use it).
 */
export class ParStream<T, A = unknown> {
  /** @internal Use fromActors() to create a ParStream. */
  constructor(readonly sets: readonly ShardSet[]) {}

  /** Number of shards (actors) the stream spans. */
  get numShards(): number {
    return this.sets.reduce((n, s) => n + s.shards.length, 0);
  }

  private append<U>(kind: string, method: string, stage: StageArg | undefined, options: StageOptionsBase, params: Record<string, unknown>, output: (set: ShardSet, out: string) => string, inputType?: string): ParStream<U, A> {
    const source = captureSource();
    const dsl = stage === undefined ? undefined : toDslStage(stage, method, false, source);
    const types = dsl ? stageTypes(dsl, options) : { in: inputType ?? 'unknown', out: 'unknown' };
    const label = dsl ? `${method}(${stageDisplayName(dsl)})` : method;
    return new ParStream<U, A>(
      this.sets.map((set) => {
        const out = output(set, types.out);
        const op: PendingOp = { kind, label, stage: dsl, params, inputType: types.in, output: out, name: options.name, source, scope: currentScope() };
        return { ...set, ops: [...set.ops, op], output: out };
      }),
    );
  }

  /** Applies a stage to every item, on the actors. */
  forEach<U>(stage: ActorStage<(item: T, ctx: ActorStageContext<A>) => Awaitable<U>>, options: StageOptionsBase = {}): ParStream<U, A> {
    return this.append(K.forEach.kind, 'forEach', stage as StageArg, options, {}, (_s, out) => out);
  }

  /** Keeps the items for which the predicate is true, on the actors. */
  filter(pred: ActorStage<(item: T, ctx: ActorStageContext<A>) => Awaitable<boolean>>, options: Omit<StageOptionsBase, 'out'> = {}): ParStream<T, A> {
    return this.append(K.filter.kind, 'filter', pred as StageArg, options, {}, (set) => set.output);
  }

  /** Flat-map on the actors. */
  combine<U>(stage: ActorStage<(item: T, ctx: ActorStageContext<A>) => Awaitable<Iterable<U>>>, options: StageOptionsBase = {}): ParStream<U, A> {
    return this.append(K.combine.kind, 'combine', stage as StageArg, options, {}, (_s, out) => out);
  }

  /** Whole-stream generator transform on each shard. */
  transform<U>(stage: ActorStage<(items: AsyncIterable<T>, ctx: ActorStageContext<A>) => AsyncIterable<U> | Iterable<U>>, options: StageOptionsBase = {}): ParStream<U, A> {
    return this.append(K.transform.kind, 'transform', stage as StageArg, options, {}, (_s, out) => out);
  }

  /** Groups `n` items of each shard into a list, on the actors. */
  batch(n: number, options: { readonly name?: string } = {}): ParStream<T[], A> {
    if (!Number.isInteger(n) || n < 1) throw new PlanError(`batch(n) needs a positive integer, got ${n}`, { source: captureSource() });
    return this.append(K.batch.kind, `batch(${n})`, undefined, options, { n }, (set) => arrayOf(set.output));
  }

  /** Expands each list into its items, on the actors. */
  flatten(options: { readonly name?: string } = {}): ParStream<T extends Iterable<infer E> ? E : never, A> {
    return this.append(K.flatten.kind, 'flatten', undefined, options, {}, (set) => elementOf(set.output));
  }

  /**
   * Applies a composite transform under a named scope, as `Stream.apply` does: the actor-side stages
   * and the gather `transform` adds are named `name/…` and drawn as one box.
   */
  apply<R>(name: string, transform: (stream: ParStream<T, A>) => R): R {
    return scope(name, () => transform(this));
  }

  /** Keeps only the listed shards (indexes into this stream's shards, in order). */
  selectShards(indexes: readonly number[]): ParStream<T, A> {
    const source = captureSource();
    const total = this.numShards;
    if (!Array.isArray(indexes) || indexes.length === 0) throw new PlanError('selectShards needs a non-empty list of shard indexes', { source });
    const wanted = new Set<number>();
    for (const i of indexes) {
      if (!Number.isInteger(i) || i < 0 || i >= total) throw new PlanError(`selectShards: shard ${i} does not exist (this stream has ${total})`, { source });
      if (wanted.has(i)) throw new PlanError(`selectShards lists shard ${i} twice`, { source });
      wanted.add(i);
    }
    const sets: ShardSet[] = [];
    let offset = 0;
    for (const set of this.sets) {
      const kept = set.shards.filter((_, k) => wanted.has(offset + k));
      offset += set.shards.length;
      if (kept.length) sets.push({ ...set, shards: kept });
    }
    return new ParStream<T, A>(sets);
  }

  /** Concatenates the shards of several ParStreams; each keeps its own transforms. */
  union<S extends ParStream<unknown, unknown>[]>(...others: S): ParStream<T | ElementOf<S[number]>, A | ActorTypeOf<S[number]>> {
    return new ParStream([...this.sets, ...others.flatMap((o) => o.sets)]);
  }

  /** Barrier gather: one item from every shard per round, emitted one by one in shard order. */
  gatherSync(options: { readonly name?: string } = {}): Stream<T> {
    return this.gather(K.gatherSync.kind, 'gatherSync', {}, (t) => t, options.name);
  }

  /** Barrier gather: one list per round holding one item from every shard, in shard order. */
  batchAcrossShards(options: { readonly name?: string } = {}): Stream<T[]> {
    return this.gather(K.batchAcrossShards.kind, 'batchAcrossShards', {}, arrayOf, options.name);
  }

  /**
   * Pipelined gather: keeps `inFlight` requests outstanding per shard and emits items in completion
   * order. With `batchMs > 0` each reply carries everything a shard produced within that many ms.
   */
  gatherAsync(options: { readonly inFlight?: number; readonly batchMs?: number; readonly name?: string } = {}): Stream<T> {
    const source = captureSource();
    const inFlight = options.inFlight ?? 1;
    const batchMs = options.batchMs;
    if (!Number.isInteger(inFlight) || inFlight < 1) throw new PlanError(`gatherAsync inFlight must be a positive integer, got ${inFlight}`, { source });
    if (batchMs !== undefined && (typeof batchMs !== 'number' || !(batchMs >= 0))) throw new PlanError(`gatherAsync batchMs must be >= 0, got ${batchMs}`, { source });
    // NOTE: an unset batchMs stays absent from the IR (one item per reply), so the `batch` pass can tell
    // the plan author's choice from a default it may tune.
    return this.gather(K.gatherAsync.kind, 'gatherAsync', batchMs === undefined ? { inFlight } : { inFlight, batchMs }, (t) => t, options.name, source);
  }

  private gather<U>(kind: string, label: string, params: Record<string, unknown>, output: (t: string) => string, name: string | undefined, source: SourceLocation | undefined = captureSource()): Stream<U> {
    const inputs = this.sets.map((set) => ({ node: lowerShardSet(set), port: 0 }));
    const elem = unionOf(this.sets.map((s) => s.output));
    return new Stream<U>(
      makeNode({ kind, label, output: output(elem), inputTypes: this.sets.map(() => 'unknown'), params, inputs, name, source }),
    );
  }
}

/** Lowers a shard set to its chain of actor-side nodes and returns the last one. */
function lowerShardSet(set: ShardSet): PlanNode {
  let node = makeNode({
    kind: K.fromActors.kind,
    label: 'fromActors',
    output: set.group.actorClass.itemType,
    params: { shards: [...set.shards] },
    group: set.group,
    source: set.source,
    scope: set.scope,
  });
  for (const op of set.ops) {
    node = makeNode({
      kind: op.kind,
      label: op.label,
      output: op.output,
      inputTypes: [op.inputType],
      params: op.params,
      group: set.group,
      stage: op.stage,
      inputs: [{ node, port: 0 }],
      name: op.name,
      source: op.source,
      scope: op.scope,
    });
  }
  return node;
}

/** A ParStream with one shard per actor of `group`, each the actor's `items()` stream. */
export function fromActors<I, A extends unknown[]>(group: ActorGroup<I, A>): ParStream<ItemOf<I>, I> {
  const source = captureSource();
  if (!group || group.kind !== 'actor-group') throw new PlanError('fromActors() needs an actor group created with actors()', { source });
  const set: ShardSet = { group: group as unknown as ActorGroup, shards: Array.from({ length: group.count }, (_, i) => i), ops: [], output: group.actorClass.itemType, source, scope: currentScope() };
  return new ParStream<ItemOf<I>, I>([set]);
}
