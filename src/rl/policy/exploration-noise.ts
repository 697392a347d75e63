/**
 * Exploration for deterministic actors (DDPG, TD3), in plain JS with the caller's seeded `random()`:
 * - `gaussian`: a ~ μ(s) + scale·N(0, σ²) per action component (TD3's GaussianNoise);
 * - `ou`: an Ornstein–Uhlenbeck process per env copy and action component, x ← x + θ(−x) + σ·N(0, 1),
 *   added as scale·base·x·(high − low) (RLlib's OrnsteinUhlenbeckNoise, which makes the noise a share of
 *   the action range).
 * Both first take `randomTimesteps` uniformly random actions, and the scale is annealed linearly from
 * `initialScale` to `finalScale` over `scaleTimesteps` (RLlib's PiecewiseSchedule with two points).
 *
 * Everything is in env action units, as in RLlib; the policy converts to its normalized [−1, 1] space.
 */
import { normalSource } from './mlp.js';

/**
 * Exploration noise of a deterministic actor: Gaussian or Ornstein–Uhlenbeck, after `randomTimesteps` uniformly
 * random actions, with a scale annealed from `initialScale` to `finalScale` over `scaleTimesteps`.
 */
export type NoiseConfig =
  | {
      readonly type: 'gaussian';
      /** Std-dev of the added noise, in env action units (TD3: 0.1). */
      readonly stddev: number;
      readonly randomTimesteps: number;
      readonly initialScale: number;
      readonly finalScale: number;
      readonly scaleTimesteps: number;
    }
  | {
      readonly type: 'ou';
      /** Share of the action range the OU state is multiplied by (RLlib's ou_base_scale, 0.1). */
      readonly baseScale: number;
      readonly theta: number;
      readonly sigma: number;
      readonly randomTimesteps: number;
      readonly initialScale: number;
      readonly finalScale: number;
      readonly scaleTimesteps: number;
    };

/** The scale at `timestep` (linear from initial to final over `scaleTimesteps`, then constant). */
export function noiseScale(config: NoiseConfig, timestep: number): number {
  if (config.scaleTimesteps <= 0) return config.finalScale;
  const f = Math.min(1, Math.max(0, timestep / config.scaleTimesteps));
  return config.initialScale + f * (config.finalScale - config.initialScale);
}

/** Stateful exploration noise for `rows` parallel env copies of `dim`-dimensional actions. */
export class ExplorationNoise {
  private ouState: Float64Array;
  private readonly normal: () => number;

  constructor(
    readonly config: NoiseConfig,
    readonly dim: number,
    private readonly random: () => number,
  ) {
    this.ouState = new Float64Array(0);
    this.normal = normalSource(random);
  }

  /**
   * Adds noise in place to deterministic actions `actions` ([n × dim], env units) of env copies
   * `rowOffset … rowOffset + n − 1`, at global `timestep`; then clips to [low, high]. Before
   * `randomTimesteps` the actions are replaced by uniform draws over [low, high].
   */
  apply(actions: Float32Array, n: number, rowOffset: number, timestep: number, low: ArrayLike<number>, high: ArrayLike<number>): void {
    const d = this.dim;
    const c = this.config;
    if (timestep < c.randomTimesteps) {
      for (let i = 0; i < n * d; i++) {
        const j = i % d;
        actions[i] = low[j]! + this.random() * (high[j]! - low[j]!);
      }
      return;
    }
    const scale = noiseScale(c, timestep);
    if (c.type === 'ou') {
      const need = (rowOffset + n) * d;
      if (this.ouState.length < need) {
        const grown = new Float64Array(need);
        grown.set(this.ouState);
        this.ouState = grown;
      }
    }
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        const k = i * d + j;
        let noise: number;
        if (c.type === 'gaussian') {
          noise = scale * c.stddev * this.normal();
        } else {
          const s = (rowOffset + i) * d + j;
          const x = this.ouState[s]! + c.theta * -this.ouState[s]! + c.sigma * this.normal();
          this.ouState[s] = x;
          noise = scale * c.baseScale * x * (high[j]! - low[j]!);
        }
        const a = actions[k]! + noise;
        actions[k] = a < low[j]! ? low[j]! : a > high[j]! ? high[j]! : a;
      }
    }
  }
}
