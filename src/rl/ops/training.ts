/**
 * Training operators, each a named composite (`stream.apply`) of data-only stages from
 * `stages/training.ts`. Learning runs in the learner actor (a rollout worker without envs), never on
 * the driver's event loop; the driver routes batches to it and weights back to the workers:
 *
 * - `trainOneStep`: minibatch SGD on the learner, then the new weights (with global vars) to every
 *   worker, fire-and-forget but ahead of each worker's next sample (RLlib's TrainOneStep).
 * - `computeGradients` / `averageGradients` / `applyGradients`: A2C's microbatch variant and A3C.
 *   `averageGradients` truly averages (RLlib's AverageGradients sums).
 * - `updateKL`: PPO's adaptive KL coefficient, on the learner.
 *
 * Timers measure round trips with a stamp carried in the item (`stamp`, then `callActor` with
 * `withInput: true`), so any number of items may be in flight.
 */
import type { Stream } from '../../dsl/stream.js';
import type { StageContext } from '../../ir/contract.js';
import { PlanError } from '../../ir/errors.js';
import type { LearnerStats } from '../policy/types.js';
import { DEFAULT_POLICY, LEARNER_INFO } from './internal.js';
import type { SampleBatch } from '../data/sample-batch.js';
import type { GradientsResult, SgdOptions, WorkerGroup } from '../worker-api.js';
import {
  applyGradientsArgs,
  learnOnBatchArgs,
  recordApply,
  recordComputeGradients,
  recordKlCoeff,
  recordLearn,
  recordUpdate,
  sampledKl,
  setWeightsArgs,
  stampOf,
  stampedItem,
  type TrainResult,
} from './stages/training.js';

export { averageGradients, globalVars } from './stages/training.js';
export type { TrainResult } from './stages/training.js';

/**
 * Minibatch SGD on the learner (`numSgdIter` epochs of `sgdMinibatchSize` rows; 0 = the whole batch),
 * then the new weights to every worker.
 */
export function trainOneStep(samples: Stream<SampleBatch>, learner: WorkerGroup, workers: WorkerGroup, options: SgdOptions): Stream<TrainResult> {
  if (!Number.isInteger(options.numSgdIter) || options.numSgdIter < 1) throw new PlanError(`numSgdIter must be a positive integer, got ${options.numSgdIter}`);
  if (!Number.isInteger(options.sgdMinibatchSize) || options.sgdMinibatchSize < 0) throw new PlanError(`sgdMinibatchSize must be an integer >= 0, got ${options.sgdMinibatchSize}`);
  const sgd: SgdOptions = { numSgdIter: options.numSgdIter, sgdMinibatchSize: options.sgdMinibatchSize };
  return samples.apply('trainOneStep', (s) =>
    s
      .forEach(stampOf<SampleBatch>())
      .callActor(learner, 'learnOnBatch', { args: learnOnBatchArgs.with(sgd), withInput: true, out: 'LearnResult' })
      .forEach(recordLearn)
      .callActors(workers, 'setWeights', { args: setWeightsArgs })
      .forEach(recordUpdate),
  );
}

/** Gradients of the learner's loss on each batch (A2C with microbatches). */
export function computeGradients(samples: Stream<SampleBatch>, learner: WorkerGroup): Stream<GradientsResult> {
  return samples.apply('computeGradients', (s) =>
    s.forEach(stampOf<SampleBatch>()).callActor(learner, 'computeGradients', { args: stampedItem, withInput: true, out: 'GradientsResult' }).forEach(recordComputeGradients),
  );
}

/**
 * Applies gradients on the learner, then sends the new weights to every worker (`updateAll`) or only
 * to the worker that produced the gradients (A3C).
 */
export function applyGradients(gradients: Stream<GradientsResult>, learner: WorkerGroup, workers: WorkerGroup, options: { readonly updateAll: boolean }): Stream<TrainResult> {
  return gradients.apply('applyGradients', (s) => {
    const applied = s
      .forEach(stampOf<GradientsResult>())
      .callActor(learner, 'applyGradients', { args: applyGradientsArgs, withInput: true, keepSource: true, out: 'Float32Array[]' })
      .forEach(recordApply);
    const sent = options.updateAll ? applied.callActors(workers, 'setWeights', { args: setWeightsArgs }) : applied.callSourceActor('setWeights', { args: setWeightsArgs });
    return sent.forEach(recordUpdate);
  });
}

/** PPO: updates the learner's KL coefficient from the step's sampled KL; passes the result on. */
export function updateKL(trained: Stream<TrainResult>, learner: WorkerGroup): Stream<TrainResult> {
  return trained.apply('updateKL', (s) => s.callActor(learner, 'updateKl', { args: sampledKl, withInput: true, out: 'number' }).forEach(recordKlCoeff));
}

/** Puts one learner update's stats in `metrics.info.learner` (the default policy's), as RLlib's LearnerInfo. */
export function recordLearnerStats(ctx: StageContext, stats: LearnerStats): void {
  ctx.metrics.info[LEARNER_INFO] = { [DEFAULT_POLICY]: { learner_stats: stats } };
}
