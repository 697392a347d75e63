/**
 * Rows per policy forward pass (`ActorContext.vectorBatch`, the `batch` pass's choice): splitting a
 * step's inference into calls of b rows must not change what the worker samples. The categorical
 * sampler draws one uniform per row, in row order, from the worker's one stream, so with the same
 * seed the actions are identical whatever b is. The network's outputs are compared with a tight
 * tolerance: on TF.js wasm here they are bit-identical (16 envs × 100 steps, b = 1, 4 vs 16), but a
 * backend may pick other kernels (another summation order) for another batch size, which can move the
 * last bits of a float32.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ActorContext } from '../../src/ir/contract.js';
import { SB, type SampleBatch } from '../../src/rl/data/index.js';
import type { PolicyConfig } from '../../src/rl/policy/types.js';
import { RolloutWorker } from '../../src/rl/rollout-worker.js';
import type { RolloutWorkerConfig } from '../../src/rl/worker-api.js';
import { createRng, deriveSeed } from '../../src/rng/index.js';

function context(vectorBatch: number | undefined, rootSeed = 11): ActorContext {
  const seed = deriveSeed(rootSeed, 'workers', 0);
  return { group: 'workers', index: 0, ref: { group: 'workers', index: 0 }, seed, rootSeed, device: 'cpu', vectorBatch, random: createRng(seed), now: () => 0, delay: async () => undefined };
}

function config(env: string, explore = true): RolloutWorkerConfig {
  const policy: PolicyConfig = { hidden: [64, 64], activation: 'tanh', vfShareLayers: false, lr: 1e-3, gradClip: undefined, loss: { kind: 'a2c', vfLossCoeff: 0.5, entropyCoeff: 0 } };
  return { env, envConfig: {}, numEnvs: 5, rolloutFragmentLength: 40, gamma: 0.99, lambda: 0.95, useGae: true, useCritic: true, policy, observationFilter: 'NoFilter', explore };
}

/** Two consecutive fragments from a fresh worker. */
async function sample(vectorBatch: number | undefined, cfg: RolloutWorkerConfig): Promise<SampleBatch[]> {
  const worker = new RolloutWorker.ctor(context(vectorBatch), cfg);
  return [await worker.sample(), await worker.sample()];
}

const EXACT = [SB.ACTIONS, SB.REWARDS, SB.TERMINATEDS, SB.TRUNCATEDS, SB.EPS_ID, SB.ENV_ID, SB.T] as const;
const CLOSE = [SB.OBS, SB.ACTION_LOGP, SB.ACTION_DIST_INPUTS, SB.VF_PREDS] as const;

function assertSame(actual: SampleBatch, expected: SampleBatch, what: string): void {
  assert.equal(actual.count, expected.count);
  for (const name of EXACT) assert.deepEqual(Array.from(actual.columns[name]!), Array.from(expected.columns[name]!), `${what}: column ${name}`);
  for (const name of CLOSE) {
    const a = actual.columns[name]!;
    const e = expected.columns[name]!;
    assert.equal(a.length, e.length, `${what}: column ${name} length`);
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - e[i]!) <= 1e-5 * Math.max(1, Math.abs(e[i]!)), `${what}: ${name}[${i}] = ${a[i]} vs ${e[i]}`);
  }
}

describe('rollout worker: rows per forward pass (vectorBatch)', () => {
  test('CartPole: one pass per env (1), or chunks of 2 or 3, sample exactly the actions of one pass for all 5 envs (undefined)', async () => {
    const cfg = config('CartPole-v1');
    const whole = await sample(undefined, cfg);
    for (const b of [1, 2, 3, 5, 64]) {
      const split = await sample(b, cfg);
      whole.forEach((batch, k) => assertSame(split[k]!, batch, `vectorBatch ${b}, fragment ${k}`));
    }
  });

  test('Pendulum without exploration (deterministic actions): any vectorBatch gives the same fragments', async () => {
    // With exploration the Gaussian's Box–Muller pairs span rows within one call, so only the
    // distribution, not each draw, is the same across chunk sizes (see the report in docs/passes.md).
    const cfg = config('Pendulum-v1', false);
    const whole = await sample(undefined, cfg);
    const split = await sample(2, cfg);
    whole.forEach((batch, k) => assertSame(split[k]!, batch, `fragment ${k}`));
  });

  test('a vectorBatch that is not a positive integer names the worker', async () => {
    const worker = new RolloutWorker.ctor(context(0), config('CartPole-v1'));
    await assert.rejects(worker.sample(), /workers\[0\]: vectorBatch must be a positive integer/);
  });
});
