/**
 * CartPole-v1: a pole hinged on a cart that is pushed left or right; keep the pole up.
 *
 * Dynamics and constants reproduced from Gymnasium 1.x, `gymnasium/envs/classic_control/cartpole.py`
 * (`CartPoleEnv`, the Barto–Sutton–Anderson cart-pole, Florian's corrected equations) with the
 * registration of `gymnasium/envs/__init__.py` (`max_episode_steps=500`, `reward_threshold=475`):
 * explicit Euler with τ = 0.02 s, g = 9.8, cart mass 1.0, pole mass 0.1, pole half-length 0.5, force
 * ±10 N; terminated when |x| > 2.4 or |θ| > 12°; reward +1 on every step including the terminating one
 * (0 on steps taken after termination without a reset, as in Gymnasium); truncated after 500 steps.
 * Reset draws all four state variables from U(−0.05, 0.05). Config: `maxEpisodeSteps` (500),
 * `suttonBartoReward` (false; Gymnasium 1.x's option: 0 per step, −1 on termination), `seed`.
 */
import { InPlaceEnvBase, readEnvConfig } from './in-place.js';
import { FLOAT32_MAX, box, discrete } from './spaces.js';
import { STEP_TERMINATED, STEP_TRUNCATED } from './types.js';
import type { BoxSpace, DiscreteSpace } from './types.js';

const GRAVITY = 9.8;
const MASSCART = 1.0;
const MASSPOLE = 0.1;
const TOTAL_MASS = MASSPOLE + MASSCART;
const LENGTH = 0.5; // actually half the pole's length
const POLEMASS_LENGTH = MASSPOLE * LENGTH;
const FORCE_MAG = 10.0;
const TAU = 0.02; // seconds between state updates
/** Angle at which the episode fails: 12 degrees. */
export const CARTPOLE_THETA_THRESHOLD = (12 * 2 * Math.PI) / 360;
export const CARTPOLE_X_THRESHOLD = 2.4;

const DEFAULTS = { maxEpisodeSteps: 500, suttonBartoReward: false };

export class CartPoleEnv extends InPlaceEnvBase {
  readonly id = 'CartPole-v1';
  /** Bounds at twice the failure thresholds, so a failing observation is still inside (as Gymnasium). */
  readonly observationSpace: BoxSpace = box(
    [-CARTPOLE_X_THRESHOLD * 2, -FLOAT32_MAX, -CARTPOLE_THETA_THRESHOLD * 2, -FLOAT32_MAX],
    [CARTPOLE_X_THRESHOLD * 2, FLOAT32_MAX, CARTPOLE_THETA_THRESHOLD * 2, FLOAT32_MAX],
  );
  /** 0: push the cart left, 1: push it right. */
  readonly actionSpace: DiscreteSpace = discrete(2);
  readonly obsDim = 4;
  readonly maxEpisodeSteps: number;
  readonly suttonBartoReward: boolean;

  // State (float64, as Gymnasium's Python floats); observations are its float32 copy.
  x = 0;
  xDot = 0;
  theta = 0;
  thetaDot = 0;
  /** Steps since the last reset. */
  elapsed = 0;
  private terminatedBefore = false;

  constructor(config?: Readonly<Record<string, unknown>>) {
    const c = readEnvConfig('CartPole-v1', config, DEFAULTS);
    super(c.seed);
    this.maxEpisodeSteps = c.maxEpisodeSteps;
    this.suttonBartoReward = c.suttonBartoReward;
  }

  resetInto(out: Float32Array, offset: number, seed?: number): void {
    this.beginReset(seed);
    this.x = this.uniform(-0.05, 0.05);
    this.xDot = this.uniform(-0.05, 0.05);
    this.theta = this.uniform(-0.05, 0.05);
    this.thetaDot = this.uniform(-0.05, 0.05);
    this.elapsed = 0;
    this.terminatedBefore = false;
    this.reward = 0;
    this.writeObs(out, offset);
  }

  stepInto(actions: Int32Array | Float32Array, actionOffset: number, out: Float32Array, offset: number): number {
    const force = actions[actionOffset] === 1 ? FORCE_MAG : -FORCE_MAG;
    let x = this.x;
    let xDot = this.xDot;
    let theta = this.theta;
    let thetaDot = this.thetaDot;
    const costheta = Math.cos(theta);
    const sintheta = Math.sin(theta);
    const temp = (force + POLEMASS_LENGTH * (thetaDot * thetaDot) * sintheta) / TOTAL_MASS;
    const thetaacc =
      (GRAVITY * sintheta - costheta * temp) / (LENGTH * (4.0 / 3.0 - (MASSPOLE * (costheta * costheta)) / TOTAL_MASS));
    const xacc = temp - (POLEMASS_LENGTH * thetaacc * costheta) / TOTAL_MASS;
    // Explicit Euler (Gymnasium's default `kinematics_integrator = "euler"`).
    x = x + TAU * xDot;
    xDot = xDot + TAU * xacc;
    theta = theta + TAU * thetaDot;
    thetaDot = thetaDot + TAU * thetaacc;
    this.x = x;
    this.xDot = xDot;
    this.theta = theta;
    this.thetaDot = thetaDot;

    const terminated =
      x < -CARTPOLE_X_THRESHOLD ||
      x > CARTPOLE_X_THRESHOLD ||
      theta < -CARTPOLE_THETA_THRESHOLD ||
      theta > CARTPOLE_THETA_THRESHOLD;
    if (!terminated) {
      this.reward = this.suttonBartoReward ? 0 : 1;
    } else if (!this.terminatedBefore) {
      this.terminatedBefore = true; // the pole just fell
      this.reward = this.suttonBartoReward ? -1 : 1;
    } else {
      // Stepping past termination without a reset: undefined behaviour, rewarded as in Gymnasium.
      this.reward = this.suttonBartoReward ? -1 : 0;
    }
    this.writeObs(out, offset);
    const flags = terminated ? STEP_TERMINATED : 0;
    return ++this.elapsed >= this.maxEpisodeSteps ? flags | STEP_TRUNCATED : flags;
  }

  /** The state [x, ẋ, θ, θ̇] (Gymnasium's `env.unwrapped.state`). */
  getState(): Float64Array {
    return Float64Array.of(this.x, this.xDot, this.theta, this.thetaDot);
  }

  /** Sets the state [x, ẋ, θ, θ̇] (for tests and analysis); keeps the step count. */
  setState(state: ArrayLike<number>): void {
    this.x = state[0] as number;
    this.xDot = state[1] as number;
    this.theta = state[2] as number;
    this.thetaDot = state[3] as number;
    this.terminatedBefore = false;
    this.needsReset = false;
  }

  private writeObs(out: Float32Array, offset: number): void {
    out[offset] = this.x;
    out[offset + 1] = this.xDot;
    out[offset + 2] = this.theta;
    out[offset + 3] = this.thetaDot;
  }
}
