/**
 * `checkEnv`: checks that an environment keeps the contracts rlflow relies on, before a run spends
 * minutes on worker processes (Gymnasium's `check_env`). Spaces are well-formed; `reset({ seed })` and
 * `step(action)` return what the `Env` type says (Float32Array observations of the observation space's
 * size, a finite number reward, boolean flags, an info object); observations and rewards hold no NaN
 * or Inf; observations lie in the observation space; and the same seed and actions give the same
 * episode (determinism, which the local backend's reproducibility and `--resume` build on). Every
 * problem found is reported at once, in one `EnvCheckError`.
 */
import { RlflowError } from '../../ir/errors.js';
import { createRng } from '../../rng/index.js';
import { boxSize, contains, sample } from './spaces.js';
import type { Action, Env, Space } from './types.js';

/** An environment broke a contract; `problems` lists each one. */
export class EnvCheckError extends RlflowError {
  override name = 'EnvCheckError';
  constructor(
    readonly envId: string,
    readonly problems: readonly string[],
  ) {
    super(`environment '${envId}' fails ${problems.length} check(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`, {
      hint: 'see docs/envs.md for the Env contract (reset({ seed }), step(action), spaces)',
    });
  }
}

/** Options of `checkEnv`. */
export interface CheckEnvOptions {
  /** Steps per episode checked (default 50). */
  readonly steps?: number;
  /** Seed of the reset and of the random actions (default 0). */
  readonly seed?: number;
}

function checkSpace(space: Space | undefined, what: string, problems: string[]): void {
  if (!space || typeof space !== 'object') {
    problems.push(`${what} is missing`);
    return;
  }
  if (space.kind === 'discrete') {
    if (!Number.isInteger(space.n) || space.n < 1) problems.push(`${what}: Discrete n must be a positive integer, got ${String(space.n)}`);
    return;
  }
  if (space.kind !== 'box') {
    problems.push(`${what}: unknown space kind '${String((space as { kind?: unknown }).kind)}' (use box() or discrete())`);
    return;
  }
  const size = boxSize(space);
  if (!(size > 0)) problems.push(`${what}: Box shape [${space.shape.join(', ')}] has no elements`);
  if (space.low.length !== size || space.high.length !== size) problems.push(`${what}: Box low/high have ${space.low.length}/${space.high.length} values, shape needs ${size}`);
  for (let i = 0; i < Math.min(space.low.length, space.high.length); i++) {
    if (Number.isNaN(space.low[i]) || Number.isNaN(space.high[i]) || space.low[i]! > space.high[i]!) {
      problems.push(`${what}: Box bounds at ${i} are invalid (low ${space.low[i]}, high ${space.high[i]})`);
      break;
    }
  }
}

/** Problems of one observation (from `where`). */
function checkObservation(env: Env, obs: unknown, where: string, problems: string[]): void {
  const size = boxSize(env.observationSpace);
  if (!(obs instanceof Float32Array)) {
    problems.push(`${where}: observation must be a Float32Array, got ${obs === null ? 'null' : typeof obs === 'object' ? (obs as object).constructor?.name : typeof obs}`);
    return;
  }
  if (obs.length !== size) {
    problems.push(`${where}: observation has ${obs.length} values, the observation space [${env.observationSpace.shape.join(', ')}] has ${size}`);
    return;
  }
  const bad = obs.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) problems.push(`${where}: observation[${bad}] is ${obs[bad]} (NaN or Inf)`);
  else if (!contains(env.observationSpace, obs)) problems.push(`${where}: observation [${Array.from(obs).map((v) => v.toFixed(3)).join(', ')}] lies outside the observation space`);
}

/** One episode's trace: observations and rewards, to compare two runs with the same seed. */
function episode(env: Env, seed: number, steps: number, problems: string[] | undefined): number[] {
  const trace: number[] = [];
  const random = createRng(seed);
  const reset = env.reset({ seed });
  if (problems) {
    if (!reset || typeof reset !== 'object') {
      problems.push(`reset({ seed }) must return { observation, info }, got ${String(reset)}`);
      return trace;
    }
    checkObservation(env, reset.observation, 'reset()', problems);
    if (typeof reset.info !== 'object' || reset.info === null) problems.push('reset(): info must be an object');
  }
  trace.push(...Array.from(reset?.observation ?? []));
  for (let t = 0; t < steps; t++) {
    const action: Action = sample(env.actionSpace, random);
    const r = env.step(action);
    if (problems) {
      const where = `step ${t + 1}`;
      if (!r || typeof r !== 'object') {
        problems.push(`${where}: step(action) must return { observation, reward, terminated, truncated, info }, got ${String(r)}`);
        return trace;
      }
      checkObservation(env, r.observation, where, problems);
      if (typeof r.reward !== 'number' || !Number.isFinite(r.reward)) problems.push(`${where}: reward must be a finite number, got ${String(r.reward)}`);
      if (typeof r.terminated !== 'boolean' || typeof r.truncated !== 'boolean') problems.push(`${where}: terminated and truncated must be booleans, got ${typeof r.terminated} and ${typeof r.truncated}`);
      if (typeof r.info !== 'object' || r.info === null) problems.push(`${where}: info must be an object`);
      // The first step that breaks a contract says enough; later steps would repeat it.
      if (problems.length) return trace;
    }
    trace.push(...Array.from(r?.observation ?? []), r?.reward ?? Number.NaN);
    if (r?.terminated || r?.truncated) break;
  }
  return trace;
}

/**
 * Checks an environment (see the module comment); throws an `EnvCheckError` listing every problem.
 * Give a factory to also check that two fresh copies agree under a seed (else the same env is reset
 * twice with the seed).
 *
 * @example
 *   checkEnv(() => makeEnv('CartPole-v1'));
 */
export function checkEnv(env: Env | (() => Env), options: CheckEnvOptions = {}): void {
  const make = typeof env === 'function' ? env : () => env;
  const first = make();
  const id = typeof first.id === 'string' ? first.id : 'unnamed';
  const problems: string[] = [];
  checkSpace(first.observationSpace, 'observationSpace', problems);
  checkSpace(first.actionSpace, 'actionSpace', problems);
  if (first.observationSpace?.kind !== 'box') problems.push('observationSpace must be a Box (rlflow policies take flat float observations)');
  if (problems.length) throw new EnvCheckError(id, problems);
  const steps = options.steps ?? 50;
  const seed = options.seed ?? 0;
  let a: number[];
  try {
    a = episode(first, seed, steps, problems);
  } catch (e) {
    throw new EnvCheckError(id, [...problems, `reset/step threw: ${(e as Error).message}`]);
  }
  if (problems.length) throw new EnvCheckError(id, problems);
  const b = episode(make(), seed, steps, undefined);
  const at = a.findIndex((v, i) => !Object.is(v, b[i]));
  if (at >= 0 || a.length !== b.length) {
    problems.push(`not deterministic: the same seed (${seed}) and actions gave a different episode (first difference at value ${at >= 0 ? at : Math.min(a.length, b.length)}); seed its randomness from reset({ seed })`);
    throw new EnvCheckError(id, problems);
  }
}
