/**
 * The trainer: one training run of an algorithm, between the algorithms and the CLI. It resolves the
 * config (config.ts), compiles the algorithm's plan and optimizes it exactly as `rlflow train` does
 * (the default pass pipeline, this machine's inventory for the backend and `rlflow calibrate`'s cost
 * model), runs it iteration by iteration with the stop rules, and saves and restores checkpoints.
 * `rlflow train` is argument handling and printing on top of this class.
 */
import type { Algorithm } from '../algorithms/index.js';
import { faultOptions } from '../algorithms/common.js';
import { targetReward } from '../algorithms/tuned.js';
import { compile, type CompiledPlan } from '../dsl/compile.js';
import type { PlanGraph } from '../ir/graph.js';
import { PlanError } from '../ir/errors.js';
import { loadCostModel, optimize, type OptimizeOptions, type OptimizeReport } from '../optimizer/index.js';
import { inventoryForBackend } from '../optimizer/inventory.js';
import { checkEnv } from '../rl/envs/check-env.js';
import { UnknownEnvError, loadEnv, makeEnv } from '../rl/envs/registry.js';
import { checkMultiAgentEnv } from '../rl/envs/check-multi-agent.js';
import { loadMultiAgentEnv } from '../rl/envs/multi-agent-registry.js';
import type { ResultDict } from '../rl/ops/metrics.js';
import { localReplayState, restoreLocalReplay } from '../rl/ops/replay.js';
import type { ReplayBuffersState } from '../rl/replay/replay-buffers.js';
import type { ActorBackend } from '../runtime/backend.js';
import { run, type Runtime } from '../runtime/runtime.js';
import type { TraceRecorder } from '../runtime/trace.js';
import { CHECKPOINT_FORMAT, CHECKPOINT_VERSION, type Checkpoint } from './checkpoint.js';
import { resolveTrainConfig, type ResolvedTrainConfig, type TrainConfigInput } from './config.js';

/** How a trainer runs: the config input plus where and how. */
export interface TrainerOptions extends TrainConfigInput {
  /** `local` (in-process, deterministic) or `farm` (worker processes; default). */
  readonly backend?: 'local' | 'farm';
  /** Root seed (default 0). */
  readonly seed?: number;
  /**
   * How to optimize the compiled plan: options for `optimize()` (default: the pipeline `rlflow train`
   * runs, with this machine's inventory for the backend and the calibrated cost model), `false` to run
   * it as compiled, or a function that returns the graph to run (the CLI's, which also prints).
   */
  readonly optimize?: OptimizeOptions | false | ((plan: CompiledPlan) => Promise<PlanGraph | { readonly plan: PlanGraph; readonly backend: 'local' | 'farm' | ActorBackend }>);
  /** Records a run trace (`rlflow train --trace`). */
  readonly trace?: TraceRecorder;
  /**
   * Run `checkEnv` on the config's env in this process before compiling or starting any actor
   * (default true): an unknown id or a broken env fails here, not in a worker.
   */
  readonly checkEnv?: boolean;
  /** Include replay buffer contents in checkpoints (algorithms with replay; default: the config's `storeBufferInCheckpoints`, else false). */
  readonly checkpointReplay?: boolean;
}

/** The options `rlflow train` optimizes with on `backend` (and so does the trainer by default). */
export function defaultOptimizeOptions(backend: 'local' | 'farm'): OptimizeOptions {
  return { inventory: inventoryForBackend(backend), costs: loadCostModel() };
}

/**
 * Checks the run's env on the driver (`checkEnv`, or `checkMultiAgentEnv` for a multi-agent
 * algorithm's config, the one with a policy map): imports its `envModule` first, so a user's env
 * registers here as it will in the workers. An unknown id is a `PlanError` with a "did you mean".
 */
export async function checkRunEnv(config: Readonly<Record<string, unknown>>): Promise<void> {
  const env = config['env'] as string;
  const envConfig = (config['envConfig'] as Record<string, unknown> | undefined) ?? {};
  const module = config['envModule'] as string | undefined;
  const ref = module !== undefined ? { id: env, module } : env;
  // Multi-agent algorithms (multiAgentConfig) always carry a policy map; single-agent ones never do.
  const multiAgent = 'policies' in config && 'policyMapping' in config;
  try {
    if (multiAgent) checkMultiAgentEnv(await loadMultiAgentEnv(ref, envConfig));
    else await loadEnv(ref, envConfig);
  } catch (e) {
    if (e instanceof UnknownEnvError) throw new PlanError(e.message, { hint: `set envModule to the module that registers it (its import.meta.url) for your own ${multiAgent ? 'multi-agent ' : ''}envs`, cause: e });
    throw e;
  }
  if (!multiAgent) checkEnv(() => makeEnv(env, envConfig));
}

/**
 * One training run.
 *
 * @example
 *   const trainer = await Trainer.create({ algorithm: 'ppo', env: 'CartPole-v1', backend: 'local', stop: { iterations: 5 } });
 *   try {
 *     for (let r = await trainer.train(); r; r = await trainer.train()) {
 *       console.log(r.training_iteration, r.episode_reward_mean);
 *       if (trainer.stopReason(r)) break;
 *     }
 *     writeCheckpoint('checkpoint.json', await trainer.save());
 *   } finally {
 *     await trainer.close();
 *   }
 */
export class Trainer {
  private last: ResultDict | undefined;

  private constructor(
    readonly resolved: ResolvedTrainConfig,
    readonly backend: 'local' | 'farm',
    readonly seed: number,
    /** The plan as compiled. */
    readonly compiled: CompiledPlan<ResultDict>,
    /** What the optimizer did (undefined when it did not run or a custom function optimized). */
    readonly report: OptimizeReport | undefined,
    readonly runtime: Runtime<ResultDict>,
    private readonly checkpointReplay: boolean,
  ) {}

  /** Resolves the config, compiles and optimizes the plan, and starts its actors. */
  static async create(options: TrainerOptions): Promise<Trainer> {
    const resolved = resolveTrainConfig(options);
    const backend = options.backend ?? 'farm';
    const seed = options.seed ?? 0;
    const algorithm = resolved.algorithm as Algorithm<unknown>;
    if (options.checkEnv !== false) await checkRunEnv(resolved.config);
    const compiled = await compile(algorithm.plan(resolved.config), { name: `${algorithm.name}-${resolved.env}` });
    let graph: PlanGraph = compiled.graph;
    let report: OptimizeReport | undefined;
    let runOn: 'local' | 'farm' | ActorBackend = backend;
    if (typeof options.optimize === 'function') {
      // A hook may also pick the backend object to run on (the CLI's nats cluster).
      const made = await options.optimize(compiled);
      if ('plan' in made && 'backend' in made) {
        graph = made.plan;
        runOn = made.backend;
      } else graph = made as PlanGraph;
    }
    else if (options.optimize !== false) {
      const result = await optimize(compiled, options.optimize ?? defaultOptimizeOptions(backend));
      graph = result.graph;
      report = result.report;
    }
    // Deadlines, heartbeats and restarts come from the config's fault keys (docs/faults.md).
    const runtime = await run<ResultDict>(graph, { backend: runOn, seed, faults: faultOptions(resolved.config as Parameters<typeof faultOptions>[0]), ...(options.trace ? { trace: options.trace } : {}) });
    // Replay contents: asked for by the caller, or by the config (RLlib's store_buffer_in_checkpoints).
    const replayInCheckpoints = options.checkpointReplay ?? (resolved.config as { storeBufferInCheckpoints?: boolean }).storeBufferInCheckpoints === true;
    return new Trainer(resolved, backend, seed, compiled, report, runtime, replayInCheckpoints);
  }

  /** The algorithm's resolved config. */
  get config(): Readonly<Record<string, unknown>> {
    return this.resolved.config;
  }

  /** The latest result, if any iteration ran. */
  get lastResult(): ResultDict | undefined {
    return this.last;
  }

  /** Runs one training iteration; undefined when the plan ended. */
  async train(): Promise<ResultDict | undefined> {
    const r = await this.runtime.next();
    if (r.done) return undefined;
    this.last = r.value;
    return r.value;
  }

  /** Why the run should stop after `result` by the stop rules, or undefined to go on. */
  stopReason(result: ResultDict): string | undefined {
    const { stop } = this.resolved;
    const reward = targetReward(result, stop);
    if (stop.reward !== undefined && reward >= stop.reward) return `reached reward ${reward.toFixed(1)} ≥ ${stop.reward}${stop.policies ? ` (each of ${stop.policies.join(', ')})` : ''}`;
    if (result.timesteps_total >= stop.timesteps) return `reached ${stop.timesteps.toLocaleString('en-US')} steps`;
    if (stop.iterations !== undefined && result.training_iteration >= stop.iterations) return `reached ${stop.iterations} iterations`;
    return undefined;
  }

  /** The actor groups whose state a checkpoint holds, with their sizes. */
  private groups(): Array<{ name: string; count: number }> {
    return Object.values(this.runtime.graph.getAttribute('actorGroups')).map((g) => ({ name: g.name, count: g.count }));
  }

  /**
   * Hands the checkpoint's states of `resync: { snapshot: true }` groups (the learner) to the runtime:
   * a crashed learner is restored from the last checkpoint (docs/faults.md).
   */
  private recordSnapshots(actors: Readonly<Record<string, readonly unknown[]>>): void {
    for (const g of Object.values(this.runtime.graph.getAttribute('actorGroups'))) {
      if (!g.resync || 'stateless' in g.resync || g.resync.snapshot !== true || g.resync.get !== 'getState') continue;
      actors[g.name]?.forEach((state, index) => this.runtime.recordSnapshot({ group: g.name, index }, state));
    }
  }

  /** A checkpoint of the run as it is now (call it between iterations). */
  async save(): Promise<Checkpoint> {
    const actors: Record<string, unknown[]> = {};
    for (const g of this.groups()) {
      actors[g.name] = await Promise.all(
        Array.from({ length: g.count }, (_, index) => this.runtime.backend.call({ group: g.name, index }, 'getState', [{ replay: this.checkpointReplay }])),
      );
    }
    this.recordSnapshots(actors);
    const localReplay = localReplayState(this.runtime, { contents: this.checkpointReplay });
    return {
      format: CHECKPOINT_FORMAT,
      version: CHECKPOINT_VERSION,
      algorithm: this.resolved.algorithm.name,
      env: this.resolved.env,
      seed: this.seed,
      config: this.resolved.config,
      iteration: this.last?.training_iteration ?? 0,
      timesteps: this.last?.timesteps_total ?? 0,
      driver: this.runtime.saveState(),
      actors,
      replay: this.checkpointReplay,
      ...(Object.keys(localReplay).length > 0 ? { localReplay } : {}),
    };
  }

  /** Restores a checkpoint of the same algorithm and actor layout, before the next `train()`. */
  async restore(checkpoint: Checkpoint): Promise<void> {
    if (checkpoint.algorithm !== this.resolved.algorithm.name) {
      throw new PlanError(`cannot restore a ${checkpoint.algorithm} checkpoint into a ${this.resolved.algorithm.name} run`);
    }
    for (const g of this.groups()) {
      const states = checkpoint.actors[g.name];
      if (!states || states.length !== g.count) {
        throw new PlanError(`the checkpoint has ${states?.length ?? 0} state(s) for actor group '${g.name}', the run has ${g.count} actor(s)`, {
          hint: 'resume with the same config (numWorkers) the checkpoint was written with',
        });
      }
      await Promise.all(states.map((state, index) => this.runtime.backend.call({ group: g.name, index }, 'setState', [state])));
    }
    this.runtime.restoreState(checkpoint.driver);
    if (checkpoint.localReplay) restoreLocalReplay(this.runtime, checkpoint.localReplay as Record<string, ReplayBuffersState>);
    this.recordSnapshots(checkpoint.actors);
  }

  /** Stops the actors. Idempotent. */
  async close(): Promise<void> {
    await this.runtime.close();
  }
}
