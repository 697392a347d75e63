/**
 * Learning smoke tests of the asynchronous learners: IMPALA and APPO (V-trace on and off) on
 * CartPole-v1 through their real plans, on the local backend (deterministic: virtual clock, seeded
 * streams), with small budgets. A uniformly random policy averages about 22 per episode; each run must
 * push the smoothed return well above that. The configs are the tuned examples with a short smoothing
 * window and a learner queue of one batch (on the virtual clock the learner only gets its turn once
 * sampling has filled the queue, so a long queue would make every batch as stale as it can be).
 * Planting a bug in V-trace (a dropped termination mask) makes these fail.
 *
 * The importance ratios only matter when the behaviour policy lags the learner; with a one-batch
 * queue the workers act with (almost) the learner's weights, so a ratio inverted to μ/π goes unnoticed
 * there. The "stale behaviour" tests send new weights to the workers only every 16 (IMPALA) or 32
 * (APPO) train batches, so every batch is learned far off-policy and the importance weights must
 * correct for it: inverting π/μ to μ/π in V-trace (IMPALA 112 → 42 at 30k steps; APPO 204 → 33 at
 * 40k) or APPO's μ/π_target weight (APPO 204 → 77) makes them fail (checked by planting each once).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { trainCartPole } from './smoke-train.js';

/** The async learners with a one-batch queue and 2,000-step iterations, so a short budget gives several reports. */
const train = (algorithm: string, timesteps: number, seed: number, overrides: Record<string, unknown> = {}) => trainCartPole(algorithm, timesteps, seed, { learnerQueueSize: 1, timestepsPerIteration: 2000, ...overrides });

describe('learning smoke tests: asynchronous learners (CartPole-v1, local backend, fixed seeds)', () => {
  test('IMPALA: the smoothed return rises well above random within 30k steps', async (t) => {
    const { last, best } = await train('impala', 30_000, 1);
    t.diagnostic(`smoothed return: best ${best.toFixed(1)}, last ${last.episode_reward_mean.toFixed(1)} at ${last.timesteps_total} steps`);
    assert.ok(best >= 80, `IMPALA reached only ${best.toFixed(1)}`);
  });

  test('APPO (V-trace): the smoothed return rises well above random within 25k steps', async (t) => {
    const { last, best } = await train('appo', 25_000, 1);
    t.diagnostic(`smoothed return: best ${best.toFixed(1)}, last ${last.episode_reward_mean.toFixed(1)} at ${last.timesteps_total} steps`);
    assert.ok(best >= 80, `APPO reached only ${best.toFixed(1)}`);
  });

  test('IMPALA, stale behaviour (weights to workers every 16 batches): V-trace corrects for it within 30k steps', async (t) => {
    const { last, best } = await train('impala', 30_000, 0, { broadcastInterval: 16 });
    t.diagnostic(`smoothed return: best ${best.toFixed(1)}, last ${last.episode_reward_mean.toFixed(1)} at ${last.timesteps_total} steps`);
    assert.ok(best >= 80, `IMPALA with stale behaviour reached only ${best.toFixed(1)}`);
  });

  test('APPO (V-trace), stale behaviour (weights to workers every 32 batches): its importance weights correct for it within 40k steps', async (t) => {
    const { last, best } = await train('appo', 40_000, 0, { broadcastInterval: 32 });
    t.diagnostic(`smoothed return: best ${best.toFixed(1)}, last ${last.episode_reward_mean.toFixed(1)} at ${last.timesteps_total} steps`);
    assert.ok(best >= 140, `APPO with stale behaviour reached only ${best.toFixed(1)}`);
  });

  test('APPO (GAE): the smoothed return rises well above random within 25k steps', async (t) => {
    const { last, best } = await train('appo', 25_000, 1, { vtrace: false });
    t.diagnostic(`smoothed return: best ${best.toFixed(1)}, last ${last.episode_reward_mean.toFixed(1)} at ${last.timesteps_total} steps`);
    assert.ok(best >= 80, `APPO without V-trace reached only ${best.toFixed(1)}`);
  });
});
