/**
 * Timeline tests of bounded queues: `enqueue` passes items on and holds one it cannot place (answering
 * NOT_READY until there is room), `dequeue` answers NOT_READY while the queue is empty, FIFO throughout.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { concurrently, dequeue, fromItems, fromIterable, queue } from '../../src/dsl/index.js';
import { runPlan } from './helpers.js';

describe('queues', () => {
  test('dequeue yields what enqueue put in, first in first out', async (t) => {
    const q = queue<number>('q', { capacity: 10 });
    const plan = concurrently([fromItems([1, 2, 3, 4, 5, 6]).enqueue(q), dequeue(q)], { mode: 'roundRobin', weights: [3, 1], outputIndexes: [1] });
    const { take } = await runPlan(plan, { t });
    assert.deepEqual(await take(6), [1, 2, 3, 4, 5, 6]);
  });

  test('enqueue passes each item on after placing it', async (t) => {
    const q = queue<string>('q', { capacity: 10 });
    const plan = concurrently([fromItems(['a', 'b']).enqueue(q).forEach((x) => `put ${x}`), dequeue(q).forEach((x) => `got ${x}`)], { mode: 'roundRobin' });
    const { take } = await runPlan(plan, { t });
    assert.deepEqual(await take(4), ['put a', 'got a', 'put b', 'got b']);
  });

  test('back-pressure: a full queue makes the producer hold its item and retry; nothing is lost or duplicated', async (t) => {
    const q = queue<number>('q', { capacity: 2 });
    const events: string[] = [];
    let pulled = 0;
    const source = fromIterable(function* () {
      for (let k = 1; k <= 7; k++) {
        pulled++;
        yield k;
      }
    });
    const producer = source.enqueue(q).forEach((x) => {
      events.push(`put ${x}`);
      return x;
    });
    const consumer = dequeue(q).forEach((x) => {
      events.push(`got ${x}`);
      return x;
    });
    // The producer would place 5 items per turn; the consumer takes 1.
    const { take } = await runPlan(concurrently([producer, consumer], { mode: 'roundRobin', weights: [5, 1], outputIndexes: [1] }), { t });
    assert.deepEqual(await take(7), [1, 2, 3, 4, 5, 6, 7]);
    assert.equal(pulled, 7, 'each item was pulled from the source once, the held one was not pulled again');
    assert.deepEqual(events, ['put 1', 'put 2', 'got 1', 'put 3', 'got 2', 'put 4', 'got 3', 'put 5', 'got 4', 'put 6', 'got 5', 'put 7', 'got 6', 'got 7']);
    // Replaying the events, the queue never holds more than its capacity.
    let size = 0;
    for (const e of events) {
      size += e.startsWith('put') ? 1 : -1;
      assert.ok(size >= 0 && size <= 2, `queue size ${size} after '${e}'`);
    }
  });

  test('dequeue answers NOT_READY on an empty queue: its turn passes to the producer', async (t) => {
    const q = queue<string>('q', { capacity: 4 });
    const events: string[] = [];
    const consumer = dequeue(q).forEach((x) => {
      events.push(`got ${x}`);
      return x;
    });
    const producer = fromItems(['a', 'b']).forEach((x) => {
      events.push(`make ${x}`);
      return x;
    });
    // The consumer comes first in every cycle but finds the queue empty until the producer's turn.
    const { rt, take } = await runPlan(concurrently([consumer, producer.enqueue(q)], { mode: 'roundRobin', outputIndexes: [0] }), { t });
    assert.deepEqual(await take(2), ['a', 'b']);
    assert.deepEqual(events, ['make a', 'got a', 'make b', 'got b']);
    // The producer has ended and the queue is empty: the queue, and with it the plan, ends.
    assert.deepEqual(await rt.next(), { done: true, value: undefined });
  });

  test('an async consumer waits on an empty queue and wakes as soon as an item is put in', async (t) => {
    const q = queue<string>('q', { capacity: 4 });
    const producer = fromItems(['a', 'b', 'c'])
      .forEach(async (x, ctx) => {
        await ctx.delay(x === 'b' ? 10 : 3);
        return x;
      })
      .enqueue(q);
    const consumer = dequeue(q).forEach((x, ctx) => `${x}@${ctx.now()}`);
    const { take } = await runPlan(concurrently([producer, consumer], { mode: 'async', outputIndexes: [1] }), { t });
    assert.deepEqual(await take(3), ['a@3', 'b@13', 'c@16']);
  });

  test('two producers share one queue in the order they put items', async (t) => {
    const q = queue<string>('q', { capacity: 8 });
    const plan = concurrently([fromItems(['a1', 'a2']).enqueue(q), fromItems(['b1', 'b2']).enqueue(q), dequeue(q)], {
      mode: 'roundRobin',
      weights: [2, 1, 1],
      outputIndexes: [2],
    });
    const { take } = await runPlan(plan, { t });
    // Cycle 1 puts a1 a2 b1 and takes a1; cycle 2 puts b2 and takes a2; then b1, b2.
    assert.deepEqual(await take(4), ['a1', 'a2', 'b1', 'b2']);
  });

  test('a queue ends only when it is empty and every producer has ended', async (t) => {
    const q = queue<string>('q', { capacity: 8 });
    const slow = fromItems(['s1', 's2']).forEach(async (x: string, ctx) => {
      await ctx.delay(10);
      return x;
    });
    const plan = concurrently([fromItems(['f1']).enqueue(q), slow.enqueue(q), dequeue(q)], { mode: 'async', outputIndexes: [2] });
    const { rt } = await runPlan(plan, { t });
    const out: string[] = [];
    for await (const x of rt) out.push(x);
    // The fast producer ends first; the queue stays open for the slow one and loses nothing.
    assert.deepEqual(out, ['f1', 's1', 's2']);
  });
});
