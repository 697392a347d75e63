/**
 * Timeline tests of the gathers (gatherSync, batchAcrossShards, gatherAsync) and of the shard-set
 * operators (selectShards, union) on the local backend. Actor timings are scripted in virtual time, so
 * the asynchronous interleavings are exact.
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { actors, fromActors } from '../../src/dsl/index.js';
import type { ActorRef } from '../../src/ir/contract.js';
import { StageError } from '../../src/ir/errors.js';
import { Counter, double, scale } from '../fixtures/counters.js';
import { Scripted, Ticker, addK, delayed, notMultipleOf3, stampTime, type ScriptStep } from '../fixtures/timeline-actors.js';
import { runPlan } from './helpers.js';

/** `[delayMs, value]` steps, one list per actor. */
function scripts(...perActor: ScriptStep[][]): ScriptStep[][] {
  return perActor;
}

describe('gatherSync', () => {
  test('one item per shard and round, in shard order, whatever the timings', async (t) => {
    const group = actors(Scripted, { count: 3, args: [scripts([[5, 'a0'], [5, 'a1']], [[1, 'b0'], [1, 'b1']], [[3, 'c0'], [9, 'c1']])] });
    const { drain } = await runPlan(fromActors(group).gatherSync(), { t });
    assert.deepEqual(await drain(), ['a0', 'b0', 'c0', 'a1', 'b1', 'c1']);
  });

  test('round by round: the next round is requested only when the consumer pulls again (no prefetch)', async (t) => {
    const group = actors(Scripted, { count: 2, args: [scripts([[1, 'a0'], [1, 'a1'], [1, 'a2']], [[3, 'b0'], [3, 'b1'], [3, 'b2']])] });
    const plan = fromActors(group)
      .forEach(stampTime)
      .gatherSync()
      .forEach(async (x, ctx) => {
        await ctx.delay(10); // a slow consumer
        return x;
      });
    const { drain } = await runPlan(plan, { t });
    // Round 1 is asked at t=0 (a0 at 1, b0 at 3); the consumer spends 10 ms on each, so round 2 is
    // asked at t=23 (a1 at 24, b1 at 26) and round 3 at t=46 (a2 at 47, b2 at 49).
    assert.deepEqual(await drain(), [['a0', 1], ['b0', 3], ['a1', 24], ['b1', 26], ['a2', 47], ['b2', 49]]);
  });

  test('a shard that ends is dropped; the others go on in shard order', async (t) => {
    const group = actors(Scripted, { count: 3, args: [scripts([[0, 'a0'], [0, 'a1'], [0, 'a2']], [[0, 'b0']], [[0, 'c0'], [0, 'c1']])] });
    const { drain } = await runPlan(fromActors(group).gatherSync(), { t });
    assert.deepEqual(await drain(), ['a0', 'b0', 'c0', 'a1', 'c1', 'a2']);
  });

  test('a shard whose chain filters items out is asked again until it has one for the round', async (t) => {
    const workers = actors(Counter, { count: 2, args: [0, 7] });
    const { drain } = await runPlan(fromActors(workers).filter(notMultipleOf3).gatherSync(), { t });
    // actor 0 keeps 1 2 4 5; actor 1 keeps 1000 1001 1003 1004 1006.
    assert.deepEqual(await drain(), [1, 1000, 2, 1001, 4, 1003, 5, 1004, 1006]);
  });
});

describe('batchAcrossShards', () => {
  test('one list per round, in actor order', async (t) => {
    const group = actors(Scripted, { count: 2, args: [scripts([[4, 'a0'], [1, 'a1']], [[1, 'b0'], [4, 'b1']])] });
    const { drain } = await runPlan(fromActors(group).batchAcrossShards(), { t });
    assert.deepEqual(await drain(), [['a0', 'b0'], ['a1', 'b1']]);
  });

  test('a shard that ends early is dropped and the surviving results of that round are still yielded', async (t) => {
    const group = actors(Scripted, { count: 3, args: [scripts([[0, 'a0'], [0, 'a1'], [0, 'a2']], [[0, 'b0']], [[0, 'c0'], [0, 'c1']])] });
    const { rt, drain } = await runPlan(fromActors(group).batchAcrossShards(), { t });
    assert.deepEqual(await drain(), [['a0', 'b0', 'c0'], ['a1', 'c1'], ['a2']]);
    assert.deepEqual(await rt.next(), { done: true, value: undefined });
  });

  test('actor-side transforms run before the barrier (per shard)', async (t) => {
    const workers = actors(Counter, { count: 3, args: [1, 2] });
    const { drain } = await runPlan(fromActors(workers).forEach(double).batchAcrossShards(), { t });
    assert.deepEqual(await drain(), [[2, 2002, 4002], [4, 2004, 4004]]);
  });
});

describe('gatherAsync', () => {
  test('items come out in completion order: actor 0 every 3 ms, actor 1 every 1 ms', async (t) => {
    const group = actors(Ticker, { count: 2, args: [[3, 1], 4] });
    const { drain } = await runPlan(fromActors(group).gatherAsync(), { t });
    // t=1 1:0, t=2 1:1, t=3 0:0 then 1:2 (0:0's timer was set first), t=4 1:3, t=6 0:1, t=9 0:2, t=12 0:3.
    assert.deepEqual(await drain(), ['1:0', '1:1', '0:0', '1:2', '1:3', '0:1', '0:2', '0:3']);
  });

  test('the gather ends only when every shard has ended', async (t) => {
    const group = actors(Scripted, { count: 3, args: [scripts([[1, 'a0']], [[2, 'b0'], [2, 'b1'], [2, 'b2']], [])] });
    const { rt, drain } = await runPlan(fromActors(group).gatherAsync(), { t });
    assert.deepEqual(await drain(), ['a0', 'b0', 'b1', 'b2']);
    assert.deepEqual(await rt.next(), { done: true, value: undefined });
  });

  /** Production times of the items a slow consumer (10 ms per item) gets with `inFlight` requests per actor. */
  async function productionTimes(t: TestContext, inFlight: number): Promise<number[]> {
    const group = actors(Ticker, { count: 1, args: [[1], 6, true] });
    const plan = fromActors(group)
      .gatherAsync({ inFlight })
      .forEach(async (x, ctx) => {
        await ctx.delay(10);
        return (x as [string, number])[1];
      });
    const { drain } = await runPlan(plan, { t });
    return drain();
  }

  test('inFlight = 1: one request outstanding; the actor runs one item ahead of the consumer', async (t) => {
    // Item 0 at t=1; while the consumer holds it the one re-submitted request makes item 1 (t=2); the
    // next request is sent when the consumer takes item 1 at t=11, and so on every 10 ms.
    assert.deepEqual(await productionTimes(t, 1), [1, 2, 12, 22, 32, 42]);
  });

  test('inFlight = 2 keeps two requests outstanding per actor: two items ahead', async (t) => {
    assert.deepEqual(await productionTimes(t, 2), [1, 2, 3, 12, 22, 32]);
  });

  test('inFlight = 3: three items ahead', async (t) => {
    assert.deepEqual(await productionTimes(t, 3), [1, 2, 3, 4, 12, 22]);
  });

  test('batchMs > 0: one reply carries everything a shard produced within the window', async (t) => {
    const arrivals = async (batchMs: number) => {
      const group = actors(Ticker, { count: 1, args: [[1], 7] });
      const plan = fromActors(group)
        .gatherAsync({ batchMs })
        .forEach((x, ctx) => `${x}@${ctx.now()}`);
      return (await runPlan(plan, { t })).drain();
    };
    assert.deepEqual(await arrivals(0), ['0:0@1', '0:1@2', '0:2@3', '0:3@4', '0:4@5', '0:5@6', '0:6@7']);
    // Windows of 3 ms: items 0-2 arrive together at t=3, 3-5 at t=6, and the last one with the end.
    assert.deepEqual(await arrivals(3), ['0:0@3', '0:1@3', '0:2@3', '0:3@6', '0:4@6', '0:5@6', '0:6@7']);
  });

  test('batchMs replies from several actors interleave by arrival, each reply kept together', async (t) => {
    const group = actors(Ticker, { count: 2, args: [[2, 3], 4] });
    const plan = fromActors(group)
      .gatherAsync({ batchMs: 4 })
      .forEach((x, ctx) => `${x}@${ctx.now()}`);
    const { drain } = await runPlan(plan, { t });
    // actor 0 (every 2 ms): 0:0 0:1 by t=4; 0:2 0:3 by t=8. actor 1 (every 3 ms): 1:0 1:1 by t=6; 1:2 1:3 by t=12.
    assert.deepEqual(await drain(), ['0:0@4', '0:1@4', '1:0@6', '1:1@6', '0:2@8', '0:3@8', '1:2@12', '1:3@12']);
  });
});

describe('gather failures', () => {
  test('a source that throws while a second request is queued behind an actor-side stage fails the pull cleanly', async (t) => {
    // inFlight 2 queues the second $pull ahead of the first item's (slow) stage; that pull fails first,
    // while the first request is still running, and its failure must wait for its turn, not crash.
    const group = actors(Scripted, { count: 1, args: [scripts([[1, 'a0'], [1, { throw: 'source broke' }]])], name: 'src' });
    const { rt } = await runPlan(fromActors(group).forEach(delayed.with(5)).forEach(stampTime).gatherAsync({ inFlight: 2 }), { t });
    const outcomes: unknown[] = [];
    for (let k = 0; k < 2; k++) {
      outcomes.push(await rt.next().then((r) => r.value, (e: unknown) => (e instanceof StageError ? `${e.actor}: ${e.reason}` : e)));
    }
    assert.deepEqual(outcomes[0], ['a0', 7]);
    assert.match(String(outcomes[1]), /^src\[0\]: Error: source broke/);
  });

  test('in gatherSync, an actor that throws fails the round with a StageError naming it', async (t) => {
    const group = actors(Scripted, { count: 2, args: [scripts([[0, 'a0'], [0, 'a1']], [[0, 'b0'], [0, { throw: 'b broke' }]])], name: 'src' });
    const { rt, take } = await runPlan(fromActors(group).gatherSync(), { t });
    assert.deepEqual(await take(2), ['a0', 'b0']);
    await assert.rejects(rt.next(), (e: unknown) => e instanceof StageError && e.actor === 'src[1]' && /b broke/.test(e.reason));
  });
});

describe('shard sets: selectShards and union', () => {
  test('selectShards keeps only the listed actors', async (t) => {
    const workers = actors(Counter, { count: 4, args: [0, 2] });
    const { drain } = await runPlan(fromActors(workers).selectShards([1, 3]).gatherSync(), { t });
    assert.deepEqual(await drain(), [1000, 3000, 1001, 3001]);
  });

  test('selectShards keeps the transforms recorded before it', async (t) => {
    const workers = actors(Counter, { count: 3, args: [0, 2] });
    const { drain } = await runPlan(fromActors(workers).forEach(double).selectShards([2]).forEach(addK.with(1)).gatherSync(), { t });
    assert.deepEqual(await drain(), [4001, 4003]);
  });

  test('union concatenates shard sets; each set keeps its own transforms, later ones apply to all', async (t) => {
    const a = actors(Counter, { count: 2, args: [0, 2], name: 'a' });
    const b = actors(Counter, { count: 1, args: [5, 2], name: 'b' });
    const plan = fromActors(a).forEach(double).union(fromActors(b).forEach(scale.with(100))).forEach(addK.with(1)).gatherSync();
    const { drain } = await runPlan(plan, { t });
    // shards in order a[0], a[1], b[0]: a doubled, b ×100, then +1 everywhere.
    assert.deepEqual(await drain(), [1, 2001, 501, 3, 2003, 601]);
  });

  test('selectShards after union picks across the sets', async (t) => {
    const a = actors(Counter, { count: 2, args: [0, 1], name: 'a' });
    const b = actors(Counter, { count: 2, args: [7, 1], name: 'b' });
    const plan = fromActors(a).forEach(double).union(fromActors(b)).selectShards([1, 2]).gatherSync();
    const { drain } = await runPlan(plan, { t });
    assert.deepEqual(await drain(), [2000, 7]);
  });

  test('a union gathered asynchronously keeps completion order across groups', async (t) => {
    const fast = actors(Ticker, { count: 1, args: [[2], 3], name: 'fast' });
    const slow = actors(Scripted, { count: 1, args: [scripts([[3, 'slow0'], [4, 'slow1']])], name: 'slow' });
    const plan = fromActors(fast).union(fromActors(slow)).gatherAsync();
    const { drain } = await runPlan(plan, { t });
    // fast at 2, 4, 6; slow at 3, 7.
    assert.deepEqual(await drain(), ['0:0', 'slow0', '0:1', '0:2', 'slow1']);
  });
});

describe('the source actor travels with each item', () => {
  test('zipWithSourceActor after gatherAsync names the actor that produced each item', async (t) => {
    const group = actors(Ticker, { count: 2, args: [[3, 1], 2], name: 'tick' });
    const { drain } = await runPlan(fromActors(group).gatherAsync().zipWithSourceActor(), { t });
    const out = (await drain()) as Array<[ActorRef, string]>;
    assert.deepEqual(out, [
      [{ group: 'tick', index: 1 }, '1:0'],
      [{ group: 'tick', index: 1 }, '1:1'],
      [{ group: 'tick', index: 0 }, '0:0'],
      [{ group: 'tick', index: 0 }, '0:1'],
    ]);
  });

  test('zipWithSourceActor after gatherSync names each shard', async (t) => {
    const group = actors(Counter, { count: 2, args: [0, 2], name: 'w' });
    const { drain } = await runPlan(fromActors(group).gatherSync().zipWithSourceActor(), { t });
    assert.deepEqual(await drain(), [
      [{ group: 'w', index: 0 }, 0],
      [{ group: 'w', index: 1 }, 1000],
      [{ group: 'w', index: 0 }, 1],
      [{ group: 'w', index: 1 }, 1001],
    ]);
  });

  test('the source actor of a union gather is the actor of the right group', async (t) => {
    const a = actors(Counter, { count: 1, args: [0, 1], name: 'a' });
    const b = actors(Counter, { count: 1, args: [5, 1], name: 'b' });
    const { drain } = await runPlan(fromActors(a).union(fromActors(b)).gatherSync().zipWithSourceActor(), { t });
    assert.deepEqual(await drain(), [
      [{ group: 'a', index: 0 }, 0],
      [{ group: 'b', index: 0 }, 5],
    ]);
  });

  test('driver stages see the source actor as ctx.sourceActor', async (t) => {
    const group = actors(Ticker, { count: 2, args: [[2, 1], 1], name: 'tick' });
    const plan = fromActors(group)
      .gatherAsync()
      .forEach((x, ctx) => `${ctx.sourceActor?.group}[${ctx.sourceActor?.index}]:${x}`);
    const { drain } = await runPlan(plan, { t });
    assert.deepEqual(await drain(), ['tick[1]:1:0', 'tick[0]:0:0']);
  });
});
