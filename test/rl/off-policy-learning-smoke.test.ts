/**
 * Learning smoke tests for SAC (Box and Discrete), DDPG and TD3 through their real plans (replay,
 * concurrently, target updates) on the local backend with fixed seeds, on one-step tasks small enough
 * to learn in seconds, where a wrong gradient cannot hide:
 *
 * - `RlflowTestReach-v0`: observe x ~ U(−1, 1), act a ∈ [−1, 1], reward −(a − x)², episode over. A
 *   uniformly random policy averages −2/3; a policy that learned a ≈ x scores near 0. The critic must
 *   learn Q(x, a) and the actor must follow ∂Q/∂a (a sign error in either, or in the squashed log-prob's
 *   correction, leaves the return near or below random).
 * - `RlflowTestMatch-v0`: observe a one-hot context of 2, pick the matching action for reward 1 (0
 *   otherwise). Random: 0.5.
 * - `RlflowTestStayOrExit-v0` (discrete SAC, γ 0.9): one state; *exit* pays 1 and ends the episode,
 *   *stay* pays 0.5 and goes on (truncated after 10 steps, which still bootstraps). Staying is worth
 *   0.5/(1 − γ) = 5 > 1, so a learner that masks the bootstrap at terminal steps stays (return 5); one
 *   that drops the done mask values exit at 1 + γ·V > 0.5 + γ·V and exits at once (return about 1).
 *
 * The Pendulum learning targets live in `npm run bench -- learn` (they take minutes, not seconds).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { algorithms, buildAlgorithmPlan } from '../../src/algorithms/index.js';
import { box, discrete, registerEnv, type Action, type Env, type ResetResult, type StepResult } from '../../src/rl/envs/index.js';
import type { ResultDict } from '../../src/rl/ops/metrics.js';
import { createRng } from '../../src/rng/index.js';
import { run } from '../../src/runtime/runtime.js';

class ReachEnv implements Env {
  readonly id = 'RlflowTestReach-v0';
  readonly observationSpace = box(-1, 1, [1]);
  readonly actionSpace = box(-1, 1, [1]);
  private x = 0;
  private random = createRng(0);
  reset(options?: { readonly seed?: number }): ResetResult {
    if (options?.seed !== undefined) this.random = createRng(options.seed);
    this.x = this.random() * 2 - 1;
    return { observation: Float32Array.of(this.x), info: {} };
  }
  step(action: Action): StepResult {
    const a = (action as Float32Array)[0]!;
    return { observation: Float32Array.of(this.x), reward: -((a - this.x) ** 2), terminated: true, truncated: false, info: {} };
  }
}

class MatchEnv implements Env {
  readonly id = 'RlflowTestMatch-v0';
  readonly observationSpace = box(0, 1, [2]);
  readonly actionSpace = discrete(2);
  private c = 0;
  private random = createRng(0);
  reset(options?: { readonly seed?: number }): ResetResult {
    if (options?.seed !== undefined) this.random = createRng(options.seed);
    this.c = this.random() < 0.5 ? 0 : 1;
    return { observation: Float32Array.of(this.c === 0 ? 1 : 0, this.c), info: {} };
  }
  step(action: Action): StepResult {
    return { observation: Float32Array.of(0, 0), reward: action === this.c ? 1 : 0, terminated: true, truncated: false, info: {} };
  }
}

class StayOrExitEnv implements Env {
  readonly id = 'RlflowTestStayOrExit-v0';
  readonly observationSpace = box(0, 1, [1]);
  readonly actionSpace = discrete(2);
  private t = 0;
  reset(): ResetResult {
    this.t = 0;
    return { observation: Float32Array.of(1), info: {} };
  }
  step(action: Action): StepResult {
    this.t += 1;
    // The observation after exit equals every other one: bootstrapping from it is only wrong, not unusual.
    if (action === 1) return { observation: Float32Array.of(1), reward: 1, terminated: true, truncated: false, info: {} };
    return { observation: Float32Array.of(1), reward: 0.5, terminated: false, truncated: this.t >= 10, info: {} };
  }
}

registerEnv('RlflowTestReach-v0', () => new ReachEnv());
registerEnv('RlflowTestMatch-v0', () => new MatchEnv());
registerEnv('RlflowTestStayOrExit-v0', () => new StayOrExitEnv());

const SMALL = { numWorkers: 1, actorHidden: [32], criticHidden: [32], learningStarts: 64, trainBatchSize: 64, timestepsPerIteration: 100, minIterTimeS: 0, metricsSmoothingEpisodes: 100, actorLr: 3e-3, criticLr: 3e-3 };

/** Trains through the algorithm's plan for `timesteps` steps; the last smoothed return. */
async function train(algorithm: string, env: string, timesteps: number, overrides: Record<string, unknown>): Promise<number> {
  const algo = algorithms[algorithm]!;
  const config = algo.config({ ...SMALL, env, ...overrides });
  const rt = await run<ResultDict>((await buildAlgorithmPlan(algo, config, { name: `smoke-${algorithm}` })).graph, { backend: 'local', seed: 3 });
  let last: ResultDict | undefined;
  try {
    for await (const result of rt) {
      last = result;
      if (result.timesteps_total >= timesteps) break;
    }
  } finally {
    await rt.close();
  }
  assert.ok(last, 'at least one iteration was reported');
  return last.episode_reward_mean;
}

describe('off-policy learning smoke tests (one-step tasks, local backend, fixed seeds)', () => {
  test('SAC (Box) learns to reach: −(a − x)² well above random (−0.67)', async (t) => {
    const r = await train('sac', 'RlflowTestReach-v0', 1500, { entropyLr: 3e-3 });
    t.diagnostic(`SAC reach: ${r.toFixed(3)}`);
    assert.ok(r > -0.15, `SAC reached only ${r.toFixed(3)}`);
  });

  test('SAC (Discrete) learns to match the context: well above random (0.5)', async (t) => {
    // 'auto' (0.98·log 2) would hold the policy near uniform on two actions; ask for a low entropy.
    const r = await train('sac', 'RlflowTestMatch-v0', 1500, { entropyLr: 3e-3, targetEntropy: 0.2 });
    t.diagnostic(`SAC match: ${r.toFixed(3)}`);
    assert.ok(r > 0.85, `discrete SAC reached only ${r.toFixed(3)}`);
  });

  test('SAC (Discrete) masks the bootstrap at terminal steps: stays for 0.5 a step rather than exit for 1', async (t) => {
    const r = await train('sac', 'RlflowTestStayOrExit-v0', 1500, { gamma: 0.9, entropyLr: 3e-3, targetEntropy: 0.2 });
    t.diagnostic(`SAC stay-or-exit: ${r.toFixed(3)}`);
    assert.ok(r > 3, `discrete SAC returned only ${r.toFixed(3)} (5 when it stays, about 1 when it exits)`);
  });

  test('DDPG learns to reach', async (t) => {
    const r = await train('ddpg', 'RlflowTestReach-v0', 1500, { randomTimesteps: 64, scaleTimesteps: 1000 });
    t.diagnostic(`DDPG reach: ${r.toFixed(3)}`);
    assert.ok(r > -0.15, `DDPG reached only ${r.toFixed(3)}`);
  });

  test('TD3 learns to reach', async (t) => {
    const r = await train('td3', 'RlflowTestReach-v0', 1500, { randomTimesteps: 64, learningStarts: 64 });
    t.diagnostic(`TD3 reach: ${r.toFixed(3)}`);
    assert.ok(r > -0.15, `TD3 reached only ${r.toFixed(3)}`);
  });
});
