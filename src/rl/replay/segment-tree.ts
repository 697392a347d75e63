/**
 * Sum and min segment trees over a power-of-two number of leaves, for prioritized replay (RLlib's
 * `SumSegmentTree` / `MinSegmentTree`): `O(log n)` point updates, `O(1)` totals, and `O(log n)`
 * inverse-CDF lookup (`findPrefixSumIndex`) to draw an index with probability proportional to its value.
 *
 * NOTE: one flat Float64Array per tree, laid out as a binary heap (node i has children 2i and 2i+1,
 * leaves at `capacity + idx`): no objects, no recursion. Float64 keeps the running sums exact enough
 * that millions of updates do not drift the total.
 */

/** The next power of two ≥ n (and ≥ 1). */
export function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

abstract class SegmentTree {
  /** Leaves (a power of two). */
  readonly capacity: number;
  protected readonly nodes: Float64Array;

  constructor(size: number, protected readonly neutral: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`segment tree size must be a positive integer, got ${size}`);
    this.capacity = nextPowerOfTwo(size);
    this.nodes = new Float64Array(2 * this.capacity).fill(neutral);
  }

  /** The tree's associative operation (sum or min) on two children. */
  protected abstract combine(a: number, b: number): number;

  /** Sets leaf `idx` to `value` and updates its ancestors. */
  set(idx: number, value: number): void {
    if (!(idx >= 0 && idx < this.capacity)) throw new RangeError(`segment tree index ${idx} out of range [0, ${this.capacity})`);
    const nodes = this.nodes;
    let i = idx + this.capacity;
    nodes[i] = value;
    for (i >>= 1; i >= 1; i >>= 1) nodes[i] = this.combine(nodes[2 * i]!, nodes[2 * i + 1]!);
  }

  /** The value of leaf `idx`. */
  get(idx: number): number {
    return this.nodes[idx + this.capacity]!;
  }

  /** The reduction over every leaf. */
  total(): number {
    return this.nodes[1]!;
  }

  /** A copy of the leaves (for checkpoints and tests). */
  leaves(): Float64Array {
    return this.nodes.slice(this.capacity);
  }
}

/** Sums: `total()` is Σ leaves; `findPrefixSumIndex(m)` is the smallest i with Σ_{j≤i} leaf_j > m. */
export class SumSegmentTree extends SegmentTree {
  constructor(size: number) {
    super(size, 0);
  }

  /** The tree's operation on two children. */
  protected combine(a: number, b: number): number {
    return a + b;
  }

  /**
   * The leaf whose cumulative range contains `mass` (0 ≤ mass < total): the index a uniform draw of
   * `mass` over the total picks, i.e. index i with probability leaf_i / total.
   */
  findPrefixSumIndex(mass: number): number {
    const nodes = this.nodes;
    const cap = this.capacity;
    let i = 1;
    let m = mass;
    while (i < cap) {
      const left = nodes[2 * i]!;
      if (m < left) i = 2 * i;
      else {
        m -= left;
        i = 2 * i + 1;
      }
    }
    return i - cap;
  }
}

/** Minimums: `total()` is the smallest leaf (the neutral element is +∞). */
export class MinSegmentTree extends SegmentTree {
  constructor(size: number) {
    super(size, Number.POSITIVE_INFINITY);
  }

  /** The tree's operation on two children. */
  protected combine(a: number, b: number): number {
    return a < b ? a : b;
  }
}
