/**
 * Learning smoke tests: PPO, A2C and PG on CartPole-v1 through their real plans, on the local backend
 * (deterministic: virtual clock, every random stream seeded from the root seed), with small step
 * budgets. A uniformly random policy averages about 22 per episode; each run must push the smoothed
 * return well above that. The configs are the tuned examples with a shorter smoothing window (so the
 * reported mean follows the policy's recent episodes) and budgets that run in seconds; the asserted
 * floors leave a wide margin under the returns these seeds reach.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { trainCartPole } from './smoke-train.js';

const RANDOM_POLICY_RETURN = 22;

const train = trainCartPole;

describe('learning smoke tests (CartPole-v1, local backend, fixed seeds)', () => {
  test('PPO: the smoothed return rises well above random within 10k steps', async (t) => {
    const { last, best } = await train('ppo', 10_000, 1);
    t.diagnostic(`smoothed return: best ${best.toFixed(1)}, last ${last.episode_reward_mean.toFixed(1)} at ${last.timesteps_total} steps`);
    assert.ok(last.timesteps_total >= 10_000 && last.timesteps_total < 10_000 + 2048, `stopped at ${last.timesteps_total} steps`);
    assert.ok(last.episodes_total > 0);
    assert.ok(best >= 60 && best > 2.5 * RANDOM_POLICY_RETURN, `PPO reached only ${best.toFixed(1)}`);
  });

  test('A2C: the smoothed return rises well above random within 15k steps', async (t) => {
    const { last, best } = await train('a2c', 15_000, 1);
    t.diagnostic(`smoothed return: best ${best.toFixed(1)}, last ${last.episode_reward_mean.toFixed(1)} at ${last.timesteps_total} steps`);
    assert.ok(last.timesteps_total >= 15_000);
    assert.ok(best >= 60, `A2C reached only ${best.toFixed(1)}`);
  });

  test('PG: the smoothed return rises well above random within 30k steps', async (t) => {
    const { last, best } = await train('pg', 30_000, 1);
    t.diagnostic(`smoothed return: best ${best.toFixed(1)}, last ${last.episode_reward_mean.toFixed(1)} at ${last.timesteps_total} steps`);
    assert.ok(last.timesteps_total >= 30_000);
    assert.ok(best >= 60, `PG reached only ${best.toFixed(1)}`);
  });
});
