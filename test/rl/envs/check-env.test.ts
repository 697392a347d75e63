/**
 * `checkEnv`: the built-in envs pass; envs that break a contract fail with an `EnvCheckError` naming
 * each problem (wrong observation size or type, NaN reward, non-boolean flags, bad spaces, no
 * determinism under a seed); `rlflow train` reports a broken or unknown env before anything runs.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { train } from '../../../src/cli/train.js';
import { PlanError } from '../../../src/ir/errors.js';
import { EnvCheckError, box, checkEnv, discrete, listEnvs, makeEnv, registerEnv, unregisterEnv, type Action, type Env, type StepResult } from '../../../src/rl/envs/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rlflow-check-env-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A 1-D walk whose parts can be broken one at a time. */
function walk(broken: { obs?: 'length' | 'array' | 'nan'; reward?: 'nan'; flags?: true; random?: true; space?: true } = {}): Env {
  let x = 0;
  return {
    id: 'Walk-v0',
    observationSpace: broken.space ? { kind: 'box', shape: [1], low: Float32Array.of(0, 0), high: Float32Array.of(1) } : box([-100], [100]),
    actionSpace: discrete(2),
    reset() {
      x = broken.random ? Math.random() : 0;
      return { observation: Float32Array.of(x), info: {} };
    },
    step(a: Action): StepResult {
      x += a === 1 ? 1 : -1;
      const observation = broken.obs === 'length' ? Float32Array.of(x, 0) : broken.obs === 'nan' ? Float32Array.of(Number.NaN) : Float32Array.of(x);
      return {
        observation: (broken.obs === 'array' ? [x] : observation) as Float32Array,
        reward: broken.reward === 'nan' ? Number.NaN : 1,
        terminated: (broken.flags ? 0 : false) as boolean,
        truncated: Math.abs(x) >= 10,
        info: {},
      };
    },
  };
}

function fails(env: () => Env, pattern: RegExp): void {
  assert.throws(() => checkEnv(env), (e: unknown) => e instanceof EnvCheckError && pattern.test(e.message) && e.problems.length > 0, String(pattern));
}

describe('checkEnv', () => {
  test('every built-in env passes, and so does a correct custom env', () => {
    for (const id of listEnvs()) checkEnv(() => makeEnv(id));
    checkEnv(() => walk());
  });

  test('broken contracts are named', () => {
    fails(() => walk({ obs: 'length' }), /observation has 2 values, the observation space \[1\] has 1/);
    fails(() => walk({ obs: 'array' }), /observation must be a Float32Array, got Array/);
    fails(() => walk({ obs: 'nan' }), /observation\[0\] is NaN/);
    fails(() => walk({ reward: 'nan' }), /reward must be a finite number, got NaN/);
    fails(() => walk({ flags: true }), /terminated and truncated must be booleans/);
    fails(() => walk({ space: true }), /Box low\/high have 2\/1 values/);
    fails(() => walk({ random: true }), /not deterministic/);
  });

  test('rlflow train fails on a broken env or an unknown id before writing anything', async () => {
    registerEnv('BrokenWalk-v0', () => walk({ reward: 'nan' }));
    try {
      const out = path.join(dir, 'never');
      await assert.rejects(train(['pg', '--env', 'BrokenWalk-v0', '--backend', 'local', '--out', out], () => undefined), (e: unknown) => e instanceof EnvCheckError && /'Walk-v0' fails 1 check\(s\):\n {2}- step 1: reward must be a finite number, got NaN/.test(e.message));
      await assert.rejects(train(['pg', '--env', 'CartPol-v1', '--out', out], () => undefined), (e: unknown) => e instanceof PlanError && /did you mean "CartPole-v1"/.test(e.message));
      assert.equal(existsSync(out), false);
    } finally {
      unregisterEnv('BrokenWalk-v0');
    }
  });
});
