/**
 * Pendulum-v1: swing a frictionless pendulum up and keep it upright with a bounded torque.
 *
 * Dynamics and constants reproduced from Gymnasium 1.x, `gymnasium/envs/classic_control/pendulum.py`
 * (`PendulumEnv`) with the registration of `gymnasium/envs/__init__.py` (`max_episode_steps=200`):
 * g = 10 (config `g`), m = l = 1, dt = 0.05, |θ̇| ≤ 8, |u| ≤ 2 (the action is clipped);
 *   cost  = angle_normalize(θ)² + 0.1·θ̇² + 0.001·u²      (reward = −cost, from the state before the step)
 *   θ̇'    = clip(θ̇ + (3g/(2l)·sin θ + 3/(m l²)·u)·dt, −8, 8),   θ' = θ + θ̇'·dt
 * with θ = 0 upright and angle_normalize(x) = ((x + π) mod 2π) − π (Python's floored modulo). Never
 * terminates; truncated after 200 steps. Observation [cos θ, sin θ, θ̇]. Reset: θ ~ U(−π, π),
 * θ̇ ~ U(−1, 1). Config: `g` (10), `maxEpisodeSteps` (200), `seed`.
 */
import { InPlaceEnvBase, readEnvConfig } from './in-place.js';
import { box } from './spaces.js';
import { STEP_TRUNCATED } from './types.js';
import type { BoxSpace } from './types.js';

const MAX_SPEED = 8;
const MAX_TORQUE = 2.0;
const DT = 0.05;
const M = 1.0;
const L = 1.0;
const TWO_PI = 2 * Math.PI;

const DEFAULTS = { g: 10.0, maxEpisodeSteps: 200 };

/** Gymnasium's `angle_normalize`: maps x to [−π, π) with Python's (floored) float modulo. */
export function angleNormalize(x: number): number {
  let r = (x + Math.PI) % TWO_PI; // C fmod, then fixed up to the divisor's sign like Python's `%`
  if (r < 0) r += TWO_PI;
  return r - Math.PI;
}

export class PendulumEnv extends InPlaceEnvBase {
  readonly id = 'Pendulum-v1';
  readonly observationSpace: BoxSpace = box([-1, -1, -MAX_SPEED], [1, 1, MAX_SPEED]);
  /** The torque, clipped to [−2, 2] by the environment. */
  readonly actionSpace: BoxSpace = box(-MAX_TORQUE, MAX_TORQUE, [1]);
  readonly obsDim = 3;
  readonly g: number;
  readonly maxEpisodeSteps: number;

  /** Angle (0 = upright, not wrapped) and angular velocity. */
  theta = 0;
  thetaDot = 0;
  elapsed = 0;

  constructor(config?: Readonly<Record<string, unknown>>) {
    const c = readEnvConfig('Pendulum-v1', config, DEFAULTS);
    super(c.seed);
    this.g = c.g;
    this.maxEpisodeSteps = c.maxEpisodeSteps;
  }

  resetInto(out: Float32Array, offset: number, seed?: number): void {
    this.beginReset(seed);
    this.theta = this.uniform(-Math.PI, Math.PI);
    this.thetaDot = this.uniform(-1, 1);
    this.elapsed = 0;
    this.reward = 0;
    this.writeObs(out, offset);
  }

  stepInto(actions: Int32Array | Float32Array, actionOffset: number, out: Float32Array, offset: number): number {
    const th = this.theta;
    const thdot = this.thetaDot;
    const a = actions[actionOffset] as number;
    const u = a < -MAX_TORQUE ? -MAX_TORQUE : a > MAX_TORQUE ? MAX_TORQUE : a;
    const thn = angleNormalize(th);
    const costs = thn * thn + 0.1 * thdot * thdot + 0.001 * (u * u);

    let newthdot = thdot + (((3 * this.g) / (2 * L)) * Math.sin(th) + (3.0 / (M * L * L)) * u) * DT;
    newthdot = newthdot < -MAX_SPEED ? -MAX_SPEED : newthdot > MAX_SPEED ? MAX_SPEED : newthdot;
    this.theta = th + newthdot * DT;
    this.thetaDot = newthdot;

    this.reward = -costs;
    this.writeObs(out, offset);
    return ++this.elapsed >= this.maxEpisodeSteps ? STEP_TRUNCATED : 0;
  }

  /** The state [θ, θ̇]. */
  getState(): Float64Array {
    return Float64Array.of(this.theta, this.thetaDot);
  }

  /** Sets the state [θ, θ̇] (for tests and analysis); keeps the step count. */
  setState(state: ArrayLike<number>): void {
    this.theta = state[0] as number;
    this.thetaDot = state[1] as number;
    this.needsReset = false;
  }

  private writeObs(out: Float32Array, offset: number): void {
    out[offset] = Math.cos(this.theta);
    out[offset + 1] = Math.sin(this.theta);
    out[offset + 2] = this.thetaDot;
  }
}
