/**
 * Driver-side rollout stages (data-only stage definitions): counting sampled steps after a gather,
 * and recording A3C's gradients as they arrive.
 */
import { actorStage, actorStageFactory } from '../../../dsl/define.js';
import type { MetricsView, StageContext } from '../../../ir/contract.js';
import { agentSteps, concatSamples } from '../../data/index.js';
import type { AnyBatch, SampleBatch } from '../../data/sample-batch.js';
import type { GradientsResult } from '../../worker-api.js';
import { AGENT_STEPS_SAMPLED, DEFAULT_POLICY, GRAD_WAIT_TIMER, LEARNER_INFO, STEPS_SAMPLED } from '../internal.js';

function countSampled(metrics: MetricsView, batch: AnyBatch): void {
  metrics.inc(STEPS_SAMPLED, batch.count);
  metrics.inc(AGENT_STEPS_SAMPLED, agentSteps(batch));
}

/** Counts the env and agent steps of each batch in the shared metrics (for `raw` rollouts, once gathered). */
export const countSampledSteps = actorStage(
  import.meta.url,
  function countSampledSteps<B extends AnyBatch>(batch: B, ctx: StageContext): B {
    countSampled(ctx.metrics, batch);
    return batch;
  },
);

/** One round of bulk-synchronous samples, concatenated and counted. */
export const concatAndCount = actorStage(
  import.meta.url,
  function concatAndCount(batches: SampleBatch[], ctx: StageContext): SampleBatch {
    const batch = concatSamples(batches);
    countSampled(ctx.metrics, batch);
    return batch;
  },
  { out: 'SampleBatch' },
);

/**
 * Counts each worker's gradients as sampled steps and records the wait between arrivals (the timer's
 * last arrival time stays in the stage: timers are not checkpointed).
 */
export const recordGradients = actorStageFactory(
  import.meta.url,
  function recordGradients() {
    let fetchStart = performance.now();
    return (result: GradientsResult, ctx: StageContext): GradientsResult => {
      const now = performance.now();
      ctx.metrics.timer(GRAD_WAIT_TIMER).push(now - fetchStart);
      fetchStart = now;
      ctx.metrics.inc(STEPS_SAMPLED, result.count);
      ctx.metrics.info[LEARNER_INFO] = { [DEFAULT_POLICY]: { learner_stats: result.stats } };
      return result;
    };
  },
  { out: 'GradientsResult' },
);
