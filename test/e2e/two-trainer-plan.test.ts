/**
 * The two-trainer algorithm end to end (the real plan of src/algorithms/two-trainer.ts, on real policies
 * and, on the farm, real worker processes): one 4-agent MultiAgentCartPole, even agents on a PPO policy,
 * odd ones on a DQN policy. After a few iterations: each branch trained only its own policy's rows (the
 * per-policy trained counters match the per-policy batches), the DQN branch waited for `learningStarts`,
 * replayed and refreshed its target network, both policies report returns and learner stats, and the
 * workers hold exactly the learner's weights of both policies (each branch broadcast its own).
 * test/e2e/two-trainer.test.ts checks the same composition with dummy actors, step id by step id.
 */
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { buildAlgorithmPlan, twoTrainer } from '../../src/algorithms/index.js';
import type { ResultDict } from '../../src/rl/ops/metrics.js';
import type { PolicyWeights } from '../../src/rl/multi-agent-api.js';
import { onBothBackends, withRuntime } from './helpers.js';

onBothBackends('the two-trainer plan (PPO + DQN on MultiAgentCartPole)', async (backend) => {
  const config = twoTrainer.config({ rolloutFragmentLength: 25, ppoTrainBatchSize: 100, sgdMinibatchSize: 64, numSgdIter: 2, learningStarts: 100, replayBatchSize: 16, targetNetworkUpdateFreq: 100, hidden: [16], dqnHidden: [16], timestepsPerIteration: 100 });
  const { graph } = await buildAlgorithmPlan(twoTrainer, config, { name: 'two-trainer-e2e' });
  await withRuntime<ResultDict, void>({ graph }, backend, async (rt) => {
    const results: ResultDict[] = [];
    for await (const r of rt) {
      results.push(r);
      if (r.timesteps_total >= 600) break;
    }
    const last = results.at(-1)!;
    const info = last.info as Record<string, unknown>;
    const ppoRows = info['num_agent_steps_trained_ppo_policy'] as number;
    const dqnRows = info['num_agent_steps_trained_dqn_policy'] as number;
    assert.ok(ppoRows > 0 && dqnRows > 0, `both trained: ppo ${ppoRows}, dqn ${dqnRows}`);
    assert.equal(info['num_agent_steps_trained'], ppoRows + dqnRows, 'nothing else was trained');
    assert.equal(dqnRows % 16, 0, 'the DQN branch trains on whole replayed batches');
    assert.ok((info['num_target_updates'] as number) >= 1, 'the target network was refreshed');
    assert.ok(last.agent_timesteps_total > last.timesteps_total, 'env steps and agent steps are counted apart');
    assert.deepEqual(Object.keys(last.policy_reward_mean!).sort(), ['dqn_policy', 'ppo_policy']);
    const learner = info['learner'] as Record<string, { learner_stats: Record<string, number> }>;
    assert.ok(Number.isFinite(learner['ppo_policy']!.learner_stats['kl']), 'PPO stats');
    assert.ok(Number.isFinite(learner['dqn_policy']!.learner_stats['mean_q']), 'DQN stats');
    // Each branch broadcast its own policy: the workers act with the learner's current weights of both.
    // (On the farm a last fire-and-forget broadcast may still be on its way: wait for the actors to settle.)
    const weights = async (group: string) => (await rt.backend.call({ group, index: 0 }, 'getWeights', [])) as PolicyWeights;
    let learnerWeights = await weights('learner');
    let workerWeights = await weights('workers');
    for (let i = 0; i < 20 && !isDeepStrictEqual(workerWeights, learnerWeights); i++) {
      await new Promise((r) => setTimeout(r, 100));
      [learnerWeights, workerWeights] = [await weights('learner'), await weights('workers')];
    }
    assert.deepEqual(workerWeights, learnerWeights);
  });
});
