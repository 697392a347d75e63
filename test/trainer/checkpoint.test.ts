/**
 * The checkpoint file format: typed arrays survive the JSON round trip bit for bit (a fast-check
 * property over arbitrary float32/float64 values, NaN and ±0 excepted as JSON cannot hold them), are
 * stored as tagged plain arrays (never `{"0": …}` objects), writes leave no temp file behind, and
 * foreign or newer files fail with a clear error. progress.csv's header grows with new keys.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { PlanError } from '../../src/ir/errors.js';
import { CHECKPOINT_FORMAT, decodeCheckpoint, encodeCheckpoint, readCheckpoint, writeCheckpoint, type Checkpoint } from '../../src/trainer/checkpoint.js';
import { ProgressWriter, flattenResult } from '../../src/trainer/progress.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rlflow-checkpoint-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function checkpointWith(actors: Record<string, unknown[]>): Checkpoint {
  return {
    format: CHECKPOINT_FORMAT,
    version: 1,
    algorithm: 'ppo',
    env: 'CartPole-v1',
    seed: 0,
    config: {},
    iteration: 1,
    timesteps: 10,
    driver: { metrics: { counters: {}, info: {} }, nodes: {}, random: 7 },
    actors,
    replay: false,
  };
}

test('typed arrays round-trip exactly, as tagged arrays', () => {
  const finite32 = fc.float({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Object.is(x, -0));
  const finite64 = fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Object.is(x, -0));
  fc.assert(
    fc.property(fc.array(finite32), fc.array(finite64), fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })), (f32, f64, i32) => {
      const state = { w: Float32Array.from(f32), m: Float64Array.from(f64), ids: Int32Array.from(i32), nested: [{ u: Uint8Array.of(1, 2) }] };
      const back = decodeCheckpoint(encodeCheckpoint(checkpointWith({ workers: [state] })), 'x').actors['workers']![0] as typeof state;
      assert.ok(back.w instanceof Float32Array && back.m instanceof Float64Array && back.ids instanceof Int32Array && back.nested[0]!.u instanceof Uint8Array);
      assert.deepEqual(back, state);
    }),
  );
  assert.match(encodeCheckpoint(checkpointWith({ workers: [{ mean: Float64Array.of(0.5, 1.5) }] })), /"mean":\{"\$typed":"Float64Array","values":\[0\.5,1\.5\]\}/);
});

test('writes are atomic (no temp file left); foreign and newer files are refused', () => {
  writeCheckpoint(path.join(dir, 'checkpoint.json'), checkpointWith({}));
  assert.deepEqual(readdirSync(dir), ['checkpoint.json']);
  assert.equal(readCheckpoint(dir).iteration, 1);
  writeFileSync(path.join(dir, 'other.json'), JSON.stringify({ hello: 1 }));
  assert.throws(() => readCheckpoint(path.join(dir, 'other.json')), (e: unknown) => e instanceof PlanError && /not an rlflow checkpoint/.test(e.message));
  writeFileSync(path.join(dir, 'newer.json'), JSON.stringify({ ...checkpointWith({}), version: 2 }));
  assert.throws(() => readCheckpoint(path.join(dir, 'newer.json')), /format version 2; this rlflow reads version 1/);
  assert.throws(() => readCheckpoint(path.join(dir, 'missing')), /does not exist/);
});

test('progress.csv: flattened keys, a header that grows with new keys, resumed runs keep earlier rows', () => {
  assert.deepEqual(flattenResult({ a: 1, b: { c: 2, d: [1, 2] }, e: 'x' }), { a: 1, 'b/c': 2, e: 'x' });
  const run = path.join(dir, 'run');
  rmSync(run, { recursive: true, force: true });
  mkdirSync(run);
  const w = new ProgressWriter(run);
  w.append({ training_iteration: 1, r: 1 });
  w.append({ training_iteration: 2, r: 2, info: { kl: 0.5 } });
  assert.deepEqual(readFileSync(w.csvFile, 'utf8').trim().split('\n'), ['training_iteration,r,info/kl', '1,1,', '2,2,0.5']);
  const resumed = new ProgressWriter(run, 1);
  resumed.append({ training_iteration: 2, r: 3 });
  assert.deepEqual(readFileSync(resumed.csvFile, 'utf8').trim().split('\n'), ['training_iteration,r', '1,1', '2,3']);
});
