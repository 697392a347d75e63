/**
 * SimpleQ (Q-learning with a target network and uniform replay; RLlib's SimpleQTrainer): bulk-sync
 * rollouts stored into a replay buffer; concurrently (round-robin), replayed batches train the
 * learner, whose weights go to every worker, and the target network is refreshed every
 * `targetNetworkUpdateFreq` sampled steps.
 */
import type { z } from 'zod';
import { concurrently } from '../dsl/concurrently.js';
import type { Stream } from '../dsl/stream.js';
import { standardMetricsReporting, type ResultDict } from '../rl/ops/metrics.js';
import { learnOnReplayed, replay, storeToReplayBuffer, updateTargetNetwork } from '../rl/ops/replay.js';
import { parallelRollouts } from '../rl/ops/rollouts.js';
import { parseConfig, type Algorithm } from './common.js';
import { qLearningSchema, qWorkerGroups, replayConfig } from './q-common.js';

export const simpleQConfigSchema = qLearningSchema.strict();
export type SimpleQConfig = z.infer<typeof simpleQConfigSchema>;

export function simpleQPlan(config: SimpleQConfig): Stream<ResultDict> {
  const { workers, learner } = qWorkerGroups(config);
  const buffer = { local: { name: 'replay', config: replayConfig(config) } };
  const store = storeToReplayBuffer(parallelRollouts(workers, { mode: 'bulkSync' }), buffer);
  const train = updateTargetNetwork(learnOnReplayed(replay(buffer), learner, workers), learner, { freq: config.targetNetworkUpdateFreq });
  return standardMetricsReporting(concurrently([store, train], { mode: 'roundRobin', outputIndexes: [1] }), workers, config);
}

/**
 * The `simpleq` algorithm: Q-learning with a target network and uniform replay.
 * Build its plan with `buildAlgorithmPlan`, train it with `Trainer`, or run it as `rlflow train simpleq`.
 */
export const simpleQ: Algorithm<SimpleQConfig> = {
  name: 'simpleq',
  description: 'Q-learning with a target network and uniform replay',
  schema: simpleQConfigSchema,
  config: (input) => parseConfig('simpleq', simpleQConfigSchema, input),
  plan: simpleQPlan,
};
