/**
 * A3C (asynchronous advantage actor-critic): every worker samples and computes gradients on its own
 * batch; the learner applies each worker's gradients as they arrive and sends the new weights back
 * to that worker only.
 */
import { z } from 'zod';
import type { Stream } from '../dsl/stream.js';
import { standardMetricsReporting, type ResultDict } from '../rl/ops/metrics.js';
import { asyncGradients } from '../rl/ops/rollouts.js';
import { applyGradients } from '../rl/ops/training.js';
import { commonConfig, parseConfig, workerGroups, type Algorithm } from './common.js';

export const a3cConfigSchema = z
  .object({
    ...commonConfig,
    rolloutFragmentLength: commonConfig.rolloutFragmentLength.default(10),
    lambda: z.number().min(0).max(1).default(1).describe('GAE lambda'),
    useGae: z.boolean().default(true).describe('generalized advantage estimation'),
    vfLossCoeff: z.number().min(0).default(0.5).describe('value loss weight'),
    entropyCoeff: z.number().min(0).default(0.01).describe('entropy bonus weight'),
    gradClip: commonConfig.gradClip.default(40),
    minIterTimeS: commonConfig.minIterTimeS.default(5),
  })
  .strict();
export type A3cConfig = z.infer<typeof a3cConfigSchema>;

export function a3cPlan(config: A3cConfig): Stream<ResultDict> {
  const { workers, learner } = workerGroups(config, { kind: 'a2c', vfLossCoeff: config.vfLossCoeff, entropyCoeff: config.entropyCoeff });
  return asyncGradients(workers)
    .pipe((grads) => applyGradients(grads, learner, workers, { updateAll: false }))
    .pipe((trained) => standardMetricsReporting(trained, workers, config));
}

/**
 * The `a3c` algorithm: asynchronous advantage actor-critic.
 * Build its plan with `buildAlgorithmPlan`, train it with `Trainer`, or run it as `rlflow train a3c`.
 */
export const a3c: Algorithm<A3cConfig> = {
  name: 'a3c',
  description: 'asynchronous advantage actor-critic',
  schema: a3cConfigSchema,
  config: (input) => parseConfig('a3c', a3cConfigSchema, input),
  plan: a3cPlan,
};
