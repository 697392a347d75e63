/**
 * `rlflow train <algo> --env <id>`: builds the algorithm's config (defaults ← tuned example for the
 * env ← `--config` file ← flags), compiles and runs its plan, prints one line per iteration with a
 * live progress bar, writes `progress.jsonl` and a final checkpoint to the output directory, and
 * ends with a summary.
 */
import { mkdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import path from 'node:path';
import { algorithms, targetReward, tunedExample } from '../algorithms/index.js';
import { compile, type CompiledPlan } from '../dsl/compile.js';
import type { ResultDict } from '../rl/ops/metrics.js';
import type { WorkerState } from '../rl/worker-api.js';
import type { MultiAgentWorkerState } from '../rl/multi-agent-api.js';
import type { PolicyState } from '../rl/policy/types.js';
import { run } from '../runtime/runtime.js';
import { TraceRecorder } from '../runtime/trace.js';
import { choiceOption, intOption, parse, UsageError } from './args.js';
import { optimizeForCli, optimizerHelp, optimizerOptions } from './optimize-options.js';
import { checkPlanFiles } from '../check/index.js';
import { loadPlanFile, looksLikePlanFile } from './plan-file.js';
import { isPlanJsonFile } from './plan-json.js';

export const trainHelp = `rlflow train <algo | plan-file> --env <id> [options]

Trains an agent with one of the algorithms (${Object.keys(algorithms).join(', ')}) by running its plan,
optimized by the default pass pipeline. A plan file (a module exporting \`plan\`, see docs/inspect.md)
runs your own plan instead, as does a plan saved as JSON (rlflow inspect <algo> --format json --out f.json);
each item it outputs is printed (result dicts as iteration lines).
  --env <id>            environment (default CartPole-v1); the tuned example for algo+env is used when there is one
  --workers <n>         rollout worker actors
  --backend <b>         farm (one process per actor; default) or local (in-process, deterministic)
  --seed <s>            root seed (default 0)
  --stop-reward <r>     stop when the smoothed episode reward reaches r (default: the tuned target)
  --stop-timesteps <t>  stop after t env steps (default: the tuned budget, else 1,000,000)
  --stop-iters <n>      stop after n iterations
  --config <file.json>  config keys (see docs/algorithms/<algo>.md), applied over the defaults
  --out <dir>           output directory for progress.jsonl and checkpoint.json (default runs/<algo>-<env>-<time>)
  --quiet               no progress bar, only iteration lines
  --skip-check          plan files: skip the static checks of rlflow check (docs/check.md)
  --trace <file.json>   record a run trace (Chrome trace format: ui.perfetto.dev, chrome://tracing; see docs/traces.md)
${optimizerHelp}`;

interface Stop {
  readonly reward: number | undefined;
  readonly timesteps: number;
  readonly iterations: number | undefined;
}

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

/** Base64 of a typed array's bytes, so a checkpoint stays compact JSON. */
function encodeFloats(a: Float32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
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
    quiet: { type: 'boolean' },
    'skip-check': { type: 'boolean' },
    trace: { type: 'string' },
    ...optimizerOptions,
  });
  const name = positionals[0];
  if (!name) throw new UsageError('name an algorithm: rlflow train <algo> --env <id>');
  if (!algorithms[name] && looksLikePlanFile(name)) return trainPlanFile(name, values, out);
  const algorithm = algorithms[name];
  if (!algorithm) throw new UsageError(`unknown algorithm '${name}'; available: ${Object.keys(algorithms).join(', ')} (or give a plan file)`);
  const env = (values['env'] as string | undefined) ?? 'CartPole-v1';
  const backend = choiceOption(values['backend'], 'backend', ['local', 'farm'] as const, 'farm');
  const seed = intOption(values['seed'], 'seed', 0);
  const tuned = tunedExample(name, env);
  const overrides: Record<string, unknown> = { ...readConfigFile(values['config'] as string | undefined), env };
  if (values['workers'] !== undefined) overrides['numWorkers'] = intOption(values['workers'], 'workers', 1, 1);
  const config = algorithm.config({ ...(tuned?.config ?? {}), ...overrides }) as Record<string, unknown>;
  const stop: Stop = {
    reward: floatOption(values['stop-reward'], 'stop-reward') ?? tuned?.target.reward,
    timesteps: intOption(values['stop-timesteps'], 'stop-timesteps', tuned?.target.timesteps ?? 1_000_000, 1),
    iterations: values['stop-iters'] === undefined ? undefined : intOption(values['stop-iters'], 'stop-iters', 0, 1),
  };
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = path.resolve((values['out'] as string | undefined) ?? path.join('runs', `${name}-${env}-${stamp}`));
  mkdirSync(outDir, { recursive: true });
  const progressFile = path.join(outDir, 'progress.jsonl');
  writeFileSync(progressFile, '');
  writeFileSync(path.join(outDir, 'config.json'), JSON.stringify({ algorithm: name, seed, backend, stop, config }, null, 2));
  const live = values['quiet'] !== true && process.stdout.isTTY === true;

  out(`rlflow train ${name} on ${env}: ${String(config['numWorkers'])} worker(s) × ${String(config['numEnvsPerWorker'])} env(s), backend ${backend}, seed ${seed}${tuned ? ' (tuned example)' : ''}`);
  out(`stop at reward ≥ ${stop.reward ?? 'n/a'} or ${int(stop.timesteps)} steps${stop.iterations ? ` or ${stop.iterations} iterations` : ''}; output in ${outDir}`);

  const compiled = await compile(algorithm.plan(config as never), { name: `${name}-${env}` });
  const plan = await optimizeForCli(compiled, values, out, backend);
  const started = performance.now();
  const trace = traceOption(values);
  const rt = await run<ResultDict>(plan, { backend, seed, trace: trace?.recorder });
  let last: ResultDict | undefined;
  let best = Number.NEGATIVE_INFINITY;
  let reason = 'the plan ended';
  try {
    for (;;) {
      const r = await rt.next();
      if (r.done) break;
      const result = r.value;
      last = result;
      const stopTarget = values['stop-reward'] === undefined ? tuned?.target : undefined;
      if (Number.isFinite(targetReward(result, stopTarget))) best = Math.max(best, targetReward(result, stopTarget));
      appendFileSync(progressFile, JSON.stringify(result) + '\n');
      if (live) status('\r\x1b[2K');
      out(
        `iter ${String(result.training_iteration).padStart(4)}  steps ${int(result.timesteps_total).padStart(9)}  reward ${fmt(result.episode_reward_mean).padStart(7)} (min ${fmt(result.episode_reward_min)}, max ${fmt(result.episode_reward_max)})  len ${fmt(result.episode_len_mean)}  ${int(result.env_steps_per_s)} steps/s  ${fmt(result.time_this_iter_s, 2)}s${policyRewards(result)}`,
      );
      if (live) {
        const fraction = result.timesteps_total / stop.timesteps;
        status(`${bar(fraction)} ${int(result.timesteps_total)}/${int(stop.timesteps)} steps | reward ${fmt(result.episode_reward_mean)} | ${int(result.env_steps_per_s)} steps/s`);
      }
      // A tuned multi-agent target may ask every listed policy to reach the reward (targetReward).
      const reward = targetReward(result, stopTarget);
      if (stop.reward !== undefined && reward >= stop.reward) {
        reason = `reached reward ${fmt(reward)} ≥ ${stop.reward}${tuned?.target.policies && values['stop-reward'] === undefined ? ` (each of ${tuned.target.policies.join(', ')})` : ''}`;
        break;
      }
      if (result.timesteps_total >= stop.timesteps) {
        reason = `reached ${int(stop.timesteps)} steps`;
        break;
      }
      if (stop.iterations !== undefined && result.training_iteration >= stop.iterations) {
        reason = `reached ${stop.iterations} iterations`;
        break;
      }
    }
    if (live) status('\r\x1b[2K');
    const state = (await rt.backend.call({ group: 'learner', index: 0 }, 'getState', [])) as WorkerState | MultiAgentWorkerState;
    // The learner samples nothing: its observation filter never saw an observation, and it gets no
    // global vars. Both come from a rollout worker (the one whose filter normalized its samples).
    const worker = (await rt.backend.call({ group: 'workers', index: 0 }, 'getState', [])) as WorkerState | MultiAgentWorkerState;
    const encodePolicy = (p: PolicyState) => ({ weights: p.weights.map(encodeFloats), optimizer: p.optimizer.map(encodeFloats), extra: p.extra });
    const checkpoint = {
      algorithm: name,
      env,
      seed,
      config,
      timesteps: last?.timesteps_total ?? 0,
      iteration: last?.training_iteration ?? 0,
      counters: rt.metrics.save().counters,
      // A multi-agent run checkpoints every policy of its map by id.
      ...('policies' in state ? { policies: Object.fromEntries(Object.entries(state.policies).map(([id, p]) => [id, encodePolicy(p)])) } : { policy: encodePolicy(state.policy) }),
      filter: 'filter' in worker ? (worker.filter ?? null) : null,
      globalVars: worker.globalVars,
    };
    writeFileSync(path.join(outDir, 'checkpoint.json'), JSON.stringify(checkpoint));
  } finally {
    await rt.close();
    writeTrace(trace, out);
  }
  const secs = (performance.now() - started) / 1000;
  const solved = stop.reward !== undefined && last !== undefined && targetReward(last, values['stop-reward'] === undefined ? tuned?.target : undefined) >= stop.reward;
  out('');
  out(`done: ${reason}`);
  out(`  iterations ${last?.training_iteration ?? 0}, env steps ${int(last?.timesteps_total ?? 0)}, wall time ${fmt(secs)} s (${int((last?.timesteps_total ?? 0) / secs)} steps/s)`);
  out(`  final reward mean ${fmt(last?.episode_reward_mean ?? Number.NaN)}, best ${fmt(best)}${stop.reward !== undefined ? `, target ${stop.reward}: ${solved ? 'reached' : 'not reached'}` : ''}`);
  out(`  wrote ${progressFile} and ${path.join(outDir, 'checkpoint.json')}`);
  return 0;
}

/** Multi-agent runs: each policy's smoothed return, e.g. `  policies: ppo 41.2, dqn 37.0`. */
function policyRewards(result: ResultDict): string {
  const means = result.policy_reward_mean;
  return means ? `  policies: ${Object.entries(means).map(([id, r]) => `${id} ${fmt(r)}`).join(', ')}` : '';
}

/** `rlflow train <plan-file>`: runs a user's plan, printing each output (result dicts as iteration lines). */
async function trainPlanFile(file: string, values: Record<string, unknown>, out: (line: string) => void): Promise<number> {
  const backend = choiceOption(values['backend'], 'backend', ['local', 'farm'] as const, 'farm');
  const seed = intOption(values['seed'], 'seed', 0);
  const iterations = values['stop-iters'] === undefined ? undefined : intOption(values['stop-iters'], 'stop-iters', 0, 1);
  // Static checks first (docs/check.md): a stage a worker cannot load should fail here, at its line,
  // not in a worker process after the actors started.
  if (values['skip-check'] !== true && !isPlanJsonFile(file)) await checkPlanFiles([file]);
  const compiled: CompiledPlan = await loadPlanFile(file);
  out(`rlflow train ${file}: plan '${compiled.graph.getAttribute('name')}' (${compiled.graph.order} nodes), backend ${backend}, seed ${seed}`);
  const plan = await optimizeForCli(compiled, values, out, backend);
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
