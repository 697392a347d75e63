/**
 * Seeded randomness, a leaf module every layer may use (it imports nothing). Every random choice the
 * runtime makes (fractional round-robin weights), every `random()` offered to user code, and the RL
 * layer's env, policy and shuffling seeds come from streams derived from one root seed, so the local
 * backend is reproducible run after run.
 */

/** 32-bit FNV-1a hash of a string. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A seed derived from a root seed and a path of names, e.g. `deriveSeed(seed, 'workers', 3)`. */
export function deriveSeed(root: number, ...path: Array<string | number>): number {
  return hashString(`${root >>> 0}/${path.join('/')}`);
}

/** mulberry32: a small, fast, well-distributed 32-bit PRNG. Returns uniform floats in [0, 1). */
export function createRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
