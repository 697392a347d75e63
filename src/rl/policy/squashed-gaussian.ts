/**
 * The tanh-squashed diagonal Gaussian of SAC's actor (RLlib's SquashedGaussian): u ~ N(μ, σ²),
 * a = tanh(u) in [−1, 1], then scaled affinely to the Box bounds for the environment. Its density needs
 * the change-of-variables correction:
 *
 *   log π(a) = Σⱼ [ log N(uⱼ; μⱼ, σⱼ) − log(1 − tanh²(uⱼ)) ]
 *   log(1 − tanh²(u)) = 2·(log 2 − u − softplus(−2u))        (exact, and finite for any u)
 *
 * RLlib adds 1e-6 inside the log instead; the exact form above never needs it. The log-std is clipped to
 * [−20, 2] (RLlib's MIN/MAX_LOG_NN_OUTPUT). Like RLlib, the log-probability is of the squashed action
 * in [−1, 1]; the affine scaling to the env bounds adds a constant that the losses ignore.
 *
 * This module is the JS half (sampling during rollouts, and the reference the tests hold the TF ops
 * to); the differentiable half lives in the SAC policy (sac.ts), with its closed-form gradients.
 */

const LOG_2PI = Math.log(2 * Math.PI);
const LOG_2 = Math.log(2);

/** RLlib's clipping range of the actor's log-std output. */
export const LOG_STD_MIN = -20;
export const LOG_STD_MAX = 2;

/** softplus(x) = log(1 + eˣ), without overflow. */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** log(1 − tanh²(u)), exactly. */
export function logOneMinusTanhSq(u: number): number {
  return 2 * (LOG_2 - u - softplus(-2 * u));
}

/** log π of the pre-squash sample `u` of one row: Σ log N(u; μ, σ) − Σ log(1 − tanh²(u)). */
export function squashedLogp(mean: ArrayLike<number>, logStd: ArrayLike<number>, u: ArrayLike<number>): number {
  let lp = 0;
  for (let j = 0; j < u.length; j++) {
    const ls = Math.min(LOG_STD_MAX, Math.max(LOG_STD_MIN, logStd[j]!));
    const z = (u[j]! - mean[j]!) / Math.exp(ls);
    lp += -0.5 * z * z - ls - 0.5 * LOG_2PI - logOneMinusTanhSq(u[j]!);
  }
  return lp;
}

/** Maps squashed actions in [−1, 1] to [low, high] (in place on `out`). */
export function unsquash(squashed: ArrayLike<number>, low: ArrayLike<number>, high: ArrayLike<number>, out: Float32Array): Float32Array {
  const d = low.length;
  for (let i = 0; i < squashed.length; i++) {
    const j = i % d;
    out[i] = low[j]! + ((squashed[i]! + 1) / 2) * (high[j]! - low[j]!);
  }
  return out;
}

/** Maps env actions in [low, high] back to [−1, 1] (clipped: replayed actions may sit on the bounds). */
export function squash(actions: ArrayLike<number>, low: ArrayLike<number>, high: ArrayLike<number>, out: Float32Array): Float32Array {
  const d = low.length;
  for (let i = 0; i < actions.length; i++) {
    const j = i % d;
    const x = (2 * (actions[i]! - low[j]!)) / (high[j]! - low[j]!) - 1;
    out[i] = x < -1 ? -1 : x > 1 ? 1 : x;
  }
  return out;
}

/**
 * Samples n rows from distribution inputs `[μ…, logσ…]` ([n × 2d]): u = μ + σ·ε (ε standard normal from
 * `random()`, Box–Muller pairs within a row), or u = μ without `explore`. Writes tanh(u) into `squashed`
 * ([n × d]) and log π into `logp` ([n]).
 */
export function sampleSquashed(inputs: Float32Array, n: number, d: number, explore: boolean, random: () => number, squashed: Float32Array, logp: Float32Array): void {
  const u = new Float64Array(d);
  const mean = new Float64Array(d);
  const logStd = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const off = i * 2 * d;
    let spare: number | undefined;
    for (let j = 0; j < d; j++) {
      mean[j] = inputs[off + j]!;
      logStd[j] = Math.min(LOG_STD_MAX, Math.max(LOG_STD_MIN, inputs[off + d + j]!));
      let eps = 0;
      if (explore) {
        if (spare !== undefined) {
          eps = spare;
          spare = undefined;
        } else {
          const r = Math.sqrt(-2 * Math.log(1 - random()));
          const th = 2 * Math.PI * random();
          spare = r * Math.sin(th);
          eps = r * Math.cos(th);
        }
      }
      u[j] = mean[j]! + Math.exp(logStd[j]!) * eps;
      squashed[i * d + j] = Math.tanh(u[j]!);
    }
    logp[i] = squashedLogp(mean, logStd, u);
  }
}
