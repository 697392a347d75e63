/**
 * PPO (proximal policy optimization, clipped surrogate with adaptive KL). RLlib's plan:
 * bulk-synchronous rollouts → concat to the train batch → standardize advantages → minibatch SGD
 * epochs on the learner (weights to every worker) → adaptive KL update → report.
 */
import { z } from 'zod';
import type { Stream } from '../dsl/stream.js';
import { concatBatches, standardizeFields } from '../rl/ops/batching.js';
import { standardMetricsReporting, type ResultDict } from '../rl/ops/metrics.js';
import { parallelRollouts } from '../rl/ops/rollouts.js';
import { trainOneStep, updateKL } from '../rl/ops/training.js';
import { commonConfig, parseConfig, workerGroups, type Algorithm } from './common.js';

export const ppoConfigSchema = z
  .object({
    ...commonConfig,
    trainBatchSize: commonConfig.trainBatchSize.default(4000),
    lr: commonConfig.lr.default(5e-5),
    vfShareLayers: commonConfig.vfShareLayers.default(false),
    lambda: z.number().min(0).max(1).default(1).describe('GAE lambda'),
    useGae: z.boolean().default(true).describe('generalized advantage estimation'),
    sgdMinibatchSize: z.number().int().positive().default(128).describe('minibatch size of each SGD step'),
    numSgdIter: z.number().int().positive().default(30).describe('SGD epochs over each train batch'),
    clipParam: z.number().positive().default(0.3).describe('PPO clip range of the probability ratio'),
    vfClipParam: z.number().positive().default(10).describe('clip range of the value function update'),
    vfLossCoeff: z.number().min(0).default(1).describe('value loss weight'),
    entropyCoeff: z.number().min(0).default(0).describe('entropy bonus weight'),
    klCoeff: z.number().min(0).default(0.2).describe('initial KL penalty coefficient (adapted towards klTarget)'),
    klTarget: z.number().positive().default(0.01).describe('target KL per update'),
  })
  .strict();
export type PpoConfig = z.infer<typeof ppoConfigSchema>;

export function ppoPlan(config: PpoConfig): Stream<ResultDict> {
  const { workers, learner } = workerGroups(config, {
    kind: 'ppo',
    clipParam: config.clipParam,
    vfClipParam: config.vfClipParam,
    vfLossCoeff: config.vfLossCoeff,
    entropyCoeff: config.entropyCoeff,
    klCoeff: config.klCoeff,
    klTarget: config.klTarget,
  });
  return parallelRollouts(workers, { mode: 'bulkSync' })
    .combine(concatBatches(config.trainBatchSize))
    .forEach(standardizeFields(['advantages']))
    .pipe((batches) => trainOneStep(batches, learner, workers, { numSgdIter: config.numSgdIter, sgdMinibatchSize: config.sgdMinibatchSize }))
    .pipe((trained) => updateKL(trained, learner))
    .pipe((trained) => standardMetricsReporting(trained, workers, config));
}

/**
 * The `ppo` algorithm: proximal policy optimization (clipped surrogate, adaptive KL).
 * Build its plan with `buildAlgorithmPlan`, train it with `Trainer`, or run it as `rlflow train ppo`.
 */
export const ppo: Algorithm<PpoConfig> = {
  name: 'ppo',
  description: 'proximal policy optimization (clipped surrogate, adaptive KL)',
  schema: ppoConfigSchema,
  config: (input) => parseConfig('ppo', ppoConfigSchema, input),
  plan: ppoPlan,
};
