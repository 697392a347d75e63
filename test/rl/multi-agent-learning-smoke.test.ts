/**
 * Multi-agent learning smoke test on the local backend (deterministic, fixed seed, small budget):
 * multi-agent PPO's tuned example on 4-agent MultiAgentCartPole (2 policies, a random policy per agent
 * and episode). The episode reward sums the 4 agents; uniformly random agents score about 4 × 22 = 88.
 * The run must reach RLlib's target of 150 within 15k env steps (the seeds reach it within 5–8k) and
 * raise each policy's own return, so a worker that hands agents the wrong actions fails.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { algorithms, buildAlgorithmPlan, tunedExample } from '../../src/algorithms/index.js';
import type { ResultDict } from '../../src/rl/ops/metrics.js';
import { run } from '../../src/runtime/runtime.js';

const RANDOM_RETURN = 4 * 22;

test('multi-agent PPO: 2 policies on 4-agent MultiAgentCartPole reach 150 within 15k env steps', async (t) => {
  const algo = algorithms['ma-ppo']!;
  const example = tunedExample('ma-ppo', 'MultiAgentCartPole');
  assert.ok(example);
  const config = algo.config({ ...example.config, metricsSmoothingEpisodes: 50 });
  const rt = await run<ResultDict>((await buildAlgorithmPlan(algo, config, { name: 'smoke-ma-ppo' })).graph, { backend: 'local', seed: 1 });
  let best: ResultDict | undefined;
  let first: ResultDict | undefined;
  try {
    for await (const r of rt) {
      first ??= r;
      if (!best || r.episode_reward_mean > best.episode_reward_mean) best = r;
      if (r.episode_reward_mean >= 150 || r.timesteps_total >= 15_000) break;
    }
  } finally {
    await rt.close();
  }
  assert.ok(best && first);
  t.diagnostic(`best ${best.episode_reward_mean.toFixed(1)} at ${best.timesteps_total} env steps; policy_reward_mean ${JSON.stringify(best.policy_reward_mean)}`);
  assert.ok(first.episode_reward_mean < 1.3 * RANDOM_RETURN, `the first iteration is near random (${first.episode_reward_mean})`);
  assert.ok(best.episode_reward_mean >= 150, `reached only ${best.episode_reward_mean.toFixed(1)}`);
  assert.ok(best.agent_timesteps_total > best.timesteps_total, 'agent steps are counted apart from env steps');
  for (const id of ['p0', 'p1']) assert.ok(best.policy_reward_mean![id]! > 30, `policy ${id}: ${best.policy_reward_mean![id]}`);
  assert.deepEqual(Object.keys((best.info['learner'] as Record<string, unknown>)).sort(), ['p0', 'p1']);
});
