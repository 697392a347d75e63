/**
 * Spaces: `Box` (a float32 vector with per-element bounds) and `Discrete` (the integers 0 … n−1), as
 * in Gymnasium's `gymnasium.spaces`. Spaces are plain data (see types.ts), so they cross processes by
 * structured clone; the operations are the functions here: constructors, `contains`, `sample`, and
 * the sizes a policy needs (`flatDim`, `actionDim`).
 */
import type { BoxSpace, DiscreteSpace, Space } from './types.js';

/** The largest finite float32 (numpy's `np.finfo(np.float32).max`), used by Gymnasium as an open bound. */
export const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * A Box space. Bounds are scalars (broadcast over `shape`) or one value per element; they are stored as
 * float32 like Gymnasium's `Box(low, high, dtype=np.float32)`. `shape` defaults to `[bounds.length]`.
 *
 * @example
 *   box(-2, 2, [1])                    // Pendulum's torque
 *   box([-1.2, -0.07], [0.6, 0.07])    // MountainCar's observation
 */
export function box(low: number | ArrayLike<number>, high: number | ArrayLike<number>, shape?: readonly number[]): BoxSpace {
  const inferred = typeof low !== 'number' ? low.length : typeof high !== 'number' ? high.length : undefined;
  const dims = shape ?? (inferred === undefined ? undefined : [inferred]);
  if (dims === undefined) throw new Error('box(): give a shape when both bounds are scalars');
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`box(): shape must hold non-negative integers, got [${dims.join(', ')}]`);
  }
  const size = dims.reduce((a, b) => a * b, 1);
  const lo = broadcast('low', low, size);
  const hi = broadcast('high', high, size);
  for (let i = 0; i < size; i++) {
    const l = lo[i] as number;
    const h = hi[i] as number;
    if (Number.isNaN(l) || Number.isNaN(h) || l > h) throw new Error(`box(): low[${i}] = ${l} must be ≤ high[${i}] = ${h}`);
  }
  return { kind: 'box', shape: [...dims], low: lo, high: hi };
}

function broadcast(name: string, bound: number | ArrayLike<number>, size: number): Float32Array {
  if (typeof bound === 'number') return new Float32Array(size).fill(bound);
  if (bound.length !== size) throw new Error(`box(): ${name} has ${bound.length} values, the shape holds ${size}`);
  return Float32Array.from(bound);
}

/** A Discrete space of the integers 0 … n−1. */
export function discrete(n: number): DiscreteSpace {
  if (!Number.isInteger(n) || n < 1) throw new Error(`discrete(): n must be a positive integer, got ${n}`);
  return { kind: 'discrete', n };
}

/** Number of elements of a Box (the product of its shape). */
export function boxSize(space: BoxSpace): number {
  return space.shape.reduce((a, b) => a * b, 1);
}

/**
 * Gymnasium's `flatdim`: a Box's element count; a Discrete space's `n` (the width of its one-hot
 * encoding, e.g. the number of logits a categorical policy outputs).
 */
export function flatDim(space: Space): number {
  return space.kind === 'box' ? boxSize(space) : space.n;
}

/** Numbers per action in a flat actions array: 1 for Discrete (the index), the element count for Box. */
export function actionDim(space: Space): number {
  return space.kind === 'box' ? boxSize(space) : 1;
}

/**
 * Whether `x` is a member of `space` (Gymnasium's `space.contains`): for Discrete an integer in
 * [0, n); for Box an array of the right size whose values, as float32, lie within the bounds (NaN is
 * never contained). A plain number is accepted for a Box of one element.
 */
export function contains(space: Space, x: unknown): boolean {
  if (space.kind === 'discrete') return typeof x === 'number' && Number.isInteger(x) && x >= 0 && x < space.n;
  const size = boxSize(space);
  if (typeof x === 'number') return size === 1 && inBounds(space, 0, x);
  if (!ArrayBuffer.isView(x) && !Array.isArray(x)) return false;
  const values = x as ArrayLike<unknown>;
  if (values.length !== size) return false;
  for (let i = 0; i < size; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !inBounds(space, i, v)) return false;
  }
  return true;
}

function inBounds(space: BoxSpace, i: number, v: number): boolean {
  const f = Math.fround(v);
  return f >= (space.low[i] as number) && f <= (space.high[i] as number);
}

/**
 * A random member of `space`, drawn with `random` (uniform floats in [0, 1), e.g. `createRng(seed)`).
 * Box elements follow Gymnasium's `Box.sample`: uniform on bounded elements, exponential from the
 * bound on half-bounded ones, standard normal on unbounded ones (an infinite bound is "unbounded";
 * `FLOAT32_MAX` counts as a bound, as in Gymnasium).
 */
export function sample(space: DiscreteSpace, random: () => number): number;
export function sample(space: BoxSpace, random: () => number): Float32Array;
export function sample(space: Space, random: () => number): number | Float32Array;
export function sample(space: Space, random: () => number): number | Float32Array {
  if (space.kind === 'discrete') return Math.min(space.n - 1, Math.floor(random() * space.n));
  const size = boxSize(space);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    const lo = space.low[i] as number;
    const hi = space.high[i] as number;
    const below = lo > -Infinity;
    const above = hi < Infinity;
    let v: number;
    if (below && above) v = lo + (hi - lo) * random();
    else if (below) v = lo + exponential(random);
    else if (above) v = hi - exponential(random);
    else v = normal(random);
    // Float32 rounding may push a uniform draw just past `hi`; keep it inside.
    out[i] = v;
    if ((out[i] as number) > hi) out[i] = hi;
  }
  return out;
}

function exponential(random: () => number): number {
  return -Math.log(1 - random());
}

/** Standard normal by Box–Muller (one draw of the pair). */
function normal(random: () => number): number {
  const u1 = 1 - random();
  const u2 = random();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
