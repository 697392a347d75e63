/**
 * Random valid plans for property tests (the runtime conformance suites and `passSpec`). A plan is generated as a plain-data *description*
 * (`PlanDesc`: fast-check can shrink it and print it), turned into a DSL stream by `build(desc)`, shown
 * as DSL-like code by `describe(desc)`, and predicted by `expected(desc)`, a reference model of the
 * operator semantics written independently of the runtime.
 *
 * Every stage is deterministic and every source is finite, so every plan terminates. The shape of a
 * plan: a source (actor groups sharded by `fromActors`, unioned when there are two, with chains of
 * actor-side stages, then a gather; or `fromItems` / `fromIterable`), driver-side stages (among them
 * the RL call stages: `callActor` with and without `keepSource`, then `zipWithSourceActor` or
 * `callSourceActor`, and `callActors`, all against the plan's `Echo` group `E`), optionally a
 * `duplicate(n)` (n = 2..4) whose copies run different driver chains and are merged by `concurrently`
 * (round-robin weights include fractions and `'*'`),
 * optionally a *dead branch* (the stream joined with a stream whose items are dropped:
 * `concurrently([s, dead], { outputIndexes: [0] })`, the dead stream being a second copy of `s` through
 * `batch(n).flatten()`, optionally ending in a side effect `callActors(E, 'record')`, or a
 * `fromItems(…).batch(n)`), optionally a final `batch(n)`, and optionally an
 * `enqueue`/`dequeue` pair joined by
 * `concurrently(async, outputIndexes=[1])`. The queue join comes last because a `dequeue` never ends
 * by itself (as RLlib's `Dequeue`): a plan with one is run for the model's count of outputs, and
 * nothing in it may wait for the end of the stream.
 *
 * Provenance (how the suites check asynchronous plans): every actor-side chain ends with `tagOrigin`
 * (or `tagEach` for lists), which turns a number `v` into `{ k: 'A[1]', v }` on the actor that produced
 * it. Driver stages are *lifted* to act on `v` and keep `k`; the two copies of a `duplicate` append
 * `/0` and `/1` to `k`; merging a list (`merge`) joins its distinct keys with `+`. So `k` names the one
 * deterministic stream an item comes from: its actor (or its barrier round's actors), and its branch.
 * Items with the same key come out in the same relative order on every backend, whatever the timing;
 * only the interleaving of different keys may differ. To keep that true, the generator never lets a
 * driver `batch` regroup items, nor a driver `take` pick them, downstream of `gatherAsync` (there a
 * batch is always followed by `flatten`), and a final `batch` only ends plans whose whole output order
 * is deterministic.
 *
 * Stages that end a stream early (`take`, a transform that returns) run on actors and on the driver,
 * but not in the copies of a `duplicate` (see `normalize`).
 *
 * Work for the optimizer: every shard chain is at least two actor-side nodes (`fromActors` and the tag),
 * often more (`fuse`); `batch(1).flatten()` pairs are drawn often, and dead branches are often side-effect
 * free (`cleanup`); `gatherAsync` often has no `batchMs`, and `VectorCounter` groups declare vectorizable
 * work (`batch`).
 */
import fc from 'fast-check';
import { actors, concurrently, dequeue, fromActors, fromItems, fromIterable, queue, type ActorGroup, type ParStream, type Stream, type Weight } from '../dsl/index.js';
import { Counter, Echo, UnevenCounter, VectorCounter, double, failAt, isEven, pairUp, pairwiseSums, runningSum, scale, sumList, tagEach, tagOrigin, takeFirst, type Tagged } from './stages.js';

export type { Tagged };

/** An actor-side stage; each maps a stream of numbers to a stream of numbers (batches come in pairs). */
export type ActorOp =
  | { readonly op: 'double' }
  | { readonly op: 'scale'; readonly k: number }
  | { readonly op: 'isEven' }
  | { readonly op: 'pairUp' }
  | { readonly op: 'batchFlatten'; readonly n: number }
  | { readonly op: 'batchSum'; readonly n: number }
  | { readonly op: 'pairwiseSums' }
  | { readonly op: 'runningSum' }
  /** `transform(takeFirst.with(n))`: ends the shard after `n` items. */
  | { readonly op: 'take'; readonly n: number };

interface GroupBase {
  /** Group name: `A`, and `B` for the second group of a union. */
  readonly name: string;
  readonly count: number;
  readonly start: number;
  readonly ops: readonly ActorOp[];
  /** Ends the shard chain with `batch(n)`: the gather then sees lists. */
  readonly endBatch: number | undefined;
}

/** `Counter`: every actor yields `limit` items, actor `i` sleeping `delays[i % len]` ms before each. */
export interface CounterGroup extends GroupBase {
  readonly actor: 'Counter';
  readonly limit: number;
  readonly delays: readonly number[];
}

/** `UnevenCounter`: actor `i` yields `limits[i % len]` items; per-item delays. */
export interface UnevenGroup extends GroupBase {
  readonly actor: 'UnevenCounter';
  readonly limits: readonly number[];
  readonly delays: readonly number[];
}

/**
 * `VectorCounter` with `vectorizable: { what: 'counting', items: rows, cost: 'policyForward' }`: every
 * actor yields `limit` items, computed `vectorBatch` rows per call, sleeping `delayMs` per call.
 */
export interface VectorGroup extends GroupBase {
  readonly actor: 'VectorCounter';
  readonly limit: number;
  readonly rows: number;
  readonly delayMs: number;
}

/** An actor group of a generated plan: one of the deterministic counter actors. */
export type GroupDesc = CounterGroup | UnevenGroup | VectorGroup;

/** How a generated plan gathers its actor shards to the driver: `gatherSync`, `batchAcrossShards` or `gatherAsync`. */
export type GatherDesc =
  | { readonly kind: 'gatherSync' }
  | { readonly kind: 'batchAcrossShards' }
  /** `batchMs` undefined: one item per reply (the `batch` pass may choose a window). */
  | { readonly kind: 'gatherAsync'; readonly inFlight: number; readonly batchMs: number | undefined };

/** Removes one level of lists after a gather: `flatten`, or `merge` (all levels into one item). */
export type Unpack = 'flatten' | 'merge';

/** A driver-side stage, lifted to tagged items (it acts on `v` and keeps `k`). */
export type DriverOp =
  | { readonly op: 'map'; readonly a: number; readonly b: number }
  | { readonly op: 'filter'; readonly m: number; readonly r: number }
  | { readonly op: 'combine'; readonly n: number }
  | { readonly op: 'batchFlatten'; readonly n: number }
  | { readonly op: 'batchMerge'; readonly n: number }
  /** A transform that yields the first `n` items and returns (only where the order is fixed). */
  | { readonly op: 'take'; readonly n: number }
  /**
   * `callActor(E, 'echo', { keepSource })` on the plan's `Echo` group (round-robin; the reply is the
   * item), then `then`: nothing, `zipWithSourceActor()` (the pair unpacked back to the item), or
   * `callSourceActor('record')`. With `keepSource` a plain `callActor(E, 'echo')` comes first, so the
   * item has a source actor to keep (items of `fromItems` or `batchAcrossShards` have none) and that
   * source has a `record` method.
   */
  | { readonly op: 'callActor'; readonly keepSource: boolean; readonly then: 'none' | 'zip' | 'replySource' }
  /** `callActors(E, 'record', { wait })`: a broadcast side effect; the item passes on. */
  | { readonly op: 'callActors'; readonly wait: boolean };

/** The source of a generated plan: actor groups (with their shard chains, gather and unpacking), or `fromItems`. */
export type SourceDesc =
  | { readonly kind: 'actors'; readonly groups: readonly GroupDesc[]; readonly gather: GatherDesc; readonly unpack: readonly Unpack[] }
  | { readonly kind: 'items'; readonly items: readonly number[] }
  /** `fromIterable(() => items)`: the same items as `fromItems`, from a driver closure. */
  | { readonly kind: 'iterable'; readonly items: readonly number[] };

/** `s.duplicate(n)` (n = branches.length, 2..4), each copy through its own driver chain, joined by `concurrently`. */
export interface SplitDesc {
  readonly mode: 'roundRobin' | 'async';
  readonly maxSkew: number;
  /** roundRobin weights, one per branch, `'*'` included (never all `'*'`; unused by async). */
  readonly weights: readonly Weight[];
  readonly branches: readonly (readonly DriverOp[])[];
}

/**
 * A stream whose items are dropped, run next to the plan's stream by
 * `concurrently([s, dead], { mode, outputIndexes: [0] })`: a second copy of `s` (`s.duplicate(2)`)
 * through `batch(n).flatten()` pairs, or `fromItems(items).batch(n)`. With `record`, the copy ends in `callActors(E, 'record')`, a side effect no pass may drop.
 */
export type DeadBranchDesc =
  /** `record`: the dead copy ends with `callActors(E, 'record')`, a side effect no pass may drop. */
  | { readonly kind: 'copy'; readonly mode: 'roundRobin' | 'async'; readonly maxSkew: number; readonly batches: readonly number[]; readonly record?: boolean }
  | { readonly kind: 'items'; readonly mode: 'roundRobin' | 'async'; readonly items: readonly number[]; readonly batch: number };

/**
 * A generated plan as plain data (fast-check can shrink and print it): its source, driver stages and optional
 * split, dead branch, final batch and queue join. Build it with `build`, predict its outputs with `expected`.
 */
export interface PlanDesc {
  readonly source: SourceDesc;
  readonly driver: readonly DriverOp[];
  /**
   * An enqueue/dequeue pair of this capacity at the end of the plan, joined by
   * concurrently(async, outputIndexes=[1]).
   */
  readonly queue: { readonly capacity: number } | undefined;
  readonly split: SplitDesc | undefined;
  /** Joined right after the driver stages (before the split). */
  readonly deadBranch?: DeadBranchDesc | undefined;
  /** A final driver `batch(n)` (only when the whole output order is deterministic). */
  readonly finalBatch: number | undefined;
  /**
   * The error path: a driver-side `forEach(failAt.with(k))` after the driver stages and the dead branch,
   * which throws on its k-th item (1-based). Only in plans without split, queue or final batch, and only
   * when the model's plan has at least k items (so every run must fail). The plan then must fail on
   * every backend and after every pass, having delivered `k - 1` items (see `expected`'s `failsAfter`).
   */
  readonly failAt?: number | undefined;
}

// ---------------------------------------------------------------------------------------------------
// Classification

/** Whether items from different actors reach the driver in an order fixed by the plan alone. */
export function gatherIsOrdered(desc: PlanDesc): boolean {
  return desc.source.kind !== 'actors' || desc.source.gather.kind !== 'gatherAsync';
}

/**
 * Whether the whole output sequence is fixed by the plan (and its seed): no `gatherAsync` and no async
 * `concurrently` of duplicate copies. (The queue join is async too, but only one of its streams is
 * emitted and the queue is FIFO, so it keeps the order.) Other plans are checked as a multiset with
 * per-key order kept. A `'*'` round-robin weight pulls "whatever is ready", so it makes the order
 * depend on timing too.
 */
export function isOrdered(desc: PlanDesc): boolean {
  return gatherIsOrdered(desc) && desc.split?.mode !== 'async' && !desc.split?.weights.includes('*');
}

/** Number of actors a plan starts. */
export function actorCount(desc: PlanDesc): number {
  return desc.source.kind === 'actors' ? desc.source.groups.reduce((n, g) => n + g.count, 0) : 0;
}

/** Items (and rows) every actor of a group yields: `Counter` and `VectorCounter` yield `limit` each. */
function limitOf(g: GroupDesc, index: number): number {
  return g.actor === 'UnevenCounter' ? g.limits[index % g.limits.length]! : g.limit;
}

// ---------------------------------------------------------------------------------------------------
// Driver-side functions (shared by build() and the model, so both compute exactly the same values)

function lift(op: DriverOp & { op: 'map' }): (t: Tagged) => Tagged {
  return (t) => ({ k: t.k, v: op.a * t.v + op.b });
}

function keep(op: DriverOp & { op: 'filter' }): (t: Tagged) => boolean {
  return (t) => ((t.v % op.m) + op.m) % op.m === op.r;
}

function spread(op: DriverOp & { op: 'combine' }): (t: Tagged) => Tagged[] {
  return (t) => Array.from({ length: op.n }, (_, i) => ({ k: t.k, v: t.v + i }));
}

/** Merges (nested) lists of tagged items into one: distinct keys joined by `+`, values summed. */
export function merge(x: unknown): Tagged {
  const flat = (x as unknown[]).flat(Infinity) as Tagged[];
  const keys: string[] = [];
  for (const t of flat) if (!keys.includes(t.k)) keys.push(t.k);
  return { k: keys.join('+'), v: flat.reduce((s, t) => s + t.v, 0) };
}

/** Driver-side `take`: the first `n` items, then the transform returns. */
function takeDriver(n: number): (items: AsyncIterable<Tagged>) => AsyncIterable<Tagged> {
  return async function* take(items) {
    if (n <= 0) return;
    let taken = 0;
    for await (const t of items) {
      yield t;
      if (++taken >= n) return;
    }
  };
}

function mark(branch: number): (t: Tagged) => Tagged {
  return (t) => ({ k: `${t.k}/${branch}`, v: t.v });
}

// ---------------------------------------------------------------------------------------------------
// Arbitraries

/** Options of `planArbitrary`: how large the generated plans may be. */
export interface PlanArbitraryOptions {
  /** Most actors in one group (default 3). The farm starts a process per actor, so keep it small there. */
  readonly maxActorsPerGroup?: number;
  /** Most items per actor (default 6). */
  readonly maxItems?: number;
  /**
   * Also generate error paths (`failAt`, see PlanDesc) in a modest fraction of the plans (default false;
   * `passSpec` turns it on, and compares what failing plans deliver before the error).
   */
  readonly errors?: boolean;
}

const actorOpArb: fc.Arbitrary<ActorOp> = fc.oneof(
  fc.constant({ op: 'double' as const }),
  fc.record({ op: fc.constant('scale' as const), k: fc.integer({ min: -2, max: 3 }) }),
  fc.constant({ op: 'isEven' as const }),
  fc.constant({ op: 'pairUp' as const }),
  // Often 1: a batch(1) → flatten pair is a no-op that `cleanup` removes.
  fc.record({ op: fc.constant('batchFlatten' as const), n: fc.constantFrom(1, 1, 2, 3) }),
  fc.record({ op: fc.constant('batchSum' as const), n: fc.integer({ min: 1, max: 3 }) }),
  fc.constant({ op: 'pairwiseSums' as const }),
  fc.constant({ op: 'runningSum' as const }),
  fc.record({ op: fc.constant('take' as const), n: fc.integer({ min: 0, max: 3 }) }),
);

const driverOpArb: fc.Arbitrary<DriverOp> = fc.oneof(
  fc.record({ op: fc.constant('map' as const), a: fc.constantFrom(-1, 1, 2, 3), b: fc.integer({ min: -3, max: 3 }) }),
  fc.integer({ min: 2, max: 3 }).chain((m) => fc.record({ op: fc.constant('filter' as const), m: fc.constant(m), r: fc.integer({ min: 0, max: m - 1 }) })),
  fc.record({ op: fc.constant('combine' as const), n: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ op: fc.constant('batchFlatten' as const), n: fc.constantFrom(1, 1, 2, 4) }),
  fc.record({ op: fc.constant('batchMerge' as const), n: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ op: fc.constant('take' as const), n: fc.integer({ min: 0, max: 4 }) }),
  fc.record({ op: fc.constant('callActor' as const), keepSource: fc.boolean(), then: fc.constantFrom('none' as const, 'zip' as const, 'replySource' as const) }),
  fc.record({ op: fc.constant('callActors' as const), wait: fc.boolean() }),
);

const delaysArb = fc.array(fc.constantFrom(0, 0, 1, 2, 3), { minLength: 1, maxLength: 3 });

function groupArb(name: string, o: Required<PlanArbitraryOptions>): fc.Arbitrary<GroupDesc> {
  const base = {
    name: fc.constant(name),
    count: fc.integer({ min: 1, max: o.maxActorsPerGroup }),
    start: fc.integer({ min: -5, max: 20 }),
    ops: fc.array(actorOpArb, { maxLength: 4 }),
    endBatch: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined, freq: 4 }),
  };
  const counter: fc.Arbitrary<GroupDesc> = fc.record({ ...base, actor: fc.constant('Counter' as const), limit: fc.integer({ min: 0, max: o.maxItems }), delays: delaysArb });
  const uneven: fc.Arbitrary<GroupDesc> = fc.record({
    ...base,
    actor: fc.constant('UnevenCounter' as const),
    limits: fc.array(fc.integer({ min: 0, max: o.maxItems }), { minLength: 1, maxLength: 3 }),
    delays: delaysArb,
  });
  const vector: fc.Arbitrary<GroupDesc> = fc.record({
    ...base,
    actor: fc.constant('VectorCounter' as const),
    limit: fc.integer({ min: 0, max: o.maxItems }),
    rows: fc.integer({ min: 1, max: 4 }),
    delayMs: fc.constantFrom(0, 1, 2),
  });
  return fc.oneof(counter, uneven, vector);
}

const gatherArb: fc.Arbitrary<GatherDesc> = fc.oneof(
  fc.constant({ kind: 'gatherSync' as const }),
  fc.constant({ kind: 'batchAcrossShards' as const }),
  fc.record({ kind: fc.constant('gatherAsync' as const), inFlight: fc.integer({ min: 1, max: 3 }), batchMs: fc.constantFrom(undefined, undefined, 0, 2, 5) }),
);

/**
 * Generates valid plan descriptions. Raw draws are normalized by `normalize` (a `map`, so shrinking
 * still works) into the plan that is actually built: only the unpack steps that are needed, no
 * regrouping batch where the order is not deterministic, one list depth for both groups of a union.
 */
export function planArbitrary(options: PlanArbitraryOptions = {}): fc.Arbitrary<PlanDesc> {
  const o: Required<PlanArbitraryOptions> = { maxActorsPerGroup: options.maxActorsPerGroup ?? 3, maxItems: options.maxItems ?? 6, errors: options.errors ?? false };
  const actorsSource = fc.record({
    kind: fc.constant('actors' as const),
    groups: fc.oneof({ weight: 3, arbitrary: fc.tuple(groupArb('A', o)) }, { weight: 1, arbitrary: fc.tuple(groupArb('A', o), groupArb('B', o)) }),
    gather: gatherArb,
    unpack: fc.array(fc.constantFrom<Unpack>('flatten', 'merge'), { minLength: 2, maxLength: 2 }),
  });
  const itemsSource = fc.record({ kind: fc.constantFrom('items' as const, 'iterable' as const), items: fc.array(fc.integer({ min: -20, max: 20 }), { maxLength: 8 }) });
  const split: fc.Arbitrary<SplitDesc> = fc.integer({ min: 2, max: 4 }).chain((n) =>
    fc.record({
      mode: fc.constantFrom('roundRobin' as const, 'async' as const),
      maxSkew: fc.integer({ min: 1, max: 3 }),
      weights: fc.array(fc.constantFrom<Weight>(1, 2, 3, 0.5, 1.5, '*'), { minLength: n, maxLength: n }),
      branches: fc.array(fc.array(driverOpArb, { maxLength: 3 }), { minLength: n, maxLength: n }),
    }),
  );
  const mode = fc.constantFrom('roundRobin' as const, 'async' as const);
  const deadBranch: fc.Arbitrary<DeadBranchDesc> = fc.oneof(
    fc.record({ kind: fc.constant('copy' as const), mode, maxSkew: fc.integer({ min: 1, max: 3 }), batches: fc.array(fc.constantFrom(1, 1, 2), { maxLength: 2 }), record: fc.boolean() }),
    fc.record({ kind: fc.constant('items' as const), mode, items: fc.array(fc.integer({ min: -9, max: 9 }), { maxLength: 4 }), batch: fc.integer({ min: 1, max: 2 }) }),
  );
  const plans = fc
    .record({
      source: fc.oneof({ weight: 6, arbitrary: actorsSource }, { weight: 1, arbitrary: itemsSource }),
      driver: fc.array(driverOpArb, { maxLength: 4 }),
      queue: fc.option(fc.record({ capacity: fc.integer({ min: 1, max: 3 }) }), { nil: undefined, freq: 3 }),
      split: fc.option(split, { nil: undefined, freq: 2 }),
      deadBranch: fc.option(deadBranch, { nil: undefined, freq: 3 }),
      finalBatch: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined, freq: 4 }),
      // The error path, in a modest fraction of the draws (normalize keeps it only where it applies).
      failAt: o.errors ? fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 4 }) }) : fc.constant(undefined),
    })
    .map(normalize);
  // A plan with no output passes every check trivially: keep only about 1 in 10 of those (a third of
  // the raw draws produce nothing, e.g. an early take(0) or a filter that drops everything).
  return fc
    .tuple(plans, fc.integer({ min: 0, max: 9 }))
    .filter(([desc, lottery]) => lottery === 0 || expected(desc).count > 0)
    .map(([desc]) => desc);
}

/** Makes a raw draw valid (see planArbitrary). Idempotent. */
export function normalize(desc: PlanDesc): PlanDesc {
  let source = desc.source;
  if (source.kind === 'actors') {
    const [first, ...rest] = source.groups;
    // Both groups of a union end at the same list depth, so the gather's items have one shape.
    const groups = [first!, ...rest.map((g) => ({ ...g, endBatch: first!.endBatch === undefined ? undefined : (g.endBatch ?? first!.endBatch) }))];
    const levels = (first!.endBatch !== undefined ? 1 : 0) + (source.gather.kind === 'batchAcrossShards' ? 1 : 0);
    const unpack: Unpack[] = [];
    for (const u of source.unpack.slice(0, levels)) {
      unpack.push(u);
      if (u === 'merge') break;
    }
    while (unpack.length < levels && !unpack.includes('merge')) unpack.push('flatten');
    source = { ...source, groups, unpack };
  }
  const ordered = source.kind !== 'actors' || source.gather.kind !== 'gatherAsync';
  // Downstream of gatherAsync, a batch must not regroup items and a take must not pick them (the
  // groups and the picks would depend on timing).
  const safe = (ops: readonly DriverOp[]): DriverOp[] =>
    ordered ? [...ops] : ops.filter((op) => op.op !== 'take').map((op) => (op.op === 'batchMerge' ? { op: 'batchFlatten', n: op.n } : op));
  // NOTE: no take in the copies of a duplicate: a copy that stops pulling holds its sibling back
  // (duplicate keeps copies within maxSkew items, as RLlib's does), so the plan would be stuck.
  const noTake = (ops: readonly DriverOp[]): DriverOp[] => ops.filter((op) => op.op !== 'take');
  // Never all '*' (as RLlib requires): some stream must take a bounded turn.
  const weights = desc.split && (desc.split.weights.every((w) => w === '*') ? desc.split.weights.map((w, i) => (i === 0 ? 1 : w)) : desc.split.weights);
  const split = desc.split && { ...desc.split, weights: weights!, branches: desc.split.branches.map((b) => noTake(safe(b))) };
  const out: PlanDesc = { source, driver: safe(desc.driver), queue: desc.queue, split, deadBranch: desc.deadBranch, finalBatch: desc.finalBatch };
  const final: PlanDesc = { ...out, finalBatch: isOrdered(out) ? desc.finalBatch : undefined };
  // failAt only where the items before the error are well defined: a plan drawn with failAt loses its
  // split, queue and final batch, and keeps failAt only when it has at least k items, so every run must fail.
  if (desc.failAt === undefined) return final;
  const bare: PlanDesc = { ...final, split: undefined, queue: undefined, finalBatch: undefined };
  return expected(bare).count >= desc.failAt ? { ...bare, failAt: desc.failAt } : final;
}

// ---------------------------------------------------------------------------------------------------
// Building the plan

function actorChain(group: GroupDesc): ParStream<Tagged> | ParStream<Tagged[]> {
  let s: ParStream<number>;
  switch (group.actor) {
    case 'Counter':
      s = fromActors(actors(Counter, { name: group.name, count: group.count, args: [group.start, group.limit, [...group.delays]] }));
      break;
    case 'UnevenCounter':
      s = fromActors(actors(UnevenCounter, { name: group.name, count: group.count, args: [group.start, [...group.limits], [...group.delays]] }));
      break;
    case 'VectorCounter':
      s = fromActors(
        actors(VectorCounter, {
          name: group.name,
          count: group.count,
          args: [group.start, group.limit, group.rows, group.delayMs],
          vectorizable: { what: 'counting', items: group.rows, cost: 'policyForward' },
        }),
      );
      break;
  }
  for (const op of group.ops) {
    switch (op.op) {
      case 'double':
        s = s.forEach(double);
        break;
      case 'scale':
        s = s.forEach(scale.with(op.k));
        break;
      case 'isEven':
        s = s.filter(isEven);
        break;
      case 'pairUp':
        s = s.combine(pairUp);
        break;
      case 'batchFlatten':
        s = s.batch(op.n).flatten();
        break;
      case 'batchSum':
        s = s.batch(op.n).forEach(sumList);
        break;
      case 'pairwiseSums':
        s = s.transform(pairwiseSums);
        break;
      case 'runningSum':
        s = s.forEach(runningSum.with());
        break;
      case 'take':
        s = s.transform(takeFirst.with(op.n));
        break;
    }
  }
  return group.endBatch === undefined ? s.forEach(tagOrigin) : s.batch(group.endBatch).forEach(tagEach);
}

/** The `Echo` group the call stages of one built plan talk to. */
type EchoGroup = ActorGroup<InstanceType<(typeof Echo)['ctor']>, []>;

function applyDriver(s: Stream<Tagged>, ops: readonly DriverOp[], echo: () => EchoGroup): Stream<Tagged> {
  for (const op of ops) {
    switch (op.op) {
      case 'map':
        s = s.forEach(lift(op));
        break;
      case 'filter':
        s = s.filter(keep(op));
        break;
      case 'combine':
        s = s.combine(spread(op));
        break;
      case 'batchFlatten':
        s = s.batch(op.n).flatten();
        break;
      case 'batchMerge':
        s = s.batch(op.n).forEach(merge);
        break;
      case 'take':
        s = s.transform(takeDriver(op.n));
        break;
      case 'callActor': {
        let c = s;
        if (op.keepSource) c = c.callActor(echo(), 'echo', { out: 'Tagged' }) as Stream<Tagged>;
        c = c.callActor(echo(), 'echo', { keepSource: op.keepSource, out: 'Tagged' }) as Stream<Tagged>;
        if (op.then === 'zip') c = c.zipWithSourceActor().forEach(([, t]) => t);
        else if (op.then === 'replySource') c = c.callSourceActor('record', { wait: true });
        s = c;
        break;
      }
      case 'callActors':
        s = s.callActors(echo(), 'record', { wait: op.wait });
        break;
    }
  }
  return s;
}

/** `concurrently([s, dead], { outputIndexes: [0] })`: the dead stream runs, its items are dropped. */
function joinDeadBranch(s: Stream<Tagged>, dead: DeadBranchDesc, echo: () => EchoGroup): Stream<Tagged> {
  let live: Stream<Tagged> = s;
  let other: Stream<unknown>;
  if (dead.kind === 'copy') {
    const [c0, c1] = s.duplicate(2, { maxSkew: dead.maxSkew });
    live = c0!;
    let d: Stream<Tagged> = c1!;
    for (const n of dead.batches) d = d.batch(n).flatten();
    other = dead.record ? d.callActors(echo(), 'record', { wait: true }) : d;
  } else {
    other = fromItems([...dead.items]).batch(dead.batch);
  }
  return concurrently([live, other], { mode: dead.mode, outputIndexes: [0] }) as Stream<Tagged>;
}

/** Builds the plan a description stands for. Each call creates fresh groups, queues and closures. */
export function build(desc: PlanDesc): Stream<Tagged> | Stream<Tagged[]> {
  let s: Stream<Tagged>;
  let group: EchoGroup | undefined;
  const echo = (): EchoGroup => (group ??= actors(Echo, { name: 'E', count: 2 }) as unknown as EchoGroup);
  if (desc.source.kind === 'items') {
    s = fromItems(desc.source.items.map((v): Tagged => ({ k: 'items', v })), { type: 'Tagged' });
  } else if (desc.source.kind === 'iterable') {
    const items = desc.source.items.map((v): Tagged => ({ k: 'items', v }));
    s = fromIterable(() => items, { type: 'Tagged' });
  } else {
    const [first, ...rest] = desc.source.groups.map(actorChain);
    const par = (rest as ParStream<Tagged>[]).reduce((acc: ParStream<Tagged>, p) => acc.union(p), first as ParStream<Tagged>);
    const gather = desc.source.gather;
    let g: Stream<unknown> =
      gather.kind === 'gatherSync' ? par.gatherSync() : gather.kind === 'batchAcrossShards' ? par.batchAcrossShards() : par.gatherAsync({ inFlight: gather.inFlight, batchMs: gather.batchMs });
    for (const u of desc.source.unpack) g = u === 'flatten' ? (g as Stream<unknown[]>).flatten() : g.forEach(merge);
    s = g as Stream<Tagged>;
  }
  s = applyDriver(s, desc.driver, echo);
  if (desc.deadBranch) s = joinDeadBranch(s, desc.deadBranch, echo);
  if (desc.failAt !== undefined) s = s.forEach(failAt.with(desc.failAt)) as Stream<Tagged>;
  if (desc.split) {
    const { mode, maxSkew, weights, branches } = desc.split;
    const copies = s.duplicate(branches.length, { maxSkew });
    const outs = copies.map((c, i) => applyDriver(c.forEach(mark(i)), branches[i]!, echo));
    s = concurrently(outs, mode === 'roundRobin' ? { mode, weights } : { mode });
  }
  const out: Stream<unknown> = desc.finalBatch === undefined ? s : s.batch(desc.finalBatch);
  if (!desc.queue) return out as Stream<Tagged> | Stream<Tagged[]>;
  // Last, because nothing may wait for the end of a dequeue: it never ends by itself.
  const q = queue<unknown>('q', { capacity: desc.queue.capacity });
  return concurrently([out.enqueue(q), dequeue(q)], { mode: 'async', outputIndexes: [1] }) as Stream<Tagged> | Stream<Tagged[]>;
}

// ---------------------------------------------------------------------------------------------------
// Pretty-printing

function actorOpCode(op: ActorOp): string {
  switch (op.op) {
    case 'double':
      return '.forEach(double)';
    case 'scale':
      return `.forEach(scale.with(${op.k}))`;
    case 'isEven':
      return '.filter(isEven)';
    case 'pairUp':
      return '.combine(pairUp)';
    case 'batchFlatten':
      return `.batch(${op.n}).flatten()`;
    case 'batchSum':
      return `.batch(${op.n}).forEach(sumList)`;
    case 'pairwiseSums':
      return '.transform(pairwiseSums)';
    case 'runningSum':
      return '.forEach(runningSum.with())';
    case 'take':
      return `.transform(takeFirst.with(${op.n}))`;
  }
}

function driverOpCode(op: DriverOp): string {
  switch (op.op) {
    case 'map':
      return `.forEach(v => ${op.a} * v + ${op.b})`;
    case 'filter':
      return `.filter(v => v mod ${op.m} == ${op.r})`;
    case 'combine':
      return `.combine(v => [${Array.from({ length: op.n }, (_, i) => (i ? `v + ${i}` : 'v')).join(', ')}])`;
    case 'batchFlatten':
      return `.batch(${op.n}).flatten()`;
    case 'batchMerge':
      return `.batch(${op.n}).forEach(merge)`;
    case 'take':
      return `.transform(take(${op.n}))`;
    case 'callActor': {
      const then = op.then === 'zip' ? '.zipWithSourceActor().forEach(([, t]) => t)' : op.then === 'replySource' ? ".callSourceActor('record', { wait: true })" : '';
      return `${op.keepSource ? ".callActor(E, 'echo')" : ''}.callActor(E, 'echo'${op.keepSource ? ', { keepSource: true }' : ''})${then}`;
    }
    case 'callActors':
      return `.callActors(E, 'record', { wait: ${op.wait} })`;
  }
}

/** DSL-like code for a description (driver stages written on `v`; every item also carries its key). */
export function describePlan(desc: PlanDesc): string {
  const lines: string[] = [];
  let expr: string;
  if (desc.source.kind !== 'actors') {
    expr = `${desc.source.kind === 'items' ? 'fromItems(' : 'fromIterable(() => '}${JSON.stringify(desc.source.items)})`;
  } else {
    for (const g of desc.source.groups) {
      const args = g.actor === 'Counter' ? [g.start, g.limit, g.delays] : g.actor === 'UnevenCounter' ? [g.start, g.limits, g.delays] : [g.start, g.limit, g.rows, g.delayMs];
      const vectorizable = g.actor === 'VectorCounter' ? `, vectorizable: { what: 'counting', items: ${g.rows}, cost: 'policyForward' }` : '';
      lines.push(`const ${g.name} = actors(${g.actor}, { count: ${g.count}, args: ${JSON.stringify(args)}${vectorizable} });`);
    }
    const chains = desc.source.groups.map(
      (g) => `fromActors(${g.name})${g.ops.map(actorOpCode).join('')}${g.endBatch === undefined ? '.forEach(tagOrigin)' : `.batch(${g.endBatch}).forEach(tagEach)`}`,
    );
    const gather = desc.source.gather;
    const gatherCode =
      gather.kind === 'gatherAsync' ? `.gatherAsync({ inFlight: ${gather.inFlight}${gather.batchMs === undefined ? '' : `, batchMs: ${gather.batchMs}`} })` : `.${gather.kind}()`;
    expr = `${chains[0]}${chains.slice(1).map((c) => `\n  .union(${c})`).join('')}\n  ${gatherCode}${desc.source.unpack.map((u) => (u === 'flatten' ? '.flatten()' : '.forEach(merge)')).join('')}`;
  }
  expr += desc.driver.map(driverOpCode).join('');
  lines.push(`let s = ${expr};`);
  const dead = desc.deadBranch;
  if (dead?.kind === 'copy') {
    lines.push(`const [live, dead] = s.duplicate(2, { maxSkew: ${dead.maxSkew} });`);
    lines.push(`s = concurrently([live, dead${dead.batches.map((n) => `.batch(${n}).flatten()`).join('')}${dead.record ? ".callActors(E, 'record', { wait: true })" : ''}], { mode: '${dead.mode}', outputIndexes: [0] });`);
  } else if (dead?.kind === 'items') {
    lines.push(`s = concurrently([s, fromItems(${JSON.stringify(dead.items)}).batch(${dead.batch})], { mode: '${dead.mode}', outputIndexes: [0] });`);
  }
  if (desc.failAt !== undefined) lines.push(`s = s.forEach(failAt.with(${desc.failAt})); // throws on item ${desc.failAt}`);
  if (desc.split) {
    const { mode, maxSkew, weights, branches } = desc.split;
    const names = branches.map((_, i) => `c${i}`);
    lines.push(`const [${names.join(', ')}] = s.duplicate(${branches.length}, { maxSkew: ${maxSkew} });`);
    const opts = mode === 'roundRobin' ? `{ mode: 'roundRobin', weights: ${JSON.stringify(weights)} }` : `{ mode: 'async' }`;
    lines.push(`s = concurrently([${branches.map((b, i) => `c${i}.forEach(mark(${i}))${b.map(driverOpCode).join('')}`).join(', ')}], ${opts});`);
  }
  if (desc.finalBatch !== undefined) lines.push(`s = s.batch(${desc.finalBatch});`);
  if (desc.queue) {
    lines.push(`const q = queue('q', { capacity: ${desc.queue.capacity} });`);
    lines.push(`s = concurrently([s.enqueue(q), dequeue(q)], { mode: 'async', outputIndexes: [1] });`);
  }
  lines.push(`// ${isOrdered(desc) ? 'ordered: exact output sequence' : 'unordered: multiset, per-key order'}; ${actorCount(desc)} actor(s)`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------
// The reference model

/** What the model predicts for a plan. */
export interface Expected {
  /**
   * The output before the final batch: exactly in output order when `exact`, otherwise in some order
   * that keeps the relative order of each key.
   */
  readonly items: readonly Tagged[];
  /** Whether `items` is the exact output order. */
  readonly exact: boolean;
  /** Number of outputs the plan produces (after the final batch); for a failing plan, before failAt. */
  readonly count: number;
  /** For a plan with `failAt = k`: the plan fails after delivering exactly this many items (k - 1). */
  readonly failsAfter?: number;
}

function chunks<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

function modelActorOp(xs: number[], op: ActorOp): number[] {
  switch (op.op) {
    case 'double':
      return xs.map((x) => x * 2);
    case 'scale':
      return xs.map((x) => x * op.k);
    case 'isEven':
      return xs.filter((x) => x % 2 === 0);
    case 'pairUp':
      return xs.flatMap((x) => [x, -x]);
    case 'batchFlatten':
      return xs;
    case 'batchSum':
      return chunks(xs, op.n).map((c) => c.reduce((a, b) => a + b, 0));
    case 'pairwiseSums':
      return xs.slice(1).map((x, i) => xs[i]! + x);
    case 'runningSum': {
      let sum = 0;
      return xs.map((x) => (sum += x));
    }
    case 'take':
      return xs.slice(0, Math.max(0, op.n));
  }
}

/** Each shard's tagged items (Tagged, or Tagged[] when the chain ends with a batch), in shard order. */
function modelShards(groups: readonly GroupDesc[]): unknown[][] {
  return groups.flatMap((g) =>
    Array.from({ length: g.count }, (_, i) => {
      const limit = limitOf(g, i);
      let xs = Array.from({ length: limit }, (_, k) => g.start + i * 1000 + k);
      for (const op of g.ops) xs = modelActorOp(xs, op);
      const tag = (v: number): Tagged => ({ k: `${g.name}[${i}]`, v });
      return g.endBatch === undefined ? xs.map(tag) : chunks(xs, g.endBatch).map((c) => c.map(tag));
    }),
  );
}

function modelDriver(items: Tagged[], ops: readonly DriverOp[]): Tagged[] {
  for (const op of ops) {
    switch (op.op) {
      case 'map':
        items = items.map(lift(op));
        break;
      case 'filter':
        items = items.filter(keep(op));
        break;
      case 'combine':
        items = items.flatMap(spread(op));
        break;
      case 'batchFlatten':
        break;
      case 'batchMerge':
        items = chunks(items, op.n).map(merge);
        break;
      case 'take':
        items = items.slice(0, Math.max(0, op.n));
        break;
      case 'callActor':
      case 'callActors':
        // Echo replies with the item; record passes it on.
        break;
    }
  }
  return items;
}

/** The model: what a plan outputs, computed from the description alone. */
export function expected(desc: PlanDesc): Expected {
  let items: Tagged[];
  let exact = true;
  if (desc.source.kind !== 'actors') {
    items = desc.source.items.map((v) => ({ k: 'items', v }));
  } else {
    const shards = modelShards(desc.source.groups);
    const longest = Math.max(0, ...shards.map((s) => s.length));
    const rounds = Array.from({ length: longest }, (_, r) => shards.filter((s) => s.length > r).map((s) => s[r]));
    let gathered: unknown[];
    switch (desc.source.gather.kind) {
      case 'gatherSync':
        gathered = rounds.flat(1);
        break;
      case 'batchAcrossShards':
        gathered = rounds;
        break;
      case 'gatherAsync':
        // Completion order varies; concatenating the shards keeps each shard's (each key's) order.
        gathered = shards.flat(1);
        exact = false;
        break;
    }
    for (const u of desc.source.unpack) gathered = u === 'flatten' ? gathered.flat(1) : gathered.map(merge);
    items = gathered as Tagged[];
  }
  items = modelDriver(items, desc.driver);
  // A dead branch changes nothing: only stream 0 (the plan's own) is emitted, in its order.
  if (desc.split) {
    // Branch outputs interleave by turns (roundRobin) or by timing (async): keep each branch's order.
    const input = items;
    items = desc.split.branches.flatMap((b, i) => modelDriver(input.map(mark(i)), b));
    exact = false;
  }
  const count = desc.finalBatch === undefined ? items.length : Math.ceil(items.length / desc.finalBatch);
  return desc.failAt === undefined ? { items, exact, count } : { items, exact, count, failsAfter: desc.failAt - 1 };
}

/** Groups items by key, keeping each key's order. */
export function byKey(items: readonly Tagged[]): Map<string, number[]> {
  const m = new Map<string, number[]>();
  for (const t of items) {
    const vs = m.get(t.k) ?? [];
    vs.push(t.v);
    m.set(t.k, vs);
  }
  return new Map([...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
