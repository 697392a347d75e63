/**
 * V-trace (Espeholt et al. 2018, "IMPALA", §4.1): off-policy value targets `vs` and policy-gradient
 * advantages for experience sampled by a behaviour policy μ that lags the learner's target policy π.
 * IMPALA's and APPO's learners compute them on each train batch with the learner's own π and V
 * (RLlib's `vtrace.from_importance_weights`), over the same trajectory segments GAE uses (gae.ts):
 * a segment ends at a terminated or truncated row, a change of episode or env copy, or the batch's end.
 *
 * With ratios r_s = π(a_s|x_s) / μ(a_s|x_s), ρ_s = min(ρ̄, r_s), c_s = min(c̄, r_s):
 *
 *   δ_s   = ρ_s (r_s' + γ V(x_{s+1}) − V(x_s))                        (r_s' the reward)
 *   vs_s  = V(x_s) + δ_s + γ c_s (vs_{s+1} − V(x_{s+1}))               (paper eq. 1, recursive form)
 *   A_s   = min(ρ̄_pg, r_s) (r_s' + γ vs_{s+1} − V(x_s))                (the policy-gradient advantage)
 *
 * After a segment's last row, V(x_{s+1}) = vs_{s+1} = 0 when the row is terminated (nothing to
 * bootstrap), else the row's `bootstrapValue` (V of the final observation of a time-limit truncation,
 * or of the next observation at a fragment cut: the behaviour's estimate, written by the worker).
 * Sums run in Float64; outputs are Float32.
 */
import { column, hasColumn } from './batch.js';
import { SampleBatchError } from './errors.js';
import { segmentEnds } from './gae.js';
import { SB, type SampleBatch } from './sample-batch.js';

/** Options of `vtrace`: the discount and the clipping thresholds of the importance weights. */
export interface VTraceOptions {
  /** Discount factor γ in [0, 1]. */
  readonly gamma: number;
  /** ρ̄: clip of the importance weights in the value targets' TD errors (RLlib's vtrace_clip_rho_threshold, default 1). */
  readonly rhoBar?: number;
  /** c̄: clip of the trace-cutting coefficients (the paper's c̄; RLlib fixes it at 1). */
  readonly cBar?: number;
  /** ρ̄ of the policy-gradient advantages (RLlib's vtrace_clip_pg_rho_threshold, default 1). */
  readonly pgRhoBar?: number;
}

/** What `vtrace` returns: value targets, policy-gradient advantages and the raw importance ratios, one per row. */
export interface VTraceResult {
  /** Value targets vs_s. */
  readonly vs: Float32Array;
  /** Policy-gradient advantages A_s (ρ-weighted). */
  readonly pgAdvantages: Float32Array;
  /** Unclipped importance ratios π/μ of the taken actions (for stats). */
  readonly ratios: Float32Array;
}

function positive(name: string, v: number): number {
  if (typeof v !== 'number' || !(v > 0)) throw new SampleBatchError(`V-trace: ${name} must be a positive number, got ${String(v)}`);
  return v;
}

/**
 * V-trace targets for `batch` (rows grouped by env copy, each in time order, as workers write them).
 * The batch supplies rewards, `actionLogp` (log μ of the taken actions), terminations, segment
 * boundaries and `bootstrapValue`; the caller supplies the target policy's log π of the taken actions
 * and its value estimates V(x_s), one per row.
 *
 * @example
 *   const { vs, pgAdvantages } = vtrace(batch, logpUnderLearner, valuesUnderLearner, { gamma: 0.99 });
 */
export function vtrace(batch: SampleBatch, targetLogp: ArrayLike<number>, values: ArrayLike<number>, options: VTraceOptions): VTraceResult {
  const n = batch.count;
  const { gamma } = options;
  if (typeof gamma !== 'number' || !(gamma >= 0 && gamma <= 1)) throw new SampleBatchError(`V-trace: gamma must be a number in [0, 1], got ${String(gamma)}`);
  const rhoBar = positive('rhoBar', options.rhoBar ?? 1);
  const cBar = positive('cBar', options.cBar ?? 1);
  const pgRhoBar = positive('pgRhoBar', options.pgRhoBar ?? 1);
  if (targetLogp.length !== n) throw new SampleBatchError(`V-trace: ${n} rows need ${n} target log-probabilities, got ${targetLogp.length}`);
  if (values.length !== n) throw new SampleBatchError(`V-trace: ${n} rows need ${n} values, got ${values.length}`);
  const rewards = column(batch, SB.REWARDS);
  const behaviourLogp = column(batch, SB.ACTION_LOGP);
  const term = hasColumn(batch, SB.TERMINATEDS) ? column(batch, SB.TERMINATEDS) : undefined;
  const boot = hasColumn(batch, SB.BOOTSTRAP_VALUE) ? column(batch, SB.BOOTSTRAP_VALUE) : undefined;
  const ends = segmentEnds(batch);
  const vs = new Float32Array(n);
  const pgAdvantages = new Float32Array(n);
  const ratios = new Float32Array(n);
  // Carried backwards through a segment: V(x_{s+1}), vs_{s+1}, and vs_{s+1} − V(x_{s+1}).
  let nextValue = 0;
  let nextVs = 0;
  let acc = 0;
  for (let i = n - 1; i >= 0; i--) {
    if (ends[i]) {
      const terminated = term !== undefined && term[i] !== 0;
      nextValue = terminated || !boot ? 0 : (boot[i] as number);
      nextVs = nextValue;
      acc = 0;
    }
    const ratio = Math.exp((targetLogp[i] as number) - (behaviourLogp[i] as number));
    const v = values[i] as number;
    const r = rewards[i] as number;
    const delta = Math.min(rhoBar, ratio) * (r + gamma * nextValue - v);
    acc = delta + gamma * Math.min(cBar, ratio) * acc;
    const vsI = v + acc;
    vs[i] = vsI;
    pgAdvantages[i] = Math.min(pgRhoBar, ratio) * (r + gamma * nextVs - v);
    ratios[i] = ratio;
    nextValue = v;
    nextVs = vsI;
  }
  return { vs, pgAdvantages, ratios };
}
