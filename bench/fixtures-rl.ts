/**
 * Actors for the RL benchmarks, in a module of their own with no side effects on import (every farm
 * worker imports it to load the class). No TF.js here: the sampling-scaling benchmark needs a sampler
 * whose cost is plain CPU work in the worker process, so that two workers on two cores show their
 * parallelism (the RLlib Flow paper's sampling microbenchmark uses a dummy policy the same way).
 */
import { actorClass } from '../src/dsl/index.js';
import type { ActorContext } from '../src/ir/contract.js';
import { createSampleBatch, SB, type SampleBatch } from '../src/rl/data/index.js';
import { createVectorEnv, type SyncVectorEnv } from '../src/rl/envs/index.js';
import { createRng, deriveSeed } from '../src/rng/index.js';

export interface DummySamplerConfig {
  /** CartPole-v1 copies stepped together. */
  readonly numEnvs: number;
  /** Steps per copy in one `sample()`. */
  readonly fragmentLength: number;
  /** Hidden layer sizes of the fixed pure-JS tanh MLP policy (4 → hidden → 2 logits). */
  readonly hidden: readonly number[];
}

export const DUMMY_SAMPLER_DEFAULTS: DummySamplerConfig = { numEnvs: 16, fragmentLength: 100, hidden: [64, 64] };

/**
 * A fixed (never trained) MLP in plain JS over Float32Arrays: weights uniform in ±√(3/fan-in) from a
 * seeded stream, tanh hidden layers, linear logits. `forward` runs a whole batch into preallocated
 * buffers and returns a view of the logits.
 */
export class JsMlp {
  private readonly weights: Float32Array[] = [];
  private readonly biases: Float32Array[] = [];
  private bufA = new Float32Array(0);
  private bufB = new Float32Array(0);

  constructor(
    readonly sizes: readonly number[],
    seed: number,
  ) {
    const random = createRng(seed);
    for (let l = 0; l + 1 < sizes.length; l++) {
      const a = sizes[l]!;
      const b = sizes[l + 1]!;
      const scale = Math.sqrt(3 / a);
      const w = new Float32Array(a * b);
      for (let i = 0; i < w.length; i++) w[i] = (random() * 2 - 1) * scale;
      this.weights.push(w);
      this.biases.push(new Float32Array(b));
    }
  }

  forward(x: Float32Array, batch: number): Float32Array {
    const sizes = this.sizes;
    const widest = Math.max(...sizes);
    if (this.bufA.length < batch * widest) {
      this.bufA = new Float32Array(batch * widest);
      this.bufB = new Float32Array(batch * widest);
    }
    let inp = x;
    let out = this.bufA;
    const layers = sizes.length - 1;
    for (let l = 0; l < layers; l++) {
      const a = sizes[l]!;
      const b = sizes[l + 1]!;
      const w = this.weights[l]!;
      const bias = this.biases[l]!;
      const hidden = l < layers - 1;
      for (let s = 0; s < batch; s++) {
        const io = s * a;
        const oo = s * b;
        for (let j = 0; j < b; j++) out[oo + j] = bias[j]!;
        for (let k = 0; k < a; k++) {
          const xv = inp[io + k]!;
          const wo = k * b;
          for (let j = 0; j < b; j++) out[oo + j]! += xv * w[wo + j]!;
        }
        if (hidden) for (let j = 0; j < b; j++) out[oo + j] = Math.tanh(out[oo + j]!);
      }
      inp = out;
      out = out === this.bufA ? this.bufB : this.bufA;
    }
    return inp.subarray(0, batch * sizes[layers]!);
  }
}

/**
 * A rollout-worker-like actor: `sample()` steps `numEnvs` CartPole-v1 copies `fragmentLength` times with
 * a fixed pure-JS MLP policy (one batched forward per step, categorical sampling from the actor's
 * seeded stream) and returns the fragment as a SampleBatch (obs, actions, rewards, terminateds,
 * truncateds, actionLogp; rows time-major, it is only data to move). `items()` yields samples forever.
 */
export const DummySampler = actorClass(
  import.meta.url,
  class DummySampler {
    private readonly env: SyncVectorEnv;
    private readonly policy: JsMlp;
    private readonly random: () => number;
    private readonly actions: Int32Array;

    constructor(
      readonly ctx: ActorContext,
      readonly config: DummySamplerConfig = DUMMY_SAMPLER_DEFAULTS,
    ) {
      this.env = createVectorEnv('CartPole-v1', { num: config.numEnvs, seed: ctx.seed });
      this.policy = new JsMlp([4, ...config.hidden, 2], deriveSeed(ctx.rootSeed, 'dummy-policy'));
      this.random = createRng(deriveSeed(ctx.seed, 'actions'));
      this.actions = new Int32Array(config.numEnvs);
    }

    *items(): Generator<SampleBatch> {
      for (;;) yield this.sample();
    }

    sample(): SampleBatch {
      const { env, policy, random, actions } = this;
      const n = env.num;
      const rows = n * this.config.fragmentLength;
      const obs = new Float32Array(rows * 4);
      const acts = new Int32Array(rows);
      const rewards = new Float32Array(rows);
      const terminateds = new Uint8Array(rows);
      const truncateds = new Uint8Array(rows);
      const logp = new Float32Array(rows);
      for (let step = 0, base = 0; step < this.config.fragmentLength; step++, base += n) {
        obs.set(env.observations, base * 4);
        const logits = policy.forward(env.observations, n);
        for (let i = 0; i < n; i++) {
          // Categorical over two logits: p(1) = sigmoid(l1 − l0).
          const p1 = 1 / (1 + Math.exp(logits[2 * i]! - logits[2 * i + 1]!));
          const a = random() < p1 ? 1 : 0;
          actions[i] = a;
          acts[base + i] = a;
          logp[base + i] = Math.log(a ? p1 : 1 - p1);
        }
        env.step(actions);
        rewards.set(env.rewards, base);
        terminateds.set(env.terminateds, base);
        truncateds.set(env.truncateds, base);
      }
      return createSampleBatch(
        { [SB.OBS]: obs, [SB.ACTIONS]: acts, [SB.REWARDS]: rewards, [SB.TERMINATEDS]: terminateds, [SB.TRUNCATEDS]: truncateds, [SB.ACTION_LOGP]: logp },
        { [SB.OBS]: 4 },
      );
    }
  },
  { items: 'SampleBatch' },
);
