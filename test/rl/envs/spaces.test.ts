/**
 * Spaces: Box/Discrete constructors and their errors, `contains` (float32 bounds, NaN, shapes),
 * `sample` (uniform, half-bounded and unbounded Box elements; Discrete covers every value; seeded),
 * and the sizes `flatDim` / `actionDim`.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRng } from '../../../src/rng/index.js';
import { FLOAT32_MAX, actionDim, box, boxSize, contains, discrete, flatDim, sample } from '../../../src/rl/envs/index.js';

describe('spaces', () => {
  test('box: arrays or broadcast scalars, stored as float32; shape inferred or given', () => {
    const b = box([-1.2, -0.07], [0.6, 0.07]);
    assert.equal(b.kind, 'box');
    assert.deepEqual(b.shape, [2]);
    assert.ok(b.low instanceof Float32Array && b.high instanceof Float32Array);
    assert.equal(b.high[1], Math.fround(0.07));
    const m = box(-1, 1, [2, 3]);
    assert.deepEqual(m.shape, [2, 3]);
    assert.equal(m.low.length, 6);
    assert.equal(boxSize(m), 6);
    assert.deepEqual(Array.from(box(0, [1, 2, 3]).low), [0, 0, 0]);
  });

  test('box: invalid bounds and shapes are errors', () => {
    assert.throws(() => box(0, 1), /give a shape/);
    assert.throws(() => box([0, 0], [1]), /high has 1 values, the shape holds 2/);
    assert.throws(() => box(1, 0, [1]), /low\[0\] = 1 must be ≤ high\[0\] = 0/);
    assert.throws(() => box(0, Number.NaN, [1]), /must be ≤/);
    assert.throws(() => box(0, 1, [1.5]), /non-negative integers/);
  });

  test('discrete: positive integer n', () => {
    assert.deepEqual(discrete(3), { kind: 'discrete', n: 3 });
    assert.throws(() => discrete(0), /positive integer/);
    assert.throws(() => discrete(2.5), /positive integer/);
  });

  test('contains: Discrete takes integers in [0, n)', () => {
    const d = discrete(3);
    assert.ok(contains(d, 0) && contains(d, 2));
    for (const x of [3, -1, 1.5, Number.NaN, '1', Float32Array.of(1)]) assert.equal(contains(d, x), false, String(x));
  });

  test('contains: Box checks size and float32 bounds; NaN is never inside', () => {
    const b = box([-1, -2], [1, 2]);
    assert.ok(contains(b, Float32Array.of(0.5, -2)));
    assert.ok(contains(b, [1, 2]));
    assert.equal(contains(b, Float32Array.of(1.5, 0)), false);
    assert.equal(contains(b, Float32Array.of(0, Number.NaN)), false);
    assert.equal(contains(b, Float32Array.of(0)), false);
    assert.equal(contains(b, 0), false);
    assert.equal(contains(b, 'x'), false);
    // Bounds are float32: 0.07 + 1e-10 rounds to float32(0.07), so it is inside.
    assert.ok(contains(box([0], [0.07]), [0.07 + 1e-10]));
    // A one-element Box also takes a plain number.
    assert.ok(contains(box(-2, 2, [1]), 1.5));
    assert.equal(contains(box(-2, 2, [1]), 2.5), false);
    // Infinite values sit outside FLOAT32_MAX bounds.
    assert.equal(contains(box(-FLOAT32_MAX, FLOAT32_MAX, [1]), [Infinity]), false);
  });

  test('sample: Discrete draws every value, only valid ones, reproducibly', () => {
    const d = discrete(4);
    const seen = new Set<number>();
    const random = createRng(1);
    for (let k = 0; k < 400; k++) {
      const x = sample(d, random);
      assert.ok(contains(d, x));
      seen.add(x);
    }
    assert.equal(seen.size, 4);
    const r1 = createRng(7);
    const r2 = createRng(7);
    assert.deepEqual(Array.from({ length: 20 }, () => sample(d, r1)), Array.from({ length: 20 }, () => sample(d, r2)));
  });

  test('sample: bounded Box elements are uniform within their bounds', () => {
    const b = box([-1, 10], [1, 12]);
    const random = createRng(3);
    let sum0 = 0;
    for (let k = 0; k < 2000; k++) {
      const x = sample(b, random);
      assert.ok(x instanceof Float32Array && x.length === 2);
      assert.ok(contains(b, x));
      sum0 += x[0]!;
    }
    assert.ok(Math.abs(sum0 / 2000) < 0.05);
  });

  test('sample: half-bounded elements stay on their side; unbounded ones are standard normal', () => {
    const b = box([0, -Infinity, -Infinity], [Infinity, 5, Infinity]);
    const random = createRng(4);
    const n = 4000;
    let sum = 0;
    let sumSq = 0;
    for (let k = 0; k < n; k++) {
      const x = sample(b, random);
      assert.ok(x[0]! >= 0 && x[1]! <= 5 && Number.isFinite(x[2]!));
      sum += x[2]!;
      sumSq += x[2]! ** 2;
    }
    assert.ok(Math.abs(sum / n) < 0.08, 'mean ≈ 0');
    assert.ok(Math.abs(sumSq / n - 1) < 0.1, 'variance ≈ 1');
  });

  test('flatDim (Gymnasium’s flatdim) and actionDim', () => {
    assert.equal(flatDim(box(0, 1, [2, 3])), 6);
    assert.equal(flatDim(discrete(5)), 5);
    assert.equal(actionDim(box(0, 1, [2])), 2);
    assert.equal(actionDim(discrete(5)), 1);
  });

  test('spaces are plain data: they survive structured clone', () => {
    const b = box([-1, -2], [1, 2]);
    const c = structuredClone(b);
    assert.deepEqual(c, b);
    assert.ok(contains(c, [0, 0]));
  });
});
