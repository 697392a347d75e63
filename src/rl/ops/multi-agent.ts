/**
 * Multi-agent RL operators: experience from multi-agent rollout workers (`multiAgentRollouts`), training
 * the policies of a `MultiAgentBatch` on the multi-agent learner and broadcasting only the trained
 * policies' weights (`trainPolicies`, RLlib's TrainOneStep with `policies`), and PPO's per-policy
 * adaptive KL update (`updatePolicyKLs`). `selectExperiences` and `concatBatches` (batching.ts) work on
 * multi-agent batches unchanged. Driver-side stages are stage definitions without captured state.
 */
import { actorStage, actorStageFactory } from '../../dsl/define.js';
import type { Stream } from '../../dsl/stream.js';
import type { StageContext } from '../../ir/contract.js';
import { PlanError } from '../../ir/errors.js';
import type { AnyBatch, MultiAgentBatch } from '../data/sample-batch.js';
import type { MultiAgentLearnResult, MultiAgentWorkerGroup } from '../multi-agent-api.js';
import type { LearnerStats } from '../policy/types.js';
import type { SgdOptions, WorkerGroup } from '../worker-api.js';
import { AGENT_STEPS_TRAINED, LEARN_TIMER, LEARNER_INFO, STEPS_TRAINED } from './internal.js';
import { parallelRollouts, type RolloutMode } from './rollouts.js';
import { globalVars } from './training.js';

/** What a multi-agent training step emits: env steps and agent steps trained, and stats per policy. */
export interface MultiAgentTrainResult {
  readonly count: number;
  readonly agentSteps: number;
  readonly stats: Readonly<Record<string, LearnerStats>>;
}

/**
 * Multi-agent experience: `bulkSync` (one `sample()` of every worker, concatenated per policy) or
 * `async` (one worker's sample per item). Env steps and agent steps are counted as they arrive.
 */
export function multiAgentRollouts(workers: MultiAgentWorkerGroup, options: { readonly mode: RolloutMode; readonly inFlight?: number }): Stream<MultiAgentBatch> {
  // NOTE: the same operator as single-agent rollouts: concatSamples and the step counters take MultiAgentBatches.
  return parallelRollouts(workers as unknown as WorkerGroup, options) as unknown as Stream<MultiAgentBatch>;
}

/**
 * Records a learn result: counters (agent steps trained also per policy, `num_agent_steps_trained_<id>`),
 * the learn timer, and learner info per policy (merged with earlier policies').
 */
export const recordPolicyLearn = actorStage(
  import.meta.url,
  function recordPolicyLearn(result: MultiAgentLearnResult, ctx: StageContext): MultiAgentLearnResult {
    ctx.metrics.timer(LEARN_TIMER).push(result.learnMs, result.agentSteps);
    ctx.metrics.inc(STEPS_TRAINED, result.count);
    ctx.metrics.inc(AGENT_STEPS_TRAINED, result.agentSteps);
    const info = (ctx.metrics.info[LEARNER_INFO] ?? {}) as Record<string, unknown>;
    for (const [id, stats] of Object.entries(result.stats)) info[id] = { learner_stats: stats };
    for (const [id, rows] of Object.entries(result.agentStepsByPolicy)) ctx.metrics.inc(`${AGENT_STEPS_TRAINED}_${id}`, rows);
    ctx.metrics.info[LEARNER_INFO] = info;
    return result;
  },
  { out: 'MultiAgentLearnResult' },
);

/** Drops the weights once they are broadcast. */
export const toTrainResult = actorStage(
  import.meta.url,
  function toTrainResult(result: MultiAgentLearnResult): MultiAgentTrainResult {
    return { count: result.count, agentSteps: result.agentSteps, stats: result.stats };
  },
  { out: 'MultiAgentTrainResult' },
);

/** The learner call's arguments: the batch and the SGD options (plain data, bound in the plan). */
export const sgdArgs = actorStageFactory(import.meta.url, (sgd: SgdOptions) =>
  function learnArgs(batch: AnyBatch): unknown[] {
    return [batch, sgd];
  },
);

/** The broadcast's arguments: the trained policies' weights and the global vars. */
export const policyWeightsWithGlobalVars = actorStage(import.meta.url, function policyWeightsWithGlobalVars(result: MultiAgentLearnResult, ctx: StageContext): unknown[] {
  return [result.weights, globalVars(ctx.metrics)];
});

/**
 * Trains every policy of each batch that the learner's `policiesToTrain` holds (minibatch SGD), then
 * sends those policies' new weights (with the global vars) to every worker, ahead of its next sample.
 * Feed it `selectExperiences([...])` output to train only some policies in this branch.
 */
export function trainPolicies(samples: Stream<MultiAgentBatch> | Stream<AnyBatch>, learner: MultiAgentWorkerGroup, workers: MultiAgentWorkerGroup, options: SgdOptions): Stream<MultiAgentTrainResult> {
  if (!Number.isInteger(options.numSgdIter) || options.numSgdIter < 1) throw new PlanError(`numSgdIter must be a positive integer, got ${options.numSgdIter}`);
  const sgd: SgdOptions = { numSgdIter: options.numSgdIter, sgdMinibatchSize: options.sgdMinibatchSize };
  return (samples as Stream<AnyBatch>)
    .callActor(learner, 'learnOnBatch', { args: sgdArgs.with(sgd), out: 'MultiAgentLearnResult' })
    .forEach(recordPolicyLearn)
    .callActors(workers, 'setWeights', { args: policyWeightsWithGlobalVars })
    .forEach(toTrainResult);
}

/** The sampled KL of every trained policy (PPO's stats), for the learner's `updateKl`. */
export const sampledKls = actorStage(
  import.meta.url,
  function sampledKls(result: MultiAgentTrainResult): Record<string, number> {
    const kls: Record<string, number> = {};
    for (const [id, stats] of Object.entries(result.stats)) {
      const kl = stats['kl'];
      if (kl === undefined || !Number.isFinite(kl)) throw new PlanError(`updatePolicyKLs needs a finite 'kl' in policy '${id}'s learner stats (is its loss PPO?)`);
      kls[id] = kl;
    }
    return kls;
  },
  { out: 'PolicyKlCoeffs' },
);

/** Records each policy's new KL coefficient in its learner stats. */
export const recordKlCoeffs = actorStage(
  import.meta.url,
  function recordKlCoeffs(coeffs: Record<string, number>, ctx: StageContext): Record<string, number> {
    const info = ctx.metrics.info[LEARNER_INFO] as Record<string, { learner_stats: Record<string, number> }> | undefined;
    for (const [id, coeff] of Object.entries(coeffs)) {
      const stats = info?.[id]?.learner_stats;
      if (stats) stats['cur_kl_coeff'] = coeff;
    }
    return coeffs;
  },
  { out: 'PolicyKlCoeffs' },
);

/** PPO: updates each trained policy's adaptive KL coefficient on the learner from its sampled KL. */
export function updatePolicyKLs(trained: Stream<MultiAgentTrainResult>, learner: MultiAgentWorkerGroup): Stream<Record<string, number>> {
  return trained.forEach(sampledKls).callActor(learner, 'updateKl', { out: 'PolicyKlCoeffs' }).forEach(recordKlCoeffs);
}
