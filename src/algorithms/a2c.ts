/**
 * A2C (synchronous advantage actor-critic). Without `microbatchSize`: bulk-synchronous rollouts →
 * concat → one training step. With it: gradients are computed per microbatch on the learner, truly
 * averaged over the train batch, then applied and broadcast (RLlib's variant sums them).
 */
import { z } from 'zod';
import type { Stream } from '../dsl/stream.js';
import { concatBatches } from '../rl/ops/batching.js';
import { standardMetricsReporting, type ResultDict } from '../rl/ops/metrics.js';
import { parallelRollouts } from '../rl/ops/rollouts.js';
import { applyGradients, averageGradients, computeGradients, trainOneStep } from '../rl/ops/training.js';
import { commonConfig, parseConfig, workerGroups, type Algorithm } from './common.js';

export const a2cConfigSchema = z
  .object({
    ...commonConfig,
    rolloutFragmentLength: commonConfig.rolloutFragmentLength.default(20),
    lambda: z.number().min(0).max(1).default(1).describe('GAE lambda'),
    useGae: z.boolean().default(true).describe('generalized advantage estimation'),
    vfLossCoeff: z.number().min(0).default(0.5).describe('value loss weight'),
    entropyCoeff: z.number().min(0).default(0.01).describe('entropy bonus weight'),
    gradClip: commonConfig.gradClip.default(40),
    minIterTimeS: commonConfig.minIterTimeS.default(10),
    microbatchSize: z.number().int().positive().optional().describe('compute gradients per microbatch and average them over the train batch'),
  })
  .strict();
export type A2cConfig = z.infer<typeof a2cConfigSchema>;

export function a2cPlan(config: A2cConfig): Stream<ResultDict> {
  const loss = { kind: 'a2c', vfLossCoeff: config.vfLossCoeff, entropyCoeff: config.entropyCoeff } as const;
  const { workers, learner } = workerGroups(config, loss);
  const rollouts = parallelRollouts(workers, { mode: 'bulkSync' });
  if (config.microbatchSize === undefined) {
    return rollouts
      .combine(concatBatches(config.trainBatchSize))
      .pipe((batches) => trainOneStep(batches, learner, workers, { numSgdIter: 1, sgdMinibatchSize: 0 }))
      .pipe((trained) => standardMetricsReporting(trained, workers, config));
  }
  return rollouts
    .combine(concatBatches(config.microbatchSize))
    .pipe((batches) => computeGradients(batches, learner))
    .batch(Math.ceil(config.trainBatchSize / config.microbatchSize))
    .forEach(averageGradients)
    .pipe((grads) => applyGradients(grads, learner, workers, { updateAll: true }))
    .pipe((trained) => standardMetricsReporting(trained, workers, config));
}

/**
 * The `a2c` algorithm: synchronous advantage actor-critic (optionally with gradient microbatches).
 * Build its plan with `buildAlgorithmPlan`, train it with `Trainer`, or run it as `rlflow train a2c`.
 */
export const a2c: Algorithm<A2cConfig> = {
  name: 'a2c',
  description: 'synchronous advantage actor-critic (optionally with gradient microbatches)',
  schema: a2cConfigSchema,
  config: (input) => parseConfig('a2c', a2cConfigSchema, input),
  plan: a2cPlan,
};
