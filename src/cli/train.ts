/**
 * `rlflow train <algo> --env <id>`: argument handling and printing on top of the trainer
 * (src/trainer/: config defaults ← tuned example ← `--config` file ← flags, compile + optimize, run
 * with stop rules, checkpoints). Prints one line per iteration with a live progress bar, writes
 * `progress.jsonl`, `progress.csv` and `checkpoint.json` (every `--checkpoint-freq` iterations, at the
 * end, and on SIGINT/SIGTERM) to the run directory, resumes a run with `--resume`, and ends with a
 * summary. Plan files (`rlflow train plan.ts`) run through trainPlanFile.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { algorithms, targetReward } from '../algorithms/index.js';
import type { CompiledPlan } from '../dsl/compile.js';
import { didYouMean } from '../ir/did-you-mean.js';
import type { ResultDict } from '../rl/ops/metrics.js';
import { run } from '../runtime/runtime.js';
import { CHECKPOINT_FILE, readCheckpoint, writeCheckpoint, type Checkpoint } from '../trainer/checkpoint.js';
import { resolveTrainConfig, type StopRules } from '../trainer/config.js';
import { ProgressWriter } from '../trainer/progress.js';
import { Trainer, checkRunEnv } from '../trainer/trainer.js';
import { TraceRecorder } from '../runtime/trace.js';
import { choiceOption, intOption, parse, UsageError } from './args.js';
import { natsHelp, natsOptions, optimizeForBackend } from './cluster.js';
import { optimizerHelp, optimizerOptions } from './optimize-options.js';
import { checkPlanFiles } from '../check/index.js';
import { loadPlanFile, looksLikePlanFile } from './plan-file.js';
import { ensureDirectory } from './out-dir.js';
import { isPlanJsonFile } from './plan-json.js';

export const trainHelp = `rlflow train <algo | plan-file> --env <id> [options]

Trains an agent with one of the algorithms (${Object.keys(algorithms).join(', ')}) by running its plan,
optimized by the default pass pipeline. A plan file (a module exporting \`plan\`, see docs/inspect.md)
runs your own plan instead, as does a plan saved as JSON (rlflow inspect <algo> --format json --out f.json);
each item it outputs is printed (result dicts as iteration lines).
  --env <id>            environment (default CartPole-v1); the tuned example for algo+env is used when there is one
  --workers <n>         rollout worker actors
  --backend <b>         farm (one process per actor; default), local (in-process, deterministic), or nats
                        (actors on \`rlflow node\` processes on other machines, docs/multi-node.md)
  --nats <url>          with --backend nats: the NATS server the nodes joined, e.g. nats://10.0.0.5:4222
  --nodes <n>           with --backend nats: wait (up to 30 s) until n nodes answered
  --seed <s>            root seed (default 0)
  --stop-reward <r>     stop when the smoothed episode reward reaches r (default: the tuned target)
  --stop-timesteps <t>  stop after t env steps (default: the tuned budget, else 1,000,000)
  --stop-iters <n>      stop after n iterations
  --config <file.json>  config keys (see docs/algorithms/<algo>.md), applied over the defaults
  --out <dir>           output directory (default runs/<algo>-<env>-<time>); an existing run there is refused without --resume/--force
  --checkpoint-freq <n> write checkpoint.json every n iterations (always at the end, and on Ctrl-C/SIGTERM)
  --resume <run-dir>    continue the run in run-dir from its checkpoint (same config, seed and backend)
  --force               overwrite the run in --out
  --quiet               no progress bar, only iteration lines
  --skip-check          plan files: skip the static checks of rlflow check (docs/check.md)
  --trace <file.json>   record a run trace (Chrome trace format: ui.perfetto.dev, chrome://tracing; see docs/traces.md)
${optimizerHelp}
${natsHelp}`;

function floatOption(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got '${String(value)}'`);
  return n;
}

/** The `--config <file.json>` object of config keys (shared with `rlflow inspect`). */
export function readConfigFile(file: string | undefined): Record<string, unknown> {
  if (file === undefined) return {};
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`--config: cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('expected a JSON object of config keys');
    return parsed as Record<string, unknown>;
  } catch (e) {
    throw new UsageError(`--config: ${file} is not a valid config: ${(e as Error).message}`);
  }
}

function bar(fraction: number, width = 24): string {
  const filled = Math.max(0, Math.min(width, Math.round(fraction * width)));
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

const fmt = (x: number, digits = 1): string => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const int = (x: number): string => Math.round(x).toLocaleString('en-US');

/** A recorder when `--trace <file>` was given. */
function traceOption(values: Record<string, unknown>): { recorder: TraceRecorder; file: string } | undefined {
  const file = values['trace'] as string | undefined;
  return file === undefined ? undefined : { recorder: new TraceRecorder(), file: path.resolve(file) };
}

/** Writes the run trace, also after a failure (when it helps most). */
function writeTrace(trace: { recorder: TraceRecorder; file: string } | undefined, out: (line: string) => void): void {
  if (!trace) return;
  trace.recorder.writeChromeTrace(trace.file);
  out(`wrote trace ${trace.file} (${trace.recorder.eventCount.toLocaleString('en-US')} events; open it in https://ui.perfetto.dev)`);
}

/** Exit codes of a run stopped by a signal (128 + the signal's number, as shells report it). */
const SIGNAL_EXIT: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143 };

/**
 * Stops the run gracefully on SIGINT/SIGTERM: the first signal ends it after the current iteration
 * (checkpoint and summary are written); a second one exits at once.
 */
function watchSignals(out: (line: string) => void): { readonly signal: string | undefined; dispose(): void } {
  const state: { signal: string | undefined } = { signal: undefined };
  const handler = (sig: NodeJS.Signals): void => {
    if (state.signal) process.exit(SIGNAL_EXIT[sig] ?? 1);
    state.signal = sig;
    out(`\n${sig}: stopping after this iteration, then writing a checkpoint (${sig} again to exit at once)`);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    get signal() {
      return state.signal;
    },
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

/** Whether a directory holds files already (a previous run's output). */
function hasFiles(dir: string): boolean {
  return existsSync(dir) && readdirSync(dir).length > 0;
}

export async function train(argv: string[], out: (line: string) => void = console.log, status: (text: string) => void = (t) => process.stdout.write(t)): Promise<number> {
  const { values, positionals } = parse(argv, {
    env: { type: 'string' },
    workers: { type: 'string' },
    backend: { type: 'string' },
    seed: { type: 'string' },
    'stop-reward': { type: 'string' },
    'stop-timesteps': { type: 'string' },
    'stop-iters': { type: 'string' },
    config: { type: 'string' },
    out: { type: 'string' },
    'checkpoint-freq': { type: 'string' },
    resume: { type: 'string' },
    force: { type: 'boolean' },
    quiet: { type: 'boolean' },
    'skip-check': { type: 'boolean' },
    trace: { type: 'string' },
    nodes: { type: 'string' },
    ...natsOptions,
    ...optimizerOptions,
  });
  const resumeDir = values['resume'] as string | undefined;
  const previous = resumeDir !== undefined ? readRunForResume(resumeDir) : undefined;
  const name = positionals[0] ?? previous?.checkpoint.algorithm;
  if (!name) throw new UsageError('name an algorithm: rlflow train <algo> --env <id> (or --resume <run-dir>)');
  if (!algorithms[name] && looksLikePlanFile(name)) return trainPlanFile(name, values, out);
  if (!algorithms[name]) {
    const guess = didYouMean(name, Object.keys(algorithms));
    throw new UsageError(`unknown algorithm '${name}'${guess ? ` (did you mean '${guess}'?)` : ''}; available: ${Object.keys(algorithms).join(', ')} (or give a plan file)`);
  }
  const backendName = choiceOption(values['backend'] ?? previous?.run.backend, 'backend', ['local', 'farm', 'nats'] as const, 'farm');
  const seed = previous ? previous.checkpoint.seed : intOption(values['seed'], 'seed', 0);
  const checkpointFreq = intOption(values['checkpoint-freq'], 'checkpoint-freq', 0, 0);
  const overrides: Record<string, unknown> = {};
  if (values['workers'] !== undefined) overrides['numWorkers'] = intOption(values['workers'], 'workers', 1, 1);
  const env = (values['env'] as string | undefined) ?? previous?.checkpoint.env ?? 'CartPole-v1';
  const stopInput = {
    ...(values['stop-reward'] !== undefined ? { reward: floatOption(values['stop-reward'], 'stop-reward') } : previous?.run.stop.reward !== undefined ? { reward: previous.run.stop.reward } : {}),
    ...(values['stop-timesteps'] !== undefined ? { timesteps: intOption(values['stop-timesteps'], 'stop-timesteps', 1, 1) } : previous ? { timesteps: previous.run.stop.timesteps } : {}),
    ...(values['stop-iters'] !== undefined ? { iterations: intOption(values['stop-iters'], 'stop-iters', 0, 1) } : previous?.run.stop.iterations !== undefined ? { iterations: previous.run.stop.iterations } : {}),
  };
  const resolved = resolveTrainConfig({
    algorithm: name,
    env,
    // A resumed run uses the checkpoint's config as its file; flags still override.
    file: previous ? previous.checkpoint.config : readConfigFile(values['config'] as string | undefined),
    overrides,
    stop: stopInput,
  });
  const { config, stop, tuned } = resolved;
  // The env is checked (and an unknown id reported) on the driver before any file or worker exists.
  await checkRunEnv(config);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = path.resolve(resumeDir ?? (values['out'] as string | undefined) ?? path.join('runs', `${name}-${env}-${stamp}`));
  if (!previous && hasFiles(outDir) && values['force'] !== true) {
    throw new UsageError(`output directory ${outDir} already holds a run: continue it with --resume ${outDir}, or overwrite it with --force`);
  }
  // Created one level at a time: a bad path (/proc, a file used as a directory) fails naming the part.
  ensureDirectory(outDir);
  const progress = new ProgressWriter(outDir, previous?.checkpoint.iteration);
  writeFileSync(path.join(outDir, 'config.json'), JSON.stringify({ algorithm: name, seed, backend: backendName, stop, config }, null, 2));
  const checkpointFile = path.join(outDir, CHECKPOINT_FILE);
  const live = values['quiet'] !== true && process.stdout.isTTY === true;

  out(`rlflow train ${name} on ${env}: ${String(config['numWorkers'])} worker(s) × ${String(config['numEnvsPerWorker'])} env(s), backend ${backendName}, seed ${seed}${tuned ? ' (tuned example)' : ''}`);
  out(`stop at reward ≥ ${stop.reward ?? 'n/a'} or ${int(stop.timesteps)} steps${stop.iterations ? ` or ${stop.iterations} iterations` : ''}; output in ${outDir}`);

  const trace = traceOption(values);
  const trainer = await Trainer.create({
    algorithm: name,
    env,
    file: previous ? previous.checkpoint.config : readConfigFile(values['config'] as string | undefined),
    overrides,
    stop: stopInput,
    backend: backendName === 'nats' ? 'farm' : backendName,
    seed,
    // The nats backend joins its cluster while optimizing (placement needs the nodes' inventory).
    optimize: async (compiled) => optimizeForBackend(compiled, values, out, backendName),
    checkEnv: false,
    ...(trace ? { trace: trace.recorder } : {}),
  });
  const started = performance.now();
  let last: ResultDict | undefined;
  let best = Number.NEGATIVE_INFINITY;
  let reason = 'the plan ended';
  const signals = watchSignals(out);
  try {
    if (previous) {
      await trainer.restore(previous.checkpoint);
      out(`resumed from ${checkpointFile} at iteration ${previous.checkpoint.iteration} (${int(previous.checkpoint.timesteps)} steps)`);
    }
    for (;;) {
      const result = await trainer.train();
      if (!result) break;
      last = result;
      const reward = targetReward(result, stop);
      if (Number.isFinite(reward)) best = Math.max(best, reward);
      progress.append(result as unknown as Record<string, unknown>);
      if (live) status('\r\x1b[2K');
      out(
        `iter ${String(result.training_iteration).padStart(4)}  steps ${int(result.timesteps_total).padStart(9)}  reward ${fmt(result.episode_reward_mean).padStart(7)} (min ${fmt(result.episode_reward_min)}, max ${fmt(result.episode_reward_max)})  len ${fmt(result.episode_len_mean)}  ${int(result.env_steps_per_s)} steps/s  ${fmt(result.time_this_iter_s, 2)}s${policyRewards(result)}`,
      );
      if (live) {
        const fraction = result.timesteps_total / stop.timesteps;
        status(`${bar(fraction)} ${int(result.timesteps_total)}/${int(stop.timesteps)} steps | reward ${fmt(result.episode_reward_mean)} | ${int(result.env_steps_per_s)} steps/s`);
      }
      const stopped = trainer.stopReason(result) ?? (signals.signal ? `stopped by ${signals.signal}` : undefined);
      if (stopped) {
        reason = stopped;
        break;
      }
      if (checkpointFreq > 0 && result.training_iteration % checkpointFreq === 0) writeCheckpoint(checkpointFile, await trainer.save());
    }
    if (live) status('\r\x1b[2K');
    if (last) writeCheckpoint(checkpointFile, await trainer.save());
  } finally {
    signals.dispose();
    await trainer.close();
    writeTrace(trace, out);
  }
  const secs = (performance.now() - started) / 1000;
  const solved = stop.reward !== undefined && last !== undefined && targetReward(last, stop) >= stop.reward;
  const stepsThisRun = (last?.timesteps_total ?? 0) - (previous?.checkpoint.timesteps ?? 0);
  out('');
  out(`done: ${reason}`);
  out(`  iterations ${last?.training_iteration ?? 0}, env steps ${int(last?.timesteps_total ?? 0)}, wall time ${fmt(secs)} s (${int(stepsThisRun / secs)} steps/s)`);
  out(`  final reward mean ${fmt(last?.episode_reward_mean ?? Number.NaN)}, best ${fmt(best)}${stop.reward !== undefined ? `, target ${stop.reward}: ${solved ? 'reached' : 'not reached'}` : ''}`);
  out(`  wrote ${progress.jsonlFile}, ${progress.csvFile} and ${checkpointFile}`);
  return signals.signal ? (SIGNAL_EXIT[signals.signal] ?? 1) : 0;
}

/** A run directory to resume: its checkpoint and the run settings in its config.json. */
function readRunForResume(dir: string): { checkpoint: Checkpoint; run: { backend: 'local' | 'farm' | undefined; stop: StopRules } } {
  const checkpoint = readCheckpoint(dir);
  let run: { backend?: 'local' | 'farm'; stop?: StopRules } = {};
  try {
    run = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as typeof run;
  } catch {
    // A checkpoint without its run's config.json: the flags and defaults decide.
  }
  return { checkpoint, run: { backend: run.backend, stop: run.stop ?? { timesteps: 1_000_000 } } };
}

/** Multi-agent runs: each policy's smoothed return, e.g. `  policies: ppo 41.2, dqn 37.0`. */
function policyRewards(result: ResultDict): string {
  const means = result.policy_reward_mean;
  return means ? `  policies: ${Object.entries(means).map(([id, r]) => `${id} ${fmt(r)}`).join(', ')}` : '';
}

/** `rlflow train <plan-file>`: runs a user's plan, printing each output (result dicts as iteration lines). */
async function trainPlanFile(file: string, values: Record<string, unknown>, out: (line: string) => void): Promise<number> {
  const backendName = choiceOption(values['backend'], 'backend', ['local', 'farm', 'nats'] as const, 'farm');
  const seed = intOption(values['seed'], 'seed', 0);
  const iterations = values['stop-iters'] === undefined ? undefined : intOption(values['stop-iters'], 'stop-iters', 0, 1);
  // Static checks first (docs/check.md): a stage a worker cannot load should fail here, at its line,
  // not in a worker process after the actors started.
  if (values['skip-check'] !== true && !isPlanJsonFile(file)) await checkPlanFiles([file]);
  const compiled: CompiledPlan = await loadPlanFile(file);
  out(`rlflow train ${file}: plan '${compiled.graph.getAttribute('name')}' (${compiled.graph.order} nodes), backend ${backendName}, seed ${seed}`);
  const { plan, backend } = await optimizeForBackend(compiled, values, out, backendName);
  const trace = traceOption(values);
  const rt = await run<unknown>(plan, { backend, seed, trace: trace?.recorder });
  let count = 0;
  try {
    for (;;) {
      if (iterations !== undefined && count >= iterations) break;
      const r = await rt.next();
      if (r.done) break;
      count++;
      const v = r.value as Partial<ResultDict> | undefined;
      if (v && typeof v === 'object' && typeof v.training_iteration === 'number' && typeof v.timesteps_total === 'number') {
        out(`iter ${String(v.training_iteration).padStart(4)}  steps ${int(v.timesteps_total).padStart(9)}  reward ${fmt(v.episode_reward_mean ?? Number.NaN).padStart(7)}`);
      } else out(`output ${count}: ${JSON.stringify(r.value, (_k, x: unknown) => (ArrayBuffer.isView(x) ? `<${x.constructor.name}>` : x))?.slice(0, 200)}`);
    }
  } finally {
    await rt.close();
    writeTrace(trace, out);
  }
  out(`done: ${count} output(s)`);
  return 0;
}
