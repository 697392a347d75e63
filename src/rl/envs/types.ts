/**
 * Environment contracts with Gymnasium semantics: `reset({ seed })`, `step(action)` → observation,
 * reward, terminated, truncated, info; Box and Discrete spaces. A `VectorEnv` steps N copies at once
 * into preallocated typed arrays (no allocation per step: the environment is never the bottleneck,
 * see spec/limits.md §1) and hands inference one batched observation matrix.
 */

export interface BoxSpace {
  readonly kind: 'box';
  readonly shape: readonly number[];
  readonly low: Float32Array;
  readonly high: Float32Array;
}

/** The integers 0 … n−1 (Gymnasium's `Discrete`). */
export interface DiscreteSpace {
  readonly kind: 'discrete';
  readonly n: number;
}

/** An observation or action space. */
export type Space = BoxSpace | DiscreteSpace;

/** An action: an integer for Discrete spaces, a vector for Box spaces. */
export type Action = number | Float32Array;

/** What `Env.reset` returns: the first observation and an info object. */
export interface ResetResult {
  readonly observation: Float32Array;
  readonly info: Record<string, unknown>;
}

/** What `Env.step` returns (Gymnasium's five-tuple as an object). */
export interface StepResult {
  readonly observation: Float32Array;
  readonly reward: number;
  /** The episode reached a terminal state of the MDP (no bootstrapping past it). */
  readonly terminated: boolean;
  /** The episode was cut short (time limit): the next state's value must be bootstrapped. */
  readonly truncated: boolean;
  readonly info: Record<string, unknown>;
}

/** A single environment (Gymnasium API). */
export interface Env {
  readonly id: string;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: Space;
  /** Starts an episode; `seed` reseeds the environment's RNG (as Gymnasium's `reset(seed=…)`). */
  reset(options?: { readonly seed?: number }): ResetResult;
  /** Takes one step with `action`; returns the next observation, the reward and whether the episode ended. */
  step(action: Action): StepResult;
}

/** Creates a fresh environment; `config` is plain data from the user's config. */
export type EnvFactory = (config: Readonly<Record<string, unknown>>) => Env;

/**
 * N copies of an environment stepped together, with automatic reset. After `step`, row i of
 * `observations` is the observation the policy acts on next: the first of a new episode when copy i
 * just ended, in which case `finalObservations` row i holds the last observation of the ended episode
 * (needed to bootstrap the value on truncation).
 */
export interface VectorEnv {
  readonly num: number;
  readonly obsDim: number;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: Space;
  /** [num × obsDim], row-major, updated in place by reset/step. */
  readonly observations: Float32Array;
  readonly rewards: Float32Array;
  readonly terminateds: Uint8Array;
  readonly truncateds: Uint8Array;
  /** Last observation (`[num × obsDim]`) of an episode that ended at the latest step (valid where done). */
  readonly finalObservations: Float32Array;
  /** Resets every copy (copy i reseeded from `seed` when given) and writes the first observations. */
  reset(seed?: number): void;
  /** Steps every copy; `actions` is [num] (Discrete, as Int32Array/Float32Array) or [num × actDim] (Box). */
  step(actions: Int32Array | Float32Array): void;
}

/** `stepInto` flag: the episode reached a terminal state. */
export const STEP_TERMINATED = 1;
/** `stepInto` flag: the episode was cut short (time limit). Both flags may be set on one step. */
export const STEP_TRUNCATED = 2;

/**
 * The allocation-free fast path that `VectorEnv` steps. Every built-in environment implements it; a
 * user's environment may (see docs/envs.md) or may implement only `reset`/`step`, in which case
 * `makeEnv`/`createVectorEnv` wrap it with a generic adapter (`asInPlaceEnv`).
 *
 * Observations are written into `out[offset .. offset + obsDim)`; the reward of the latest step is
 * read from `reward`; `stepInto` returns a bit set of `STEP_TERMINATED | STEP_TRUNCATED` (0 while the
 * episode runs). No objects are allocated per step.
 */
export interface InPlaceEnv extends Env {
  /** Numbers per observation (the observation space's flat size). */
  readonly obsDim: number;
  /** Reward of the latest `stepInto`/`step`. */
  readonly reward: number;
  /** Starts an episode (reseeding first when `seed` is given) and writes its first observation. */
  resetInto(out: Float32Array, offset: number, seed?: number): void;
  /**
   * Steps with the action found at `actions[actionOffset]` (Discrete: one number) or
   * `actions[actionOffset .. actionOffset + actDim)` (Box), writes the next observation, and returns
   * the step's flags. Actions are not validated here (`step` and `VectorEnv.step` validate).
   */
  stepInto(actions: Int32Array | Float32Array, actionOffset: number, out: Float32Array, offset: number): number;
}
