/**
 * Replay memory: segment trees, the columnar ring (wrap-around, FIFO eviction, schema errors),
 * prioritized sampling (probabilities and importance weights checked against hand-computed values,
 * statistically), n-step transitions at terminations, truncations and fragment cuts, buffers keyed by
 * policy id, learningStarts, β annealing and checkpoint state.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SB, SampleBatchError, createMultiAgentBatch, createSampleBatch, isMultiAgentBatch, type SampleBatch } from '../../../src/rl/data/index.js';
import { BATCH_INDEXES, ColumnarRingBuffer, DISCOUNTS, MinSegmentTree, ReplayBuffer, ReplayBuffers, SumSegmentTree, WEIGHTS, nStepTransitions } from '../../../src/rl/replay/index.js';
import { createRng } from '../../../src/rng/index.js';

/** Rows `from..from+n-1`: obs = [v, −v], rewards = v, actions = v mod 3. */
function rows(from: number, n: number): SampleBatch {
  const obs = new Float32Array(2 * n);
  const rewards = new Float32Array(n);
  const actions = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    obs[2 * i] = from + i;
    obs[2 * i + 1] = -(from + i);
    rewards[i] = from + i;
    actions[i] = (from + i) % 3;
  }
  return createSampleBatch({ obs, rewards, actions }, { obs: 2 });
}

describe('segment trees', () => {
  test('sum, min and prefix-sum lookup over a non-power-of-two size', () => {
    const sum = new SumSegmentTree(5);
    const min = new MinSegmentTree(5);
    assert.equal(sum.capacity, 8);
    [1, 2, 3, 4, 0.5].forEach((v, i) => {
      sum.set(i, v);
      min.set(i, v);
    });
    assert.equal(sum.total(), 10.5);
    assert.equal(min.total(), 0.5);
    // Cumulative: [0,1) → 0, [1,3) → 1, [3,6) → 2, [6,10) → 3, [10,10.5) → 4.
    assert.deepEqual([0, 0.99, 1, 2.5, 3, 5.99, 6, 9.99, 10, 10.49].map((m) => sum.findPrefixSumIndex(m)), [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
    sum.set(2, 0);
    assert.equal(sum.total(), 7.5);
    assert.equal(sum.findPrefixSumIndex(3), 3); // a zero leaf is never found
  });
});

describe('columnar ring buffer', () => {
  test('wraps around, evicts FIFO and gathers rows in the requested order', () => {
    const ring = new ColumnarRingBuffer(5);
    ring.add(rows(0, 3));
    ring.add(rows(3, 4)); // 3,4 at slots 3,4; 5,6 wrap to slots 0,1
    assert.equal(ring.size, 5);
    assert.equal(ring.nextIndex, 2);
    assert.equal(ring.numAdded, 7);
    const b = ring.gather([0, 1, 2, 3, 4, 0]);
    assert.deepEqual([...b.columns['rewards']!], [5, 6, 2, 3, 4, 5]);
    assert.deepEqual([...b.columns['obs']!], [5, -5, 6, -6, 2, -2, 3, -3, 4, -4, 5, -5]);
    assert.deepEqual([...b.columns['actions']!], [2, 0, 2, 0, 1, 2]);
    assert.equal(b.widths['obs'], 2);
    assert.ok(b.columns['obs'] instanceof Float32Array && b.columns['actions'] instanceof Int32Array);
  });

  test('a batch larger than the capacity keeps its last rows', () => {
    const ring = new ColumnarRingBuffer(3);
    ring.add(rows(0, 7));
    assert.deepEqual([...ring.gather([0, 1, 2]).columns['rewards']!].sort(), [4, 5, 6]);
    assert.equal(ring.numAdded, 7);
  });

  test('batches with other columns, widths or types are refused, naming the column', () => {
    const ring = new ColumnarRingBuffer(4);
    ring.add(rows(0, 2));
    assert.throws(() => ring.add(createSampleBatch({ obs: new Float32Array(2), rewards: new Float32Array(1), actions: new Int32Array(1), x: new Float32Array(1) }, { obs: 2 })), (e: unknown) => e instanceof SampleBatchError && /extra: x/.test(e.message));
    assert.throws(() => ring.add(createSampleBatch({ obs: new Float32Array(2), rewards: new Float32Array(1), actions: new Float32Array(1) }, { obs: 2 })), (e: unknown) => e instanceof SampleBatchError && e.column === 'actions');
  });

  test('state: counters, and contents on request', () => {
    const ring = new ColumnarRingBuffer(4);
    ring.add(rows(0, 6));
    const counters = ring.getState();
    assert.deepEqual(counters, { capacity: 4, size: 4, nextIndex: 2, numAdded: 6 });
    const full = ring.getState({ contents: true });
    const copy = new ColumnarRingBuffer(4);
    copy.setState(structuredClone(full));
    assert.deepEqual([...copy.gather([0, 1, 2, 3]).columns['rewards']!], [4, 5, 2, 3]);
    copy.add(rows(10, 1));
    assert.deepEqual([...copy.gather([2]).columns['rewards']!], [10]);
    const empty = new ColumnarRingBuffer(4);
    empty.setState(counters);
    assert.equal(empty.size, 0);
    assert.equal(empty.numAdded, 6);
  });
});

describe('prioritized replay', () => {
  test('sampling probabilities p^α/Σp^α and importance weights (N·P)^−β / max, statistically', () => {
    const alpha = 0.5;
    const beta = 0.4;
    const buf = new ReplayBuffer({ capacity: 8, alpha });
    buf.add(rows(0, 4));
    buf.updatePriorities([0, 1, 2, 3], [1, 4, 9, 16]);
    // p^α = 1, 2, 3, 4 → P = 0.1, 0.2, 0.3, 0.4
    assert.deepEqual([...buf.probabilities()].map((p) => +p.toFixed(12)), [0.1, 0.2, 0.3, 0.4]);
    const random = createRng(7);
    const counts = [0, 0, 0, 0];
    const draws = 40_000;
    const weightOf = new Map<number, number>();
    for (let k = 0; k < draws / 100; k++) {
      const b = buf.sample(100, beta, random);
      const idx = b.columns[BATCH_INDEXES] as Int32Array;
      const w = b.columns[WEIGHTS] as Float32Array;
      for (let i = 0; i < 100; i++) {
        counts[idx[i]!]!++;
        weightOf.set(idx[i]!, w[i]!);
        assert.equal(b.columns['rewards']![i], idx[i]); // the row really is the slot's row
      }
    }
    // Each count is Binomial(40000, P): 4 standard deviations is ≤ 0.0098 in frequency.
    counts.forEach((c, i) => assert.ok(Math.abs(c / draws - (i + 1) / 10) < 0.01, `slot ${i}: ${c / draws}`));
    // w_i = (4·P_i)^−0.4 / (4·0.1)^−0.4
    for (let i = 0; i < 4; i++) assert.ok(Math.abs(weightOf.get(i)! - ((4 * (i + 1)) / 10) ** -beta / 0.4 ** -beta) < 1e-6);
    assert.equal(weightOf.get(0), 1);
  });

  test('new rows get the maximum priority seen; priorities must be positive and stored', () => {
    const buf = new ReplayBuffer({ capacity: 4, alpha: 1 });
    buf.add(rows(0, 2));
    buf.updatePriorities([0, 1], [3, 1]);
    buf.add(rows(2, 1));
    assert.deepEqual([...buf.probabilities()], [3 / 7, 1 / 7, 3 / 7]);
    assert.throws(() => buf.updatePriorities([0], [0]), SampleBatchError);
    assert.throws(() => buf.updatePriorities([3], [1]), /not stored/);
  });

  test('uniform buffers draw every row alike with weight 1', () => {
    const buf = new ReplayBuffer({ capacity: 4 });
    buf.add(rows(0, 4));
    const b = buf.sample(4000, 0.4, createRng(1));
    const counts = [0, 0, 0, 0];
    for (const i of b.columns[BATCH_INDEXES] as Int32Array) counts[i]!++;
    for (const c of counts) assert.ok(Math.abs(c / 4000 - 0.25) < 0.03);
    assert.ok([...(b.columns[WEIGHTS] as Float32Array)].every((w) => w === 1));
  });
});

describe('n-step transitions', () => {
  const gamma = 0.5;
  /** Two env copies × 4 steps (rows grouped by copy); copy 0 terminates at t=1, copy 1 is truncated at t=1. */
  function fragment(): SampleBatch {
    const obs = Float32Array.from([0, 1, 2, 3, 10, 11, 12, 13]);
    // newObs: within an episode the next obs; at the episode end the final obs (100 + row); at the cut, the continuation (200 + row).
    const newObs = Float32Array.from([1, 101, 3, 203, 11, 105, 13, 207]);
    return createSampleBatch({
      [SB.OBS]: obs,
      [SB.NEXT_OBS]: newObs,
      [SB.ACTIONS]: Int32Array.from([0, 1, 0, 1, 1, 0, 1, 0]),
      [SB.REWARDS]: Float32Array.from([1, 2, 4, 8, 1, 2, 4, 8]),
      [SB.TERMINATEDS]: Uint8Array.from([0, 1, 0, 0, 0, 0, 0, 0]),
      [SB.TRUNCATEDS]: Uint8Array.from([0, 0, 0, 0, 0, 1, 0, 0]),
      [SB.EPS_ID]: Int32Array.from([0, 0, 1, 1, 5, 5, 6, 6]),
      [SB.ENV_ID]: Int32Array.from([0, 0, 0, 0, 1, 1, 1, 1]),
    });
  }

  test('n = 3: windows stop at termination (no bootstrap), truncation and the fragment cut (bootstrap, γ^m)', () => {
    const t = nStepTransitions(fragment(), 3, gamma);
    // copy 0: row0 = r0 + γ r1 (terminated at 1): m=2; row1: m=1 terminated; row2 = 4 + γ 8 (cut): m=2; row3: m=1 (cut)
    // copy 1: row4 = 1 + γ 2 (truncated at 5): m=2; row5: m=1 truncated; row6 = 4 + γ 8: m=2; row7: m=1
    assert.deepEqual([...t.columns[SB.REWARDS]!], [2, 2, 8, 8, 2, 2, 8, 8]);
    assert.deepEqual([...t.columns[SB.TERMINATEDS]!], [1, 1, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual([...t.columns[DISCOUNTS]!], [0.25, 0.5, 0.25, 0.5, 0.25, 0.5, 0.25, 0.5]);
    assert.deepEqual([...t.columns[SB.NEXT_OBS]!], [101, 101, 203, 203, 105, 105, 207, 207]);
    assert.deepEqual([...t.columns[SB.OBS]!], [0, 1, 2, 3, 10, 11, 12, 13]);
    assert.deepEqual(Object.keys(t.columns).sort(), [SB.ACTIONS, DISCOUNTS, SB.NEXT_OBS, SB.OBS, SB.REWARDS, SB.TERMINATEDS].sort());
  });

  test('n = 1 keeps rewards and next observations, discount γ', () => {
    const t = nStepTransitions(fragment(), 1, gamma);
    assert.deepEqual([...t.columns[SB.REWARDS]!], [1, 2, 4, 8, 1, 2, 4, 8]);
    assert.deepEqual([...t.columns[DISCOUNTS]!], new Array(8).fill(0.5));
    assert.deepEqual([...t.columns[SB.NEXT_OBS]!], [1, 101, 3, 203, 11, 105, 13, 207]);
  });

  test('a long window: 2-step returns inside one running episode', () => {
    const b = createSampleBatch({
      [SB.OBS]: Float32Array.from([0, 1, 2]),
      [SB.NEXT_OBS]: Float32Array.from([1, 2, 3]),
      [SB.ACTIONS]: Int32Array.from([0, 0, 0]),
      [SB.REWARDS]: Float32Array.from([1, 1, 1]),
      [SB.TERMINATEDS]: Uint8Array.from([0, 0, 1]),
    });
    const t = nStepTransitions(b, 2, 0.9);
    assert.deepEqual([...t.columns[SB.REWARDS]!].map((x) => +x.toFixed(5)), [1.9, 1.9, 1]);
    assert.deepEqual([...t.columns[SB.NEXT_OBS]!], [2, 3, 3]);
    assert.deepEqual([...t.columns[SB.TERMINATEDS]!], [0, 1, 1]);
    assert.deepEqual([...t.columns[DISCOUNTS]!].map((x) => +x.toFixed(5)), [0.81, 0.81, 0.9]);
  });

  test('missing columns are named', () => {
    assert.throws(() => nStepTransitions(rows(0, 2), 1, 0.9), (e: unknown) => e instanceof SampleBatchError && e.column === SB.NEXT_OBS);
  });
});

describe('replay buffers keyed by policy id', () => {
  test('nothing before learningStarts; then one batch per policy; multi-agent batches split by policy', () => {
    const bufs = new ReplayBuffers({ capacity: 10, learningStarts: 4, replayBatchSize: 3 });
    const random = createRng(3);
    bufs.add(createMultiAgentBatch({ a: rows(0, 2), b: rows(100, 1) }, 2));
    assert.equal(bufs.replay(random), null);
    bufs.add(createMultiAgentBatch({ a: rows(2, 2) }, 2));
    const out = bufs.replay(random);
    assert.ok(out && isMultiAgentBatch(out));
    assert.equal(out.policyBatches['a']!.count, 3);
    assert.ok([...out.policyBatches['b']!.columns['rewards']!].every((r) => r === 100));
    assert.ok([...out.policyBatches['a']!.columns['rewards']!].every((r) => r >= 0 && r < 4));
    assert.deepEqual(bufs.stats().sizes, { a: 4, b: 1 });
  });

  test('single-agent batches replay as plain batches; priorities |δ|+ε reach the policy buffer; β anneals', () => {
    const bufs = new ReplayBuffers({ capacity: 8, learningStarts: 2, replayBatchSize: 2, prioritized: true, alpha: 1, beta: 0.4, finalBeta: 1, betaAnnealingTimesteps: 8, eps: 0.5 });
    bufs.add(rows(0, 4));
    assert.equal(bufs.beta, 0.4 + 0.6 * 0.5);
    const out = bufs.replay(createRng(1));
    assert.ok(out && !isMultiAgentBatch(out));
    bufs.updatePriorities({ default_policy: { batchIndexes: Int32Array.from([0, 1]), tdErrors: Float32Array.from([-1.5, 0.5]) } });
    // priorities: slot0 |−1.5|+0.5 = 2, slot1 1, slots 2,3 kept the max at their add (1) → P = 2/5, 1/5, 1/5, 1/5
    assert.deepEqual([...bufs.policyBuffer()!.probabilities()].map((p) => +p.toFixed(9)), [0.4, 0.2, 0.2, 0.2]);
    // A row added now gets the new maximum, 2: P = 2/7, 1/7, 1/7, 1/7, 2/7.
    bufs.add(rows(4, 1));
    assert.deepEqual([...bufs.policyBuffer()!.probabilities()].map((p) => +p.toFixed(9)), [2 / 7, 1 / 7, 1 / 7, 1 / 7, 2 / 7].map((p) => +p.toFixed(9)));
    bufs.add(rows(5, 7));
    assert.equal(bufs.beta, 1);
  });

  test('checkpoint state round-trips (counters, rows and priorities)', () => {
    const bufs = new ReplayBuffers({ capacity: 8, learningStarts: 1, replayBatchSize: 4, prioritized: true, alpha: 1 });
    bufs.add(rows(0, 3));
    bufs.updatePriorities({ default_policy: { batchIndexes: Int32Array.from([2]), tdErrors: Float32Array.from([5]) } });
    const copy = new ReplayBuffers(bufs.config);
    copy.setState(structuredClone(bufs.getState({ contents: true })));
    assert.deepEqual([...copy.policyBuffer()!.probabilities()], [...bufs.policyBuffer()!.probabilities()]);
    assert.deepEqual(copy.stats(), bufs.stats());
    const a = bufs.replay(createRng(9))!;
    const b = copy.replay(createRng(9))!;
    assert.deepEqual(a, b);
    const countersOnly = new ReplayBuffers(bufs.config);
    countersOnly.setState(bufs.getState());
    assert.equal(countersOnly.stats().numAdded, 3);
    assert.equal(countersOnly.replay(createRng(1)), null); // no rows yet: nothing to replay
  });
});
