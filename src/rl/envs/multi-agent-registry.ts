/**
 * The multi-agent environment registry: ids → factories, next to the single-agent one (registry.ts)
 * and used the same way. Built-ins: `MultiAgentCartPole` (4 independent CartPole-v1 copies, RLlib's
 * `make_multi_agent("CartPole")`), `RockPaperScissors-v0` (competitive) and `CoordinationGame-v0`
 * (cooperative). Users add their own with `registerMultiAgentEnv(id, factory, { module: import.meta.url })`,
 * whose `EnvRef` lets worker processes import the registering module (`loadMultiAgentEnv`).
 */
import { CoordinationGameEnv, RockPaperScissorsEnv } from './matrix-games.js';
import { makeMultiAgent, type MultiAgentEnv, type MultiAgentEnvFactory } from './multi-agent.js';
import { UnknownEnvError, type EnvRef } from './registry.js';

/** A registered multi-agent env: its id and the module that registers it. */
export interface MultiAgentEnvSpec {
  readonly id: string;
  /** URL of the module that registers the env (so other processes can import it), if given. */
  readonly module: string | undefined;
}

const registry = new Map<string, { readonly spec: MultiAgentEnvSpec; readonly factory: MultiAgentEnvFactory }>();

/**
 * Registers a multi-agent environment under `id`. Returns an `EnvRef` to pass where an env id is
 * expected (it names `options.module`, so worker processes can load it).
 *
 * @example
 *   export const tag = registerMultiAgentEnv('Tag-v0', (config) => new TagEnv(config), { module: import.meta.url });
 */
export function registerMultiAgentEnv(id: string, factory: MultiAgentEnvFactory, options: { readonly module?: string; readonly override?: boolean } = {}): EnvRef {
  if (typeof id !== 'string' || id.length === 0) throw new Error('registerMultiAgentEnv(): the id must be a non-empty string');
  if (typeof factory !== 'function') throw new Error(`registerMultiAgentEnv("${id}"): the factory must be a function (config) => MultiAgentEnv`);
  const existing = registry.get(id);
  if (existing && existing.factory !== factory && options.override !== true) {
    throw new Error(`registerMultiAgentEnv(): "${id}" is already registered; pick another id or pass { override: true }`);
  }
  registry.set(id, { spec: { id, module: options.module }, factory });
  return options.module === undefined ? { id } : { id, module: options.module };
}

/** Removes a registration; returns whether there was one. */
export function unregisterMultiAgentEnv(id: string): boolean {
  return registry.delete(id);
}

/** The registered multi-agent ids, sorted. */
export function listMultiAgentEnvs(): string[] {
  return [...registry.keys()].sort();
}

/** Whether `id` names a registered multi-agent env (in this process). */
export function isMultiAgentEnvId(id: string): boolean {
  return registry.has(id);
}

/** A fresh multi-agent environment of a registered id; throws `UnknownEnvError` for an unknown one. */
export function makeMultiAgentEnv(id: string, config: Readonly<Record<string, unknown>> = {}): MultiAgentEnv {
  const found = registry.get(id);
  if (!found) throw new UnknownEnvError(id, listMultiAgentEnvs());
  return found.factory(config);
}

/**
 * `makeMultiAgentEnv` for an id or an `EnvRef`; when the id is not registered in this process and the
 * ref names a module, imports that module first. Use this in worker processes.
 */
export async function loadMultiAgentEnv(ref: string | EnvRef, config: Readonly<Record<string, unknown>> = {}): Promise<MultiAgentEnv> {
  const { id, module } = typeof ref === 'string' ? { id: ref, module: undefined } : ref;
  if (!registry.has(id) && module !== undefined) await import(module);
  return makeMultiAgentEnv(id, config);
}

registerMultiAgentEnv('MultiAgentCartPole', makeMultiAgent('CartPole-v1', 4));
registerMultiAgentEnv('RockPaperScissors-v0', (config) => new RockPaperScissorsEnv(config));
registerMultiAgentEnv('CoordinationGame-v0', (config) => new CoordinationGameEnv(config));
