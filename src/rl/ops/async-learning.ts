/**
 * The asynchronous learning operators of IMPALA and APPO (spec §3.1): train batches go to the async
 * learner actor (async-learner.ts), whose own loop trains while the workers sample; its answers carry
 * the learner steps finished since the last batch, which become the plan's training steps (RLlib's
 * Dequeue(L.outqueue) + record_steps_trained), and its new weights, which go back to the worker whose
 * samples the batch holds (RLlib's BroadcastUpdateLearnerWeights).
 *
 *   fragments ──concatBatchesWithSources──▶ { batch, sources } ──learnerPut──▶ reply ──broadcastLearnerWeights──▶ recordLearnerOutputs ──▶ TrainResult per step
 *                                                                                        │ setWeights (fire-and-forget)
 *                                                                                        ▼ the batch's source workers
 *
 * Every driver-side stage is a stage definition with plain-data arguments; what two stages share
 * (the weights, the finished steps) travels in the reply.
 */
import { actorStageFactory, type ActorGroup } from '../../dsl/define.js';
import type { Stream } from '../../dsl/stream.js';
import type { ActorRef, StageContext } from '../../ir/contract.js';
import { PlanError } from '../../ir/errors.js';
import type { AsyncLearnerConfig, AsyncLearnerImpl, AsyncLearnerReply, AsyncTrainBatch } from '../async-learner.js';
import { concatSamples } from '../data/batch.js';
import type { SampleBatch } from '../data/sample-batch.js';
import type { RolloutWorkerConfig } from '../worker-api.js';
import { DEFAULT_POLICY, LEARNER_INFO, SAMPLE_TIMER, STEPS_SAMPLED, STEPS_TRAINED, STEPS_TRAINED_THIS_ITER } from './internal.js';
import { globalVars, type TrainResult } from './training.js';

/** The async learner's actor group (one actor). */
export type AsyncLearnerGroup = ActorGroup<AsyncLearnerImpl, [RolloutWorkerConfig, AsyncLearnerConfig]>;

/** Counter of weight refreshes (RLlib's num_weight_broadcasts). */
export const WEIGHT_BROADCASTS = 'num_weight_broadcasts';
/** Counter of APPO's target-network updates (RLlib's num_target_updates). */
export const TARGET_UPDATES = 'num_target_updates';
/** Keys in the result dict's `info`. */
export const LEARNER_QUEUE_INFO = 'learner_queue';
export const LEARNER_BUSY_FRACTION = 'learner_busy_fraction';

/** Replies the busy fraction is averaged over (about one reporting iteration of IMPALA's defaults). */
const BUSY_WINDOW = 50;

function checkInterval(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new PlanError(`broadcastInterval must be a positive integer, got ${n}`);
  return n;
}

/**
 * ConcatBatches for the async learner: buffers fragments until they hold at least `minBatchSize` env
 * steps, then emits their concatenation with the workers that sampled them (RLlib's ConcatBatches,
 * whose batch only remembers the last fragment's worker). The `sample` timer records the time to
 * assemble each train batch, with its steps as units.
 */
export const concatBatchesWithSources = actorStageFactory(
  import.meta.url,
  function concatBatchesWithSources(minBatchSize: number) {
    if (!Number.isInteger(minBatchSize) || minBatchSize < 1) throw new PlanError(`concatBatchesWithSources needs a positive integer batch size, got ${minBatchSize}`);
    let buffer: SampleBatch[] = [];
    let sources = new Map<string, ActorRef>();
    let size = 0;
    let lastEmit: number | undefined;
    return function concatBatchesWithSources(fragment: SampleBatch, ctx: StageContext): AsyncTrainBatch[] {
      lastEmit ??= performance.now();
      if (fragment.count === 0) return [];
      buffer.push(fragment);
      size += fragment.count;
      const source = ctx.sourceActor;
      if (source) sources.set(`${source.group}[${source.index}]`, source);
      if (size < minBatchSize) return [];
      const out = { batch: concatSamples(buffer), sources: [...sources.values()] };
      const now = performance.now();
      ctx.metrics.timer(SAMPLE_TIMER).push(now - lastEmit, size);
      lastEmit = now;
      buffer = [];
      sources = new Map();
      size = 0;
      return [out];
    };
  },
  { in: 'SampleBatch', out: 'AsyncTrainBatch' },
);

/**
 * RLlib's BroadcastUpdateLearnerWeights(broadcast_interval): once `broadcastInterval` replies went by
 * and the learner has new weights, they become the cached weights (`num_weight_broadcasts` += 1); every
 * source worker of the reply's batch gets the cached weights (with the global vars) unless it already
 * has them. RLlib sends them to the one worker whose fragment completed the batch; with a fixed
 * completion order (the local backend) that starves the other workers of weights forever. The call is
 * fire-and-forget: a worker busy sampling never holds up the driver; a failure is thrown at the next
 * item.
 */
export const broadcastLearnerWeights = actorStageFactory(
  import.meta.url,
  function broadcastLearnerWeights(broadcastInterval: number) {
    checkInterval(broadcastInterval);
    let latest: AsyncLearnerReply['weights'];
    let cached: AsyncLearnerReply['weights'];
    let since = 0;
    let failure: unknown;
    const sent = new Map<string, number>();
    return function broadcastLearnerWeights(reply: AsyncLearnerReply, ctx: StageContext): AsyncLearnerReply {
      if (failure !== undefined) throw failure;
      if (reply.weights) latest = reply.weights;
      since++;
      if (latest && since >= broadcastInterval && latest.version !== cached?.version) {
        cached = latest;
        since = 0;
        ctx.metrics.inc(WEIGHT_BROADCASTS);
      }
      for (const source of cached ? reply.sources : []) {
        const key = `${source.group}[${source.index}]`;
        if (sent.get(key) === cached!.version) continue;
        sent.set(key, cached!.version);
        ctx.call(source, 'setWeights', cached!.values, globalVars(ctx.metrics)).catch((e: unknown) => (failure ??= e));
      }
      return reply;
    };
  },
  { in: 'AsyncLearnerReply', out: 'AsyncLearnerReply' },
);

/**
 * One training step per learner output in the reply (RLlib's record_steps_trained): steps trained,
 * the learner's stats, and the loop's statistics (RLlib's add_learner_metrics): `info.learner_queue`
 * (size count, mean, std, quantiles), `info.learner_busy_fraction` (time learning / wall time over the
 * last replies), and the timers `learner_grad`, `learner_load_wait` (the loop waiting for a batch) and
 * `learner_enqueue_wait` (a batch waiting for room in the queue).
 */
export const recordLearnerOutputs = actorStageFactory(
  import.meta.url,
  function recordLearnerOutputs() {
    const busy: number[] = [];
    const elapsed: number[] = [];
    return function recordLearnerOutputs(reply: AsyncLearnerReply, ctx: StageContext): TrainResult[] {
      const m = reply.metrics;
      busy.push(m.busyMs);
      elapsed.push(m.elapsedMs);
      if (busy.length > BUSY_WINDOW) {
        busy.shift();
        elapsed.shift();
      }
      const total = elapsed.reduce((a, b) => a + b, 0);
      if (total > 0) ctx.metrics.info[LEARNER_BUSY_FRACTION] = busy.reduce((a, b) => a + b, 0) / total;
      if (m.queueSizeCount > 0) {
        ctx.metrics.info[LEARNER_QUEUE_INFO] = { size_count: m.queueSizeCount, size_mean: m.queueSizeMean, size_std: m.queueSizeStd, size_quantiles: m.queueSizeQuantiles, size_now: m.queueSize };
        ctx.metrics.timer('learner_grad').push(m.gradTimeMs);
        ctx.metrics.timer('learner_load_wait').push(m.loadWaitTimeMs);
      }
      ctx.metrics.timer('learner_enqueue_wait').push(m.putWaitTimeMs);
      const steps: TrainResult[] = [];
      for (const out of reply.outputs) {
        ctx.metrics.inc(STEPS_TRAINED, out.count);
        ctx.metrics.counters.set(STEPS_TRAINED_THIS_ITER, out.count);
        ctx.metrics.info[LEARNER_INFO] = { [DEFAULT_POLICY]: { learner_stats: out.result } };
        steps.push({ count: out.count, stats: out.result });
      }
      return steps;
    };
  },
  { in: 'AsyncLearnerReply', out: 'TrainResult' },
);

/**
 * IMPALA's and APPO's learning: each train batch goes into the async learner's queue (waiting while
 * it is full: the plan's back-pressure point), new weights go to the batch's source workers every
 * `broadcastInterval` batches, and the stream carries one `TrainResult` per learner step.
 *
 * @example
 *   const batches = parallelRollouts(workers, { mode: 'async', inFlight: 2 }).combine(concatBatchesWithSources.with(500));
 *   const trained = learnAsync(batches, learner, { broadcastInterval: 1 });
 */
export function learnAsync(batches: Stream<AsyncTrainBatch>, learner: AsyncLearnerGroup, options: { readonly broadcastInterval: number }): Stream<TrainResult> {
  checkInterval(options.broadcastInterval);
  return batches
    .callActor(learner, 'learnerPut', { out: 'AsyncLearnerReply' })
    .forEach(broadcastLearnerWeights.with(options.broadcastInterval))
    .combine(recordLearnerOutputs.with());
}

export interface TargetUpdateOptions {
  /** The learner's group name. */
  readonly learner: string;
  /** Env steps sampled between target updates (RLlib: num_sgd_iter × minibatch_buffer_size). */
  readonly targetUpdateSteps: number;
  /** Also adapt the KL coefficient from each step's KL (APPO's use_kl_loss). */
  readonly useKlLoss: boolean;
}

/**
 * APPO's UpdateTargetAndKL: once more than `targetUpdateSteps` env steps were sampled since the last
 * update, the learner copies its weights into the target network (`num_target_updates` += 1) and,
 * with `useKlLoss`, adapts its KL coefficient from the step's KL. RLlib compares env steps sampled with
 * a count of learner passes here, so with its defaults the target follows every learner step; this
 * keeps that rule. The calls are fire-and-forget (the learner runs them between steps, in order).
 */
export const updateTargetAndKL = actorStageFactory(
  import.meta.url,
  function updateTargetAndKL(options: TargetUpdateOptions) {
    let lastUpdate = 0;
    let failure: unknown;
    const fail = (e: unknown) => (failure ??= e);
    return function updateTargetAndKL(result: TrainResult, ctx: StageContext): TrainResult {
      if (failure !== undefined) throw failure;
      const sampled = ctx.metrics.get(STEPS_SAMPLED);
      if (sampled - lastUpdate > options.targetUpdateSteps) {
        lastUpdate = sampled;
        const [learner] = ctx.actors(options.learner);
        if (!learner) throw new PlanError(`updateTargetAndKL: no actor group '${options.learner}'`);
        ctx.metrics.inc(TARGET_UPDATES);
        ctx.call(learner, 'updateTarget').catch(fail);
        const kl = result.stats['kl'];
        if (options.useKlLoss && kl !== undefined && Number.isFinite(kl)) ctx.call(learner, 'updateKl', kl).catch(fail);
      }
      return result;
    };
  },
  { in: 'TrainResult', out: 'TrainResult' },
);
