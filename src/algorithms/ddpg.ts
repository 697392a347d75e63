/**
 * DDPG (deep deterministic policy gradient; RLlib's DDPGTrainer) on DQN's plan: bulk-sync rollouts
 * with Ornstein–Uhlenbeck exploration are stored into a replay buffer; concurrently, replayed batches
 * train the learner's critic and actor, its weights go to every worker, its TD errors become priorities
 * (prioritized replay, on by default), and the target actor and critic move by Polyak averaging (τ).
 * TD3 (td3.ts) is this algorithm with other defaults.
 */
import { z } from 'zod';
import { concurrently } from '../dsl/concurrently.js';
import type { Stream } from '../dsl/stream.js';
import { standardMetricsReporting, type ResultDict } from '../rl/ops/metrics.js';
import { learnOnReplayed, replay, storeToReplayBuffer, trainingIntensityWeights, updatePriorities, updateTargetNetwork } from '../rl/ops/replay.js';
import { parallelRollouts } from '../rl/ops/rollouts.js';
import type { DdpgPolicyConfig } from '../rl/policy/types.js';
import { parseConfig, type Algorithm } from './common.js';
import { offPolicyConfig, offPolicyWorkerGroups, replayBuffer, targetUpdateFreq } from './off-policy-common.js';

/** DDPG's keys (RLlib 1.8's defaults); TD3 changes some defaults. */
export const ddpgConfig = {
  ...offPolicyConfig,
  policyDelay: z.number().int().min(1).default(1).describe('critic updates per actor update (TD3: 2)'),
  smoothTargetPolicy: z.boolean().default(false).describe('target-policy smoothing: clipped Gaussian noise on the target action (TD3)'),
  targetNoise: z.number().min(0).default(0.2).describe('std-dev of the target smoothing noise, in action units'),
  targetNoiseClip: z.number().min(0).default(0.5).describe('clip of the target smoothing noise, in action units'),
  l2Reg: z.number().min(0).default(1e-6).describe('L2 penalty on actor and critic kernels (l2·Σw²/2)'),
  useHuber: z.boolean().default(false).describe('Huber loss (threshold 1) instead of the squared TD error'),
  exploration: z.enum(['ou', 'gaussian']).default('ou').describe('exploration noise: Ornstein–Uhlenbeck (DDPG) or Gaussian (TD3)'),
  randomTimesteps: z.number().int().min(0).default(1000).describe('uniformly random actions for the first env steps'),
  ouBaseScale: z.number().min(0).default(0.1).describe('OU noise: share of the action range'),
  ouTheta: z.number().min(0).default(0.15).describe('OU noise: mean reversion θ'),
  ouSigma: z.number().min(0).default(0.2).describe('OU noise: diffusion σ'),
  gaussianStddev: z.number().min(0).default(0.1).describe('Gaussian noise: std-dev, in action units'),
  initialScale: z.number().min(0).default(1).describe('noise scale at the start'),
  finalScale: z.number().min(0).default(0.02).describe('noise scale after scaleTimesteps'),
  scaleTimesteps: z.number().int().min(0).default(10_000).describe('env steps over which the noise scale anneals linearly'),
};
export const ddpgConfigSchema = z.object(ddpgConfig).strict();
export type DdpgConfig = z.infer<typeof ddpgConfigSchema>;

/** The DDPG/TD3 policy of a config. */
export function ddpgPolicyConfig(c: DdpgConfig): DdpgPolicyConfig {
  const schedule = { randomTimesteps: c.randomTimesteps, initialScale: c.initialScale, finalScale: c.finalScale, scaleTimesteps: c.scaleTimesteps };
  return {
    kind: 'ddpg',
    ...{ actorHidden: c.actorHidden, criticHidden: c.criticHidden, activation: c.activation, actorLr: c.actorLr, criticLr: c.criticLr, gamma: c.gamma, nStep: c.nStep, tau: c.tau, twinQ: c.twinQ },
    ...{ policyDelay: c.policyDelay, smoothTargetPolicy: c.smoothTargetPolicy, targetNoise: c.targetNoise, targetNoiseClip: c.targetNoiseClip, l2Reg: c.l2Reg, useHuber: c.useHuber },
    exploration: c.exploration === 'ou' ? { type: 'ou', baseScale: c.ouBaseScale, theta: c.ouTheta, sigma: c.ouSigma, ...schedule } : { type: 'gaussian', stddev: c.gaussianStddev, ...schedule },
  };
}

export function ddpgPlan(config: DdpgConfig): Stream<ResultDict> {
  const { workers, learner } = offPolicyWorkerGroups(config, ddpgPolicyConfig(config));
  const buffer = replayBuffer(config);
  const store = storeToReplayBuffer(parallelRollouts(workers, { mode: 'bulkSync' }), buffer);
  const learned = learnOnReplayed(replay(buffer), learner, workers);
  const train = updateTargetNetwork(config.prioritizedReplay ? updatePriorities(learned, buffer) : learned, learner, { freq: targetUpdateFreq(config) });
  return standardMetricsReporting(concurrently([store, train], { mode: 'roundRobin', weights: trainingIntensityWeights(config), outputIndexes: [1] }), workers, config);
}

/**
 * The `ddpg` algorithm: deep deterministic policy gradient (OU exploration, prioritized replay, Polyak targets).
 * Build its plan with `buildAlgorithmPlan`, train it with `Trainer`, or run it as `rlflow train ddpg`.
 */
export const ddpg: Algorithm<DdpgConfig> = {
  name: 'ddpg',
  description: 'deep deterministic policy gradient (OU exploration, prioritized replay, Polyak targets)',
  schema: ddpgConfigSchema,
  config: (input) => parseConfig('ddpg', ddpgConfigSchema, input),
  plan: ddpgPlan,
};
