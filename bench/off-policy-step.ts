/**
 * `npm run bench -- off-policy-step [--algo a,b] [--env id] [--iters n] [--steps n] [--backends farm,local] [--quick]`
 *
 * Where the wall time of SAC, DDPG and TD3 goes. These algorithms make one small update per env step
 * (fragment 1, training intensity 1), so a run's speed is the learner's update rate minus whatever each
 * env step costs besides the update: the rollout call, storing and replaying, the weight broadcast and
 * the target-update call, on the farm each a message to another process. For every off-policy tuned
 * example (src/algorithms/tuned.ts), with its own networks and batch size:
 *
 *   learner        `learnOnBatch` + `updateTarget` on the policy in this process, on a replay-shaped
 *                  batch (random data of the env's shapes): the learner's updates per second, U;
 *   plan (local)   the algorithm's whole plan on the local backend (one process), learning from the first
 *                  batch (`learningStarts` = `trainBatchSize`): env steps (= updates) per second, L;
 *   plan (farm)    the same on the farm backend (workers and learner in their own processes), F.
 *
 * It prints U, L and F, the share of the farm run spent in the learner's update (F / U: the rest is fixed
 * cost per step), and that fixed cost in ms per env step (1/F − 1/U). Each plan rate is taken over
 * `--iters` iterations of `--steps` env steps after a first (warm-up) iteration (`--quick`: 1 of 50,
 * and 200 ms of learner updates instead of 3 s). Sequential, not interleaved: run it on a quiet machine.
 */
import { algorithms, buildAlgorithmPlan, tunedExamples } from '../src/algorithms/index.js';
import { ddpgPolicyConfig, type DdpgConfig } from '../src/algorithms/ddpg.js';
import { sacPolicyConfig, type SacConfig } from '../src/algorithms/sac.js';
import { createSampleBatch, type SampleBatch } from '../src/rl/data/index.js';
import { makeEnv } from '../src/rl/envs/index.js';
import type { Space } from '../src/rl/envs/types.js';
import type { ResultDict } from '../src/rl/ops/metrics.js';
import { createPolicy } from '../src/rl/policy/create-policy.js';
import type { AnyPolicyConfig } from '../src/rl/policy/types.js';
import { createRng } from '../src/rng/index.js';
import { run } from '../src/runtime/runtime.js';
import { fmt, machineInfo, markdownTable, parseOptions, positiveInt } from './lib.js';

export const description = 'SAC/DDPG/TD3: learner updates/s vs env steps/s of the whole plan (local, farm), and the fixed cost per env step';

const OFF_POLICY = new Set(['sac', 'ddpg', 'td3']);

/** The policy config an off-policy algorithm config hosts on its learner. */
function policyConfigOf(algorithm: string, config: unknown): AnyPolicyConfig {
  return algorithm === 'sac' ? sacPolicyConfig(config as SacConfig) : ddpgPolicyConfig(config as DdpgConfig);
}

/** A replay-shaped batch of `n` transitions with random values of the env's shapes. */
function randomBatch(n: number, obsSpace: Space, actSpace: Space, seed: number): SampleBatch {
  const r = createRng(seed);
  const o = obsSpace.kind === 'box' ? obsSpace.shape.reduce((a, b) => a * b, 1) : 1;
  const f = (len: number) => Float32Array.from({ length: len }, () => 2 * r() - 1);
  const actions = actSpace.kind === 'discrete' ? Int32Array.from({ length: n }, () => Math.floor(r() * actSpace.n)) : f(n * actSpace.shape.reduce((a, b) => a * b, 1));
  return createSampleBatch({ obs: f(n * o), newObs: f(n * o), actions, rewards: f(n), terminateds: new Uint8Array(n), weights: new Float32Array(n).fill(1) }, { obs: o, newObs: o });
}

/** Learner updates per second (update + target update), over about `ms` milliseconds after a warm-up. */
async function learnerRate(algorithm: string, env: string, config: Record<string, unknown>, ms: number): Promise<number> {
  const algo = algorithms[algorithm]!;
  const parsed = algo.config({ ...config, env });
  const e = makeEnv(env);
  const policy = await createPolicy(e.observationSpace, e.actionSpace, policyConfigOf(algorithm, parsed), 1);
  const batch = randomBatch((parsed as { trainBatchSize: number }).trainBatchSize, e.observationSpace, e.actionSpace, 2);
  const step = (): void => {
    policy.learnOnBatch(batch);
    policy.updateTarget?.();
  };
  try {
    for (let i = 0; i < 20; i++) step();
    const t0 = performance.now();
    let k = 0;
    while (performance.now() - t0 < ms) {
      step();
      k++;
    }
    return (1000 * k) / (performance.now() - t0);
  } finally {
    policy.dispose();
  }
}

/** Env steps per second of the whole plan, over `iters` iterations after a warm-up one. */
async function planRate(algorithm: string, env: string, config: Record<string, unknown>, backend: 'local' | 'farm', steps: number, iters: number): Promise<number> {
  const algo = algorithms[algorithm]!;
  const batch = (algo.config({ ...config, env }) as { trainBatchSize: number }).trainBatchSize;
  const parsed = algo.config({ ...config, env, learningStarts: batch, timestepsPerIteration: steps, minIterTimeS: 0 });
  const { graph } = await buildAlgorithmPlan(algo, parsed, { name: `off-policy-step-${algorithm}` });
  const rt = await run<ResultDict>(graph, { backend, seed: 1 });
  let seen = 0;
  let stepsSum = 0;
  let seconds = 0;
  try {
    for (;;) {
      const r = await rt.next();
      if (r.done) break;
      if (seen++ === 0) continue;
      stepsSum += r.value.timesteps_this_iter;
      seconds += r.value.time_this_iter_s;
      if (seen > iters) break;
    }
  } finally {
    await rt.close();
  }
  return stepsSum / seconds;
}

export interface OffPolicyStepRow {
  readonly algorithm: string;
  readonly env: string;
  readonly batch: number;
  readonly learner: number;
  readonly local: number | undefined;
  readonly farm: number | undefined;
}

export async function main(args: readonly string[], out: (line: string) => void = console.log): Promise<OffPolicyStepRow[]> {
  const { flags, values } = parseOptions(args, { flags: ['quick'], values: ['algo', 'env', 'iters', 'steps', 'backends'] });
  const quick = flags.has('quick');
  const iters = values.has('iters') ? positiveInt(values.get('iters')!, '--iters') : quick ? 1 : 2;
  const steps = values.has('steps') ? positiveInt(values.get('steps')!, '--steps') : quick ? 50 : 500;
  const learnerMs = quick ? 200 : 3000;
  const backends = (values.get('backends') ?? 'local,farm').split(',');
  for (const b of backends) if (b !== 'local' && b !== 'farm') throw new Error(`--backends takes local and/or farm, got '${b}'`);
  const algos = values.get('algo')?.split(',');
  const envId = values.get('env');
  const examples = tunedExamples().filter((e) => OFF_POLICY.has(e.algorithm) && (algos === undefined || algos.includes(e.algorithm)) && (envId === undefined || e.env === envId));
  if (examples.length === 0) throw new Error('no off-policy tuned example matches --algo/--env');
  out('# Off-policy step: learner vs whole plan');
  out(`machine: ${machineInfo()}; plan rates over ${iters} iterations of ${steps} env steps after a warm-up iteration`);
  const rows: OffPolicyStepRow[] = [];
  for (const { algorithm, env, example } of examples) {
    const config = { ...example.config };
    const batch = (algorithms[algorithm]!.config({ ...config, env }) as { trainBatchSize: number }).trainBatchSize;
    const learner = await learnerRate(algorithm, env, config, learnerMs);
    const local = backends.includes('local') ? await planRate(algorithm, env, config, 'local', steps, iters) : undefined;
    const farm = backends.includes('farm') ? await planRate(algorithm, env, config, 'farm', steps, iters) : undefined;
    rows.push({ algorithm, env, batch, learner, local, farm });
    out(`  ${algorithm} ${env}: learner ${fmt(learner)} updates/s, local ${local !== undefined ? fmt(local) : '—'}, farm ${farm !== undefined ? fmt(farm) : '—'} steps/s`);
  }
  const share = (x: number | undefined, u: number) => (x !== undefined ? `${Math.round((100 * x) / u)}%` : '—');
  const fixedMs = (x: number | undefined, u: number) => (x !== undefined ? fmt(1000 / x - 1000 / u) : '—');
  out('');
  out(
    markdownTable(
      ['algo', 'env', 'batch', 'learner updates/s', 'plan steps/s (local)', 'plan steps/s (farm)', 'learning share (local / farm)', 'fixed ms per step (local / farm)'],
      rows.map((r) => [r.algorithm, r.env, String(r.batch), fmt(r.learner), r.local !== undefined ? fmt(r.local) : '—', r.farm !== undefined ? fmt(r.farm) : '—', `${share(r.local, r.learner)} / ${share(r.farm, r.learner)}`, `${fixedMs(r.local, r.learner)} / ${fixedMs(r.farm, r.learner)}`]),
    ),
  );
  return rows;
}
