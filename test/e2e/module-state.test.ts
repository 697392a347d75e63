/**
 * Why `rlflow check` reports module-level state (rule module-state): an actor-side stage that reads
 * module state the driver changed gives different results on the two backends. The local backend's
 * actors share the driver's module instance; every farm worker imports a fresh copy.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { actors, compile, fromActors } from '../../src/index.js';
import { Counter } from '../fixtures/counters.js';
import { configure, scaleIt } from '../fixtures/check/bad-module-state.js';
import { drain, withRuntime } from './helpers.js';

test('a stage reading driver-changed module state: local and farm disagree (so the check flags it)', async () => {
  configure(3, 10);
  const plan = await compile(fromActors(actors(Counter, { args: [1, 3] })).forEach(scaleIt).gatherSync());
  const local = await withRuntime(plan, 'local', (rt) => drain(rt));
  const farm = await withRuntime(plan, 'farm', (rt) => drain(rt));
  assert.deepEqual(local, [13, 16, 19], 'local sees the driver-side configure()');
  assert.deepEqual(farm, [1, 2, 3], 'a farm worker has its own, unconfigured module');
});
