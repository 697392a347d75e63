/**
 * fast-check properties of the replay memory against naive models:
 * - the columnar ring buffer, after any sequence of adds of any sizes, holds exactly the last
 *   `min(capacity, added)` rows of a plain array model, in FIFO slots, with the counters the model gives;
 * - the sum/min segment trees agree with sums and minimums over a plain array after any updates, and
 *   `findPrefixSumIndex` agrees with a linear scan of the cumulative sums;
 * - a prioritized buffer's sampling probabilities equal p^α / Σ p^α of the priorities the model keeps.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { createSampleBatch } from '../../src/rl/data/index.js';
import { ColumnarRingBuffer, MinSegmentTree, ReplayBuffer, SumSegmentTree } from '../../src/rl/replay/index.js';

function batchOf(values: readonly number[]) {
  return createSampleBatch({ v: Float64Array.from(values), w: Int32Array.from(values.flatMap((x) => [x, -x | 0])) }, { w: 2 });
}

test('ring buffer = the last `capacity` rows of a list, in FIFO slots', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 9 }), fc.array(fc.integer({ min: 0, max: 12 }), { maxLength: 12 }), (capacity, sizes) => {
      const ring = new ColumnarRingBuffer(capacity);
      const model: number[] = []; // every row ever added, in order
      let next = 0;
      for (const n of sizes) {
        const values = Array.from({ length: n }, () => next++);
        if (n === 0) continue;
        ring.add(batchOf(values));
        model.push(...values);
      }
      const size = Math.min(capacity, model.length);
      assert.equal(ring.size, size);
      assert.equal(ring.numAdded, model.length);
      assert.equal(ring.nextIndex, model.length % capacity);
      if (size === 0) return;
      const all = ring.gather(Array.from({ length: size }, (_, i) => i));
      // Row r of the model lives in slot r % capacity; the live ones are the last `size`.
      const expected = new Array<number>(size);
      for (let r = model.length - size; r < model.length; r++) expected[r % capacity] = model[r]!;
      assert.deepEqual([...all.columns['v']!], expected);
      assert.deepEqual([...all.columns['w']!], expected.flatMap((x) => [x, -x | 0]));
    }),
    { numRuns: 300 },
  );
});

test('segment trees agree with plain sums, minimums and a linear prefix-sum scan', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 20 }),
      fc.array(fc.tuple(fc.nat(), fc.double({ min: 1e-6, max: 100, noNaN: true })), { minLength: 1, maxLength: 40 }),
      fc.double({ min: 0, max: 0.999999, noNaN: true }),
      (size, updates, u) => {
        const sum = new SumSegmentTree(size);
        const min = new MinSegmentTree(size);
        const model = new Array<number>(size).fill(0);
        const minModel = new Array<number>(size).fill(Number.POSITIVE_INFINITY); // a leaf never set is the neutral +∞
        for (const [i, v] of updates) {
          minModel[i % size] = v;
          sum.set(i % size, v);
          min.set(i % size, v);
          model[i % size] = v;
        }
        const total = model.reduce((a, b) => a + b, 0);
        assert.ok(Math.abs(sum.total() - total) <= 1e-9 * Math.max(1, total));
        assert.equal(min.total(), Math.min(...minModel));
        if (total === 0) return;
        const mass = u * sum.total();
        let acc = 0;
        let expected = -1;
        for (let i = 0; i < size; i++) {
          acc += model[i]!;
          if (mass < acc) {
            expected = i;
            break;
          }
        }
        const found = sum.findPrefixSumIndex(mass);
        // Float rounding may move a mass sitting on a boundary to the neighbouring non-empty leaf.
        if (expected === -1 || found !== expected) assert.ok(model[found]! > 0 && Math.abs(model.slice(0, found).reduce((a, b) => a + b, 0) - mass) < 1e-6 * Math.max(1, total) || Math.abs(model.slice(0, found + 1).reduce((a, b) => a + b, 0) - mass) < 1e-6 * Math.max(1, total), `mass ${mass}: found ${found}, expected ${expected}`);
      },
    ),
    { numRuns: 300 },
  );
});

test('prioritized probabilities are p^α / Σ p^α of the model priorities', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 8 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.array(fc.oneof(fc.record({ add: fc.integer({ min: 1, max: 5 }) }), fc.record({ slot: fc.nat(), p: fc.double({ min: 0.01, max: 10, noNaN: true }) })), { maxLength: 20 }),
      (capacity, alpha, ops) => {
        const buf = new ReplayBuffer({ capacity, alpha });
        const model: number[] = [];
        let maxP = 1;
        let next = 0;
        for (const op of ops) {
          if ('add' in op) {
            for (let k = 0; k < op.add; k++) model[(next + k) % capacity] = maxP;
            buf.add(batchOf(Array.from({ length: op.add }, (_, k) => next + k)));
            next += op.add;
          } else if (model.length > 0) {
            const slot = op.slot % model.length;
            buf.updatePriorities([slot], [op.p]);
            model[slot] = op.p;
            maxP = Math.max(maxP, op.p);
          }
        }
        const size = Math.min(capacity, next);
        if (size === 0) return;
        const pa = model.slice(0, size).map((p) => p ** alpha);
        const total = pa.reduce((a, b) => a + b, 0);
        const got = buf.probabilities();
        pa.forEach((p, i) => assert.ok(Math.abs(got[i]! - p / total) < 1e-9, `slot ${i}: ${got[i]} vs ${p / total}`));
      },
    ),
    { numRuns: 300 },
  );
});
