/**
 * Rollout operators: `parallelRollouts` (RLlib's ParallelRollouts) and `asyncGradients` (A3C's
 * AsyncGradients). Both count sampled steps in the shared metrics on the driver.
 */
import { actorStage } from '../../dsl/define.js';
import { fromActors, type ParStream } from '../../dsl/par-stream.js';
import type { Stream } from '../../dsl/stream.js';
import type { ActorStageContext } from '../../ir/contract.js';
import { PlanError } from '../../ir/errors.js';
import type { SampleBatch } from '../data/sample-batch.js';
import type { GradientsResult, RolloutWorkerApi, WorkerGroup } from '../worker-api.js';
import { concatAndCount, countSampledSteps, recordGradients } from './stages/rollouts.js';

export { countSampledSteps };

export type RolloutMode = 'bulkSync' | 'async';

/**
 * Experience from the rollout workers.
 * - `bulkSync`: one `sample()` from every worker per item, concatenated (a barrier: no prefetch, so
 *   weights broadcast after a train step reach every worker before its next sample: on-policy).
 * - `async`: one worker's `sample()` per item, in completion order, `inFlight` requests per worker.
 * - `raw`: the workers' samples as a ParStream, for plans that add their own actor-side stages, gather
 *   and step counting (as DD-PPO does); use `countSampledSteps` on the gathered stream.
 */
export function parallelRollouts(workers: WorkerGroup, options: { readonly mode: 'raw' }): ParStream<SampleBatch, RolloutWorkerApi>;
export function parallelRollouts(workers: WorkerGroup, options: { readonly mode: RolloutMode; readonly inFlight?: number }): Stream<SampleBatch>;
export function parallelRollouts(workers: WorkerGroup, options: { readonly mode: RolloutMode | 'raw'; readonly inFlight?: number }): Stream<SampleBatch> | ParStream<SampleBatch, RolloutWorkerApi> {
  const source = fromActors(workers) as unknown as ParStream<SampleBatch, RolloutWorkerApi>;
  if (options.mode === 'raw') return source;
  if (options.mode === 'bulkSync') {
    return source.apply('parallelRollouts', (s) => s.batchAcrossShards().forEach(concatAndCount));
  }
  if (options.mode === 'async') {
    return source.apply('parallelRollouts', (s) => s.gatherAsync({ inFlight: options.inFlight ?? 1 }).forEach(countSampledSteps, { out: 'SampleBatch' }));
  }
  throw new PlanError(`parallelRollouts mode must be 'bulkSync', 'async' or 'raw', got '${String(options.mode)}'`);
}

/** Actor-side: compute gradients on the worker's own sample (A3C). */
export const computeGradientsOnWorker = actorStage(
  import.meta.url,
  async function computeGradientsOnWorker(batch: SampleBatch, ctx: ActorStageContext<RolloutWorkerApi>): Promise<GradientsResult> {
    return await ctx.actor.computeGradients(batch);
  },
  { in: 'SampleBatch', out: 'GradientsResult' },
);

/**
 * A3C's AsyncGradients: every worker samples and computes gradients on its own batch; the gradients
 * arrive in completion order, each tagged with its worker (for a reply to that worker only).
 */
export function asyncGradients(workers: WorkerGroup): Stream<GradientsResult> {
  return (fromActors(workers) as unknown as ParStream<SampleBatch, RolloutWorkerApi>).apply('asyncGradients', (s) =>
    s.forEach(computeGradientsOnWorker).gatherAsync().forEach(recordGradients),
  );
}
