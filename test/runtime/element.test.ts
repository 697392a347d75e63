/**
 * Timeline tests of the element operators (forEach, filter, batch, flatten, combine, transform), on the
 * driver and on the actors, on the deterministic local backend.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { actors, concurrently, fromActors, fromItems, fromIterable } from '../../src/dsl/index.js';
import { NOT_READY } from '../../src/ir/contract.js';
import { PlanStuckError } from '../../src/ir/errors.js';
import { Counter, double, pairwiseSums, runningSum, scale, tagWithActor } from '../fixtures/counters.js';
import { Scripted, notMultipleOf3, pairSumsUpTo, whereAmI, withProduced, withTimesTen } from '../fixtures/timeline-actors.js';
import { runPlan } from './helpers.js';

describe('element operators on the driver', () => {
  test('forEach maps every item, in order', async (t) => {
    const { drain } = await runPlan(fromItems([1, 2, 3]).forEach((x) => x * 10), { t });
    assert.deepEqual(await drain(), [10, 20, 30]);
  });

  test('filter keeps the items whose predicate is true', async (t) => {
    const { drain } = await runPlan(fromItems([1, 2, 3, 4, 5, 6, 7]).filter((x) => x % 3 !== 0), { t });
    assert.deepEqual(await drain(), [1, 2, 4, 5, 7]);
  });

  test('batch groups n items and flushes a short final list at the end', async (t) => {
    const { drain } = await runPlan(fromItems([1, 2, 3, 4, 5, 6, 7]).batch(3), { t });
    assert.deepEqual(await drain(), [[1, 2, 3], [4, 5, 6], [7]]);
  });

  test('batch of an exact multiple flushes no empty list', async (t) => {
    const { drain } = await runPlan(fromItems([1, 2, 3, 4]).batch(2), { t });
    assert.deepEqual(await drain(), [[1, 2], [3, 4]]);
  });

  test('flatten expands lists (empty lists produce nothing)', async (t) => {
    const { drain } = await runPlan(fromItems([[1, 2], [], [3], [4, 5, 6]]).flatten(), { t });
    assert.deepEqual(await drain(), [1, 2, 3, 4, 5, 6]);
  });

  test('combine is a flat-map: zero or more outputs per item', async (t) => {
    const { drain } = await runPlan(fromItems([1, 2, 3]).combine((x) => Array.from({ length: x - 1 }, () => x)), { t });
    assert.deepEqual(await drain(), [2, 3, 3]);
  });

  test('a chain forEach → filter → batch → flatten → combine keeps order', async (t) => {
    const plan = fromItems([1, 2, 3, 4, 5, 6, 7])
      .forEach((x) => x * 2)
      .filter((x) => x % 3 !== 0)
      .batch(2)
      .flatten()
      .combine((x) => [x, -x]);
    const { drain } = await runPlan(plan, { t });
    assert.deepEqual(await drain(), [2, -2, 4, -4, 8, -8, 10, -10, 14, -14]);
  });

  test('transform buffers items and its early return ends the stream without draining the source', async (t) => {
    let pulled = 0;
    const source = fromIterable(function* () {
      for (let k = 1; k <= 100; k++) {
        pulled++;
        yield k;
      }
    });
    const plan = source.transform(async function* (items: AsyncIterable<number>) {
      let pending: number | undefined;
      let emitted = 0;
      for await (const x of items) {
        if (pending === undefined) {
          pending = x;
          continue;
        }
        yield pending + x;
        pending = undefined;
        if (++emitted === 2) return;
      }
    });
    const { rt, drain } = await runPlan(plan, { t });
    assert.deepEqual(await drain(), [1 + 2, 3 + 4]);
    assert.equal(pulled, 4, 'the transform read exactly the 4 items it needed');
    assert.deepEqual(await rt.next(), { done: true, value: undefined }, 'stays done');
  });

  test('transform sees the end of its input and can flush what it buffered', async (t) => {
    const plan = fromItems([1, 2, 3, 4, 5]).transform(async function* (items: AsyncIterable<number>) {
      const held: number[] = [];
      for await (const x of items) {
        held.push(x);
        if (held.length === 2) yield held.splice(0).reduce((a, b) => a + b);
      }
      yield `rest:${held.join(',')}`;
    });
    const { drain } = await runPlan(plan, { t });
    assert.deepEqual(await drain(), [3, 7, 'rest:5']);
  });

  test('a forEach returning NOT_READY is called again with the same item', async (t) => {
    const calls: number[] = [];
    const seen = new Set<number>();
    const plan = fromItems([1, 2, 3]).forEach((x) => {
      calls.push(x);
      if (!seen.has(x)) {
        seen.add(x);
        return NOT_READY;
      }
      return x * 100;
    });
    const { drain } = await runPlan(plan, { t });
    assert.deepEqual(await drain(), [100, 200, 300]);
    assert.deepEqual(calls, [1, 1, 2, 2, 3, 3], 'one refused call, then one accepted call, per item');
  });

  test('a NOT_READY forEach retries its held item while another branch makes progress (back-pressure)', async (t) => {
    const calls: Array<[number, number]> = [];
    // The gate lets item x through once the other branch has produced 2x items.
    const gated = fromItems([1, 2]).forEach((x, ctx) => {
      calls.push([x, ctx.metrics.get('ticks')]);
      return ctx.metrics.get('ticks') >= 2 * x ? `gate:${x}` : NOT_READY;
    });
    const ticks = fromItems(['a', 'b', 'c', 'd', 'e', 'f']).forEach((x, ctx) => {
      ctx.metrics.inc('ticks');
      return x;
    });
    const { drain } = await runPlan(concurrently([gated, ticks], { mode: 'roundRobin' }), { t });
    assert.deepEqual(await drain(), ['a', 'b', 'gate:1', 'c', 'd', 'gate:2', 'e', 'f']);
    // Turns alternate: the gate refuses item 1 at 0 and 1 ticks and takes it at 2; item 2 is refused at 3.
    assert.deepEqual(calls, [[1, 0], [1, 1], [1, 2], [2, 3], [2, 4]], 'each refused item is offered again, never skipped');
  });

  test('a forEach that stays NOT_READY while nothing else can move fails with PlanStuckError instead of spinning', async (t) => {
    let calls = 0;
    const plan = fromItems([1]).forEach(() => {
      calls++;
      return NOT_READY;
    });
    const { rt } = await runPlan(plan, { t });
    await assert.rejects(rt.next(), PlanStuckError);
    assert.ok(calls <= 3, `the refused item was retried a bounded number of times (${calls})`);
  });

  test('driver-side stage references: factories keep per-node state', async (t) => {
    const plan = fromItems([1, 2, 3, 4]).forEach(runningSum.with()).forEach(scale.with(10)).forEach(runningSum.with());
    const { drain } = await runPlan(plan, { t });
    // running sums 1, 3, 6, 10 → ×10 → 10, 30, 60, 100 → running sums of those.
    assert.deepEqual(await drain(), [10, 40, 100, 200]);
  });
});

describe('element operators on the actors', () => {
  test('forEach → filter → batch on each shard; a short final batch is flushed when the shard ends', async (t) => {
    const workers = actors(Counter, { count: 2, args: [0, 5] });
    const plan = fromActors(workers).forEach(double).filter(notMultipleOf3).batch(2).gatherSync();
    const { drain } = await runPlan(plan, { t });
    // actor 0: 0 2 4 6 8 → 2 4 8 → [2,4] [8]; actor 1: 2000 2002 2004 2006 2008 → 2000 2002 2006 2008.
    assert.deepEqual(await drain(), [[2, 4], [2000, 2002], [8], [2006, 2008]]);
  });

  test('flatten and combine on the actors', async (t) => {
    const workers = actors(Counter, { count: 2, args: [1, 3] });
    const plan = fromActors(workers).batch(2).flatten().combine(withTimesTen).gatherSync();
    const { drain } = await runPlan(plan, { t });
    // actor 0: 1 2 3, actor 1: 1001 1002 1003; one item per shard and round.
    assert.deepEqual(await drain(), [1, 1001, 10, 10010, 2, 1002, 20, 10020, 3, 1003, 30, 10030]);
  });

  test('a transform generator on each shard buffers pairs; its early return ends the shard', async (t) => {
    const workers = actors(Counter, { count: 2, args: [0, -1] }); // infinite sources
    const plan = fromActors(workers).transform(pairSumsUpTo.with(2)).gatherSync();
    const { drain } = await runPlan(plan, { t });
    assert.deepEqual(await drain(), [0 + 1, 1000 + 1001, 2 + 3, 1002 + 1003]);
  });

  test('a transform that returns early still lets the stages after it flush (batch after transform)', async (t) => {
    const workers = actors(Counter, { count: 2, args: [0, -1] }); // infinite sources
    const plan = fromActors(workers).transform(pairSumsUpTo.with(3)).batch(2).gatherSync();
    const { drain } = await runPlan(plan, { t });
    // actor 0: sums 1 5 9 → [1,5] [9]; actor 1: 2001 2005 2009 → [2001,2005] [2009].
    assert.deepEqual(await drain(), [[1, 5], [2001, 2005], [9], [2009]]);
  });

  test('a transform generator sees the end of its shard', async (t) => {
    const workers = actors(Counter, { count: 1, args: [0, 4] });
    const { drain } = await runPlan(fromActors(workers).transform(pairwiseSums).gatherSync(), { t });
    assert.deepEqual(await drain(), [1, 3, 5]);
  });

  test('stage factories keep per-shard state (one running sum per actor)', async (t) => {
    const workers = actors(Counter, { count: 2, args: [0, 4] });
    const { drain } = await runPlan(fromActors(workers).forEach(runningSum.with()).gatherSync(), { t });
    assert.deepEqual(await drain(), [0, 1000, 1, 2001, 3, 3003, 6, 4006]);
  });

  test('ctx.actorContext and ctx.actor inside actor stages are the actor running the shard', async (t) => {
    const group = actors(Scripted, { count: 2, args: [[[[0, 'a'], [0, 'b']], [[0, 'x']]]], name: 'src' });
    const plan = fromActors(group).forEach(whereAmI).gatherSync();
    const { drain } = await runPlan(plan, { t });
    assert.deepEqual(await drain(), ['src[0]/Scripted:a', 'src[1]/Scripted:x', 'src[0]/Scripted:b']);
  });

  test('ctx.actor reads the actor instance state as the stage runs', async (t) => {
    const group = actors(Scripted, { count: 1, args: [[[[0, 'a'], [5, 'b'], [5, 'c']]]] });
    const { drain } = await runPlan(fromActors(group).forEach(withProduced).gatherSync(), { t });
    assert.deepEqual(await drain(), [['a', 1], ['b', 2], ['c', 3]]);
  });

  test('tagWithActor names each shard', async (t) => {
    const workers = actors(Counter, { count: 3, args: [0, 1], name: 'w' });
    const { drain } = await runPlan(fromActors(workers).forEach(tagWithActor).gatherSync(), { t });
    assert.deepEqual(await drain(), ['w[0]:0', 'w[1]:1000', 'w[2]:2000']);
  });
});
