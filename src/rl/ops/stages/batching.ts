/**
 * Driver-side batch stages, as stage definitions with plain-data arguments (so a compiled plan shows
 * their settings and runs again from its JSON): `concatBatches`, `selectExperiences`,
 * `standardizeFields`. `../batching.ts` binds them with checked arguments.
 */
import { actorStageFactory } from '../../../dsl/define.js';
import type { StageContext } from '../../../ir/contract.js';
import { agentSteps, concatSamples, isMultiAgentBatch, selectPolicies, standardizeFields as standardize } from '../../data/index.js';
import type { AnyBatch } from '../../data/sample-batch.js';
import { SAMPLE_TIMER } from '../internal.js';

/** Settings of `concatBatches`. */
export interface ConcatOptions {
  /** Emit once the buffer holds at least this many steps. */
  readonly minBatchSize: number;
  /** Count env steps (default) or agent steps. */
  readonly countStepsBy: 'env_steps' | 'agent_steps';
}

/**
 * Buffers batches until they hold `minBatchSize` steps, then emits their concatenation. NOTE: the
 * buffer is in the stage's closure, not in checkpointed node state: a partial train batch is dropped
 * on a restart (as in RLlib), which costs a few samples and keeps checkpoints small.
 */
export const concatBatches = actorStageFactory(
  import.meta.url,
  function concatBatches(options: ConcatOptions) {
    let buffer: AnyBatch[] = [];
    let size = 0;
    let lastEmit: number | undefined;
    return (batch: AnyBatch, ctx: StageContext): AnyBatch[] => {
      lastEmit ??= performance.now();
      const steps = options.countStepsBy === 'agent_steps' ? agentSteps(batch) : batch.count;
      if (steps === 0) return [];
      buffer.push(batch);
      size += steps;
      if (size < options.minBatchSize) return [];
      const out = concatSamples(buffer);
      const now = performance.now();
      ctx.metrics.timer(SAMPLE_TIMER).push(now - lastEmit, size);
      lastEmit = now;
      buffer = [];
      size = 0;
      return [out];
    };
  },
  { out: 'SampleBatch' },
);

/** Keeps only the listed policies' batches of a MultiAgentBatch; a SampleBatch passes unchanged. */
export const selectExperiences = actorStageFactory(import.meta.url, function selectExperiences(policyIds: readonly string[]) {
  return (batch: AnyBatch): AnyBatch => (isMultiAgentBatch(batch) ? selectPolicies(batch, policyIds) : batch);
});

/** Standardizes the given columns to zero mean and unit variance. */
export const standardizeFields = actorStageFactory(
  import.meta.url,
  function standardizeFields(fields: readonly string[]) {
    return (batch: AnyBatch): AnyBatch => standardize(batch, fields);
  },
  { out: 'SampleBatch' },
);
