/**
 * Timeline tests of message passing from the driver to actors: `callActors` (broadcast, fire-and-forget
 * or waited), `callSourceActor`, `callActor` (request/reply, round-robin) and `zipWithSourceActor`, and
 * how their failures surface.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { actors, fromActors, fromItems } from '../../src/dsl/index.js';
import type { ActorRef } from '../../src/ir/contract.js';
import { PlanError, StageError } from '../../src/ir/errors.js';
import { Scripted, Service, type RecordedCall, type ScriptStep } from '../fixtures/timeline-actors.js';
import { runPlan } from './helpers.js';

const ref = (group: string, index: number): ActorRef => ({ group, index });

/** Three items per actor, `[delay, 'a<i>:<k>']`. */
function threeEach(count: number): ScriptStep[][] {
  return Array.from({ length: count }, (_, i) => [1, 2, 3].map((k): ScriptStep => [1, `a${i}:${k}`]));
}

describe('callActors', () => {
  test('broadcasts each item to every actor of the group and passes the item on', async (t) => {
    const group = actors(Scripted, { count: 3, args: [[]], name: 'learners' });
    const plan = fromItems(['w1', 'w2'])
      .callActors(group, 'record')
      .forEach(async (x, ctx) => {
        // Later calls to an actor run after earlier ones (its mailbox), so this sees the broadcast.
        const calls = (await ctx.callAll('learners', 'getCalls')) as RecordedCall[][];
        return [x, calls.map((c) => c.map((r) => r.args[0]))];
      });
    const { drain } = await runPlan(plan, { t });
    assert.deepEqual(await drain(), [
      ['w1', [['w1'], ['w1'], ['w1']]],
      ['w2', [['w1', 'w2'], ['w1', 'w2'], ['w1', 'w2']]],
    ]);
  });

  test('args(item, ctx) builds the call arguments', async (t) => {
    const group = actors(Scripted, { count: 2, args: [[]], name: 'g' });
    const plan = fromItems([1, 2]).callActors(group, 'record', { args: (x, ctx) => [x * 10, ctx.metrics.inc('broadcasts')] });
    const { rt, drain } = await runPlan(plan, { t });
    assert.deepEqual(await drain(), [1, 2]);
    for (const i of [0, 1]) {
      const calls = (await rt.backend.call(ref('g', i), 'getCalls', [])) as RecordedCall[];
      assert.deepEqual(calls.map((c) => c.args), [[10, 1], [20, 2]]);
    }
  });

  test('fire-and-forget: a broadcast made before the next pull is seen before the actor produces its next item', async (t) => {
    const group = actors(Scripted, { count: 2, args: [threeEach(2)], name: 'src' });
    const plan = fromActors(group).gatherSync().callActors(group, 'record');
    const { rt, drain } = await runPlan(plan, { t });
    assert.deepEqual(await drain(), ['a0:1', 'a1:1', 'a0:2', 'a1:2', 'a0:3', 'a1:3']);
    for (const i of [0, 1]) {
      const calls = (await rt.backend.call(ref('src', i), 'getCalls', [])) as RecordedCall[];
      // Each broadcast of round k reached the actor when it had produced exactly k items.
      assert.deepEqual(
        calls.map((c) => [c.args[0], c.produced]),
        [['a0:1', 1], ['a1:1', 1], ['a0:2', 2], ['a1:2', 2], ['a0:3', 3], ['a1:3', 3]],
      );
    }
  });

  test('after gatherAsync the next request is already queued, so a broadcast lands after the next item', async (t) => {
    const group = actors(Scripted, { count: 1, args: [threeEach(1)], name: 'src' });
    const { rt, drain } = await runPlan(fromActors(group).gatherAsync().callActors(group, 'record'), { t });
    assert.deepEqual(await drain(), ['a0:1', 'a0:2', 'a0:3']);
    const calls = (await rt.backend.call(ref('src', 0), 'getCalls', [])) as RecordedCall[];
    // gatherAsync re-requests before passing an item on (as RLlib's does): the actor had made item k+1
    // when the broadcast of item k reached it (the last request found the end of the stream instead).
    assert.deepEqual(
      calls.map((c) => [c.args[0], c.produced]),
      [['a0:1', 2], ['a0:2', 3], ['a0:3', 3]],
    );
  });

  test('fire-and-forget does not wait; wait: true passes the item on only once every actor answered', async (t) => {
    const stamped = async (wait: boolean) => {
      const group = actors(Service, { count: 2, args: [5], name: 'svc' });
      const plan = fromItems(['a', 'b']).callActors(group, 'handle', { wait }).forEach((x, ctx) => `${x}@${ctx.now()}`);
      return (await runPlan(plan, { t })).drain();
    };
    assert.deepEqual(await stamped(false), ['a@0', 'b@0']);
    // Each actor takes 5 ms per call; the two actors work in parallel.
    assert.deepEqual(await stamped(true), ['a@5', 'b@10']);
  });

  test('a failing fire-and-forget call surfaces at the next pull as a StageError naming node and actor', async (t) => {
    const group = actors(Service, { count: 2, args: [0], name: 'svc' });
    const plan = fromItems([1, 2, 3]).callActors(group, 'fail', { args: (x) => [`bad ${x}`], name: 'broadcast' });
    const { rt } = await runPlan(plan, { t });
    assert.deepEqual(await rt.next(), { done: false, value: 1 }, 'the item passes: the call has not failed yet');
    const err = await rt.next().then(
      () => assert.fail('the failure was lost'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof StageError);
    assert.equal(err.name, 'StageError');
    assert.equal(err.nodeName, 'broadcast');
    assert.equal(err.actor, 'svc[0]');
    assert.match(err.reason, /bad 1/);
    assert.match(err.remoteStack ?? '', /fail/);
  });

  test('a failing waited call fails the pull that made it', async (t) => {
    const group = actors(Service, { count: 1, args: [0], name: 'svc' });
    const plan = fromItems([1, 2]).callActors(group, 'fail', { args: (x) => [`bad ${x}`], wait: true, name: 'sync' });
    const { rt } = await runPlan(plan, { t });
    await assert.rejects(rt.next(), (e: unknown) => e instanceof StageError && e.nodeName === 'sync' && e.actor === 'svc[0]' && /bad 1/.test(e.reason));
  });
});

describe('StageContext.tellAll', () => {
  test('does not wait for the replies, and the actors run it before any later call', async (t) => {
    const group = actors(Service, { count: 2, args: [5], name: 'svc' });
    const plan = fromItems(['a', 'b'])
      .callActors(group, 'getSeen', { wait: true })
      .forEach(async (x: string, ctx) => {
        ctx.tellAll('svc', 'handle', x);
        const at = ctx.now();
        // A later call queues behind the told one on each actor's mailbox.
        const seen = (await ctx.callAll('svc', 'getSeen')) as unknown[][];
        return [x, at, seen];
      });
    const { drain } = await runPlan(plan, { t });
    // Told at once (the item's time did not move); each actor had handled it when asked what it saw.
    assert.deepEqual(await drain(), [
      ['a', 0, [['a'], ['a']]],
      ['b', 5, [['a', 'b'], ['a', 'b']]],
    ]);
  });

  test('a failing told call surfaces at the next pull as a StageError naming node and actor', async (t) => {
    const group = actors(Service, { count: 1, args: [0], name: 'svc' });
    const plan = fromItems([1, 2, 3])
      .callActors(group, 'getSeen', { wait: true })
      .forEach((x: number, ctx) => {
        ctx.tellAll('svc', 'fail', `bad ${x}`);
        return x;
      }, { name: 'teller' });
    const { rt } = await runPlan(plan, { t });
    assert.deepEqual(await rt.next(), { done: false, value: 1 }, 'the item passes: the call has not failed yet');
    await assert.rejects(rt.next(), (e: unknown) => e instanceof StageError && e.nodeName === 'teller' && e.actor === 'svc[0]' && /bad 1/.test(e.reason));
  });
});

describe('callSourceActor', () => {
  test('reaches only the actor that produced the item', async (t) => {
    const group = actors(Scripted, { count: 3, args: [threeEach(3)], name: 'src' });
    const { rt, drain } = await runPlan(fromActors(group).gatherAsync().callSourceActor('record'), { t });
    assert.equal((await drain()).length, 9);
    for (const i of [0, 1, 2]) {
      const calls = (await rt.backend.call(ref('src', i), 'getCalls', [])) as RecordedCall[];
      assert.deepEqual(
        calls.map((c) => c.args[0]),
        [`a${i}:1`, `a${i}:2`, `a${i}:3`],
      );
    }
  });

  test('after gatherSync too (each item remembers its shard)', async (t) => {
    const group = actors(Scripted, { count: 2, args: [threeEach(2)], name: 'src' });
    const plan = fromActors(group).gatherSync().callSourceActor('record', { args: (x, ctx) => [`${x} from ${ctx.sourceActor?.index}`] });
    const { rt, drain } = await runPlan(plan, { t });
    await drain();
    const calls = (await rt.backend.call(ref('src', 1), 'getCalls', [])) as RecordedCall[];
    assert.deepEqual(
      calls.map((c) => c.args[0]),
      ['a1:1 from 1', 'a1:2 from 1', 'a1:3 from 1'],
    );
  });

  test('on items that came from no actor: PlanError naming the node', async (t) => {
    const { rt } = await runPlan(fromItems([1]).callSourceActor('record', { name: 'reply' }), { t });
    await assert.rejects(rt.next(), (e: unknown) => e instanceof PlanError && e.name === 'PlanError' && e.nodeName === 'reply' && e.nodeId !== undefined);
  });

  test('after batchAcrossShards (a list has no single source): PlanError', async (t) => {
    const group = actors(Scripted, { count: 2, args: [threeEach(2)], name: 'src' });
    const { rt } = await runPlan(fromActors(group).batchAcrossShards().callSourceActor('record', { name: 'reply' }), { t });
    await assert.rejects(rt.next(), (e: unknown) => e instanceof PlanError && e.nodeName === 'reply');
  });
});

describe('callActor', () => {
  test('round-robins over the group and tags each reply with the actor that answered', async (t) => {
    const group = actors(Service, { count: 2, args: [0], name: 'svc' });
    const { drain } = await runPlan(fromItems(['x', 'y', 'z']).callActor(group, 'handle').zipWithSourceActor(), { t });
    assert.deepEqual(await drain(), [
      [ref('svc', 0), 'svc[0]:x'],
      [ref('svc', 1), 'svc[1]:y'],
      [ref('svc', 0), 'svc[0]:z'],
    ]);
  });

  test('waits for each reply (request/reply timeline)', async (t) => {
    const group = actors(Service, { count: 1, args: [4], name: 'svc' });
    const plan = fromItems([1, 2, 3]).callActor(group, 'handle').forEach((x, ctx) => `${x}@${ctx.now()}`);
    const { drain } = await runPlan(plan, { t });
    assert.deepEqual(await drain(), ['svc[0]:1@4', 'svc[0]:2@8', 'svc[0]:3@12']);
  });

  test('callSourceActor after callActor replies to the actor that answered', async (t) => {
    const group = actors(Service, { count: 2, args: [0], name: 'svc' });
    const plan = fromItems([1, 2, 3]).callActor(group, 'handle').callSourceActor('handle', { args: (x) => [`ack ${x}`], wait: true });
    const { rt, drain } = await runPlan(plan, { t });
    assert.deepEqual(await drain(), ['svc[0]:1', 'svc[1]:2', 'svc[0]:3']);
    assert.deepEqual(await rt.backend.call(ref('svc', 0), 'getSeen', []), [1, 'ack svc[0]:1', 3, 'ack svc[0]:3']);
    assert.deepEqual(await rt.backend.call(ref('svc', 1), 'getSeen', []), [2, 'ack svc[1]:2']);
  });

  test('a failing method is a StageError naming the node and the actor', async (t) => {
    const group = actors(Service, { count: 2, args: [0], name: 'svc' });
    const { rt } = await runPlan(fromItems(['oops']).callActor(group, 'fail', { name: 'ask' }), { t });
    await assert.rejects(rt.next(), (e: unknown) => e instanceof StageError && e.nodeName === 'ask' && e.actor === 'svc[0]' && /oops/.test(e.reason));
  });
});

describe('zipWithSourceActor', () => {
  test('pairs each item with its source actor', async (t) => {
    const group = actors(Scripted, { count: 2, args: [[[[2, 'slow']], [[1, 'fast']]]], name: 'src' });
    const { drain } = await runPlan(fromActors(group).gatherAsync().zipWithSourceActor(), { t });
    assert.deepEqual(await drain(), [
      [ref('src', 1), 'fast'],
      [ref('src', 0), 'slow'],
    ]);
  });

  test('on items that came from no actor: PlanError naming the node', async (t) => {
    const { rt } = await runPlan(fromItems([1, 2]).zipWithSourceActor({ name: 'zip' }), { t });
    const err = await rt.next().then(
      () => assert.fail('expected a PlanError'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof PlanError);
    assert.equal(err.nodeName, 'zip');
    assert.ok(err.source, 'the error carries the plan line');
    assert.ok(err.hint, 'and a hint');
  });
});

describe('callActor keepSource', () => {
  test('the reply keeps the source actor of the item, so callSourceActor answers the producer', async (t) => {
    const { Counter } = await import('../fixtures/counters.js');
    const workers = actors(Counter, { count: 2, args: [0, 2], name: 'workers' });
    const service = actors(Counter, { count: 1, name: 'service' });
    const plan = fromActors(workers)
      .gatherAsync()
      .callActor(service, 'echo', { keepSource: true })
      .zipWithSourceActor()
      .forEach(([actor, x]: [ActorRef, unknown]) => `${actor.group}[${actor.index}]:${String(x)}`);
    const { take } = await runPlan(plan, { t });
    assert.deepEqual((await take(4)).sort(), ['workers[0]:0', 'workers[0]:1', 'workers[1]:1000', 'workers[1]:1001']);
  });
});
