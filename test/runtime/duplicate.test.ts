/**
 * Timeline tests of `duplicate(n, { maxSkew })`: every consumer sees every item once and in order, the
 * parent is pulled once per item, and a consumer `maxSkew` items ahead of the slowest is told NOT_READY.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { actors, compile, concurrently, fromActors, fromItems, fromIterable } from '../../src/dsl/index.js';
import { NOT_READY } from '../../src/ir/contract.js';
import { PlanStuckError } from '../../src/ir/errors.js';
import { run } from '../../src/runtime/index.js';
import { Ticker } from '../fixtures/timeline-actors.js';
import { runPlan } from './helpers.js';

/** A source of 1..n that counts how often it is pulled. */
function countedSource(n: number, counter: { pulled: number }) {
  return fromIterable(function* () {
    for (let k = 1; k <= n; k++) {
      counter.pulled++;
      yield k;
    }
  });
}

describe('duplicate', () => {
  test('every consumer sees every item, in order; the parent is pulled once per item', async (t) => {
    const counter = { pulled: 0 };
    const [left, right] = countedSource(4, counter).duplicate(2);
    const plan = concurrently([left!.forEach((x) => `L${x}`), right!.forEach((x) => `R${x}`)], { mode: 'roundRobin' });
    const { drain } = await runPlan(plan, { t });
    assert.deepEqual(await drain(), ['L1', 'R1', 'L2', 'R2', 'L3', 'R3', 'L4', 'R4']);
    assert.equal(counter.pulled, 4);
  });

  test('three consumers', async (t) => {
    const [a, b, c] = fromItems([1, 2]).duplicate(3);
    const plan = concurrently([a!.forEach((x) => `a${x}`), b!.forEach((x) => `b${x}`), c!.forEach((x) => `c${x}`)], { mode: 'roundRobin' });
    const { drain } = await runPlan(plan, { t });
    assert.deepEqual(await drain(), ['a1', 'b1', 'c1', 'a2', 'b2', 'c2']);
  });

  test('maxSkew 1: a consumer one item ahead of its sibling gets NOT_READY (lockstep)', async (t) => {
    const [left, right] = fromItems([1, 2, 3, 4, 5, 6]).duplicate(2, { maxSkew: 1 });
    const plan = concurrently([left!.forEach((x) => `L${x}`), right!.forEach((x) => `R${x}`)], { mode: 'roundRobin', weights: [3, 1] });
    const { drain } = await runPlan(plan, { t });
    // The left consumer would take 3 per turn but may only be 1 ahead.
    assert.deepEqual(await drain(), ['L1', 'R1', 'L2', 'R2', 'L3', 'R3', 'L4', 'R4', 'L5', 'R5', 'L6', 'R6']);
  });

  test('maxSkew 3: a consumer may run up to 3 items ahead', async (t) => {
    const [left, right] = fromItems([1, 2, 3, 4, 5, 6]).duplicate(2, { maxSkew: 3 });
    const plan = concurrently([left!.forEach((x) => `L${x}`), right!.forEach((x) => `R${x}`)], { mode: 'roundRobin', weights: [3, 1] });
    const { drain } = await runPlan(plan, { t });
    // L takes 3 (skew 3), then one more each time R catches up by one, and ends when the parent does.
    assert.deepEqual(await drain(), ['L1', 'L2', 'L3', 'R1', 'L4', 'R2', 'L5', 'R3', 'L6', 'R4', 'R5', 'R6']);
  });

  test('both consumers in an async union: each gets every item in order', async (t) => {
    const source = fromActors(actors(Ticker, { count: 1, args: [[2], 4] })).gatherAsync();
    const [left, right] = source.duplicate(2, { maxSkew: 2 });
    const slowRight = right!.forEach(async (x, ctx) => {
      await ctx.delay(3);
      return `R${x}@${ctx.now()}`;
    });
    const plan = concurrently([left!.forEach((x, ctx) => `L${x}@${ctx.now()}`), slowRight], { mode: 'async' });
    const { drain } = await runPlan(plan, { t });
    // The actor yields at 2, 4, 6, 8; the right consumer needs 3 ms per item. At t=8 R0:1's timer (set
    // at 5) fires before the actor's (set at 6).
    assert.deepEqual(await drain(), ['L0:0@2', 'L0:1@4', 'R0:0@5', 'L0:2@6', 'R0:1@8', 'L0:3@8', 'R0:2@11', 'R0:3@14']);
  });

  test('both consumers in an async union: exact interleaving with a slow consumer', async (t) => {
    const [left, right] = fromItems([1, 2, 3, 4]).duplicate(2, { maxSkew: 2 });
    const slowRight = right!.forEach(async (x, ctx) => {
      await ctx.delay(5);
      return `R${x}@${ctx.now()}`;
    });
    const plan = concurrently([left!.forEach((x, ctx) => `L${x}@${ctx.now()}`), slowRight], { mode: 'async' });
    const { drain } = await runPlan(plan, { t });
    // Skew counts items taken: R took item 1 at t=0 (and works on it until t=5), so L may take 1 2 3 at
    // once, then one more each time R takes its next item.
    assert.deepEqual(await drain(), ['L1@0', 'L2@0', 'L3@0', 'R1@5', 'L4@5', 'R2@10', 'R3@15', 'R4@20']);
  });

  test('a consumer that stops pulling stops its sibling after maxSkew items: PlanStuckError', async (t) => {
    const [left, right] = fromItems([1, 2, 3, 4, 5]).duplicate(2, { maxSkew: 2, name: 'fanout' });
    // The right consumer takes item 1 and then refuses it forever, so it never pulls again.
    const stalled = right!.forEach<number>(() => NOT_READY);
    const rt = await run<number>(await compile(concurrently([left!, stalled], { mode: 'roundRobin' })), { backend: 'local', seed: 0 });
    t.after(() => rt.close());
    assert.deepEqual(await rt.take(3), [1, 2, 3], 'left runs 2 ahead of the 1 item right took');
    await assert.rejects(rt.next(), PlanStuckError);
  });
});
