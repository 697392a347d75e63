/**
 * What SAC, DDPG and TD3 share (RLlib runs all three on DQN's plan): config keys for the actor and
 * critic networks, target networks and replay (RLlib 1.8's keys, camel-cased; each algorithm sets its
 * own defaults, spec §4.2), the replay buffer they store into and replay from, and their worker groups.
 * Plans and policy configs stay in the algorithm files.
 */
import { z } from 'zod';
import type { ReplayTarget } from '../rl/ops/replay.js';
import type { AnyPolicyConfig } from '../rl/policy/types.js';
import type { WorkerGroup } from '../rl/worker-api.js';
import { commonConfig, policyWorkerGroups } from './common.js';
import { prioritizedReplayConfig, replayConfig } from './q-common.js';

// The common keys minus the on-policy network keys (these algorithms name actor and critic separately).
const { hidden: _hidden, lr: _lr, vfShareLayers: _vfShareLayers, gradClip: _gradClip, ...workerKeys } = commonConfig;

/** Keys shared by SAC, DDPG and TD3 (defaults: DDPG's; SAC and TD3 override). */
export const offPolicyConfig = {
  ...workerKeys,
  numWorkers: commonConfig.numWorkers.default(1),
  rolloutFragmentLength: commonConfig.rolloutFragmentLength.default(1),
  trainBatchSize: commonConfig.trainBatchSize.default(256),
  timestepsPerIteration: commonConfig.timestepsPerIteration.default(1000),
  minIterTimeS: commonConfig.minIterTimeS.default(1),
  activation: commonConfig.activation.default('relu'),
  actorHidden: z.array(z.number().int().positive()).default([400, 300]).describe('hidden layer sizes of the actor (policy) MLP'),
  criticHidden: z.array(z.number().int().positive()).default([400, 300]).describe('hidden layer sizes of each critic (Q) MLP'),
  actorLr: z.number().positive().default(1e-3).describe('actor learning rate (Adam)'),
  criticLr: z.number().positive().default(1e-3).describe('critic learning rate (Adam)'),
  twinQ: z.boolean().default(false).describe('two critics; targets use their minimum (clipped double Q)'),
  tau: z.number().positive().max(1).default(0.002).describe('Polyak coefficient of the target networks (1 = copy)'),
  targetNetworkUpdateFreq: z.number().int().min(0).default(0).describe('env steps between target updates (0 = after every training step)'),
  nStep: z.number().int().min(1).default(1).describe('steps per transition (n-step returns)'),
  bufferSize: z.number().int().positive().default(50_000).describe('replay buffer capacity (transitions)'),
  learningStarts: z.number().int().min(0).default(1500).describe('env steps stored before learning starts'),
  ...prioritizedReplayConfig,
};

type OffPolicyKeys = z.infer<z.ZodObject<typeof offPolicyConfig>>;

/** The run's replay buffer, on the driver. */
export function replayBuffer(config: OffPolicyKeys): ReplayTarget {
  return { local: { name: 'replay', config: replayConfig(config) } };
}

/** Rollout workers and learner hosting `policy` (no GAE: the policy postprocesses to n-step transitions). */
export function offPolicyWorkerGroups(config: OffPolicyKeys, policy: AnyPolicyConfig): { workers: WorkerGroup; learner: WorkerGroup } {
  return policyWorkerGroups({ ...config, useGae: false, useCritic: false }, policy);
}

/** The target-update frequency `updateTargetNetwork` takes: RLlib's 0 ("every training step") is 1 sampled step. */
export function targetUpdateFreq(config: OffPolicyKeys): number {
  return Math.max(1, config.targetNetworkUpdateFreq);
}
