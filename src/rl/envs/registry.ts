/**
 * The environment registry: ids → factories, like Gymnasium's `gym.register`/`gym.make`. The five
 * classic-control environments are registered when this module loads; users add their own with
 * `registerEnv`. `makeEnv` always returns an `InPlaceEnv`: an environment that implements only
 * `reset`/`step` gets the generic adapter, and a registration's `maxEpisodeSteps` adds a `TimeLimit`.
 *
 * The registry is per process. With the `farm` backend every rollout worker is its own process, so an
 * environment registered in the driver's script is unknown there unless the worker imports the module
 * that registers it: `registerEnv(id, factory, { module: import.meta.url })` returns an `EnvRef`
 * (plain data) that carries that module, and `loadEnv(ref)` imports it before making the env.
 */
import { didYouMean } from '../../ir/did-you-mean.js';
import { importModule } from '../../user-modules/index.js';
import { AcrobotEnv } from './acrobot.js';
import { CartPoleEnv } from './cartpole.js';
import { TimeLimit, asInPlaceEnv } from './in-place.js';
import { MountainCarContinuousEnv, MountainCarEnv } from './mountain-car.js';
import { PendulumEnv } from './pendulum.js';
import type { EnvFactory, InPlaceEnv } from './types.js';

/** What a registration records about an environment (Gymnasium's `EnvSpec`, reduced). */
export interface EnvSpec {
  readonly id: string;
  /** Episode length limit: built-ins apply their own; for others `makeEnv` wraps a `TimeLimit`. */
  readonly maxEpisodeSteps: number | undefined;
  /** The return at which the task counts as solved (Gymnasium's `reward_threshold`), if any. */
  readonly rewardThreshold: number | undefined;
  /** URL of the module that registers the env (so other processes can import it), if given. */
  readonly module: string | undefined;
}

/** Options of `registerEnv`: episode limit, reward threshold, the registering module. */
export interface RegisterEnvOptions {
  /** Truncate episodes after this many steps (Gymnasium's `max_episode_steps`); config `maxEpisodeSteps` overrides it. */
  readonly maxEpisodeSteps?: number;
  readonly rewardThreshold?: number;
  /** `import.meta.url` of the module that calls `registerEnv`, for worker processes (see `loadEnv`). */
  readonly module?: string;
  /** Replace an existing registration of the same id instead of failing. */
  readonly override?: boolean;
}

/** A plain-data reference to a registered env: an id, and the module that registers it when needed. */
export interface EnvRef {
  readonly id: string;
  readonly module?: string;
}

/** `makeEnv` was given an id nobody registered. */
export class UnknownEnvError extends Error {
  override readonly name = 'UnknownEnvError';
  constructor(
    readonly id: string,
    readonly registered: readonly string[],
  ) {
    const guess = didYouMean(id, registered);
    super(`Unknown environment id "${id}"${guess ? ` (did you mean "${guess}"?)` : ''}. Registered ids: ${registered.join(', ')}. Register your own with registerEnv(id, factory).`);
  }
}

interface Entry {
  readonly spec: EnvSpec;
  readonly factory: EnvFactory;
  /** Whether `makeEnv` wraps a TimeLimit (user envs with `maxEpisodeSteps`; built-ins limit themselves). */
  readonly wrapTimeLimit: boolean;
}

const registry = new Map<string, Entry>();

/**
 * Registers an environment under `id`. `factory(config)` returns a fresh `Env`; implementing the
 * fast path (`InPlaceEnv`: `resetInto`/`stepInto`/`reward`/`obsDim`) is optional. Returns an `EnvRef`
 * to pass where an env id is expected (it names `options.module`, so worker processes can load it).
 *
 * @example
 *   export const coinFlip = registerEnv('CoinFlip-v0', (config) => new CoinFlipEnv(config), {
 *     maxEpisodeSteps: 100,
 *     module: import.meta.url,
 *   });
 */
export function registerEnv(id: string, factory: EnvFactory, options: RegisterEnvOptions = {}): EnvRef {
  if (typeof id !== 'string' || id.length === 0) throw new Error('registerEnv(): the id must be a non-empty string');
  if (typeof factory !== 'function') throw new Error(`registerEnv("${id}"): the factory must be a function (config) => Env`);
  const existing = registry.get(id);
  if (existing && existing.factory !== factory && options.override !== true) {
    throw new Error(`registerEnv(): "${id}" is already registered; pick another id or pass { override: true }`);
  }
  const steps = options.maxEpisodeSteps;
  if (steps !== undefined && !(Number.isInteger(steps) && steps > 0)) {
    throw new Error(`registerEnv("${id}"): maxEpisodeSteps must be a positive integer, got ${steps}`);
  }
  const spec: EnvSpec = { id, maxEpisodeSteps: steps, rewardThreshold: options.rewardThreshold, module: options.module };
  registry.set(id, { spec, factory, wrapTimeLimit: steps !== undefined });
  return options.module === undefined ? { id } : { id, module: options.module };
}

/** Removes a registration; returns whether there was one. */
export function unregisterEnv(id: string): boolean {
  return registry.delete(id);
}

/** The registered ids, sorted. */
export function listEnvs(): string[] {
  return [...registry.keys()].sort();
}

/** The registration record of `id`; throws `UnknownEnvError` when there is none. */
export function envSpec(id: string): EnvSpec {
  return entry(id).spec;
}

function entry(id: string): Entry {
  const found = registry.get(id);
  if (!found) throw new UnknownEnvError(id, listEnvs());
  return found;
}

/**
 * A fresh environment of a registered id (Gymnasium's `gym.make`). `config` is plain data passed to
 * the factory (built-ins validate it and name unknown keys). Always an `InPlaceEnv`.
 */
export function makeEnv(id: string, config: Readonly<Record<string, unknown>> = {}): InPlaceEnv {
  const { factory, spec, wrapTimeLimit } = entry(id);
  const env = asInPlaceEnv(factory(config));
  if (!wrapTimeLimit) return env;
  const override = config.maxEpisodeSteps;
  return new TimeLimit(env, typeof override === 'number' ? override : (spec.maxEpisodeSteps as number));
}

/**
 * `makeEnv` for an id or an `EnvRef`; when the id is not registered in this process and the ref names a
 * module, imports that module first (it registers the env as it loads). Use this in worker processes.
 */
export async function loadEnv(ref: string | EnvRef, config: Readonly<Record<string, unknown>> = {}): Promise<InPlaceEnv> {
  const { id, module } = typeof ref === 'string' ? { id: ref, module: undefined } : ref;
  // A `.ts` env module loads through tsx when it is installed (runtime/user-modules.ts), also in workers.
  if (!registry.has(id) && module !== undefined) await importModule(module);
  return makeEnv(id, config);
}

// Built-ins, with Gymnasium's registration values (gymnasium/envs/__init__.py). Their time limits are
// part of the env classes (config `maxEpisodeSteps`), so no TimeLimit wrapper.
function registerBuiltin(id: string, factory: EnvFactory, maxEpisodeSteps: number, rewardThreshold: number | undefined): void {
  registry.set(id, { spec: { id, maxEpisodeSteps, rewardThreshold, module: undefined }, factory, wrapTimeLimit: false });
}
registerBuiltin('CartPole-v1', (config) => new CartPoleEnv(config), 500, 475);
registerBuiltin('Pendulum-v1', (config) => new PendulumEnv(config), 200, undefined);
registerBuiltin('MountainCar-v0', (config) => new MountainCarEnv(config), 200, -110);
registerBuiltin('MountainCarContinuous-v0', (config) => new MountainCarContinuousEnv(config), 999, 90);
registerBuiltin('Acrobot-v1', (config) => new AcrobotEnv(config), 500, -100);
