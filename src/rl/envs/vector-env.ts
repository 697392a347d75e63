/**
 * `createVectorEnv`: N copies of an environment stepped together into preallocated typed arrays, with
 * automatic reset, so a rollout worker runs one batched forward pass for all copies per step
 * (spec/limits.md §1, §3). Each copy steps through the allocation-free `stepInto`; nothing is
 * allocated per step. Copy i is seeded with `deriveSeed(seed, 'env', i)`, so one seed fixes every
 * copy's episodes and copies never share a random stream.
 */
import { deriveSeed } from '../../rng/index.js';
import { asInPlaceEnv } from './in-place.js';
import { makeEnv } from './registry.js';
import { actionDim } from './spaces.js';
import type { BoxSpace, EnvFactory, InPlaceEnv, Space, VectorEnv } from './types.js';

export interface VectorEnvOptions {
  /** Number of copies (0 is allowed: spaces only, as on a learner that never samples). */
  readonly num: number;
  /** Passed to every copy's factory (`makeEnv(id, config)`). */
  readonly config?: Readonly<Record<string, unknown>>;
  /** Root seed of the copies' seeds (default 0); the copies are reset with it on creation. */
  readonly seed?: number;
}

/**
 * A vector env over `num` copies of a registered id or of `factory(config)`.
 *
 * @example
 *   const venv = createVectorEnv('CartPole-v1', { num: 8, seed: 1 });
 *   const actions = new Int32Array(8);
 *   venv.step(actions); // venv.observations, .rewards, .terminateds, .truncateds now hold the step
 */
export function createVectorEnv(env: string | EnvFactory, options: VectorEnvOptions): SyncVectorEnv {
  const { num, config = {}, seed = 0 } = options;
  if (!Number.isInteger(num) || num < 0) throw new Error(`createVectorEnv(): num must be a non-negative integer, got ${num}`);
  const make = typeof env === 'string' ? () => makeEnv(env, config) : () => asInPlaceEnv(env(config));
  const envs: InPlaceEnv[] = [];
  for (let i = 0; i < num; i++) envs.push(make());
  return new SyncVectorEnv(envs, envs[0] ?? make(), seed);
}

/**
 * The `VectorEnv` implementation: copies stepped one after another in this thread (Gymnasium's
 * `SyncVectorEnv`, with same-step auto-reset: after a copy's episode ends, its row of `observations`
 * holds the next episode's first observation and `finalObservations` the ended episode's last).
 */
export class SyncVectorEnv implements VectorEnv {
  readonly num: number;
  readonly id: string;
  readonly obsDim: number;
  /** Numbers per action in `step`'s actions array (1 for Discrete). */
  readonly actionDim: number;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: Space;
  readonly observations: Float32Array;
  readonly rewards: Float32Array;
  readonly terminateds: Uint8Array;
  readonly truncateds: Uint8Array;
  readonly finalObservations: Float32Array;
  /** Number of copies whose episode ended at the latest step. */
  doneCount = 0;
  private readonly discreteN: number;

  /** `probe` supplies the spaces (it is `envs[0]` unless there are no copies). Use `createVectorEnv`. */
  constructor(
    readonly envs: readonly InPlaceEnv[],
    probe: InPlaceEnv,
    seed: number,
  ) {
    this.num = envs.length;
    this.id = probe.id;
    this.obsDim = probe.obsDim;
    this.observationSpace = probe.observationSpace;
    this.actionSpace = probe.actionSpace;
    this.actionDim = actionDim(this.actionSpace);
    this.discreteN = this.actionSpace.kind === 'discrete' ? this.actionSpace.n : 0;
    for (const e of envs) {
      if (e.obsDim !== this.obsDim) throw new Error(`createVectorEnv(): copies of "${this.id}" disagree on obsDim`);
    }
    this.observations = new Float32Array(this.num * this.obsDim);
    this.finalObservations = new Float32Array(this.num * this.obsDim);
    this.rewards = new Float32Array(this.num);
    this.terminateds = new Uint8Array(this.num);
    this.truncateds = new Uint8Array(this.num);
    this.reset(seed);
  }

  /**
   * Resets every copy. With a seed, copy i is reseeded with `deriveSeed(seed, 'env', i)`; without,
   * each copy goes on with its own random stream.
   */
  reset(seed?: number): void {
    const { envs, obsDim } = this;
    for (let i = 0; i < envs.length; i++) {
      (envs[i] as InPlaceEnv).resetInto(this.observations, i * obsDim, seed === undefined ? undefined : deriveSeed(seed, 'env', i));
    }
    this.rewards.fill(0);
    this.terminateds.fill(0);
    this.truncateds.fill(0);
    this.doneCount = 0;
  }

  /**
   * Steps every copy with its action: `actions[i]` (Discrete: an integer in [0, n)) or
   * `actions[i·actionDim … (i+1)·actionDim)` (Box). Copies whose episode ends are reset at once.
   */
  step(actions: Int32Array | Float32Array): void {
    const { envs, obsDim, actionDim: actDim, observations, finalObservations, rewards, terminateds, truncateds } = this;
    const num = envs.length;
    if (actions.length !== num * actDim) {
      throw new Error(`${this.id} vector env: expected ${num * actDim} action values (${num} copies × ${actDim}), got ${actions.length}`);
    }
    const n = this.discreteN;
    if (n > 0) {
      for (let i = 0; i < num; i++) {
        const a = actions[i] as number;
        if (!(a >= 0 && a < n && Math.floor(a) === a)) {
          throw new Error(`${this.id} vector env: invalid action ${a} for copy ${i} (Discrete(${n}))`);
        }
      }
    }
    let done = 0;
    for (let i = 0; i < num; i++) {
      const env = envs[i] as InPlaceEnv;
      const off = i * obsDim;
      const flags = env.stepInto(actions, i * actDim, observations, off);
      rewards[i] = env.reward;
      // NOTE: literal flag values (STEP_TERMINATED = 1, STEP_TRUNCATED = 2): with the imported
      // constants this loop measured slower on Node 20 (module bindings are re-read every step).
      terminateds[i] = flags & 1;
      truncateds[i] = (flags & 2) >>> 1;
      if (flags !== 0) {
        for (let j = off; j < off + obsDim; j++) finalObservations[j] = observations[j] as number;
        env.resetInto(observations, off);
        done++;
      }
    }
    this.doneCount = done;
  }
}
