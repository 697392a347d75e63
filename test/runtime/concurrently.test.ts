/**
 * Timeline tests of `concurrently` in both modes on the local backend: round-robin turns and weights
 * (integer, fractional, '*'), `outputIndexes`, NOT_READY giving up a turn, async completion order,
 * ending, not spinning while idle, and nesting.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { actors, concurrently, fromActors, fromItems, fromIterable, type Stream } from '../../src/dsl/index.js';
import { NOT_READY } from '../../src/ir/contract.js';
import { Scripted, Ticker } from '../fixtures/timeline-actors.js';
import { runPlan } from './helpers.js';

/** `n` labels `${prefix}1` … `${prefix}n`. */
function labels(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, k) => `${prefix}${k + 1}`);
}

/** A driver stream that yields `items`, spending `ms` of virtual time before each. */
function timed(items: string[], ms: number): Stream<string> {
  return fromItems(items).forEach(async (x, ctx) => {
    await ctx.delay(ms);
    return x;
  });
}

function countOf(xs: readonly string[], prefix: string): number {
  return xs.filter((x) => x.startsWith(prefix)).length;
}

describe('concurrently roundRobin', () => {
  test('default weights: one item per stream per turn; an ended stream is skipped', async (t) => {
    const { drain } = await runPlan(concurrently([fromItems(labels('a', 3)), fromItems(labels('b', 5))], { mode: 'roundRobin' }), { t });
    assert.deepEqual(await drain(), ['a1', 'b1', 'a2', 'b2', 'a3', 'b3', 'b4', 'b5']);
  });

  test('three streams take turns in stream order', async (t) => {
    const plan = concurrently([fromItems(labels('a', 2)), fromItems(labels('b', 2)), fromItems(labels('c', 2))], { mode: 'roundRobin' });
    const { drain } = await runPlan(plan, { t });
    assert.deepEqual(await drain(), ['a1', 'b1', 'c1', 'a2', 'b2', 'c2']);
  });

  test('integer weights [2, 1]: two items from the first stream per turn, one from the second', async (t) => {
    const plan = concurrently([fromItems(labels('a', 6)), fromItems(labels('b', 3))], { mode: 'roundRobin', weights: [2, 1] });
    const { drain } = await runPlan(plan, { t });
    assert.deepEqual(await drain(), ['a1', 'a2', 'b1', 'a3', 'a4', 'b2', 'a5', 'a6', 'b3']);
  });

  test('a blocking stream holds its turn until its item is there (turns, not speed, decide the order)', async (t) => {
    const plan = concurrently([timed(labels('slow', 3), 10), timed(labels('fast', 3), 1)], { mode: 'roundRobin' });
    const { drain } = await runPlan(plan, { t });
    assert.deepEqual(await drain(), ['slow1', 'fast1', 'slow2', 'fast2', 'slow3', 'fast3']);
  });

  test('fractional weights: deterministic for a seed, and the long-run ratio is close to the weight', async (t) => {
    const plan = () => concurrently([fromItems(['a'], { repeat: true }), fromItems(['b'], { repeat: true })], { mode: 'roundRobin', weights: [0.5, 1] });
    const first = await (await runPlan(plan(), { t, seed: 7 })).take(3000);
    const again = await (await runPlan(plan(), { t, seed: 7 })).take(3000);
    const other = await (await runPlan(plan(), { t, seed: 8 })).take(3000);
    assert.deepEqual(again, first, 'same seed, same sequence');
    assert.notDeepEqual(other, first, 'another seed rounds differently');
    const ratio = countOf(first, 'a') / countOf(first, 'b');
    assert.ok(ratio > 0.45 && ratio < 0.55, `a weight of 0.5 gives about half as many items as weight 1 (got ${ratio})`);
    // A 0.5 turn is 0 or 1 item, never more: no two 'a' in a row.
    assert.ok(!first.join('').includes('aa'));
  });

  test('a fractional weight above 1 (2.5) averages to 2.5 items per turn, 2 or 3 each', async (t) => {
    const plan = concurrently([fromItems(['a'], { repeat: true }), fromItems(['b'], { repeat: true })], { mode: 'roundRobin', weights: [2.5, 1] });
    const out = await (await runPlan(plan, { t, seed: 3 })).take(3500);
    // The last run is left out: take(3500) may cut the last turn short.
    const runs = out.join('').split('b').slice(0, -1).filter((r) => r.length > 0).map((r) => r.length);
    assert.ok(runs.every((n) => n === 2 || n === 3), `each turn pulls 2 or 3 items (got ${[...new Set(runs)].join(', ')})`);
    const ratio = countOf(out, 'a') / countOf(out, 'b');
    assert.ok(ratio > 2.4 && ratio < 2.6, `ratio ${ratio}`);
  });

  test("'*' takes everything that is ready in one turn, at most 100 items", async (t) => {
    const many = Array.from({ length: 150 }, (_, k) => `s${k}`);
    const plan = concurrently([fromItems(many), fromItems(labels('o', 2))], { mode: 'roundRobin', weights: ['*', 1] });
    const out = await (await runPlan(plan, { t })).drain();
    assert.deepEqual(out, [...many.slice(0, 100), 'o1', ...many.slice(100), 'o2']);
  });

  test("'*' does not wait: a slow actor's items are taken when they have arrived, other streams keep turning", async (t) => {
    const slow = fromActors(actors(Ticker, { count: 1, args: [[5], 2] })).gatherAsync();
    const plan = concurrently([slow, timed(labels('x', 7), 2)], { mode: 'roundRobin', weights: ['*', 1] });
    const out = await (await runPlan(plan, { t })).drain();
    // x items at t = 2, 4, …, 14. The ticker's 0:0 (t=5) is taken at the '*' turn of t=6, which also
    // asks for the next one (gatherAsync re-requests when its reply is consumed): 0:1 comes at t=11 and
    // is taken at the '*' turn of t=12.
    assert.deepEqual(out, ['x1', 'x2', 'x3', '0:0', 'x4', 'x5', 'x6', '0:1', 'x7']);
  });

  test('outputIndexes drops the outputs of unlisted streams but still runs them', async (t) => {
    const log: string[] = [];
    const store = fromItems([1, 2, 3, 4]).forEach((x, ctx) => {
      ctx.metrics.inc('stored');
      log.push(`store${x}`);
      return x;
    });
    const train = fromItems(labels('t', 2)).forEach((x) => {
      log.push(x);
      return x;
    });
    const { rt, take, drain } = await runPlan(concurrently([store, train], { mode: 'roundRobin', outputIndexes: [1] }), { t });
    assert.deepEqual(await take(1), ['t1']);
    assert.deepEqual(log, ['store1', 't1'], 'the store branch had its turn before the first output');
    assert.deepEqual(await drain(), ['t2']);
    assert.equal(rt.metrics.get('stored'), 4, 'every store ran, although none was emitted');
    assert.deepEqual(log, ['store1', 't1', 'store2', 't2', 'store3', 'store4']);
  });

  test('a stream answering NOT_READY gives up its turn (and keeps its item for the next one)', async (t) => {
    const log: string[] = [];
    let calls = 0;
    const picky = fromItems(['p1', 'p2']).forEach((x) => {
      log.push(`ask ${x}`);
      return ++calls % 3 === 0 ? x : NOT_READY; // accepts every third call
    });
    const steady = fromItems(labels('s', 6)).forEach((x) => {
      log.push(x);
      return x;
    });
    const { drain } = await runPlan(concurrently([picky, steady], { mode: 'roundRobin' }), { t });
    assert.deepEqual(await drain(), ['s1', 's2', 'p1', 's3', 's4', 's5', 'p2', 's6']);
    assert.deepEqual(log, ['ask p1', 's1', 'ask p1', 's2', 'ask p1', 's3', 'ask p2', 's4', 'ask p2', 's5', 'ask p2', 's6']);
  });

  test("a round-robin union whose only live stream is a waiting '*' sleeps until it has data (no PlanStuckError)", async (t) => {
    const a = fromActors(actors(Scripted, { count: 1, args: [[[[50, 'late']]]], name: 'a' })).gatherAsync();
    const b = fromActors(actors(Scripted, { count: 1, args: [[[[20, 'early']]]], name: 'b' })).gatherAsync();
    const { drain } = await runPlan(concurrently([a, b], { mode: 'roundRobin', weights: ['*', 1] }), { t });
    // b blocks its turn until t=20 and then ends; a's '*' turns answer NOT_READY until t=50.
    assert.deepEqual(await drain(), ['early', 'late']);
  });
});

describe('concurrently async', () => {
  test('outputs come in completion order across branches (virtual timings)', async (t) => {
    const plan = concurrently([timed(labels('a', 3), 3), timed(labels('b', 4), 2)], { mode: 'async' });
    const { drain } = await runPlan(plan, { t });
    // a at 3, 6, 9; b at 2, 4, 6, 8; at t=6 a2's timer was set first (at t=3, b3's at t=4).
    assert.deepEqual(await drain(), ['b1', 'a1', 'b2', 'a2', 'b3', 'b4', 'a3']);
  });

  test('gathers from actors interleave by arrival', async (t) => {
    const a = fromActors(actors(Ticker, { count: 1, args: [[3], 3], name: 'a' })).gatherAsync();
    const b = fromActors(actors(Scripted, { count: 1, args: [[[[1, 'b0'], [6, 'b1'], [1, 'b2']]]], name: 'b' })).gatherAsync();
    const { drain } = await runPlan(concurrently([a, b], { mode: 'async' }), { t });
    // a: 0:0 at 3, 0:1 at 6, 0:2 at 9; b: b0 at 1, b1 at 7, b2 at 8.
    assert.deepEqual(await drain(), ['b0', '0:0', '0:1', 'b1', 'b2', '0:2']);
  });

  test('outputIndexes: unlisted branches run for their side effects only', async (t) => {
    const store = timed(labels('s', 5), 2).forEach((x, ctx) => {
      ctx.metrics.inc('stored');
      return x;
    });
    const plan = concurrently([store, timed(labels('t', 2), 5)], { mode: 'async', outputIndexes: [1] });
    const { rt, take, drain } = await runPlan(plan, { t });
    assert.deepEqual(await take(1), ['t1']);
    assert.equal(rt.metrics.get('stored'), 2, 'by t=5 the store branch ran twice (t=2, t=4)');
    assert.deepEqual(await drain(), ['t2']);
    assert.equal(rt.metrics.get('stored'), 5);
  });

  test('ends only when every branch has ended', async (t) => {
    const plan = concurrently([timed(['a1'], 1), timed(labels('b', 3), 5), fromItems<string>([])], { mode: 'async' });
    const { rt, drain } = await runPlan(plan, { t });
    assert.deepEqual(await drain(), ['a1', 'b1', 'b2', 'b3']);
    assert.deepEqual(await rt.next(), { done: true, value: undefined });
  });

  test('an idle union does not spin: a NOT_READY branch is asked a bounded number of times while a slow actor works', async (t) => {
    let asked = 0;
    const idle = fromItems([0]).forEach(() => {
      asked++;
      return NOT_READY;
    });
    const slow = fromActors(actors(Scripted, { count: 1, args: [[[[1000, 'late'], [1000, 'later']]]] })).gatherAsync();
    const { take } = await runPlan(concurrently([idle, slow], { mode: 'async' }), { t });
    assert.deepEqual(await take(2), ['late', 'later']);
    assert.ok(asked >= 1 && asked <= 10, `the NOT_READY branch was asked ${asked} times over 2000 ms of waiting`);
  });

  test('an idle union does not spin on a source that is waiting either', async (t) => {
    let pulled = 0;
    const source = fromIterable(async function* (ctx) {
      for (let k = 0; k < 3; k++) {
        pulled++;
        await ctx.delay(100);
        yield `it${k}`;
      }
    });
    const slow = fromActors(actors(Scripted, { count: 1, args: [[[[150, 'actor']]]] })).gatherAsync();
    const { drain } = await runPlan(concurrently([source, slow], { mode: 'async' }), { t });
    assert.deepEqual(await drain(), ['it0', 'actor', 'it1', 'it2']);
    assert.equal(pulled, 3, 'one pull per item of the iterable');
  });
});

describe('nested concurrently', () => {
  test('round-robin inside round-robin: the inner union yields one item per outer turn', async (t) => {
    const inner = concurrently([fromItems(labels('a', 2)), fromItems(labels('b', 2))], { mode: 'roundRobin' });
    const plan = concurrently([inner, fromItems(labels('c', 4))], { mode: 'roundRobin' });
    const { drain } = await runPlan(plan, { t });
    assert.deepEqual(await drain(), ['a1', 'c1', 'b1', 'c2', 'a2', 'c3', 'b2', 'c4']);
  });

  test('async inside round-robin: the inner union answers in completion order at each of its turns', async (t) => {
    const inner = concurrently([timed(labels('slow', 2), 5), timed(labels('fast', 2), 1)], { mode: 'async' });
    const plan = concurrently([inner, timed(labels('c', 4), 1)], { mode: 'roundRobin' });
    const { drain } = await runPlan(plan, { t });
    // The inner union keeps one pull outstanding on each of its branches, also between its turns:
    // fast1 at 1, c1 at 2, fast2 at 2 (asked at 1), c2 at 3, slow1 at 5, c3 at 6, slow2 at 10, c4 at 11.
    assert.deepEqual(await drain(), ['fast1', 'c1', 'fast2', 'c2', 'slow1', 'c3', 'slow2', 'c4']);
  });

  test('round-robin inside async', async (t) => {
    const inner = concurrently([timed(labels('a', 2), 4), timed(labels('b', 2), 4)], { mode: 'roundRobin' });
    const plan = concurrently([inner, timed(labels('c', 3), 3)], { mode: 'async' });
    const { drain } = await runPlan(plan, { t });
    // inner: a1 at 4, b1 at 8, a2 at 12, b2 at 16; c: 3, 6, 9.
    assert.deepEqual(await drain(), ['c1', 'a1', 'c2', 'b1', 'c3', 'a2', 'b2']);
  });
});
