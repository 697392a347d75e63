/**
 * Driver-side batch operators, used as stage functions: `concatBatches` (with `.combine`),
 * `selectExperiences` and `standardizeFields` (with `.forEach`). Each call returns a fresh stage, so
 * stateful ones (concatBatches' buffer) belong to one plan.
 */
import type { StageContext } from '../../ir/contract.js';
import { PlanError } from '../../ir/errors.js';
import { agentSteps, concatSamples, isMultiAgentBatch, selectPolicies, standardizeFields as standardize } from '../data/index.js';
import type { AnyBatch } from '../data/sample-batch.js';
import { SAMPLE_TIMER, samplingStart } from './internal.js';

/**
 * Buffers batches until they hold at least `minBatchSize` env steps (or agent steps), then emits their
 * concatenation (RLlib's ConcatBatches). Empty batches are ignored. The `sample` timer records the
 * time to assemble each train batch, with its steps as units (sample_time_ms, sample_throughput):
 * from the end of the previous train step or report (`markSamplingStart`), so learning is not counted.
 */
export function concatBatches(minBatchSize: number, options: { readonly countStepsBy?: 'env_steps' | 'agent_steps' } = {}): (batch: AnyBatch, ctx: StageContext) => AnyBatch[] {
  if (!Number.isInteger(minBatchSize) || minBatchSize < 1) throw new PlanError(`concatBatches needs a positive integer batch size, got ${minBatchSize}`);
  const byAgentSteps = options.countStepsBy === 'agent_steps';
  let buffer: AnyBatch[] = [];
  let size = 0;
  let lastEmit: number | undefined;
  return function concatBatches(batch: AnyBatch, ctx: StageContext): AnyBatch[] {
    lastEmit ??= performance.now();
    const steps = byAgentSteps ? agentSteps(batch) : batch.count;
    if (steps === 0) return [];
    buffer.push(batch);
    size += steps;
    if (size < minBatchSize) return [];
    const out = concatSamples(buffer);
    const now = performance.now();
    const since = Math.max(lastEmit, samplingStart(ctx.metrics) ?? lastEmit);
    ctx.metrics.timer(SAMPLE_TIMER).push(now - since, size);
    lastEmit = now;
    buffer = [];
    size = 0;
    return [out];
  };
}

/** Keeps only the listed policies' batches of a MultiAgentBatch; a SampleBatch passes unchanged. */
export function selectExperiences(policyIds: readonly string[]): (batch: AnyBatch) => AnyBatch {
  return function selectExperiences(batch: AnyBatch): AnyBatch {
    return isMultiAgentBatch(batch) ? selectPolicies(batch, policyIds) : batch;
  };
}

/** Standardizes the given columns to zero mean and unit variance: `(x − mean) / max(1e-4, std)`. */
export function standardizeFields(fields: readonly string[]): (batch: AnyBatch) => AnyBatch {
  return function standardizeFields(batch: AnyBatch): AnyBatch {
    return standardize(batch, fields);
  };
}
