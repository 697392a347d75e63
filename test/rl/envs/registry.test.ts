/**
 * The registry: the five built-ins and their specs, `makeEnv` configs, unknown ids, and users'
 * environments — plain `reset`/`step` envs through the generic adapter (fast path included), time
 * limits from the registration, envs that bring their own fast path, and duplicate ids.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AcrobotEnv,
  CartPoleEnv,
  MountainCarContinuousEnv,
  MountainCarEnv,
  PendulumEnv,
  STEP_TERMINATED,
  STEP_TRUNCATED,
  SteppingEnvAdapter,
  TimeLimit,
  UnknownEnvError,
  envSpec,
  isInPlaceEnv,
  listEnvs,
  makeEnv,
  registerEnv,
  unregisterEnv,
} from '../../../src/rl/envs/index.js';
import { CorridorEnv, FastCounterEnv, PointEnv, corridorRef } from './user-envs.js';

const BUILTINS = ['Acrobot-v1', 'CartPole-v1', 'MountainCar-v0', 'MountainCarContinuous-v0', 'Pendulum-v1'];

describe('env registry', () => {
  test('the five classic-control envs are registered, with Gymnasium’s limits and thresholds', () => {
    for (const id of BUILTINS) assert.ok(listEnvs().includes(id), id);
    assert.deepEqual(listEnvs(), [...listEnvs()].sort());
    const specs = Object.fromEntries(BUILTINS.map((id) => [id, [envSpec(id).maxEpisodeSteps, envSpec(id).rewardThreshold]]));
    assert.deepEqual(specs, {
      'Acrobot-v1': [500, -100],
      'CartPole-v1': [500, 475],
      'MountainCar-v0': [200, -110],
      'MountainCarContinuous-v0': [999, 90],
      'Pendulum-v1': [200, undefined],
    });
  });

  test('makeEnv builds each built-in with its id and passes the config', () => {
    const classes = {
      'CartPole-v1': CartPoleEnv,
      'Pendulum-v1': PendulumEnv,
      'MountainCar-v0': MountainCarEnv,
      'MountainCarContinuous-v0': MountainCarContinuousEnv,
      'Acrobot-v1': AcrobotEnv,
    };
    for (const [id, cls] of Object.entries(classes)) {
      const env = makeEnv(id);
      assert.ok(env instanceof cls, id);
      assert.equal(env.id, id);
      assert.ok(isInPlaceEnv(env));
    }
    assert.equal((makeEnv('Pendulum-v1', { g: 9.81 }) as PendulumEnv).g, 9.81);
    assert.equal((makeEnv('CartPole-v1', { maxEpisodeSteps: 7 }) as CartPoleEnv).maxEpisodeSteps, 7);
    assert.throws(() => makeEnv('Pendulum-v1', { gravity: 9.81 }), /Pendulum-v1: unknown config key "gravity" \(accepted: g, maxEpisodeSteps, seed\)/);
  });

  test('an unknown id is an UnknownEnvError naming the id and the registered ids', () => {
    const err = (() => {
      try {
        makeEnv('CartPole-v0');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    assert.ok(err instanceof UnknownEnvError);
    assert.equal(err.name, 'UnknownEnvError');
    assert.equal(err.id, 'CartPole-v0');
    for (const id of BUILTINS) assert.ok(err.registered.includes(id));
    assert.match(err.message, /"CartPole-v0"/);
    assert.match(err.message, /CartPole-v1/);
    assert.throws(() => envSpec('Nope-v0'), UnknownEnvError);
  });

  test('a user env with only reset/step runs through the adapter: Gymnasium API and fast path', () => {
    assert.deepEqual(corridorRef, { id: 'Corridor-test-v0', module: corridorRef.module });
    assert.match(corridorRef.module!, /user-envs\.ts$/);
    const env = makeEnv('Corridor-test-v0', { length: 4 });
    // The registration's maxEpisodeSteps wraps a TimeLimit around the adapter.
    assert.ok(env instanceof TimeLimit);
    assert.ok((env as TimeLimit).inner instanceof SteppingEnvAdapter);
    assert.equal(env.obsDim, 1);

    // Gymnasium API: info passes through.
    const first = env.reset({ seed: 3 });
    const start = first.observation[0]!;
    assert.deepEqual(first.info, { start });
    const r = env.step(1);
    assert.deepEqual(r.info, { position: start + 1 });
    assert.equal(r.reward, -1);

    // Fast path: observation written in place at the offset; flags and reward.
    const out = new Float32Array(3);
    env.resetInto(out, 1, 3);
    assert.equal(out[1], start);
    const actions = Int32Array.of(0, 1);
    let flags = 0;
    let steps = 0;
    while (flags === 0) {
      flags = env.stepInto(actions, 1, out, 1);
      steps++;
      assert.equal(env.reward, -1);
    }
    assert.equal(flags, STEP_TERMINATED);
    assert.equal(out[1], 4);
    assert.equal(steps, 4 - start);
  });

  test('the registration’s time limit truncates, and config maxEpisodeSteps overrides it', () => {
    const env = makeEnv('Corridor-test-v0', { length: 1000 });
    env.reset({ seed: 1 });
    let r = env.step(0);
    let t = 1;
    while (!r.truncated) {
      r = env.step(t % 2);
      t++;
    }
    assert.equal(t, 50);
    assert.equal(r.terminated, false);
    const short = makeEnv('Corridor-test-v0', { length: 1000, maxEpisodeSteps: 2 });
    const obs = new Float32Array(1);
    short.resetInto(obs, 0, 1);
    const a = Int32Array.of(0);
    assert.deepEqual([short.stepInto(a, 0, obs, 0), short.stepInto(a, 0, obs, 0)], [0, STEP_TRUNCATED]);
    assert.throws(() => makeEnv('Corridor-test-v0', {}).step(0), /call reset\(\) before step\(\)/);
  });

  test('Box actions reach a plain env as a fresh Float32Array copy', (t) => {
    registerEnv('Point-test-v0', () => new PointEnv());
    t.after(() => unregisterEnv('Point-test-v0'));
    const env = makeEnv('Point-test-v0');
    assert.ok(env instanceof SteppingEnvAdapter);
    const out = new Float32Array(1);
    env.resetInto(out, 0);
    const actions = Float32Array.of(9, -0.5, 9);
    env.stepInto(actions, 1, out, 0);
    assert.equal(out[0], 4.5);
    assert.equal(env.reward, -4.5);
    const seen = (env as SteppingEnvAdapter).inner as PointEnv;
    assert.deepEqual(Array.from(seen.lastAction!), [-0.5]);
    actions[1] = 7; // the env's copy does not change with the caller's buffer
    assert.equal(seen.lastAction![0], -0.5);
  });

  test('an env that implements the fast path itself is used as it is', (t) => {
    const ref = registerEnv('FastCounter-test-v0', () => new FastCounterEnv(3));
    t.after(() => unregisterEnv('FastCounter-test-v0'));
    assert.deepEqual(ref, { id: 'FastCounter-test-v0' });
    const env = makeEnv('FastCounter-test-v0');
    assert.ok(env instanceof FastCounterEnv);
    env.reset();
    assert.deepEqual([env.step(0).reward, env.step(0).terminated, env.step(0).terminated], [1, false, true]);
  });

  test('the adapter checks observations; registration checks its arguments', (t) => {
    registerEnv('Bad-test-v0', () => {
      const env = new CorridorEnv();
      env.reset = () => ({ observation: Float32Array.of(1, 2), info: {} });
      return env;
    });
    t.after(() => unregisterEnv('Bad-test-v0'));
    assert.throws(() => makeEnv('Bad-test-v0').reset(), /reset\(\) must return a Float32Array observation of length 1/);
    assert.throws(() => registerEnv('', () => new CorridorEnv()), /non-empty string/);
    assert.throws(() => registerEnv('X-test-v0', 'nope' as never), /factory must be a function/);
    assert.throws(() => registerEnv('X-test-v0', () => new CorridorEnv(), { maxEpisodeSteps: 0 }), /maxEpisodeSteps must be a positive integer/);
  });

  test('an id cannot be registered twice unless overridden', (t) => {
    const factory = () => new CorridorEnv();
    registerEnv('Dup-test-v0', factory);
    t.after(() => unregisterEnv('Dup-test-v0'));
    assert.doesNotThrow(() => registerEnv('Dup-test-v0', factory), 'the same factory again is fine');
    assert.throws(() => registerEnv('Dup-test-v0', () => new PointEnv()), /"Dup-test-v0" is already registered/);
    assert.throws(() => registerEnv('CartPole-v1', () => new PointEnv()), /already registered/);
    registerEnv('Dup-test-v0', () => new PointEnv(), { override: true });
    assert.equal(makeEnv('Dup-test-v0').id, 'Point-test-v0');
    assert.equal(unregisterEnv('Dup-test-v0'), true);
    assert.equal(listEnvs().includes('Dup-test-v0'), false);
  });
});
