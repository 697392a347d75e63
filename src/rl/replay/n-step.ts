/**
 * n-step transitions from one rollout fragment (RLlib's `_adjust_nstep`, made correct at every kind of
 * segment end). The fragment's rows are grouped by env copy, each in time order (the rollout worker's
 * layout); a row's n-step window stops early at whichever comes first:
 * - the episode's termination: the target has no bootstrap term (`terminateds` = 1);
 * - its truncation (time limit): bootstrap from the final observation (`newObs` of that row);
 * - the fragment's cut (the next row belongs to another env copy, or there is none): bootstrap from
 *   the observation the env copy continues from.
 * Each row gets the discounted sum of the `m ≤ n` rewards in its window, the `newObs` and
 * `terminateds` of the window's last row, and `discounts` = γ^m, so the Q target is
 * `rewards + discounts · (1 − terminateds) · max_a Q'(newObs, a)` whatever `m` was.
 */
import { SampleBatchError } from '../data/errors.js';
import { SB, type Column, type SampleBatch } from '../data/sample-batch.js';

/** Column with γ^m, the discount of the bootstrap term of each (n-step) transition. */
export const DISCOUNTS = 'discounts';

/** Columns a transition batch keeps (everything else a rollout batch carries is dropped). */
export const TRANSITION_COLUMNS = [SB.OBS, SB.ACTIONS, SB.REWARDS, SB.NEXT_OBS, SB.TERMINATEDS, DISCOUNTS] as const;

function need(batch: SampleBatch, name: string): Column {
  const c = batch.columns[name];
  if (!c) throw new SampleBatchError(`n-step transitions need column '${name}' (the rollout worker records it for Q policies)`, { column: name });
  return c;
}

/**
 * The fragment as `n`-step transitions (n ≥ 1): columns obs, actions, rewards, newObs, terminateds and
 * discounts (see the module comment). Rows keep their order.
 *
 * @example
 *   const transitions = nStepTransitions(fragment, 3, 0.99);
 */
export function nStepTransitions(batch: SampleBatch, n: number, gamma: number): SampleBatch {
  if (!Number.isInteger(n) || n < 1) throw new SampleBatchError(`n-step transitions need an integer n >= 1, got ${n}`);
  const count = batch.count;
  const obs = need(batch, SB.OBS);
  const actions = need(batch, SB.ACTIONS);
  const rewards = need(batch, SB.REWARDS);
  const newObs = need(batch, SB.NEXT_OBS);
  const terminateds = need(batch, SB.TERMINATEDS);
  const truncateds = batch.columns[SB.TRUNCATEDS];
  const envId = batch.columns[SB.ENV_ID];
  const epsId = batch.columns[SB.EPS_ID];
  const obsDim = batch.widths[SB.OBS] ?? 1;
  const outRewards = new Float32Array(count);
  const outDone = new Uint8Array(count);
  const outDiscount = new Float32Array(count);
  const outNext = n === 1 ? newObs : new Float32Array(count * obsDim);
  // Row t continues into row t+1: same env copy and episode, and the episode did not end at t.
  const continues = (t: number): boolean =>
    t + 1 < count &&
    !terminateds[t] &&
    !(truncateds && truncateds[t]) &&
    (!envId || envId[t] === envId[t + 1]) &&
    (!epsId || epsId[t] === epsId[t + 1]);
  for (let t = 0; t < count; t++) {
    let k = t;
    let m = 1;
    let ret = rewards[t]!;
    let g = gamma;
    while (m < n && continues(k)) {
      k++;
      ret += g * rewards[k]!;
      g *= gamma;
      m++;
    }
    outRewards[t] = ret;
    outDone[t] = terminateds[k]! ? 1 : 0;
    outDiscount[t] = g;
    if (n !== 1) for (let j = 0; j < obsDim; j++) outNext[t * obsDim + j] = newObs[k * obsDim + j]!;
  }
  const actWidth = batch.widths[SB.ACTIONS];
  return {
    count,
    columns: { [SB.OBS]: obs, [SB.ACTIONS]: actions, [SB.REWARDS]: outRewards, [SB.NEXT_OBS]: outNext, [SB.TERMINATEDS]: outDone, [DISCOUNTS]: outDiscount },
    widths: { [SB.OBS]: obsDim, [SB.NEXT_OBS]: obsDim, ...(actWidth !== undefined ? { [SB.ACTIONS]: actWidth } : {}) },
  };
}
