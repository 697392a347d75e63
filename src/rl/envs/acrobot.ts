/**
 * Acrobot-v1: two links hanging from a fixed joint, torque on the middle joint only; swing the tip
 * above a line one link-length over the pivot.
 *
 * Dynamics and constants reproduced from Gymnasium 1.x, `gymnasium/envs/classic_control/acrobot.py`
 * (`AcrobotEnv`, from RLPy) with the registration of `gymnasium/envs/__init__.py`
 * (`max_episode_steps=500`, `reward_threshold=-100`): link lengths 1, masses 1, centres of mass 0.5,
 * moments of inertia 1, g = 9.8, dt = 0.2, torques {−1, 0, +1}, |θ̇₁| ≤ 4π, |θ̇₂| ≤ 9π. One classic RK4
 * step of `_dsdt` (the "book" equations by default; config `bookOrNips: 'nips'` selects the NeurIPS
 * paper's), then θ₁, θ₂ wrapped to [−π, π] and the velocities clipped. Terminated when
 * −cos θ₁ − cos(θ₂ + θ₁) > 1; reward −1 per step, 0 on the terminating step; truncated after 500
 * steps. Observation [cos θ₁, sin θ₁, cos θ₂, sin θ₂, θ̇₁, θ̇₂]. Reset: all four state variables
 * ~ U(−0.1, 0.1), rounded to float32 as Gymnasium does. Config: `maxEpisodeSteps` (500),
 * `bookOrNips` ('book'), `torqueNoiseMax` (0: uniform noise added to the torque), `seed`.
 */
import { InPlaceEnvBase, readEnvConfig } from './in-place.js';
import { box, discrete } from './spaces.js';
import { STEP_TERMINATED, STEP_TRUNCATED } from './types.js';
import type { BoxSpace, DiscreteSpace } from './types.js';

const DT = 0.2;
const LINK_LENGTH_1 = 1.0;
const LINK_MASS_1 = 1.0;
const LINK_MASS_2 = 1.0;
const LINK_COM_POS_1 = 0.5;
const LINK_COM_POS_2 = 0.5;
const LINK_MOI = 1.0;
const G = 9.8;
const PI = Math.PI;
export const ACROBOT_MAX_VEL_1 = 4 * PI;
export const ACROBOT_MAX_VEL_2 = 9 * PI;
const AVAIL_TORQUE = [-1.0, 0.0, 1.0] as const;

const DEFAULTS = { maxEpisodeSteps: 500, bookOrNips: 'book', torqueNoiseMax: 0 };

/** Gymnasium's `wrap`: shifts x by whole periods into [m, M]. */
function wrap(x: number, m: number, M: number): number {
  const diff = M - m;
  while (x > M) x = x - diff;
  while (x < m) x = x + diff;
  return x;
}

function bound(x: number, m: number, M: number): number {
  return Math.min(Math.max(x, m), M);
}

export class AcrobotEnv extends InPlaceEnvBase {
  readonly id = 'Acrobot-v1';
  readonly observationSpace: BoxSpace = box(
    [-1, -1, -1, -1, -ACROBOT_MAX_VEL_1, -ACROBOT_MAX_VEL_2],
    [1, 1, 1, 1, ACROBOT_MAX_VEL_1, ACROBOT_MAX_VEL_2],
  );
  /** Torque on the middle joint: 0 → −1, 1 → 0, 2 → +1. */
  readonly actionSpace: DiscreteSpace = discrete(3);
  readonly obsDim = 6;
  readonly maxEpisodeSteps: number;
  readonly book: boolean;
  readonly torqueNoiseMax: number;

  /** θ₁ (0 = first link pointing down), θ₂ (relative to the first link) and their velocities. */
  theta1 = 0;
  theta2 = 0;
  dtheta1 = 0;
  dtheta2 = 0;
  elapsed = 0;
  /** RK4 scratch: one derivative evaluation [θ̇₁, θ̇₂, θ̈₁, θ̈₂]. */
  private readonly k = new Float64Array(4);

  constructor(config?: Readonly<Record<string, unknown>>) {
    const c = readEnvConfig('Acrobot-v1', config, DEFAULTS);
    if (c.bookOrNips !== 'book' && c.bookOrNips !== 'nips') {
      throw new Error(`Acrobot-v1: config key "bookOrNips" must be 'book' or 'nips', got ${JSON.stringify(c.bookOrNips)}`);
    }
    super(c.seed);
    this.maxEpisodeSteps = c.maxEpisodeSteps;
    this.book = c.bookOrNips === 'book';
    this.torqueNoiseMax = c.torqueNoiseMax;
  }

  resetInto(out: Float32Array, offset: number, seed?: number): void {
    this.beginReset(seed);
    // Gymnasium: `uniform(-0.1, 0.1, size=(4,)).astype(np.float32)`.
    this.theta1 = Math.fround(this.uniform(-0.1, 0.1));
    this.theta2 = Math.fround(this.uniform(-0.1, 0.1));
    this.dtheta1 = Math.fround(this.uniform(-0.1, 0.1));
    this.dtheta2 = Math.fround(this.uniform(-0.1, 0.1));
    this.elapsed = 0;
    this.reward = 0;
    this.writeObs(out, offset);
  }

  stepInto(actions: Int32Array | Float32Array, actionOffset: number, out: Float32Array, offset: number): number {
    let torque = AVAIL_TORQUE[actions[actionOffset] as 0 | 1 | 2];
    if (this.torqueNoiseMax > 0) torque += this.uniform(-this.torqueNoiseMax, this.torqueNoiseMax);

    // rk4(_dsdt, [s, torque], [0, dt]): one step; the torque's derivative is 0 so it stays constant.
    const k = this.k;
    const y0 = this.theta1;
    const y1 = this.theta2;
    const y2 = this.dtheta1;
    const y3 = this.dtheta2;
    const dt = DT;
    const dt2 = dt / 2.0;
    this.dsdt(y0, y1, y2, y3, torque, k);
    const k10 = k[0] as number, k11 = k[1] as number, k12 = k[2] as number, k13 = k[3] as number;
    this.dsdt(y0 + dt2 * k10, y1 + dt2 * k11, y2 + dt2 * k12, y3 + dt2 * k13, torque, k);
    const k20 = k[0] as number, k21 = k[1] as number, k22 = k[2] as number, k23 = k[3] as number;
    this.dsdt(y0 + dt2 * k20, y1 + dt2 * k21, y2 + dt2 * k22, y3 + dt2 * k23, torque, k);
    const k30 = k[0] as number, k31 = k[1] as number, k32 = k[2] as number, k33 = k[3] as number;
    this.dsdt(y0 + dt * k30, y1 + dt * k31, y2 + dt * k32, y3 + dt * k33, torque, k);
    const k40 = k[0] as number, k41 = k[1] as number, k42 = k[2] as number, k43 = k[3] as number;
    const n0 = y0 + (dt / 6.0) * (k10 + 2 * k20 + 2 * k30 + k40);
    const n1 = y1 + (dt / 6.0) * (k11 + 2 * k21 + 2 * k31 + k41);
    const n2 = y2 + (dt / 6.0) * (k12 + 2 * k22 + 2 * k32 + k42);
    const n3 = y3 + (dt / 6.0) * (k13 + 2 * k23 + 2 * k33 + k43);

    this.theta1 = wrap(n0, -PI, PI);
    this.theta2 = wrap(n1, -PI, PI);
    this.dtheta1 = bound(n2, -ACROBOT_MAX_VEL_1, ACROBOT_MAX_VEL_1);
    this.dtheta2 = bound(n3, -ACROBOT_MAX_VEL_2, ACROBOT_MAX_VEL_2);

    const terminated = -Math.cos(this.theta1) - Math.cos(this.theta2 + this.theta1) > 1.0;
    this.reward = terminated ? 0.0 : -1.0;
    this.writeObs(out, offset);
    const flags = terminated ? STEP_TERMINATED : 0;
    return ++this.elapsed >= this.maxEpisodeSteps ? flags | STEP_TRUNCATED : flags;
  }

  /** Gymnasium's `_dsdt`: writes [θ̇₁, θ̇₂, θ̈₁, θ̈₂] into `out`. */
  private dsdt(theta1: number, theta2: number, dtheta1: number, dtheta2: number, a: number, out: Float64Array): void {
    const m1 = LINK_MASS_1;
    const m2 = LINK_MASS_2;
    const l1 = LINK_LENGTH_1;
    const lc1 = LINK_COM_POS_1;
    const lc2 = LINK_COM_POS_2;
    const I1 = LINK_MOI;
    const I2 = LINK_MOI;
    const g = G;
    const d1 = m1 * lc1 ** 2 + m2 * (l1 ** 2 + lc2 ** 2 + 2 * l1 * lc2 * Math.cos(theta2)) + I1 + I2;
    const d2 = m2 * (lc2 ** 2 + l1 * lc2 * Math.cos(theta2)) + I2;
    const phi2 = m2 * lc2 * g * Math.cos(theta1 + theta2 - PI / 2.0);
    const phi1 =
      -m2 * l1 * lc2 * dtheta2 ** 2 * Math.sin(theta2) -
      2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * Math.sin(theta2) +
      (m1 * lc1 + m2 * l1) * g * Math.cos(theta1 - PI / 2) +
      phi2;
    const ddtheta2 = this.book
      ? (a + (d2 / d1) * phi1 - m2 * l1 * lc2 * dtheta1 ** 2 * Math.sin(theta2) - phi2) / (m2 * lc2 ** 2 + I2 - d2 ** 2 / d1)
      : (a + (d2 / d1) * phi1 - phi2) / (m2 * lc2 ** 2 + I2 - d2 ** 2 / d1);
    const ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
    out[0] = dtheta1;
    out[1] = dtheta2;
    out[2] = ddtheta1;
    out[3] = ddtheta2;
  }

  /** The state [θ₁, θ₂, θ̇₁, θ̇₂]. */
  getState(): Float64Array {
    return Float64Array.of(this.theta1, this.theta2, this.dtheta1, this.dtheta2);
  }

  /** Sets the state [θ₁, θ₂, θ̇₁, θ̇₂] (for tests and analysis); keeps the step count. */
  setState(state: ArrayLike<number>): void {
    this.theta1 = state[0] as number;
    this.theta2 = state[1] as number;
    this.dtheta1 = state[2] as number;
    this.dtheta2 = state[3] as number;
    this.needsReset = false;
  }

  private writeObs(out: Float32Array, offset: number): void {
    out[offset] = Math.cos(this.theta1);
    out[offset + 1] = Math.sin(this.theta1);
    out[offset + 2] = Math.cos(this.theta2);
    out[offset + 3] = Math.sin(this.theta2);
    out[offset + 4] = this.dtheta1;
    out[offset + 5] = this.dtheta2;
  }
}
