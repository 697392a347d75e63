/**
 * Replay buffers in trainer checkpoints: DQN's buffer on the driver and Ape-X's replay actors are
 * checkpointed with their counters always and with their rows and priorities when the config's
 * `storeBufferInCheckpoints` asks; a checkpoint (through its JSON encoding) restored into a new
 * trainer brings the buffers back exactly, and the resumed run keeps storing on top of them.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { localReplayState } from '../../src/rl/ops/replay.js';
import type { ReplayBuffersState, ReplayStats } from '../../src/rl/replay/index.js';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from '../../src/trainer/checkpoint.js';
import { Trainer } from '../../src/trainer/trainer.js';

const dqnOverrides = { hidden: [16], learningStarts: 100, bufferSize: 1000, timestepsPerIteration: 200, minIterTimeS: 0 };
const apexOverrides = { numWorkers: 2, numReplayBufferShards: 2, hidden: [16], rolloutFragmentLength: 20, learningStarts: 200, bufferSize: 4000, trainBatchSize: 64, targetNetworkUpdateFreq: 256, maxWeightSyncDelay: 40, timestepsPerIteration: 400, minIterTimeS: 0 };

async function checkpointAfter(algorithm: string, overrides: Record<string, unknown>, iterations: number): Promise<Checkpoint> {
  const trainer = await Trainer.create({ algorithm, env: 'CartPole-v1', overrides, backend: 'local', seed: 4 });
  try {
    for (let i = 0; i < iterations; i++) await trainer.train();
    // Through the file format, as `rlflow train --resume` reads it.
    return decodeCheckpoint(encodeCheckpoint(await trainer.save()), 'test');
  } finally {
    await trainer.close();
  }
}

const ringOf = (state: ReplayBuffersState) => state.buffers['default_policy']!.ring;

describe('replay in trainer checkpoints', { timeout: 180_000 }, () => {
  test('DQN: counters always, rows when storeBufferInCheckpoints; a resumed run continues on the restored buffer', async () => {
    const plain = await checkpointAfter('dqn', dqnOverrides, 2);
    const counters = plain.localReplay!['replay'] as ReplayBuffersState;
    assert.equal(counters.numAdded, plain.timesteps, 'every sampled step was stored');
    assert.equal(ringOf(counters).contents, undefined, 'no rows without storeBufferInCheckpoints');

    const full = await checkpointAfter('dqn', { ...dqnOverrides, storeBufferInCheckpoints: true }, 2);
    assert.equal(full.replay, true);
    const saved = full.localReplay!['replay'] as ReplayBuffersState;
    assert.equal(ringOf(saved).size, Math.min(1000, full.timesteps));
    assert.ok(ringOf(saved).contents, 'the rows are in the checkpoint');

    const resumed = await Trainer.create({ algorithm: 'dqn', env: 'CartPole-v1', overrides: { ...dqnOverrides, storeBufferInCheckpoints: true }, backend: 'local', seed: 4 });
    try {
      await resumed.restore(full);
      assert.deepEqual(localReplayState(resumed.runtime, { contents: true })['replay'], saved, 'restored exactly, before the first pull');
      const result = await resumed.train();
      const now = localReplayState(resumed.runtime)['replay']!;
      assert.equal(now.numAdded, result!.timesteps_total, 'the resumed run stores on top of the restored steps');
      assert.ok(now.numAdded > saved.numAdded);
    } finally {
      await resumed.close();
    }
  });

  test("Ape-X: each replay actor's rows when storeBufferInCheckpoints, restored into the shards", async () => {
    const plain = await checkpointAfter('apex', apexOverrides, 2);
    for (const state of plain.actors['replay'] as ReplayBuffersState[]) assert.equal(ringOf(state).contents, undefined);
    const full = await checkpointAfter('apex', { ...apexOverrides, storeBufferInCheckpoints: true }, 2);
    const shards = full.actors['replay'] as ReplayBuffersState[];
    assert.equal(shards.length, 2);
    assert.equal(shards[0]!.numAdded + shards[1]!.numAdded, full.timesteps);
    for (const state of shards) assert.ok(ringOf(state).contents && ringOf(state).size > 0, 'each shard saved its rows');

    const resumed = await Trainer.create({ algorithm: 'apex', env: 'CartPole-v1', overrides: { ...apexOverrides, storeBufferInCheckpoints: true }, backend: 'local', seed: 4 });
    try {
      await resumed.restore(full);
      for (const index of [0, 1]) {
        const stats = (await resumed.runtime.backend.call({ group: 'replay', index }, 'stats', [])) as ReplayStats;
        assert.equal(stats.numAdded, shards[index]!.numAdded, `shard ${index} restored`);
        assert.equal(stats.sizes['default_policy'], ringOf(shards[index]!).size);
      }
    } finally {
      await resumed.close();
    }
  });
});
