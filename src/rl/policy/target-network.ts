/**
 * Target networks: a frozen copy of a network that the TD targets are computed from, moved towards the
 * trained network by Polyak averaging, θ' ← τ·θ + (1 − τ)·θ' (τ = 1 is a hard copy, DQN's rule; SAC
 * and TD3 use τ = 0.005 every step). Used by the SAC, DDPG and TD3 policies for their critics (and
 * DDPG/TD3 for their actor).
 */
import type { Tensor } from '@tensorflow/tfjs';
import type { ScalarCache } from './losses.js';
import { ownedVariable, type DenseLayer } from './mlp.js';
import type { Tf } from './tf-backend.js';

/** A copy of `layers` with their current values (new variables, not trainable). */
export function cloneLayers(tf: Tf, layers: readonly DenseLayer[]): DenseLayer[] {
  return layers.map((l) => ({
    inDim: l.inDim,
    outDim: l.outDim,
    activation: l.activation,
    kernel: ownedVariable(tf, tf.clone(l.kernel), false),
    bias: ownedVariable(tf, tf.clone(l.bias), false),
  }));
}

/**
 * θ' ← τ·θ + (1 − τ)·θ' for every kernel and bias of `target` from `source` (same shapes). `tau` must be
 * in (0, 1]; τ = 1 copies.
 *
 * @example
 *   polyakUpdate(tf, this.targetQ1, this.q1, 0.005, consts);
 */
export function polyakUpdate(tf: Tf, target: readonly DenseLayer[], source: readonly DenseLayer[], tau: number, consts?: ScalarCache): void {
  if (!(tau > 0 && tau <= 1)) throw new Error(`polyakUpdate: tau must be in (0, 1], got ${tau}`);
  if (target.length !== source.length) throw new Error(`polyakUpdate: target has ${target.length} layers, source ${source.length}`);
  const c = (x: number): Tensor | number => consts?.get(x) ?? x;
  tf.tidy(() => {
    target.forEach((t, i) => {
      const s = source[i]!;
      if (tau === 1) {
        t.kernel.assign(s.kernel);
        t.bias.assign(s.bias);
        return;
      }
      t.kernel.assign(tf.add(tf.mul(s.kernel, c(tau)), tf.mul(t.kernel, c(1 - tau))));
      t.bias.assign(tf.add(tf.mul(s.bias, c(tau)), tf.mul(t.bias, c(1 - tau))));
    });
  });
}
