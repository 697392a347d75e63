/**
 * The Ape-X learner actor (RLlib's dqn LearnerThread, spec §2.6): a rollout worker without envs (so it
 * has the Q policy, weights, target network and state of every learner) plus a learner loop
 * (learner/) that trains on replayed batches from a bounded in-queue while the driver keeps routing.
 * The driver hands it each replayed batch with the replay actor that sampled it (`learnerPut`); the
 * answer carries the learner steps finished since the last call, each with its replay actor, TD errors
 * and buffer slots, so the priorities go back to the shard they belong to.
 */
import { actorClass } from '../dsl/define.js';
import type { ActorContext, ActorRef } from '../ir/contract.js';
import { slice } from './data/batch.js';
import type { SampleBatch } from './data/sample-batch.js';
import { averageStats } from './policy/sgd.js';
import { LearnerLoop, type LearnerReply } from './learner/index.js';
import type { LearnerStats } from './policy/types.js';
import { BATCH_INDEXES } from './replay/prioritized.js';
import { RolloutWorkerImpl } from './rollout-worker.js';
import type { RolloutWorkerConfig } from './worker-api.js';

/** A replayed batch and the replay actor it came from. */
export interface ReplayedItem {
  readonly batch: SampleBatch;
  readonly replayActor: ActorRef;
}

/** One learner step on a replayed batch: what priority updates and metrics need. */
export interface ReplayLearnResult {
  readonly replayActor: ActorRef;
  readonly stats: LearnerStats;
  readonly tdErrors: Float32Array | undefined;
  readonly batchIndexes: Int32Array | undefined;
}

/** What `learnerPut` answers. */
export type ReplayLearnerReply = LearnerReply<ReplayLearnResult, Float32Array[]>;

/** The learner loop's plain-data settings (a constructor argument). */
export interface ReplayLearnerConfig {
  /** RLlib's Ape-X learner in-queue size (16). */
  readonly queueSize: number;
  /**
   * Rows per gradient step: a larger replayed batch is learned as consecutive minibatches (its rows are
   * already a random draw), so one round trip from the driver buys several steps. 0 = the whole batch.
   */
  readonly minibatchSize?: number;
}

export class ReplayLearnerImpl extends RolloutWorkerImpl {
  private readonly loop: LearnerLoop<ReplayedItem, ReplayLearnResult>;

  constructor(
    ctx: ActorContext,
    config: RolloutWorkerConfig,
    readonly learner: ReplayLearnerConfig,
  ) {
    super(ctx, config);
    // NOTE: the loop yields with setImmediate (its default), not `ctx.delay(0)`. On the local backend's
    // virtual clock a learner step takes no time, so a loop yielding through `delay(0)` always holds the
    // earliest timer: virtual time never advanced past it, a replay shard sleeping `delay(1)` before
    // learning starts never woke, and the store branch stalled behind that shard's mailbox. On the farm,
    // `delay(0)` is a setTimeout of at least 1 ms per step, idle learner time.
    this.loop = new LearnerLoop((item: ReplayedItem) => this.learnStep(item), { queueSize: learner.queueSize }, { count: (item) => item.batch.count });
  }

  /** Queues a replayed batch (waiting while the in-queue is full) and answers with the finished steps. */
  async learnerPut(batch: SampleBatch, replayActor: ActorRef): Promise<ReplayLearnerReply> {
    await this.ready();
    return this.loop.put({ batch, replayActor });
  }

  private async learnStep(item: ReplayedItem): Promise<ReplayLearnResult> {
    const policy = await this.ready();
    const { batch } = item;
    const size = this.learner.minibatchSize || batch.count;
    const steps: LearnerStats[] = [];
    const tdErrors = new Float32Array(batch.count);
    for (let start = 0; start < batch.count; start += size) {
      const mb = start === 0 && size >= batch.count ? batch : slice(batch, start, Math.min(batch.count, start + size));
      steps.push(policy.learnOnBatch(mb));
      if (policy.lastTdErrors) tdErrors.set(policy.lastTdErrors, start);
    }
    const slots = batch.columns[BATCH_INDEXES];
    return { replayActor: item.replayActor, stats: averageStats(steps), tdErrors: policy.lastTdErrors ? tdErrors : undefined, batchIndexes: slots instanceof Int32Array ? slots : undefined };
  }
}

/** The Ape-X learner actor class: `actors(ReplayLearner, { count: 1, args: [workerConfig, { queueSize }] })`. */
export const ReplayLearner = actorClass(import.meta.url, ReplayLearnerImpl);
