/**
 * Minibatch SGD (RLlib's do_minibatch_sgd) with a recording stand-in policy: epochs × minibatches,
 * every row once per epoch, partial last minibatch, seeded shuffles, stats averaged over all steps.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSampleBatch, type SampleBatch } from '../../../src/rl/data/index.js';
import { averageStats, sgdEpochs } from '../../../src/rl/policy/sgd.js';
import type { LearnerStats, Policy } from '../../../src/rl/policy/types.js';
import { createRng } from '../../../src/rng/index.js';

/** Records the row ids of every minibatch it learns on; stats count the calls. */
function recorder(): { policy: Policy; seen: number[][] } {
  const seen: number[][] = [];
  const learnOnBatch = (b: SampleBatch): LearnerStats => {
    seen.push([...(b.columns.rowId as Int32Array)]);
    const k = seen.length;
    return { policy_loss: k, min_q: -k, max_q: k };
  };
  return { policy: { learnOnBatch } as unknown as Policy, seen };
}

const batch = createSampleBatch({ rowId: Int32Array.from({ length: 25 }, (_, i) => i), obs: new Float32Array(50) }, { obs: 2 });

describe('sgdEpochs', () => {
  test('numSgdIter epochs of shuffled minibatches; every row once per epoch; last one partial', () => {
    const { policy, seen } = recorder();
    const stats = sgdEpochs(policy, batch, { numSgdIter: 3, sgdMinibatchSize: 10, random: createRng(1) });
    assert.deepEqual(seen.map((mb) => mb.length), [10, 10, 5, 10, 10, 5, 10, 10, 5]);
    for (let e = 0; e < 3; e++) {
      const rows = seen.slice(3 * e, 3 * e + 3).flat().sort((a, b) => a - b);
      assert.deepEqual(rows, Array.from({ length: 25 }, (_, i) => i), `epoch ${e} covers every row once`);
    }
    assert.notDeepEqual(seen[0], seen[3], 'a fresh order each epoch');
    assert.notDeepEqual(seen[0], Array.from({ length: 10 }, (_, i) => i), 'shuffled');
    // Averaged over all 9 steps; min_/max_ stats reduced with min/max (RLlib's LearnerInfoBuilder).
    assert.deepEqual(stats, { policy_loss: 5, min_q: -9, max_q: 9 });
  });

  test('the same random stream gives the same minibatches', () => {
    const a = recorder();
    const b = recorder();
    sgdEpochs(a.policy, batch, { numSgdIter: 2, sgdMinibatchSize: 7, random: createRng(5) });
    sgdEpochs(b.policy, batch, { numSgdIter: 2, sgdMinibatchSize: 7, random: createRng(5) });
    assert.deepEqual(a.seen, b.seen);
  });

  test('sgdMinibatchSize 0 (or ≥ the batch) takes one step per epoch on the whole batch', () => {
    for (const size of [0, 25, 100]) {
      const { policy, seen } = recorder();
      sgdEpochs(policy, batch, { numSgdIter: 2, sgdMinibatchSize: size, random: createRng(1) });
      assert.deepEqual(seen.map((mb) => mb.length), [25, 25], `size ${size}`);
    }
  });

  test('rejects bad options and empty batches', () => {
    const { policy } = recorder();
    const random = createRng(1);
    assert.throws(() => sgdEpochs(policy, batch, { numSgdIter: 0, sgdMinibatchSize: 4, random }), /numSgdIter must be a positive integer, got 0/);
    assert.throws(() => sgdEpochs(policy, batch, { numSgdIter: 1, sgdMinibatchSize: 1.5, random }), /sgdMinibatchSize must be a non-negative integer/);
    assert.throws(() => sgdEpochs(policy, { count: 0, columns: {}, widths: {} }, { numSgdIter: 1, sgdMinibatchSize: 4, random }), /empty/);
  });
});

test('averageStats: means, min_/max_ keys, keys missing in some steps', () => {
  assert.deepEqual(averageStats([]), {});
  assert.deepEqual(averageStats([{ a: 1, min_x: 3, max_x: 3 }, { a: 3, b: 10, min_x: 1, max_x: 5 }]), { a: 2, b: 10, min_x: 1, max_x: 5 });
});
