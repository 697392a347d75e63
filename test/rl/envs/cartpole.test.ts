/**
 * CartPole-v1 against Gymnasium's equations: one Euler step computed by hand from a fixed state,
 * the termination thresholds (±2.4, ±12°), the 500-step time limit (truncated, not terminated), the
 * reset distribution U(−0.05, 0.05), seeding, and the reward rules.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CARTPOLE_THETA_THRESHOLD, CartPoleEnv, FLOAT32_MAX, contains } from '../../../src/rl/envs/index.js';
import { assertClose } from './helpers.js';

/** Gymnasium's CartPole step written out by hand (gymnasium/envs/classic_control/cartpole.py). */
function handStep(s: readonly number[], action: 0 | 1): number[] {
  const [x, xDot, theta, thetaDot] = s as [number, number, number, number];
  const force = action === 1 ? 10 : -10;
  const temp = (force + 0.05 * thetaDot ** 2 * Math.sin(theta)) / 1.1;
  const thetaAcc = (9.8 * Math.sin(theta) - Math.cos(theta) * temp) / (0.5 * (4 / 3 - (0.1 * Math.cos(theta) ** 2) / 1.1));
  const xAcc = temp - (0.05 * thetaAcc * Math.cos(theta)) / 1.1;
  return [x + 0.02 * xDot, xDot + 0.02 * xAcc, theta + 0.02 * thetaDot, thetaDot + 0.02 * thetaAcc];
}

function started(state: readonly number[], config?: Record<string, unknown>): CartPoleEnv {
  const env = new CartPoleEnv(config);
  env.reset({ seed: 0 });
  env.setState(state);
  return env;
}

describe('CartPole-v1', () => {
  test('spaces match Gymnasium: Discrete(2); Box(4) with bounds at twice the thresholds', () => {
    const env = new CartPoleEnv();
    assert.deepEqual(env.actionSpace, { kind: 'discrete', n: 2 });
    assert.deepEqual(env.observationSpace.shape, [4]);
    const { low, high } = env.observationSpace;
    assertClose([high[0]!, high[2]!], [4.8, 0.41887902]);
    assert.equal(high[1], FLOAT32_MAX); // np.finfo(np.float32).max
    assert.equal(high[3], FLOAT32_MAX);
    assert.deepEqual(Array.from(low), Array.from(high, (v) => -v));
    assert.equal(CARTPOLE_THETA_THRESHOLD, (12 * 2 * Math.PI) / 360);
  });

  test('one step from a fixed state equals the hand-computed Euler step (both actions)', () => {
    const s0 = [0.01, -0.02, 0.03, 0.04];
    for (const action of [0, 1] as const) {
      const env = started(s0);
      const r = env.step(action);
      const expected = handStep(s0, action);
      assertClose(env.getState(), expected, 1e-12, `state after action ${action}`);
      assertClose(r.observation, expected, 1e-6, 'observation');
      assert.equal(r.reward, 1);
      assert.equal(r.terminated, false);
      assert.equal(r.truncated, false);
    }
    // The same numbers from Gymnasium's own code (numpy), as literals.
    const env = started(s0);
    env.step(1);
    assertClose(env.getState(), [0.0096, 0.17467919574755525, 0.0308, -0.2430687179600081], 1e-12);
    env.setState(s0);
    env.step(0);
    assertClose(env.getState(), [0.0096, -0.21553901710278936, 0.0308, 0.34199522377603914], 1e-12);
  });

  test('several steps follow the hand-computed recursion', () => {
    let s = [0.02, 0.1, -0.04, 0.2];
    const env = started(s);
    const actions = [1, 1, 0, 1, 0, 0, 1, 0] as const;
    for (const a of actions) {
      s = handStep(s, a);
      env.step(a);
    }
    assertClose(env.getState(), s, 1e-12);
  });

  test('terminates when the cart leaves ±2.4 or the pole passes ±12°', () => {
    const cases: Array<[string, number[], boolean]> = [
      ['x > 2.4', [2.39, 1, 0, 0], true],
      ['x < −2.4', [-2.39, -1, 0, 0], true],
      ['θ > 12°', [0, 0, 0.2, 1], true],
      ['θ < −12°', [0, 0, -0.2, -1], true],
      ['x just inside', [2.3, 1, 0, 0], false],
      ['θ just inside', [0, 0, 0.2, 0.2], false],
    ];
    for (const [name, s, terminated] of cases) {
      const r = started(s).step(1);
      assert.equal(r.terminated, terminated, name);
      assert.equal(r.truncated, false, name);
      assert.equal(r.reward, 1, `${name}: +1 including the terminating step`);
    }
    // Sanity of the boundary cases against the hand step.
    assert.ok(handStep([2.39, 1, 0, 0], 1)[0]! > 2.4);
    assert.ok(handStep([0, 0, 0.2, 0.2], 1)[2]! < CARTPOLE_THETA_THRESHOLD);
  });

  test('steps past termination without a reset are rewarded 0 (Gymnasium)', () => {
    const env = started([0, 0, 0.2, 1]);
    assert.equal(env.step(1).reward, 1);
    assert.equal(env.step(1).reward, 0);
    assert.equal(env.step(1).terminated, true);
  });

  test('suttonBartoReward: 0 per step, −1 on termination', () => {
    const env = started([0, 0, 0, 0], { suttonBartoReward: true });
    assert.equal(env.step(1).reward, 0);
    env.setState([0, 0, 0.2, 1]);
    assert.equal(env.step(1).reward, -1);
  });

  test('truncated (not terminated) at step 500; configurable', () => {
    const env = new CartPoleEnv();
    env.reset({ seed: 1 });
    for (let t = 1; t <= 500; t++) {
      env.setState([0, 0, 0, 0]); // keep the pole up so only the time limit can end the episode
      const r = env.step(t % 2);
      assert.equal(r.terminated, false);
      assert.equal(r.truncated, t === 500, `step ${t}`);
    }
    const short = new CartPoleEnv({ maxEpisodeSteps: 3 });
    short.reset();
    short.setState([0, 0, 0, 0]);
    assert.deepEqual([short.step(0).truncated, short.step(1).truncated, short.step(0).truncated], [false, false, true]);
    // A reset starts the count again.
    short.reset();
    assert.equal(short.step(0).truncated, false);
  });

  test('a step can be terminated and truncated at once, as under Gymnasium’s TimeLimit', () => {
    const env = started([0, 0, 0.2, 1], { maxEpisodeSteps: 1 });
    const r = env.step(1);
    assert.equal(r.terminated, true);
    assert.equal(r.truncated, true);
  });

  test('reset draws every state variable from U(−0.05, 0.05)', () => {
    const env = new CartPoleEnv();
    env.reset({ seed: 123 });
    const lo = [Infinity, Infinity, Infinity, Infinity];
    const hi = [-Infinity, -Infinity, -Infinity, -Infinity];
    const sum = [0, 0, 0, 0];
    const n = 4000;
    for (let k = 0; k < n; k++) {
      const { observation } = env.reset();
      assert.ok(contains(env.observationSpace, observation));
      const s = env.getState();
      for (let i = 0; i < 4; i++) {
        const v = s[i]!;
        assert.ok(v >= -0.05 && v < 0.05, `state[${i}] = ${v}`);
        assert.equal(observation[i], Math.fround(v));
        lo[i] = Math.min(lo[i]!, v);
        hi[i] = Math.max(hi[i]!, v);
        sum[i]! += v;
      }
    }
    for (let i = 0; i < 4; i++) {
      assert.ok(lo[i]! < -0.049 && hi[i]! > 0.049, `state[${i}] spans the interval`);
      assert.ok(Math.abs(sum[i]! / n) < 0.002, `state[${i}] is centred`);
    }
  });

  test('seeding: same seed same trajectory, different seeds differ, config seed', () => {
    const actions = [0, 1, 1, 0, 1, 0, 0, 1, 1, 1];
    const rollout = (env: CartPoleEnv, seed?: number): number[] => {
      const out = Array.from(env.reset(seed === undefined ? undefined : { seed }).observation);
      for (const a of actions) out.push(...env.step(a).observation);
      return out;
    };
    const a = new CartPoleEnv();
    const b = new CartPoleEnv();
    assert.deepEqual(rollout(a, 42), rollout(b, 42));
    assert.notDeepEqual(rollout(a, 42), rollout(b, 43));
    // Without a seed the env goes on with its stream: the next episode differs from the first.
    const first = rollout(a, 7);
    assert.notDeepEqual(rollout(a), first);
    // config.seed seeds the stream used until a reset passes one.
    assert.deepEqual(rollout(new CartPoleEnv({ seed: 5 })), rollout(new CartPoleEnv({ seed: 5 })));
    assert.notDeepEqual(rollout(new CartPoleEnv({ seed: 5 })), rollout(new CartPoleEnv({ seed: 6 })));
  });

  test('step() validates: reset first, actions in Discrete(2)', () => {
    const env = new CartPoleEnv();
    assert.throws(() => env.step(0), /call reset\(\) before step\(\)/);
    env.reset();
    for (const bad of [2, -1, 0.5, Number.NaN, Float32Array.of(1)]) {
      assert.throws(() => env.step(bad), /invalid action/);
    }
  });

  test('config: unknown keys and wrong types are errors naming the key', () => {
    assert.throws(() => new CartPoleEnv({ maxEpisodeStep: 5 }), /CartPole-v1: unknown config key "maxEpisodeStep"/);
    assert.throws(() => new CartPoleEnv({ maxEpisodeSteps: '5' }), /"maxEpisodeSteps" must be a number/);
    assert.throws(() => new CartPoleEnv({ maxEpisodeSteps: 0 }), /maxEpisodeSteps/);
    assert.throws(() => new CartPoleEnv({ suttonBartoReward: 1 }), /"suttonBartoReward" must be a boolean/);
  });
});
