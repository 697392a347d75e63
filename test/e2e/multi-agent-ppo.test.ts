/**
 * Multi-agent PPO end to end, on real worker processes too: a user's env (agents join and leave) and a
 * user's policy-mapping function, both loaded by module in every worker; two independent policies.
 * Each iteration reports env steps and agent steps apart (Relay: 6 agent steps per 5-step episode),
 * `policy_reward_mean` per policy, and learner stats per policy; the runs are identical on both backends
 * for the same seed.
 */
import assert from 'node:assert/strict';
import { buildAlgorithmPlan, maPpo } from '../../src/algorithms/index.js';
import type { ResultDict } from '../../src/rl/ops/metrics.js';
import { relay } from '../fixtures/multi-agent-envs.js';
import { onBothBackends, withRuntime } from './helpers.js';

const MAPPINGS = new URL('../fixtures/multi-agent-envs.ts', import.meta.url).href;
const seen = new Map<string, number[]>();

onBothBackends('multi-agent PPO with a user env and a user policy mapping', async (backend) => {
  const config = maPpo.config({
    env: relay.id,
    envModule: relay.module,
    policies: ['even', 'odd'],
    policyMapping: { module: MAPPINGS, name: 'byParity', args: ['even', 'odd'] },
    numWorkers: 2,
    numEnvsPerWorker: 2,
    rolloutFragmentLength: 10,
    trainBatchSize: 40,
    sgdMinibatchSize: 16,
    numSgdIter: 2,
    hidden: [8],
  });
  const { graph } = await buildAlgorithmPlan(maPpo, config, { name: 'ma-ppo-relay' });
  await withRuntime<ResultDict, void>({ graph }, backend, async (rt) => {
    const results: ResultDict[] = [];
    for await (const r of rt) {
      results.push(r);
      if (results.length === 3) break;
    }
    const last = results.at(-1)!;
    // 2 workers × 2 envs × 10 steps = 40 env steps per round = one train batch per iteration.
    assert.deepEqual(results.map((r) => r.timesteps_total), [40, 80, 120]);
    assert.deepEqual(results.map((r) => r.agent_timesteps_total), [48, 96, 144], '6 agent steps per 5 env steps');
    assert.equal(last.info['num_agent_steps_trained'], 144);
    assert.deepEqual(Object.keys(last.policy_reward_mean!), ['even', 'odd']);
    // Each runner acts 3 times per episode with reward 1 + action ∈ {1, 2}.
    for (const id of ['even', 'odd']) assert.ok(last.policy_reward_min![id]! >= 3 && last.policy_reward_max![id]! <= 6);
    assert.equal(last.episode_len_mean, 5);
    assert.deepEqual(Object.keys(last.info['learner'] as object).sort(), ['even', 'odd']);
    for (const id of ['even', 'odd']) assert.ok(Number.isFinite(((last.info['learner'] as Record<string, { learner_stats: Record<string, number> }>)[id]!.learner_stats)['cur_kl_coeff']));
    seen.set(backend, results.map((r) => r.episode_reward_mean));
    if (seen.size === 2) assert.deepEqual(seen.get('farm'), seen.get('local'), 'same seed, same run on both backends');
  });
});
