/**
 * Advantage postprocessing: GAE(λ) or plain discounted returns over the trajectory segments of a batch,
 * adding the `advantages` and `valueTargets` columns that the A2C/A3C/PPO/PG losses read (RLlib's
 * `compute_advantages`, applied per segment instead of per episode fragment).
 *
 * A rollout fragment holds, per env copy, rows in time order (see docs/data.md). It is cut into
 * **segments**: a segment ends at a row that is terminated, truncated, the last row of the batch, or whose
 * next row has a different `epsId` or `envId`. The value after a segment's last row is
 *   - 0 when that row is terminated (the MDP ended: nothing to bootstrap), else
 *   - its `bootstrapValue`: V(final observation) for a time-limit truncation, V(next observation) for a
 *     fragment cut mid-episode (the worker writes it there).
 * Sums run in Float64; the output columns are Float32.
 */
import { column, hasColumn, widthOf, withColumns } from './batch.js';
import { SampleBatchError } from './errors.js';
import { mapPolicyBatches } from './multi-agent.js';
import { SB, type AnyBatch, type Column, type SampleBatch } from './sample-batch.js';

/** How `postprocessAdvantages` computes advantages and value targets. */
export interface AdvantageOptions {
  /** Discount factor γ in [0, 1]. */
  readonly gamma: number;
  /** GAE's λ in [0, 1] (1: Monte-Carlo advantages, 0: one-step TD errors). Ignored without GAE. */
  readonly lambda: number;
  /** Generalized advantage estimation (default true). Needs a critic. */
  readonly useGae?: boolean;
  /**
   * Whether the policy has a value function (default true). Without one (PG): advantages are the
   * discounted returns, never bootstrapped (there is no value to bootstrap from: RLlib's PG uses
   * `last_r = 0`), and `valueTargets` are zeros.
   */
  readonly useCritic?: boolean;
}

function flagColumn(batch: SampleBatch, name: string): Column | undefined {
  if (!hasColumn(batch, name)) return undefined;
  if (widthOf(batch, name) !== 1) throw new SampleBatchError(`column '${name}' must have width 1, has ${widthOf(batch, name)}`, { column: name });
  return column(batch, name);
}

/**
 * Marks the last row of every trajectory segment with 1: a row ends its segment when it is terminated or
 * truncated, is the batch's last row, or the next row belongs to another episode (`epsId`) or env copy
 * (`envId`). Absent `terminateds`/`truncateds`/`epsId`/`envId` columns count as never ending a segment.
 */
export function segmentEnds(batch: SampleBatch): Uint8Array {
  const n = batch.count;
  const ends = new Uint8Array(n);
  const term = flagColumn(batch, SB.TERMINATEDS);
  const trunc = flagColumn(batch, SB.TRUNCATEDS);
  const eps = flagColumn(batch, SB.EPS_ID);
  const env = flagColumn(batch, SB.ENV_ID);
  for (let i = 0; i < n; i++) {
    const last =
      i === n - 1 ||
      (term !== undefined && term[i] !== 0) ||
      (trunc !== undefined && trunc[i] !== 0) ||
      (eps !== undefined && eps[i + 1] !== eps[i]) ||
      (env !== undefined && env[i + 1] !== env[i]);
    ends[i] = last ? 1 : 0;
  }
  return ends;
}

/** `y[i] = Σ_{k ≥ i} γ^(k−i) x[k]` (RLlib's `discount_cumsum`), in Float64. */
export function discountCumsum(x: ArrayLike<number>, gamma: number): Float64Array {
  const y = new Float64Array(x.length);
  let acc = 0;
  for (let i = x.length - 1; i >= 0; i--) {
    acc = (x[i] as number) + gamma * acc;
    y[i] = acc;
  }
  return y;
}

function checkUnit(name: string, v: number): void {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new SampleBatchError(`${name} must be a number in [0, 1], got ${String(v)}`);
}

/**
 * Adds `advantages` and `valueTargets` to a batch (per policy batch for a multi-agent batch), returning a
 * new batch; the input is not changed.
 * - GAE: `δ_t = r_t + γ V_{t+1} − V_t`, `A_t = δ_t + γλ A_{t+1}` within a segment, with `V_{t+1}` the
 *   segment's bootstrap value after its last row; `valueTargets = A + vfPreds`.
 * - Without GAE: `R_t = r_t + γ R_{t+1}`, bootstrapped the same way; `valueTargets = R` and
 *   `advantages = R − vfPreds` with a critic, else `advantages = R` and `valueTargets = 0`.
 *
 * @example
 * const train = postprocessAdvantages(fragment, { gamma: 0.99, lambda: 0.95 });
 */
export function postprocessAdvantages<B extends AnyBatch>(batch: B, options: AdvantageOptions): B;
export function postprocessAdvantages(batch: AnyBatch, options: AdvantageOptions): AnyBatch {
  const { gamma, lambda } = options;
  const useGae = options.useGae ?? true;
  const useCritic = options.useCritic ?? true;
  checkUnit('gamma', gamma);
  if (useGae) checkUnit('lambda', lambda);
  if (useGae && !useCritic) throw new SampleBatchError('GAE needs a value function: set useCritic, or turn useGae off');
  return mapPolicyBatches(batch, (b) => advantagesOf(b, gamma, lambda, useGae, useCritic));
}

function advantagesOf(batch: SampleBatch, gamma: number, lambda: number, useGae: boolean, useCritic: boolean): SampleBatch {
  const n = batch.count;
  const rewards = column(batch, SB.REWARDS);
  const vf = useCritic ? column(batch, SB.VF_PREDS) : undefined;
  const boot = useCritic ? column(batch, SB.BOOTSTRAP_VALUE) : undefined;
  for (const name of [SB.REWARDS, SB.VF_PREDS, SB.BOOTSTRAP_VALUE]) {
    if (hasColumn(batch, name) && widthOf(batch, name) !== 1) {
      throw new SampleBatchError(`column '${name}' must have width 1, has ${widthOf(batch, name)}`, { column: name });
    }
  }
  const term = flagColumn(batch, SB.TERMINATEDS);
  const ends = segmentEnds(batch);
  const advantages = new Float32Array(n);
  const valueTargets = new Float32Array(n);
  // Float64 accumulators carried backwards through a segment.
  let nextValue = 0;
  let acc = 0;
  for (let i = n - 1; i >= 0; i--) {
    const r = rewards[i] as number;
    if (ends[i]) {
      const terminated = term !== undefined && term[i] !== 0;
      nextValue = !terminated && boot ? (boot[i] as number) : 0;
      acc = 0;
    }
    if (useGae) {
      const v = (vf as Column)[i] as number;
      const delta = r + gamma * nextValue - v;
      acc = delta + gamma * lambda * acc;
      advantages[i] = acc;
      valueTargets[i] = acc + v;
      nextValue = v;
    } else {
      // `nextValue` holds R_{t+1} inside a segment (the bootstrap value after its last row).
      const ret = r + gamma * nextValue;
      nextValue = ret;
      if (vf) {
        advantages[i] = ret - (vf[i] as number);
        valueTargets[i] = ret;
      } else {
        advantages[i] = ret;
      }
    }
  }
  return withColumns(batch, { [SB.ADVANTAGES]: advantages, [SB.VALUE_TARGETS]: valueTargets });
}
