/**
 * `npm run bench -- sac-learner [--quick] [--reps n] [--rep-ms ms]`
 *
 * One SAC update step (twin critics, squashed-Gaussian actor, automatic entropy tuning, Polyak update
 * of the target critics with τ = 0.005) against the same work written directly in TF.js. Two sizes:
 *
 *   full    batch 256, actor and critics 256×256 relu, Pendulum-shaped data (obs 3, action 1): the
 *           issue's figure (goal: rlflow / hand-written ≤ 1.1), with learner updates per second;
 *   fixed   batch 1, 8-unit networks: the fixed cost of one call (kernel launches, uploads, readback),
 *           which is what one-update-per-env-step algorithms pay 10k–100k times.
 *
 * Alternatives, measured interleaved rep by rep:
 *   rlflow        `SacPolicy.learnOnBatch(batch)` then `updateTarget()` (hand-written backward pass,
 *                 one flat Adam per network group, α in JS, one readback of the stats vector)
 *   hand-written  the same networks, losses and optimizers in plain TF.js: `tf.variableGrads` per loss
 *                 with customGrad matMuls whose gradients use explicit transposes (the fastest TF.js
 *                 autodiff form on wasm, spec/limits.md §3b), `tf.train.adam` per group, Polyak per
 *                 variable, the losses read back once.
 */
import type { Scalar, Tensor, Tensor1D, Tensor2D, Variable } from '@tensorflow/tfjs';
import { createSampleBatch, type SampleBatch } from '../src/rl/data/index.js';
import { SacPolicy } from '../src/rl/policy/sac.js';
import { backendInfo, loadTf, type Tf } from '../src/rl/policy/tf-backend.js';
import type { SacPolicyConfig } from '../src/rl/policy/types.js';
import { createRng } from '../src/rng/index.js';
import { FULL, QUICK, machineInfo, markdownTable, measureInterleaved, parseOptions, perSecond, ratio, spread, withRepOptions, type MeasureOptions, type Summary } from './lib.js';

export const description = 'SAC update step (batch 256, 256×256 twin critics) and its fixed cost per call vs hand-written TF.js';

const OBS = 3;
const ACT = 1;

function config(hidden: readonly number[]): SacPolicyConfig {
  return { kind: 'sac', actorHidden: hidden, criticHidden: hidden, activation: 'relu', actorLr: 3e-4, criticLr: 3e-4, entropyLr: 3e-4, gamma: 0.99, nStep: 1, tau: 0.005, twinQ: true, initialAlpha: 1, targetEntropy: 'auto' };
}

function makeBatch(n: number, seed: number): SampleBatch {
  const r = createRng(seed);
  const f = (len: number, lo: number, hi: number) => Float32Array.from({ length: len }, () => lo + (hi - lo) * r());
  return createSampleBatch(
    { obs: f(n * OBS, -1, 1), newObs: f(n * OBS, -1, 1), actions: f(n * ACT, -2, 2), rewards: f(n, -16, 0), terminateds: new Uint8Array(n) },
    { obs: OBS, newObs: OBS },
  );
}

/** The hand-written baseline (see the module comment), starting from the policy's weights. */
function handWrittenSac(tf: Tf, policy: SacPolicy, batch: SampleBatch, seed: number): { step: () => void; dispose: () => void } {
  const state = policy.getState();
  const shapes = [...policy.actorVariables(), ...policy.criticVariables(), ...policy.criticVariables()].map((v) => v.shape);
  const vars: Variable[] = state.weights.map((w, i) => tf.variable(tf.tensor(w, shapes[i]!)));
  const L = vars.length / 5; // actor, q1, q2, target q1, target q2: equal layer counts
  const actor = vars.slice(0, L), q1 = vars.slice(L, 2 * L), q2 = vars.slice(2 * L, 3 * L), t1 = vars.slice(3 * L, 4 * L), t2 = vars.slice(4 * L);
  const logAlpha = tf.variable(tf.scalar(0));
  const mm = tf.customGrad((...args: unknown[]) => {
    const [a, b, save] = args as [Tensor2D, Tensor2D, (ts: Tensor[]) => void];
    save([a, b]);
    return { value: tf.matMul(a, b), gradFunc: (dy: Tensor, s: Tensor[]) => [tf.matMul(dy as Tensor2D, tf.transpose(s[1] as Tensor2D)), tf.matMul(tf.transpose(s[0] as Tensor2D), dy as Tensor2D)] };
  }) as (a: Tensor, b: Tensor) => Tensor2D;
  const mlp = (x: Tensor, v: readonly Tensor[], train: boolean): Tensor2D => {
    let h = x;
    const n = v.length / 2;
    for (let l = 0; l < n; l++) {
      h = train ? tf.add(mm(h, v[2 * l]!), v[2 * l + 1]!) : tf.fused.matMul({ a: h as Tensor2D, b: v[2 * l] as Tensor2D, bias: v[2 * l + 1]!, activation: l < n - 1 ? 'relu' : 'linear' });
      if (train && l < n - 1) h = tf.relu(h);
    }
    return h as Tensor2D;
  };
  const optActor = tf.train.adam(3e-4), optCritic = tf.train.adam(3e-4), optAlpha = tf.train.adam(3e-4);
  const c = batch.columns;
  const n = batch.count;
  const random = createRng(seed);
  const normals = (k: number) => Float32Array.from({ length: k }, () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));
  const actions = Float32Array.from(c.actions as Float32Array, (a) => a / 2);
  const notDone = Float32Array.from(c.terminateds as Uint8Array, (t) => (t ? 0 : 0.99));
  const sample = (out: Tensor2D, eps: Tensor) => {
    const mean = tf.slice(out, [0, 0], [n, ACT]);
    const logStd = tf.clipByValue(tf.slice(out, [0, ACT], [n, ACT]), -20, 2);
    const u = tf.add(mean, tf.mul(tf.exp(logStd), eps));
    const a = tf.tanh(u);
    const logp = tf.sum(tf.sub(tf.sub(tf.mul(tf.square(eps), -0.5), tf.add(logStd, 0.5 * Math.log(2 * Math.PI))), tf.mul(tf.sub(tf.sub(Math.log(2), u), tf.softplus(tf.mul(u, -2))), 2)), 1);
    return { a, logp };
  };
  const step = (): void => {
    const losses = tf.tidy(() => {
      const obs = tf.tensor2d(c.obs as Float32Array, [n, OBS]), next = tf.tensor2d(c.newObs as Float32Array, [n, OBS]);
      const act = tf.tensor2d(actions, [n, ACT]), rew = tf.tensor1d(c.rewards as Float32Array), nd = tf.tensor1d(notDone);
      const epsCur = tf.tensor2d(normals(n * ACT), [n, ACT]), epsNext = tf.tensor2d(normals(n * ACT), [n, ACT]);
      const alpha = tf.exp(logAlpha);
      const nx = sample(mlp(next, actor, false), epsNext);
      const xN = tf.concat([next, nx.a], 1);
      const y = tf.add(rew, tf.mul(nd, tf.sub(tf.minimum(tf.reshape(mlp(xN, t1, false), [n]), tf.reshape(mlp(xN, t2, false), [n])), tf.mul(alpha, nx.logp))));
      const x = tf.concat([obs, act], 1);
      const critic = tf.variableGrads(() => {
        const e1 = tf.sub(tf.reshape(mlp(x, q1, true), [n]), y), e2 = tf.sub(tf.reshape(mlp(x, q2, true), [n]), y);
        return tf.mean(tf.mul(tf.add(tf.square(e1), tf.square(e2)), 0.5)) as Scalar;
      }, [...q1, ...q2]);
      let logpMean: Tensor | undefined;
      const actorG = tf.variableGrads(() => {
        const cur = sample(mlp(obs, actor, true), epsCur);
        logpMean = tf.keep(tf.mean(cur.logp));
        const xa = tf.concat([obs, cur.a], 1);
        return tf.mean(tf.sub(tf.mul(alpha, cur.logp), tf.minimum(tf.reshape(mlp(xa, q1, true), [n]), tf.reshape(mlp(xa, q2, true), [n])))) as Scalar;
      }, actor);
      const alphaG = tf.variableGrads(() => tf.neg(tf.mul(logAlpha, tf.add(logpMean!, -1))) as Scalar, [logAlpha]);
      optCritic.applyGradients(critic.grads as never);
      optActor.applyGradients(actorG.grads as never);
      optAlpha.applyGradients(alphaG.grads as never);
      [...t1, ...t2].forEach((t, i) => t.assign(tf.add(tf.mul([...q1, ...q2][i]!, 0.005), tf.mul(t, 0.995))));
      const out = tf.stack([critic.value, actorG.value, alphaG.value]) as Tensor1D;
      logpMean!.dispose();
      return out;
    });
    losses.dataSync();
    losses.dispose();
  };
  return {
    step,
    dispose: () => {
      for (const v of [...vars, logAlpha]) v.dispose();
      optActor.dispose();
      optCritic.dispose();
      optAlpha.dispose();
    },
  };
}

export interface SacBenchRow {
  readonly rlflow: Summary;
  readonly handWritten: Summary;
  readonly ratio: Summary;
  readonly updatesPerSecond: Summary;
}

export interface SacBenchResult {
  readonly machine: string;
  readonly backend: string;
  readonly full: SacBenchRow;
  readonly fixed: SacBenchRow;
  readonly table: string;
}

async function measure(tf: Tf, batchSize: number, hidden: readonly number[], o: MeasureOptions): Promise<SacBenchRow> {
  const space = { kind: 'box', shape: [OBS], low: new Float32Array(OBS).fill(-8), high: new Float32Array(OBS).fill(8) } as const;
  const actSpace = { kind: 'box', shape: [ACT], low: new Float32Array(ACT).fill(-2), high: new Float32Array(ACT).fill(2) } as const;
  const policy = new SacPolicy(tf, space, actSpace, config(hidden), 1);
  const batch = makeBatch(batchSize, 2);
  const hand = handWrittenSac(tf, policy, batch, 3);
  const [mRl, mHand] = (
    await measureInterleaved(
      [
        {
          name: 'rlflow',
          run: async (iters) => {
            for (let i = 0; i < iters; i++) {
              policy.learnOnBatch(batch);
              policy.updateTarget();
            }
          },
        },
        {
          name: 'hand-written',
          run: async (iters) => {
            for (let i = 0; i < iters; i++) hand.step();
          },
        },
      ],
      o,
    )
  ) as [import('./lib.js').Measured, import('./lib.js').Measured];
  policy.dispose();
  hand.dispose();
  return { rlflow: mRl.perIterMs, handWritten: mHand.perIterMs, ratio: ratio(mRl.perIterMs, mHand.perIterMs), updatesPerSecond: perSecond(mRl) };
}

export async function main(args: readonly string[] = [], out: (line: string) => void = console.log): Promise<SacBenchResult> {
  const { flags, values } = parseOptions(args, { flags: ['quick'], values: ['reps', 'rep-ms'] });
  const o = withRepOptions(flags.has('quick') ? { ...QUICK, warmupIters: 1, maxIters: 4 } : { ...FULL, warmupIters: 5 }, values);
  const tf = await loadTf();
  const info = backendInfo()!;
  const backend = `${info.name}${info.simd !== undefined ? ` simd=${info.simd} threads=${info.threads}` : ''} (${info.package})`;
  const full = await measure(tf, flags.has('quick') ? 32 : 256, flags.has('quick') ? [32, 32] : [256, 256], o);
  const fixed = await measure(tf, 1, [8], o);
  const row = (name: string, r: SacBenchRow): string[] => [name, spread(r.rlflow), spread(r.handWritten), spread(r.ratio), spread(r.updatesPerSecond)];
  const table = markdownTable(
    ['SAC update + target update', 'rlflow ms', 'hand-written TF.js ms', 'rlflow / hand-written', 'rlflow updates/s'],
    [row(flags.has('quick') ? 'batch 32, 32×32 (quick)' : 'batch 256, 256×256, twin Q', full), row('fixed cost: batch 1, 8 units', fixed)],
  );
  out('# SAC learner benchmark');
  out(`machine: ${machineInfo()}`);
  out(`tfjs backend: ${backend}; reps ${o.reps}, ~${o.repMs} ms each, interleaved`);
  out('');
  out(table);
  out('');
  out(`ratio rlflow / hand-written (full step): ${spread(full.ratio)} (goal ≤ 1.1)`);
  return { machine: machineInfo(), backend, full, fixed, table };
}
