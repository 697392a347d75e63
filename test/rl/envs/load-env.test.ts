/**
 * `loadEnv`: a process that never imported a user's env module (a farm worker) loads the env from an
 * `EnvRef`, which imports the module that registers it. This file must not import user-envs.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UnknownEnvError, listEnvs, loadEnv } from '../../../src/rl/envs/index.js';

describe('loadEnv', () => {
  test('imports the registering module named by the ref, then makes the env', async () => {
    assert.equal(listEnvs().includes('Corridor-test-v0'), false);
    await assert.rejects(loadEnv('Corridor-test-v0'), UnknownEnvError);
    const module = new URL('./user-envs.ts', import.meta.url).href;
    const env = await loadEnv({ id: 'Corridor-test-v0', module }, { length: 5 });
    assert.ok(listEnvs().includes('Corridor-test-v0'));
    assert.equal(env.id, 'Corridor-test-v0');
    const { observation } = env.reset({ seed: 2 });
    assert.ok(observation[0]! >= 0 && observation[0]! < 4);
  });

  test('built-ins load by id alone', async () => {
    const env = await loadEnv('Acrobot-v1', { maxEpisodeSteps: 10 });
    assert.equal(env.id, 'Acrobot-v1');
  });
});
