/**
 * The runtime honours placement: the `place` pass's device reaches the rollout worker (through
 * `ActorContext.device`), which loads TF.js for it. A worker placed on a GPU where no GPU backend can
 * load fails saying so instead of sampling on the CPU; the same plan placed on the CPU samples.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import { actors, compile, fromActors } from '../../src/dsl/index.js';
import { inventory, optimize } from '../../src/optimizer/index.js';
import type { SampleBatch } from '../../src/rl/data/index.js';
import { RolloutWorker } from '../../src/rl/rollout-worker.js';
import type { RolloutWorkerConfig } from '../../src/rl/worker-api.js';
import { run } from '../../src/runtime/index.js';

const CONFIG: RolloutWorkerConfig = {
  env: 'CartPole-v1',
  envConfig: {},
  numEnvs: 2,
  rolloutFragmentLength: 4,
  gamma: 0.99,
  lambda: 1,
  useGae: true,
  useCritic: true,
  policy: { hidden: [4], activation: 'tanh', vfShareLayers: false, lr: 0.01, gradClip: undefined, loss: { kind: 'a2c', vfLossCoeff: 0.5, entropyCoeff: 0.01 } },
  observationFilter: 'NoFilter',
  explore: true,
};

function gpuPackageInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node-gpu');
    return true;
  } catch {
    return false;
  }
}

async function firstSample(gpus: number): Promise<{ device: string; sample: Promise<SampleBatch | undefined> }> {
  const plan = await compile(fromActors(actors(RolloutWorker, { count: 1, args: [CONFIG], name: 'learnerish', prefers: 'gpu' })).gatherSync());
  const { graph } = await optimize(plan, { passes: ['place'], verify: true, inventory: inventory({ cpus: 2, gpus }) });
  const device = graph.getAttribute('actorGroups')['learnerish']!.device;
  const rt = await run<SampleBatch>(graph, { backend: 'local', seed: 1 });
  const sample = rt.next().then((r) => (r.done ? undefined : r.value)).finally(() => rt.close());
  return { device, sample };
}

describe('rollout worker on its placed device', () => {
  test('placed on the CPU: samples', async () => {
    const { device, sample } = await firstSample(0);
    assert.equal(device, 'cpu');
    assert.equal((await sample)!.count, 8);
  });

  test('placed on a GPU with no GPU backend: fails clearly, never samples on the CPU', async (t) => {
    if (gpuPackageInstalled()) {
      t.skip('@tensorflow/tfjs-node-gpu is installed: a GPU placement may really load here');
      return;
    }
    // The inventory claims a GPU the machine cannot use (as a stale or hand-written inventory could).
    const { device, sample } = await firstSample(1);
    assert.equal(device, 'gpu');
    await assert.rejects(sample, /device 'gpu' requested/);
  });
});
