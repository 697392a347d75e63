/**
 * `npm run bench -- optimizer [--quick] [--only fusion,vectorize] [--reps n] [--rep-ms ms] [--actors n]
 *   [--envs 16,32,64] [--fragment steps]`
 *
 * What the optimizer's passes buy, measured as optimized vs unoptimized plan in the same run,
 * interleaved rep by rep (a rep of the unoptimized plan, a rep of the optimized one, …), reported as
 * medians and ratios:
 *
 * fusion     `fromActors(Sequence).forEach(addOne).forEach(triple).filter(dropEveryFourth)
 *            .forEach(halve).gatherAsync()` on the farm backend (`--actors` worker processes, default 1),
 *            compiled as written (4 actor-side segments: one `$pull` and three `$apply` round trips per
 *            pull) against `optimize(plan, { passes: ['fuse'] })` (one fused segment: one round trip per
 *            pull). Both runtimes run side by side over a backend that counts every driver→actor call,
 *            so the table shows round trips per output item next to the wall time per item.
 *            Target: the fused plan ≥ 2× the items/s of the unoptimized one.
 *
 * vectorize  PPO's sampling: the real `RolloutWorker` on CartPole-v1 with PPO's default policy config
 *            (`ppo.config()`; today 256-256 tanh hidden layers, value net not shared), with 16, 32
 *            and 64 env copies per worker. The unoptimized plan gives the worker `vectorBatch` 1 (one
 *            policy forward per env copy and step); `optimize(plan, { passes: ['batch'] })` gives it the
 *            batch pass's choice (rows per forward from the cost model). The honest baseline next to them
 *            is the fastest hand-set choice, one forward over all env copies per step (`vectorBatch` =
 *            envs): "batch pass / one forward" ≈ 1 says the cost model's choice loses nothing to it.
 *            Each plan runs on the local
 *            backend, whose actors live in this process (no IPC in the measurement), and the bench
 *            times the worker's `sample()` called through the backend, as a plan's rollouts call it.
 *            Target: ≥ 3× the env steps/s for 16 or more envs per worker.
 *
 * A missed target sets a failing exit code (not with `--quick`, a smoke run whose numbers mean nothing).
 */
import { ppo } from '../src/algorithms/ppo.js';
import type { ActorRef, Clock } from '../src/ir/contract.js';
import type { PlanGraph } from '../src/ir/graph.js';
import type { ActorGroupSpec } from '../src/ir/types.js';
import { actors, compile, fromActors, optimize, run, type Runtime } from '../src/index.js';
import type { SampleBatch } from '../src/rl/data/sample-batch.js';
import { backendInfo, loadTf } from '../src/rl/policy/tf-backend.js';
import type { ActorSpec } from '../src/runtime/actor-host.js';
import type { ActorBackend } from '../src/runtime/backend.js';
import { FarmBackend } from '../src/runtime/farm-backend.js';
import { addOne, dropEveryFourth, expectedOutput, halve, Sequence, triple } from './fixtures-optimizer.js';
import { FULL, QUICK, withRepOptions, selectedParts, fmt, loadAvg, machineInfo, markdownTable, measureInterleaved, parseOptions, perSecond, positiveInt, ratio, spread, summarize, type MeasureOptions, type Summary } from './lib.js';

export const description = 'optimized vs unoptimized plans: fuse (round trips per item on the farm) and batch (vectorized PPO inference)';

const PARTS = ['fusion', 'vectorize'] as const;
type Part = (typeof PARTS)[number];
const FUSION_TARGET = 2;
const VECTORIZE_TARGET = 3;
/** The vectorize target applies from this many envs per worker on. */
const VECTORIZE_TARGET_FROM_ENVS = 16;
const SEED = 1;

/** An actor backend that forwards to another and counts the calls made through it, by method. */
export class CountingBackend implements ActorBackend {
  readonly calls = new Map<string, number>();
  constructor(private readonly inner: ActorBackend) {}
  get name(): string {
    return `${this.inner.name} (counted)`;
  }
  get clock(): Clock {
    return this.inner.clock;
  }
  /** Calls made so far, all methods together. */
  get total(): number {
    let n = 0;
    for (const c of this.calls.values()) n += c;
    return n;
  }
  start(specs: readonly ActorSpec[]): Promise<void> {
    return this.inner.start(specs);
  }
  call(actor: ActorRef, method: string, args: readonly unknown[]): Promise<unknown> {
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1);
    return this.inner.call(actor, method, args);
  }
  inFlight(): number {
    return this.inner.inFlight();
  }
  hasPendingWork(): boolean {
    return this.inner.hasPendingWork();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

// ---------------------------------------------------------------------------------------------------
// fusion

export interface FusionAlternative {
  readonly name: string;
  /** Actor-side nodes of the plan (segments a pull goes through). */
  readonly segments: number;
  /** Driver→actor calls per output item over the measured reps. */
  readonly roundTripsPerItem: number;
  /** Output items per second, one value per rep. */
  readonly itemsPerS: Summary;
  /** Microseconds per output item, one value per rep. */
  readonly usPerItem: Summary;
}

export interface FusionResult {
  readonly actors: number;
  readonly unoptimized: FusionAlternative;
  readonly fused: FusionAlternative;
  /** fused / unoptimized items/s: median = ratio of the medians, [min–max] of the per-round ratios. */
  readonly speedup: Summary;
  /** unoptimized / fused round trips per item. */
  readonly roundTripRatio: number;
}

const actorSideNodes = (graph: PlanGraph): number => graph.filterNodes((_id, a) => a.placement.on === 'actors').length;

/** Self-check: every item is what the four stages make of some source item. */
function checkOutputs(items: readonly number[], who: string): void {
  for (const v of items) {
    const x = (2 * v) / 3 - 1;
    if (!Number.isInteger(x) || x < 0 || expectedOutput(x) !== v) throw new Error(`bench optimizer: the ${who} plan produced ${v}, which the stages cannot make from any source item`);
  }
}

async function benchFusion(o: MeasureOptions, actorCount: number): Promise<FusionResult> {
  const group = actors(Sequence, { count: actorCount, name: 'sequence' });
  const plan = await compile(fromActors(group).forEach(addOne).forEach(triple).filter(dropEveryFourth).forEach(halve).gatherAsync(), { name: 'bench-optimizer-fusion' });
  const { graph: fusedGraph } = await optimize(plan, { passes: ['fuse'] });
  const graphs = [plan.graph, fusedGraph];
  const names = ['unoptimized (as written)', "optimize(plan, { passes: ['fuse'] })"];
  const backends = graphs.map(() => new CountingBackend(new FarmBackend()));
  const runtimes: Array<Runtime<number>> = [];
  try {
    for (let k = 0; k < graphs.length; k++) runtimes.push(await run<number>(graphs[k]!, { backend: backends[k]!, seed: SEED }));
    for (let k = 0; k < graphs.length; k++) checkOutputs(await runtimes[k]!.take(64), k === 0 ? 'unoptimized' : 'fused');
    // Calls and items of each alternative's run() invocations; the last `reps` of them are the measured reps.
    const log: Array<Array<{ calls: number; items: number }>> = graphs.map(() => []);
    const measured = await measureInterleaved(
      graphs.map((_g, k) => ({
        name: names[k]!,
        run: async (iters: number) => {
          const before = backends[k]!.total;
          const items = await runtimes[k]!.take(iters);
          if (items.length !== iters) throw new Error('bench optimizer: the fusion plan ended');
          log[k]!.push({ calls: backends[k]!.total - before, items: iters });
        },
      })),
      o,
    );
    const alternatives = measured.map((m, k): FusionAlternative => {
      const reps = log[k]!.slice(-o.reps);
      const calls = reps.reduce((s, r) => s + r.calls, 0);
      const items = reps.reduce((s, r) => s + r.items, 0);
      return { name: m.name, segments: actorSideNodes(graphs[k]!), roundTripsPerItem: calls / items, itemsPerS: perSecond(m), usPerItem: summarize(m.perIterMs.values.map((ms) => ms * 1000)) };
    });
    const [unoptimized, fused] = alternatives as [FusionAlternative, FusionAlternative];
    return { actors: actorCount, unoptimized, fused, speedup: ratio(fused.itemsPerS, unoptimized.itemsPerS), roundTripRatio: unoptimized.roundTripsPerItem / fused.roundTripsPerItem };
  } finally {
    for (const rt of runtimes) await rt.close();
  }
}

// ---------------------------------------------------------------------------------------------------
// vectorize

export interface VectorizeRow {
  readonly envs: number;
  /** Env steps per sample() (envs × fragment). */
  readonly stepsPerSample: number;
  /** The worker's `vectorBatch` in each plan (what the runtime gives the actor). */
  readonly unoptimizedBatch: number | undefined;
  readonly optimizedBatch: number | undefined;
  /** Env steps per second, one value per rep. */
  readonly unoptimized: Summary;
  readonly optimized: Summary;
  /** The honest baseline: the worker with `vectorBatch` = envs (ONE forward pass over all env copies per step). */
  readonly oneForward: Summary;
  /** optimized / unoptimized steps/s. */
  readonly ratio: Summary;
  /** optimized / one-forward steps/s (≈ 1 when the batch pass's choice is as good as the best hand-set one). */
  readonly ratioVsOneForward: Summary;
}

export interface VectorizeResult {
  readonly fragment: number;
  /** The policy's network, from PPO's default config, e.g. `4-256-256 tanh, separate value net`. */
  readonly network: string;
  readonly rows: readonly VectorizeRow[];
}

const WORKERS = 'workers';

function workersGroup(graph: PlanGraph): ActorGroupSpec {
  const g = graph.getAttribute('actorGroups')[WORKERS];
  if (!g) throw new Error(`bench optimizer: the PPO plan has no '${WORKERS}' actor group`);
  return g;
}

/** The `vectorBatch` the runtime hands the group's actors (the rule in src/runtime/runtime.ts). */
const vectorBatchOf = (g: ActorGroupSpec): number | undefined => (g.vectorizable ? (g.vectorizable.batch ?? 1) : undefined);

async function benchVectorize(o: MeasureOptions, envCounts: readonly number[], fragment: number): Promise<VectorizeResult> {
  const rows: VectorizeRow[] = [];
  let network = '';
  for (const envs of envCounts) {
    // PPO's defaults except the sampling shape; one worker (the bench calls it directly).
    const config = ppo.config({ numWorkers: 1, numEnvsPerWorker: envs, rolloutFragmentLength: fragment, trainBatchSize: envs * fragment });
    network = `4-${config.hidden.join('-')} ${config.activation}, ${config.vfShareLayers ? 'value head shared' : 'separate value net'}`;
    const plan = await compile(ppo.plan(config), { name: `bench-optimizer-ppo-${envs}` });
    const { graph: batched } = await optimize(plan, { passes: ['batch'] });
    const groups = [workersGroup(plan.graph), workersGroup(batched)];
    const vectorizable = groups[0]!.vectorizable;
    if (!vectorizable) {
      throw new Error(`bench optimizer: PPO's '${WORKERS}' group declares no vectorizable work, so the batch pass has nothing to choose (see workerGroups in src/algorithms/common.ts)`);
    }
    // The fastest hand-set alternative: every env copy in one forward pass per step.
    const oneForward = plan.graph.copy();
    oneForward.setAttribute('actorGroups', { ...plan.graph.getAttribute('actorGroups'), [WORKERS]: { ...groups[0]!, vectorizable: { ...vectorizable, batch: envs } } });
    const runtimes: Array<Runtime<unknown>> = [];
    try {
      for (const graph of [plan.graph, batched, oneForward]) runtimes.push(await run(graph, { backend: 'local', seed: SEED }));
      const worker: ActorRef = { group: WORKERS, index: 0 };
      const sample = async (rt: Runtime<unknown>): Promise<number> => ((await rt.backend.call(worker, 'sample', [])) as SampleBatch).count;
      for (const rt of runtimes) {
        const count = await sample(rt);
        if (count !== envs * fragment) throw new Error(`bench optimizer: the worker sampled ${count} steps, expected ${envs} envs × ${fragment}`);
      }
      const measured = await measureInterleaved(
        runtimes.map((rt, k) => ({
          name: ['unoptimized', 'batch pass', 'one forward over all envs'][k]!,
          run: async (iters: number) => {
            for (let i = 0; i < iters; i++) await sample(rt);
          },
        })),
        o,
      );
      const [u, b, one] = measured.map((m) => perSecond(m, envs * fragment)) as [Summary, Summary, Summary];
      rows.push({ envs, stepsPerSample: envs * fragment, unoptimizedBatch: vectorBatchOf(groups[0]!), optimizedBatch: vectorBatchOf(groups[1]!), unoptimized: u, optimized: b, oneForward: one, ratio: ratio(b, u), ratioVsOneForward: ratio(b, one) });
    } finally {
      for (const rt of runtimes) await rt.close();
    }
  }
  return { fragment, network, rows };
}

// ---------------------------------------------------------------------------------------------------

export interface OptimizerBenchResult {
  readonly machine: string;
  readonly fusion?: FusionResult;
  readonly vectorize?: VectorizeResult;
  /** Every table printed, in order. */
  readonly tables: readonly string[];
  /** Targets missed (empty when all were met). */
  readonly missed: readonly string[];
}

function intList(s: string, name: string): number[] {
  const xs = s.split(',').map((x) => x.trim()).filter(Boolean).map((x) => positiveInt(x, name));
  if (xs.length === 0) throw new Error(`--${name} needs a comma-separated list of positive integers, got '${s}'`);
  return xs;
}

const met = (ok: boolean): string => (ok ? 'met' : 'NOT met');

export async function main(args: readonly string[] = [], log: (line: string) => void = console.log): Promise<OptimizerBenchResult> {
  const opts = parseOptions(args, { flags: ['quick'], values: ['only', 'reps', 'rep-ms', 'actors', 'envs', 'fragment'] });
  const quick = opts.flags.has('quick');
  const base: MeasureOptions = quick ? { ...QUICK, warmupIters: 1, maxIters: 16 } : { ...FULL, warmupIters: 5 };
  const o = withRepOptions(base, opts.values);
  const want = selectedParts<Part>(opts.values.get('only'), PARTS);
  const actorCount = opts.values.has('actors') ? positiveInt(opts.values.get('actors')!, 'actors') : 1;
  const envCounts = opts.values.has('envs') ? intList(opts.values.get('envs')!, 'envs') : quick ? [2, 4] : [16, 32, 64];
  const fragment = opts.values.has('fragment') ? positiveInt(opts.values.get('fragment')!, 'fragment') : quick ? 4 : 16;

  const machine = machineInfo();
  log('# optimizer benchmark: optimized vs unoptimized plans');
  log(`machine: ${machine}`);
  log(`load average at start: ${loadAvg()} (other processes skew absolute numbers; the interleaved ratios less so)`);
  log(`reps: ${o.reps} per alternative, ~${o.repMs} ms each, interleaved unoptimized/optimized${quick ? ' (--quick: smoke run, numbers are not meaningful)' : ''}`);

  const tables: string[] = [];
  const missed: string[] = [];
  const result: { fusion?: FusionResult; vectorize?: VectorizeResult } = {};

  if (want('fusion')) {
    const f = await benchFusion(o, actorCount);
    result.fusion = f;
    const table = markdownTable(
      [`fusion: fromActors(Sequence ×${f.actors}).forEach.forEach.filter.forEach.gatherAsync(), farm`, 'actor-side segments', 'round trips / item', 'µs / item (median [min–max])', 'items/s (median [min–max])'],
      [f.unoptimized, f.fused].map((a) => [a.name, String(a.segments), fmt(a.roundTripsPerItem), spread(a.usPerItem), spread(a.itemsPerS)]),
    );
    tables.push(table);
    log('');
    log(table);
    log('');
    const ok = f.speedup.median >= FUSION_TARGET;
    if (!ok) missed.push(`fusion ≥ ${FUSION_TARGET}× items/s`);
    log(`round trips per item, unoptimized / fused: ${fmt(f.roundTripRatio)}× (per output item; the filter drops one source item in four)`);
    log(`speedup fused / unoptimized items/s: ${spread(f.speedup)} (target ≥ ${FUSION_TARGET}: ${met(ok)})`);
  }

  if (want('vectorize')) {
    await loadTf();
    const info = backendInfo()!;
    log('');
    log(`tfjs backend: ${info.name}${info.simd !== undefined ? ` simd=${info.simd} threads=${info.threads}` : ''} (${info.package})`);
    const v = await benchVectorize(o, envCounts, fragment);
    result.vectorize = v;
    const batchCell = (b: number | undefined): string => (b === undefined ? 'none' : String(b));
    const table = markdownTable(
      [`vectorize: PPO RolloutWorker.sample(), CartPole-v1, PPO default nets (${v.network}), ${v.fragment} steps per env`, 'vectorBatch unopt. → batch pass', 'unoptimized env steps/s', 'batch pass env steps/s', 'one forward over all envs, env steps/s', 'ratio (target)', 'batch pass / one forward'],
      v.rows.map((r) => [
        `${r.envs} envs per worker (${r.stepsPerSample} steps per sample)`,
        `${batchCell(r.unoptimizedBatch)} → ${batchCell(r.optimizedBatch)}`,
        spread(r.unoptimized),
        spread(r.optimized),
        spread(r.oneForward),
        `${spread(r.ratio)}${r.envs >= VECTORIZE_TARGET_FROM_ENVS ? ` (≥ ${VECTORIZE_TARGET}: ${met(r.ratio.median >= VECTORIZE_TARGET)})` : ''}`,
        spread(r.ratioVsOneForward),
      ]),
    );
    tables.push(table);
    log('');
    log(table);
    log('');
    for (const r of v.rows) if (r.envs >= VECTORIZE_TARGET_FROM_ENVS && r.ratio.median < VECTORIZE_TARGET) missed.push(`vectorized inference ≥ ${VECTORIZE_TARGET}× at ${r.envs} envs per worker`);
    log(`target: batch pass ≥ ${VECTORIZE_TARGET}× the unoptimized env steps/s for ${VECTORIZE_TARGET_FROM_ENVS}+ envs per worker`);
  }

  log('');
  log('Ratios: median = ratio of the medians; [min–max] of the per-round ratios (rep i of one over rep i of the other).');
  log(`targets: ${missed.length === 0 ? 'all met' : `NOT met: ${missed.join('; ')}`}`);
  log(`load average at end: ${loadAvg()}`);
  if (missed.length > 0 && !quick) process.exitCode = 1;
  return { machine, ...result, tables, missed };
}
