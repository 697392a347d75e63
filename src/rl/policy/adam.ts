/**
 * Adam over a fixed list of TF.js variables, as one flat vector: the gradients are concatenated, the
 * moment updates run once on the whole vector, and the new parameters are split back. The off-policy
 * policies (SAC, DDPG, TD3) keep one optimizer per network group (actor, critics), as RLlib does.
 *
 * NOTE: the actor-critic policy (actor-critic.ts) has the same rule inline for its single group; both
 * follow torch's Adam (which RLlib's torch policies use): m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g²,
 * θ ← θ − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε). One update is about a dozen kernels whatever
 * the number of variables, which is what a one-update-per-env-step algorithm needs (few fixed costs).
 */
import type { Tensor, Variable } from '@tensorflow/tfjs';
import type { ScalarCache } from './losses.js';
import { ownedVariable } from './mlp.js';
import type { Tf } from './tf-backend.js';

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPS = 1e-8;

/** Flat Adam over `vars` (see the module comment). */
export class FlatAdam {
  readonly sizes: number[];
  readonly totalSize: number;
  private readonly m: Variable;
  private readonly v: Variable;
  private step = 0;

  constructor(
    private readonly tf: Tf,
    private readonly vars: readonly Variable[],
    readonly lr: number,
    private readonly consts: ScalarCache,
  ) {
    this.sizes = vars.map((x) => x.size);
    this.totalSize = this.sizes.reduce((a, b) => a + b, 0);
    this.m = ownedVariable(tf, tf.zeros([this.totalSize]), false);
    this.v = ownedVariable(tf, tf.zeros([this.totalSize]), false);
  }

  /** One step with gradients in `vars` order (tensors of the variables' shapes). Call inside a tidy. */
  apply(grads: readonly Tensor[]): void {
    const tf = this.tf;
    if (grads.length !== this.vars.length) throw new Error(`FlatAdam: ${this.vars.length} gradients expected, got ${grads.length}`);
    const flat = tf.concat(grads.map((g) => (g.rank === 1 ? g : tf.reshape(g, [-1]))));
    this.applyFlat(flat);
  }

  /** One step with a flat gradient of `totalSize` values. Call inside a tidy. */
  applyFlat(flat: Tensor): void {
    const tf = this.tf;
    this.step += 1;
    const t = this.step;
    const c = (x: number) => this.consts.get(x);
    const m = tf.add(tf.mul(this.m, c(BETA1)), tf.mul(flat, c(1 - BETA1)));
    const v = tf.add(tf.mul(this.v, c(BETA2)), tf.mul(tf.square(flat), c(1 - BETA2)));
    this.m.assign(m);
    this.v.assign(v);
    const denom = tf.add(tf.mul(tf.sqrt(v), 1 / Math.sqrt(1 - BETA2 ** t)), c(EPS));
    const update = tf.div(tf.mul(m, this.lr / (1 - BETA1 ** t)), denom);
    const theta = tf.sub(tf.concat(this.vars.map((x) => (x.rank === 1 ? x : tf.reshape(x, [-1])))), update);
    const parts = tf.split(theta, this.sizes);
    this.vars.forEach((x, i) => x.assign(x.rank === 1 ? parts[i]! : tf.reshape(parts[i]!, x.shape)));
  }

  /** Moments and step count, as plain data (checkpoints). */
  getState(): { m: Float32Array; v: Float32Array; step: number } {
    return { m: Float32Array.from(this.m.dataSync() as Float32Array), v: Float32Array.from(this.v.dataSync() as Float32Array), step: this.step };
  }

  setState(state: { readonly m: Float32Array; readonly v: Float32Array; readonly step: number }): void {
    if (state.m.length !== this.totalSize || state.v.length !== this.totalSize) {
      throw new Error(`FlatAdam: state needs m and v of ${this.totalSize} values, got ${state.m.length} and ${state.v.length}`);
    }
    const tf = this.tf;
    tf.tidy(() => {
      this.m.assign(tf.tensor1d(state.m));
      this.v.assign(tf.tensor1d(state.v));
    });
    this.step = state.step;
  }

  dispose(): void {
    this.m.dispose();
    this.v.dispose();
  }
}

/** Adam on one scalar parameter in plain JS (SAC's log α: no kernel launch for a single number). */
export class ScalarAdam {
  private m = 0;
  private v = 0;
  private step = 0;
  constructor(readonly lr: number) {}

  /** The parameter after one step with gradient `g`. */
  apply(value: number, g: number): number {
    this.step += 1;
    this.m = BETA1 * this.m + (1 - BETA1) * g;
    this.v = BETA2 * this.v + (1 - BETA2) * g * g;
    const mHat = this.m / (1 - BETA1 ** this.step);
    const vHat = this.v / (1 - BETA2 ** this.step);
    return value - (this.lr * mHat) / (Math.sqrt(vHat) + EPS);
  }

  getState(): [number, number, number] {
    return [this.m, this.v, this.step];
  }

  setState(state: readonly number[]): void {
    this.m = state[0] ?? 0;
    this.v = state[1] ?? 0;
    this.step = state[2] ?? 0;
  }
}
