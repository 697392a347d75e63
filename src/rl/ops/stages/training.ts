/**
 * Driver-side training stages (data-only stage definitions) that `../training.ts` composes around the
 * learner calls. Values two stages share travel in the item: `stamp` wraps an item with the time it
 * set off, `callActor(…, { withInput: true })` emits `[stamped, reply]`, and the recording stage reads
 * both, so nothing is shared through a variable and any number of items may be in flight.
 */
import { actorStage, actorStageFactory } from '../../../dsl/define.js';
import type { MetricsView, StageContext, StageDef } from '../../../ir/contract.js';
import { PlanError } from '../../../ir/errors.js';
import type { SampleBatch } from '../../data/sample-batch.js';
import type { LearnerStats } from '../../policy/types.js';
import type { GlobalVars, GradientsResult, LearnResult, SgdOptions } from '../../worker-api.js';
import { APPLY_GRADS_TIMER, COMPUTE_GRADS_TIMER, DEFAULT_POLICY, LEARN_TIMER, LEARNER_INFO, STEPS_SAMPLED, STEPS_TRAINED, UPDATE_TIMER } from '../internal.js';

/** What a training step emits: how many steps it trained on and the learner statistics. */
export interface TrainResult {
  readonly count: number;
  readonly stats: LearnerStats;
}

/** An item with the time (ms, `performance.now()`) it set off on a timed round trip. */
export interface Stamped<T> {
  readonly item: T;
  readonly startedMs: number;
}

/** New weights on their way to the workers, with the step they came from. */
export interface WeightsUpdate extends Stamped<Float32Array[]> {
  readonly count: number;
  readonly stats: LearnerStats;
}

/** The variables sent with new weights (RLlib's global_vars): env steps sampled so far. */
export function globalVars(metrics: MetricsView): GlobalVars {
  return { timestep: metrics.get(STEPS_SAMPLED) };
}

function recordLearnerStats(ctx: StageContext, stats: LearnerStats): void {
  ctx.metrics.info[LEARNER_INFO] = { [DEFAULT_POLICY]: { learner_stats: stats } };
}

/** Wraps each item with the current time, so a later stage can time its round trip. */
export const stamp = actorStage(import.meta.url, function stamp(item: unknown): Stamped<unknown> {
  return { item, startedMs: performance.now() };
}, { out: 'Stamped' });

/** `stamp`, typed for items of type `T`. */
export function stampOf<T>(): StageDef<(item: T) => Stamped<T>, []> {
  return stamp as unknown as StageDef<(item: T) => Stamped<T>, []>;
}

/** Call arguments `[item]` of a stamped item. */
export const stampedItem = actorStage(import.meta.url, function stampedItem(stamped: Stamped<SampleBatch>): [SampleBatch] {
  return [stamped.item];
});

/** `learnOnBatch` arguments: the stamped batch and the SGD settings (epochs, minibatch size). */
export const learnOnBatchArgs = actorStageFactory(import.meta.url, function learnOnBatchArgs(sgd: SgdOptions) {
  return (stamped: Stamped<SampleBatch>): [SampleBatch, SgdOptions] => [stamped.item, sgd];
});

/** After `learnOnBatch`: the learn timer, trained steps and learner stats; the weights set off to the workers. */
export const recordLearn = actorStage(
  import.meta.url,
  function recordLearn([stamped, result]: [Stamped<SampleBatch>, LearnResult], ctx: StageContext): WeightsUpdate {
    const now = performance.now();
    ctx.metrics.timer(LEARN_TIMER).push(now - stamped.startedMs, result.count);
    ctx.metrics.inc(STEPS_TRAINED, result.count);
    recordLearnerStats(ctx, result.stats);
    return { item: result.weights, startedMs: now, count: result.count, stats: result.stats };
  },
  { out: 'WeightsUpdate' },
);

/** `setWeights` arguments: the new weights and the global vars. */
export const setWeightsArgs = actorStage(import.meta.url, function setWeightsArgs(update: WeightsUpdate, ctx: StageContext): [Float32Array[], GlobalVars] {
  return [update.item, globalVars(ctx.metrics)];
});

/** After the weights were sent: the update timer; the step's result. */
export const recordUpdate = actorStage(
  import.meta.url,
  function recordUpdate(update: WeightsUpdate, ctx: StageContext): TrainResult {
    ctx.metrics.timer(UPDATE_TIMER).push(performance.now() - update.startedMs);
    return { count: update.count, stats: update.stats };
  },
  { out: 'TrainResult' },
);

/** After `computeGradients` on the learner: the timer and learner stats; the gradients. */
export const recordComputeGradients = actorStage(
  import.meta.url,
  function recordComputeGradients([stamped, result]: [Stamped<SampleBatch>, GradientsResult], ctx: StageContext): GradientsResult {
    ctx.metrics.timer(COMPUTE_GRADS_TIMER).push(performance.now() - stamped.startedMs, result.count);
    recordLearnerStats(ctx, result.stats);
    return result;
  },
  { out: 'GradientsResult' },
);

/** The element-wise mean of several gradient results; counts are summed (use after `.batch(k)`). */
export const averageGradients = actorStage(
  import.meta.url,
  function averageGradients(results: readonly GradientsResult[]): GradientsResult {
    if (results.length === 0) throw new PlanError('averageGradients needs at least one gradient result');
    const k = results.length;
    const first = results[0]!;
    const grads = first.grads.map((g, i) => {
      const sum = new Float32Array(g.length);
      for (const r of results) {
        const other = r.grads[i];
        if (!other || other.length !== g.length) throw new PlanError(`averageGradients: gradient ${i} has mismatched shapes across results`);
        for (let j = 0; j < g.length; j++) sum[j]! += other[j]!;
      }
      for (let j = 0; j < sum.length; j++) sum[j]! /= k;
      return sum;
    });
    const stats: Record<string, number> = {};
    for (const key of Object.keys(first.stats)) stats[key] = results.reduce((s, r) => s + (r.stats[key] ?? 0), 0) / k;
    return { grads, stats, count: results.reduce((n, r) => n + r.count, 0) };
  },
  { out: 'GradientsResult' },
);

/** `applyGradients` arguments: the stamped gradients. */
export const applyGradientsArgs = actorStage(import.meta.url, function applyGradientsArgs(stamped: Stamped<GradientsResult>): [Float32Array[]] {
  return [stamped.item.grads];
});

/** After `applyGradients`: the timer and trained steps; the new weights set off to the workers. */
export const recordApply = actorStage(
  import.meta.url,
  function recordApply([stamped, weights]: [Stamped<GradientsResult>, Float32Array[]], ctx: StageContext): WeightsUpdate {
    const now = performance.now();
    ctx.metrics.timer(APPLY_GRADS_TIMER).push(now - stamped.startedMs, stamped.item.count);
    ctx.metrics.inc(STEPS_TRAINED, stamped.item.count);
    return { item: weights, startedMs: now, count: stamped.item.count, stats: stamped.item.stats };
  },
  { out: 'WeightsUpdate' },
);

/** `updateKl` arguments: the step's sampled KL (PPO). */
export const sampledKl = actorStage(import.meta.url, function sampledKl(result: TrainResult): [number] {
  const kl = result.stats['kl'];
  if (kl === undefined || !Number.isFinite(kl)) throw new PlanError("updateKL needs a finite 'kl' in the learner stats (is the loss PPO?)");
  return [kl];
});

/** After `updateKl`: the new coefficient in the learner stats; the step's result. */
export const recordKlCoeff = actorStage(
  import.meta.url,
  function recordKlCoeff([result, coeff]: [TrainResult, number], ctx: StageContext): TrainResult {
    const info = ctx.metrics.info[LEARNER_INFO] as Record<string, { learner_stats: Record<string, number> }> | undefined;
    const stats = info?.[DEFAULT_POLICY]?.learner_stats;
    if (stats) stats['cur_kl_coeff'] = coeff;
    return result;
  },
  { out: 'TrainResult' },
);
