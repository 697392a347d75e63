/**
 * Ape-X's learner-side operators (spec §3.1), as plain-data stage definitions:
 * - `learnOnReplayActors`: replayed batches (each item's source is the replay actor that sampled it)
 *   go to the learner's own loop (replay-learner.ts); each finished learner step comes out as one item,
 *   counted as trained steps, its learner stats and queue statistics recorded;
 * - `updateShardPriorities`: each step's TD errors go back, as priorities, to its replay actor;
 * - `syncWorkerWeights`: after `maxWeightSyncDelay` steps from a worker, that worker gets the
 *   learner's current weights and the global vars (RLlib's UpdateWorkerWeights).
 */
import { actorStage, actorStageFactory, type ActorGroup } from '../../dsl/define.js';
import type { Stream } from '../../dsl/stream.js';
import type { StageContext } from '../../ir/contract.js';
import { PlanError } from '../../ir/errors.js';
import { DEFAULT_POLICY_ID } from '../data/multi-agent.js';
import type { AnyBatch, SampleBatch } from '../data/sample-batch.js';
import type { LearnerOutput } from '../learner/index.js';
import type { ReplayLearnResult, ReplayLearnerConfig, ReplayLearnerImpl, ReplayLearnerReply } from '../replay-learner.js';
import type { RolloutWorkerConfig } from '../worker-api.js';
import { STEPS_TRAINED } from './internal.js';
import { globalVars, recordLearnerStats } from './stages/training.js';

/** The Ape-X learner group (one `ReplayLearner`). */
export type ReplayLearnerGroup = ActorGroup<ReplayLearnerImpl, [RolloutWorkerConfig, ReplayLearnerConfig]>;

/** One finished learner step on a replayed batch. */
export type ReplayLearnerOutput = LearnerOutput<ReplayLearnResult>;

/** Key of the learner loop's queue statistics in `metrics.info` (RLlib's learner_queue). */
export const LEARNER_QUEUE = 'learner_queue';
export const NUM_WEIGHT_SYNCS = 'num_weight_syncs';
export const LEARNER_GRAD_TIMER = 'learner_grad';
export const LEARNER_LOAD_WAIT_TIMER = 'learner_load_wait';

export const putArgs = actorStage(import.meta.url, function putArgs(batch: AnyBatch, ctx: StageContext): unknown[] {
  if (!ctx.sourceActor) throw new PlanError('learnOnReplayActors: a replayed batch without its replay actor (replay from replay actors)');
  return [batch, ctx.sourceActor];
});

export const learnerOutputs = actorStage(
  import.meta.url,
  function learnerOutputs(reply: ReplayLearnerReply, ctx: StageContext): ReplayLearnerOutput[] {
    for (const out of reply.outputs) ctx.metrics.inc(STEPS_TRAINED, out.count);
    const last = reply.outputs.at(-1);
    if (last) recordLearnerStats(ctx, last.result.stats);
    const m = reply.metrics;
    ctx.metrics.info[LEARNER_QUEUE] = { size_count: m.queueSizeCount, size_mean: m.queueSizeMean, size_std: m.queueSizeStd, size_quantiles: m.queueSizeQuantiles };
    // Wall-clock times go to timers (learner_grad_time_ms, learner_load_wait_time_ms), as RLlib's timing breakdown.
    if (reply.outputs.length > 0) {
      ctx.metrics.timer(LEARNER_GRAD_TIMER).push(m.gradTimeMs, last!.count);
      ctx.metrics.timer(LEARNER_LOAD_WAIT_TIMER).push(m.loadWaitTimeMs);
    }
    return reply.outputs;
  },
  { in: 'ReplayLearnerReply', out: 'ReplayLearnerOutput' },
);

/** Replayed batches into the learner's loop; one item per finished learner step. */
export function learnOnReplayActors(replayed: Stream<AnyBatch>, learner: ReplayLearnerGroup): Stream<ReplayLearnerOutput> {
  return replayed.callActor(learner, 'learnerPut', { args: putArgs, out: 'ReplayLearnerReply' }).combine(learnerOutputs);
}

/** Counter: replayed rows whose priority update found their shard restarted (and emptied) since. */
export const NUM_STALE_PRIORITY_ROWS = 'num_stale_priority_rows';

export const updateShardPrioritiesStage = actorStageFactory(
  import.meta.url,
  () => {
    // The one closure variable is a promise in flight, not state a checkpoint could keep (the node store
    // holds plain data): losing it on a restart loses at most one step's priority update.
    let pending: Promise<unknown> = Promise.resolve();
    // NOTE: the update of step k is awaited when step k+1 arrives, not before step k goes on: the update
    // branch would otherwise wait a round trip to the shard per learner step. A failed update still
    // fails the plan, one step later.
    return async function updatePriorities(out: ReplayLearnerOutput, ctx: StageContext): Promise<ReplayLearnerOutput> {
      await pending;
      const { replayActor, tdErrors, batchIndexes } = out.result;
      // A shard restarted after a crash skips the rows it lost and says how many (counted, docs/faults.md).
      pending = tdErrors && batchIndexes ? ctx.call(replayActor, 'updatePriorities', { [DEFAULT_POLICY_ID]: { batchIndexes, tdErrors } }).then((stale) => {
              if (typeof stale === 'number' && stale > 0) ctx.metrics.inc(NUM_STALE_PRIORITY_ROWS, stale);
            }) : Promise.resolve();
      pending.catch(() => undefined); // observed at the next item's await
      return out;
    };
  },
  { in: 'ReplayLearnerOutput', out: 'ReplayLearnerOutput' },
);

export const workerWeightSync = actorStageFactory(
  import.meta.url,
  (options: { readonly learner: string; readonly maxWeightSyncDelay: number }) =>
    // Steps per worker since its last sync live in the node store (plain data), so checkpoints keep them.
    async function updateWorkerWeights(batch: SampleBatch, ctx: StageContext): Promise<SampleBatch> {
      const worker = ctx.sourceActor;
      if (!worker) throw new PlanError('syncWorkerWeights: a batch without its rollout worker (use async rollouts)');
      const key = `stepsSinceSync.${worker.index}`;
      const steps = (ctx.state.get<number>(key) ?? 0) + batch.count;
      if (steps < options.maxWeightSyncDelay) {
        ctx.state.set(key, steps);
        return batch;
      }
      ctx.state.set(key, 0);
      const weights = await ctx.call(ctx.actors(options.learner)[0]!, 'getWeights');
      await ctx.call(worker, 'setWeights', weights, globalVars(ctx.metrics));
      ctx.metrics.inc(NUM_WEIGHT_SYNCS);
      return batch;
    },
  { in: 'SampleBatch', out: 'SampleBatch' },
);

/** Sends the learner's weights to the worker each batch came from, once it sampled `maxWeightSyncDelay` steps since its last sync. */
export function syncWorkerWeights(samples: Stream<SampleBatch>, learner: ReplayLearnerGroup, options: { readonly maxWeightSyncDelay: number }): Stream<SampleBatch> {
  return samples.forEach(workerWeightSync.with({ learner: learner.name, maxWeightSyncDelay: options.maxWeightSyncDelay }));
}

/** Each learner step's TD errors, as new priorities, to the replay actor its batch came from. */
export function updateShardPriorities(learned: Stream<ReplayLearnerOutput>): Stream<ReplayLearnerOutput> {
  return learned.forEach(updateShardPrioritiesStage.with());
}
