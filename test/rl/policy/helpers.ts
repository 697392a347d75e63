/**
 * Shared fixtures for the policy tests: spaces, configs, hand-made batches and array comparisons.
 */
import assert from 'node:assert/strict';
import { createSampleBatch, type SampleBatch } from '../../../src/rl/data/index.js';
import type { BoxSpace, DiscreteSpace } from '../../../src/rl/envs/types.js';
import type { LossConfig, PolicyConfig } from '../../../src/rl/policy/types.js';

export function box(dim: number, limit = Infinity): BoxSpace {
  return { kind: 'box', shape: [dim], low: new Float32Array(dim).fill(-limit), high: new Float32Array(dim).fill(limit) };
}

export function discrete(n: number): DiscreteSpace {
  return { kind: 'discrete', n };
}

export const PG = { kind: 'pg' } as const satisfies LossConfig;
export const A2C = { kind: 'a2c', vfLossCoeff: 0.5, entropyCoeff: 0.01 } as const satisfies LossConfig;
export const PPO = { kind: 'ppo', clipParam: 0.2, vfClipParam: 1, vfLossCoeff: 0.5, entropyCoeff: 0.01, klCoeff: 0.2, klTarget: 0.01 } as const satisfies LossConfig;

export function config(loss: LossConfig, over: Partial<PolicyConfig> = {}): PolicyConfig {
  return { hidden: [8, 8], activation: 'tanh', vfShareLayers: false, lr: 1e-3, gradClip: undefined, loss, ...over };
}

/** A batch with every column the losses read; `actionWidth`/`distWidth` per row. */
export function lossBatch(cols: {
  obs: Float32Array;
  obsDim: number;
  actions: Int32Array | Float32Array;
  actionWidth?: number;
  advantages: ArrayLike<number>;
  valueTargets?: ArrayLike<number>;
  actionLogp?: ArrayLike<number>;
  actionDistInputs?: Float32Array;
  distWidth?: number;
  vfPreds?: ArrayLike<number>;
}): SampleBatch {
  const n = cols.obs.length / cols.obsDim;
  const f = (x: ArrayLike<number> | undefined): Float32Array => (x ? Float32Array.from(x) : new Float32Array(n));
  const widths: Record<string, number> = { obs: cols.obsDim };
  if ((cols.actionWidth ?? 1) > 1) widths.actions = cols.actionWidth!;
  const distWidth = cols.distWidth ?? (cols.actionDistInputs ? cols.actionDistInputs.length / n : 1);
  if (distWidth > 1) widths.actionDistInputs = distWidth;
  return createSampleBatch(
    {
      obs: cols.obs,
      actions: cols.actions,
      advantages: f(cols.advantages),
      valueTargets: f(cols.valueTargets),
      actionLogp: f(cols.actionLogp),
      actionDistInputs: cols.actionDistInputs ?? new Float32Array(n * distWidth),
      vfPreds: f(cols.vfPreds),
    },
    widths,
  );
}

/** |a − b| ≤ tol·max(1, |b|) element-wise, with the first offending index in the message. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5, what = 'value'): void {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length} vs ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!, e = expected[i]!;
    assert.ok(Math.abs(a - e) <= tol * Math.max(1, Math.abs(e)), `${what}[${i}]: ${a} vs expected ${e} (tol ${tol})`);
  }
}

export function assertNear(actual: number | undefined, expected: number, tol = 1e-5, what = 'value'): void {
  assert.ok(actual !== undefined, `${what} is missing`);
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs expected ${expected} (tol ${tol})`);
}
