/**
 * Training operators. Learning runs in the learner actor (a rollout worker without envs), never on the
 * driver's event loop; the driver routes batches to it and weights back to the workers:
 *
 * - `trainOneStep`: minibatch SGD on the learner, then the new weights (with global vars) to every
 *   worker, fire-and-forget but ahead of each worker's next sample (RLlib's TrainOneStep).
 * - `computeGradients` / `averageGradients` / `applyGradients`: A2C's microbatch variant and A3C.
 *   `averageGradients` truly averages (RLlib's AverageGradients sums).
 * - `updateKL`: PPO's adaptive KL coefficient, on the learner.
 */
import type { Stream } from '../../dsl/stream.js';
import type { MetricsView, StageContext } from '../../ir/contract.js';
import { PlanError } from '../../ir/errors.js';
import type { SampleBatch } from '../data/sample-batch.js';
import type { LearnerStats } from '../policy/types.js';
import type { GlobalVars, GradientsResult, LearnResult, SgdOptions, WorkerGroup } from '../worker-api.js';
import { APPLY_GRADS_TIMER, COMPUTE_GRADS_TIMER, DEFAULT_POLICY, LEARN_TIMER, LEARNER_INFO, STEPS_SAMPLED, STEPS_TRAINED, UPDATE_TIMER } from './internal.js';

/** What a training step emits: how many steps it trained on and the learner statistics. */
export interface TrainResult {
  readonly count: number;
  readonly stats: LearnerStats;
}

export function globalVars(metrics: MetricsView): GlobalVars {
  return { timestep: metrics.get(STEPS_SAMPLED) };
}

/** Puts one learner update's stats in `metrics.info.learner` (the default policy's), as RLlib's LearnerInfo. */
export function recordLearnerStats(ctx: StageContext, stats: LearnerStats): void {
  ctx.metrics.info[LEARNER_INFO] = { [DEFAULT_POLICY]: { learner_stats: stats } };
}

/** Times the span from building a call's arguments to the next stage (the call's round trip). */
function stopwatch(): { start: () => void; stop: (ctx: StageContext, timer: string, units?: number) => void } {
  let started = 0;
  return {
    start: () => {
      started = performance.now();
    },
    stop: (ctx, timer, units) => ctx.metrics.timer(timer).push(performance.now() - started, units),
  };
}

export function trainOneStep(
  samples: Stream<SampleBatch>,
  learner: WorkerGroup,
  workers: WorkerGroup,
  options: SgdOptions,
): Stream<TrainResult> {
  if (!Number.isInteger(options.numSgdIter) || options.numSgdIter < 1) throw new PlanError(`numSgdIter must be a positive integer, got ${options.numSgdIter}`);
  const learn = stopwatch();
  const update = stopwatch();
  return samples
    .callActor(learner, 'learnOnBatch', {
      args: (batch: SampleBatch) => {
        learn.start();
        return [batch, options];
      },
      out: 'LearnResult',
    })
    .forEach(
      function recordLearn(result: LearnResult, ctx) {
        learn.stop(ctx, LEARN_TIMER, result.count);
        ctx.metrics.inc(STEPS_TRAINED, result.count);
        recordLearnerStats(ctx, result.stats);
        update.start();
        return result;
      },
      { out: 'LearnResult' },
    )
    .callActors(workers, 'setWeights', { args: (result: LearnResult, ctx) => [result.weights, globalVars(ctx.metrics)] })
    .forEach(
      function afterBroadcast(result: LearnResult, ctx): TrainResult {
        update.stop(ctx, UPDATE_TIMER);
        return { count: result.count, stats: result.stats };
      },
      { out: 'TrainResult' },
    );
}

/** Gradients of the learner's loss on each batch (A2C with microbatches). */
export function computeGradients(samples: Stream<SampleBatch>, learner: WorkerGroup): Stream<GradientsResult> {
  const watch = stopwatch();
  return samples
    .callActor(learner, 'computeGradients', {
      args: (batch: SampleBatch) => {
        watch.start();
        return [batch];
      },
      out: 'GradientsResult',
    })
    .forEach(
      function recordGradients(result: GradientsResult, ctx) {
        watch.stop(ctx, COMPUTE_GRADS_TIMER, result.count);
        recordLearnerStats(ctx, result.stats);
        return result;
      },
      { out: 'GradientsResult' },
    );
}

/** The element-wise mean of several gradient results; counts are summed (use after `.batch(k)`). */
export function averageGradients(results: readonly GradientsResult[]): GradientsResult {
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
}

/**
 * Applies gradients on the learner, then sends the new weights to every worker (`updateAll`) or only
 * to the worker that produced the gradients (A3C).
 */
export function applyGradients(
  gradients: Stream<GradientsResult>,
  learner: WorkerGroup,
  workers: WorkerGroup,
  options: { readonly updateAll: boolean },
): Stream<TrainResult> {
  const apply = stopwatch();
  let count = 0;
  let stats: LearnerStats = {};
  const applied = gradients
    .callActor(learner, 'applyGradients', {
      args: (result: GradientsResult) => {
        apply.start();
        count = result.count;
        stats = result.stats;
        return [result.grads];
      },
      keepSource: true,
      out: 'Float32Array[]',
    })
    .forEach(
      function recordApply(weights: Float32Array[], ctx) {
        apply.stop(ctx, APPLY_GRADS_TIMER, count);
        ctx.metrics.inc(STEPS_TRAINED, count);
        return weights;
      },
      { out: 'Float32Array[]' },
    );
  const sent = options.updateAll
    ? applied.callActors(workers, 'setWeights', { args: (weights: Float32Array[], ctx) => [weights, globalVars(ctx.metrics)] })
    : applied.callSourceActor('setWeights', { args: (weights: Float32Array[], ctx) => [weights, globalVars(ctx.metrics)] });
  return sent.forEach(function trainResult(): TrainResult {
    return { count, stats };
  }, { out: 'TrainResult' });
}

/** PPO: updates the learner's KL coefficient from the step's sampled KL; passes the result on. */
export function updateKL(trained: Stream<TrainResult>, learner: WorkerGroup): Stream<TrainResult> {
  let last: TrainResult | undefined;
  return trained
    .callActor(learner, 'updateKl', {
      args: (result: TrainResult) => {
        last = result;
        const kl = result.stats['kl'];
        if (kl === undefined || !Number.isFinite(kl)) throw new PlanError("updateKL needs a finite 'kl' in the learner stats (is the loss PPO?)");
        return [kl];
      },
      out: 'number',
    })
    .forEach(
      function recordKlCoeff(coeff: number, ctx): TrainResult {
        const info = ctx.metrics.info[LEARNER_INFO] as Record<string, { learner_stats: Record<string, number> }> | undefined;
        const stats = info?.[DEFAULT_POLICY]?.learner_stats;
        if (stats) stats['cur_kl_coeff'] = coeff;
        return last!;
      },
      { out: 'TrainResult' },
    );
}
