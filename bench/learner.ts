/**
 * `npm run bench -- learner [--quick] [--reps n] [--rep-ms ms]`
 *
 * PPO's learner step against the floor under it. One iteration = one SGD epoch over a CartPole-shaped
 * batch of 4000 samples (obs 4, two actions) in minibatches of 128 (31 full + one of 32 rows), on the
 * 4-64-64-2 policy and 4-64-64-1 value nets (tanh) with RLlib's PPO loss (clip 0.3, value clip 10,
 * KL coefficient 0.2, entropy coefficient 0) and Adam. Measured interleaved, rep by rep:
 *
 *   rlflow           `sgdEpochs(policy, batch, …)` on rlflow's actor-critic policy, default gradient
 *                    mode `'manual'` (hand-written backward pass, no TF.js tape)
 *   hand-written     the same network, loss and optimizer written directly in TF.js in this file, as
 *                    fast as TF.js autodiff goes (the work rlflow's 'custom' mode does, written here
 *                    without rlflow): each dense layer one customGrad op (fused matMul + bias, tanh as
 *                    2σ(2z) − 1, explicit-transpose backward, no input gradient for the first layer),
 *                    `tf.variableGrads` and Adam over one flat parameter vector, minibatches gathered
 *                    in JS from a shuffled index
 *                    (spec/limits/ppo_loop.js used a customGrad matMul and tf.tanh: slower than
 *                    rlflow's own customGrad mode, so it was no floor)
 *   rlflow customGrad  rlflow's policy, gradient mode `'custom'` (TF.js autodiff, customGrad layers)
 *   rlflow built-in  rlflow's policy, gradient mode `'builtin'` (TF.js autodiff throughout)
 *
 * Ratios: rlflow / hand-written time (goal ≤ 1.1); built-in / customGrad time (the speed-up of the
 * explicit-transpose gradient, spec/limits.md §3b); customGrad / manual time.
 */
import type { Scalar, Tensor, Tensor1D, Tensor2D, Variable } from '@tensorflow/tfjs';
import { createSampleBatch, type SampleBatch } from '../src/rl/data/index.js';
import { ActorCriticPolicy } from '../src/rl/policy/actor-critic.js';
import { sgdEpochs } from '../src/rl/policy/sgd.js';
import { backendInfo, loadTf, type Tf } from '../src/rl/policy/tf-backend.js';
import type { PolicyConfig } from '../src/rl/policy/types.js';
import { createRng } from '../src/rng/index.js';
import { fastTanh, flatAdam, scalarCache } from './hand-written-tf.js';
import { FULL, QUICK, machineInfo, markdownTable, measureInterleaved, parseOptions, ratio, spread, type MeasureOptions, type Summary } from './lib.js';

export const description = "PPO learner step (one SGD epoch, 4000 samples, minibatch 128) vs a hand-written TF.js step; built-in vs customGrad";

const N = 4000;
const OBS = 4;
const ACTIONS = 2;
const MINIBATCH = 128;
const HIDDEN = [64, 64];

const CONFIG: PolicyConfig = {
  hidden: HIDDEN,
  activation: 'tanh',
  vfShareLayers: false,
  lr: 5e-5,
  gradClip: undefined,
  loss: { kind: 'ppo', clipParam: 0.3, vfClipParam: 10, vfLossCoeff: 1, entropyCoeff: 0, klCoeff: 0.2, klTarget: 0.01 },
};

/** A CartPole-shaped training batch, sampled from `policy` on random CartPole-range observations. */
function makeBatch(policy: ActorCriticPolicy, seed: number): SampleBatch {
  const random = createRng(seed);
  const scale = [2.4, 2, 0.21, 2];
  const obs = new Float32Array(N * OBS);
  for (let i = 0; i < obs.length; i++) obs[i] = (random() * 2 - 1) * scale[i % OBS]!;
  const out = policy.computeActions(obs, N, { explore: true, random });
  const advantages = new Float32Array(N);
  const valueTargets = new Float32Array(N);
  for (let i = 0; i < N; i++) {
    advantages[i] = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    valueTargets[i] = random() * 50;
  }
  return createSampleBatch(
    {
      obs,
      actions: out.actions,
      actionLogp: out.logp,
      actionDistInputs: out.distInputs,
      vfPreds: out.vfPreds,
      advantages,
      valueTargets,
    },
    { obs: OBS, actionDistInputs: ACTIONS },
  );
}

/** The hand-written baseline: one SGD epoch of PPO in plain TF.js, nothing from rlflow's policy code. */
function handWrittenPpo(tf: Tf, weights: Float32Array[], shapes: number[][], batch: SampleBatch, seed: number): { epoch: () => void; dispose: () => void } {
  const loss = CONFIG.loss as Extract<PolicyConfig['loss'], { kind: 'ppo' }>;
  const vars: Variable[] = weights.map((w, i) => tf.variable(tf.tensor(w, shapes[i]!)));
  const nLayers = HIDDEN.length + 1;
  const piVars = vars.slice(0, 2 * nLayers);
  const vfVars = vars.slice(2 * nLayers);
  // One dense layer as one custom op (the fastest hand-written autodiff form, as rlflow's 'custom'
  // mode): a fused matMul + bias forward with tanh as 2σ(2z) − 1 (wasm's Tanh kernel is scalar code,
  // ≈ 10× the vectorized Sigmoid), and a backward with explicit transposes; the first layer never
  // forms the gradient of its input (the observations).
  const consts = scalarCache(tf);
  const fast = fastTanh(tf, consts.get);
  const activate = (z: Tensor2D, hidden: boolean): Tensor2D => (hidden ? (fast.tanh(z) as Tensor2D) : z);
  const actGrad = (dy: Tensor, y: Tensor, hidden: boolean): Tensor2D => (hidden ? (fast.grad(dy, y) as Tensor2D) : (dy as Tensor2D));
  const denseOps = [false, true].map((hidden) =>
    tf.customGrad((...args: unknown[]) => {
      const [x, w, b, save] = args as [Tensor2D, Tensor2D, Tensor, (ts: Tensor[]) => void];
      const y = activate(tf.fused.matMul({ a: x, b: w, bias: b }) as Tensor2D, hidden);
      save([x, w, y]);
      return {
        value: y,
        gradFunc: (dy: Tensor, saved: Tensor[]) => {
          const g = actGrad(dy, saved[2]!, hidden);
          return [tf.matMul(g, tf.transpose(saved[1] as Tensor2D)), tf.matMul(tf.transpose(saved[0] as Tensor2D), g), tf.sum(g, 0)];
        },
      };
    }),
  ) as Array<(x: Tensor, w: Tensor, b: Tensor) => Tensor2D>;
  const firstLayer = (x: Tensor2D, w: Variable, b: Variable): Tensor2D =>
    (
      tf.customGrad((...args: unknown[]) => {
        const [kw, kb, save] = args as [Tensor2D, Tensor, (ts: Tensor[]) => void];
        const y = activate(tf.fused.matMul({ a: x, b: kw, bias: kb }) as Tensor2D, true);
        save([y]);
        return {
          value: y,
          gradFunc: (dy: Tensor, saved: Tensor[]) => {
            const g = actGrad(dy, saved[0]!, true);
            return [tf.matMul(tf.transpose(x), g), tf.sum(g, 0)];
          },
        };
      }) as (w: Tensor, b: Tensor) => Tensor2D
    )(w, b);
  const mlp = (x: Tensor, v: Variable[]): Tensor2D => {
    let h = firstLayer(x as Tensor2D, v[0]!, v[1]!);
    for (let l = 1; l < nLayers; l++) h = denseOps[l < nLayers - 1 ? 1 : 0]!(h, v[2 * l]!, v[2 * l + 1]!);
    return h;
  };
  // Adam over ONE flat vector of all parameters (as rlflow's FlatAdam).
  const adam = flatAdam(tf, vars, { lr: CONFIG.lr, eps: 1e-8 }, consts.get);
  const random = createRng(seed);
  const c = batch.columns;
  const obs = c.obs as Float32Array, act = c.actions as Int32Array, logp = c.actionLogp as Float32Array, logits = c.actionDistInputs as Float32Array;
  const adv = c.advantages as Float32Array, vt = c.valueTargets as Float32Array, vfp = c.vfPreds as Float32Array;
  const idx = Int32Array.from({ length: N }, (_, i) => i);
  const xb = new Float32Array(MINIBATCH * OBS), ab = new Int32Array(MINIBATCH), lb = new Float32Array(MINIBATCH), olb = new Float32Array(MINIBATCH * ACTIONS);
  const advb = new Float32Array(MINIBATCH), vtb = new Float32Array(MINIBATCH), vfb = new Float32Array(MINIBATCH);
  const epoch = (): void => {
    for (let i = N - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      const t = idx[i]!;
      idx[i] = idx[j]!;
      idx[j] = t;
    }
    for (let s = 0; s < N; s += MINIBATCH) {
      const mb = Math.min(MINIBATCH, N - s);
      for (let k = 0; k < mb; k++) {
        const i = idx[s + k]!;
        xb.set(obs.subarray(OBS * i, OBS * i + OBS), OBS * k);
        olb.set(logits.subarray(ACTIONS * i, ACTIONS * i + ACTIONS), ACTIONS * k);
        ab[k] = act[i]!;
        lb[k] = logp[i]!;
        advb[k] = adv[i]!;
        vtb[k] = vt[i]!;
        vfb[k] = vfp[i]!;
      }
      const cost = tf.tidy(() => {
        const x = tf.tensor2d(xb.subarray(0, mb * OBS), [mb, OBS]);
        const a = tf.oneHot(tf.tensor1d(ab.subarray(0, mb), 'int32'), ACTIONS);
        const oldLogp = tf.tensor1d(lb.subarray(0, mb));
        const oldLogits = tf.tensor2d(olb.subarray(0, mb * ACTIONS), [mb, ACTIONS]);
        const A = tf.tensor1d(advb.subarray(0, mb)), R = tf.tensor1d(vtb.subarray(0, mb)), Vold = tf.tensor1d(vfb.subarray(0, mb));
        const oldLs = tf.logSoftmax(oldLogits);
        const oldP = tf.exp(oldLs);
        const { value, grads } = tf.variableGrads(
          () => {
            const ls = tf.logSoftmax(mlp(x, piVars));
            const logpA = tf.sum(tf.mul(ls, a), 1);
            const ratio = tf.exp(tf.sub(logpA, oldLogp));
            const surrogate = tf.minimum(tf.mul(ratio, A), tf.mul(tf.clipByValue(ratio, 1 - loss.clipParam, 1 + loss.clipParam), A));
            const kl = tf.sum(tf.mul(oldP, tf.sub(oldLs, ls)), 1);
            const v = tf.reshape(mlp(x, vfVars), [mb]) as Tensor1D;
            const vl1 = tf.square(tf.sub(v, R));
            const vClipped = tf.add(Vold, tf.clipByValue(tf.sub(v, Vold), -loss.vfClipParam, loss.vfClipParam));
            const vl2 = tf.square(tf.sub(vClipped, R));
            const perRow = tf.add(tf.add(tf.neg(surrogate), tf.mul(kl, loss.klCoeff)), tf.mul(tf.maximum(vl1, vl2), loss.vfLossCoeff));
            return tf.mean(perRow) as Scalar;
          },
          vars,
        );
        adam.apply(vars.map((x) => grads[x.name]!));
        return value;
      });
      cost.dataSync();
      cost.dispose();
    }
  };
  const dispose = (): void => {
    adam.dispose();
    consts.dispose();
    for (const v of vars) v.dispose();
  };
  return { epoch, dispose };
}

export interface LearnerBenchResult {
  readonly machine: string;
  readonly backend: string;
  /** ms per epoch (32 minibatch steps), per alternative. */
  readonly rlflow: Summary;
  readonly handWritten: Summary;
  readonly custom: Summary;
  readonly builtin: Summary;
  /** rlflow / hand-written time (goal ≤ 1.1). */
  readonly ratioVsHandWritten: Summary;
  /** built-in / customGrad time. */
  readonly builtinOverCustom: Summary;
  /** customGrad / manual time. */
  readonly customOverManual: Summary;
  readonly table: string;
}

export async function main(args: readonly string[] = [], out: (line: string) => void = console.log): Promise<LearnerBenchResult> {
  const { flags, values } = parseOptions(args, { flags: ['quick'], values: ['reps', 'rep-ms'] });
  const base: MeasureOptions = flags.has('quick') ? { ...QUICK, warmupIters: 1, maxIters: 4 } : { ...FULL, warmupIters: 5 };
  const o: MeasureOptions = {
    ...base,
    ...(values.has('reps') ? { reps: Number(values.get('reps')) } : {}),
    ...(values.has('rep-ms') ? { repMs: Number(values.get('rep-ms')) } : {}),
  };
  const tf = await loadTf();
  const info = backendInfo()!;
  const backend = `${info.name}${info.simd !== undefined ? ` simd=${info.simd} threads=${info.threads}` : ''} (${info.package})`;
  const obsSpace = { kind: 'box', shape: [OBS], low: new Float32Array(OBS).fill(-Infinity), high: new Float32Array(OBS).fill(Infinity) } as const;
  const actSpace = { kind: 'discrete', n: ACTIONS } as const;
  const manual = new ActorCriticPolicy(tf, obsSpace, actSpace, CONFIG, 1, 'manual');
  const custom = new ActorCriticPolicy(tf, obsSpace, actSpace, CONFIG, 1, 'custom');
  const builtin = new ActorCriticPolicy(tf, obsSpace, actSpace, CONFIG, 1, 'builtin');
  const batch = makeBatch(manual, 2);
  const hand = handWrittenPpo(tf, manual.getWeights(), manual.weightShapes(), batch, 3);
  const epochs = (policy: ActorCriticPolicy) => {
    const random = createRng(4);
    return async (iters: number): Promise<void> => {
      for (let i = 0; i < iters; i++) sgdEpochs(policy, batch, { numSgdIter: 1, sgdMinibatchSize: MINIBATCH, random });
    };
  };
  const measured = await measureInterleaved(
    [
      { name: 'rlflow', run: epochs(manual) },
      {
        name: 'hand-written',
        run: async (iters) => {
          for (let i = 0; i < iters; i++) hand.epoch();
        },
      },
      { name: 'rlflow customGrad', run: epochs(custom) },
      { name: 'rlflow built-in', run: epochs(builtin) },
    ],
    o,
  );
  const [mRl, mHand, mCustom, mBuiltin] = measured.map((m) => m.perIterMs) as [Summary, Summary, Summary, Summary];
  const steps = Math.ceil(N / MINIBATCH);
  const perStep = (m: Summary): string => spread({ ...m, median: m.median / steps, min: m.min / steps, max: m.max / steps });
  const rows = [
    ["rlflow policy, gradients 'manual' (default)", spread(mRl), perStep(mRl)],
    ['hand-written TF.js step (customGrad dense layers, tanh via sigmoid, flat Adam)', spread(mHand), perStep(mHand)],
    ["rlflow policy, gradients 'custom' (customGrad layers)", spread(mCustom), perStep(mCustom)],
    ["rlflow policy, gradients 'builtin'", spread(mBuiltin), perStep(mBuiltin)],
  ];
  const ratioVsHandWritten = ratio(mRl, mHand);
  const builtinOverCustom = ratio(mBuiltin, mCustom);
  const customOverManual = ratio(mCustom, mRl);
  const table = markdownTable([`PPO learner, 1 epoch of ${N} samples, minibatch ${MINIBATCH}`, 'ms per epoch (median [min–max])', `ms per minibatch step (${steps} per epoch)`], rows);
  out('# learner benchmark');
  out(`machine: ${machineInfo()}`);
  out(`tfjs backend: ${backend}; reps ${o.reps}, ~${o.repMs} ms each, interleaved`);
  out('');
  out(table);
  out('');
  out(`ratio rlflow / hand-written time: ${spread(ratioVsHandWritten)} (goal ≤ 1.1)`);
  out(`ratio built-in / customGrad time: ${spread(builtinOverCustom)} (speed-up of explicit-transpose matMul gradients)`);
  out(`ratio customGrad / manual time: ${spread(customOverManual)} (speed-up of the hand-written backward pass)`);
  manual.dispose();
  custom.dispose();
  builtin.dispose();
  hand.dispose();
  return { machine: machineInfo(), backend, rlflow: mRl, handWritten: mHand, custom: mCustom, builtin: mBuiltin, ratioVsHandWritten, builtinOverCustom, customOverManual, table };
}
