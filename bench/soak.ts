/**
 * `npm run bench -- soak [--minutes N] [--kill-every K] [--workers W] [--seed S] [--until-target] [--iterations I] [--quiet]`
 *
 * The fault soak: PPO's tuned CartPole-v1 example on the farm backend, with one of the W rollout
 * workers (picked by a seeded random stream) killed with SIGKILL every K iterations, for N minutes.
 * Workers are recreated and re-synced (maxActorRestarts is unbounded here). Reports the restarts, the
 * calls lost with the killed workers (dropped sample fragments and broadcasts), the RSS of every
 * process (driver and each actor, across its restarts) over time, and the reward: the tuned target
 * (475) must still be reached, and memory must stay flat (last RSS sample within 1.5x of the one after
 * warm-up, per process). Fails (non-zero exit) otherwise. `--until-target` stops once the target is
 * reached (within N minutes) instead of soaking for all of them; `--iterations I` stops after I iterations. Not in CI: it runs for minutes.
 */
import { readFileSync } from 'node:fs';
import { algorithms, buildAlgorithmPlan, faultOptions, tunedExample } from '../src/algorithms/index.js';
import type { ResultDict } from '../src/rl/ops/metrics.js';
import type { FarmBackend } from '../src/runtime/farm-backend.js';
import { FAULT_COUNTERS } from '../src/runtime/faults.js';
import { createRng } from '../src/rng/index.js';
import { run } from '../src/runtime/runtime.js';
import { fmt, machineInfo, markdownTable, parseOptions } from './lib.js';

export const description = 'fault soak: PPO on CartPole-v1 with a worker killed every K iterations; restarts, lost work, RSS over time, reward target';

/** Resident set size of a process in MiB (Linux /proc), or undefined when it is gone. */
function rssMiB(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

export interface SoakResult {
  readonly iterations: number;
  readonly kills: number;
  readonly restarts: number;
  readonly dropped: number;
  readonly finalReward: number;
  readonly best: number;
  /** Env steps when the target was first reached (undefined: never). */
  readonly targetAt: number | undefined;
  /** RSS samples per process: name → MiB at each sample time. */
  readonly rss: ReadonlyMap<string, number[]>;
  readonly flat: boolean;
  readonly pass: boolean;
}

export async function main(args: readonly string[], out: (line: string) => void = console.log): Promise<SoakResult> {
  const { values, flags } = parseOptions(args, { flags: ['quiet', 'until-target'], values: ['minutes', 'kill-every', 'workers', 'seed', 'iterations'] });
  const minutes = Number(values.get('minutes') ?? 5);
  const killEvery = Number(values.get('kill-every') ?? 5);
  const seed = Number(values.get('seed') ?? 0);
  const maxIterations = Number(values.get('iterations') ?? Number.POSITIVE_INFINITY);
  if (!(minutes > 0) || !Number.isInteger(killEvery) || killEvery < 1) throw new Error('--minutes must be > 0 and --kill-every a positive integer');
  const example = tunedExample('ppo', 'CartPole-v1')!;
  const ppo = algorithms['ppo']!;
  const numWorkers = Number(values.get('workers') ?? example.config['numWorkers'] ?? 2);
  const config = ppo.config({ ...example.config, env: 'CartPole-v1', numWorkers, maxActorRestarts: 1_000_000 }) as Record<string, unknown>;
  const target = example.target.reward;
  out(`soak: PPO CartPole-v1 (tuned), ${numWorkers} workers, kill one every ${killEvery} iterations, ${minutes} min, seed ${seed}; target ${target}`);
  out(machineInfo());

  const plan = await buildAlgorithmPlan(ppo, config as never, { name: 'soak' });
  const rt = await run<ResultDict>(plan.graph, { backend: 'farm', seed, faults: faultOptions(config) });
  const backend = rt.backend as FarmBackend;
  const random = createRng(seed + 1);
  const rss = new Map<string, number[]>();
  const sampleTimes: number[] = [];
  const started = performance.now();
  const sampleEveryMs = (minutes * 60_000) / 12;
  let nextSample = 0;
  let kills = 0;
  let last: ResultDict | undefined;
  let best = Number.NEGATIVE_INFINITY;
  let targetAt: number | undefined;
  const sample = (): void => {
    const t = (performance.now() - started) / 1000;
    sampleTimes.push(t);
    const procs: Array<[string, number | undefined]> = [['driver', process.pid], ...Object.entries(backend.pids())];
    for (const [name, pid] of procs) {
      const mib = pid === undefined ? Number.NaN : (rssMiB(pid) ?? Number.NaN);
      const series = rss.get(name) ?? [];
      while (series.length < sampleTimes.length - 1) series.push(Number.NaN);
      series.push(mib);
      rss.set(name, series);
    }
  };
  try {
    while (performance.now() - started < minutes * 60_000) {
      const r = await rt.next();
      if (r.done) break;
      last = r.value;
      if (Number.isFinite(last.episode_reward_mean)) best = Math.max(best, last.episode_reward_mean);
      if (targetAt === undefined && last.episode_reward_mean >= target) targetAt = last.timesteps_total;
      if (targetAt !== undefined && flags.has('until-target')) break;
      if (last.training_iteration >= maxIterations) break;
      if (performance.now() - started >= nextSample) {
        sample();
        nextSample += sampleEveryMs;
      }
      if (last.training_iteration % killEvery === 0) {
        const index = Math.floor(random() * numWorkers);
        const pid = backend.pids()[`workers[${index}]`];
        if (pid !== undefined) {
          // A random moment inside the next iteration, not just its boundary.
          setTimeout(() => {
            try {
              process.kill(pid, 'SIGKILL');
            } catch {
              // already gone
            }
          }, Math.floor(random() * 500));
          kills++;
        }
      }
      if (flags.has('quiet') === false && last.training_iteration % 10 === 0) {
        out(`  iter ${last.training_iteration}: reward ${fmt(last.episode_reward_mean)}, steps ${last.timesteps_total}, restarts ${last.num_actor_restarts}, healthy ${last.num_healthy_workers}`);
      }
    }
    sample();
  } finally {
    await rt.close();
  }
  const restarts = rt.metrics.get(FAULT_COUNTERS.restarts);
  const dropped = rt.metrics.get(FAULT_COUNTERS.dropped);
  // Flat memory: per process, the last sample within 1.5x of the second one (after warm-up: TF.js loaded).
  const growth = [...rss].map(([name, s]) => {
    const finite = s.filter(Number.isFinite);
    const base = finite[Math.min(1, finite.length - 1)] ?? Number.NaN;
    const end = finite.at(-1) ?? Number.NaN;
    return { name, base, end, ratio: end / base };
  });
  const flat = growth.every((g) => !(g.ratio > 1.5));
  const headers = ['process', ...sampleTimes.map((t) => `${t.toFixed(0)} s`)];
  out('\nRSS (MiB) of every process over time (an actor keeps its name across restarts):');
  out(markdownTable(headers, [...rss].map(([name, s]) => [name, ...s.map((x) => (Number.isFinite(x) ? x.toFixed(0) : '-'))])));
  const finalReward = last?.episode_reward_mean ?? Number.NaN;
  const pass = targetAt !== undefined && flat;
  out('');
  out(
    markdownTable(
      ['iterations', 'env steps', 'kills', 'restarts', 'lost calls', 'final reward', 'best', `target ${target} at`, 'RSS growth (max)', 'pass'],
      [[
        String(last?.training_iteration ?? 0),
        String(last?.timesteps_total ?? 0),
        String(kills),
        String(restarts),
        String(dropped),
        fmt(finalReward),
        fmt(best),
        targetAt === undefined ? 'not reached' : `${targetAt} steps`,
        `${fmt(Math.max(...growth.map((g) => g.ratio).filter(Number.isFinite)))}x`,
        pass ? 'yes' : 'NO',
      ]],
    ),
  );
  if (!pass) process.exitCode = 1;
  return { iterations: last?.training_iteration ?? 0, kills, restarts, dropped, finalReward, best, targetAt, rss, flat, pass };
}
