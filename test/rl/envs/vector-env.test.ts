/**
 * Vector envs: per-copy seeds derived from one seed, batched observations equal to stepping the copies
 * one by one, same-step auto-reset with `finalObservations`, truncation, Box actions, action checks,
 * plain user envs through the adapter, no allocation-visible state between steps, and the
 * random-policy CartPole episode length (≈ 22, as Gymnasium).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRng, deriveSeed } from '../../../src/rng/index.js';
import { CartPoleEnv, PendulumEnv, contains, createVectorEnv, makeEnv } from '../../../src/rl/envs/index.js';
import type { InPlaceEnv } from '../../../src/rl/envs/index.js';
import { CorridorEnv } from './user-envs.js';

/** Copy i stepped alone, the reference the vector env must match bit for bit. */
function referenceCopy(id: string, seed: number, i: number, config: Record<string, unknown> = {}): { env: InPlaceEnv; obs: Float32Array } {
  const env = makeEnv(id, config);
  const obs = new Float32Array(env.obsDim);
  env.resetInto(obs, 0, deriveSeed(seed, 'env', i));
  return { env, obs };
}

describe('createVectorEnv', () => {
  test('shapes and spaces; copies start from deriveSeed(seed, "env", i)', () => {
    const venv = createVectorEnv('CartPole-v1', { num: 5, seed: 17 });
    assert.equal(venv.num, 5);
    assert.equal(venv.obsDim, 4);
    assert.equal(venv.actionDim, 1);
    assert.deepEqual(venv.actionSpace, { kind: 'discrete', n: 2 });
    assert.equal(venv.observations.length, 20);
    assert.equal(venv.finalObservations.length, 20);
    assert.equal(venv.rewards.length, 5);
    for (let i = 0; i < 5; i++) {
      const { obs } = referenceCopy('CartPole-v1', 17, i);
      assert.deepEqual(venv.observations.subarray(4 * i, 4 * i + 4), obs, `copy ${i}`);
      assert.ok(contains(venv.observationSpace, obs));
    }
    // Copies do not share a stream.
    assert.notDeepEqual(venv.observations.subarray(0, 4), venv.observations.subarray(4, 8));
  });

  test('auto-reset: an ended copy’s row holds the next episode’s first observation, finalObservations the last', () => {
    const seed = 5;
    const num = 4;
    const venv = createVectorEnv('CartPole-v1', { num, seed });
    const refs = Array.from({ length: num }, (_, i) => referenceCopy('CartPole-v1', seed, i));
    const random = createRng(99);
    const actions = new Int32Array(num);
    let ended = 0;
    for (let t = 0; t < 300; t++) {
      for (let i = 0; i < num; i++) actions[i] = random() < 0.5 ? 1 : 0;
      venv.step(actions);
      let done = 0;
      for (let i = 0; i < num; i++) {
        const ref = refs[i]!;
        const flags = ref.env.stepInto(actions, i, ref.obs, 0);
        assert.equal(venv.rewards[i], ref.env.reward);
        assert.equal(venv.terminateds[i], flags & 1, `t ${t} copy ${i} terminated`);
        assert.equal(venv.truncateds[i], (flags & 2) >> 1);
        if (flags !== 0) {
          done++;
          ended++;
          assert.deepEqual(venv.finalObservations.subarray(4 * i, 4 * i + 4), ref.obs, 'final observation');
          ref.env.resetInto(ref.obs, 0); // no reseed: the copy's stream goes on
        }
        assert.deepEqual(venv.observations.subarray(4 * i, 4 * i + 4), ref.obs, `t ${t} copy ${i} observation`);
      }
      assert.equal(venv.doneCount, done);
    }
    assert.ok(ended > 20, `episodes ended: ${ended}`);
  });

  test('time limits show as truncateds (not terminateds) and auto-reset too', () => {
    const venv = createVectorEnv('CartPole-v1', { num: 3, seed: 1, config: { maxEpisodeSteps: 5 } });
    const actions = Int32Array.of(0, 1, 0);
    for (let t = 1; t <= 5; t++) {
      const before = Float32Array.from(venv.observations);
      venv.step(actions);
      const last = t === 5;
      assert.deepEqual(Array.from(venv.truncateds), last ? [1, 1, 1] : [0, 0, 0]);
      assert.deepEqual(Array.from(venv.terminateds), [0, 0, 0]);
      assert.deepEqual(Array.from(venv.rewards), [1, 1, 1]);
      if (last) assert.notDeepEqual(venv.finalObservations, before);
    }
    venv.step(actions);
    assert.deepEqual(Array.from(venv.truncateds), [0, 0, 0], 'a fresh episode after the reset');
  });

  test('Box actions: Pendulum copies read actions[i × actionDim]', () => {
    const venv = createVectorEnv('Pendulum-v1', { num: 3, seed: 2 });
    assert.equal(venv.actionDim, 1);
    const refs = Array.from({ length: 3 }, (_, i) => referenceCopy('Pendulum-v1', 2, i));
    const actions = Float32Array.of(-2, 0.5, 3);
    for (let t = 0; t < 10; t++) {
      venv.step(actions);
      refs.forEach((ref, i) => {
        ref.env.stepInto(actions, i, ref.obs, 0);
        assert.deepEqual(venv.observations.subarray(3 * i, 3 * i + 3), ref.obs);
        assert.equal(venv.rewards[i], Math.fround(ref.env.reward));
      });
    }
  });

  test('seeding: same seed same trajectory; different seeds differ; reset(seed) reseeds every copy', () => {
    const roll = (seed: number): number[] => {
      const venv = createVectorEnv('Acrobot-v1', { num: 3, seed });
      const out: number[] = [];
      const actions = Int32Array.of(0, 1, 2);
      for (let t = 0; t < 20; t++) {
        venv.step(actions);
        out.push(...venv.observations);
      }
      return out;
    };
    assert.deepEqual(roll(3), roll(3));
    assert.notDeepEqual(roll(3), roll(4));
    const venv = createVectorEnv('MountainCar-v0', { num: 2, seed: 8 });
    const first = Float32Array.from(venv.observations);
    venv.reset();
    assert.notDeepEqual(venv.observations, first, 'no seed: the streams go on');
    venv.reset(8);
    assert.deepEqual(venv.observations, first);
  });

  test('actions are checked: length, and Discrete values', () => {
    const venv = createVectorEnv('CartPole-v1', { num: 2 });
    assert.throws(() => venv.step(new Int32Array(3)), /expected 2 action values/);
    for (const bad of [2, -1, 0.5, Number.NaN]) {
      assert.throws(() => venv.step(Float32Array.of(0, bad)), /invalid action .* for copy 1/);
    }
    assert.doesNotThrow(() => venv.step(Float32Array.of(0, 1)));
  });

  test('num 0 gives the spaces without copies (a learner); negative or fractional num is an error', () => {
    const venv = createVectorEnv('Pendulum-v1', { num: 0 });
    assert.equal(venv.obsDim, 3);
    assert.equal(venv.actionSpace.kind, 'box');
    assert.equal(venv.observations.length, 0);
    venv.step(new Float32Array(0));
    assert.throws(() => createVectorEnv('Pendulum-v1', { num: -1 }), /non-negative integer/);
    assert.throws(() => createVectorEnv('Pendulum-v1', { num: 1.5 }), /non-negative integer/);
  });

  test('a factory of plain reset/step envs works through the adapter', () => {
    const venv = createVectorEnv((config) => new CorridorEnv(config), { num: 2, seed: 4, config: { length: 3 } });
    assert.equal(venv.id, 'Corridor-test-v0');
    const starts = Array.from(venv.observations);
    const actions = Int32Array.of(1, 1);
    let endedAt: number[] = [-1, -1];
    for (let t = 1; t <= 3; t++) {
      venv.step(actions);
      for (let i = 0; i < 2; i++) {
        if (venv.terminateds[i] && endedAt[i] === -1) {
          endedAt[i] = t;
          assert.equal(venv.finalObservations[i], 3);
        }
      }
    }
    endedAt = endedAt.map((t, i) => t + starts[i]!);
    assert.deepEqual(endedAt, [3, 3], 'each copy ends after 3 − start steps');
  });

  test('the vector env never reads observations back: callers may normalise them in place', () => {
    const a = createVectorEnv('CartPole-v1', { num: 2, seed: 6 });
    const b = createVectorEnv('CartPole-v1', { num: 2, seed: 6 });
    const actions = Int32Array.of(1, 0);
    for (let t = 0; t < 50; t++) {
      b.observations.fill(123); // e.g. an observation filter writing in place
      a.step(actions);
      b.step(actions);
      assert.deepEqual(b.observations, a.observations);
    }
  });

  test('random-policy CartPole-v1 episodes last ≈ 22 steps on average (Gymnasium ≈ 22)', () => {
    const num = 16;
    const venv = createVectorEnv('CartPole-v1', { num, seed: 2024 });
    const random = createRng(7);
    const actions = new Int32Array(num);
    let episodes = 0;
    let steps = 0;
    while (episodes < 3000) {
      for (let i = 0; i < num; i++) actions[i] = random() < 0.5 ? 1 : 0;
      venv.step(actions);
      steps += num;
      episodes += venv.doneCount;
    }
    // Steps of unfinished episodes are counted too; with 16 copies they shift the mean by < 0.2.
    const mean = steps / episodes;
    assert.ok(mean > 20.5 && mean < 24, `mean episode length ${mean}`);
  });

  test('CartPole copies are CartPoleEnv instances (the fast path, no adapter)', () => {
    const venv = createVectorEnv('CartPole-v1', { num: 2 });
    for (const env of venv.envs) assert.ok(env instanceof CartPoleEnv);
    const p = createVectorEnv(() => new PendulumEnv(), { num: 1 });
    assert.ok(p.envs[0] instanceof PendulumEnv);
  });
});
