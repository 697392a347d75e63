/**
 * Pendulum-v1 against Gymnasium's equations: a hand-computed step (cost from the pre-step state with
 * angle normalisation, torque clipping, speed clipping, custom g), never terminated, truncated at 200
 * steps, reset θ ~ U(−π, π), θ̇ ~ U(−1, 1), seeding.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PendulumEnv, angleNormalize } from '../../../src/rl/envs/index.js';
import { assertClose, assertNear } from './helpers.js';

/** Gymnasium's Pendulum step written out by hand (gymnasium/envs/classic_control/pendulum.py). */
function handStep(th: number, thdot: number, action: number, g = 10): { state: number[]; reward: number } {
  const u = Math.min(Math.max(Math.fround(action), -2), 2);
  const wrapped = ((((th + Math.PI) % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI)) - Math.PI;
  const cost = wrapped ** 2 + 0.1 * thdot ** 2 + 0.001 * u ** 2;
  const newThdot = Math.min(Math.max(thdot + ((3 * g) / 2) * Math.sin(th) * 0.05 + 3 * u * 0.05, -8), 8);
  return { state: [th + newThdot * 0.05, newThdot], reward: -cost };
}

function started(state: readonly number[], config?: Record<string, unknown>): PendulumEnv {
  const env = new PendulumEnv(config);
  env.reset({ seed: 0 });
  env.setState(state);
  return env;
}

describe('Pendulum-v1', () => {
  test('spaces: Box([-2], [2]) torque; observation [cos θ, sin θ, θ̇] within [1, 1, 8]', () => {
    const env = new PendulumEnv();
    assert.deepEqual(env.actionSpace.shape, [1]);
    assert.deepEqual(Array.from(env.actionSpace.low), [-2]);
    assert.deepEqual(Array.from(env.actionSpace.high), [2]);
    assert.deepEqual(Array.from(env.observationSpace.high), [1, 1, 8]);
    assert.equal(env.g, 10);
  });

  test('one step equals the hand-computed step; reward uses the pre-step state', () => {
    const cases: Array<[number, number, number, number]> = [
      [1.0, -0.5, 1.5, 10],
      [-2.5, 0.3, -0.7, 9.81], // custom g
      [0.2, 0.0, 0.0, 10],
    ];
    for (const [th, thdot, u, g] of cases) {
      const env = started([th, thdot], { g });
      const r = env.step(Float32Array.of(u));
      const expected = handStep(th, thdot, u, g);
      assertClose(env.getState(), expected.state, 1e-9, `state (${th}, ${thdot}, ${u})`);
      assertNear(r.reward, expected.reward, 1e-6, 'reward');
      const [nth, nthdot] = expected.state as [number, number];
      assertClose(r.observation, [Math.cos(nth), Math.sin(nth), nthdot], 1e-6, 'observation');
      assert.equal(r.terminated, false);
    }
    // Gymnasium's own code (numpy) on the first case, as literals.
    const env = started([1.0, -0.5]);
    const r = env.step(1.5);
    assertClose(env.getState(), [1.0178051619302961, 0.3561032386059225], 1e-12);
    assertNear(r.reward, -1.0272499322891235, 1e-6);
  });

  test('the torque is clipped to ±2, the speed to ±8, the cost angle normalised to [−π, π)', () => {
    const env = started([4.0, 7.9]);
    const r = env.step(3.0);
    const expected = handStep(4.0, 7.9, 2.0);
    assertClose(env.getState(), expected.state, 1e-9);
    // θ = 4 normalises to 4 − 2π; u is clipped to 2 in the cost too.
    assertNear(r.reward, -((4 - 2 * Math.PI) ** 2 + 0.1 * 7.9 ** 2 + 0.001 * 4), 1e-6);
    // Literals from Gymnasium's code.
    assertClose(env.getState(), [4.381619906425953, 7.632398128519054], 1e-12);
    const fast = started([0, 7.99]);
    fast.step(2);
    assert.equal(fast.getState()[1], 8);
    const slow = started([0, -7.99]);
    slow.step(-2);
    assert.equal(slow.getState()[1], -8);
  });

  test('angleNormalize follows Python’s floored modulo', () => {
    assertNear(angleNormalize(0), 0, 1e-15);
    assertNear(angleNormalize(Math.PI + 0.1), -Math.PI + 0.1, 1e-12);
    assertNear(angleNormalize(-Math.PI - 0.1), Math.PI - 0.1, 1e-12);
    assertNear(angleNormalize(7), 7 - 2 * Math.PI, 1e-12);
    assertNear(angleNormalize(-7), -7 + 2 * Math.PI, 1e-12);
    assertNear(angleNormalize(Math.PI), -Math.PI, 1e-12); // [−π, π)
  });

  test('never terminates; truncated at step 200; configurable', () => {
    const env = new PendulumEnv();
    env.reset({ seed: 3 });
    for (let t = 1; t <= 200; t++) {
      const r = env.step(t % 3 === 0 ? 2 : -2);
      assert.equal(r.terminated, false);
      assert.equal(r.truncated, t === 200, `step ${t}`);
    }
    const short = new PendulumEnv({ maxEpisodeSteps: 2 });
    short.reset();
    assert.deepEqual([short.step(0).truncated, short.step(0).truncated], [false, true]);
  });

  test('reset draws θ from U(−π, π) and θ̇ from U(−1, 1)', () => {
    const env = new PendulumEnv();
    env.reset({ seed: 11 });
    let loTh = Infinity, hiTh = -Infinity, loV = Infinity, hiV = -Infinity;
    for (let k = 0; k < 4000; k++) {
      const { observation } = env.reset();
      const [th, v] = env.getState() as unknown as [number, number];
      assert.ok(th >= -Math.PI && th < Math.PI);
      assert.ok(v >= -1 && v < 1);
      assertClose(observation, [Math.cos(th), Math.sin(th), v], 1e-6);
      loTh = Math.min(loTh, th);
      hiTh = Math.max(hiTh, th);
      loV = Math.min(loV, v);
      hiV = Math.max(hiV, v);
    }
    assert.ok(loTh < -3.1 && hiTh > 3.1 && loV < -0.99 && hiV > 0.99);
  });

  test('seeding: same seed same trajectory; different seeds differ', () => {
    const roll = (seed: number): number[] => {
      const env = new PendulumEnv();
      const out = Array.from(env.reset({ seed }).observation);
      for (let t = 0; t < 20; t++) out.push(...env.step(Float32Array.of(Math.sin(t))).observation);
      return out;
    };
    assert.deepEqual(roll(1), roll(1));
    assert.notDeepEqual(roll(1), roll(2));
  });

  test('step() checks the action’s shape', () => {
    const env = new PendulumEnv();
    env.reset();
    assert.throws(() => env.step(Float32Array.of(1, 2)), /Float32Array action of length 1/);
    assert.throws(() => env.step([1] as unknown as Float32Array), /Float32Array action of length 1/);
    assert.doesNotThrow(() => env.step(0.5));
  });
});
