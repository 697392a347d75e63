/**
 * `npm run bench -- ppo-iteration [--quick] [--reps n]`
 *
 * One PPO iteration through the plan against the same work written as a plain loop without rlflow's
 * plan, runtime or actors. Fixed config (PPO on CartPole-v1, 1 rollout worker with 8 env copies ×
 * 500 steps = 4000 steps per iteration, 4-64-64-2 / 4-64-64-1 tanh nets, 10 SGD epochs in minibatches
 * of 128, no observation filter). Measured interleaved, one iteration per rep (15 by default, the order
 * alternating every round), after 10 warm-up iterations each:
 *
 *   plan, local   `rt.next()` of `ppoPlan(config)` on the local backend (worker and learner actors in
 *                 this process): one result dict = sample → concat → standardize advantages → SGD on
 *                 the learner → weights to the worker → KL update → metrics from the worker
 *   plan, farm    the same plan on the farm backend: worker and learner in their own processes
 *   hand-written  the same work in a loop here: the same vector env and policy classes used directly
 *                 (`createVectorEnv`, `createActorCriticPolicy`: one sampling policy, one learning
 *                 policy), sampling into preallocated columns with bootstrap values, GAE, standardized
 *                 advantages, shuffled minibatch `learnOnBatch` epochs, `updateKl`, then the learner's
 *                 weights set on the sampling policy
 *
 * Goal: plan time ≤ 1.05× the hand-written loop's (median per-iteration wall time). The table also
 * shows the plan's learner round trip (`learn_time_ms`, mean of the last 10 iterations) and the loop's
 * parts, and the CPU time each process of the farm run used per iteration (from /proc: whether idle
 * processes take CPU from the learner).
 */
import { buildAlgorithmPlan } from '../src/algorithms/build.js';
import { ppo, type PpoConfig } from '../src/algorithms/ppo.js';
import { readFileSync } from 'node:fs';
import { run, type Runtime } from '../src/index.js';
import { FarmBackend } from '../src/runtime/farm-backend.js';
import type { ResultDict } from '../src/rl/ops/metrics.js';
import type { SampleBatch } from '../src/rl/data/sample-batch.js';
import { createVectorEnv } from '../src/rl/envs/index.js';
import { createActorCriticPolicy } from '../src/rl/policy/actor-critic.js';
import { backendInfo, loadTf } from '../src/rl/policy/tf-backend.js';
import type { PolicyConfig } from '../src/rl/policy/types.js';
import { createRng, deriveSeed } from '../src/rng/index.js';
import { machineInfo, markdownTable, parseOptions, ratio, spread, summarize, type Summary, loadAvg } from './lib.js';

export const description = 'one PPO iteration through the plan (local and farm) vs the same work as a hand-written loop';

const SEED = 1;

/** The fixed config of the benchmark (everything else: PPO's defaults). */
export const PPO_ITERATION_CONFIG = {
  env: 'CartPole-v1',
  numWorkers: 1,
  numEnvsPerWorker: 8,
  rolloutFragmentLength: 500,
  trainBatchSize: 4000,
  sgdMinibatchSize: 128,
  numSgdIter: 10,
  lr: 5e-5,
  gamma: 0.99,
  lambda: 0.95,
  hidden: [64, 64],
  vfShareLayers: false,
  observationFilter: 'NoFilter',
} as const;

interface HandWrittenTimes {
  sample: number;
  gae: number;
  learn: number;
  weights: number;
}

/**
 * The hand-written iteration. It does what the plan's actors and operators do for one iteration, with
 * the same env and policy classes, but written as one straight loop over preallocated arrays.
 */
async function handWrittenPpo(config: PpoConfig): Promise<{ iteration: () => HandWrittenTimes; dispose: () => void; episodes: () => number }> {
  const n = config.numEnvsPerWorker;
  const T = config.rolloutFragmentLength;
  const rows = n * T;
  const { gamma, lambda } = config;
  const policyConfig: PolicyConfig = {
    hidden: config.hidden,
    activation: config.activation,
    vfShareLayers: config.vfShareLayers,
    lr: config.lr,
    gradClip: config.gradClip,
    loss: {
      kind: 'ppo',
      clipParam: config.clipParam,
      vfClipParam: config.vfClipParam,
      vfLossCoeff: config.vfLossCoeff,
      entropyCoeff: config.entropyCoeff,
      klCoeff: config.klCoeff,
      klTarget: config.klTarget,
    },
  };
  const env = createVectorEnv(config.env, { num: n, config: config.envConfig, seed: deriveSeed(SEED, 'hand-written', 'env') });
  const policySeed = deriveSeed(SEED, 'hand-written', 'policy');
  const sampler = await createActorCriticPolicy(env.observationSpace, env.actionSpace, policyConfig, policySeed);
  const learner = await createActorCriticPolicy(env.observationSpace, env.actionSpace, policyConfig, policySeed);
  const random = createRng(deriveSeed(SEED, 'hand-written', 'random'));
  const options = { explore: true, random };
  const obsDim = env.obsDim;
  // Columns of the train batch (env-major: env copy i's steps are rows i·T … i·T + T − 1).
  const obs = new Float32Array(rows * obsDim);
  const actions = new Int32Array(rows);
  const rewards = new Float32Array(rows);
  const dones = new Uint8Array(rows); // 1 terminated, 2 truncated (not terminated)
  const logp = new Float32Array(rows);
  const distInputs = new Float32Array(rows * 2);
  const vf = new Float32Array(rows);
  const bootstrap = new Float32Array(rows);
  const advantages = new Float32Array(rows);
  const valueTargets = new Float32Array(rows);
  const episodeReward = new Float64Array(n);
  let episodes = 0;
  const index = new Int32Array(rows);
  // Minibatch columns, one set per minibatch size (full ones and the last, partial one).
  const mbCache = new Map<number, SampleBatch>();
  const minibatch = (size: number): SampleBatch => {
    let mb = mbCache.get(size);
    if (!mb) {
      mb = {
        count: size,
        columns: {
          obs: new Float32Array(size * obsDim),
          actions: new Int32Array(size),
          actionLogp: new Float32Array(size),
          actionDistInputs: new Float32Array(size * 2),
          vfPreds: new Float32Array(size),
          advantages: new Float32Array(size),
          valueTargets: new Float32Array(size),
        },
        widths: { obs: obsDim, actionDistInputs: 2 },
      };
      mbCache.set(size, mb);
    }
    return mb;
  };

  const iteration = (): HandWrittenTimes => {
    const t0 = performance.now();
    // Sampling: one batched forward per step; truncated episodes and the fragment's cut bootstrap.
    bootstrap.fill(0);
    for (let step = 0; step < T; step++) {
      const envObs = env.observations;
      for (let i = 0; i < n; i++) for (let j = 0; j < obsDim; j++) obs[(i * T + step) * obsDim + j] = envObs[i * obsDim + j]!;
      const out = policyStep(envObs);
      env.step(out.actions);
      let truncated = false;
      for (let i = 0; i < n; i++) {
        const r = i * T + step;
        actions[r] = out.actions[i]!;
        logp[r] = out.logp[i]!;
        vf[r] = out.vfPreds[i]!;
        distInputs[2 * r] = out.distInputs[2 * i]!;
        distInputs[2 * r + 1] = out.distInputs[2 * i + 1]!;
        rewards[r] = env.rewards[i]!;
        dones[r] = env.terminateds[i] ? 1 : env.truncateds[i] ? 2 : 0;
        if (dones[r] === 2) truncated = true;
        episodeReward[i]! += env.rewards[i]!;
        if (dones[r]) {
          episodes++;
          episodeReward[i] = 0;
        }
      }
      if (truncated) {
        const values = sampler.value(env.finalObservations, n);
        for (let i = 0; i < n; i++) if (dones[i * T + step] === 2) bootstrap[i * T + step] = values[i]!;
      }
    }
    const next = sampler.value(env.observations, n);
    for (let i = 0; i < n; i++) if (dones[i * T + T - 1] === 0) bootstrap[i * T + T - 1] = next[i]!;
    const t1 = performance.now();

    // GAE(λ) per env copy, segments ending at terminated / truncated rows and at the fragment's end;
    // then standardized advantages.
    for (let i = 0; i < n; i++) {
      let nextValue = 0;
      let acc = 0;
      for (let r = i * T + T - 1; r >= i * T; r--) {
        if (dones[r] === 1) {
          nextValue = 0;
          acc = 0;
        } else if (dones[r] === 2 || r === i * T + T - 1) {
          nextValue = bootstrap[r]!;
          acc = 0;
        }
        const delta = rewards[r]! + gamma * nextValue - vf[r]!;
        acc = delta + gamma * lambda * acc;
        advantages[r] = acc;
        valueTargets[r] = acc + vf[r]!;
        nextValue = vf[r]!;
      }
    }
    let mean = 0;
    for (let r = 0; r < rows; r++) mean += advantages[r]!;
    mean /= rows;
    let sq = 0;
    for (let r = 0; r < rows; r++) sq += (advantages[r]! - mean) ** 2;
    const std = Math.max(1e-4, Math.sqrt(sq / rows));
    for (let r = 0; r < rows; r++) advantages[r] = (advantages[r]! - mean) / std;
    const t2 = performance.now();

    // Minibatch SGD epochs on the learning policy, then the KL coefficient update.
    const size = config.sgdMinibatchSize;
    let klSum = 0;
    let steps = 0;
    for (let epoch = 0; epoch < config.numSgdIter; epoch++) {
      for (let r = 0; r < rows; r++) index[r] = r;
      for (let r = rows - 1; r > 0; r--) {
        const j = Math.floor(random() * (r + 1));
        const tmp = index[r]!;
        index[r] = index[j]!;
        index[j] = tmp;
      }
      for (let start = 0; start < rows; start += size) {
        const m = Math.min(size, rows - start);
        const mb = minibatch(m);
        const c = mb.columns as Record<string, Float32Array | Int32Array>;
        for (let k = 0; k < m; k++) {
          const r = index[start + k]!;
          for (let j = 0; j < obsDim; j++) c.obs![k * obsDim + j] = obs[r * obsDim + j]!;
          c.actions![k] = actions[r]!;
          c.actionLogp![k] = logp[r]!;
          c.actionDistInputs![2 * k] = distInputs[2 * r]!;
          c.actionDistInputs![2 * k + 1] = distInputs[2 * r + 1]!;
          c.vfPreds![k] = vf[r]!;
          c.advantages![k] = advantages[r]!;
          c.valueTargets![k] = valueTargets[r]!;
        }
        klSum += learner.learnOnBatch(mb)['kl']!;
        steps++;
      }
    }
    learner.updateKl(klSum / steps);
    const t3 = performance.now();

    // The new weights to the sampling policy.
    sampler.setWeights(learner.getWeights());
    const t4 = performance.now();
    return { sample: t1 - t0, gae: t2 - t1, learn: t3 - t2, weights: t4 - t3 };
  };
  const policyStep = (o: Float32Array) => sampler.computeActions(o, n, options);
  return {
    iteration,
    episodes: () => episodes,
    dispose: () => {
      sampler.dispose();
      learner.dispose();
    },
  };
}

export interface PpoIterationResult {
  readonly machine: string;
  readonly backend: string;
  /** ms per iteration, one value per rep. */
  readonly local: Summary;
  readonly farm: Summary;
  readonly handWritten: Summary;
  /** plan / hand-written time (goal ≤ 1.05). */
  readonly localRatio: Summary;
  readonly farmRatio: Summary;
  /** CPU ms per farm iteration, by process (`driver`, then each actor's worker process); empty off Linux. */
  readonly farmCpuMs: Readonly<Record<string, Summary>>;
  readonly table: string;
  readonly missed: readonly string[];
}


/** CPU time (user + system, ms) a process has used so far, from /proc (undefined off Linux). */
function cpuMsOf(pid: number): number | undefined {
  try {
    // Fields after the command name (which may hold spaces): state is field 3; utime, stime are 14, 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // clock ticks (USER_HZ 100) → ms
  } catch {
    return undefined;
  }
}

function median(xs: readonly number[]): number {
  return summarize(xs).median;
}

export async function main(args: readonly string[] = [], log: (line: string) => void = console.log): Promise<PpoIterationResult> {
  const opts = parseOptions(args, { flags: ['quick'], values: ['reps'] });
  const quick = opts.flags.has('quick');
  let reps = quick ? 2 : 15;
  if (opts.values.has('reps')) {
    reps = Number(opts.values.get('reps'));
    if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps must be a positive integer, got '${opts.values.get('reps')}'`);
  }
  // NOTE: the result-dict timers (learn_time_ms) are means over the last 10 iterations (metrics.ts's
  // window): 10 warm-up iterations keep a child's cold first call (≈ 5× a warm one: module loading and
  // JIT in a fresh process) out of every timed iteration's window.
  const warmup = quick ? 1 : 10;
  // --quick: a smoke run of a tiny iteration (numbers are not meaningful).
  const config = ppo.config(
    quick ? { ...PPO_ITERATION_CONFIG, numEnvsPerWorker: 2, rolloutFragmentLength: 50, trainBatchSize: 100, sgdMinibatchSize: 32, numSgdIter: 1 } : PPO_ITERATION_CONFIG,
  );
  await loadTf();
  const info = backendInfo()!;
  const backend = `${info.name}${info.simd !== undefined ? ` simd=${info.simd} threads=${info.threads}` : ''} (${info.package})`;
  const machine = machineInfo();
  const steps = config.numEnvsPerWorker * config.rolloutFragmentLength;
  log('# PPO iteration benchmark: plan vs hand-written loop');
  log(`machine: ${machine}`);
  log(`tfjs backend: ${backend}`);
  log(`load average at start: ${loadAvg()} (other processes skew absolute numbers; the interleaved ratios less so)`);
  log(
    `config: ${config.env}, ${config.numWorkers} worker × ${config.numEnvsPerWorker} envs × ${config.rolloutFragmentLength} steps = ${steps} steps per iteration, ` +
      `hidden [${config.hidden.join(', ')}] ${config.activation}, ${config.numSgdIter} epochs of minibatch ${config.sgdMinibatchSize}`,
  );
  log(`reps: ${reps} iterations per alternative after ${warmup} warm-up, interleaved${quick ? ' (--quick: smoke run, numbers are not meaningful)' : ''}`);

  const { graph: plan } = await buildAlgorithmPlan(ppo, config, { name: 'bench-ppo-iteration' });
  const runtimes: Array<Runtime<ResultDict>> = [];
  let hand: Awaited<ReturnType<typeof handWrittenPpo>> | undefined;
  const times: number[][] = [[], [], []];
  const planTimers: Array<Record<string, number[]>> = [{}, {}];
  // CPU ms each process used during a farm iteration (driver, and each actor's worker process): shows
  // whether an idle process burns CPU the learner needs (2 cores).
  const farmBackend = new FarmBackend();
  const farmCpu: Record<string, number[]> = {};
  // …and the hand-written iteration's (this process): CPU time is what contention from other users of
  // the machine skews least, so farm CPU (all its processes) / hand-written CPU isolates the farm's own cost.
  const handCpu: number[] = [];
  const handParts: HandWrittenTimes[] = [];
  try {
    runtimes.push(await run<ResultDict>(plan, { backend: 'local', seed: SEED }));
    runtimes.push(await run<ResultDict>(plan, { backend: farmBackend, seed: SEED }));
    hand = await handWrittenPpo(config);
    const h = hand;
    const sampled = [0, 0];
    const processes = (): Array<[string, number]> => [['driver', process.pid], ...Object.entries(farmBackend.pids()).filter((e): e is [string, number] => e[1] !== undefined)];
    const planIteration = async (k: number): Promise<number> => {
      const cpu0 = k === 1 ? processes().map(([, pid]) => cpuMsOf(pid)) : [];
      const t0 = performance.now();
      const r = await runtimes[k]!.next();
      const ms = performance.now() - t0;
      if (k === 1) processes().forEach(([name, pid], i) => {
        const before = cpu0[i];
        const after = cpuMsOf(pid);
        if (before !== undefined && after !== undefined) (farmCpu[name] ??= []).push(after - before);
      });
      if (r.done) throw new Error('bench ppo-iteration: the plan ended');
      const steps = r.value.timesteps_total - sampled[k]!;
      sampled[k] = r.value.timesteps_total;
      if (steps !== config.numEnvsPerWorker * config.rolloutFragmentLength) throw new Error(`bench ppo-iteration: an iteration sampled ${steps} steps`);
      for (const [name, v] of Object.entries(r.value.timers)) (planTimers[k]![name] ??= []).push(v);
      return ms;
    };
    for (let w = 0; w < warmup; w++) {
      await planIteration(0);
      await planIteration(1);
      h.iteration();
    }
    for (const t of [...planTimers, farmCpu]) for (const key of Object.keys(t)) delete t[key];
    handCpu.length = 0;
    const handIteration = (): number => {
      const cpu0 = cpuMsOf(process.pid);
      const t0 = performance.now();
      handParts.push(h.iteration());
      const ms = performance.now() - t0;
      const cpu1 = cpuMsOf(process.pid);
      if (cpu0 !== undefined && cpu1 !== undefined) handCpu.push(cpu1 - cpu0);
      return ms;
    };
    // NOTE: the machine's speed drifts over seconds (the same iteration's CPU time varies up to 2× on
    // this VM), so the order alternates, local-farm-hand then hand-farm-local: a drift within a
    // round then favours no alternative.
    for (let r = 0; r < reps; r++) {
      if (r % 2 === 0) {
        times[0]!.push(await planIteration(0));
        times[1]!.push(await planIteration(1));
        times[2]!.push(handIteration());
      } else {
        times[2]!.push(handIteration());
        times[1]!.push(await planIteration(1));
        times[0]!.push(await planIteration(0));
      }
    }
  } finally {
    for (const rt of runtimes) await rt.close();
    hand?.dispose();
  }
  const [local, farm, handWritten] = times.map(summarize) as [Summary, Summary, Summary];
  const localRatio = ratio(local, handWritten);
  const farmRatio = ratio(farm, handWritten);
  const planParts = (k: number): string => {
    const t = planTimers[k]!;
    const get = (name: string): string => (t[name] ? `${median(t[name]!).toFixed(0)}` : '–');
    return `learner call ${get('learn_time_ms')}, weights broadcast ${get('update_time_ms')}`;
  };
  const handPart = (key: keyof HandWrittenTimes): string => median(handParts.map((p) => p[key])).toFixed(0);
  const table = markdownTable(
    ['one PPO iteration', 'ms per iteration (median [min–max])', 'vs hand-written', 'parts, ms (median)'],
    [
      ['plan, local backend', spread(local), spread(localRatio), `${planParts(0)} (result-dict timers)`],
      ['plan, farm backend (worker and learner processes)', spread(farm), spread(farmRatio), `${planParts(1)} (result-dict timers)`],
      ['hand-written loop, same env and policy classes', spread(handWritten), '1', `sample ${handPart('sample')}, GAE+standardize ${handPart('gae')}, learn ${handPart('learn')}, weights ${handPart('weights')}`],
    ],
  );
  log('');
  log(table);
  log('');
  const cpuLine = Object.entries(farmCpu).map(([name, v]) => `${name} ${median(v).toFixed(0)}`).join(', ');
  if (cpuLine) {
    log(`CPU ms per farm iteration (median, from /proc): ${cpuLine}`);
    const farmTotal = Object.values(farmCpu).reduce((acc, v) => acc.map((x, i) => x + v[i]!), new Array<number>(handCpu.length).fill(0));
    log(`CPU ms per iteration, farm (all processes) / hand-written: ${median(farmTotal).toFixed(0)} / ${median(handCpu).toFixed(0)} = ${(median(farmTotal) / median(handCpu)).toFixed(3)} (wall-clock ratios also carry other processes' load)`);
  }
  log('');
  const missed: string[] = [];
  for (const [name, r] of [
    ['local', localRatio],
    ['farm', farmRatio],
  ] as const) {
    const ok = r.median <= 1.05;
    if (!ok) missed.push(`plan (${name}) ≤ 1.05× hand-written`);
    log(`ratio plan (${name}) / hand-written time: ${spread(r)}, median of the per-round ratios ${median(r.values).toFixed(3)} (goal ≤ 1.05: ${ok ? 'met' : 'NOT met'})`);
  }
  log('Ratios: median = ratio of the medians; [min–max] of the per-round ratios (iteration i of the plan over iteration i of the loop).');
  log(`load average at end: ${loadAvg()}`);
  if (missed.length > 0 && !quick) process.exitCode = 1;
  const farmCpuMs = Object.fromEntries(Object.entries(farmCpu).map(([name, v]) => [name, summarize(v)]));
  return { machine, backend, local, farm, handWritten, localRatio, farmRatio, farmCpuMs, table, missed };
}
