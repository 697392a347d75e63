/**
 * The one training loop of the learning smoke tests: an algorithm's tuned CartPole-v1 example through
 * its real (optimized) plan on the local backend, with a 20-episode smoothing window so the reported
 * mean follows the policy's recent episodes, until a step budget.
 */
import assert from 'node:assert/strict';
import { algorithms, buildAlgorithmPlan, tunedExample } from '../../src/algorithms/index.js';
import type { ResultDict } from '../../src/rl/ops/metrics.js';
import { run } from '../../src/runtime/runtime.js';

/** Trains `algorithm` on CartPole-v1 for `timesteps` env steps; the last and the best smoothed return. */
export async function trainCartPole(algorithm: string, timesteps: number, seed: number, overrides: Record<string, unknown> = {}): Promise<{ last: ResultDict; best: number }> {
  const algo = algorithms[algorithm]!;
  const example = tunedExample(algorithm, 'CartPole-v1');
  assert.ok(example, `${algorithm} has a tuned example for CartPole-v1`);
  const config = algo.config({ ...example.config, env: 'CartPole-v1', metricsSmoothingEpisodes: 20, ...overrides });
  const rt = await run<ResultDict>((await buildAlgorithmPlan(algo, config, { name: `smoke-${algorithm}` })).graph, { backend: 'local', seed });
  let last: ResultDict | undefined;
  let best = Number.NEGATIVE_INFINITY;
  try {
    for await (const result of rt) {
      last = result;
      if (Number.isFinite(result.episode_reward_mean)) best = Math.max(best, result.episode_reward_mean);
      if (result.timesteps_total >= timesteps) break;
    }
  } finally {
    await rt.close();
  }
  assert.ok(last, 'at least one iteration was reported');
  return { last, best };
}
