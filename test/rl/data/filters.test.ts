/**
 * Observation filters: MeanStdFilter's running mean/std against a direct two-pass computation, its
 * normalization and clipping, the worker → master → worker sync (merged deltas equal one filter over all
 * the data, no double counting over rounds), and state that survives structured clone.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  MeanStdFilter,
  NoFilter,
  SampleBatchError,
  createFilter,
  emptyStat,
  filterFromState,
  mergeFilterDeltas,
  mergeStats,
  type FilterState,
} from '../../../src/rl/data/index.js';
import { createRng } from '../../../src/rng/index.js';

/** n random dim-vectors with per-dimension offsets and scales, as Float32 (what envs produce). */
function data(seed: number, n: number, dim: number): Float32Array {
  const rng = createRng(seed);
  const x = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) x[i * dim + j] = (j + 1) * 3 * (rng() - 0.3) + 5 * j;
  return x;
}

/** Two-pass mean and sample std (n − 1) per dimension. */
function direct(x: Float32Array, dim: number): { mean: number[]; std: number[] } {
  const n = x.length / dim;
  const mean = new Array<number>(dim).fill(0);
  const std = new Array<number>(dim).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j]! += x[i * dim + j]! / n;
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) std[j]! += (x[i * dim + j]! - mean[j]!) ** 2 / (n - 1);
  return { mean, std: std.map(Math.sqrt) };
}

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    assert.ok(Math.abs(a - e) <= tol * Math.max(1, Math.abs(e)), `${what}[${i}]: got ${a}, expected ${e}`);
  }
}

function concat(...xs: Float32Array[]): Float32Array {
  const out = new Float32Array(xs.reduce((s, x) => s + x.length, 0));
  let o = 0;
  for (const x of xs) {
    out.set(x, o);
    o += x.length;
  }
  return out;
}

describe('MeanStdFilter', () => {
  test('hand-computed: [1, 2, 3] → mean 2, std 1 → [−1, 0, 1]', () => {
    const f = new MeanStdFilter(1);
    const out = f.apply(Float32Array.from([1, 2, 3]), 3);
    close(out, [-1, 0, 1], 1e-6, 'filtered');
    assert.equal(f.count, 3);
    close(f.mean, [2], 0, 'mean');
    close(f.std, [1], 0, 'std');
  });

  test('running mean/std over several calls equal a direct computation over all rows', () => {
    const dim = 4;
    const a = data(1, 7, dim);
    const b = data(2, 1, dim);
    const c = data(3, 25, dim);
    const f = new MeanStdFilter(dim);
    f.apply(a.slice(), 7);
    f.apply(b.slice(), 1);
    const last = c.slice();
    f.apply(last, 25);
    const d = direct(concat(a, b, c), dim);
    close(f.mean, d.mean, 1e-12, 'mean');
    close(f.std, d.std, 1e-12, 'std');
    // The last call's rows are normalized with the statistics after pushing them, then clipped to ±10.
    const expected = Array.from(c, (x, k) => Math.max(-10, Math.min(10, (x - d.mean[k % dim]!) / (d.std[k % dim]! + 1e-8))));
    close(last, expected, 1e-6, 'normalized');
  });

  test('apply works in place on the first n rows and returns the same array', () => {
    const f = new MeanStdFilter(2);
    const obs = Float32Array.from([1, 2, 3, 4, 77, 77]);
    assert.equal(f.apply(obs, 2), obs);
    assert.deepEqual([...obs.subarray(4)], [77, 77], 'rows past n are untouched');
    assert.equal(f.count, 2);
    assert.throws(() => f.apply(new Float32Array(3), 2), SampleBatchError);
  });

  test('update: false leaves the statistics and the buffer alone', () => {
    const f = new MeanStdFilter(1);
    f.apply(Float32Array.from([1, 2, 3]), 3);
    const out = f.apply(Float32Array.from([4]), 1, false);
    close(out, [2], 1e-6, 'filtered with mean 2, std 1');
    assert.equal(f.count, 3);
    assert.equal(f.delta().n, 3);
  });

  test('clipping at ±10 by default, configurable, off with null', () => {
    // 199 zeros then 1000: mean 5, M2 = 199·25 + 995² = 995000, var = 995000 / 199 = 5000 → z = 995 / √5000 ≈ 14.07
    const zeros = new Float32Array(199);
    const f = new MeanStdFilter(1);
    f.apply(zeros.slice(), 199);
    close(f.apply(Float32Array.from([1000]), 1), [10], 0, 'clipped to 10');
    const g = new MeanStdFilter(1, { clip: null });
    g.apply(zeros.slice(), 199);
    close(g.apply(Float32Array.from([1000]), 1), [995 / Math.sqrt(5000)], 1e-6, 'unclipped');
    const h = new MeanStdFilter(1, { clip: 2 });
    close(h.apply(Float32Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 100]), 10), [-0.316227766, -0.316227766, -0.316227766, -0.316227766, -0.316227766, -0.316227766, -0.316227766, -0.316227766, -0.316227766, 2], 1e-6, 'clip 2');
  });

  test('demean/destd switches; RLlib quirks for n = 1 (std = |mean|) and an empty filter (identity)', () => {
    const f = new MeanStdFilter(1, { destd: false });
    close(f.apply(Float32Array.from([1, 2, 3]), 3), [-1, 0, 1], 0, 'demean only');
    const g = new MeanStdFilter(1, { demean: false });
    close(g.apply(Float32Array.from([1, 2, 3]), 3), [1, 2, 3], 1e-6, 'destd only (std 1)');
    close(new MeanStdFilter(1).apply(Float32Array.from([5]), 1), [0], 0, 'one observation');
    close(new MeanStdFilter(2).apply(Float32Array.from([3, -4]), 1, false), [3, -4], 0, 'no data yet');
  });

  test('two workers merged at the master equal one filter over all the data; broadcast makes them equal', () => {
    const dim = 3;
    const workerA = new MeanStdFilter(dim);
    const workerB = new MeanStdFilter(dim);
    const master = new MeanStdFilter(dim);
    const a1 = data(10, 40, dim);
    const b1 = data(11, 13, dim);
    workerA.apply(a1.slice(), 40);
    workerB.apply(b1.slice(), 13);
    // Sync round 1.
    master.applyDelta(workerA.flushDelta());
    master.applyDelta(workerB.flushDelta());
    let all = direct(concat(a1, b1), dim);
    close(master.mean, all.mean, 1e-12, 'master mean');
    close(master.std, all.std, 1e-12, 'master std');
    assert.equal(master.count, 53);
    const broadcast = structuredClone(master.toState());
    workerA.sync(broadcast);
    workerB.sync(broadcast);
    assert.equal(workerA.count, 53);
    assert.equal(workerA.delta().n, 0, 'buffer cleared by sync');
    const probe = data(99, 5, dim);
    const pa = workerA.apply(probe.slice(), 5, false);
    const pb = workerB.apply(probe.slice(), 5, false);
    const pm = master.apply(probe.slice(), 5, false);
    assert.deepEqual(pa, pm);
    assert.deepEqual(pb, pm);

    // Round 2: only the new data travels; nothing is counted twice.
    const a2 = data(12, 9, dim);
    const b2 = data(13, 30, dim);
    workerA.apply(a2.slice(), 9);
    workerB.apply(b2.slice(), 30);
    assert.equal(workerA.delta().n, 9);
    const merged = mergeFilterDeltas(master.toState(), [workerA.flushDelta(), workerB.flushDelta()]);
    all = direct(concat(a1, b1, a2, b2), dim);
    const m = MeanStdFilter.fromState(merged);
    assert.equal(m.count, 92);
    close(m.mean, all.mean, 1e-12, 'round-2 mean');
    close(m.std, all.std, 1e-12, 'round-2 std');
  });

  test('mergeStats is the parallel Welford update (hand-computed) and ignores empty sides', () => {
    // {1, 3}: n 2, mean 2, M2 2.  {5}: n 1, mean 5, M2 0.  Union {1, 3, 5}: mean 3, M2 = 4 + 0 + 4 = 8.
    const a = { n: 2, mean: Float64Array.from([2]), m2: Float64Array.from([2]) };
    const b = { n: 1, mean: Float64Array.from([5]), m2: Float64Array.from([0]) };
    const u = mergeStats(a, b);
    assert.equal(u.n, 3);
    close(u.mean, [3], 1e-15, 'mean');
    close(u.m2, [8], 1e-15, 'm2');
    assert.deepEqual(mergeStats(a, emptyStat(1)), a);
    assert.deepEqual(mergeStats(emptyStat(1), b), b);
    assert.deepEqual(mergeStats(a, emptyStat(2)), a, 'an empty side has no dimension to clash');
    assert.throws(() => mergeStats(a, { n: 1, mean: new Float64Array(2), m2: new Float64Array(2) }), SampleBatchError);
  });

  test('state survives structured clone: the rebuilt filter continues bit-identically', () => {
    const dim = 2;
    const f = new MeanStdFilter(dim, { clip: 5 });
    f.apply(data(20, 17, dim), 17);
    const state: FilterState = structuredClone(f.toState());
    assert.equal(state.kind, 'MeanStdFilter');
    const g = filterFromState(state);
    assert.ok(g instanceof MeanStdFilter);
    assert.deepEqual(g.toState(), f.toState());
    const next = data(21, 6, dim);
    assert.deepEqual(g.apply(next.slice(), 6), f.apply(next.slice(), 6));
    assert.deepEqual(g.flushDelta(), f.flushDelta());
    assert.deepEqual(g.toState(), f.toState());
    // Checkpoint round trip through JSON-free plain data keeps the clip setting.
    assert.equal((g.toState() as Extract<FilterState, { kind: 'MeanStdFilter' }>).clip, 5);
  });

  test('without a dimension, a filter learns it from the first observations, delta or state', () => {
    const worker = createFilter('MeanStdFilter');
    assert.equal(worker.dim, 0);
    worker.apply(Float32Array.from([1, 10, 3, 30]), 2);
    assert.equal(worker.dim, 2);
    // The learner holds the master filter but never sees an observation: the first delta sets its size.
    const master = createFilter('MeanStdFilter');
    master.applyDelta(emptyStat(0));
    assert.equal(master.dim, 0, 'an empty delta says nothing');
    master.applyDelta(worker.flushDelta());
    assert.equal(master.dim, 2);
    const broadcast = master.toState();
    const fresh = createFilter('MeanStdFilter');
    fresh.sync(broadcast);
    assert.equal(fresh.dim, 2);
    close(fresh.apply(Float32Array.from([2, 20]), 1, false), [0, 0], 1e-9, 'mean (2, 20)');
    // A broadcast from a master that has not seen data yet changes nothing about the size.
    const unknown = createFilter('MeanStdFilter');
    unknown.sync(createFilter('MeanStdFilter').toState());
    assert.equal(unknown.dim, 0);
    assert.throws(() => createFilter('MeanStdFilter').apply(new Float32Array(5), 2), SampleBatchError);
  });

  test('restore brings back the buffer too; sync clears it', () => {
    const f = new MeanStdFilter(1);
    f.apply(Float32Array.from([1, 2, 3]), 3);
    const g = new MeanStdFilter(1);
    g.restore(f.toState());
    assert.equal(g.delta().n, 3);
    const h = new MeanStdFilter(1);
    h.sync(f.toState());
    assert.equal(h.delta().n, 0);
    assert.equal(h.count, 3);
  });

  test('sync and fromState reject mismatched states', () => {
    const f = new MeanStdFilter(2);
    assert.throws(() => f.sync(new MeanStdFilter(3).toState()), SampleBatchError);
    assert.throws(() => f.sync({ kind: 'NoFilter', dim: 2 }), SampleBatchError);
    assert.throws(() => f.applyDelta({ n: 2, mean: new Float64Array(3), m2: new Float64Array(3) }), SampleBatchError);
    assert.throws(() => MeanStdFilter.fromState({ kind: 'NoFilter', dim: 2 }), SampleBatchError);
    assert.throws(() => new MeanStdFilter(-1), SampleBatchError);
    assert.throws(() => new MeanStdFilter(1.5), SampleBatchError);
    assert.throws(() => new MeanStdFilter(2, { clip: -1 }), SampleBatchError);
  });
});

describe('NoFilter and createFilter', () => {
  test('NoFilter is the identity with empty deltas', () => {
    const f = createFilter('NoFilter', 2);
    assert.ok(f instanceof NoFilter);
    const obs = Float32Array.from([1, 2, 3, 4]);
    assert.deepEqual([...f.apply(obs, 2)], [1, 2, 3, 4]);
    assert.equal(f.flushDelta().n, 0);
    assert.deepEqual(filterFromState(structuredClone(f.toState())).toState(), { kind: 'NoFilter', dim: 2 });
  });

  test('createFilter makes a MeanStdFilter with options; unknown kinds are errors', () => {
    const f = createFilter('MeanStdFilter', 1, { clip: 1 });
    close(f.apply(Float32Array.from([0, 0, 0, 10]), 4), [-0.5, -0.5, -0.5, 1], 1e-6, 'clip 1');
    assert.throws(() => createFilter('Bogus' as 'NoFilter', 1), SampleBatchError);
  });
});
