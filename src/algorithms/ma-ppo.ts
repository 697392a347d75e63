/**
 * Multi-agent PPO: PPO's plan over a policy map (RLlib's PPOTrainer with a `multiagent` config). Every
 * policy learns from the experience of the agents mapped to it: bulk-synchronous multi-agent rollouts →
 * concat to the train batch (env steps) → standardize advantages per policy → minibatch SGD for each
 * policy to train (its weights to every worker) → each policy's adaptive KL update → report, with
 * `policy_reward_mean` per policy. One policy id with `policyMapping: 'shared'` shares one network among
 * all agents; several ids train independent ones.
 */
import { z } from 'zod';
import type { Stream } from '../dsl/stream.js';
import { concatBatches, standardizeFields } from '../rl/ops/batching.js';
import { standardMetricsReporting, type ResultDict } from '../rl/ops/metrics.js';
import { multiAgentRollouts, trainPolicies, updatePolicyKLs } from '../rl/ops/multi-agent.js';
import { parseConfig, type Algorithm } from './common.js';
import { multiAgentConfig, multiAgentWorkerGroups, policySpecs } from './multi-agent.js';
import { ppoConfigSchema } from './ppo.js';

export const maPpoConfigSchema = ppoConfigSchema.extend({ ...multiAgentConfig, observationFilter: z.literal('NoFilter').default('NoFilter').describe('multi-agent workers do not filter observations') }).strict();
export type MaPpoConfig = z.infer<typeof maPpoConfigSchema>;

export function maPpoPlan(config: MaPpoConfig): Stream<ResultDict> {
  const loss = { kind: 'ppo', clipParam: config.clipParam, vfClipParam: config.vfClipParam, vfLossCoeff: config.vfLossCoeff, entropyCoeff: config.entropyCoeff, klCoeff: config.klCoeff, klTarget: config.klTarget } as const;
  const { workers, learner } = multiAgentWorkerGroups(config, policySpecs(config, loss));
  const rollouts = multiAgentRollouts(workers, { mode: 'bulkSync' })
    .combine(concatBatches(config.trainBatchSize))
    .forEach(standardizeFields(['advantages']));
  const trained = trainPolicies(rollouts, learner, workers, { numSgdIter: config.numSgdIter, sgdMinibatchSize: config.sgdMinibatchSize });
  return standardMetricsReporting(updatePolicyKLs(trained, learner), workers, config);
}

/**
 * The `ma-ppo` algorithm: multi-agent PPO over a policy map (shared or independent policies).
 * Build its plan with `buildAlgorithmPlan`, train it with `Trainer`, or run it as `rlflow train ma-ppo`.
 */
export const maPpo: Algorithm<MaPpoConfig> = {
  name: 'ma-ppo',
  description: 'multi-agent PPO over a policy map (shared or independent policies)',
  schema: maPpoConfigSchema,
  config: (input) => parseConfig('ma-ppo', maPpoConfigSchema, input),
  plan: maPpoPlan,
};
