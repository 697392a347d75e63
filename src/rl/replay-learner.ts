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
import type { SampleBatch } from './data/sample-batch.js';
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
}

export class ReplayLearnerImpl extends RolloutWorkerImpl {
  private readonly loop: LearnerLoop<ReplayedItem, ReplayLearnResult>;

  constructor(
    ctx: ActorContext,
    config: RolloutWorkerConfig,
    learner: ReplayLearnerConfig,
  ) {
    super(ctx, config);
    this.loop = new LearnerLoop((item: ReplayedItem) => this.learnStep(item), { queueSize: learner.queueSize }, {
      count: (item) => item.batch.count,
      // The actor's clock: a real macrotask turn on the farm, virtual (deterministic) on the local backend.
      yieldTurn: () => ctx.delay(0),
    });
  }

  /** Queues a replayed batch (waiting while the in-queue is full) and answers with the finished steps. */
  async learnerPut(batch: SampleBatch, replayActor: ActorRef): Promise<ReplayLearnerReply> {
    await this.ready();
    return this.loop.put({ batch, replayActor });
  }

  private async learnStep(item: ReplayedItem): Promise<ReplayLearnResult> {
    const policy = await this.ready();
    const stats = policy.learnOnBatch(item.batch);
    const slots = item.batch.columns[BATCH_INDEXES];
    return { replayActor: item.replayActor, stats, tdErrors: policy.lastTdErrors, batchIndexes: slots instanceof Int32Array ? slots : undefined };
  }
}

/** The Ape-X learner actor class: `actors(ReplayLearner, { count: 1, args: [workerConfig, { queueSize }] })`. */
export const ReplayLearner = actorClass(import.meta.url, ReplayLearnerImpl);
