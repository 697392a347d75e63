/**
 * The actor the benchmarks run in worker processes. Kept in a module of its own with no side effects
 * on import, because every worker imports it to load the class.
 */
import { actorClass } from '../src/dsl/index.js';
import type { ActorContext } from '../src/ir/contract.js';

/** A Float32Array of `n` values in [-1, 1), deterministic (it only has to be non-trivial data). */
export function makeFloats(n: number): Float32Array {
  const f = new Float32Array(n);
  for (let i = 0; i < n; i++) f[i] = Math.sin(i * 0.7);
  return f;
}

/**
 * `echo` answers its argument, `recv` acknowledges a payload with `[length, last element]`, `give(n)`
 * answers a preallocated Float32Array of `n` values, and `items()` yields one preallocated Float32Array
 * of `itemFloats` values forever (the same array every time: the benchmark measures transport, not
 * allocation).
 */
export const BenchActor = actorClass(
  import.meta.url,
  class BenchActor {
    private readonly cache = new Map<number, Float32Array>();
    private readonly item: Float32Array;
    constructor(
      readonly ctx: ActorContext,
      itemFloats = 64 * 1024,
    ) {
      this.item = makeFloats(itemFloats);
    }
    *items(): Generator<Float32Array> {
      for (;;) yield this.item;
    }
    echo<T>(x: T): T {
      return x;
    }
    recv(f: Float32Array): [number, number] {
      return [f.length, f[f.length - 1]!];
    }
    give(n: number): Float32Array {
      let f = this.cache.get(n);
      if (!f) this.cache.set(n, (f = makeFloats(n)));
      return f;
    }
  },
  { items: 'Float32Array' },
);
