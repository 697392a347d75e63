/**
 * `npm run bench -- sampling [--quick] [--only worker,scaling] [--reps n] [--rep-ms ms]`
 *
 * Two sampling benchmarks, each measured side by side (interleaved rep by rep) in one run:
 *
 * worker   A rollout worker's env steps/s against the hand-written batched-sampling ceiling.
 *          `RolloutWorker.sample()` (in this process, as an actor host would call it) on CartPole-v1
 *          with 64 env copies × a 63-step fragment (4032 steps, as spec/limits.md §4A) and the
 *          4-64-64-2 tanh policy (PPO config: a separate 4-64-64-1 value net, RLlib's default), against
 *          a ceiling written here without rlflow, in the style of spec/limits/ppo_loop.js part A:
 *          64 vectorized CartPoles in typed arrays, ONE batch-64 TF.js wasm forward per step (each
 *          layer one fused matMul + bias + sigmoid with tanh folded in, the fastest tanh forward on
 *          wasm and the kernel rlflow's inference uses), JS categorical sampling, everything stored in
 *          preallocated buffers.
 *          The ceiling uses the worker's own weights. Goal: worker ≥ 0.7× the same-work ceiling, the
 *          hand-written sampler with the value net's forward added (the inference work the worker must
 *          do for PPO: value predictions for GAE); comparing with a sampler that skips that work would
 *          measure the value net, not rlflow. Informational rows: the policy-only ceiling (no value
 *          net: what sampling without value predictions would cost), and a bare loop of the rlflow
 *          policy's `computeActions` + the rlflow vector env's `step` (what the worker adds on top of it
 *          is its bookkeeping: episode ids, bootstrap values, GAE, the batch).
 *
 * scaling  Sampling throughput of a cheap pure-JS policy (bench/fixtures-rl.ts `DummySampler`: CartPole
 *          copies stepped with a fixed 4-64-64-2 MLP in plain JS, no TF.js) with 2 farm workers against
 *          1, through a plan: `fromActors(samplers).gatherAsync()` (the RLlib Flow paper's sampling
 *          microbenchmark). Goal: ≥ 1.8×. Before each timed rep the workers' in-flight samples are
 *          allowed to finish and the prefetched items are drained, so every rep starts with all workers
 *          idle and ends when its last item arrives.
 */
import os from 'node:os';
import { actors, compile, fromActors, run, type Runtime } from '../src/index.js';
import type { ActorContext } from '../src/ir/contract.js';
import type { SampleBatch } from '../src/rl/data/sample-batch.js';
import { createVectorEnv } from '../src/rl/envs/index.js';
import { createActorCriticPolicy } from '../src/rl/policy/actor-critic.js';
import type { Tensor, Tensor2D } from '@tensorflow/tfjs';
import { backendInfo, loadTf, type Tf } from '../src/rl/policy/tf-backend.js';
import type { PolicyConfig } from '../src/rl/policy/types.js';
import { RolloutWorker } from '../src/rl/rollout-worker.js';
import type { RolloutWorkerConfig } from '../src/rl/worker-api.js';
import { createRng, deriveSeed } from '../src/rng/index.js';
import { DUMMY_SAMPLER_DEFAULTS, DummySampler, type DummySamplerConfig } from './fixtures-rl.js';
import { FULL, QUICK, withRepOptions, selectedParts, machineInfo, markdownTable, measureInterleaved, parseOptions, perSecond, ratio, spread, summarize, type MeasureOptions, type Summary, loadAvg } from './lib.js';

export const description = 'rollout worker vs hand-written batched-sampling ceiling; 2 vs 1 farm samplers (dummy policy)';

const NUM_ENVS = 64;
const FRAGMENT = 63;
const STEPS = NUM_ENVS * FRAGMENT;
const OBS = 4;
const HIDDEN = [64, 64];
const PARTS = ['worker', 'scaling'] as const;
type Part = (typeof PARTS)[number];

const POLICY: PolicyConfig = {
  hidden: HIDDEN,
  activation: 'tanh',
  vfShareLayers: false,
  lr: 5e-5,
  gradClip: undefined,
  loss: { kind: 'ppo', clipParam: 0.3, vfClipParam: 10, vfLossCoeff: 1, entropyCoeff: 0, klCoeff: 0.2, klTarget: 0.01 },
};

const WORKER: RolloutWorkerConfig = {
  env: 'CartPole-v1',
  envConfig: {},
  numEnvs: NUM_ENVS,
  rolloutFragmentLength: FRAGMENT,
  gamma: 0.99,
  lambda: 0.95,
  useGae: true,
  useCritic: true,
  policy: POLICY,
  observationFilter: 'NoFilter',
  explore: true,
};

/** An actor context like the one an actor host builds, for calling the worker in this process. */
function actorContext(group: string, index: number, rootSeed: number): ActorContext {
  const seed = deriveSeed(rootSeed, group, index);
  const t0 = performance.now();
  return {
    group,
    index,
    ref: { group, index },
    seed,
    rootSeed,
    device: 'cpu',
    vectorBatch: undefined,
    random: createRng(seed),
    now: () => performance.now() - t0,
    delay: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}

// ---------------------------------------------------------------------------------------------------
// The hand-written ceiling (no rlflow code on the hot path).

const GRAVITY = 9.8;
const MASSCART = 1.0;
const MASSPOLE = 0.1;
const TOTAL_MASS = MASSPOLE + MASSCART;
const LENGTH = 0.5;
const POLEMASS_LENGTH = MASSPOLE * LENGTH;
const FORCE_MAG = 10.0;
const TAU = 0.02;
const THETA_THRESHOLD = (12 * 2 * Math.PI) / 360;
const X_THRESHOLD = 2.4;
const MAX_STEPS = 500;

/** N CartPole-v1 copies: Float64Array state, Float32Array observations, same-step auto-reset (spec/limits/cartpole.js). */
class VecCartPole {
  readonly state: Float64Array;
  readonly t: Int32Array;
  readonly obs: Float32Array;
  readonly dones: Uint8Array;

  constructor(
    readonly n: number,
    readonly random: () => number,
  ) {
    this.state = new Float64Array(4 * n);
    this.t = new Int32Array(n);
    this.obs = new Float32Array(4 * n);
    this.dones = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      this.resetOne(i);
      for (let j = 0; j < 4; j++) this.obs[4 * i + j] = this.state[4 * i + j]!;
    }
  }

  private resetOne(i: number): void {
    const s = this.state;
    const o = 4 * i;
    for (let j = 0; j < 4; j++) s[o + j] = this.random() * 0.1 - 0.05;
    this.t[i] = 0;
  }

  /** Steps every copy; `dones[i]` = 1 terminated, 2 truncated (the copy is then already reset). */
  step(actions: Uint8Array): void {
    const { n, state: s, obs, dones, t } = this;
    for (let i = 0; i < n; i++) {
      const o = 4 * i;
      let x = s[o]!;
      let xDot = s[o + 1]!;
      let theta = s[o + 2]!;
      let thetaDot = s[o + 3]!;
      const force = actions[i] === 1 ? FORCE_MAG : -FORCE_MAG;
      const cos = Math.cos(theta);
      const sin = Math.sin(theta);
      const temp = (force + POLEMASS_LENGTH * thetaDot * thetaDot * sin) / TOTAL_MASS;
      const thetaAcc = (GRAVITY * sin - cos * temp) / (LENGTH * (4.0 / 3.0 - (MASSPOLE * cos * cos) / TOTAL_MASS));
      const xAcc = temp - (POLEMASS_LENGTH * thetaAcc * cos) / TOTAL_MASS;
      x += TAU * xDot;
      xDot += TAU * xAcc;
      theta += TAU * thetaDot;
      thetaDot += TAU * thetaAcc;
      const steps = ++t[i]!;
      let d = 0;
      if (x < -X_THRESHOLD || x > X_THRESHOLD || theta < -THETA_THRESHOLD || theta > THETA_THRESHOLD) d = 1;
      else if (steps >= MAX_STEPS) d = 2;
      dones[i] = d;
      if (d) this.resetOne(i);
      else {
        s[o] = x;
        s[o + 1] = xDot;
        s[o + 2] = theta;
        s[o + 3] = thetaDot;
      }
      obs[o] = s[o]!;
      obs[o + 1] = s[o + 1]!;
      obs[o + 2] = s[o + 2]!;
      obs[o + 3] = s[o + 3]!;
    }
  }
}

const PI_SHAPES = [[OBS, 64], [64], [64, 64], [64], [64, 2], [2]];
const VF_SHAPES = [[OBS, 64], [64], [64, 64], [64], [64, 1], [1]];

/**
 * The weights of a tanh MLP (kernel, bias per layer; kernels row-major [in, out]) rewritten so that every
 * hidden layer is ONE fused matMul with a sigmoid: tanh(z) = 2σ(2z) − 1, so layer l computes
 * s = σ(h·2W + 2b), and the next layer, fed s instead of h = 2s − 1, uses 2W' and b' − colsum(W').
 * (On wasm the Tanh kernel is scalar code, ≈ 10–20× the vectorized Sigmoid per element.)
 */
function foldTanhIntoSigmoid(weights: readonly Float32Array[], shapes: readonly number[][]): Float32Array[] {
  const layers = weights.length / 2;
  const out: Float32Array[] = [];
  for (let l = 0; l < layers; l++) {
    const [inDim, outDim] = shapes[2 * l] as [number, number];
    const w = Float64Array.from(weights[2 * l]!);
    const b = Float64Array.from(weights[2 * l + 1]!);
    if (l > 0) {
      // The input is s = (h + 1) / 2: h·W + b = s·2W + (b − Σ_rows W).
      for (let j = 0; j < outDim; j++) {
        let col = 0;
        for (let i = 0; i < inDim; i++) col += w[i * outDim + j]!;
        b[j]! -= col;
      }
      for (let i = 0; i < w.length; i++) w[i]! *= 2;
    }
    if (l < layers - 1) {
      for (let i = 0; i < w.length; i++) w[i]! *= 2;
      for (let j = 0; j < outDim; j++) b[j]! *= 2;
    }
    out.push(Float32Array.from(w), Float32Array.from(b));
  }
  return out;
}

type Inference = 'policy' | 'policy+value';

/**
 * One fragment (64 copies × 63 steps) of the ceiling per call, from the policy's weights
 * (`getWeights()` order: policy net then value net).
 * Every hidden layer is one fused matMul with a sigmoid (`foldTanhIntoSigmoid`): the fastest tanh
 * forward on wasm, the kernel rlflow's inference uses too (a plain `tf.tanh` after the matMul, as
 * spec/limits/ppo_loop.js writes it, made the ceiling weaker than the code it bounds).
 * - `'policy'`: the policy net only.
 * - `'policy+value'`: policy and value nets in one tidy; the value predictions are stored too.
 */
function handWrittenSampler(tf: Tf, weights: readonly Float32Array[], inference: Inference, seed: number): { fragment: () => void; dispose: () => void } {
  if (weights.length !== 12 || weights.some((w, i) => w.length !== [...PI_SHAPES, ...VF_SHAPES][i]!.reduce((a, b) => a * b, 1))) {
    throw new Error('bench sampling: the worker policy does not have the expected 4-64-64-2 / 4-64-64-1 weights');
  }
  const withValue = inference === 'policy+value';
  const piW = foldTanhIntoSigmoid(weights.slice(0, 6), PI_SHAPES);
  const vfW = foldTanhIntoSigmoid(weights.slice(6), VF_SHAPES);
  const pi = piW.map((w, i) => tf.tensor(w, PI_SHAPES[i]!));
  const vf = withValue ? vfW.map((w, i) => tf.tensor(w, VF_SHAPES[i]!)) : [];
  const random = createRng(seed);
  const venv = new VecCartPole(NUM_ENVS, random);
  const actions = new Uint8Array(NUM_ENVS);
  const bObs = new Float32Array(STEPS * OBS);
  const bAct = new Int32Array(STEPS);
  const bLogp = new Float32Array(STEPS);
  const bVf = new Float32Array(STEPS);
  const bRew = new Float32Array(STEPS);
  const bDone = new Uint8Array(STEPS);
  const sigmoidMlp = (x: Tensor2D, w: readonly Tensor[]): Tensor2D => {
    let h = x;
    for (let l = 0; l < 3; l++) h = tf.fused.matMul({ a: h, b: w[2 * l] as Tensor2D, bias: w[2 * l + 1], activation: l < 2 ? 'sigmoid' : 'linear' }) as Tensor2D;
    return h;
  };
  const fragment = (): void => {
    for (let t = 0; t < FRAGMENT; t++) {
      const base = t * NUM_ENVS;
      bObs.set(venv.obs, OBS * base);
      const out = tf.tidy(() => {
        const x = tf.tensor2d(venv.obs, [NUM_ENVS, OBS]);
        return withValue ? [sigmoidMlp(x, pi), sigmoidMlp(x, vf)] : [sigmoidMlp(x, pi)];
      });
      const logits = out[0]!.dataSync() as Float32Array;
      if (withValue) bVf.set(out[1]!.dataSync() as Float32Array, base);
      for (const o of out) o.dispose();
      for (let k = 0; k < NUM_ENVS; k++) {
        const p1 = 1 / (1 + Math.exp(logits[2 * k]! - logits[2 * k + 1]!));
        const a = random() < p1 ? 1 : 0;
        actions[k] = a;
        bAct[base + k] = a;
        bLogp[base + k] = Math.log(a ? p1 : 1 - p1);
      }
      venv.step(actions);
      for (let k = 0; k < NUM_ENVS; k++) {
        bRew[base + k] = 1;
        bDone[base + k] = venv.dones[k]!;
      }
    }
  };
  return { fragment, dispose: () => [...pi, ...vf].forEach((t) => t.dispose()) };
}

/** Largest |a − b| between the two forward passes of `handWrittenSampler` and tanh, as a self-check of the folding. */
function foldingError(tf: Tf, weights: readonly Float32Array[]): number {
  const x = new Float32Array(NUM_ENVS * OBS);
  const random = createRng(7);
  for (let i = 0; i < x.length; i++) x[i] = (random() * 2 - 1) * [2.4, 2, 0.21, 2][i % OBS]!;
  let worst = 0;
  for (const [w, shapes] of [
    [weights.slice(0, 6), PI_SHAPES],
    [weights.slice(6), VF_SHAPES],
  ] as const) {
    const folded = foldTanhIntoSigmoid(w, shapes);
    const [a, b] = tf.tidy(() => {
      let h: Tensor = tf.tensor2d(x, [NUM_ENVS, OBS]);
      let s = h;
      for (let l = 0; l < 3; l++) {
        const shape = shapes[2 * l] as [number, number];
        h = tf.fused.matMul({ a: h as Tensor2D, b: tf.tensor2d(w[2 * l]!, shape), bias: tf.tensor(w[2 * l + 1]!) });
        if (l < 2) h = tf.tanh(h);
        s = tf.fused.matMul({ a: s as Tensor2D, b: tf.tensor2d(folded[2 * l]!, shape), bias: tf.tensor(folded[2 * l + 1]!), activation: l < 2 ? 'sigmoid' : 'linear' });
      }
      return [h, s];
    });
    const da = a.dataSync();
    const db = b.dataSync();
    for (let i = 0; i < da.length; i++) worst = Math.max(worst, Math.abs(da[i]! - db[i]!));
    a.dispose();
    b.dispose();
  }
  return worst;
}

// ---------------------------------------------------------------------------------------------------

export interface SamplingRow {
  readonly name: string;
  /** Env steps per second, one value per rep. */
  readonly stepsPerS: Summary;
}

export interface SamplingBenchResult {
  readonly machine: string;
  readonly backend: string;
  readonly worker?: {
    readonly rows: readonly SamplingRow[];
    /** worker / policy-only ceiling steps/s (informational: the ceiling skips the value net). */
    readonly ratioVsCeiling: Summary;
    /** worker / hand-written sampler doing the worker's inference work (policy + value), fastest tanh (goal ≥ 0.7). */
    readonly ratioVsSameWork: Summary;
    /** Largest |difference| between the folded-sigmoid and the tanh forward passes (self-check). */
    readonly foldError: number;
    /** worker / bare computeActions + env.step loop (the worker's bookkeeping overhead). */
    readonly ratioVsPolicyLoop: Summary;
  };
  readonly scaling?: {
    readonly config: DummySamplerConfig;
    readonly one: Summary;
    readonly two: Summary;
    /** 2 workers / 1 worker steps/s (goal ≥ 1.8). */
    readonly ratio: Summary;
  };
  /** Every table printed, in order. */
  readonly tables: readonly string[];
  /** Goals missed (empty when all were met). */
  readonly missed: readonly string[];
}

async function benchWorker(o: MeasureOptions, tf: Tf): Promise<NonNullable<SamplingBenchResult['worker']>> {
  const worker = new RolloutWorker.ctor(actorContext('workers', 0, 1), WORKER);
  const weights = await worker.getWeights();
  const ceiling = handWrittenSampler(tf, weights, 'policy', 2);
  const ceilingV = handWrittenSampler(tf, weights, 'policy+value', 3);
  const foldError = foldingError(tf, weights);
  if (!(foldError < 1e-4)) throw new Error(`bench sampling: the sigmoid-folded forward differs from tanh by ${foldError}`);
  const env = createVectorEnv('CartPole-v1', { num: NUM_ENVS, seed: 4 });
  const policy = await createActorCriticPolicy(env.observationSpace, env.actionSpace, POLICY, 5);
  policy.setWeights(weights);
  const random = createRng(6);
  const options = { explore: true, random };
  const sync = (f: () => void) => async (iters: number) => {
    for (let i = 0; i < iters; i++) f();
  };
  try {
    const first = await worker.sample();
    if (first.count !== STEPS) throw new Error(`bench sampling: the worker sampled ${first.count} steps, expected ${STEPS}`);
    const measured = await measureInterleaved(
      [
        {
          name: 'rlflow RolloutWorker.sample()',
          run: async (iters) => {
            for (let i = 0; i < iters; i++) await worker.sample();
          },
        },
        { name: 'hand-written, policy only (informational): policy forward, tanh folded into fused sigmoid', run: sync(ceiling.fragment) },
        { name: 'hand-written same-work ceiling: policy + value forward, tanh folded into fused sigmoid', run: sync(ceilingV.fragment) },
        {
          name: 'rlflow computeActions + env.step only',
          run: sync(() => {
            for (let t = 0; t < FRAGMENT; t++) env.step(policy.computeActions(env.observations, NUM_ENVS, options).actions);
          }),
        },
      ],
      o,
    );
    const rows = measured.map((m) => ({ name: m.name, stepsPerS: perSecond(m, STEPS) }));
    const [w, c, cv, loop] = rows.map((r) => r.stepsPerS) as [Summary, Summary, Summary, Summary];
    return { rows, ratioVsCeiling: ratio(w, c), ratioVsSameWork: ratio(w, cv), ratioVsPolicyLoop: ratio(w, loop), foldError };
  } finally {
    ceiling.dispose();
    ceilingV.dispose();
    policy.dispose();
  }
}

/** Pulls `n` items; returns the env steps they hold. */
async function pull(rt: Runtime<SampleBatch>, n: number): Promise<number> {
  let steps = 0;
  for (let i = 0; i < n; i++) {
    const r = await rt.next();
    if (r.done) throw new Error('bench sampling: the sampler plan ended');
    steps += r.value.count;
  }
  return steps;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function benchScaling(o: MeasureOptions, config: DummySamplerConfig): Promise<NonNullable<SamplingBenchResult['scaling']>> {
  const counts = [1, 2] as const;
  const runtimes: Array<Runtime<SampleBatch>> = [];
  try {
    for (const count of counts) {
      const group = actors(DummySampler, { count, args: [config], name: 'samplers' });
      const plan = await compile(fromActors(group).gatherAsync(), { name: `bench-sampling-${count}` });
      runtimes.push(await run<SampleBatch>(plan, { backend: 'farm', seed: 1 }));
    }
    // Warm-up (process start, JIT), then the time of one item on one worker.
    for (let k = 0; k < counts.length; k++) await pull(runtimes[k]!, Math.max(2, o.warmupIters) * counts[k]!);
    const t0 = performance.now();
    const probe = Math.max(3, Math.min(20, o.warmupIters));
    await pull(runtimes[0]!, probe);
    const itemMs = (performance.now() - t0) / probe;
    // Reps at least twice the usual length: an item is tens of ms.
    const perRep = counts.map((c) => Math.max(2 * c, Math.round(((2 * o.repMs) / itemMs) * c)));
    const rates: number[][] = counts.map(() => []);
    for (let r = 0; r < o.reps; r++) {
      for (let k = 0; k < counts.length; k++) {
        const rt = runtimes[k]!;
        // Let every in-flight sample finish (no process keeps computing into the other's rep), then
        // take the finished ones, so the timed rep starts with every worker starting a fresh sample.
        await sleep(1.5 * itemMs + 5);
        await pull(rt, counts[k]!);
        const start = performance.now();
        const steps = await pull(rt, perRep[k]!);
        rates[k]!.push(steps / ((performance.now() - start) / 1000));
      }
    }
    const one = summarize(rates[0]!);
    const two = summarize(rates[1]!);
    return { config, one, two, ratio: ratio(two, one) };
  } finally {
    for (const rt of runtimes) await rt.close();
  }
}



export async function main(args: readonly string[] = [], log: (line: string) => void = console.log): Promise<SamplingBenchResult> {
  const opts = parseOptions(args, { flags: ['quick'], values: ['only', 'reps', 'rep-ms'] });
  const quick = opts.flags.has('quick');
  const base: MeasureOptions = quick ? { ...QUICK, warmupIters: 1, maxIters: 4 } : { ...FULL, reps: 9, warmupIters: 10 };
  const o = withRepOptions(base, opts.values);
  const want = selectedParts<Part>(opts.values.get('only'), PARTS);

  const tf = await loadTf();
  const info = backendInfo()!;
  const backend = `${info.name}${info.simd !== undefined ? ` simd=${info.simd} threads=${info.threads}` : ''} (${info.package})`;
  const machine = machineInfo();
  log('# sampling benchmark');
  log(`machine: ${machine}`);
  log(`tfjs backend: ${backend}`);
  log(`load average at start: ${loadAvg()} (other processes skew absolute numbers; the interleaved ratios less so)`);
  log(`reps: ${o.reps} per alternative, interleaved${quick ? ' (--quick: smoke run, numbers are not meaningful)' : ''}`);

  const tables: string[] = [];
  const missed: string[] = [];
  const result: { worker?: SamplingBenchResult['worker']; scaling?: SamplingBenchResult['scaling'] } = {};

  if (want('worker')) {
    const w = await benchWorker(o, tf);
    result.worker = w;
    const ceilingMedian = w.rows[2]!.stepsPerS.median;
    const table = markdownTable(
      [`CartPole-v1, ${NUM_ENVS} envs × ${FRAGMENT} steps, 4-64-64-2 tanh policy`, 'env steps/s (median [min–max])', 'ms per fragment', 'vs same-work ceiling'],
      w.rows.map((r) => [r.name, spread(r.stepsPerS), spread(summarize(r.stepsPerS.values.map((s) => (STEPS / s) * 1000))), (r.stepsPerS.median / ceilingMedian).toFixed(2)]),
    );
    tables.push(table);
    log('');
    log(table);
    log('');
    const ok = w.ratioVsSameWork.median >= 0.7;
    if (!ok) missed.push('worker ≥ 0.7× same-work ceiling');
    log(`ratio worker / same-work ceiling (hand-written policy + value sampler, the worker's inference work, fastest hand-written tanh; max |Δ| vs tanh ${w.foldError.toExponential(1)}): ${spread(w.ratioVsSameWork)} (goal ≥ 0.7: ${ok ? 'met' : 'NOT met'})`);
    log(`ratio worker / policy-only ceiling (informational: it skips the value net's forward the worker needs for GAE): ${spread(w.ratioVsCeiling)}`);
    log(`ratio worker / bare computeActions + env.step loop (the worker's bookkeeping, GAE and batch): ${spread(w.ratioVsPolicyLoop)}`);
  }

  if (want('scaling')) {
    const config: DummySamplerConfig = quick ? { numEnvs: 4, fragmentLength: 10, hidden: [16] } : DUMMY_SAMPLER_DEFAULTS;
    const s = await benchScaling(o, config);
    result.scaling = s;
    const table = markdownTable(
      [
        `fromActors(samplers).gatherAsync(), farm, dummy pure-JS 4-${config.hidden.join('-')}-2 policy, ${config.numEnvs} envs × ${config.fragmentLength} steps per item`,
        'env steps/s (median [min–max])',
      ],
      [
        ['1 worker', spread(s.one)],
        ['2 workers', spread(s.two)],
      ],
    );
    tables.push(table);
    log('');
    log(table);
    log('');
    const ok = s.ratio.median >= 1.8;
    if (!ok) missed.push('2 workers ≥ 1.8× 1 worker');
    log(`ratio 2 workers / 1 worker: ${spread(s.ratio)} (goal ≥ 1.8: ${ok ? 'met' : 'NOT met'}; ${os.availableParallelism()} CPUs)`);
  }
  log('');
  log('Ratios: median = ratio of the medians; [min–max] of the per-round ratios (rep i of one over rep i of the other).');
  log(`load average at end: ${loadAvg()}`);
  // A missed goal fails the command (not in --quick smoke runs, whose numbers mean nothing).
  if (missed.length > 0 && !quick) process.exitCode = 1;
  return { machine, backend, ...result, tables, missed };
}
