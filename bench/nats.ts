/**
 * `npm run bench -- nats [--quick] [--reps n] [--rep-ms ms] [--ppo-iters n]`
 *
 * The `nats` backend (actors on `rlflow node` processes, calls as NATS requests in the binary codec)
 * against the `farm` backend (actors as local child processes, structured-clone IPC) and against the
 * raw NATS client (a responder process answering request/reply, no rlflow). All on loopback with a real
 * nats-server started here; each metric measured interleaved rep by rep and reported as rates and ratios:
 *
 *   rtt         round trips/s, one call at a time (echo of a small number)
 *   d2a-256KiB  driver→actor Float32Array of 256 KiB, MB/s (the actor acks)
 *   a2d-256KiB  actor→driver Float32Array of 256 KiB, MB/s
 *   ppo         PPO on CartPole-v1 (tuned config: 2 rollout workers × 8 envs, 2048 steps per iteration),
 *               env steps/s per iteration: the workers and learner spread over two node processes vs
 *               the farm on this machine (both on the same cores here: this measures the transport's
 *               cost, not the gain of more machines)
 *   apex        Ape-X DQN on CartPole-v1 (tuned config: 3 workers, 2 replay shards, a learner; 4000
 *               steps per iteration), env steps/s per iteration, spread over the two nodes vs farm
 *
 * Needs nats-server (`apt-get install nats-server`).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { NatsConnection } from '@nats-io/transport-node';
import type { NodeInfo } from '../src/runtime/nats/wire.js';
import { buildAlgorithmPlan } from '../src/algorithms/build.js';
import { apex } from '../src/algorithms/apex.js';
import type { Algorithm } from '../src/algorithms/common.js';
import { ppo } from '../src/algorithms/ppo.js';
import { tunedExample } from '../src/algorithms/index.js';
import { run, type Runtime } from '../src/index.js';
import type { ActorRef } from '../src/ir/contract.js';
import type { PlanGraph } from '../src/ir/graph.js';
import { inventory } from '../src/optimizer/inventory.js';
import type { ResultDict } from '../src/rl/ops/metrics.js';
import { FarmBackend } from '../src/runtime/farm-backend.js';
import { NatsBackend } from '../src/runtime/nats/nats-backend.js';
import { natsUnavailable, startLocalCluster, type LocalCluster } from '../test/fixtures/nats-cluster.js';
import { BenchActor, makeFloats } from './fixtures.js';
import { FULL, QUICK, loadAvg, machineInfo, markdownTable, measureInterleaved, parseOptions, perSecond, positiveInt, ratio, spread, summarize, withRepOptions, type Summary } from './lib.js';

export const description = 'nats backend (actors on rlflow node processes) vs farm vs the raw NATS client; PPO steps/s on two nodes vs farm';

const BYTES = 256 * 1024;

/** The raw responder process (bench/raw-nats-responder.mjs). */
async function startResponder(url: string): Promise<{ stop(): void }> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./raw-nats-responder.mjs', import.meta.url)), url], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (l) => (l === 'ready' ? resolve() : reject(new Error(`responder said ${l}`))));
    child.once('exit', (code) => reject(new Error(`the raw NATS responder exited with ${code}`)));
  });
  return { stop: () => child.kill('SIGTERM') };
}

function row(metric: string, nats: Summary, farm: Summary, raw: Summary | undefined): string[] {
  const f = (s: Summary): string => spread(s);
  return [metric, f(nats), f(farm), raw ? f(raw) : '–', f(ratio(nats, farm)), raw ? f(ratio(nats, raw)) : '–'];
}

export async function main(args: readonly string[] = [], log: (line: string) => void = console.log): Promise<void> {
  const opts = parseOptions(args, { flags: ['quick'], values: ['reps', 'rep-ms', 'ppo-iters', 'apex-iters'] });
  const quick = opts.flags.has('quick');
  const o = withRepOptions(quick ? QUICK : FULL, opts.values);
  const ppoIters = positiveInt(opts.values.get('ppo-iters') ?? (quick ? '2' : '12'), 'ppo-iters');
  const apexIters = positiveInt(opts.values.get('apex-iters') ?? (quick ? '2' : '12'), 'apex-iters');
  const missing = natsUnavailable();
  if (missing) {
    log(`bench nats: ${missing}`);
    process.exitCode = 1;
    return;
  }
  log('# rlflow nats benchmark: nats backend vs farm vs raw NATS client (loopback)');
  log('');
  log(`machine: ${machineInfo()}`);
  log(`load average at start: ${loadAvg()}`);
  log(`reps: ${o.reps} per alternative, ~${o.repMs} ms each, interleaved nats/farm/raw${quick ? ' (--quick: smoke run, numbers are not meaningful)' : ''}`);

  let cluster: LocalCluster | undefined;
  let responder: { stop(): void } | undefined;
  const closers: Array<() => Promise<void>> = [];
  const rows: string[][] = [];
  try {
    cluster = await startLocalCluster({ nodes: 2 });
    responder = await startResponder(cluster.url);
    const nc: NatsConnection = cluster.connection;
    const nodes = await cluster.discover(2);
    const actor: ActorRef = { group: 'bench', index: 0 };
    const spec = { group: 'bench', index: 0, seed: 1, rootSeed: 0, actorClass: { module: BenchActor.module, name: 'BenchActor' }, args: [], host: 'n0' };
    const nats = new NatsBackend({ connection: nc, nodes, closeConnection: false });
    await nats.start([spec]);
    closers.push(() => nats.close());
    const farm = new FarmBackend();
    await farm.start([spec]);
    closers.push(() => farm.close());

    const floats = makeFloats(BYTES / 4);
    const rawBytes = new Uint8Array(floats.buffer);
    const giveReq = new Uint8Array(4);
    new DataView(giveReq.buffer).setUint32(0, BYTES, true);
    const small = new Uint8Array([7, 0, 0, 0]);

    const three = async (metric: string, n: (i: number) => Promise<void>, f: (i: number) => Promise<void>, r: (i: number) => Promise<void>, unitsPerIter: number): Promise<void> => {
      const loop = (fn: (i: number) => Promise<void>) => async (iters: number) => {
        for (let i = 0; i < iters; i++) await fn(i);
      };
      const [mn, mf, mr] = await measureInterleaved(
        [
          { name: 'nats', run: loop(n) },
          { name: 'farm', run: loop(f) },
          { name: 'raw', run: loop(r) },
        ],
        o,
      );
      rows.push(row(metric, perSecond(mn!, unitsPerIter), perSecond(mf!, unitsPerIter), perSecond(mr!, unitsPerIter)));
    };
    await three(
      'round trips/s (echo of a number)',
      async (i) => void (await nats.call(actor, 'echo', [i])),
      async (i) => void (await farm.call(actor, 'echo', [i])),
      async () => void (await nc.request('bench.raw.echo', small)),
      1,
    );
    await three(
      'driver→actor Float32Array 256 KiB, MB/s',
      async () => void (await nats.call(actor, 'recv', [floats])),
      async () => void (await farm.call(actor, 'recv', [floats])),
      async () => void (await nc.request('bench.raw.recv', rawBytes)),
      BYTES / 1e6,
    );
    await three(
      'actor→driver Float32Array 256 KiB, MB/s',
      async () => void (await nats.call(actor, 'give', [BYTES / 4])),
      async () => void (await farm.call(actor, 'give', [BYTES / 4])),
      async () => void (await nc.request('bench.raw.give', giveReq)),
      BYTES / 1e6,
    );
    await nats.close();
    await farm.close();
    closers.length = 0;

    // Whole algorithms: the same optimized plan shape, placed on the two nodes (spread) or on this machine (farm).
    const tunedPpo = tunedExample('ppo', 'CartPole-v1')!;
    const ppoConfig = ppo.config({ ...tunedPpo.config, env: 'CartPole-v1' });
    const ppoRates = await algorithmRates(ppo, ppoConfig, ppoIters, nc, nodes, log);
    rows.push(row(`PPO CartPole env steps/s (${ppoIters} iterations)`, ppoRates.nats, ppoRates.farm, undefined));
    // Ape-X as main has it (learning starts after 1000 steps; the first, warm-up iteration is not counted).
    const tunedApex = tunedExample('apex', 'CartPole-v1')!;
    const apexConfig = apex.config({ ...tunedApex.config, env: 'CartPole-v1', timestepsPerIteration: 4000 });
    const apexRates = await algorithmRates(apex, apexConfig, apexIters, nc, nodes, log);
    rows.push(row(`Ape-X CartPole env steps/s (${apexIters} iterations)`, apexRates.nats, apexRates.farm, undefined));
  } finally {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    responder?.stop();
    await cluster?.stop();
  }
  log('');
  log(markdownTable(['metric', 'nats backend', 'farm', 'raw NATS client', 'nats / farm', 'nats / raw'], rows));
  log('');
  log('Rates are median [min–max] over the reps; ratios pair rep i of one with rep i of the other.');
}

/** Where each actor of a plan runs on the nodes: `learner[0]@n0, workers[0]@n1, …`. */
function placementOf(graph: PlanGraph, backend: NatsBackend): string {
  return Object.values(graph.getAttribute('actorGroups'))
    .flatMap((g) => Array.from({ length: g.count }, (_, index) => `${g.name}[${index}]@${backend.nodeOf({ group: g.name, index })}`))
    .join(', ');
}

/**
 * Env steps/s per training iteration of one algorithm, on the nodes (spread by the place pass) and on
 * the farm, the two runs' iterations interleaved (after one warm-up iteration each).
 */
async function algorithmRates<C>(algorithm: Algorithm<C>, config: C, iters: number, nc: NatsConnection, nodes: readonly NodeInfo[], log: (line: string) => void): Promise<{ nats: Summary; farm: Summary }> {
  const onNodes = await buildAlgorithmPlan(algorithm, config, {
    name: `bench-nats-${algorithm.name}`,
    optimize: { inventory: inventory(...nodes.map((n) => ({ name: n.name, cpus: n.cpus }))), options: { place: { spread: true } } },
  });
  const local = await buildAlgorithmPlan(algorithm, config, { name: `bench-nats-${algorithm.name}` });
  const backend = new NatsBackend({ connection: nc, nodes, closeConnection: false });
  const rts: Array<Runtime<ResultDict>> = [];
  try {
    rts.push(await run<ResultDict>(onNodes.graph, { backend, seed: 1 }));
    rts.push(await run<ResultDict>(local.graph, { backend: 'farm', seed: 1 }));
    log(`${algorithm.name} on nats: ${placementOf(onNodes.graph, backend)}`);
    const stepsPerS: number[][] = [[], []];
    const last = [0, 0];
    for (const [j, rt] of rts.entries()) last[j] = (await rt.next()).value!.timesteps_total; // warm-up
    for (let k = 0; k < iters; k++) {
      for (const j of k % 2 ? [1, 0] : [0, 1]) {
        const t0 = performance.now();
        const r = await rts[j]!.next();
        const ms = performance.now() - t0;
        const total = r.value!.timesteps_total;
        stepsPerS[j]!.push((total - last[j]!) / (ms / 1000));
        last[j] = total;
      }
    }
    return { nats: summarize(stepsPerS[0]!), farm: summarize(stepsPerS[1]!) };
  } finally {
    for (const rt of rts) await rt.close().catch(() => undefined);
    if (rts.length === 0) await backend.close().catch(() => undefined);
  }
}
