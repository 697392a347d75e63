/**
 * Driver-side batch operators, used as stages: `concatBatches` (with `.combine`), `selectExperiences`
 * and `standardizeFields` (with `.forEach`). Each checks its arguments where the plan is written and
 * returns a data-only stage (`stages/batching.ts` bound to plain data), so the settings show in
 * `rlflow inspect` and the plan runs again from its JSON.
 */
import type { BoundStage } from '../../dsl/define.js';
import type { StageContext } from '../../ir/contract.js';
import { PlanError } from '../../ir/errors.js';
import type { AnyBatch } from '../data/sample-batch.js';
import * as stages from './stages/batching.js';

/**
 * Buffers batches until they hold at least `minBatchSize` env steps (or agent steps), then emits their
 * concatenation (RLlib's ConcatBatches). Empty batches are ignored. The `sample` timer records the
 * time to assemble each train batch, with its steps as units (sample_time_ms, sample_throughput).
 */
export function concatBatches(minBatchSize: number, options: { readonly countStepsBy?: 'env_steps' | 'agent_steps' } = {}): BoundStage<(batch: AnyBatch, ctx: StageContext) => AnyBatch[]> {
  if (!Number.isInteger(minBatchSize) || minBatchSize < 1) throw new PlanError(`concatBatches needs a positive integer batch size, got ${minBatchSize}`);
  return stages.concatBatches.with({ minBatchSize, countStepsBy: options.countStepsBy ?? 'env_steps' });
}

/** Keeps only the listed policies' batches of a MultiAgentBatch; a SampleBatch passes unchanged. */
export function selectExperiences(policyIds: readonly string[]): BoundStage<(batch: AnyBatch) => AnyBatch> {
  return stages.selectExperiences.with([...policyIds]);
}

/** Standardizes the given columns to zero mean and unit variance: `(x − mean) / max(1e-4, std)`. */
export function standardizeFields(fields: readonly string[]): BoundStage<(batch: AnyBatch) => AnyBatch> {
  return stages.standardizeFields.with([...fields]);
}
