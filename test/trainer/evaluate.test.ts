/**
 * Using a trained policy: a PG run on the corridor env (optimal return 6) is checkpointed, then
 * `loadPolicy` and `evaluate` use it without the trainer: greedy episodes reach the optimum, which an
 * untrained policy does not; `rlflow eval` prints the statistics; evaluations are reproducible.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { main } from '../../src/cli/main.js';
import { readCheckpoint, writeCheckpoint, type Checkpoint } from '../../src/trainer/checkpoint.js';
import { evaluate, loadPolicy } from '../../src/trainer/evaluate.js';
import { Trainer } from '../../src/trainer/trainer.js';
import { corridor } from '../fixtures/corridor-env.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rlflow-eval-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const overrides = { envModule: corridor.module, numWorkers: 1, numEnvsPerWorker: 4, rolloutFragmentLength: 20, trainBatchSize: 80, hidden: [16], lr: 3e-2 };

async function trainFor(iterations: number): Promise<Checkpoint> {
  const trainer = await Trainer.create({ algorithm: 'pg', env: corridor.id, overrides, backend: 'local', seed: 1, stop: { iterations } });
  try {
    for (let i = 0; i < iterations; i++) await trainer.train();
    return await trainer.save();
  } finally {
    await trainer.close();
  }
}

describe('loadPolicy and evaluate', () => {
  let trained: Checkpoint;
  let untrained: Checkpoint;
  before(async () => {
    trained = await trainFor(40);
    untrained = await trainFor(0);
    writeCheckpoint(path.join(dir, 'checkpoint.json'), trained);
  });

  test('greedy episodes of the trained policy reach the optimal return; the untrained one does not', async () => {
    const good = await evaluate(trained, { episodes: 5 });
    assert.deepEqual(good.returns, [6, 6, 6, 6, 6], `trained returns ${good.returns.join(', ')}`);
    assert.equal(good.std, 0);
    const bad = await evaluate(untrained, { episodes: 5 });
    assert.ok(bad.mean < 6, `untrained mean ${bad.mean}`);
  });

  test('computeSingleAction from a checkpoint file walks right along the corridor', async () => {
    const agent = await loadPolicy(path.join(dir, 'checkpoint.json'));
    try {
      for (let x = 0; x < 5; x++) assert.equal(agent.computeSingleAction(Float32Array.of(x)), 1, `at position ${x}`);
    } finally {
      agent.dispose();
    }
  });

  test('evaluations with the same seed are identical; rlflow eval prints mean, std, min, max', async () => {
    const a = await evaluate(untrained, { episodes: 4, explore: true, seed: 3 });
    const b = await evaluate(untrained, { episodes: 4, explore: true, seed: 3 });
    assert.deepEqual(a.returns, b.returns);
    const lines: string[] = [];
    const log = console.log;
    console.log = (l: string) => lines.push(l);
    try {
      assert.equal(await main(['eval', dir, '--episodes', '3']), 0);
    } finally {
      console.log = log;
    }
    assert.match(lines.join('\n'), /return mean 6\.00 {2}std 0\.00 {2}min 6\.00 {2}max 6\.00/);
    assert.equal(readCheckpoint(dir).algorithm, 'pg');
  });
});
