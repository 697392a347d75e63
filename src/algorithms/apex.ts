/**
 * Ape-X DQN (Horgan et al. 2018; RLlib's ApexTrainer): many workers, each exploring with its own
 * constant ε_i, sample asynchronously into sharded replay actors, and get the learner's weights back
 * every `maxWeightSyncDelay` of their steps; the replay actors feed the learner's bounded in-queue; the
 * learner's TD errors become the priorities of the shard each batch came from, and the target network
 * is refreshed every `targetNetworkUpdateFreq` trained steps. The three branches run under async
 * `concurrently`, which outputs the update branch; with a `trainingIntensity` they take round-robin
 * turns instead, weighted so that the learner replays that many rows per sampled row (the replay
 * ratio is then the config's, not whatever share of the CPU the learner gets).
 */
import { z } from 'zod';
import { concurrently } from '../dsl/concurrently.js';
import { queue } from '../dsl/define.js';
import { dequeue } from '../dsl/sources.js';
import type { Stream } from '../dsl/stream.js';
import type { AnyBatch } from '../rl/data/sample-batch.js';
import { standardMetricsReporting, type ResultDict } from '../rl/ops/metrics.js';
import { replay, storeToReplayBuffer, trainingIntensityWeights, updateTargetNetwork } from '../rl/ops/replay.js';
import { learnOnReplayActors, syncWorkerWeights, updateShardPriorities } from '../rl/ops/replay-learning.js';
import { parallelRollouts } from '../rl/ops/rollouts.js';
import { parseConfig, type Algorithm } from './common.js';
import { dqnConfig } from './dqn.js';
import { apexGroups, replayConfig } from './q-common.js';

export const apexConfigSchema = z
  .object({
    ...dqnConfig,
    nStep: dqnConfig.nStep.default(3),
    numWorkers: dqnConfig.numWorkers.default(32),
    bufferSize: dqnConfig.bufferSize.default(2_000_000),
    learningStarts: dqnConfig.learningStarts.default(50_000),
    trainBatchSize: dqnConfig.trainBatchSize.default(512),
    rolloutFragmentLength: dqnConfig.rolloutFragmentLength.default(50),
    targetNetworkUpdateFreq: dqnConfig.targetNetworkUpdateFreq.default(500_000),
    timestepsPerIteration: dqnConfig.timestepsPerIteration.default(25_000),
    minIterTimeS: dqnConfig.minIterTimeS.default(30),
    perWorkerEpsilon: z.number().min(0).max(1).default(0.4).describe('ε of worker 0; worker i explores with ε^(1 + i/(N−1)·α)'),
    perWorkerEpsilonAlpha: z.number().min(0).default(7).describe('α of the per-worker ε'),
    maxWeightSyncDelay: z.number().int().positive().default(400).describe("a worker's env steps between weight syncs"),
    numReplayBufferShards: z.number().int().positive().default(4).describe('replay actors (the buffer is split evenly)'),
    learnerQueueSize: z.number().int().positive().default(16).describe("replayed batches waiting in the learner's in-queue"),
    learnerMinibatchSize: z.number().int().min(0).default(0).describe('rows per learner gradient step (a replayed batch is learned in minibatches); 0 = the whole batch'),
  })
  .strict();
export type ApexConfig = z.infer<typeof apexConfigSchema>;

export function apexPlan(config: ApexConfig): Stream<ResultDict> {
  const { workers, learner, shards } = apexGroups(config, replayConfig(config, config.numReplayBufferShards));
  const stored = storeToReplayBuffer(parallelRollouts(workers, { mode: 'async', inFlight: 2 }), { actors: shards });
  const store = syncWorkerWeights(stored, learner, { maxWeightSyncDelay: config.maxWeightSyncDelay });
  const learnerIn = queue<AnyBatch>('learner-in', { capacity: 4 });
  const replayed = replay({ actors: shards }, { numAsync: 4 }).enqueue(learnerIn);
  const learned = updateShardPriorities(learnOnReplayActors(dequeue(learnerIn), learner));
  const update = updateTargetNetwork(learned, learner, { freq: config.targetNetworkUpdateFreq, by: 'trained' });
  // Episodes are reported from the last third of the workers, the ones that explore least (as RLlib).
  const selectedWorkers = Array.from({ length: Math.max(1, Math.floor(config.numWorkers / 3)) }, (_, i) => config.numWorkers - 1 - i);
  // With a training intensity the branches take turns (RLlib: round robin, weights + ['*']), so the
  // replay ratio is the config's, not whatever the CPU split between samplers and learner gives.
  const branches = [store, replayed, update] as const;
  const union = config.trainingIntensity === undefined ? concurrently(branches, { mode: 'async', outputIndexes: [2] }) : concurrently(branches, { mode: 'roundRobin', weights: [...apexIntensityWeights(config), '*'], outputIndexes: [2] });
  return standardMetricsReporting(union, workers, { ...config, selectedWorkers });
}

/**
 * Round-robin weights `[store, replay]` for Ape-X's training intensity: a store turn is ONE worker's
 * fragment (async rollouts), not one from every worker as in DQN's bulk-sync rollouts (RLlib's
 * calculate_rr_weights counts all workers here too, which makes Ape-X replay `numWorkers` times less
 * than asked).
 */
export function apexIntensityWeights(config: ApexConfig): [number, number] {
  return trainingIntensityWeights({ ...config, numWorkers: 1 });
}

/**
 * The `apex` algorithm: Ape-X DQN: distributed prioritized replay with per-worker exploration.
 * Build its plan with `buildAlgorithmPlan`, train it with `Trainer`, or run it as `rlflow train apex`.
 */
export const apex: Algorithm<ApexConfig> = {
  name: 'apex',
  description: 'Ape-X DQN: distributed prioritized replay with per-worker exploration',
  schema: apexConfigSchema,
  config: (input) => parseConfig('apex', apexConfigSchema, input),
  plan: apexPlan,
};
