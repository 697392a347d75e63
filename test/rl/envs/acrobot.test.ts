/**
 * Acrobot-v1 against Gymnasium's equations: one RK4 step of the "book" dynamics computed by hand (and
 * the "nips" variant), angle wrapping and velocity bounds, the height termination rule with its 0
 * reward, truncation at 500 steps, reset ~ U(−0.1, 0.1) in float32, seeding.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ACROBOT_MAX_VEL_1, ACROBOT_MAX_VEL_2, AcrobotEnv } from '../../../src/rl/envs/index.js';
import { assertClose } from './helpers.js';

type S = [number, number, number, number];

/** Gymnasium's `_dsdt` by hand, with the constants substituted (m = l = 1, lc = 0.5, I = 1, g = 9.8). */
function dsdt(s: S, a: number, book: boolean): S {
  const [t1, t2, dt1, dt2] = s;
  const d1 = 0.25 + (1 + 0.25 + Math.cos(t2)) + 2; // m1·lc1² + m2·(l1² + lc2² + 2·l1·lc2·cos θ2) + I1 + I2
  const d2 = 0.25 + 0.5 * Math.cos(t2) + 1; // m2·(lc2² + l1·lc2·cos θ2) + I2
  const phi2 = 0.5 * 9.8 * Math.cos(t1 + t2 - Math.PI / 2);
  const phi1 = -0.5 * dt2 ** 2 * Math.sin(t2) - 2 * 0.5 * dt2 * dt1 * Math.sin(t2) + 1.5 * 9.8 * Math.cos(t1 - Math.PI / 2) + phi2;
  const extra = book ? 0.5 * dt1 ** 2 * Math.sin(t2) : 0;
  const ddt2 = (a + (d2 / d1) * phi1 - extra - phi2) / (0.25 + 1 - d2 ** 2 / d1);
  const ddt1 = -(d2 * ddt2 + phi1) / d1;
  return [dt1, dt2, ddt1, ddt2];
}

function handStep(s: S, action: 0 | 1 | 2, book = true): S {
  const a = action - 1;
  const h = 0.2;
  const add = (x: S, k: S, c: number): S => [x[0] + c * k[0], x[1] + c * k[1], x[2] + c * k[2], x[3] + c * k[3]];
  const k1 = dsdt(s, a, book);
  const k2 = dsdt(add(s, k1, h / 2), a, book);
  const k3 = dsdt(add(s, k2, h / 2), a, book);
  const k4 = dsdt(add(s, k3, h), a, book);
  const n = s.map((y, i) => y + (h / 6) * (k1[i]! + 2 * k2[i]! + 2 * k3[i]! + k4[i]!)) as S;
  const wrap = (x: number): number => {
    while (x > Math.PI) x -= 2 * Math.PI;
    while (x < -Math.PI) x += 2 * Math.PI;
    return x;
  };
  const bound = (x: number, m: number): number => Math.min(Math.max(x, -m), m);
  return [wrap(n[0]), wrap(n[1]), bound(n[2], 4 * Math.PI), bound(n[3], 9 * Math.PI)];
}

const obsOf = (s: readonly number[]): number[] => [Math.cos(s[0]!), Math.sin(s[0]!), Math.cos(s[1]!), Math.sin(s[1]!), s[2]!, s[3]!];

function started(state: readonly number[], config?: Record<string, unknown>): AcrobotEnv {
  const env = new AcrobotEnv(config);
  env.reset({ seed: 0 });
  env.setState(state);
  return env;
}

describe('Acrobot-v1', () => {
  test('spaces: Discrete(3); observation bounds [1, 1, 1, 1, 4π, 9π]', () => {
    const env = new AcrobotEnv();
    assert.deepEqual(env.actionSpace, { kind: 'discrete', n: 3 });
    assertClose(env.observationSpace.high, [1, 1, 1, 1, 4 * Math.PI, 9 * Math.PI], 1e-5);
    assert.equal(ACROBOT_MAX_VEL_1, 4 * Math.PI);
    assert.equal(ACROBOT_MAX_VEL_2, 9 * Math.PI);
  });

  test('one step equals a hand-computed RK4 step of the book dynamics, for each torque', () => {
    const s0: S = [0.1, -0.2, 0.3, -0.4];
    for (const action of [0, 1, 2] as const) {
      const env = started(s0);
      const r = env.step(action);
      const expected = handStep(s0, action);
      assertClose(env.getState(), expected, 1e-9, `state, action ${action}`);
      assertClose(r.observation, obsOf(expected), 1e-6, 'observation');
      assert.equal(r.reward, -1);
      assert.equal(r.terminated, false);
    }
    // Gymnasium's own code (numpy rk4), action 2, as literals.
    const env = started(s0);
    env.step(2);
    assertClose(env.getState(), [0.1282116312891261, -0.211840321026976, -0.023484731535001357, 0.28679521459777013], 1e-12);
  });

  test('bookOrNips: "nips" drops the θ̇₁² term', () => {
    const s0: S = [0.1, -0.2, 0.3, -0.4];
    const env = started(s0, { bookOrNips: 'nips' });
    env.step(0);
    assertClose(env.getState(), handStep(s0, 0, false), 1e-9);
    assertClose(env.getState(), [0.15454657412262998, -0.27998528006797363, 0.23213634227051066, -0.37822173761944317], 1e-12);
    assert.throws(() => new AcrobotEnv({ bookOrNips: 'paper' }), /"bookOrNips" must be 'book' or 'nips'/);
  });

  test('angles wrap to [−π, π], velocities are bounded; reaching the height terminates with reward 0', () => {
    const s0: S = [3.0, 3.1, 5.0, 8.0];
    const env = started(s0);
    const r = env.step(2);
    const expected = handStep(s0, 2);
    assertClose(env.getState(), expected, 1e-9);
    assertClose(env.getState(), [-2.6083391294919513, -1.3225429918074374, 0.9117481861749779, 11.470954434555637], 1e-12);
    const [t1, t2] = expected;
    assert.ok(-Math.cos(t1) - Math.cos(t2 + t1) > 1, 'the tip is above the line');
    assert.equal(r.terminated, true);
    assert.equal(r.reward, 0);

    const spin = started([0, 0, 12.5, 28]);
    spin.step(2);
    const [, , v1, v2] = spin.getState() as unknown as S;
    assert.ok(Math.abs(v1) <= 4 * Math.PI && Math.abs(v2) <= 9 * Math.PI);
  });

  test('the termination rule: −cos θ₁ − cos(θ₂ + θ₁) > 1', () => {
    // Hanging down (height −2) and horizontal (0): not terminal; pointing up (2): terminal.
    assert.equal(started([0, 0, 0, 0]).step(1).terminated, false);
    assert.equal(started([Math.PI / 2, 0, 0, 0]).step(1).terminated, false);
    assert.equal(started([Math.PI, 0, 0, 0]).step(1).terminated, true);
  });

  test('truncated (not terminated) at step 500', () => {
    const env = new AcrobotEnv();
    env.reset({ seed: 5 });
    for (let t = 1; t <= 500; t++) {
      env.setState([0, 0, 0, 0]); // hanging still: never reaches the line
      const r = env.step(1);
      assert.equal(r.terminated, false);
      assert.equal(r.truncated, t === 500, `step ${t}`);
      assert.equal(r.reward, -1);
    }
  });

  test('reset draws the state from U(−0.1, 0.1), rounded to float32', () => {
    const env = new AcrobotEnv();
    env.reset({ seed: 21 });
    let lo = Infinity, hi = -Infinity;
    for (let k = 0; k < 2000; k++) {
      const { observation } = env.reset();
      const s = env.getState();
      for (const v of s) {
        assert.ok(v >= -0.1 && v <= 0.1);
        assert.equal(Math.fround(v), v);
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      assertClose(observation, obsOf(Array.from(s)), 1e-6);
    }
    assert.ok(lo < -0.099 && hi > 0.099);
  });

  test('seeding: same seed same trajectory; different seeds differ', () => {
    const roll = (seed: number): number[] => {
      const env = new AcrobotEnv();
      const out = Array.from(env.reset({ seed }).observation);
      for (let t = 0; t < 30; t++) out.push(...env.step(t % 3).observation);
      return out;
    };
    assert.deepEqual(roll(8), roll(8));
    assert.notDeepEqual(roll(8), roll(9));
  });

  test('torqueNoiseMax adds seeded noise to the torque', () => {
    const roll = (seed: number, noise: number): number[] => {
      const env = new AcrobotEnv({ torqueNoiseMax: noise });
      env.reset({ seed });
      for (let t = 0; t < 10; t++) env.step(2);
      return Array.from(env.getState());
    };
    assert.deepEqual(roll(1, 0.5), roll(1, 0.5));
    assert.notDeepEqual(roll(1, 0.5), roll(1, 0));
  });
});
