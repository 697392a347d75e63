/**
 * DQN (RLlib's DQNTrainer) with its options: dueling head, double Q, n-step returns and prioritized
 * replay. Bulk-sync rollouts are stored into a replay buffer; concurrently (round-robin, weighted by
 * the training intensity), replayed batches train the learner, its weights go to every worker, its
 * TD errors become the replayed rows' priorities, and the target network is refreshed every
 * `targetNetworkUpdateFreq` sampled steps.
 */
import { z } from 'zod';
import { concurrently } from '../dsl/concurrently.js';
import type { Stream } from '../dsl/stream.js';
import { standardMetricsReporting, type ResultDict } from '../rl/ops/metrics.js';
import { learnOnReplayed, replay, storeToReplayBuffer, trainingIntensityWeights, updatePriorities, updateTargetNetwork } from '../rl/ops/replay.js';
import { parallelRollouts } from '../rl/ops/rollouts.js';
import { parseConfig, type Algorithm } from './common.js';
import { prioritizedReplayConfig, qLearningConfig, qWorkerGroups, replayConfig } from './q-common.js';

/** DQN's keys beyond SimpleQ's. */
export const dqnConfig = {
  ...qLearningConfig,
  hidden: qLearningConfig.hidden.default([256]),
  dueling: z.boolean().default(true).describe('dueling head: Q = V + A − mean(A)'),
  doubleQ: z.boolean().default(true).describe('double Q: the online net picks the next action, the target net values it'),
  nStep: z.number().int().min(1).default(1).describe('steps per transition (n-step returns)'),
  ...prioritizedReplayConfig,
};
export const dqnConfigSchema = z.object(dqnConfig).strict();
export type DqnConfig = z.infer<typeof dqnConfigSchema>;

export function dqnPlan(config: DqnConfig): Stream<ResultDict> {
  const { workers, learner } = qWorkerGroups(config);
  const buffer = { local: { name: 'replay', config: replayConfig(config) } };
  const store = storeToReplayBuffer(parallelRollouts(workers, { mode: 'bulkSync' }), buffer);
  const learned = learnOnReplayed(replay(buffer), learner, workers);
  const train = updateTargetNetwork(config.prioritizedReplay ? updatePriorities(learned, buffer) : learned, learner, { freq: config.targetNetworkUpdateFreq });
  const weights = trainingIntensityWeights(config);
  return standardMetricsReporting(concurrently([store, train], { mode: 'roundRobin', weights, outputIndexes: [1] }), workers, config);
}

/**
 * The `dqn` algorithm: deep Q-network (dueling, double Q, n-step, prioritized replay).
 * Build its plan with `buildAlgorithmPlan`, train it with `Trainer`, or run it as `rlflow train dqn`.
 */
export const dqn: Algorithm<DqnConfig> = {
  name: 'dqn',
  description: 'deep Q-network (dueling, double Q, n-step, prioritized replay)',
  schema: dqnConfigSchema,
  config: (input) => parseConfig('dqn', dqnConfigSchema, input),
  plan: dqnPlan,
};
