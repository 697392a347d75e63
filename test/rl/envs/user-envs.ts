/**
 * Environments as a user would write them: plain `Env`s with only `reset`/`step` (no fast path), and
 * one with the fast path via `InPlaceEnvBase`. Importing this module registers `Corridor-test-v0`, the
 * way a user's env module registers itself, so `loadEnv({ id, module })` can load it in a process
 * that has not imported it yet.
 */
import { createRng } from '../../../src/rng/index.js';
import { InPlaceEnvBase, box, discrete, registerEnv } from '../../../src/rl/envs/index.js';
import type { Action, BoxSpace, DiscreteSpace, Env, ResetResult, StepResult } from '../../../src/rl/envs/index.js';

/** A corridor of `length` cells: start at a random cell, 0 steps left, 1 right; the right end terminates. */
export class CorridorEnv implements Env {
  readonly id = 'Corridor-test-v0';
  readonly observationSpace: BoxSpace;
  readonly actionSpace: DiscreteSpace = discrete(2);
  readonly length: number;
  position = 0;
  private random = createRng(0);

  constructor(config: Readonly<Record<string, unknown>> = {}) {
    this.length = typeof config.length === 'number' ? config.length : 10;
    this.observationSpace = box([0], [this.length]);
  }

  reset(options?: { readonly seed?: number }): ResetResult {
    if (options?.seed !== undefined) this.random = createRng(options.seed);
    this.position = Math.floor(this.random() * (this.length - 1));
    return { observation: Float32Array.of(this.position), info: { start: this.position } };
  }

  step(action: Action): StepResult {
    this.position = Math.max(0, this.position + (action === 1 ? 1 : -1));
    const terminated = this.position >= this.length;
    return { observation: Float32Array.of(this.position), reward: -1, terminated, truncated: false, info: { position: this.position } };
  }
}

/** A 1-D point pushed by a Box action; reward −|x|; never ends by itself. */
export class PointEnv implements Env {
  readonly id = 'Point-test-v0';
  readonly observationSpace: BoxSpace = box([-100], [100]);
  readonly actionSpace: BoxSpace = box(-1, 1, [1]);
  x = 0;
  lastAction: Float32Array | undefined;

  reset(): ResetResult {
    this.x = 5;
    return { observation: Float32Array.of(this.x), info: {} };
  }

  step(action: Action): StepResult {
    this.lastAction = action as Float32Array;
    this.x += (action as Float32Array)[0]!;
    return { observation: Float32Array.of(this.x), reward: -Math.abs(this.x), terminated: false, truncated: false, info: {} };
  }
}

/** A counter with the fast path: obs [t], reward t, terminated at t = `end`. */
export class FastCounterEnv extends InPlaceEnvBase {
  readonly id = 'FastCounter-test-v0';
  readonly observationSpace: BoxSpace = box([0], [1e6]);
  readonly actionSpace: DiscreteSpace = discrete(1);
  readonly obsDim = 1;
  t = 0;

  constructor(readonly end = 4) {
    super();
  }

  resetInto(out: Float32Array, offset: number, seed?: number): void {
    this.beginReset(seed);
    this.t = 0;
    out[offset] = 0;
  }

  stepInto(_actions: Int32Array | Float32Array, _actionOffset: number, out: Float32Array, offset: number): number {
    this.t++;
    this.reward = this.t;
    out[offset] = this.t;
    return this.t >= this.end ? 1 : 0;
  }
}

export const corridorRef = registerEnv('Corridor-test-v0', (config) => new CorridorEnv(config), {
  maxEpisodeSteps: 50,
  module: import.meta.url,
});
