/**
 * Deterministic actors and actor-side stages of the generated plans (plans.ts). They live in a module of
 * their own, free of import side effects, because farm worker processes import it by module URL to load
 * them (a user's pass is checked on the farm backend with the very same stages).
 *
 * Provenance: plans tag every item with the actor it came from (`tagOrigin` / `tagEach`, appended as the
 * last actor-side stage of every shard), so that asynchronous plans can be compared per source without
 * relying on the runtime's own source tracking.
 */
import { actorClass, actorStage, actorStageFactory } from '../dsl/index.js';
import type { ActorContext, ActorStageContext } from '../ir/contract.js';

/** An item tagged with its provenance key `k` (e.g. `A[1]`, `A[0]+B[0]`, `A[1]/0`) and its value `v`. */
export interface Tagged {
  readonly k: string;
  readonly v: number;
}

/** Actor `i` yields `start + i * 1000 + k` for `k < limit`, sleeping `delays[i % delays.length]` ms before each. */
export const Counter = actorClass(
  import.meta.url,
  class Counter {
    constructor(
      readonly ctx: ActorContext,
      readonly start = 0,
      readonly limit = 3,
      readonly delays: number[] = [0],
    ) {}
    async *items(): AsyncGenerator<number> {
      const d = this.delays[this.ctx.index % this.delays.length] ?? 0;
      for (let k = 0; k < this.limit; k++) {
        if (d > 0) await this.ctx.delay(d);
        yield this.start + this.ctx.index * 1000 + k;
      }
    }
  },
  { items: 'number' },
);

/**
 * Like `Counter`, but every actor has its own item count and every item its own delay: actor `i` yields
 * `start + i * 1000 + k` for `k < limits[i % limits.length]`, sleeping `delays[(i + k) % delays.length]`
 * ms before item `k`. Shards of one group therefore end at different rounds.
 */
export const UnevenCounter = actorClass(
  import.meta.url,
  class UnevenCounter {
    constructor(
      readonly ctx: ActorContext,
      readonly start = 0,
      readonly limits: number[] = [3],
      readonly delays: number[] = [0],
    ) {}
    async *items(): AsyncGenerator<number> {
      const i = this.ctx.index;
      const limit = this.limits[i % this.limits.length]!;
      for (let k = 0; k < limit; k++) {
        const d = this.delays[(i + k) % this.delays.length]!;
        if (d > 0) await this.ctx.delay(d);
        yield this.start + i * 1000 + k;
      }
    }
  },
  { items: 'number' },
);

/**
 * A counter with vectorizable work (declare it with `vectorizable: { items: rows, … }`): it computes its
 * items `ctx.vectorBatch` rows per "call" (one `delayMs` sleep per call, as one policy forward pass
 * serves many env copies), so the `batch` pass changes its timing but never its output: actor `i` yields
 * `start + i * 1000 + k` for `k < limit`, whatever the rows per call.
 */
export const VectorCounter = actorClass(
  import.meta.url,
  class VectorCounter {
    constructor(
      readonly ctx: ActorContext,
      readonly start = 0,
      readonly limit = 3,
      readonly rows = 1,
      readonly delayMs = 0,
    ) {}
    async *items(): AsyncGenerator<number> {
      // Undefined vectorBatch (no vectorizable declared): all rows in one call.
      const perCall = Math.max(1, this.ctx.vectorBatch ?? this.rows);
      for (let k = 0; k < this.limit; k += perCall) {
        if (this.delayMs > 0) await this.ctx.delay(this.delayMs);
        const rows = Array.from({ length: Math.min(perCall, this.limit - k) }, (_, j) => this.start + this.ctx.index * 1000 + k + j);
        yield* rows;
      }
    }
  },
  { items: 'number' },
);

/** Actor-side stage of the generated plans: doubles a number. */
export const double = actorStage(import.meta.url, (x: number) => x * 2, { in: 'number', out: 'number' });
/** Actor-side filter of the generated plans: keeps even numbers. */
export const isEven = actorStage(import.meta.url, (x: number) => x % 2 === 0, { in: 'number' });
/** Actor-side stage of the generated plans: maps `x` to the pair `[x, -x]`. */
export const pairUp = actorStage(import.meta.url, (x: number) => [x, -x], { in: 'number', out: 'number' });
/** Actor-side stage factory of the generated plans: `scale.with(k)` multiplies each number by `k`. */
export const scale = actorStageFactory(import.meta.url, (k: number) => (x: number) => x * k, { in: 'number', out: 'number' });
/** A stateful stage: the running sum of its shard's items (state per shard, so fusing must keep it). */
export const runningSum = actorStageFactory(
  import.meta.url,
  () => {
    let sum = 0;
    return (x: number) => (sum += x);
  },
  { in: 'number', out: 'number' },
);
/** A whole-stream transform: sums of neighbouring items (one fewer item than its input). */
export const pairwiseSums = actorStage(
  import.meta.url,
  async function* pairwiseSums(items: AsyncIterable<number>): AsyncGenerator<number> {
    let prev: number | undefined;
    for await (const x of items) {
      if (prev !== undefined) yield prev + x;
      prev = x;
    }
  },
  { in: 'number', out: 'number' },
);

/** Sums a list (after an actor-side `batch(n)`). */
export const sumList = actorStage(import.meta.url, (xs: number[]) => xs.reduce((a, b) => a + b, 0), { in: 'number[]', out: 'number' });

/** Tags a number with the actor it was produced on. */
export const tagOrigin = actorStage(
  import.meta.url,
  (v: number, ctx: ActorStageContext): Tagged => ({ k: `${ctx.actorContext.group}[${ctx.actorContext.index}]`, v }),
  { in: 'number', out: 'Tagged' },
);

/** Tags every number of a list with the actor it was produced on. */
export const tagEach = actorStage(
  import.meta.url,
  (vs: number[], ctx: ActorStageContext): Tagged[] => vs.map((v) => ({ k: `${ctx.actorContext.group}[${ctx.actorContext.index}]`, v })),
  { in: 'number[]', out: 'Tagged[]' },
);

/** A whole-stream transform that yields the first `n` items and then returns (ending its shard early). */
export const takeFirst = actorStageFactory(
  import.meta.url,
  (n: number) =>
    async function* takeFirst(items: AsyncIterable<number>): AsyncGenerator<number> {
      if (n <= 0) return;
      let taken = 0;
      for await (const x of items) {
        yield x;
        if (++taken >= n) return;
      }
    },
  { in: 'number', out: 'number' },
);

/**
 * A driver-called actor for the RL call stages of generated plans (`callActor`, `callActors`,
 * `callSourceActor`): `echo` replies with its argument, `record` keeps it (a side effect) and replies
 * with the count so far.
 */
export const Echo = actorClass(
  import.meta.url,
  class Echo {
    readonly received: unknown[] = [];
    constructor(readonly ctx: ActorContext) {}
    echo<T>(x: T): T {
      return x;
    }
    record(x: unknown): number {
      this.received.push(x);
      return this.received.length;
    }
    getReceived(): unknown[] {
      return this.received;
    }
  },
);

/**
 * A stage that throws on its `k`-th item (1-based) and passes the items before it on unchanged: the
 * error path of the generated plans (plans.ts `failAt`). State per stage instance (per shard actor-side,
 * one driver-side), so every run fails at the same item. `k <= 0` never throws.
 */
export const failAt = actorStageFactory(import.meta.url, (k: number) => {
  let n = 0;
  return <T>(x: T): T => {
    if (++n === k) throw new Error(`failAt: planned failure on item ${k}`);
    return x;
  };
});
