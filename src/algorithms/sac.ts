/**
 * SAC (soft actor-critic with automatic entropy tuning; RLlib's SACTrainer), for Box and Discrete
 * actions, on DQN's plan: bulk-sync rollouts are stored into a replay buffer; concurrently (round-robin,
 * weighted by the training intensity), replayed batches train the learner (critics, actor and α), its
 * weights go to every worker, its TD errors become priorities (with prioritized replay), and the
 * target critics move towards the critics by Polyak averaging (τ).
 */
import { z } from 'zod';
import { concurrently } from '../dsl/concurrently.js';
import type { Stream } from '../dsl/stream.js';
import { standardMetricsReporting, type ResultDict } from '../rl/ops/metrics.js';
import { learnOnReplayed, replay, storeToReplayBuffer, trainingIntensityWeights, updatePriorities, updateTargetNetwork } from '../rl/ops/replay.js';
import { parallelRollouts } from '../rl/ops/rollouts.js';
import type { SacPolicyConfig } from '../rl/policy/types.js';
import { parseConfig, type Algorithm } from './common.js';
import { offPolicyConfig, offPolicyWorkerGroups, replayBuffer, targetUpdateFreq } from './off-policy-common.js';

export const sacConfigSchema = z
  .object({
    ...offPolicyConfig,
    timestepsPerIteration: offPolicyConfig.timestepsPerIteration.default(100),
    actorHidden: offPolicyConfig.actorHidden.default([256, 256]),
    criticHidden: offPolicyConfig.criticHidden.default([256, 256]),
    actorLr: offPolicyConfig.actorLr.default(3e-4),
    criticLr: offPolicyConfig.criticLr.default(3e-4),
    entropyLr: z.number().positive().default(3e-4).describe('learning rate of log α (automatic entropy tuning)'),
    twinQ: offPolicyConfig.twinQ.default(true),
    tau: offPolicyConfig.tau.default(5e-3),
    bufferSize: offPolicyConfig.bufferSize.default(1_000_000),
    prioritizedReplay: offPolicyConfig.prioritizedReplay.default(false),
    initialAlpha: z.number().positive().default(1).describe('initial entropy temperature α'),
    targetEntropy: z.union([z.number(), z.literal('auto')]).default('auto').describe("target entropy H̄ ('auto': −dim(A) for Box actions, 0.98·log(k) for k discrete actions)"),
  })
  .strict();
export type SacConfig = z.infer<typeof sacConfigSchema>;

/** The SAC policy of a config. */
export function sacPolicyConfig(config: SacConfig): SacPolicyConfig {
  const { actorHidden, criticHidden, activation, actorLr, criticLr, entropyLr, gamma, nStep, tau, twinQ, initialAlpha, targetEntropy } = config;
  return { kind: 'sac', actorHidden, criticHidden, activation, actorLr, criticLr, entropyLr, gamma, nStep, tau, twinQ, initialAlpha, targetEntropy };
}

export function sacPlan(config: SacConfig): Stream<ResultDict> {
  const { workers, learner } = offPolicyWorkerGroups(config, sacPolicyConfig(config));
  const buffer = replayBuffer(config);
  const store = storeToReplayBuffer(parallelRollouts(workers, { mode: 'bulkSync' }), buffer);
  const learned = learnOnReplayed(replay(buffer), learner, workers);
  const train = updateTargetNetwork(config.prioritizedReplay ? updatePriorities(learned, buffer) : learned, learner, { freq: targetUpdateFreq(config) });
  return standardMetricsReporting(concurrently([store, train], { mode: 'roundRobin', weights: trainingIntensityWeights(config), outputIndexes: [1] }), workers, config);
}

/**
 * The `sac` algorithm: soft actor-critic (twin Q, automatic entropy tuning; Box or Discrete actions).
 * Build its plan with `buildAlgorithmPlan`, train it with `Trainer`, or run it as `rlflow train sac`.
 */
export const sac: Algorithm<SacConfig> = {
  name: 'sac',
  description: 'soft actor-critic (twin Q, automatic entropy tuning; Box or Discrete actions)',
  schema: sacConfigSchema,
  config: (input) => parseConfig('sac', sacConfigSchema, input),
  plan: sacPlan,
};
