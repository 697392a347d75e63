/**
 * IMPALA (Espeholt et al. 2018): the workers sample asynchronously, several requests in flight each;
 * train batches queue up for a learner with its own loop that trains on them with the V-trace loss
 * while the workers keep sampling; new weights go back to the workers whose samples are in a batch.
 * RLlib's plan (spec §3.1), without tree aggregation and replay.
 */
import { z } from 'zod';
import type { Stream } from '../dsl/stream.js';
import { concatBatchesWithSources, learnAsync } from '../rl/ops/async-learning.js';
import { standardMetricsReporting, type ResultDict } from '../rl/ops/metrics.js';
import { parallelRollouts } from '../rl/ops/rollouts.js';
import { asyncLearnerGroup, commonConfig, parseConfig, workerGroups, type Algorithm } from './common.js';

/** The keys IMPALA and APPO share (RLlib's IMPALA defaults, spec §4.2). */
export const asyncLearningConfig = {
  ...commonConfig,
  rolloutFragmentLength: commonConfig.rolloutFragmentLength.default(50),
  trainBatchSize: commonConfig.trainBatchSize.default(500),
  minIterTimeS: commonConfig.minIterTimeS.default(10),
  lr: commonConfig.lr.default(5e-4),
  gradClip: commonConfig.gradClip.default(40),
  vtraceClipRhoThreshold: z.number().positive().default(1).describe("V-trace's ρ̄: clip of the importance weights in the value targets"),
  vtraceClipPgRhoThreshold: z.number().positive().default(1).describe("V-trace's ρ̄ for the policy-gradient advantages"),
  vfLossCoeff: z.number().min(0).default(0.5).describe('value loss weight'),
  entropyCoeff: z.number().min(0).default(0.01).describe('entropy bonus weight'),
  numSgdIter: z.number().int().positive().default(1).describe('times the learner learns on each train batch'),
  minibatchBufferSize: z.number().int().positive().default(1).describe('train batches the learner interleaves its passes over'),
  learnerQueueSize: z.number().int().positive().default(16).describe("train batches the learner's in-queue holds (the back-pressure point)"),
  maxSampleRequestsInFlightPerWorker: z.number().int().positive().default(2).describe('sample requests each worker has in flight'),
  broadcastInterval: z.number().int().positive().default(1).describe('train batches between refreshes of the weights sent to workers'),
  freeLogStd: z.boolean().default(false).describe("Box actions: one trained log-std per action dimension, not a network output (RLlib's free_log_std)"),
};

export const impalaConfigSchema = z.object(asyncLearningConfig).strict();
export type ImpalaConfig = z.infer<typeof impalaConfigSchema>;

export function impalaPlan(config: ImpalaConfig): Stream<ResultDict> {
  const loss = { kind: 'a2c', vfLossCoeff: config.vfLossCoeff, entropyCoeff: config.entropyCoeff } as const;
  const { workers } = workerGroups(config, loss);
  const learner = asyncLearnerGroup(config, loss, {
    objective: { kind: 'impala', rhoBar: config.vtraceClipRhoThreshold, pgRhoBar: config.vtraceClipPgRhoThreshold },
    queueSize: config.learnerQueueSize,
    minibatchBufferSize: config.minibatchBufferSize,
    numSgdIter: config.numSgdIter,
  });
  const batches = parallelRollouts(workers, { mode: 'async', inFlight: config.maxSampleRequestsInFlightPerWorker }).combine(concatBatchesWithSources.with(config.trainBatchSize));
  return standardMetricsReporting(learnAsync(batches, learner, { broadcastInterval: config.broadcastInterval }), workers, config);
}

/**
 * The `impala` algorithm: importance-weighted actor-learner (V-trace, learner with its own loop).
 * Build its plan with `buildAlgorithmPlan`, train it with `Trainer`, or run it as `rlflow train impala`.
 */
export const impala: Algorithm<ImpalaConfig> = {
  name: 'impala',
  description: 'importance-weighted actor-learner (V-trace, learner with its own loop)',
  schema: impalaConfigSchema,
  config: (input) => parseConfig('impala', impalaConfigSchema, input),
  plan: impalaPlan,
};
