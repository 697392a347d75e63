/**
 * The asynchronous learner actor of IMPALA and APPO: a rollout worker without envs (so it has the
 * policy, weights, state and KL methods of every learner) plus a learner loop (learner/) that trains
 * from a bounded in-queue while the rollout workers keep sampling. The driver feeds it with
 * `learnerPut(batch)`, which answers with the learner steps finished since the last call, the loop's
 * queue and timing statistics, and the new weights when they changed (spec §2.6, §3.1).
 *
 * Each step rewrites the batch for the configured objective with the learner's current weights
 * (policy/async-train-batch.ts: V-trace for IMPALA; APPO's ratio against the target network, with
 * V-trace or GAE advantages) and takes one gradient step of the policy's loss on it.
 */
import { actorClass } from '../dsl/define.js';
import type { ActorContext, ActorRef } from '../ir/contract.js';
import { deriveSeed } from '../rng/index.js';
import type { SampleBatch } from './data/sample-batch.js';
import { LearnerLoop, type LearnerReply } from './learner/index.js';
import { appoTrainBatch, impalaTrainBatch, type EvaluatingPolicy } from './policy/async-train-batch.js';
import { createActorCriticPolicy } from './policy/index.js';
import { isActorCriticPolicyConfig, type LearnerStats, type Policy } from './policy/types.js';
import { RolloutWorkerImpl } from './rollout-worker.js';
import type { RolloutWorkerConfig, WorkerState } from './worker-api.js';

/** The objective the learner rewrites each batch for. */
export type AsyncObjective =
  | { readonly kind: 'impala'; readonly rhoBar: number; readonly pgRhoBar: number }
  | { readonly kind: 'appo'; readonly vtrace: boolean; readonly rhoBar: number; readonly pgRhoBar: number };

/** Plain-data configuration of the learner's loop and objective (a constructor argument). */
export interface AsyncLearnerConfig {
  readonly objective: AsyncObjective;
  /** RLlib's learner_queue_size. */
  readonly queueSize: number;
  /** RLlib's minibatch_buffer_size. */
  readonly minibatchBufferSize: number;
  /** Passes over each batch (RLlib's num_sgd_iter for IMPALA and APPO). */
  readonly numSgdIter: number;
}

/**
 * A train batch with the workers whose fragments it holds: they are the "source actors" the new
 * weights go back to (a concatenated batch has several).
 */
export interface AsyncTrainBatch {
  readonly batch: SampleBatch;
  readonly sources: readonly ActorRef[];
}

/** What `learnerPut` answers: learner stats per finished step, weights as arrays, and the batch's sources. */
export type AsyncLearnerReply = LearnerReply<LearnerStats, Float32Array[]> & { readonly sources: readonly ActorRef[] };

function evaluating(policy: Policy): Policy & EvaluatingPolicy {
  if (typeof (policy as Partial<EvaluatingPolicy>).evaluate !== 'function') throw new Error('async learner: the policy cannot evaluate batches (needs an actor-critic policy)');
  return policy as Policy & EvaluatingPolicy;
}

export class AsyncLearnerImpl extends RolloutWorkerImpl {
  private readonly loop: LearnerLoop<SampleBatch, LearnerStats>;
  private target: (Policy & EvaluatingPolicy) | undefined;

  constructor(
    ctx: ActorContext,
    config: RolloutWorkerConfig,
    readonly learner: AsyncLearnerConfig,
  ) {
    super(ctx, config);
    // NOTE: the loop yields with setImmediate (its default), not `ctx.delay(0)`: on the farm that is a
    // setTimeout of at least 1 ms per step, a quarter of a 4 ms learn step (busy fraction 0.7–0.8).
    this.loop = new LearnerLoop((batch: SampleBatch) => this.learnStep(batch), { queueSize: learner.queueSize, minibatchBufferSize: learner.minibatchBufferSize, numPasses: learner.numSgdIter });
  }

  /**
   * Queues a train batch for the learner (waiting while the queue is full) and answers with what
   * finished since the last call; the batch's sources come back with the answer.
   */
  async learnerPut(item: AsyncTrainBatch): Promise<AsyncLearnerReply> {
    const policy = await this.ready();
    return { ...(await this.loop.put(item.batch, () => policy.getWeights())), sources: item.sources };
  }

  /** APPO: copies the trained weights into the target network. */
  async updateTarget(): Promise<void> {
    const policy = await this.ready();
    (await this.targetPolicy(policy)).setWeights(policy.getWeights());
  }

  /**
   * Restores a state (a checkpoint, or a crashed learner's last snapshot). The target network is not
   * part of the state: it starts as a copy of the restored policy, not of the initial weights, until
   * the plan's next target update.
   */
  override async setState(state: WorkerState): Promise<void> {
    await super.setState(state);
    if (this.learner.objective.kind === 'appo') await this.updateTarget();
  }

  private async targetPolicy(policy: Policy): Promise<Policy & EvaluatingPolicy> {
    // Same seed as the policy: the target starts equal to it.
    const config = this.config.policy;
    if (!isActorCriticPolicyConfig(config)) throw new Error(`${this.ctx.group}[${this.ctx.index}]: the async learner trains actor-critic policies, not '${config.kind}' policies`);
    this.target ??= evaluating(await createActorCriticPolicy(policy.observationSpace, policy.actionSpace, config, deriveSeed(this.ctx.rootSeed, 'policy'), { device: this.ctx.device }));
    return this.target;
  }

  private async learnStep(batch: SampleBatch): Promise<LearnerStats> {
    const policy = evaluating(await this.ready());
    const objective = this.learner.objective;
    const vtraceOptions = { gamma: this.config.gamma, rhoBar: objective.rhoBar, pgRhoBar: objective.pgRhoBar };
    const train =
      objective.kind === 'impala'
        ? impalaTrainBatch(policy, batch, vtraceOptions)
        : appoTrainBatch(policy, await this.targetPolicy(policy), batch, { ...vtraceOptions, vtrace: objective.vtrace });
    return policy.learnOnBatch(train);
  }
}

/** The async learner actor class: `actors(AsyncLearner, { count: 1, args: [workerConfig, learnerConfig] })`. */
export const AsyncLearner = actorClass(import.meta.url, AsyncLearnerImpl);
