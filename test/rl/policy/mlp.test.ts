/**
 * MLP layers: seeded normc initialisation; the customGrad (explicit-transpose) gradients and the
 * hand-written backward pass against TF.js's built-in gradients; the fast tanh.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor, Tensor2D } from '@tensorflow/tfjs';
import {
  createMlp,
  foldTanhWeights,
  inferenceForward,
  layerVariables,
  mlpBackward,
  mlpForward,
  mlpForwardRecord,
  normcKernel,
  tanh,
  type Activation,
} from '../../../src/rl/policy/mlp.js';
import { loadTf } from '../../../src/rl/policy/tf-backend.js';
import { createRng } from '../../../src/rng/index.js';
import { assertClose } from './helpers.js';

describe('normc initialisation', () => {
  test('each output unit has the requested weight norm', () => {
    const w = normcKernel(5, 3, 0.5, 42);
    for (let j = 0; j < 3; j++) {
      let ss = 0;
      for (let i = 0; i < 5; i++) ss += w[i * 3 + j]! ** 2;
      assert.ok(Math.abs(Math.sqrt(ss) - 0.5) < 1e-6, `column ${j} norm ${Math.sqrt(ss)}`);
    }
  });

  test('is deterministic in the seed', () => {
    assert.deepEqual(normcKernel(4, 4, 1, 9), normcKernel(4, 4, 1, 9));
    assert.notDeepEqual(normcKernel(4, 4, 1, 9), normcKernel(4, 4, 1, 10));
  });

  test('same seed, same layers; biases start at zero', async () => {
    const tf = await loadTf();
    const a = createMlp(tf, [3, 4, 2], { activation: 'tanh', outputStd: 0.01, seed: 5 });
    const b = createMlp(tf, [3, 4, 2], { activation: 'tanh', outputStd: 0.01, seed: 5 });
    try {
      const va = layerVariables(a).map((v) => [...v.dataSync()]);
      const vb = layerVariables(b).map((v) => [...v.dataSync()]);
      assert.deepEqual(va, vb);
      assert.deepEqual(va[1], [0, 0, 0, 0]);
      assert.deepEqual(va[3], [0, 0]);
      const lastNorm = Math.hypot(...[0, 2, 4, 6].map((i) => va[2]![i]!));
      assert.ok(Math.abs(lastNorm - 0.01) < 1e-6, 'output layer scaled to 0.01');
    } finally {
      for (const v of [...layerVariables(a), ...layerVariables(b)]) v.dispose();
    }
  });
});

describe('gradients', () => {
  for (const activation of ['tanh', 'relu', 'linear'] as Activation[]) {
    test(`customGrad and manual backward equal TF.js built-in gradients (${activation})`, async () => {
      const tf = await loadTf();
      const layers = createMlp(tf, [4, 32, 16, 3], { activation, hiddenStd: 1, outputStd: 1, seed: 3 });
      const vars = layerVariables(layers);
      const random = createRng(11);
      try {
        tf.tidy(() => {
          const n = 40;
          const x = tf.tensor2d(Float32Array.from({ length: n * 4 }, () => random() * 4 - 2), [n, 4]);
          const target = tf.tensor2d(Float32Array.from({ length: n * 3 }, () => random()), [n, 3]);
          const loss = (y: Tensor): Tensor => tf.mean(tf.square(tf.sub(y, target)));
          const builtin = tf.variableGrads(() => loss(mlpForward(tf, layers, x, 'builtin')) as never, vars).grads;
          const custom = tf.variableGrads(() => loss(mlpForward(tf, layers, x, 'custom')) as never, vars).grads;
          const ys = mlpForwardRecord(tf, layers, x);
          const dy = tf.mul(tf.sub(ys[ys.length - 1]!, target), 2 / (n * 3));
          const manual = mlpBackward(tf, layers, x, ys, dy, true);
          vars.forEach((v, i) => {
            assertClose(custom[v.name]!.dataSync(), builtin[v.name]!.dataSync(), 1e-5, `customGrad ${v.name}`);
            assertClose(manual.grads[i]!.dataSync(), builtin[v.name]!.dataSync(), 1e-5, `manual ${v.name}`);
          });
          // The input gradient of the manual pass, against TF.js's gradient with respect to x.
          const dxBuiltin = tf.grad((xx: Tensor) => loss(mlpForward(tf, layers, xx, 'builtin', false)))(x);
          assertClose(manual.dx!.dataSync(), dxBuiltin.dataSync(), 1e-5, 'dx');
          // customGrad layers on non-data inputs (inputIsData false) also give the input gradient.
          const dxCustom = tf.grad((xx: Tensor) => loss(mlpForward(tf, layers, xx, 'custom', false)))(x);
          assertClose(dxCustom.dataSync(), dxBuiltin.dataSync(), 1e-5, 'dx customGrad');
          // Inference and recorded forward passes give the same outputs.
          assertClose(mlpForward(tf, layers, x, 'infer').dataSync(), ys[ys.length - 1]!.dataSync(), 1e-6, 'forward');
        });
      } finally {
        for (const v of vars) v.dispose();
      }
    });
  }
});

test('fast tanh (2σ(2z) − 1 on wasm) matches Math.tanh', async () => {
  const tf = await loadTf();
  const values = Float32Array.from({ length: 4096 }, (_, i) => (i - 2048) / 200);
  tf.tidy(() => {
    const y = tanh(tf, tf.tensor1d(values)).dataSync();
    values.forEach((v, i) => assert.ok(Math.abs(y[i]! - Math.tanh(v)) < 3e-7, `tanh(${v}) = ${y[i]}`));
    const small = tanh(tf, tf.tensor2d([[0.5, -3]]) as Tensor2D).dataSync();
    assertClose(small, [Math.tanh(0.5), Math.tanh(-3)], 1e-6, 'small tensors use the Tanh kernel');
  });
});

test('tanh layers folded into fused sigmoid kernels compute the same network', async () => {
  const tf = await loadTf();
  for (const activation of ['tanh', 'relu'] as Activation[]) {
    // A trunk, then a head fed by it (input already folded when the trunk is tanh).
    const trunk = createMlp(tf, [3, 16, 8], { activation, outputActivation: activation, hiddenStd: 1, outputStd: 1, seed: 1 });
    const head = createMlp(tf, [8, 5, 2], { activation, hiddenStd: 1, outputStd: 1, seed: 2 });
    try {
      const plain = (layers: typeof trunk) => layers.map((l) => ({ ...l, kernel: l.kernel.dataSync() as Float32Array, bias: l.bias.dataSync() as Float32Array }));
      const t = foldTanhWeights(plain(trunk), false);
      const h = foldTanhWeights(plain(head), t.outputFolded);
      assert.equal(t.outputFolded, activation === 'tanh');
      assert.deepEqual(h.layers.map((l) => l.activation), activation === 'tanh' ? ['sigmoid', 'linear'] : ['relu', 'linear']);
      const random = createRng(4);
      tf.tidy(() => {
        const x = tf.tensor2d(Float32Array.from({ length: 30 * 3 }, () => random() * 6 - 3), [30, 3]);
        const expected = mlpForward(tf, head, mlpForward(tf, trunk, x, 'builtin'), 'builtin').dataSync();
        const asTensors = (ls: typeof t.layers, shapes: typeof trunk) =>
          ls.map((l, i) => ({ kernel: tf.tensor2d(l.kernel, [shapes[i]!.inDim, shapes[i]!.outDim]), bias: tf.tensor1d(l.bias), activation: l.activation }));
        const got = inferenceForward(tf, asTensors(h.layers, head), inferenceForward(tf, asTensors(t.layers, trunk), x)).dataSync();
        assertClose(got, expected, 1e-5, `${activation} folded`);
      });
    } finally {
      for (const v of [...layerVariables(trunk), ...layerVariables(head)]) v.dispose();
    }
  }
});
