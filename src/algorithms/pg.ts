/**
 * PG (vanilla policy gradient, REINFORCE with discounted returns). RLlib's default execution plan:
 * bulk-synchronous rollouts → concat to the train batch → one training step → report.
 */
import { z } from 'zod';
import type { Stream } from '../dsl/stream.js';
import { concatBatches } from '../rl/ops/batching.js';
import { standardMetricsReporting, type ResultDict } from '../rl/ops/metrics.js';
import { parallelRollouts } from '../rl/ops/rollouts.js';
import { trainOneStep } from '../rl/ops/training.js';
import { commonConfig, parseConfig, workerGroups, type Algorithm } from './common.js';

export const pgConfigSchema = z
  .object({
    ...commonConfig,
    numWorkers: commonConfig.numWorkers.default(1),
    lr: commonConfig.lr.default(4e-4),
  })
  .strict();
export type PgConfig = z.infer<typeof pgConfigSchema>;

export function pgPlan(config: PgConfig): Stream<ResultDict> {
  const { workers, learner } = workerGroups({ ...config, useGae: false, useCritic: false }, { kind: 'pg' });
  return parallelRollouts(workers, { mode: 'bulkSync' })
    .combine(concatBatches(config.trainBatchSize))
    .pipe((batches) => trainOneStep(batches, learner, workers, { numSgdIter: 1, sgdMinibatchSize: 0 }))
    .pipe((trained) => standardMetricsReporting(trained, workers, config));
}

/**
 * The `pg` algorithm: vanilla policy gradient (REINFORCE).
 * Build its plan with `buildAlgorithmPlan`, train it with `Trainer`, or run it as `rlflow train pg`.
 */
export const pg: Algorithm<PgConfig> = {
  name: 'pg',
  description: 'vanilla policy gradient (REINFORCE)',
  schema: pgConfigSchema,
  config: (input) => parseConfig('pg', pgConfigSchema, input),
  plan: pgPlan,
};
