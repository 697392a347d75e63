/**
 * `npm run bench -- replay [--quick] [--reps n] [--rep-ms ms] [--only add-sample,prioritized,learner,apex] [--apex-seconds s]`
 *
 * Off-policy speed, each figure measured interleaved (rep by rep) against a hand-written baseline in
 * this file, printed as ratios:
 *
 *   add-sample   rlflow's `ReplayBuffer` (uniform) vs a hand-written typed-array ring buffer of the same
 *                CartPole transition columns (obs 4, action, reward, newObs 4, terminated, discount):
 *                one iteration adds a 4-row fragment and samples 32 rows. Goal: throughput ratio ≥ 0.8.
 *                The baseline does the necessary work of a uniform replay: it draws the 32 slots (an
 *                index array, which every gather needs) and gathers the six columns; it builds no
 *                `weights` column, since uniform weights are all 1. rlflow's uniform sample also returns
 *                `weights` and `batchIndexes` (consumers and tests read them), but at no extra cost: the
 *                ones are one shared read-only array per batch size, and the slots array is reused as
 *                `batchIndexes`.
 *   prioritized  `sample(32)` of a prioritized `ReplayBuffer` holding 1M transitions vs a hand-written
 *                sum/min segment tree sampling 32 slots with their importance weights and gathering the
 *                rows. Goal: time ratio ≤ 2.
 *   learner      one DQN update (batch 32; 4-64-2 dueling tanh net, double Q, Huber, IS weights, Adam) of
 *                rlflow's `QPolicy.learnOnBatch` vs the fastest hand-written TF.js step we could write
 *                for the same update (`handWrittenDqn`: hand-written backward pass in one tidy, flat
 *                Adam, one read-back). Goal: time ratio ≤ 1.1.
 *   apex         Ape-X env steps per second on the farm with 1 and 2 rollout workers (the tuned example,
 *                `--apex-seconds` of sampling each, alternated twice).
 */
import type { Tensor2D, Variable } from '@tensorflow/tfjs';
import { apex, buildAlgorithmPlan } from '../src/algorithms/index.js';
import { createSampleBatch, type SampleBatch } from '../src/rl/data/index.js';
import type { ResultDict } from '../src/rl/ops/metrics.js';
import { QPolicy } from '../src/rl/policy/q-policy.js';
import { backendInfo, loadTf, type Tf } from '../src/rl/policy/tf-backend.js';
import type { QPolicyConfig } from '../src/rl/policy/types.js';
import { DISCOUNTS, ReplayBuffer, WEIGHTS } from '../src/rl/replay/index.js';
import { run } from '../src/runtime/runtime.js';
import { createRng } from '../src/rng/index.js';
import { fastTanh, flatAdam, scalarCache } from './hand-written-tf.js';
import { FULL, QUICK, fmt, loadAvg, machineInfo, markdownTable, measureInterleaved, parseOptions, perSecond, positiveInt, ratio, selectedParts, spread, withRepOptions, type MeasureOptions } from './lib.js';

export const description = 'replay add+sample and prioritized sampling vs hand-written buffers; DQN update vs hand-written TF.js; Ape-X steps/s 1 vs 2 workers';

const OBS = 4;

function fragment(rows: number, seed: number): SampleBatch {
  const random = createRng(seed);
  const f = (n: number) => Float32Array.from({ length: n }, () => random());
  return createSampleBatch(
    { obs: f(rows * OBS), actions: Int32Array.from({ length: rows }, () => (random() < 0.5 ? 0 : 1)), rewards: f(rows), newObs: f(rows * OBS), terminateds: new Uint8Array(rows), [DISCOUNTS]: f(rows) },
    { obs: OBS, newObs: OBS },
  );
}

/** The hand-written baseline: one typed array per column, `set` to add, index loops to gather. */
class HandRing {
  obs: Float32Array;
  next: Float32Array;
  act: Int32Array;
  rew: Float32Array;
  done: Uint8Array;
  disc: Float32Array;
  idx = 0;
  size = 0;
  constructor(readonly cap: number) {
    this.obs = new Float32Array(cap * OBS);
    this.next = new Float32Array(cap * OBS);
    this.act = new Int32Array(cap);
    this.rew = new Float32Array(cap);
    this.done = new Uint8Array(cap);
    this.disc = new Float32Array(cap);
  }
  add(b: SampleBatch): void {
    const n = b.count;
    const c = b.columns;
    if (this.idx + n > this.cap) this.idx = 0; // fragments divide the capacity in this bench
    this.obs.set(c['obs']!, this.idx * OBS);
    this.next.set(c['newObs']!, this.idx * OBS);
    this.act.set(c['actions']!, this.idx);
    this.rew.set(c['rewards']!, this.idx);
    this.done.set(c['terminateds']!, this.idx);
    this.disc.set(c[DISCOUNTS]!, this.idx);
    this.idx += n;
    this.size = Math.min(this.cap, this.size + n);
  }
  gather(ix: Int32Array) {
    const n = ix.length;
    const obs = new Float32Array(n * OBS);
    const next = new Float32Array(n * OBS);
    const act = new Int32Array(n);
    const rew = new Float32Array(n);
    const done = new Uint8Array(n);
    const disc = new Float32Array(n);
    for (let k = 0; k < n; k++) {
      const i = ix[k]!;
      for (let j = 0; j < OBS; j++) {
        obs[k * OBS + j] = this.obs[i * OBS + j]!;
        next[k * OBS + j] = this.next[i * OBS + j]!;
      }
      act[k] = this.act[i]!;
      rew[k] = this.rew[i]!;
      done[k] = this.done[i]!;
      disc[k] = this.disc[i]!;
    }
    return { obs, next, act, rew, done, disc };
  }
  sample(n: number, random: () => number) {
    const ix = new Int32Array(n);
    for (let k = 0; k < n; k++) ix[k] = Math.floor(random() * this.size);
    return this.gather(ix);
  }
}

/** A hand-written sum + min tree over `cap` (a power of two) leaves, sampling proportionally. */
class HandTree {
  sum: Float64Array;
  min: Float64Array;
  constructor(readonly cap: number) {
    this.sum = new Float64Array(2 * cap);
    this.min = new Float64Array(2 * cap).fill(Infinity);
  }
  set(i: number, p: number): void {
    let j = i + this.cap;
    this.sum[j] = p;
    this.min[j] = p;
    for (j >>= 1; j >= 1; j >>= 1) {
      this.sum[j] = this.sum[2 * j]! + this.sum[2 * j + 1]!;
      this.min[j] = Math.min(this.min[2 * j]!, this.min[2 * j + 1]!);
    }
  }
  sample(n: number, size: number, beta: number, random: () => number): { ix: Int32Array; w: Float32Array } {
    const total = this.sum[1]!;
    const maxW = ((this.min[1]! / total) * size) ** -beta;
    const ix = new Int32Array(n);
    const w = new Float32Array(n);
    for (let k = 0; k < n; k++) {
      let m = random() * total;
      let j = 1;
      while (j < this.cap) {
        const l = this.sum[2 * j]!;
        if (m < l) j = 2 * j;
        else {
          m -= l;
          j = 2 * j + 1;
        }
      }
      ix[k] = j - this.cap;
      w[k] = ((this.sum[j]! / total) * size) ** -beta / maxW;
    }
    return { ix, w };
  }
}

async function addSample(o: MeasureOptions): Promise<string[]> {
  const cap = 50_000;
  const frags = Array.from({ length: 16 }, (_, i) => fragment(4, i));
  const ours = new ReplayBuffer({ capacity: cap });
  const hand = new HandRing(cap);
  for (let i = 0; i < cap / 4; i++) {
    ours.add(frags[i % 16]!);
    hand.add(frags[i % 16]!);
  }
  const r1 = createRng(1);
  const r2 = createRng(1);
  let k = 0;
  const [a, b] = await measureInterleaved(
    [
      { name: 'rlflow', run: async (n) => { for (let i = 0; i < n; i++) { ours.add(frags[k++ & 15]!); ours.sample(32, 0.4, r1); } } },
      { name: 'hand-written', run: async (n) => { for (let i = 0; i < n; i++) { hand.add(frags[k++ & 15]!); hand.sample(32, r2); } } },
    ],
    o,
  );
  const rat = ratio(perSecond(a!), perSecond(b!));
  return ['replay add(4) + sample(32), throughput', `${spread(perSecond(a!))} /s`, `${spread(perSecond(b!))} /s`, `${spread(rat)} (goal ≥ 0.8)`];
}

async function prioritized(o: MeasureOptions, capacity: number): Promise<string[]> {
  const ours = new ReplayBuffer({ capacity, alpha: 0.6 });
  const hand = new HandTree(1 << Math.ceil(Math.log2(capacity)));
  const handRing = new HandRing(capacity);
  const frag = fragment(1000, 3);
  const random = createRng(9);
  for (let i = 0; i < capacity / 1000; i++) {
    ours.add(frag);
    handRing.add(frag);
  }
  // Random priorities in both.
  const slots = Int32Array.from({ length: capacity }, (_, i) => i);
  const prios = Float64Array.from({ length: capacity }, () => 0.01 + random() * 10);
  ours.updatePriorities(slots, prios);
  for (let i = 0; i < capacity; i++) hand.set(i, prios[i]! ** 0.6);
  const r1 = createRng(1);
  const r2 = createRng(1);
  const [a, b] = await measureInterleaved(
    [
      { name: 'rlflow', run: async (n) => { for (let i = 0; i < n; i++) ours.sample(32, 0.4, r1); } },
      { name: 'hand-written', run: async (n) => { for (let i = 0; i < n; i++) handRing.gather(hand.sample(32, capacity, 0.4, r2).ix); } },
    ],
    o,
  );
  const rat = ratio(a!.perIterMs, b!.perIterMs);
  return [`prioritized sample(32) at ${fmt(capacity)} transitions, time`, `${spread(a!.perIterMs)} ms`, `${spread(b!.perIterMs)} ms`, `${spread(rat)} (goal ≤ 2)`];
}

const Q_CONFIG: QPolicyConfig = {
  kind: 'q',
  hidden: [64],
  activation: 'tanh',
  dueling: true,
  doubleQ: true,
  lr: 5e-4,
  adamEpsilon: 1e-8,
  gradClip: undefined,
  gamma: 0.99,
  nStep: 1,
  exploration: { kind: 'epsilonGreedy', initialEpsilon: 1, finalEpsilon: 0.02, epsilonTimesteps: 10_000 },
};

const HIDDEN = 64;
const ACTIONS = 2;

/**
 * The same dueling double-Q update, written directly in TF.js as fast as we can: one tf.tidy per step,
 * a hand-written backward pass (no tape), tanh as 2σ(2z) − 1, Adam over one flat vector (the pieces of
 * bench/hand-written-tf.ts), the TD targets computed on the device, and ONE read-back per step (the TD
 * errors, which prioritized replay needs). It starts from rlflow's initial weights. It skips what the
 * update does not need: rlflow's learner stats (loss, Q statistics) and the action range check.
 */
function handWrittenDqn(tf: Tf, weights: readonly Float32Array[]) {
  const shapes = [[OBS, HIDDEN], [HIDDEN], [HIDDEN, ACTIONS], [ACTIONS], [HIDDEN, 1], [1]];
  const consts = scalarCache(tf);
  const c = consts.get;
  const fast = fastTanh(tf, c);
  const online = weights.map((w, i) => tf.variable(tf.tensor(w, shapes[i]!)));
  const target = weights.map((w, i) => tf.variable(tf.tensor(w, shapes[i]!), false));
  const adam = flatAdam(tf, online, { lr: Q_CONFIG.lr, eps: Q_CONFIG.adamEpsilon }, c);
  // Q = V + A − mean(A) on a tanh trunk: the trunk output h is kept for the backward pass.
  const forward = (net: readonly Variable[], x: Tensor2D) => {
    const h = fast.tanh(tf.fused.matMul({ a: x, b: net[0] as Tensor2D, bias: net[1]! })) as Tensor2D;
    const a = tf.fused.matMul({ a: h, b: net[2] as Tensor2D, bias: net[3]! });
    const v = tf.fused.matMul({ a: h, b: net[4] as Tensor2D, bias: net[5]! });
    return { h, q: tf.add(v, tf.sub(a, tf.mean(a, 1, true))) as Tensor2D };
  };
  return (b: SampleBatch): Float32Array => {
    const col = b.columns;
    const n = b.count;
    // Per-row factors computed in JS (32 values): γ^n·(1 − done) for the bootstrap, w_i / n for the loss.
    const done = col['terminateds']!, disc = col[DISCOUNTS]!, w = col[WEIGHTS]!;
    const bootScale = new Float32Array(n);
    const lossScale = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      bootScale[i] = done[i] ? 0 : disc[i]!;
      lossScale[i] = w[i]! / n;
    }
    const tdT = tf.tidy(() => {
      const x = tf.tensor2d(col['obs'] as Float32Array, [n, OBS]);
      const nx = tf.tensor2d(col['newObs'] as Float32Array, [n, OBS]);
      // Double Q: a* = argmax of the online net on s', valued by the target net.
      const best = tf.oneHot(tf.argMax(forward(online, nx).q, 1), ACTIONS);
      const y = tf.add(tf.tensor1d(col['rewards'] as Float32Array), tf.mul(tf.tensor1d(bootScale), tf.sum(tf.mul(forward(target, nx).q, best), 1)));
      const { h, q } = forward(online, x);
      const onehot = tf.oneHot(tf.tensor1d(col['actions'] as Int32Array, 'int32'), ACTIONS);
      const td = tf.sub(tf.sum(tf.mul(q, onehot), 1), y);
      // Huber's derivative, weighted: dL/dQ(s, a_i) = w_i·clip(δ_i, −1, 1)/n; 0 for the other actions.
      const dq = tf.expandDims(tf.mul(tf.clipByValue(td, -1, 1), tf.tensor1d(lossScale)), 1);
      const dA = tf.sub(tf.mul(onehot, dq), tf.mul(dq, c(1 / ACTIONS))); // dA = dQ − mean_row(dQ)
      const dV = dq; // Σ_row dQ
      const dz = fast.grad(tf.add(tf.matMul(dA, tf.transpose(online[2]!)), tf.matMul(dV, tf.transpose(online[4]!))), h);
      const hT = tf.transpose(h);
      adam.apply([tf.matMul(tf.transpose(x), dz), tf.sum(dz, 0), tf.matMul(hT, dA), tf.sum(dA, 0), tf.matMul(hT, dV), tf.sum(dV, 0)]);
      return td;
    });
    // The TD errors, as rlflow's policy keeps them; read outside the tidy (a tidy walks every element
    // of a returned array looking for tensors).
    const td = tdT.dataSync() as Float32Array;
    tdT.dispose();
    return td;
  };
}

async function learner(o: MeasureOptions): Promise<string[]> {
  const tf = await loadTf();
  const policy = new QPolicy(tf, { kind: 'box', shape: [OBS], low: new Float32Array(OBS).fill(-Infinity), high: new Float32Array(OBS).fill(Infinity) }, { kind: 'discrete', n: 2 }, Q_CONFIG, 1);
  const buf = new ReplayBuffer({ capacity: 1024, alpha: 0.6 });
  buf.add(fragment(1024, 5));
  const batches = Array.from({ length: 8 }, (_, i) => buf.sample(32, 0.4, createRng(i)));
  const hand = handWrittenDqn(tf, policy.getWeights());
  // Same work check: from the same weights, two updates on the same batches give the same TD errors
  // (the second step's errors depend on the first step's Adam update).
  let maxDiff = 0;
  for (const batch of batches.slice(0, 2)) {
    policy.learnOnBatch(batch);
    const td = hand(batch);
    td.forEach((d, i) => (maxDiff = Math.max(maxDiff, Math.abs(d - policy.lastTdErrors![i]!))));
  }
  if (!(maxDiff < 1e-4)) throw new Error(`replay bench: the hand-written DQN step disagrees with QPolicy.learnOnBatch (TD errors differ by up to ${maxDiff})`);
  let k = 0;
  const [a, b] = await measureInterleaved(
    [
      { name: 'rlflow', run: async (n) => { for (let i = 0; i < n; i++) policy.learnOnBatch(batches[k++ & 7]!); } },
      { name: 'hand-written', run: async (n) => { for (let i = 0; i < n; i++) hand(batches[k++ & 7]!); } },
    ],
    o,
  );
  return [`DQN update, batch 32 (${backendInfo()?.name ?? '?'}), time`, `${spread(a!.perIterMs)} ms`, `${spread(b!.perIterMs)} ms`, `${spread(ratio(a!.perIterMs, b!.perIterMs))} (goal ≤ 1.1)`];
}

async function apexStepsPerSecond(workers: number, seconds: number): Promise<number> {
  const config = apex.config({ numWorkers: workers, numReplayBufferShards: 2, hidden: [64], targetNetworkUpdateFreq: 2500, trainBatchSize: 128, learningStarts: 1000, bufferSize: 20_000, timestepsPerIteration: 1000, minIterTimeS: 0 });
  const rt = await run<ResultDict>((await buildAlgorithmPlan(apex, config, { name: `bench-apex-${workers}` })).graph, { backend: 'farm', seed: 0 });
  try {
    let first: ResultDict | undefined;
    let last: ResultDict | undefined;
    for (;;) {
      const r = await rt.next();
      if (r.done) break;
      first ??= r.value; // from the first report on: actors started, TF.js loaded
      last = r.value;
      if (last.time_total_s - first.time_total_s >= seconds) break;
    }
    return (last!.timesteps_total - first!.timesteps_total) / Math.max(1e-9, last!.time_total_s - first!.time_total_s);
  } finally {
    await rt.close();
  }
}

export async function main(args: readonly string[]): Promise<void> {
  const { flags, values } = parseOptions(args, { flags: ['quick'], values: ['reps', 'rep-ms', 'only', 'apex-seconds'] });
  const quick = flags.has('quick');
  const o = withRepOptions(quick ? QUICK : FULL, values);
  const want = selectedParts(values.get('only'), ['add-sample', 'prioritized', 'learner', 'apex'] as const);
  console.log(`replay bench — ${machineInfo()}; load ${loadAvg()}`);
  const rows: string[][] = [];
  if (want('add-sample')) rows.push(await addSample(o));
  if (want('prioritized')) rows.push(await prioritized(o, quick ? 65_536 : 1_000_000));
  if (want('learner')) rows.push(await learner(o));
  console.log(markdownTable(['figure', 'rlflow', 'hand-written', 'ratio [min–max per round]'], rows));
  if (want('apex')) {
    const seconds = values.has('apex-seconds') ? positiveInt(values.get('apex-seconds')!, 'apex-seconds') : quick ? 2 : 15;
    const rates: Record<number, number[]> = { 1: [], 2: [] };
    for (const w of quick ? [1, 2] : [1, 2, 1, 2]) rates[w]!.push(await apexStepsPerSecond(w, seconds));
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    console.log(markdownTable(['Ape-X (farm)', 'env steps/s'], [['1 worker', rates[1]!.map(fmt).join(', ')], ['2 workers', rates[2]!.map(fmt).join(', ')], ['2 / 1 workers', fmt(med(rates[2]!) / med(rates[1]!))]]));
  }
}
