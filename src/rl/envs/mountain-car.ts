/**
 * MountainCar-v0 and MountainCarContinuous-v0: an under-powered car in a valley must rock back and
 * forth to reach the flag on the right hill.
 *
 * Dynamics and constants reproduced from Gymnasium 1.x, `gymnasium/envs/classic_control/mountain_car.py`
 * (`MountainCarEnv`) and `continuous_mountain_car.py` (`Continuous_MountainCarEnv`), with the
 * registrations of `gymnasium/envs/__init__.py` (`max_episode_steps` 200 and 999). Both:
 *   v' = clip(v + F − 0.0025·cos(3x), −0.07, 0.07),   x' = clip(x + v', −1.2, 0.6),
 *   v' = 0 when x' = −1.2 and v' < 0 (inelastic wall);   reset x ~ U(−0.6, −0.4), v = 0.
 * - MountainCar-v0: actions {0: left, 1: none, 2: right}, F = (a − 1)·0.001; reward −1 per step;
 *   terminated when x' ≥ 0.5 and v' ≥ goal_velocity (0); truncated after 200 steps.
 * - MountainCarContinuous-v0: action a ∈ [−1, 1] (clipped), F = a·0.0015; reward −0.1·a² per step
 *   (the unclipped action, as Gymnasium) plus 100 on reaching the goal; terminated when x' ≥ 0.45 and
 *   v' ≥ goal_velocity (0); truncated after 999 steps. Gymnasium keeps this env's state as float32
 *   after each step, and so does this one (`Math.fround`).
 * Config: `goalVelocity` (0), `maxEpisodeSteps`, `seed`.
 */
import { InPlaceEnvBase, readEnvConfig } from './in-place.js';
import { box, discrete } from './spaces.js';
import { STEP_TERMINATED, STEP_TRUNCATED } from './types.js';
import type { BoxSpace, DiscreteSpace } from './types.js';

const MIN_POSITION = -1.2;
const MAX_POSITION = 0.6;
const MAX_SPEED = 0.07;
const GRAVITY = 0.0025;
/** MountainCar-v0's goal position. */
export const MOUNTAIN_CAR_GOAL = 0.5;
/** MountainCarContinuous-v0's goal position (0.45, from Arnaud de Broissia's version). */
export const MOUNTAIN_CAR_CONTINUOUS_GOAL = 0.45;
const FORCE = 0.001;
const POWER = 0.0015;

/** State, reset and observation shared by both variants. */
abstract class MountainCarBase extends InPlaceEnvBase {
  readonly observationSpace: BoxSpace = box([MIN_POSITION, -MAX_SPEED], [MAX_POSITION, MAX_SPEED]);
  readonly obsDim = 2;
  readonly maxEpisodeSteps: number;
  readonly goalVelocity: number;

  /** Reads the variant's config (unknown keys are errors) with its own default time limit. */
  constructor(id: string, config: Readonly<Record<string, unknown>> | undefined, maxEpisodeSteps: number) {
    const c = readEnvConfig(id, config, { goalVelocity: 0, maxEpisodeSteps });
    super(c.seed);
    this.maxEpisodeSteps = c.maxEpisodeSteps;
    this.goalVelocity = c.goalVelocity;
  }

  position = 0;
  velocity = 0;
  elapsed = 0;

  /** Starts an episode (reseeding first when `seed` is given) and writes its first observation at `out[offset]`. */
  resetInto(out: Float32Array, offset: number, seed?: number): void {
    this.beginReset(seed);
    this.position = this.uniform(-0.6, -0.4);
    this.velocity = 0;
    this.elapsed = 0;
    this.reward = 0;
    this.writeObs(out, offset);
  }

  /** The state [position, velocity]. */
  getState(): Float64Array {
    return Float64Array.of(this.position, this.velocity);
  }

  /** Sets the state [position, velocity] (for tests and analysis); keeps the step count. */
  setState(state: ArrayLike<number>): void {
    this.position = state[0] as number;
    this.velocity = state[1] as number;
    this.needsReset = false;
  }

  /** Writes the observation `[position, velocity]` at `out[offset]`. */
  protected writeObs(out: Float32Array, offset: number): void {
    out[offset] = this.position;
    out[offset + 1] = this.velocity;
  }
}

/** MountainCar-v0, from Gymnasium's equations (three discrete actions). */
export class MountainCarEnv extends MountainCarBase {
  readonly id = 'MountainCar-v0';
  /** 0: accelerate left, 1: don't accelerate, 2: accelerate right. */
  readonly actionSpace: DiscreteSpace = discrete(3);

  constructor(config?: Readonly<Record<string, unknown>>) {
    super('MountainCar-v0', config, 200);
  }

  /** Steps with the action at `actions[actionOffset]`, writes the next observation at `out[offset]`, returns the step flags. */
  stepInto(actions: Int32Array | Float32Array, actionOffset: number, out: Float32Array, offset: number): number {
    const action = actions[actionOffset] as number;
    let position = this.position;
    let velocity = this.velocity;
    velocity += (action - 1) * FORCE + Math.cos(3 * position) * -GRAVITY;
    velocity = velocity < -MAX_SPEED ? -MAX_SPEED : velocity > MAX_SPEED ? MAX_SPEED : velocity;
    position += velocity;
    position = position < MIN_POSITION ? MIN_POSITION : position > MAX_POSITION ? MAX_POSITION : position;
    if (position === MIN_POSITION && velocity < 0) velocity = 0;
    this.position = position;
    this.velocity = velocity;

    const terminated = position >= MOUNTAIN_CAR_GOAL && velocity >= this.goalVelocity;
    this.reward = -1.0;
    this.writeObs(out, offset);
    const flags = terminated ? STEP_TERMINATED : 0;
    return ++this.elapsed >= this.maxEpisodeSteps ? flags | STEP_TRUNCATED : flags;
  }
}

/** MountainCarContinuous-v0, from Gymnasium's equations (continuous force). */
export class MountainCarContinuousEnv extends MountainCarBase {
  readonly id = 'MountainCarContinuous-v0';
  /** The force, clipped to [−1, 1] by the environment. */
  readonly actionSpace: BoxSpace = box(-1, 1, [1]);

  constructor(config?: Readonly<Record<string, unknown>>) {
    super('MountainCarContinuous-v0', config, 999);
  }

  /** Steps with the action at `actions[actionOffset]`, writes the next observation at `out[offset]`, returns the step flags. */
  stepInto(actions: Int32Array | Float32Array, actionOffset: number, out: Float32Array, offset: number): number {
    const action = actions[actionOffset] as number;
    let position = this.position;
    let velocity = this.velocity;
    const force = Math.min(Math.max(action, -1.0), 1.0);
    velocity += force * POWER - 0.0025 * Math.cos(3 * position);
    if (velocity > MAX_SPEED) velocity = MAX_SPEED;
    if (velocity < -MAX_SPEED) velocity = -MAX_SPEED;
    position += velocity;
    if (position > MAX_POSITION) position = MAX_POSITION;
    if (position < MIN_POSITION) position = MIN_POSITION;
    if (position === MIN_POSITION && velocity < 0) velocity = 0;

    const terminated = position >= MOUNTAIN_CAR_CONTINUOUS_GOAL && velocity >= this.goalVelocity;
    this.reward = (terminated ? 100.0 : 0) - action * action * 0.1;
    // Gymnasium stores this env's state as np.float32.
    this.position = Math.fround(position);
    this.velocity = Math.fround(velocity);
    this.writeObs(out, offset);
    const flags = terminated ? STEP_TERMINATED : 0;
    return ++this.elapsed >= this.maxEpisodeSteps ? flags | STEP_TRUNCATED : flags;
  }
}
