/**
 * Property tests of the runtime backends on generated plans (plan-arbitrary.ts), through the
 * conformance-suite factory (runtime-specs.ts):
 * - `local` against the reference model, and against itself: the same plan and seed give the
 *   identical output twice, asynchronous plans included (its virtual clock makes it deterministic);
 * - `farm` against the model and against `local`: identical sequences for ordered plans; for
 *   asynchronous ones the same items, with each key's items in the same relative order.
 * Plus checks of the generator and of the model themselves, so that the suites cannot pass hollowly.
 *
 * NOTE: a farm actor costs a worker process (~0.4–0.5 s to start on this 2-core machine, as workers
 * load TypeScript through tsx), so the farm suite runs fewer plans, with at most 2 actors per group.
 */
import assert from 'node:assert/strict';
import { describe as suite, test } from 'node:test';
import fc from 'fast-check';
import { compile, concurrently, fromItems } from '../../src/dsl/index.js';
import type { ActorRef } from '../../src/ir/contract.js';
import { FarmBackend, LocalBackend, run, type ActorBackend, type ActorSpec } from '../../src/runtime/index.js';
import { actorCount, describe, expected, isOrdered, normalize, planArbitrary, type CounterGroup, type PlanDesc } from './plan-arbitrary.js';
import { checkModel, runToEnd, runtimeSpecs } from './runtime-specs.js';

/**
 * A custom backend, as a user would check one with `runtimeSpecs`: the local actors, but every reply
 * reaches the driver after a random 0–2 ms of wall-clock time, so replies of calls to one actor may
 * arrive out of order (as over a network). The calls themselves still run in order on each actor, as
 * the `ActorBackend` contract requires. It makes timing vary like the farm does, without processes.
 */
class JitteryBackend implements ActorBackend {
  readonly name = 'jittery-local';
  private readonly inner = new LocalBackend();
  private pending = 0;
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }

  get clock() {
    return this.inner.clock;
  }

  private jitterMs(): number {
    // xorshift32: reproducible draws (the timing itself is not).
    this.state ^= this.state << 13;
    this.state ^= this.state >>> 17;
    this.state ^= this.state << 5;
    return (this.state >>> 0) % 3;
  }

  start(specs: readonly ActorSpec[]): Promise<void> {
    return this.inner.start(specs);
  }

  async call(actor: ActorRef, method: string, args: readonly unknown[]): Promise<unknown> {
    this.pending++;
    try {
      const settled = await this.inner.call(actor, method, args).then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      );
      await new Promise((resolve) => setTimeout(resolve, this.jitterMs()));
      if (!settled.ok) throw settled.error;
      return settled.value;
    } finally {
      this.pending--;
    }
  }

  inFlight(): number {
    return this.pending;
  }

  hasPendingWork(): boolean {
    return this.inner.hasPendingWork();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

runtimeSpecs('local', () => 'local', { numRuns: 200, reference: false, deterministic: true });
runtimeSpecs('farm', () => new FarmBackend(), { numRuns: 25, plans: { maxActorsPerGroup: 2 } });
let jitterSeed = 0;
runtimeSpecs('a custom backend (local actors, replies delayed at random)', () => new JitteryBackend(++jitterSeed), { numRuns: 100 });

suite('plan generator and model', () => {
  test('generates every feature, and normalized plans stay as drawn', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(planArbitrary(), (desc) => {
        assert.deepStrictEqual(normalize(desc), desc);
        if (desc.source.kind === 'items') seen.add('fromItems');
        else if (desc.source.kind === 'iterable') seen.add('fromIterable');
        else {
          seen.add(desc.source.gather.kind);
          if (desc.source.gather.kind === 'gatherAsync' && desc.source.gather.batchMs === undefined) seen.add('gatherAsync without batchMs');
          if (desc.source.groups.length === 2) seen.add('union');
          for (const g of desc.source.groups) {
            seen.add(g.actor);
            if (g.endBatch !== undefined) seen.add('actor batch at end');
            if (g.actor === 'VectorCounter' ? g.delayMs > 0 : g.delays.some((d) => d > 0)) seen.add('delays');
            for (const op of g.ops) seen.add(`actor ${op.op}`);
            if (g.ops.some((op) => op.op === 'batchFlatten' && op.n === 1)) seen.add('actor batch(1).flatten()');
          }
          for (const u of desc.source.unpack) seen.add(`unpack ${u}`);
        }
        for (const op of [...desc.driver, ...(desc.split?.branches.flat() ?? [])]) {
          seen.add(`driver ${op.op}`);
          if (op.op === 'callActor') seen.add(`callActor keepSource=${op.keepSource} then ${op.then}`);
        }
        if (desc.driver.some((op) => op.op === 'batchFlatten' && op.n === 1)) seen.add('driver batch(1).flatten()');
        if (desc.deadBranch) seen.add(`dead branch ${desc.deadBranch.kind}`);
        if (desc.deadBranch?.kind === 'copy' && desc.deadBranch.record) seen.add('dead branch with side effects');
        if (desc.queue) seen.add('queue');
        if (desc.split) seen.add(`split ${desc.split.mode}`);
        if (desc.split && desc.split.branches.length > 2) seen.add(`duplicate(n > 2) ${desc.split.mode}`);
        if (desc.split?.mode === 'roundRobin' && desc.split.weights.includes('*')) seen.add("roundRobin weight '*'");
        // The two shapes that were once excluded for runtime bugs (fixed; see the regressions below).
        if (desc.split?.mode === 'roundRobin' && desc.split.weights.includes('*') && desc.deadBranch?.kind === 'copy' && desc.deadBranch.record) seen.add("roundRobin '*' after a dead branch with side effects");
        if (desc.split?.mode === 'roundRobin' && desc.deadBranch && desc.split.weights.some((w) => typeof w === 'number' && !Number.isInteger(w))) seen.add('fractional roundRobin after a dead branch');
        if (desc.finalBatch !== undefined) seen.add('final batch');
        seen.add(isOrdered(desc) ? 'ordered' : 'unordered');
        assert.ok(actorCount(desc) <= 6);
        assert.ok(describe(desc).length > 0);
      }),
      { numRuns: 1000, seed: 7 },
    );
    const want = [
      'fromItems', 'gatherSync', 'batchAcrossShards', 'gatherAsync', 'gatherAsync without batchMs', 'union', 'Counter', 'UnevenCounter', 'VectorCounter', 'actor batch at end', 'delays',
      'actor batch(1).flatten()', 'driver batch(1).flatten()', 'dead branch copy', 'dead branch items',
      'actor double', 'actor scale', 'actor isEven', 'actor pairUp', 'actor batchFlatten', 'actor batchSum', 'actor pairwiseSums', 'actor runningSum', 'actor take',
      'unpack flatten', 'unpack merge', 'driver map', 'driver filter', 'driver combine', 'driver batchFlatten', 'driver batchMerge', 'driver take',
      'queue', 'split roundRobin', 'split async', 'final batch', 'ordered', 'unordered',
      'fromIterable', 'driver callActor', 'driver callActors', 'dead branch with side effects', 'duplicate(n > 2) roundRobin', 'duplicate(n > 2) async', "roundRobin weight '*'",
      "roundRobin '*' after a dead branch with side effects", 'fractional roundRobin after a dead branch',
      'callActor keepSource=false then none', 'callActor keepSource=true then none', 'callActor keepSource=false then zip', 'callActor keepSource=true then zip', 'callActor keepSource=false then replySource', 'callActor keepSource=true then replySource',
    ];
    assert.deepStrictEqual(want.filter((f) => !seen.has(f)), []);
  });

  test('at most 10% of the generated plans produce no output (they would pass trivially)', () => {
    let empty = 0;
    const runs = 1000;
    fc.assert(
      fc.property(planArbitrary(), (desc) => {
        if (expected(desc).count === 0) empty++;
      }),
      { numRuns: runs, seed: 12 },
    );
    assert.ok(empty <= runs / 10, `${empty} of ${runs} plans produce nothing`);
  });

  test('never regroups items downstream of gatherAsync', () => {
    fc.assert(
      fc.property(planArbitrary(), (desc) => {
        if (desc.source.kind !== 'actors' || desc.source.gather.kind !== 'gatherAsync') return;
        const ops = [...desc.driver, ...(desc.split?.branches.flat() ?? [])];
        assert.ok(!ops.some((op) => op.op === 'batchMerge' || op.op === 'take'));
        assert.equal(desc.finalBatch, undefined);
      }),
      { numRuns: 500, seed: 8 },
    );
  });

  const twoCounters: PlanDesc = {
    source: {
      kind: 'actors',
      groups: [{ name: 'A', actor: 'Counter', count: 2, start: 0, limit: 3, delays: [0], ops: [{ op: 'pairwiseSums' }], endBatch: undefined }],
      gather: { kind: 'gatherSync' },
      unpack: [],
    },
    driver: [{ op: 'map', a: 1, b: 1 }],
    queue: undefined,
    split: undefined,
    finalBatch: 2,
  };

  test('the model follows the operator semantics (a hand-checked plan)', async () => {
    // A[0] yields 0 1 2, A[1] yields 1000 1001 1002; pairwise sums: 1 3 and 2001 2003; +1; barrier rounds.
    const items = [
      { k: 'A[0]', v: 2 },
      { k: 'A[1]', v: 2002 },
      { k: 'A[0]', v: 4 },
      { k: 'A[1]', v: 2004 },
    ];
    assert.deepStrictEqual(expected(twoCounters), { items, exact: true, count: 2 });
    const out = await runToEnd(twoCounters, 'local', 0);
    assert.deepStrictEqual(out, [items.slice(0, 2), items.slice(2)]);
    checkModel(twoCounters, out);
  });

  test('the model check rejects a wrong output', () => {
    assert.throws(() => checkModel(twoCounters, [[{ k: 'A[0]', v: 2 }, { k: 'A[0]', v: 4 }], [{ k: 'A[1]', v: 2002 }, { k: 'A[1]', v: 2004 }]]), assert.AssertionError);
  });
});

suite('regressions found by the generated plans', () => {
  test('roundRobin with a fractional weight does not report a stuck plan when that weight rounds to 0', async () => {
    // Found as `fromActors(A).batchAcrossShards().flatten().duplicate(2)` + roundRobin [0.5, 1]: when
    // copy 0's turn rounded to 0 items and copy 1 (a duplicate ahead by maxSkew) said NOT_READY twice,
    // the operator counted two idle turns as a full idle cycle and slept, so the plan was declared stuck.
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer(), { minLength: 1, maxLength: 6 }),
        fc.tuple(fc.constantFrom(0.25, 0.5, 1, 1.5), fc.constantFrom(0.25, 0.5, 1, 1.5)),
        fc.nat(1000),
        async (items, weights, seed) => {
          const copies = fromItems(items).duplicate(2);
          const rt = await run(await compile(concurrently(copies, { mode: 'roundRobin', weights })), { backend: 'local', seed });
          try {
            const out = await rt.take(2 * items.length + 1);
            assert.deepStrictEqual([...out].sort(), [...items, ...items].sort());
          } finally {
            await rt.close();
          }
        },
      ),
      { numRuns: 100, seed: 9, includeErrorInReport: true },
    );
  });

  test("a '*' roundRobin weight after an async union with a waiting dead branch is not reported stuck", async () => {
    // Found by the generated plans (seed 20240601): the '*' stream polls the async union (non-blocking)
    // through duplicate(3); the union starts a blocking pull on each of its streams and answers NOT_READY.
    // When the pull of `live` then settled with an item already buffered upstream (no actor call, so no
    // progress bump), the roundRobin had finished an idle cycle and its stuck check saw no call in flight:
    // PlanStuckError, though the next poll would have had the item. A settled item now counts as progress.
    const group = (name: string, limit: number): CounterGroup => ({ name, count: 1, start: 0, ops: [], endBatch: undefined, actor: 'Counter', limit, delays: [0] });
    for (const weights of [[1, 1, '*'], [1, '*', 1], ['*', 1, 1]] as const) {
      const desc: PlanDesc = {
        source: { kind: 'actors', groups: [group('A', 0), group('B', 3)], gather: { kind: 'gatherSync' }, unpack: [] },
        driver: [],
        queue: undefined,
        split: { mode: 'roundRobin', maxSkew: 1, weights: [...weights], branches: [[], [], []] },
        deadBranch: { kind: 'copy', mode: 'async', maxSkew: 2, batches: [], record: true },
        finalBatch: undefined,
      };
      for (let seed = 0; seed < 4; seed++) checkModel(desc, await runToEnd(desc, 'local', seed));
    }
  });

  test("a fractional roundRobin's turns do not depend on other nodes (removing a dead branch keeps the output)", async () => {
    // Found by passSpec('cleanup') as `concurrently([fromItems(xs), fromItems([]).batch(1)], outputIndexes [0])
    // .duplicate(2)` + roundRobin [1, 0.5]: the turns were rounded with the plan-wide driver stream, which
    // the dead branch's union also drew from, so `cleanup` removing that union changed the order. Each
    // roundRobin now rounds with a stream of its own, keyed by its node name and stream index.
    const build = (dead: boolean) => {
      const src = dead ? concurrently([fromItems([0, 1, 2, 3, 4, 5]), fromItems<number>([]).batch(1)], { mode: 'roundRobin', outputIndexes: [0] }) : fromItems([0, 1, 2, 3, 4, 5]);
      const [a, b] = src.duplicate(2, { maxSkew: 2 });
      return concurrently([a.forEach((x: number) => `a${x}`, { name: 'markA' }), b.forEach((x: number) => `b${x}`, { name: 'markB' })], { mode: 'roundRobin', weights: [1, 0.5], name: 'merge' });
    };
    for (let seed = 0; seed < 8; seed++) {
      const outputs: string[][] = [];
      for (const dead of [true, false]) {
        const rt = await run(await compile(build(dead)), { backend: 'local', seed });
        try {
          outputs.push([...(await rt.take(13))] as string[]);
        } finally {
          await rt.close();
        }
      }
      assert.deepStrictEqual(outputs[0], outputs[1], `seed ${seed}`);
    }
  });
});
