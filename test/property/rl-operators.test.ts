/**
 * Property tests of the operators every RL plan uses, against small reference models, on the local
 * backend: `callActor` (round-robin over a group, with and without `keepSource` and `withInput`, args
 * from a closure or none), `callActors` (broadcast), `callSourceActor` (reply to the producer),
 * `zipWithSourceActor`, and round-robin `concurrently` over more than two streams with integer and
 * `'*'` weights and output indexes. The general plan generator (src/testing/plans.ts) draws these
 * kinds too (callActor/callActors/callSourceActor/zipWithSourceActor against an `Echo` group,
 * duplicate(2..4) with '*' weights); these suites check the exact routing (which actor got which item),
 * which the generated plans' values do not show.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { actors, compile, concurrently, fromActors, fromItems } from '../../src/dsl/index.js';
import type { ActorRef } from '../../src/ir/contract.js';
import { run } from '../../src/runtime/index.js';
import { Counter } from '../fixtures/counters.js';


type Weight = number | '*';

/** The reference model of round-robin: turns in stream order, each pulling up to its weight ('*': 100). */
function roundRobinModel(streams: readonly number[][], weights: readonly Weight[], listed: ReadonlySet<number>): number[] {
  const cursors = streams.map(() => 0);
  const done = streams.map(() => false);
  const out: number[] = [];
  while (done.some((d) => !d)) {
    streams.forEach((items, i) => {
      if (done[i]) return;
      const w = weights[i]!;
      for (let taken = 0; taken < (w === '*' ? 100 : w); taken++) {
        if (cursors[i]! >= items.length) {
          done[i] = true;
          return;
        }
        const x = items[cursors[i]!++]!;
        if (listed.has(i)) out.push(x);
      }
    });
  }
  return out;
}

describe('property: round-robin concurrently over 2..5 streams', () => {
  test('emits exactly the model sequence, for integer and * weights and any output indexes', async () => {
    const arb = fc
      .integer({ min: 2, max: 5 })
      .chain((n) =>
        fc.record({
          lengths: fc.array(fc.integer({ min: 0, max: 7 }), { minLength: n, maxLength: n }),
          weights: fc.array(fc.oneof(fc.constantFrom<Weight>(1, 2, 3), fc.constant<Weight>('*')), { minLength: n, maxLength: n }).filter((w) => w.some((x) => x !== '*')),
          listed: fc.subarray(Array.from({ length: n }, (_, i) => i), { minLength: 1 }),
        }),
      )
      // Plans that produce nothing pass trivially: at most 10% may (here: none, some listed stream has items).
      .filter((p) => p.listed.some((i) => p.lengths[i]! > 0));
    let empty = 0;
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(arb, async ({ lengths, weights, listed }) => {
        const streams = lengths.map((len, s) => Array.from({ length: len }, (_, k) => s * 100 + k));
        const plan = concurrently(streams.map((items) => fromItems(items)), { mode: 'roundRobin', weights, outputIndexes: listed });
        const rt = await run<number>(await compile(plan, { name: 'rr' }), { backend: 'local', seed: 1 });
        const got: number[] = [];
        try {
          for await (const x of rt) got.push(x);
        } finally {
          await rt.close();
        }
        const want = roundRobinModel(streams, weights, new Set(listed));
        runs++;
        if (want.length === 0) empty++;
        assert.deepEqual(got, want);
      }),
      { numRuns: 60, seed: 9 },
    );
    assert.ok(empty <= runs * 0.1 + 1, `${empty} of ${runs} plans produced nothing`);
  });
});

interface CallPlan {
  readonly producers: number;
  readonly rounds: number;
  readonly echoes: number;
  readonly keepSource: boolean;
  readonly withInput: boolean;
  readonly doubleArgs: boolean;
}

describe('property: driver → actor calls', () => {
  test('callActor round-robins over its group; replies carry the replying actor, or the item’s own with keepSource; withInput pairs them', async () => {
    const arb: fc.Arbitrary<CallPlan> = fc.record({
      producers: fc.integer({ min: 1, max: 3 }),
      rounds: fc.integer({ min: 1, max: 4 }),
      echoes: fc.integer({ min: 1, max: 3 }),
      keepSource: fc.boolean(),
      withInput: fc.boolean(),
      doubleArgs: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(arb, async (p) => {
        const producers = actors(Counter, { name: 'C', count: p.producers, args: [0, p.rounds] });
        const echoes = actors(Counter, { name: 'E', count: p.echoes });
        const called = fromActors(producers)
          .gatherSync()
          .callActor(echoes, 'echo', {
            ...(p.doubleArgs ? { args: (x: number) => [x * 2] } : {}),
            ...(p.keepSource ? { keepSource: true } : {}),
            ...(p.withInput ? { withInput: true } : {}),
          })
          .zipWithSourceActor();
        const rt = await run<[ActorRef, unknown]>(await compile(called, { name: 'calls' }), { backend: 'local', seed: 1 });
        const got: Array<[ActorRef, unknown]> = [];
        try {
          for await (const x of rt) got.push(x);
        } finally {
          await rt.close();
        }
        // The model: gatherSync emits round by round in shard order; item i goes to echo actor i mod e.
        const want: Array<[ActorRef, unknown]> = [];
        for (let k = 0; k < p.rounds; k++) {
          for (let j = 0; j < p.producers; j++) {
            const i = want.length;
            const item = j * 1000 + k;
            const reply = p.doubleArgs ? item * 2 : item;
            const source = p.keepSource ? { group: 'C', index: j } : { group: 'E', index: i % p.echoes };
            want.push([source, p.withInput ? [item, reply] : reply]);
          }
        }
        assert.deepEqual(got, want);
      }),
      { numRuns: 40, seed: 11 },
    );
  });

  test('callActors reaches every actor with every item, in order; callSourceActor reaches only the producer', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.boolean(), async (producers, rounds, listeners, wait) => {
        const c = actors(Counter, { name: 'C', count: producers, args: [0, rounds] });
        const l = actors(Counter, { name: 'L', count: listeners });
        const plan = fromActors(c).gatherAsync().callActors(l, 'record', { wait }).callSourceActor('record', { wait: true });
        const rt = await run<number>(await compile(plan, { name: 'broadcast' }), { backend: 'local', seed: 1 });
        try {
          const items: number[] = [];
          for await (const x of rt) items.push(x);
          // Fire-and-forget calls still run before any later request to the same actor.
          for (let a = 0; a < listeners; a++) assert.deepEqual(await rt.backend.call({ group: 'L', index: a }, 'getReceived', []), items);
          for (let j = 0; j < producers; j++) {
            assert.deepEqual(await rt.backend.call({ group: 'C', index: j }, 'getReceived', []), items.filter((x) => Math.floor(x / 1000) === j));
          }
          assert.equal(items.length, producers * rounds);
        } finally {
          await rt.close();
        }
      }),
      { numRuns: 25, seed: 5 },
    );
  });
});
