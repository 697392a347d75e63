/**
 * The runtime around the operators, on the local backend: `step()` and what fired, determinism for a
 * seed, PlanStuckError, errors that name the node, the source line and the actor, a failed runtime
 * staying failed, and the metrics context shared by stages.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { actors, concurrently, dequeue, fromActors, fromItems, queue } from '../../src/dsl/index.js';
import { K } from '../../src/ir/kinds.js';
import { PlanStuckError, StageError } from '../../src/ir/errors.js';
import { Counter } from '../fixtures/counters.js';
import { Jitter, failOnTwo } from '../fixtures/timeline-actors.js';
import { runPlan } from './helpers.js';

/** The line number of the line after the call (where the test then makes the DSL call). */
function nextLine(): number {
  const frame = (new Error().stack ?? '').split('\n')[2] ?? '';
  const m = /:(\d+):\d+\)?\s*$/.exec(frame);
  return Number(m?.[1]) + 1;
}

describe('step()', () => {
  test('pulls one output and reports the nodes that produced items meanwhile, in plan order', async (t) => {
    const plan = fromItems([1, 2, 3, 4], { name: 'src' })
      .filter((x) => x % 2 === 0, { name: 'evens' })
      .forEach((x) => x * 10, { name: 'times10' });
    const { rt } = await runPlan(plan, { t });
    const first = await rt.step();
    assert.equal(first.done, false);
    assert.equal(first.value, 20);
    assert.deepEqual(
      first.fired.map((f) => [f.name, f.kind, f.items]),
      [
        ['src', K.fromItems.kind, 2],
        ['evens', K.filter.kind, 1],
        ['times10', K.forEach.kind, 1],
      ],
    );
    assert.equal((await rt.step()).value, 40);
    const end = await rt.step();
    assert.deepEqual(end, { done: true, value: undefined, fired: [] });
  });

  test('reports the gather and the branch that fired in a union, not the idle one', async (t) => {
    const workers = actors(Counter, { count: 2, args: [0, 2], name: 'w' });
    const plan = concurrently([fromActors(workers).gatherSync({ name: 'gather' }), fromItems(['x'], { name: 'side' })], { mode: 'roundRobin', name: 'union' });
    const { rt } = await runPlan(plan, { t });
    const s1 = await rt.step();
    assert.equal(s1.value, 0);
    assert.deepEqual(s1.fired.map((f) => [f.name, f.items]), [['gather', 1], ['union', 1]]);
    const s2 = await rt.step();
    assert.equal(s2.value, 'x');
    assert.deepEqual(s2.fired.map((f) => [f.name, f.items]), [['side', 1], ['union', 1]]);
    const s3 = await rt.step();
    assert.equal(s3.value, 1000, 'the second item of round 1, from the gather buffer');
    assert.deepEqual(s3.fired.map((f) => f.name), ['gather', 'union']);
  });
});

describe('determinism', () => {
  test('same seed, same outputs: an async plan with random actor timings and fractional weights', async (t) => {
    const plan = () => {
      const a = fromActors(actors(Jitter, { count: 3, args: [7], name: 'a' })).gatherAsync({ inFlight: 2 }).forEach((x) => `a${x}`);
      const b = fromActors(actors(Jitter, { count: 2, args: [5], name: 'b' })).gatherAsync().forEach((x) => `b${x}`);
      const mixed = concurrently([a, b], { mode: 'roundRobin', weights: [1.5, 0.5] });
      const c = fromActors(actors(Jitter, { count: 1, args: [3], name: 'c' })).gatherAsync().forEach((x) => `c${x}`);
      return concurrently([mixed, c], { mode: 'async' });
    };
    const once = await (await runPlan(plan(), { t, seed: 42 })).take(300);
    const twice = await (await runPlan(plan(), { t, seed: 42 })).take(300);
    const other = await (await runPlan(plan(), { t, seed: 43 })).take(300);
    assert.deepEqual(twice, once);
    assert.notDeepEqual(other, once, 'another seed gives other timings');
    assert.ok(new Set(once).size === 300, 'no item is emitted twice');
  });
});

describe('PlanStuckError', () => {
  test('a plan that can never produce again fails instead of hanging', async (t) => {
    // The queue's only producer is downstream of its own consumer: the first item can never arrive.
    const q = queue<number>('q', { capacity: 4 });
    const loop = dequeue(q, { name: 'take' }).forEach((x: number) => x + 1).enqueue(q);
    const plan = concurrently([fromItems([1]), loop], { mode: 'roundRobin', outputIndexes: [1], name: 'rr' });
    const { rt } = await runPlan(plan, { t });
    const err = await rt.next().then(
      () => assert.fail('expected PlanStuckError'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof PlanStuckError);
    assert.equal(err.name, 'PlanStuckError');
    assert.equal(err.nodeName, 'rr', 'it names the node that waited');
    assert.ok(err.hint);
  });
});

describe('errors', () => {
  test('a driver stage that throws is a StageError naming the node and its source line', async (t) => {
    const line = nextLine();
    const plan = fromItems([1, 2, 3]).forEach((x) => { if (x === 2) throw new RangeError('no twos'); return x; }, { name: 'picky' }); // prettier-ignore
    const { rt } = await runPlan(plan, { t });
    assert.deepEqual(await rt.next(), { done: false, value: 1 });
    const err = await rt.next().then(
      () => assert.fail('expected StageError'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof StageError);
    assert.equal(err.name, 'StageError');
    assert.equal(err.nodeName, 'picky');
    assert.ok(err.nodeId);
    assert.match(err.source?.file ?? '', /runtime\.test\.ts$/);
    assert.equal(err.source?.line, line);
    assert.match(err.message, new RegExp(`runtime\\.test\\.ts:${line}:`));
    assert.match(err.reason, /RangeError: no twos/);
    assert.equal(err.actor, undefined, 'it ran on the driver');
    assert.ok(err.cause instanceof RangeError);
  });

  test('an actor-side exception names the node, the actor Group[i] and carries the remote stack', async (t) => {
    const workers = actors(Counter, { count: 2, args: [0, 5], name: 'Workers' });
    const line = nextLine();
    const plan = fromActors(workers).forEach(failOnTwo, { name: 'check' }).gatherSync();
    const { rt, take } = await runPlan(plan, { t });
    assert.deepEqual(await take(4), [0, 1000, 1, 1001]);
    const err = await rt.next().then(
      () => assert.fail('expected StageError'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof StageError);
    assert.equal(err.nodeName, 'check');
    assert.equal(err.actor, 'Workers[0]');
    assert.equal(err.source?.line, line);
    assert.match(err.reason, /RangeError: cannot take 2/);
    assert.match(err.remoteStack ?? '', /timeline-actors\.ts/, 'the stack of the code that threw');
    assert.match(err.message, /Workers\[0\]/);
  });

  test('an actor method that throws during items() names the gather chain and the actor', async (t) => {
    const workers = actors(Counter, { count: 1, args: [0, 3], name: 'W' });
    const plan = fromActors(workers).forEach(failOnTwo).gatherAsync();
    const { rt, take } = await runPlan(plan, { t });
    assert.deepEqual(await take(2), [0, 1]);
    await assert.rejects(rt.next(), (e: unknown) => e instanceof StageError && e.actor === 'W[0]' && /forEach\(failOnTwo\)/.test(e.nodeName ?? ''));
  });

  test('a failed runtime stays failed: later pulls throw the same error', async (t) => {
    let calls = 0;
    const plan = fromItems([1, 2, 3, 4]).forEach((x) => {
      calls++;
      if (x === 2) throw new Error('bad');
      return x;
    });
    const { rt } = await runPlan(plan, { t });
    assert.deepEqual(await rt.take(1), [1]);
    const first = await rt.next().catch((e: unknown) => e);
    const second = await rt.next().catch((e: unknown) => e);
    assert.ok(first instanceof StageError);
    assert.equal(second, first);
    await assert.rejects(rt.take(1), (e: unknown) => e === first);
    assert.equal(calls, 2, 'nothing ran after the failure');
  });
});

describe('metrics', () => {
  test('counters set in one stage are visible in later stages and on the runtime', async (t) => {
    const plan = fromItems([1, 2, 3])
      .forEach((x, ctx) => {
        ctx.metrics.inc('seen', x);
        return x;
      })
      .forEach((x, ctx) => [x, ctx.metrics.get('seen')]);
    const { rt, drain } = await runPlan(plan, { t });
    assert.deepEqual(await drain(), [[1, 1], [2, 3], [3, 6]]);
    assert.equal(rt.metrics.get('seen'), 6);
  });

  test('one metrics context across the branches of a union; info is shared too', async (t) => {
    const a = fromItems(['a1', 'a2']).forEach((x, ctx) => {
      ctx.metrics.inc('a');
      ctx.metrics.info['last'] = x;
      return x;
    });
    const b = fromItems(['b1', 'b2']).forEach((x, ctx) => `${x}:a=${ctx.metrics.get('a')}:last=${String(ctx.metrics.info['last'])}`);
    const { rt, drain } = await runPlan(concurrently([a, b], { mode: 'roundRobin', outputIndexes: [1] }), { t });
    assert.deepEqual(await drain(), ['b1:a=1:last=a1', 'b2:a=2:last=a2']);
    assert.deepEqual(rt.metrics.info, { last: 'a2' });
  });

  test('timers: a window of the last 10 samples, with throughput when units are given', async (t) => {
    const plan = fromItems(Array.from({ length: 12 }, (_, k) => k + 1)).forEach(async (x, ctx) => {
      ctx.metrics.timer('learn').push(x, 100);
      await ctx.metrics.timer('wait').time(() => ctx.delay(5));
      return x;
    });
    const { rt, drain } = await runPlan(plan, { t });
    await drain();
    const learn = rt.metrics.timers.get('learn')!;
    assert.equal(learn.count, 12);
    assert.equal(learn.meanMs, (3 + 12) / 2, 'mean of the last 10 samples (3..12)');
    assert.equal(learn.meanThroughput, (10 * 100) / ((3 + 12) * 5 / 1000));
    assert.equal(rt.metrics.timers.get('wait')!.count, 12);
  });
});
