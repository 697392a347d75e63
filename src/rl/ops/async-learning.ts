/**
 * The asynchronous learning operators of IMPALA and APPO (spec §3.1): train batches go to the async
 * learner actor (async-learner.ts), whose own loop trains while the workers sample; its answers carry
 * the learner steps finished since the last batch, which become the plan's training steps (RLlib's
 * Dequeue(L.outqueue) + record_steps_trained), and its new weights, which go back to the worker whose
 * sample completed the batch (RLlib's BroadcastUpdateLearnerWeights).
 *
 *   batches ──learnerPut──▶ reply ──broadcastLearnerWeights──▶ recordLearnerOutputs ──▶ TrainResult per step
 *                                        │ setWeights (fire-and-forget)
 *                                        ▼ source worker
 *
 * Every driver-side stage is a stage definition with plain-data arguments; what two stages share
 * (the weights, the finished steps) travels in the reply.
 */
import { actorStageFactory, type ActorGroup } from '../../dsl/define.js';
import type { Stream } from '../../dsl/stream.js';
import type { StageContext } from '../../ir/contract.js';
import { PlanError } from '../../ir/errors.js';
import type { AsyncLearnerConfig, AsyncLearnerImpl, AsyncLearnerReply } from '../async-learner.js';
import type { SampleBatch } from '../data/sample-batch.js';
import type { RolloutWorkerConfig } from '../worker-api.js';
import { DEFAULT_POLICY, LEARNER_INFO, STEPS_SAMPLED, STEPS_TRAINED, STEPS_TRAINED_THIS_ITER } from './internal.js';
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
 * RLlib's BroadcastUpdateLearnerWeights(broadcast_interval): once `broadcastInterval` replies went by
 * and the learner has new weights, they become the cached weights (`num_weight_broadcasts` += 1); the
 * source worker of each reply gets the cached weights (with the global vars) unless it already has
 * them. The call is fire-and-forget: a worker busy sampling never holds up the driver; a failure is
 * thrown at the next item.
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
      const source = ctx.sourceActor;
      if (cached && source) {
        const key = `${source.group}[${source.index}]`;
        if (sent.get(key) !== cached.version) {
          sent.set(key, cached.version);
          ctx.call(source, 'setWeights', cached.values, globalVars(ctx.metrics)).catch((e: unknown) => (failure ??= e));
        }
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
 * it is full: the plan's back-pressure point), new weights go to the batch's source worker every
 * `broadcastInterval` batches, and the stream carries one `TrainResult` per learner step.
 *
 * @example
 *   const batches = parallelRollouts(workers, { mode: 'async', inFlight: 2 }).combine(concatBatches(500));
 *   const trained = learnAsync(batches, learner, { broadcastInterval: 1 });
 */
export function learnAsync(batches: Stream<SampleBatch>, learner: AsyncLearnerGroup, options: { readonly broadcastInterval: number }): Stream<TrainResult> {
  checkInterval(options.broadcastInterval);
  return batches
    .callActor(learner, 'learnerPut', { keepSource: true, out: 'AsyncLearnerReply' })
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
