/**
 * Adam over a network's variables kept as one flat vector (torch's update rule and defaults, which
 * RLlib's torch policies use), with optional global-norm gradient clipping. NOTE: working on the
 * concatenation makes clipping and the update a dozen kernels for the whole network instead of a dozen
 * per variable; the same scheme the actor-critic policy uses inline.
 */
import type { Tensor, Variable } from '@tensorflow/tfjs';
import { ScalarCache } from './losses.js';
import { ownedVariable } from './mlp.js';
import type { Tf } from './tf-backend.js';

const BETA1 = 0.9;
const BETA2 = 0.999;

export class FlatAdam {
  private readonly m: Variable;
  private readonly v: Variable;
  private readonly sizes: number[];
  readonly totalSize: number;
  step = 0;

  constructor(
    private readonly tf: Tf,
    private readonly vars: readonly Variable[],
    private readonly consts: ScalarCache,
    readonly options: { readonly lr: number; readonly eps: number; readonly gradClip: number | undefined },
  ) {
    this.sizes = vars.map((x) => x.size);
    this.totalSize = this.sizes.reduce((a, b) => a + b, 0);
    this.m = ownedVariable(tf, tf.zeros([this.totalSize]), false);
    this.v = ownedVariable(tf, tf.zeros([this.totalSize]), false);
  }

  private flat(t: Tensor): Tensor {
    return t.rank === 1 ? t : this.tf.reshape(t, [-1]);
  }

  /**
   * Clips the gradients (given in `vars` order) to the global norm and takes one Adam step. Call
   * inside a tidy; returns the gradient's norm before clipping (a kept scalar the caller disposes)
   * when clipping is on.
   */
  apply(grads: readonly Tensor[]): Tensor | undefined {
    const tf = this.tf;
    const c = (x: number) => this.consts.get(x);
    let g: Tensor = tf.concat(grads.map((x) => this.flat(x)));
    let norm: Tensor | undefined;
    const clip = this.options.gradClip;
    if (clip !== undefined) {
      // torch.nn.utils.clip_grad_norm_: scale by clip / (‖g‖ + 1e-6) when that is below 1.
      const n = tf.sqrt(tf.sum(tf.square(g)));
      norm = tf.keep(n);
      g = tf.mul(g, tf.minimum(tf.div(c(clip), tf.add(n, c(1e-6))), c(1)));
    }
    this.step += 1;
    const bc1 = 1 - BETA1 ** this.step;
    const bc2 = 1 - BETA2 ** this.step;
    const m = tf.add(tf.mul(this.m, c(BETA1)), tf.mul(g, c(1 - BETA1)));
    const v = tf.add(tf.mul(this.v, c(BETA2)), tf.mul(tf.square(g), c(1 - BETA2)));
    this.m.assign(m);
    this.v.assign(v);
    const denom = tf.add(tf.mul(tf.sqrt(v), 1 / Math.sqrt(bc2)), c(this.options.eps));
    const update = tf.div(tf.mul(m, this.options.lr / bc1), denom);
    const theta = tf.sub(tf.concat(this.vars.map((x) => this.flat(x))), update);
    const parts = tf.split(theta, this.sizes);
    this.vars.forEach((x, i) => x.assign(x.rank === 1 ? parts[i]! : tf.reshape(parts[i]!, x.shape)));
    return norm;
  }

  getState(): Float32Array[] {
    return [Float32Array.from(this.m.dataSync() as Float32Array), Float32Array.from(this.v.dataSync() as Float32Array)];
  }

  setState(state: readonly Float32Array[], step: number): void {
    const [m, v] = state;
    if (m?.length !== this.totalSize || v?.length !== this.totalSize) throw new Error(`Adam state needs [m, v] of ${this.totalSize} values each`);
    this.tf.tidy(() => {
      this.m.assign(this.tf.tensor1d(m));
      this.v.assign(this.tf.tensor1d(v));
    });
    this.step = step;
  }

  dispose(): void {
    this.m.dispose();
    this.v.dispose();
  }
}
