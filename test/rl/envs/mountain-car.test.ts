/**
 * MountainCar-v0 and MountainCarContinuous-v0 against Gymnasium's equations: hand-computed steps, the
 * inelastic left wall, the goal (0.5 / 0.45 with velocity ≥ 0), rewards (−1; −0.1·a² + 100 at the
 * goal), time limits 200 / 999 (truncated, not terminated), reset x ~ U(−0.6, −0.4), v = 0, seeding.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MountainCarContinuousEnv, MountainCarEnv } from '../../../src/rl/envs/index.js';
import { assertClose, assertNear } from './helpers.js';

const clip = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);

/** Gymnasium's MountainCar step by hand; `push` is (a − 1)·0.001 or a·0.0015. */
function handStep(x: number, v: number, push: number): [number, number] {
  let nv = clip(v + push - 0.0025 * Math.cos(3 * x), -0.07, 0.07);
  const nx = clip(x + nv, -1.2, 0.6);
  if (nx === -1.2 && nv < 0) nv = 0;
  return [nx, nv];
}

function discreteAt(state: readonly number[], config?: Record<string, unknown>): MountainCarEnv {
  const env = new MountainCarEnv(config);
  env.reset({ seed: 0 });
  env.setState(state);
  return env;
}

function continuousAt(state: readonly number[], config?: Record<string, unknown>): MountainCarContinuousEnv {
  const env = new MountainCarContinuousEnv(config);
  env.reset({ seed: 0 });
  env.setState(state);
  return env;
}

describe('MountainCar-v0', () => {
  test('spaces: Discrete(3); Box([−1.2, −0.07], [0.6, 0.07])', () => {
    const env = new MountainCarEnv();
    assert.deepEqual(env.actionSpace, { kind: 'discrete', n: 3 });
    assertClose(env.observationSpace.low, [-1.2, -0.07]);
    assertClose(env.observationSpace.high, [0.6, 0.07]);
  });

  test('steps equal the hand-computed dynamics for each action', () => {
    for (const action of [0, 1, 2]) {
      const env = discreteAt([-0.5, 0.01]);
      const r = env.step(action);
      const expected = handStep(-0.5, 0.01, (action - 1) * 0.001);
      assertClose(env.getState(), expected, 1e-12, `action ${action}`);
      assertClose(r.observation, expected, 1e-6);
      assert.equal(r.reward, -1);
      assert.equal(r.terminated, false);
    }
    // Gymnasium's own code (numpy), action 2, as literals.
    const env = discreteAt([-0.5, 0.01]);
    env.step(2);
    assertClose(env.getState(), [-0.48917684300416925, 0.010823156995830743], 1e-12);
  });

  test('velocity is clipped to ±0.07; the left wall stops the car', () => {
    const fast = discreteAt([-0.52, 0.0699]); // cos(3x) ≈ 0: gravity barely slows it
    fast.step(2);
    assert.equal(fast.getState()[1], 0.07);
    const wall = discreteAt([-1.19, -0.05]);
    const r = wall.step(0);
    assert.deepEqual(Array.from(wall.getState()), [-1.2, 0]);
    assertClose(r.observation, [-1.2, 0]);
  });

  test('terminates at x ≥ 0.5 with v ≥ 0 (goalVelocity configurable)', () => {
    const goal = discreteAt([0.49, 0.02]);
    const r = goal.step(2);
    assert.ok(goal.getState()[0]! >= 0.5);
    assert.equal(r.terminated, true);
    assert.equal(r.reward, -1);
    assert.equal(discreteAt([0.4, 0.02]).step(2).terminated, false);
    // With goalVelocity 0.03 the same arrival is not enough.
    assert.equal(discreteAt([0.49, 0.02], { goalVelocity: 0.03 }).step(2).terminated, false);
  });

  test('truncated (not terminated) at step 200', () => {
    const env = new MountainCarEnv();
    env.reset({ seed: 2 });
    for (let t = 1; t <= 200; t++) {
      const r = env.step(1);
      assert.equal(r.terminated, false);
      assert.equal(r.truncated, t === 200, `step ${t}`);
    }
  });

  test('reset: x ~ U(−0.6, −0.4), v = 0; seeded', () => {
    const env = new MountainCarEnv();
    env.reset({ seed: 9 });
    let lo = Infinity, hi = -Infinity;
    for (let k = 0; k < 3000; k++) {
      const { observation } = env.reset();
      const [x, v] = env.getState() as unknown as [number, number];
      assert.ok(x >= -0.6 && x < -0.4);
      assert.equal(v, 0);
      assertClose(observation, [x, 0]);
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
    }
    assert.ok(lo < -0.599 && hi > -0.401);
    const a = new MountainCarEnv().reset({ seed: 4 }).observation;
    const b = new MountainCarEnv().reset({ seed: 4 }).observation;
    const c = new MountainCarEnv().reset({ seed: 5 }).observation;
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });
});

describe('MountainCarContinuous-v0', () => {
  test('spaces: Box([−1], [1]) force; same observation box as v0', () => {
    const env = new MountainCarContinuousEnv();
    assert.deepEqual(env.actionSpace.kind, 'box');
    assert.deepEqual(env.actionSpace.shape, [1]);
    assertClose(env.observationSpace.low, [-1.2, -0.07]);
  });

  test('a step equals the hand-computed dynamics; reward −0.1·a²; state kept as float32', () => {
    const env = continuousAt([-0.5, 0.01]);
    const a = Math.fround(0.7);
    const r = env.step(Float32Array.of(0.7));
    const [x, v] = handStep(-0.5, 0.01, a * 0.0015);
    assertClose(env.getState(), [x, v], 1e-7);
    assert.deepEqual(Array.from(env.getState()), [Math.fround(x), Math.fround(v)]);
    assertNear(r.reward, -0.1 * a * a, 1e-9);
    assert.equal(r.terminated, false);
    // Gymnasium's own code (numpy), as literals.
    assertClose(env.getState(), [-0.4891268312931061, 0.010873156599700451], 1e-12);
    assertNear(r.reward, -0.048999998331069966, 1e-12);
  });

  test('the force is clipped to [−1, 1] but the reward uses the unclipped action (as Gymnasium)', () => {
    const env = continuousAt([-0.5, 0.01]);
    const r = env.step(1.5);
    const [x, v] = handStep(-0.5, 0.01, 1 * 0.0015);
    assertClose(env.getState(), [x, v], 1e-7);
    assertNear(r.reward, -0.225, 1e-9);
  });

  test('reaching x ≥ 0.45 with v ≥ 0 terminates with +100', () => {
    const env = continuousAt([0.44, 0.02]);
    const r = env.step(1);
    assert.equal(r.terminated, true);
    assertNear(r.reward, 100 - 0.1, 1e-9);
    assert.ok(env.getState()[0]! >= 0.45);
    // 0.45 is this variant's goal: the discrete env would not have ended here.
    assert.equal(discreteAt([0.44, 0.02]).step(2).terminated, false);
  });

  test('the left wall stops the car', () => {
    const env = continuousAt([-1.19, -0.05]);
    env.step(-1);
    assert.deepEqual(Array.from(env.getState()), [Math.fround(-1.2), 0]);
  });

  test('truncated (not terminated) at step 999', () => {
    const env = new MountainCarContinuousEnv();
    env.reset({ seed: 2 });
    for (let t = 1; t <= 999; t++) {
      const r = env.step(0);
      assert.equal(r.terminated, false);
      assert.equal(r.truncated, t === 999, `step ${t}`);
    }
  });

  test('reset: x ~ U(−0.6, −0.4), v = 0', () => {
    const env = new MountainCarContinuousEnv();
    env.reset({ seed: 1 });
    for (let k = 0; k < 1000; k++) {
      env.reset();
      const [x, v] = env.getState() as unknown as [number, number];
      assert.ok(x >= -0.6 && x < -0.4 && v === 0);
    }
  });
});
