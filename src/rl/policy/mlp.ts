/**
 * Fully connected layers for the policy and value networks, on raw TF.js ops (no `tf.layers`: its
 * `predict` adds 12–17 µs per call, spec/limits.md §3a).
 *
 * Three forward modes share one set of weights:
 * - `'infer'`: `tf.fused.matMul` with the bias (and relu) folded in, no gradient bookkeeping worth
 *   speaking of; used for action sampling and value estimates.
 * - `'custom'` (training, the default): each layer is a `tf.customGrad` whose gradient multiplies by
 *   *explicitly transposed* operands, `dx = g·transpose(W)`, `dW = transpose(x)·g`, `db = Σ g`.
 *   NOTE: on the wasm backend (tfjs 4.22) a BatchMatMul with a transpose flag runs 10–16× slower than
 *   a plain one, and TF.js's built-in matMul gradient uses exactly those flags; writing the transpose
 *   out makes a training step 1.8–4.3× faster (limits §3b–c). The activation's gradient is folded into
 *   the same custom op, and the first layer skips the gradient of its input (the observations).
 * - `'builtin'`: the same network with TF.js's own gradients (for tests and the benchmark).
 * And without TF.js's tape at all: `mlpForwardRecord` keeps every layer's output and `mlpBackward`
 * runs the backward pass by hand with the same explicit transposes. NOTE: the tape costs more than the
 * math for networks this small: it clones every saved tensor (an Identity kernel each) and records a
 * node per op; the manual pass dispatches about a third of the kernels (bench/learner.ts).
 *
 * Weights are initialised like RLlib's fully connected nets (`normc_initializer`): each output unit's
 * incoming weight vector is a standard normal draw scaled to norm `std` (1.0 for hidden layers, 0.01 for
 * output heads, so a fresh policy is nearly uniform and a fresh value function nearly 0); biases 0.
 * The normal draws come from an explicit seed, so the same seed gives the same weights in every process.
 */
import type { GradSaveFunc, Tensor, Tensor2D, Variable } from '@tensorflow/tfjs';
import { createRng } from '../../rng/index.js';
import type { Tf } from './tf-backend.js';

export type Activation = 'tanh' | 'relu' | 'linear';

/**
 * Where training gradients come from (see the module comment): `'manual'` (a hand-written backward
 * pass, no TF.js tape), `'custom'` (TF.js autodiff with customGrad layers) or `'builtin'` (TF.js
 * autodiff throughout).
 */
export type GradMode = 'manual' | 'custom' | 'builtin';

/** Forward mode: inference, or a forward pass recorded for one of the autodiff implementations. */
export type ForwardMode = 'infer' | 'custom' | 'builtin';

export interface DenseLayer {
  readonly inDim: number;
  readonly outDim: number;
  readonly activation: Activation;
  /** [inDim, outDim]: `y = act(x · kernel + bias)`. */
  readonly kernel: Variable;
  readonly bias: Variable;
}

/** Standard normal draws from a uniform [0, 1) source (Box–Muller, both values of each pair used). */
export function normalSource(random: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    const u1 = 1 - random(); // (0, 1]: log is finite
    const u2 = random();
    const r = Math.sqrt(-2 * Math.log(u1));
    spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  };
}

/**
 * RLlib's `normc_initializer(std)` for a row-major [inDim, outDim] kernel: standard normal entries,
 * then each column (one output unit's weights) rescaled to Euclidean norm `std`.
 */
export function normcKernel(inDim: number, outDim: number, std: number, seed: number): Float32Array {
  const normal = normalSource(createRng(seed));
  const w = new Float64Array(inDim * outDim);
  for (let i = 0; i < w.length; i++) w[i] = normal();
  const out = new Float32Array(inDim * outDim);
  for (let j = 0; j < outDim; j++) {
    let ss = 0;
    for (let i = 0; i < inDim; i++) ss += w[i * outDim + j]! ** 2;
    const scale = std / Math.sqrt(ss);
    for (let i = 0; i < inDim; i++) out[i * outDim + j] = w[i * outDim + j]! * scale;
  }
  return out;
}

/** A trainable variable holding `initial`'s values; `initial` itself is disposed (it would leak). */
export function ownedVariable(tf: Tf, initial: Tensor, trainable = true): Variable {
  const v = tf.variable(initial, trainable);
  initial.dispose();
  return v;
}

/** A dense layer with normc-initialised kernel (seeded) and zero bias. */
export function createDense(tf: Tf, inDim: number, outDim: number, activation: Activation, init: { readonly std: number; readonly seed: number }): DenseLayer {
  return { inDim, outDim, activation, kernel: ownedVariable(tf, tf.tensor2d(normcKernel(inDim, outDim, init.std, init.seed), [inDim, outDim])), bias: ownedVariable(tf, tf.zeros([outDim])) };
}

/**
 * Layers `sizes[0] → sizes[1] → … → sizes[n]`: hidden layers use `activation`; the last layer uses
 * `outputActivation` (default linear). Hidden kernels get normc(hiddenStd), the last normc(outputStd).
 * Layer l's kernel is seeded with `seed + l`.
 */
export function createMlp(
  tf: Tf,
  sizes: readonly number[],
  options: { readonly activation: Activation; readonly outputActivation?: Activation; readonly hiddenStd?: number; readonly outputStd?: number; readonly seed: number },
): DenseLayer[] {
  if (sizes.length < 2) throw new Error(`createMlp: need at least input and output sizes, got [${sizes.join(', ')}]`);
  const layers: DenseLayer[] = [];
  const last = sizes.length - 2;
  for (let l = 0; l <= last; l++) {
    const isLast = l === last;
    layers.push(
      createDense(tf, sizes[l]!, sizes[l + 1]!, isLast ? (options.outputActivation ?? 'linear') : options.activation, {
        std: isLast ? (options.outputStd ?? 1) : (options.hiddenStd ?? 1),
        seed: (options.seed + l) >>> 0,
      }),
    );
  }
  return layers;
}

/** The variables of some layers, kernel then bias, layer by layer. */
export function layerVariables(layers: readonly DenseLayer[]): Variable[] {
  return layers.flatMap((l) => [l.kernel, l.bias]);
}

/** `g = dy · act'(y)` for an activation's output `y`. */
function activationGrad(tf: Tf, activation: Activation, dy: Tensor, y: Tensor): Tensor {
  switch (activation) {
    case 'tanh':
      // dy·(1 − y²), written without a scalar constant (each number operand is a tensor upload).
      return tf.sub(dy, tf.mul(tf.mul(dy, y), y));
    case 'relu':
      return tf.mul(dy, tf.step(y));
    case 'linear':
      return dy;
  }
}

const tanhConsts = new WeakMap<Tf, { one: Tensor; two: Tensor }>();

/**
 * tanh. NOTE: on the wasm backend (tfjs 4.22) the Tanh kernel is scalar code, ≈ 10–20× slower than the
 * vectorized Sigmoid kernel (≈ 25 ns vs 2 ns per element), so above a few hundred elements tanh is
 * computed as 2·σ(2z) − 1 (the same function; absolute error ≈ 1e-7): three cheap extra kernels
 * instead of one slow one. Other backends use their Tanh kernel.
 */
export function tanh(tf: Tf, z: Tensor): Tensor {
  if (z.size < 256 || tf.getBackend() !== 'wasm') return tf.tanh(z);
  let c = tanhConsts.get(tf);
  if (!c || c.one.isDisposed || c.two.isDisposed) tanhConsts.set(tf, (c = { one: tf.keep(tf.scalar(1)), two: tf.keep(tf.scalar(2)) }));
  return tf.sub(tf.mul(tf.sigmoid(tf.mul(z, c.two)), c.two), c.one);
}

function fusedDense(tf: Tf, x: Tensor, kernel: Tensor, bias: Tensor, activation: Activation): Tensor2D {
  const z = tf.fused.matMul({ a: x, b: kernel, bias, activation: activation === 'relu' ? 'relu' : 'linear' }) as Tensor2D;
  return activation === 'tanh' ? (tanh(tf, z) as Tensor2D) : z;
}

type CustomDense = (x: Tensor, kernel: Tensor, bias: Tensor) => Tensor2D;
const customDenseCache = new WeakMap<Tf, Map<Activation, CustomDense>>();

/** `act(x·W + b)` as one custom op whose gradient uses explicit transposes (cached per tf and activation). */
function customDense(tf: Tf, activation: Activation): CustomDense {
  let byAct = customDenseCache.get(tf);
  if (!byAct) customDenseCache.set(tf, (byAct = new Map()));
  let fn = byAct.get(activation);
  if (!fn) {
    fn = tf.customGrad((...args: Array<Tensor | GradSaveFunc>) => {
      const [x, w, b, save] = args as [Tensor2D, Tensor2D, Tensor, GradSaveFunc];
      const y = fusedDense(tf, x, w, b, activation);
      save([x, w, y]);
      return {
        value: y,
        gradFunc: (dy: Tensor, saved: Tensor[]) => {
          const [sx, sw, sy] = saved as [Tensor2D, Tensor2D, Tensor2D];
          const g = activationGrad(tf, activation, dy, sy) as Tensor2D;
          return [tf.matMul(g, tf.transpose(sw)), tf.matMul(tf.transpose(sx), g), tf.sum(g, 0)];
        },
      };
    }) as CustomDense;
    byAct.set(activation, fn);
  }
  return fn;
}

/** As `customDense`, for a layer whose input needs no gradient (the observations): dx is never formed. */
function customDenseNoInputGrad(tf: Tf, activation: Activation, x: Tensor): (kernel: Tensor, bias: Tensor) => Tensor2D {
  return tf.customGrad((...args: Array<Tensor | GradSaveFunc>) => {
    const [w, b, save] = args as [Tensor2D, Tensor, GradSaveFunc];
    const y = fusedDense(tf, x, w, b, activation);
    save([y]);
    return {
      value: y,
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const g = activationGrad(tf, activation, dy, saved[0]!) as Tensor2D;
        return [tf.matMul(tf.transpose(x as Tensor2D), g), tf.sum(g, 0)];
      },
    };
  }) as (kernel: Tensor, bias: Tensor) => Tensor2D;
}

/**
 * One layer forward. `inputIsData`: the input is data (observations), not a function of the
 * variables, so the custom gradient does not form dx for it.
 */
export function denseForward(tf: Tf, layer: DenseLayer, x: Tensor, mode: ForwardMode, inputIsData = false): Tensor2D {
  switch (mode) {
    case 'infer':
    case 'builtin':
      return fusedDense(tf, x, layer.kernel, layer.bias, layer.activation);
    case 'custom':
      return inputIsData
        ? customDenseNoInputGrad(tf, layer.activation, x)(layer.kernel, layer.bias)
        : customDense(tf, layer.activation)(x, layer.kernel, layer.bias);
  }
}

/** Layers in sequence; `inputIsData` as for `denseForward` (applies to the first layer). */
export function mlpForward(tf: Tf, layers: readonly DenseLayer[], x: Tensor, mode: ForwardMode, inputIsData = true): Tensor2D {
  let h = x as Tensor2D;
  for (let l = 0; l < layers.length; l++) h = denseForward(tf, layers[l]!, h, mode, inputIsData && l === 0);
  return h;
}

/**
 * Forward pass that keeps each layer's output (after its activation) for `mlpBackward`. The forward
 * kernels are the inference ones, so training and sampling see the same numbers.
 */
export function mlpForwardRecord(tf: Tf, layers: readonly DenseLayer[], x: Tensor): Tensor2D[] {
  const ys: Tensor2D[] = [];
  let h = x;
  for (const layer of layers) {
    h = fusedDense(tf, h, layer.kernel, layer.bias, layer.activation);
    ys.push(h as Tensor2D);
  }
  return ys;
}

/**
 * Backward pass through layers run by `mlpForwardRecord(tf, layers, x)` (outputs `ys`), from the
 * gradient `dy` of the last output: per layer `g = dy·act'(y)`, `dW = transpose(h)·g`, `db = Σ_rows g`,
 * `dh = g·transpose(W)`. Returns the variable gradients in `layerVariables` order, and `dx` when
 * `needInputGrad` (layers on top of shared layers).
 */
export function mlpBackward(
  tf: Tf,
  layers: readonly DenseLayer[],
  x: Tensor,
  ys: readonly Tensor2D[],
  dy: Tensor,
  needInputGrad: boolean,
): { grads: Tensor[]; dx: Tensor2D | undefined } {
  const grads: Tensor[] = new Array<Tensor>(2 * layers.length);
  let d = dy as Tensor2D;
  for (let l = layers.length - 1; l >= 0; l--) {
    const layer = layers[l]!;
    const g = activationGrad(tf, layer.activation, d, ys[l]!) as Tensor2D;
    const h = (l === 0 ? x : ys[l - 1]!) as Tensor2D;
    grads[2 * l] = tf.matMul(tf.transpose(h), g);
    grads[2 * l + 1] = tf.sum(g, 0);
    if (l > 0 || needInputGrad) d = tf.matMul(g, tf.transpose(layer.kernel as Tensor2D));
  }
  return { grads, dx: needInputGrad ? d : undefined };
}

// ---------------------------------------------------------------------------------------------------
// Inference with tanh folded into sigmoid

/** A layer of an inference-only network: `act(x · kernel + bias)` as one fused kernel. */
export interface InferenceLayer {
  readonly kernel: Tensor;
  readonly bias: Tensor;
  readonly activation: 'sigmoid' | 'relu' | 'linear';
}

/**
 * Rewrites the weights of tanh layers so that each becomes ONE fused matMul+bias+sigmoid kernel.
 * With s = σ(2z) we have tanh(z) = 2s − 1, so a tanh layer can output s instead of h = tanh(z) if
 * its kernel and bias are doubled, and the next layer, fed s, computes the same z from
 * h·W + b = s·(2W) + (b − Σ_rows W). `inputFolded`: the input is already such an s. Returns the new
 * weights (float64 arithmetic, rounded once) and whether the output is an s. Relu and linear layers
 * keep their activation; only their input correction applies.
 *
 * NOTE: why: on wasm the fused sigmoid costs one kernel, a tanh layer costs a fused matMul plus a
 * slow scalar Tanh kernel (or three extra kernels with `tanh`'s 2σ(2z) − 1), and inference runs once
 * per env step. The outputs equal the unfolded network's to ≈ 1e-6.
 */
export function foldTanhWeights(
  layers: readonly { readonly kernel: Float32Array; readonly bias: Float32Array; readonly inDim: number; readonly outDim: number; readonly activation: Activation }[],
  inputFolded: boolean,
): { layers: { kernel: Float32Array; bias: Float32Array; activation: InferenceLayer['activation'] }[]; outputFolded: boolean } {
  const out: { kernel: Float32Array; bias: Float32Array; activation: InferenceLayer['activation'] }[] = [];
  let folded = inputFolded;
  for (const layer of layers) {
    const w = Float64Array.from(layer.kernel);
    const b = Float64Array.from(layer.bias);
    if (folded) {
      for (let j = 0; j < layer.outDim; j++) {
        let col = 0;
        for (let i = 0; i < layer.inDim; i++) col += w[i * layer.outDim + j]!;
        b[j]! -= col;
      }
      for (let i = 0; i < w.length; i++) w[i]! *= 2;
    }
    let activation: InferenceLayer['activation'];
    if (layer.activation === 'tanh') {
      for (let i = 0; i < w.length; i++) w[i]! *= 2;
      for (let j = 0; j < b.length; j++) b[j]! *= 2;
      activation = 'sigmoid';
      folded = true;
    } else {
      activation = layer.activation;
      folded = false;
    }
    out.push({ kernel: Float32Array.from(w), bias: Float32Array.from(b), activation });
  }
  return { layers: out, outputFolded: folded };
}

/** Forward pass of inference layers: one fused kernel per layer. */
export function inferenceForward(tf: Tf, layers: readonly InferenceLayer[], x: Tensor): Tensor2D {
  let h = x;
  for (const l of layers) h = tf.fused.matMul({ a: h, b: l.kernel, bias: l.bias, activation: l.activation });
  return h as Tensor2D;
}
