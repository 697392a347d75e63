/**
 * Numeric guards: NaN and ±Infinity are caught where they first appear instead of silently training a
 * policy to all-NaN weights. Two levels (the `numericChecks` config key): `cheap` (default) checks env
 * observations and rewards at every step, learner stats, gradients and weights at every learner call,
 * which costs a few passes over arrays the code touches anyway; `full` adds every minibatch's stats,
 * every train batch's columns and every policy output while sampling, for debugging.
 */
import { NumericError } from '../../ir/errors.js';

export type NumericChecks = 'cheap' | 'full';

/** Index of the first NaN or infinity in `values`, or -1. */
export function firstNonFinite(values: ArrayLike<number>): number {
  // NOTE: a running sum is finite iff every term is (barring float overflow), so the common case is
  // one tight loop with no branch per element; only a bad sum pays for the search.
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  if (Number.isFinite(sum)) return -1;
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return i;
  return -1;
}

function describe(value: number): string {
  return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
}

/** Throws a `NumericError` naming `what` (and the index) if `values` holds a NaN or an infinity. */
export function assertFinite(values: ArrayLike<number>, what: string, hint?: string): void {
  const i = firstNonFinite(values);
  if (i >= 0) throw new NumericError(`${what} is not finite: ${describe(values[i]!)} at index ${i}`, hint ? { hint } : {});
}

/** `assertFinite` over several arrays (weights or gradients, one per variable). */
export function assertFiniteArrays(arrays: readonly ArrayLike<number>[], what: string, hint?: string): void {
  arrays.forEach((a, k) => assertFinite(a, `${what} (array ${k})`, hint));
}

/** Throws if a stats record (loss, kl, …) holds a NaN or an infinity, naming the key. */
export function assertFiniteStats(stats: Readonly<Record<string, number>>, what: string, hint?: string): void {
  for (const [key, v] of Object.entries(stats)) {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new NumericError(`${what}: '${key}' is ${describe(v)}`, hint ? { hint } : {});
  }
}

/**
 * Checks one step of a vector env: rewards of every copy and the observation rows (the ones the
 * policy will see next, and the final observations of copies whose episode just ended).
 */
export function assertFiniteEnvStep(env: { readonly obsDim: number; readonly observations: Float32Array; readonly rewards: Float32Array }, id: string, when: string): void {
  const { obsDim } = env;
  const r = firstNonFinite(env.rewards);
  if (r >= 0) throw new NumericError(`env '${id}' copy ${r} returned a non-finite reward (${describe(env.rewards[r]!)}) ${when}`, { hint: 'check the env\'s reward computation (set numericChecks: \'full\' to also check the policy\'s outputs)' });
  const o = firstNonFinite(env.observations);
  if (o >= 0) {
    throw new NumericError(`env '${id}' copy ${Math.floor(o / obsDim)} returned a non-finite observation (${describe(env.observations[o]!)} at index ${o % obsDim}) ${when}`, {
      hint: "check the env's dynamics and the actions it was given",
    });
  }
}
