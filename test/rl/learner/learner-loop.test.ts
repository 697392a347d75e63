/**
 * The learner loop on its own (no actors): a bounded in-queue that holds `put` back when full, a loop
 * that learns each batch `numPasses` times through the minibatch buffer's ring, outputs collected by
 * the next answer, weights only when they changed, statistics, and failures surfacing in `put`.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LearnerLoop, MinibatchBuffer } from '../../../src/rl/learner/index.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A learn function that finishes only when the test releases it, recording what it learned. */
function gatedLearner() {
  const learned: number[] = [];
  const gates: Array<() => void> = [];
  const learn = async (batch: { id: number; count: number }) => {
    await new Promise<void>((resolve) => gates.push(resolve));
    learned.push(batch.id);
    return { id: batch.id };
  };
  const release = async (n = 1) => {
    for (let i = 0; i < n; i++) {
      while (gates.length === 0) await tick();
      gates.shift()!();
      await tick();
    }
  };
  return { learned, learn, release, pending: () => gates.length };
}

describe('MinibatchBuffer', () => {
  test('size 1: each batch is returned numPasses times, then the next is taken', async () => {
    let next = 0;
    const buf = new MinibatchBuffer<number>({ size: 1, numPasses: 3 });
    const got: Array<[number, boolean]> = [];
    for (let i = 0; i < 6; i++) {
      const { item, released } = await buf.get(async () => next++);
      got.push([item, released]);
    }
    assert.deepEqual(got, [[0, false], [0, false], [0, true], [1, false], [1, false], [1, true]]);
  });

  test('size 2 interleaves two batches; initNumPasses ramps the passes up', async () => {
    let next = 0;
    const ring = new MinibatchBuffer<number>({ size: 2, numPasses: 2 });
    const items: number[] = [];
    for (let i = 0; i < 8; i++) items.push((await ring.get(async () => next++)).item);
    assert.deepEqual(items, [0, 1, 0, 1, 2, 3, 2, 3]);
    next = 0;
    const ramp = new MinibatchBuffer<number>({ size: 1, numPasses: 3, initNumPasses: 1 });
    const ramped: number[] = [];
    for (let i = 0; i < 6; i++) ramped.push((await ramp.get(async () => next++)).item);
    // passes 1, 2, 3: batch 0 once, batch 1 twice, batch 2 three times.
    assert.deepEqual(ramped, [0, 1, 1, 2, 2, 2]);
  });

  test('bad sizes are rejected', () => {
    assert.throws(() => new MinibatchBuffer({ size: 0, numPasses: 1 }), /size/);
    assert.throws(() => new MinibatchBuffer({ size: 1, numPasses: 1.5 }), /numPasses/);
  });
});

describe('LearnerLoop', () => {
  test('the in-queue is bounded: put waits for room while the learner is busy, and answers with finished outputs', async () => {
    const g = gatedLearner();
    const loop = new LearnerLoop(g.learn, { queueSize: 2 });
    const first = await loop.put({ id: 0, count: 10 });
    assert.deepEqual(first.outputs, []);
    await tick();
    // Batch 0 is being learned: two more fit into the queue, the fourth waits.
    await loop.put({ id: 1, count: 10 });
    await loop.put({ id: 2, count: 10 });
    assert.equal(loop.queueSize, 2);
    let fourthDone = false;
    const fourth = loop.put({ id: 3, count: 10 }).then((r) => {
      fourthDone = true;
      return r;
    });
    for (let i = 0; i < 5; i++) await tick();
    assert.equal(fourthDone, false, 'a put into a full queue waits');
    await g.release(1);
    const reply = await fourth;
    assert.deepEqual(g.learned, [0]);
    assert.deepEqual(reply.outputs, [{ count: 10, result: { id: 0 } }]);
    await g.release(3);
    assert.deepEqual(g.learned, [0, 1, 2, 3]);
    const rest = loop.collect();
    assert.deepEqual(rest.outputs.map((o) => (o.result as { id: number }).id), [1, 2, 3]);
    assert.equal(rest.metrics.stepsTotal, 4);
    loop.stop();
  });

  test('numPasses: each batch is learned that many times and counted each time', async () => {
    const seen: number[] = [];
    const loop = new LearnerLoop((b: { id: number; count: number }) => {
      seen.push(b.id);
      return b.id;
    }, { numPasses: 3, queueSize: 4 });
    await loop.put({ id: 7, count: 5 });
    await loop.put({ id: 8, count: 5 });
    for (let i = 0; i < 20 && seen.length < 6; i++) await tick();
    assert.deepEqual(seen.slice(0, 6), [7, 7, 7, 8, 8, 8]);
    const { outputs } = loop.collect();
    assert.equal(outputs.reduce((s, o) => s + o.count, 0), 5 * outputs.length);
    loop.stop();
  });

  test('weights come with an answer only when the learner stepped since the last answer that carried them', async () => {
    const g = gatedLearner();
    const loop = new LearnerLoop(g.learn, { queueSize: 4 });
    let calls = 0;
    const weights = () => ++calls;
    assert.equal((await loop.put({ id: 0, count: 1 }, weights)).weights, undefined);
    await g.release(1);
    const r1 = await loop.put({ id: 1, count: 1 }, weights);
    assert.deepEqual(r1.weights, { version: 1, values: 1 });
    assert.equal(loop.collect(weights).weights, undefined, 'no new step, no weights');
    await g.release(1);
    assert.deepEqual(loop.collect(weights).weights, { version: 2, values: 2 });
    loop.stop();
  });

  test('statistics: queue sizes, grad and wait times, busy fraction near 1 when the queue never runs dry', async () => {
    let t = 0;
    const loop = new LearnerLoop(
      (b: { count: number }) => {
        t += 10; // every step takes 10 ms of the fake clock
        return b.count;
      },
      { queueSize: 8 },
      { now: () => t },
    );
    // Each answer covers the window since the previous one; summed, they cover the whole run.
    const windows = [];
    for (let i = 0; i < 8; i++) windows.push((await loop.put({ count: 1 })).metrics);
    for (let i = 0; i < 20 && loop.stepsTotal < 8; i++) await tick();
    const { metrics } = loop.collect();
    windows.push(metrics);
    assert.equal(metrics.stepsTotal, 8);
    assert.equal(metrics.gradTimeMs, 10);
    assert.equal(metrics.loadWaitTimeMs, 0);
    assert.equal(windows.reduce((s, w) => s + w.busyMs, 0), 80);
    assert.equal(windows.reduce((s, w) => s + w.elapsedMs, 0), 80);
    assert.ok(windows.reduce((s, w) => s + w.queueSizeCount, 0) >= 8);
    assert.equal(metrics.queueSizeQuantiles.length, 5);
    assert.ok(windows.some((w) => w.queueSizeMean > 0));
    loop.stop();
  });

  test('a failing learn step fails the next put with its error', async () => {
    const loop = new LearnerLoop((b: { count: number }) => {
      if (b.count === 2) throw new Error('boom in learn');
      return 0;
    });
    await loop.put({ count: 1 });
    await loop.put({ count: 2 });
    for (let i = 0; i < 5; i++) await tick();
    await assert.rejects(loop.put({ count: 3 }), /boom in learn/);
    assert.throws(() => loop.collect(), /boom in learn/);
  });

  test('options are checked', () => {
    assert.throws(() => new LearnerLoop(() => 0, { queueSize: 0 }), /queueSize/);
    assert.throws(() => new LearnerLoop(() => 0, { numPasses: -1 }), /numPasses/);
  });
});
