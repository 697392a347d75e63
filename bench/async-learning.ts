/**
 * `npm run bench -- async-learning [--reps n] [--steps n] [--backend farm|local]`
 *
 * The asynchronous learners against synchronous PPO, side by side: APPO's and IMPALA's env steps per
 * second against PPO's, on the same machine, the same env (CartPole-v1) and the same budget of env
 * steps, each algorithm with its tuned example (so each with its own batch sizes, workers and
 * passes: the question is how fast each trains in its intended setting). The runs are interleaved,
 * one of each per round with the order alternating every round, so the ratios are measured next to
 * each other in time. Also reported: the async learner's busy fraction (time learning / wall time,
 * `info.learner_busy_fraction`; the goal is ≥ 0.9: the learner never waits for data), its mean queue
 * size and its load-wait time.
 *
 * Each run's rate is `timesteps_total / wall time` from the first result to the last (actor start and
 * TF.js loading excluded).
 */
import { algorithms, buildAlgorithmPlan, tunedExample } from '../src/algorithms/index.js';
import type { ResultDict } from '../src/rl/ops/metrics.js';
import { run } from '../src/runtime/runtime.js';
import { fmt, loadAvg, machineInfo, markdownTable, parseOptions, positiveInt, ratio, spread, summarize, type Summary } from './lib.js';

export const description = 'APPO and IMPALA env steps/s vs sync PPO (tuned CartPole-v1 configs, interleaved), learner busy fraction';

const ALGOS = ['ppo', 'appo', 'impala'] as const;
type Algo = (typeof ALGOS)[number];

interface RunStats {
  readonly stepsPerS: number;
  readonly busy: number | undefined;
  readonly queueMean: number | undefined;
  readonly loadWaitMs: number | undefined;
}

async function once(algorithm: Algo, steps: number, backend: 'farm' | 'local', seed: number): Promise<RunStats> {
  const algo = algorithms[algorithm]!;
  const example = tunedExample(algorithm, 'CartPole-v1')!;
  // Frequent reports (every 2000 steps) so the budget is hit closely; no time minimum.
  const config = algo.config({ ...example.config, env: 'CartPole-v1', timestepsPerIteration: 2000, minIterTimeS: 0 });
  const { graph } = await buildAlgorithmPlan(algo, config as never, { name: `bench-${algorithm}` });
  const rt = await run<ResultDict>(graph, { backend, seed });
  let first: { steps: number; at: number } | undefined;
  let last: ResultDict | undefined;
  let lastAt = 0;
  try {
    for (;;) {
      const r = await rt.next();
      if (r.done) break;
      last = r.value;
      lastAt = performance.now();
      first ??= { steps: last.timesteps_total, at: lastAt };
      if (last.timesteps_total - first.steps >= steps) break;
    }
  } finally {
    await rt.close();
  }
  if (!last || !first) throw new Error(`${algorithm}: no result`);
  const info = last.info as Record<string, unknown>;
  const queue = info['learner_queue'] as { size_mean?: number } | undefined;
  return {
    stepsPerS: ((last.timesteps_total - first.steps) * 1000) / Math.max(1, lastAt - first.at),
    busy: info['learner_busy_fraction'] as number | undefined,
    queueMean: queue?.size_mean,
    loadWaitMs: last.timers['learner_load_wait_time_ms'],
  };
}

export async function main(args: readonly string[], out: (line: string) => void = console.log): Promise<Record<Algo, RunStats[]>> {
  const { values } = parseOptions(args, { flags: [], values: ['reps', 'steps', 'backend'] });
  const reps = positiveInt(values.get('reps') ?? '3', '--reps');
  const steps = positiveInt(values.get('steps') ?? '60000', '--steps');
  const backend = values.get('backend') ?? 'farm';
  if (backend !== 'farm' && backend !== 'local') throw new Error(`--backend must be farm or local, got '${backend}'`);
  out(`machine: ${machineInfo()}; load ${loadAvg()}`);
  out(`backend ${backend}; ${reps} round(s) of ${steps.toLocaleString('en-US')} env steps per algorithm, order alternating`);
  const stats: Record<Algo, RunStats[]> = { ppo: [], appo: [], impala: [] };
  for (let round = 0; round < reps; round++) {
    const order = round % 2 === 0 ? ALGOS : [...ALGOS].reverse();
    for (const algorithm of order) {
      const s = await once(algorithm, steps, backend, round);
      stats[algorithm].push(s);
      out(`  round ${round + 1} ${algorithm}: ${fmt(s.stepsPerS)} env steps/s${s.busy !== undefined ? `, learner busy ${fmt(s.busy)}` : ''}`);
    }
  }
  const rate = (a: Algo): Summary => summarize(stats[a].map((s) => s.stepsPerS));
  const opt = (a: Algo, f: (s: RunStats) => number | undefined): string => {
    const xs = stats[a].map(f).filter((x): x is number => x !== undefined);
    return xs.length ? spread(summarize(xs)) : '—';
  };
  out('');
  out(
    markdownTable(
      ['algorithm', 'env steps/s', 'vs PPO', 'learner busy fraction', 'learner queue mean', 'learner load wait ms'],
      ALGOS.map((a) => [a, spread(rate(a)), a === 'ppo' ? '1' : spread(ratio(rate(a), rate('ppo'))), opt(a, (s) => s.busy), opt(a, (s) => s.queueMean), opt(a, (s) => s.loadWaitMs)]),
    ),
  );
  out('');
  out('median [min–max] over rounds; "vs PPO" pairs each round\'s runs.');
  return stats;
}
