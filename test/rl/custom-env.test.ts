/**
 * A user's own environment trains through an algorithm's plan on worker processes: the rollout
 * workers import the module that registers it (`envModule`), since the env registry is per process.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildAlgorithmPlan, pg } from '../../src/algorithms/index.js';
import type { ResultDict } from '../../src/rl/ops/metrics.js';
import { run } from '../../src/runtime/runtime.js';

test('a custom env registered in its own module trains on farm workers via envModule', async () => {
  const module = new URL('../fixtures/corridor-env.ts', import.meta.url).href;
  const config = pg.config({ env: 'TestCorridor-v0', envModule: module, numWorkers: 2, numEnvsPerWorker: 2, rolloutFragmentLength: 20, trainBatchSize: 80, hidden: [8], lr: 1e-2 });
  const rt = await run<ResultDict>((await buildAlgorithmPlan(pg, config)).graph, { backend: 'farm', seed: 2 });
  try {
    const results = await rt.take(3);
    assert.equal(results.length, 3);
    assert.equal(results[2]!.timesteps_total, 240);
    assert.ok(results.some((r) => r.episodes_this_iter > 0), 'episodes of the custom env finished on the workers');
    for (const r of results) assert.ok(r.episode_reward_max <= 10 - 4, `corridor returns are at most 6: ${r.episode_reward_max}`);
  } finally {
    await rt.close();
  }
});

test('without envModule the worker processes do not know the env, and the error says so', async () => {
  const config = pg.config({ env: 'NotRegisteredAnywhere-v0', numWorkers: 1, trainBatchSize: 40, rolloutFragmentLength: 40 });
  const rt = await run<ResultDict>((await buildAlgorithmPlan(pg, config)).graph, { backend: 'local', seed: 0 });
  try {
    await assert.rejects(rt.next(), (e: Error) => /NotRegisteredAnywhere-v0/.test(e.message));
  } finally {
    await rt.close();
  }
});
