/** Shared assertions for the environment tests. */
import assert from 'node:assert/strict';

/** |actual − expected| ≤ tol for each element (default 1e-6). */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-6, what = 'value'): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    assert.ok(Math.abs(a - e) <= tol, `${what}[${i}]: got ${a}, expected ${e} (±${tol})`);
  }
}

export function assertNear(actual: number, expected: number, tol = 1e-6, what = 'value'): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} (±${tol})`);
}
