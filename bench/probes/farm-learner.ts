/**
 * `node --import tsx bench/probes/farm-learner.ts` (run it under heavy.sh --exclusive; env REPS=n,
 * INPROC=k: k in-process steps per child step, so the child idles as long as in bench ppo-iteration;
 * CHILD_FLAGS='--flag …': extra Node flags for the child only).
 *
 * A diagnostic probe, not a benchmark with a goal (so it lives outside bench/'s list): PPO's learner
 * step of bench ppo-iteration (10 epochs of minibatch 128 over 4000 CartPole-shaped rows, 4-64-64-2 /
 * 4-64-64-1 tanh nets) in this process against the same step in a child process forked as the farm
 * forks its workers (`serialization: 'advanced'`, this process's execArgv), the same batch, interleaved.
 * Per rep it prints the phases of the child's call: batch transfer (sent → child received), the compute
 * in the child, the reply's transfer (stats and weights), and both processes' CPU time. The findings
 * are in docs/architecture.md ("What the farm costs").
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createSampleBatch, type SampleBatch } from '../../src/rl/data/index.js';
import { createActorCriticPolicy } from '../../src/rl/policy/actor-critic.js';
import { sgdEpochs } from '../../src/rl/policy/sgd.js';
import { backendInfo, loadTf } from '../../src/rl/policy/tf-backend.js';
import type { PolicyConfig } from '../../src/rl/policy/types.js';
import { createRng } from '../../src/rng/index.js';
import { box, discrete } from '../../src/rl/envs/spaces.js';

const N = 4000;
const CONFIG: PolicyConfig = {
  hidden: [64, 64], activation: 'tanh', vfShareLayers: false, lr: 5e-5, gradClip: undefined,
  loss: { kind: 'ppo', clipParam: 0.3, vfClipParam: 10, vfLossCoeff: 1, entropyCoeff: 0, klCoeff: 0.2, klTarget: 0.01 },
};
const now = (): number => performance.timeOrigin + performance.now();

async function makePolicy() {
  await loadTf();
  return createActorCriticPolicy(box(-10, 10, [4]), discrete(2), CONFIG, 7);
}

function makeBatch(policy: Awaited<ReturnType<typeof makePolicy>>): SampleBatch {
  const random = createRng(3);
  const obs = new Float32Array(N * 4);
  for (let i = 0; i < obs.length; i++) obs[i] = random() * 2 - 1;
  const out = policy.computeActions(obs, N, { explore: true, random });
  const advantages = new Float32Array(N).map(() => random() * 2 - 1);
  const valueTargets = new Float32Array(N).map(() => random() * 10);
  return createSampleBatch({ obs, actions: out.actions, actionLogp: out.logp, actionDistInputs: out.distInputs, vfPreds: out.vfPreds, advantages, valueTargets }, { obs: 4, actionDistInputs: 2 });
}

function learn(policy: Awaited<ReturnType<typeof makePolicy>>, batch: SampleBatch, seed: number) {
  const stats = sgdEpochs(policy, batch, { numSgdIter: 10, sgdMinibatchSize: 128, random: createRng(seed) });
  return { stats, weights: policy.getWeights() };
}

if (process.env.PROBE_CHILD) {
  const policy = await makePolicy();
  process.on('message', (m: { batch: SampleBatch; seed: number }) => {
    const received = now();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const r = learn(policy, m.batch, m.seed);
    const compute = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    process.send!({ ...r, received, compute, cpuMs: (cpu.user + cpu.system) / 1000, sentAt: now(), backend: backendInfo(), execArgv: process.execArgv });
  });
  process.send!({ ready: true });
} else {
  const policy = await makePolicy();
  const batch = makeBatch(policy);
  console.log('parent backend', JSON.stringify(backendInfo()), 'execArgv', process.execArgv.join(' '));
  const child = fork(fileURLToPath(import.meta.url), [], { serialization: 'advanced', execArgv: [...process.execArgv, ...(process.env.CHILD_FLAGS ? process.env.CHILD_FLAGS.split(' ') : [])], env: { ...process.env, PROBE_CHILD: '1' } });
  interface ChildReply {
    readonly received: number;
    readonly compute: number;
    readonly cpuMs: number;
    readonly sentAt: number;
    readonly backend: unknown;
    readonly execArgv: string[];
  }
  const replies: Array<(m: ChildReply) => void> = [];
  child.on('message', (m) => replies.shift()?.(m as ChildReply));
  await new Promise((r) => replies.push(r));
  const reps = Number(process.env.REPS ?? 8);
  const rows: string[] = [];
  const inproc: number[] = [], rt: number[] = [], comp: number[] = [], send: number[] = [], back: number[] = [];
  for (let r = -2; r < reps; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    learn(policy, batch, r);
    const local = performance.now() - t0;
    // Extra in-process work while the child idles (as the bench's local and hand-written iterations).
    for (let k = 1; k < Number(process.env.INPROC ?? 1); k++) learn(policy, batch, r + 100 * k);
    const localCpu = process.cpuUsage(c0);
    const sentAt = now();
    const p0 = performance.now();
    const p0cpu = process.cpuUsage();
    const reply = await new Promise<ChildReply>((res) => { replies.push(res); child.send({ batch, seed: r }); });
    const got = now();
    const round = performance.now() - p0;
    const parentCpu = process.cpuUsage(p0cpu);
    if (r === -2) console.log('child backend', JSON.stringify(reply.backend), 'execArgv', reply.execArgv.join(' '));
    if (r < 0) continue;
    inproc.push(local); rt.push(round); comp.push(reply.compute); send.push(reply.received - sentAt); back.push(got - reply.sentAt);
    rows.push(`in-process ${local.toFixed(0)} ms (cpu ${((localCpu.user + localCpu.system) / 1000).toFixed(0)}) | child round trip ${round.toFixed(0)}: send ${(reply.received - sentAt).toFixed(1)}, compute ${reply.compute.toFixed(0)} (cpu ${reply.cpuMs.toFixed(0)}), reply ${(got - reply.sentAt).toFixed(1)}; parent cpu while waiting ${((parentCpu.user + parentCpu.system) / 1000).toFixed(0)}`);
  }
  for (const r of rows) console.log(r);
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  console.log(`median: in-process ${med(inproc).toFixed(0)}, child round trip ${med(rt).toFixed(0)}, child compute ${med(comp).toFixed(0)}, send ${med(send).toFixed(1)}, reply ${med(back).toFixed(1)}`);
  child.kill();
}
