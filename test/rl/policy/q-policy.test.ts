/**
 * The Q policy with hand-set weights and hand-computed values: Q values of a linear net, the dueling
 * aggregation V + A − mean(A), TD targets with double Q (argmax from the online net, value from the
 * target net) and the done mask (a planted bug in either changes these numbers), the manual gradient
 * against TF.js autodiff of the same weighted Huber loss, target-network updates, ε schedules
 * (linear and Ape-X's per-worker ε_i) and ε-greedy action frequencies, and a rollout worker hosting a Q
 * policy (n-step transitions with s', TD errors and slots back from the learner).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ActorContext } from '../../../src/ir/contract.js';
import { SB, createSampleBatch, type SampleBatch } from '../../../src/rl/data/index.js';
import { createQPolicy, epsilonAt, loadTf, type QPolicy, type QPolicyConfig } from '../../../src/rl/policy/index.js';
import { BATCH_INDEXES, DISCOUNTS, WEIGHTS } from '../../../src/rl/replay/index.js';
import { RolloutWorker } from '../../../src/rl/rollout-worker.js';
import { createRng, deriveSeed } from '../../../src/rng/index.js';
import { box, discrete } from './helpers.js';

function qConfig(over: Partial<QPolicyConfig> = {}): QPolicyConfig {
  return {
    kind: 'q',
    hidden: [],
    activation: 'relu',
    dueling: false,
    doubleQ: true,
    lr: 1e-3,
    adamEpsilon: 1e-8,
    gradClip: undefined,
    gamma: 0.5,
    nStep: 1,
    exploration: { kind: 'epsilonGreedy', initialEpsilon: 1, finalEpsilon: 0.02, epsilonTimesteps: 10_000 },
    ...over,
  };
}

const f32 = (...xs: number[]) => Float32Array.from(xs);

function close(a: number, b: number, what: string, tol = 1e-5): void {
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} ≈ ${b}`);
}

/** Linear Q = s·W + b over 2-d observations and 2 actions; W row-major [2 × 2]. */
async function linearPolicy(online: { W: number[]; b: number[] }, target: { W: number[]; b: number[] }, over: Partial<QPolicyConfig> = {}): Promise<QPolicy> {
  const policy = await createQPolicy(box(2), discrete(2), qConfig(over), 1);
  policy.setWeights([f32(...target.W), f32(...target.b)]);
  policy.updateTarget();
  policy.setWeights([f32(...online.W), f32(...online.b)]);
  return policy;
}

/** Transitions: s' = next, action 0 everywhere. */
function transitions(rows: { s: number[]; a: number; r: number; next: number[]; done: number; disc: number }[], weights?: number[]): SampleBatch {
  return createSampleBatch(
    {
      [SB.OBS]: f32(...rows.flatMap((r) => r.s)),
      [SB.ACTIONS]: Int32Array.from(rows.map((r) => r.a)),
      [SB.REWARDS]: f32(...rows.map((r) => r.r)),
      [SB.NEXT_OBS]: f32(...rows.flatMap((r) => r.next)),
      [SB.TERMINATEDS]: Uint8Array.from(rows.map((r) => r.done)),
      [DISCOUNTS]: f32(...rows.map((r) => r.disc)),
      ...(weights ? { [WEIGHTS]: f32(...weights) } : {}),
    },
    { [SB.OBS]: 2, [SB.NEXT_OBS]: 2 },
  );
}

// Online: Q(s) = [s0, s1]; target: Q(s) = [10·s0, s1] + [0, 1].
const ONLINE = { W: [1, 0, 0, 1], b: [0, 0] };
const TARGET = { W: [10, 0, 0, 1], b: [0, 1] };

describe('Q policy: values and targets by hand', () => {
  test('Q values of a linear network', async () => {
    const p = await linearPolicy(ONLINE, TARGET);
    assert.deepEqual([...p.qValues(f32(2, 3, -1, 4), 2)], [2, 3, -1, 4]);
    assert.deepEqual([...p.qValues(f32(2, 3), 1, 'target')], [20, 4]);
    p.dispose();
  });

  test('double-Q targets: argmax from the online net, its value from the target net; done rows do not bootstrap', async () => {
    const p = await linearPolicy(ONLINE, TARGET);
    const b = transitions([
      // s' = (1, 2): online Q = [1, 2] → a* = 1; target Q(s', 1) = 2 + 1 = 3 → y = 1 + 0.5·3 = 2.5
      { s: [0, 0], a: 0, r: 1, next: [1, 2], done: 0, disc: 0.5 },
      // s' = (3, 1): online a* = 0; target Q(s', 0) = 30 → y = 0 + 0.25·30 = 7.5 (an n-step row: γ^m = 0.25)
      { s: [0, 0], a: 0, r: 0, next: [3, 1], done: 0, disc: 0.25 },
      // terminated: y = r = −1 whatever Q(s') is
      { s: [0, 0], a: 0, r: -1, next: [5, 9], done: 1, disc: 0.5 },
    ]);
    assert.deepEqual([...p.targets(b)], [2.5, 7.5, -1]);
    p.dispose();
    // Plain DQN targets use the target net's own max: s' = (1, 2): max(10, 3) = 10 → y = 6.
    const plain = await linearPolicy(ONLINE, TARGET, { doubleQ: false });
    assert.deepEqual([...plain.targets(b)], [6, 0 + 0.25 * 30, -1]);
    plain.dispose();
  });

  test('dueling: Q = V + A − mean(A)', async () => {
    const p = await createQPolicy(box(2), discrete(3), qConfig({ dueling: true, hidden: [2] }), 3);
    // trunk: identity + relu (positive inputs pass); A = h·Wa + ba; V = h·Wv + bv
    p.setWeights([f32(1, 0, 0, 1), f32(0, 0), f32(1, 0, 2, 0, 1, 0), f32(0, 0, 3), f32(1, 1), f32(0.5)]);
    // h = (1, 2): A = [1, 2, 4+3=7]... A = [1·1+2·0, 1·0+2·1, 1·2+2·0 + 3] = [1, 2, 5]; mean 8/3; V = 3.5
    const q = p.qValues(f32(1, 2), 1);
    [1, 2, 5].forEach((a, i) => close(q[i]!, 3.5 + a - 8 / 3, `Q[${i}]`));
    p.dispose();
  });

  test('manual gradients equal TF.js autodiff of mean(w · huber(Q(s,a) − y)); TD errors are Q(s,a) − y', async () => {
    const tf = await loadTf();
    const cfg = qConfig({ dueling: true, hidden: [5], activation: 'tanh' });
    const p = await createQPolicy(box(2), discrete(3), cfg, 11);
    p.updateTarget();
    const rng = createRng(5);
    const rows = Array.from({ length: 6 }, (_, i) => ({ s: [rng() * 2 - 1, rng() * 2 - 1], a: i % 3, r: i === 0 ? 30 : rng(), next: [rng(), rng()], done: i % 4 === 3 ? 1 : 0, disc: 0.9 }));
    const weights = [1, 0.5, 0.25, 1, 0.8, 0.6];
    const b = transitions(rows, weights);
    const y = p.targets(b);
    const w = p.getWeights();
    const { grads } = p.computeGradients(b);
    // Reference: the same network and loss written with TF.js ops, differentiated by TF.js.
    const ref = tf.tidy(() => {
      const vars = w.map((x, i) => tf.tensor(x, i % 2 === 0 ? [i === 0 ? 2 : 5, [5, 3, 1][i / 2]!] : [x.length]));
      const g = tf.grads((...v: import('@tensorflow/tfjs').Tensor[]) => {
        const s = tf.tensor2d(f32(...rows.flatMap((r) => r.s)), [6, 2]);
        const h = tf.tanh(tf.add(tf.matMul(s, v[0] as import('@tensorflow/tfjs').Tensor2D), v[1]!));
        const A = tf.add(tf.matMul(h as import('@tensorflow/tfjs').Tensor2D, v[2] as import('@tensorflow/tfjs').Tensor2D), v[3]!);
        const V = tf.add(tf.matMul(h as import('@tensorflow/tfjs').Tensor2D, v[4] as import('@tensorflow/tfjs').Tensor2D), v[5]!);
        const Q = tf.add(V, tf.sub(A, tf.mean(A, 1, true)));
        const qa = tf.sum(tf.mul(Q, tf.oneHot(tf.tensor1d(rows.map((r) => r.a), 'int32'), 3)), 1);
        const d = tf.sub(qa, tf.tensor1d(Float32Array.from(y)));
        const ad = tf.abs(d);
        const quad = tf.minimum(ad, 1); // huber = ½·min(|d|, 1)² + (|d| − min(|d|, 1))
        const huber = tf.add(tf.mul(0.5, tf.square(quad)), tf.sub(ad, quad));
        return tf.mean(tf.mul(huber, tf.tensor1d(weights)));
      });
      return g(vars).map((t) => t.dataSync() as Float32Array);
    });
    grads.forEach((gr, i) => gr.forEach((v, j) => close(v, ref[i]![j]!, `grad ${i}[${j}]`, 1e-4)));
    const q = p.qValues(b.columns[SB.OBS] as Float32Array, 6);
    p.lastTdErrors!.forEach((d, i) => close(d, q[i * 3 + rows[i]!.a]! - y[i]!, `td ${i}`));
    assert.ok(Math.abs(p.lastTdErrors![0]!) > 1, 'row 0 is in the linear part of the huber loss');
    p.dispose();
  });

  test('learning moves Q(s,a) towards y; updateTarget copies the online weights', async () => {
    const p = await linearPolicy(ONLINE, TARGET, { lr: 0.05 });
    const b = transitions([{ s: [1, 0], a: 0, r: 3, next: [0, 0], done: 1, disc: 0.5 }]);
    for (let i = 0; i < 200; i++) p.learnOnBatch(b);
    close(p.qValues(f32(1, 0), 1)[0]!, 3, 'Q(s, 0) → r', 1e-2);
    assert.notDeepEqual(p.getTargetWeights(), p.getWeights());
    p.updateTarget();
    assert.deepEqual(p.getTargetWeights(), p.getWeights());
    const state = p.getState();
    const copy = await createQPolicy(box(2), discrete(2), qConfig({ lr: 0.05 }), 99);
    copy.setState(state);
    assert.deepEqual(copy.getState(), state);
    p.dispose();
    copy.dispose();
  });
});

describe('exploration', () => {
  test('linear ε schedule and Ape-X per-worker ε_i = ε^(1 + i/(N−1)·α)', () => {
    const lin = { kind: 'epsilonGreedy', initialEpsilon: 1, finalEpsilon: 0.02, epsilonTimesteps: 10_000 } as const;
    assert.equal(epsilonAt(lin, 0, 0), 1);
    close(epsilonAt(lin, 5000, 0), 0.51, 'ε(5000)');
    close(epsilonAt(lin, 50_000, 3), 0.02, 'ε after the schedule');
    const per = { kind: 'perWorkerEpsilonGreedy', epsilon: 0.4, alpha: 7, numWorkers: 3 } as const;
    close(epsilonAt(per, 123, 0), 0.4, 'ε_0');
    close(epsilonAt(per, 123, 1), 0.4 ** 4.5, 'ε_1');
    close(epsilonAt(per, 0, 2), 0.4 ** 8, 'ε_2');
    close(epsilonAt({ ...per, numWorkers: 1 }, 0, 0), 0.4, 'one worker');
  });

  test('ε-greedy picks the greedy action with probability 1 − ε + ε/k', async () => {
    const p = await linearPolicy(ONLINE, TARGET, { exploration: { kind: 'epsilonGreedy', initialEpsilon: 1, finalEpsilon: 0, epsilonTimesteps: 1000 } });
    const n = 4000;
    const obs = new Float32Array(2 * n).map((_, i) => (i % 2 === 0 ? 1 : 0)); // greedy action 0
    const random = createRng(2);
    const greedyShare = (timestep: number) => Array.from(p.computeActions(obs, n, { explore: true, random, timestep }).actions).filter((a) => a === 0).length / n;
    close(greedyShare(500), 1 - 0.5 + 0.25, 'ε = 0.5', 0.03);
    assert.equal(greedyShare(1000), 1);
    assert.equal(p.computeActions(obs, 10, { explore: false, random, timestep: 0 }).actions.every((a) => a === 0), true);
    p.dispose();
  });
});

describe('a rollout worker hosting a Q policy', () => {
  function ctx(index: number, group = 'workers'): ActorContext {
    const seed = deriveSeed(7, group, index);
    return { group, index, ref: { group, index }, seed, rootSeed: 7, device: 'cpu', vectorBatch: undefined, random: createRng(seed), now: () => 0, delay: async () => undefined };
  }
  const workerConfig = (numEnvs: number) => ({
    env: 'CartPole-v1',
    envConfig: {},
    numEnvs,
    rolloutFragmentLength: 30,
    gamma: 0.9,
    lambda: 1,
    useGae: false,
    useCritic: false,
    policy: qConfig({ hidden: [8], nStep: 3, gamma: 0.9 }),
    observationFilter: 'NoFilter' as const,
    explore: true,
  });

  test('samples n-step transitions with s′ and learns, answering TD errors with the buffer slots', async () => {
    const w = new RolloutWorker.ctor(ctx(0), workerConfig(2));
    const b = await w.sample();
    assert.equal(b.count, 60);
    assert.deepEqual(Object.keys(b.columns).sort(), [SB.ACTIONS, DISCOUNTS, SB.NEXT_OBS, SB.OBS, SB.REWARDS, SB.TERMINATEDS].sort());
    const obs = b.columns[SB.OBS]!;
    const next = b.columns[SB.NEXT_OBS]!;
    const done = b.columns[SB.TERMINATEDS]!;
    const disc = b.columns[DISCOUNTS]!;
    // Inside a running episode, s′ of a 3-step row is s three rows later, with γ³.
    let checked = 0;
    for (let t = 0; t + 3 < 30; t++) {
      if (disc[t]! === Math.fround(0.9 ** 3) && !done[t]) {
        for (let j = 0; j < 4; j++) assert.equal(next[t * 4 + j], obs[(t + 3) * 4 + j]);
        checked++;
      }
    }
    assert.ok(checked > 5);
    const learner = new RolloutWorker.ctor(ctx(0, 'learner'), { ...workerConfig(2), numEnvs: 0 });
    const replayed = createSampleBatch({ ...b.columns, [BATCH_INDEXES]: Int32Array.from({ length: 60 }, (_, i) => 100 + i) }, b.widths);
    const r = await learner.learnOnBatch(replayed, { numSgdIter: 1, sgdMinibatchSize: 0 });
    assert.equal(r.tdErrors?.length, 60);
    assert.equal(r.batchIndexes?.[5], 105);
    assert.ok(Number.isFinite(r.stats['loss']));
    await learner.updateTargetNetwork();
  });
});
