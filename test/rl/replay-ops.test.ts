/**
 * The replay operators in running plans: training-intensity weights by hand; local buffers shared by
 * name within one run and never across runs; DQN's plan on the local backend (deterministic) stores
 * every sampled step, replays nothing before learningStarts, trains 32 rows per stored fragment,
 * writes TD errors back as priorities and refreshes the target network every 500 sampled steps.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildAlgorithmPlan, dqn } from '../../src/algorithms/index.js';
import { replayConfig } from '../../src/algorithms/q-common.js';
import type { MetricsView } from '../../src/ir/contract.js';
import type { ResultDict } from '../../src/rl/ops/metrics.js';
import { NUM_TARGET_UPDATES, localReplayBuffers, trainingIntensityWeights } from '../../src/rl/ops/replay.js';
import { run } from '../../src/runtime/runtime.js';

describe('replay operators', () => {
  test('training-intensity weights: [1, 1] by default, else the replayed/sampled ratio', () => {
    assert.deepEqual(trainingIntensityWeights({ trainBatchSize: 32, rolloutFragmentLength: 4 }), [1, 1]);
    // native ratio 32 / 4 = 8 replayed rows per sampled row; 16 wanted → two train batches per stored fragment
    assert.deepEqual(trainingIntensityWeights({ trainingIntensity: 16, trainBatchSize: 32, rolloutFragmentLength: 4 }), [1, 2]);
    // 2 workers × 4 envs × 4 steps = 32 sampled per turn: native 1; intensity 0.5 → store twice per train batch
    assert.deepEqual(trainingIntensityWeights({ trainingIntensity: 0.5, trainBatchSize: 32, rolloutFragmentLength: 4, numEnvsPerWorker: 4, numWorkers: 2 }), [2, 1]);
    assert.throws(() => trainingIntensityWeights({ trainingIntensity: 0, trainBatchSize: 32, rolloutFragmentLength: 4 }), /trainingIntensity/);
  });

  test('local buffers: one per name within a run, none shared between runs', () => {
    const spec = { name: 'replay', config: { capacity: 10 } };
    const a = { metrics: {} as MetricsView };
    const b = { metrics: {} as MetricsView };
    assert.equal(localReplayBuffers(a, spec), localReplayBuffers(a, spec));
    assert.notEqual(localReplayBuffers(a, spec), localReplayBuffers(b, spec));
    assert.notEqual(localReplayBuffers(a, spec), localReplayBuffers(a, { ...spec, name: 'other' }));
  });

  test("DQN's plan: store everything, replay after learningStarts, 32 rows per fragment, priorities and target updates", async () => {
    const config = dqn.config({ numWorkers: 1, hidden: [16], nStep: 3, learningStarts: 200, targetNetworkUpdateFreq: 100, timestepsPerIteration: 200, minIterTimeS: 0 });
    const rt = await run<ResultDict>((await buildAlgorithmPlan(dqn, config, { name: 'dqn-ops' })).graph, { backend: 'local', seed: 3 });
    try {
      const [first, , third] = await rt.take(3);
      // Nothing is trained before learningStarts (200 steps): at most the one batch after the 200th step.
      assert.ok(Number(first!.info['num_steps_trained'] ?? 0) <= 32, `trained ${String(first!.info['num_steps_trained'])} by ${first!.timesteps_total} steps`);
      const buffers = localReplayBuffers(rt, { name: 'replay', config: replayConfig(config) });
      const sampled = third!.timesteps_total;
      assert.equal(buffers.stats().numAdded, sampled, 'every sampled step was stored');
      // After learningStarts, one train batch of 32 per stored fragment of 4 (the last fragment may not be trained yet).
      const trained = rt.metrics.get('num_steps_trained');
      assert.ok(trained >= 8 * (sampled - 200) - 32 && trained <= 8 * (sampled - 200) + 32, `${trained} trained for ${sampled} sampled`);
      assert.ok(rt.metrics.get(NUM_TARGET_UPDATES) >= Math.floor(sampled / 100) - 1);
      const p = buffers.policyBuffer()!.probabilities();
      assert.ok(new Set(p).size > 10, 'the TD errors became priorities (no longer all equal)');
    } finally {
      await rt.close();
    }
  });
});
