/**
 * APPO (asynchronous PPO): IMPALA's asynchronous plan with PPO's clipped surrogate as the learner's
 * loss, on V-trace advantages (or the workers' GAE), against a target network that follows the
 * learner, with an optional adaptive KL penalty (RLlib's APPO, spec §3.1 and §4.2).
 */
import { z } from 'zod';
import type { Stream } from '../dsl/stream.js';
import { concatBatchesWithSources, learnAsync, updateTargetAndKL } from '../rl/ops/async-learning.js';
import { standardMetricsReporting, type ResultDict } from '../rl/ops/metrics.js';
import { parallelRollouts } from '../rl/ops/rollouts.js';
import { asyncLearnerGroup, parseConfig, workerGroups, type Algorithm } from './common.js';
import { asyncLearningConfig } from './impala.js';

/** APPO's loss has no value clipping: the PPO loss's clip range is set out of reach. */
const NO_VF_CLIP = 1e30;

export const appoConfigSchema = z
  .object({
    ...asyncLearningConfig,
    vtrace: z.boolean().default(true).describe('V-trace advantages and value targets (else the workers’ GAE)'),
    useCritic: z.boolean().default(true).describe('a value function (for GAE without V-trace)'),
    useGae: z.boolean().default(true).describe('generalized advantage estimation on the workers (used without V-trace)'),
    lambda: z.number().min(0).max(1).default(1).describe('GAE lambda'),
    clipParam: z.number().positive().default(0.4).describe('PPO clip range of the probability ratio'),
    useKlLoss: z.boolean().default(false).describe('add an adaptive KL penalty against the target network'),
    klCoeff: z.number().min(0).default(1).describe('initial KL coefficient (with useKlLoss)'),
    klTarget: z.number().positive().default(0.01).describe('target KL per update (with useKlLoss)'),
  })
  .strict();
export type AppoConfig = z.infer<typeof appoConfigSchema>;

export function appoPlan(config: AppoConfig): Stream<ResultDict> {
  // RLlib's APPO value loss is ½·mean((V − R)²): the ½ goes into the PPO loss's coefficient.
  const loss = { kind: 'ppo', clipParam: config.clipParam, vfClipParam: NO_VF_CLIP, vfLossCoeff: config.vfLossCoeff / 2, entropyCoeff: config.entropyCoeff, klCoeff: config.useKlLoss ? config.klCoeff : 0, klTarget: config.klTarget } as const;
  const { workers } = workerGroups(config, loss);
  const objective = { kind: 'appo', vtrace: config.vtrace, rhoBar: config.vtraceClipRhoThreshold, pgRhoBar: config.vtraceClipPgRhoThreshold } as const;
  const learner = asyncLearnerGroup(config, loss, { objective, queueSize: config.learnerQueueSize, minibatchBufferSize: config.minibatchBufferSize, numSgdIter: config.numSgdIter });
  const batches = parallelRollouts(workers, { mode: 'async', inFlight: config.maxSampleRequestsInFlightPerWorker }).combine(concatBatchesWithSources.with(config.trainBatchSize));
  const trained = learnAsync(batches, learner, { broadcastInterval: config.broadcastInterval })
    .forEach(updateTargetAndKL.with({ learner: learner.name, targetUpdateSteps: config.numSgdIter * config.minibatchBufferSize, useKlLoss: config.useKlLoss }));
  return standardMetricsReporting(trained, workers, config);
}

/**
 * The `appo` algorithm: asynchronous PPO (clipped surrogate on V-trace or GAE, target network).
 * Build its plan with `buildAlgorithmPlan`, train it with `Trainer`, or run it as `rlflow train appo`.
 */
export const appo: Algorithm<AppoConfig> = {
  name: 'appo',
  description: 'asynchronous PPO (clipped surrogate on V-trace or GAE, target network)',
  schema: appoConfigSchema,
  config: (input) => parseConfig('appo', appoConfigSchema, input),
  plan: appoPlan,
};
