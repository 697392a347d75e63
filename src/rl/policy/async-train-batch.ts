/**
 * Train batches for the asynchronous learners: IMPALA's and APPO's losses are the A2C and PPO losses
 * of the actor-critic policy (losses.ts, with their hand-written backward pass) applied to a batch whose
 * advantage, value-target and "old policy" columns are rewritten on the learner, with its current
 * weights, just before each step. One concept, one place: the loss code stays the same, only its
 * inputs change.
 *
 * - IMPALA (RLlib's VTraceLoss): −Σ log π(a|s)·A_vtrace + c_vf·½Σ(V − vs)² − c_H·ΣH, sums as RLlib's,
 *   so it is the `a2c` loss with advantages := V-trace's pg advantages and value targets := vs, both
 *   computed from the learner's π and V (vtrace.ts).
 * - APPO (RLlib's APPO loss): mean(−min(ρ·A, clip(ρ, 1 ± ε)·A)) + c_vf·½mean((V − R)²) − c_H·mean(H)
 *   [+ β·KL(π_target ‖ π)], with ρ = clip(μ/π_target, 0, 2) · π/μ (μ: the behaviour policy that
 *   sampled, π_target: the target network), A and R from V-trace (target policy π_target) or from the
 *   workers' GAE. It is the `ppo` loss when its "old log-prob" column is log μ − log clip(μ/π_target,
 *   0, 2) (then exp(log π − old) = ρ), its old distribution is the target network's (the KL term), and
 *   value clipping is off; the ½ of the value loss goes into its coefficient (see appo.ts).
 */
import { withColumns } from '../data/batch.js';
import { SB, type SampleBatch } from '../data/sample-batch.js';
import { vtrace, type VTraceOptions } from '../data/vtrace.js';

/** The part of a policy these functions need: the current π and V on a batch's rows. */
export interface EvaluatingPolicy {
  evaluate(obs: Float32Array, n: number, actions: ArrayLike<number>): { readonly logp: Float32Array; readonly values: Float32Array; readonly distInputs: Float32Array };
}

function evaluateOn(policy: EvaluatingPolicy, batch: SampleBatch): ReturnType<EvaluatingPolicy['evaluate']> {
  const obs = batch.columns[SB.OBS];
  const actions = batch.columns[SB.ACTIONS];
  if (!obs || !actions) throw new Error(`async learner: the train batch needs '${SB.OBS}' and '${SB.ACTIONS}' columns`);
  return policy.evaluate(obs instanceof Float32Array ? obs : Float32Array.from(obs), batch.count, actions);
}

/** IMPALA: advantages and value targets from V-trace under the learner's current policy and values. */
export function impalaTrainBatch(policy: EvaluatingPolicy, batch: SampleBatch, options: VTraceOptions): SampleBatch {
  const current = evaluateOn(policy, batch);
  const { vs, pgAdvantages } = vtrace(batch, current.logp, current.values, options);
  return withColumns(batch, { [SB.ADVANTAGES]: pgAdvantages, [SB.VALUE_TARGETS]: vs });
}

export interface AppoBatchOptions extends VTraceOptions {
  /** V-trace advantages and targets (else the workers' GAE columns, already in the batch). */
  readonly vtrace: boolean;
}

/** Bound of RLlib's importance weight μ/π_target in APPO's ratio. */
const IS_RATIO_MAX = 2;

/**
 * APPO: the PPO loss's inputs for the APPO objective (see the module comment). `target` is the
 * target network (the "old policy"); `policy` the one being trained (its values feed V-trace).
 */
export function appoTrainBatch(policy: EvaluatingPolicy, target: EvaluatingPolicy, batch: SampleBatch, options: AppoBatchOptions): SampleBatch {
  const old = evaluateOn(target, batch);
  const behaviourLogp = batch.columns[SB.ACTION_LOGP];
  if (!behaviourLogp) throw new Error(`async learner: the train batch needs an '${SB.ACTION_LOGP}' column (the behaviour policy's log-probabilities)`);
  const n = batch.count;
  const oldLogp = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const mu = behaviourLogp[i]!;
    // log clip(μ/π_target, 0, 2), kept finite: a ratio of 0 would make every row's ρ 0 anyway.
    const logIs = Math.max(-30, Math.min(Math.log(IS_RATIO_MAX), mu - old.logp[i]!));
    oldLogp[i] = mu - logIs;
  }
  const columns: Record<string, Float32Array> = { [SB.ACTION_LOGP]: oldLogp, [SB.ACTION_DIST_INPUTS]: old.distInputs };
  if (options.vtrace) {
    const current = evaluateOn(policy, batch);
    const { vs, pgAdvantages } = vtrace(batch, old.logp, current.values, options);
    columns[SB.ADVANTAGES] = pgAdvantages;
    columns[SB.VALUE_TARGETS] = vs;
  } else if (!batch.columns[SB.ADVANTAGES] || !batch.columns[SB.VALUE_TARGETS]) {
    throw new Error(`async learner: APPO without V-trace needs the workers' '${SB.ADVANTAGES}' and '${SB.VALUE_TARGETS}' columns (GAE)`);
  }
  return withColumns(batch, columns, { [SB.ACTION_DIST_INPUTS]: old.distInputs.length / Math.max(1, n) });
}
