/**
 * What SimpleQ, DQN and Ape-X share: their config keys (RLlib 1.8's SimpleQ defaults, spec §4.2,
 * camel-cased), the Q policy and replay buffer configs built from a config, and their worker groups.
 */
import { z } from 'zod';
import type { ExplorationConfig } from '../rl/policy/exploration.js';
import type { QPolicyConfig } from '../rl/policy/types.js';
import type { ReplayBuffersConfig } from '../rl/replay/replay-buffers.js';
import type { RolloutWorkerConfig, WorkerGroup } from '../rl/worker-api.js';
import { actors } from '../dsl/define.js';
import type { ReplayGroup } from '../rl/ops/replay.js';
import type { ReplayLearnerGroup } from '../rl/ops/replay-learning.js';
import { ReplayLearner, type ReplayLearnerConfig } from '../rl/replay-learner.js';
import { ReplayActor } from '../rl/replay/replay-actor.js';
import { LEARNER_RESYNC, commonConfig, policyWorkerGroups } from './common.js';

/** SimpleQ's keys; DQN and Ape-X extend them. */
/** Prioritized-replay keys (RLlib's defaults) and the replay ratio, shared by DQN, Ape-X, SAC, DDPG and TD3. */
export const prioritizedReplayConfig = {
  prioritizedReplay: z.boolean().default(true).describe('prioritized replay (priorities = |TD error| + ε)'),
  prioritizedReplayAlpha: z.number().min(0).default(0.6).describe('priority exponent α'),
  prioritizedReplayBeta: z.number().min(0).default(0.4).describe('importance-weight exponent β (initial)'),
  finalPrioritizedReplayBeta: z.number().min(0).default(0.4).describe('β after annealing'),
  prioritizedReplayBetaAnnealingTimesteps: z.number().int().positive().default(20_000).describe('env steps over which β anneals'),
  prioritizedReplayEps: z.number().positive().default(1e-6).describe('added to |TD error| to make a priority'),
  trainingIntensity: z.number().positive().optional().describe('replayed steps per sampled step (default: one train batch per stored fragment)'),
};

export const qLearningConfig = {
  ...commonConfig,
  numWorkers: commonConfig.numWorkers.default(1),
  rolloutFragmentLength: commonConfig.rolloutFragmentLength.default(4),
  trainBatchSize: commonConfig.trainBatchSize.default(32),
  lr: commonConfig.lr.default(5e-4),
  gradClip: commonConfig.gradClip.default(40),
  timestepsPerIteration: commonConfig.timestepsPerIteration.default(1000),
  minIterTimeS: commonConfig.minIterTimeS.default(1),
  adamEpsilon: z.number().positive().default(1e-8).describe("Adam's ε"),
  bufferSize: z.number().int().positive().default(50_000).describe('replay buffer capacity (transitions)'),
  learningStarts: z.number().int().min(0).default(1000).describe('env steps stored before learning starts'),
  targetNetworkUpdateFreq: z.number().int().positive().default(500).describe('env steps between target network updates'),
  initialEpsilon: z.number().min(0).max(1).default(1).describe('ε-greedy: ε at the start'),
  finalEpsilon: z.number().min(0).max(1).default(0.02).describe('ε-greedy: ε after epsilonTimesteps'),
  epsilonTimesteps: z.number().int().min(0).default(10_000).describe('ε-greedy: env steps over which ε falls linearly'),
  storeBufferInCheckpoints: z.boolean().default(false).describe("checkpoints hold the replay buffers' rows and priorities, not only their counters (large)"),
};

/** SimpleQ's config schema (without `.strict()`, so DQN and Ape-X configs satisfy its type). */
export const qLearningSchema = z.object(qLearningConfig);
type QConfig = z.infer<typeof qLearningSchema> & { readonly dueling?: boolean; readonly doubleQ?: boolean; readonly nStep?: number };

/** The Q policy of a config (SimpleQ: no dueling, no double Q, 1-step). */
export function qPolicyConfig(config: QConfig, exploration?: ExplorationConfig): QPolicyConfig {
  return {
    kind: 'q',
    hidden: config.hidden,
    activation: config.activation,
    dueling: config.dueling ?? false,
    doubleQ: config.doubleQ ?? false,
    lr: config.lr,
    adamEpsilon: config.adamEpsilon,
    gradClip: config.gradClip,
    gamma: config.gamma,
    nStep: config.nStep ?? 1,
    exploration: exploration ?? { kind: 'epsilonGreedy', initialEpsilon: config.initialEpsilon, finalEpsilon: config.finalEpsilon, epsilonTimesteps: config.epsilonTimesteps },
  };
}

/** Rollout workers and learner hosting the config's Q policy. */
export function qWorkerGroups(config: QConfig, exploration?: ExplorationConfig): { workers: WorkerGroup; learner: WorkerGroup } {
  return policyWorkerGroups({ ...config, useGae: false, useCritic: false }, qPolicyConfig(config, exploration));
}

/** Ape-X's groups: workers with per-worker ε, a learner with its own loop, and the replay shards. */
export function apexGroups(config: QConfig & { readonly numReplayBufferShards: number; readonly learnerQueueSize: number; readonly learnerMinibatchSize: number; readonly perWorkerEpsilon: number; readonly perWorkerEpsilonAlpha: number }, replay: ReplayBuffersConfig): { workers: WorkerGroup; learner: ReplayLearnerGroup; shards: ReplayGroup } {
  const exploration = { kind: 'perWorkerEpsilonGreedy', epsilon: config.perWorkerEpsilon, alpha: config.perWorkerEpsilonAlpha, numWorkers: config.numWorkers } as const;
  const { workers, learner } = qWorkerGroups(config, exploration);
  return {
    workers,
    learner: actors(ReplayLearner, { count: 1, args: [learner.args[0] as RolloutWorkerConfig, { queueSize: config.learnerQueueSize, minibatchSize: config.learnerMinibatchSize } as ReplayLearnerConfig], name: 'learner', prefers: 'gpu', resync: LEARNER_RESYNC }),
    // Replay actors hold data and answer quickly: RLlib gives them num_cpus=0.
    // A crashed shard restarts empty (its contents are lost; the rows stored meanwhile refill it).
    shards: actors(ReplayActor, { count: config.numReplayBufferShards, args: [replay], name: 'replay', resources: { cpus: 0 }, resync: { stateless: true } }),
  };
}

/** The replay buffer config of a run (one buffer, or each of `shards` replay actors: capacity and learningStarts split). */
export function replayConfig(
  config: Pick<QConfig, 'bufferSize' | 'learningStarts' | 'trainBatchSize'> & { readonly prioritizedReplay?: boolean; readonly prioritizedReplayAlpha?: number; readonly prioritizedReplayBeta?: number; readonly finalPrioritizedReplayBeta?: number; readonly prioritizedReplayBetaAnnealingTimesteps?: number; readonly prioritizedReplayEps?: number },
  shards = 1,
): ReplayBuffersConfig {
  return {
    capacity: Math.max(1, Math.floor(config.bufferSize / shards)),
    learningStarts: Math.floor(config.learningStarts / shards),
    replayBatchSize: config.trainBatchSize,
    prioritized: config.prioritizedReplay ?? false,
    alpha: config.prioritizedReplayAlpha ?? 0.6,
    beta: config.prioritizedReplayBeta ?? 0.4,
    ...(config.finalPrioritizedReplayBeta !== undefined ? { finalBeta: config.finalPrioritizedReplayBeta } : {}),
    ...(config.prioritizedReplayBetaAnnealingTimesteps !== undefined ? { betaAnnealingTimesteps: config.prioritizedReplayBetaAnnealingTimesteps } : {}),
    eps: config.prioritizedReplayEps ?? 1e-6,
  };
}
