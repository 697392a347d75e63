/**
 * The plumbing shared by every environment: `InPlaceEnvBase` derives Gymnasium's `reset`/`step` (which
 * allocate a fresh observation and result object) from the allocation-free `resetInto`/`stepInto` that
 * `VectorEnv` uses, so an environment writes its dynamics once. `asInPlaceEnv` adapts a user's plain
 * `Env` (only `reset`/`step`) to the fast-path interface, and `TimeLimit` adds Gymnasium's
 * `max_episode_steps` truncation to any environment. `readEnvConfig` validates `makeEnv` configs.
 */
import { createRng } from '../../rng/index.js';
import { actionDim, boxSize, contains } from './spaces.js';
import { STEP_TERMINATED, STEP_TRUNCATED } from './types.js';
import type { Action, BoxSpace, Env, InPlaceEnv, ResetResult, Space, StepResult } from './types.js';

/**
 * Base class of environments that implement the fast path. Subclasses implement `resetInto` and
 * `stepInto` (and set `reward`); `reset` and `step` come from here.
 */
export abstract class InPlaceEnvBase implements InPlaceEnv {
  abstract readonly id: string;
  abstract readonly observationSpace: BoxSpace;
  abstract readonly actionSpace: Space;
  abstract readonly obsDim: number;
  reward = 0;
  /** The environment's PRNG (uniform floats in [0, 1)); replaced when a reset passes a seed. */
  protected random: () => number;
  /** True until the first reset: `step` refuses to run before it (Gymnasium's OrderEnforcing). */
  protected needsReset = true;
  private actionScratch: Float32Array | undefined;

  /** `seed` seeds the PRNG used until a reset passes another one (default 0, so runs are reproducible). */
  constructor(seed = 0) {
    this.random = createRng(seed);
  }

  abstract resetInto(out: Float32Array, offset: number, seed?: number): void;
  abstract stepInto(actions: Int32Array | Float32Array, actionOffset: number, out: Float32Array, offset: number): number;

  /** Reseeds the PRNG when `seed` is given (call first thing in `resetInto`) and marks the env started. */
  protected beginReset(seed: number | undefined): void {
    if (seed !== undefined) this.random = createRng(seed);
    this.needsReset = false;
  }

  /** A uniform draw in [low, high), as numpy's `uniform(low, high)`. */
  protected uniform(low: number, high: number): number {
    return low + (high - low) * this.random();
  }

  reset(options?: { readonly seed?: number }): ResetResult {
    const observation = new Float32Array(this.obsDim);
    this.resetInto(observation, 0, options?.seed);
    return { observation, info: {} };
  }

  step(action: Action): StepResult {
    if (this.needsReset) throw new Error(`${this.id}: call reset() before step()`);
    const scratch = (this.actionScratch ??= new Float32Array(actionDim(this.actionSpace)));
    encodeAction(this.id, this.actionSpace, action, scratch);
    const observation = new Float32Array(this.obsDim);
    const flags = this.stepInto(scratch, 0, observation, 0);
    return {
      observation,
      reward: this.reward,
      terminated: (flags & STEP_TERMINATED) !== 0,
      truncated: (flags & STEP_TRUNCATED) !== 0,
      info: {},
    };
  }
}

/** Validates a single `step()` action and writes it into `out` (the fast path's action layout). */
function encodeAction(id: string, space: Space, action: Action, out: Float32Array): void {
  if (space.kind === 'discrete') {
    if (!contains(space, action)) throw new Error(`${id}: invalid action ${String(action)} for Discrete(${space.n})`);
    out[0] = action as number;
    return;
  }
  if (typeof action === 'number') {
    if (out.length !== 1) throw new Error(`${id}: expected an action of ${out.length} numbers, got a number`);
    out[0] = action;
    return;
  }
  if (!(action instanceof Float32Array) || action.length !== out.length) {
    throw new Error(`${id}: expected a Float32Array action of length ${out.length}`);
  }
  out.set(action);
}

/** Whether `env` implements the fast path itself. */
export function isInPlaceEnv(env: Env): env is InPlaceEnv {
  const e = env as Partial<InPlaceEnv>;
  return typeof e.stepInto === 'function' && typeof e.resetInto === 'function' && typeof e.obsDim === 'number';
}

/** `env` itself when it implements the fast path, otherwise a `SteppingEnvAdapter` around it. */
export function asInPlaceEnv(env: Env): InPlaceEnv {
  return isInPlaceEnv(env) ? env : new SteppingEnvAdapter(env);
}

/**
 * Gives a plain `Env` (only `reset`/`step`) the fast-path interface: `stepInto` calls `step` and copies
 * the observation into place. It allocates what the wrapped env allocates, so it is as fast as that
 * env's `step`; `reset` and `step` go straight to the wrapped env (keeping its `info`).
 */
export class SteppingEnvAdapter implements InPlaceEnv {
  readonly id: string;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: Space;
  readonly obsDim: number;
  reward = 0;
  private readonly actDim: number;

  constructor(readonly inner: Env) {
    this.id = inner.id;
    this.observationSpace = inner.observationSpace;
    this.actionSpace = inner.actionSpace;
    if (this.observationSpace?.kind !== 'box') throw new Error(`${this.id}: the observation space must be a Box`);
    this.obsDim = boxSize(this.observationSpace);
    this.actDim = actionDim(this.actionSpace);
  }

  reset(options?: { readonly seed?: number }): ResetResult {
    const result = this.inner.reset(options);
    this.checkObservation(result.observation, 'reset');
    return result;
  }

  step(action: Action): StepResult {
    const result = this.inner.step(action);
    this.checkObservation(result.observation, 'step');
    this.reward = result.reward;
    return result;
  }

  resetInto(out: Float32Array, offset: number, seed?: number): void {
    const { observation } = this.reset(seed === undefined ? undefined : { seed });
    out.set(observation, offset);
  }

  stepInto(actions: Int32Array | Float32Array, actionOffset: number, out: Float32Array, offset: number): number {
    // A fresh action each step: the wrapped env may keep a reference to it.
    const action: Action =
      this.actionSpace.kind === 'discrete'
        ? (actions[actionOffset] as number)
        : Float32Array.from(actions.subarray(actionOffset, actionOffset + this.actDim));
    const result = this.step(action);
    out.set(result.observation, offset);
    return (result.terminated ? STEP_TERMINATED : 0) | (result.truncated ? STEP_TRUNCATED : 0);
  }

  private checkObservation(obs: Float32Array, where: string): void {
    if (!(obs instanceof Float32Array) || obs.length !== this.obsDim) {
      throw new Error(`${this.id}: ${where}() must return a Float32Array observation of length ${this.obsDim}`);
    }
  }
}

/**
 * Gymnasium's `TimeLimit`: truncates an episode after `maxEpisodeSteps` steps (the flag is added to the
 * step's flags, so a step can be both terminated and truncated, as in Gymnasium).
 */
export class TimeLimit implements InPlaceEnv {
  readonly id: string;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: Space;
  readonly obsDim: number;
  reward = 0;
  private elapsed = 0;
  private started = false;

  constructor(
    readonly inner: InPlaceEnv,
    readonly maxEpisodeSteps: number,
  ) {
    if (!(maxEpisodeSteps > 0)) throw new Error(`${inner.id}: maxEpisodeSteps must be positive, got ${maxEpisodeSteps}`);
    this.id = inner.id;
    this.observationSpace = inner.observationSpace;
    this.actionSpace = inner.actionSpace;
    this.obsDim = inner.obsDim;
  }

  reset(options?: { readonly seed?: number }): ResetResult {
    this.started = true;
    this.elapsed = 0;
    return this.inner.reset(options);
  }

  step(action: Action): StepResult {
    if (!this.started) throw new Error(`${this.id}: call reset() before step()`);
    const result = this.inner.step(action);
    this.reward = result.reward;
    return ++this.elapsed >= this.maxEpisodeSteps && !result.truncated ? { ...result, truncated: true } : result;
  }

  resetInto(out: Float32Array, offset: number, seed?: number): void {
    this.started = true;
    this.elapsed = 0;
    this.inner.resetInto(out, offset, seed);
  }

  stepInto(actions: Int32Array | Float32Array, actionOffset: number, out: Float32Array, offset: number): number {
    const flags = this.inner.stepInto(actions, actionOffset, out, offset);
    this.reward = this.inner.reward;
    return ++this.elapsed >= this.maxEpisodeSteps ? flags | STEP_TRUNCATED : flags;
  }
}

/** Accepted `makeEnv` config keys of a built-in environment, with their defaults. */
export type ConfigDefaults = Readonly<Record<string, number | boolean | string>>;

/** A validated config: the defaults' keys with their value types, plus `seed`. */
export type EnvConfig<D extends ConfigDefaults> = {
  -readonly [K in keyof D]: D[K] extends number ? number : D[K] extends boolean ? boolean : string;
} & { seed: number };

/**
 * Validates a built-in environment's config: every key must be one of `defaults` (plus `seed`, the
 * initial PRNG seed) and have the default's type. Returns the defaults overridden by the config.
 * Errors name the environment and the key.
 */
export function readEnvConfig<D extends ConfigDefaults>(
  id: string,
  config: Readonly<Record<string, unknown>> | undefined,
  defaults: D,
): EnvConfig<D> {
  const out: Record<string, unknown> = { ...defaults, seed: 0 };
  for (const [key, value] of Object.entries(config ?? {})) {
    if (value === undefined) continue;
    if (!(key in out)) {
      throw new Error(`${id}: unknown config key "${key}" (accepted: ${[...Object.keys(defaults), 'seed'].join(', ')})`);
    }
    const expected = typeof out[key];
    if (typeof value !== expected || (expected === 'number' && Number.isNaN(value))) {
      throw new Error(`${id}: config key "${key}" must be a ${expected}, got ${JSON.stringify(value)}`);
    }
    out[key] = value;
  }
  const steps = out.maxEpisodeSteps;
  if (steps !== undefined && !(typeof steps === 'number' && steps > 0 && (Number.isInteger(steps) || steps === Infinity))) {
    throw new Error(`${id}: config key "maxEpisodeSteps" must be a positive integer (or Infinity), got ${String(steps)}`);
  }
  return out as EnvConfig<D>;
}
