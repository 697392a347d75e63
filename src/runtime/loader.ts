/**
 * Loads stage definitions and actor classes by `{ module, name }`, as a worker process does. Used by the
 * actor host (in workers and in the local backend) and by the driver for driver-side stage references.
 */
import { StageLoadError } from '../ir/errors.js';
import { isActorClassDef, isStageDef, type ActorClassDef, type StageDef } from '../ir/contract.js';
import type { StageRef } from '../ir/types.js';
import { importModule } from '../user-modules/index.js';

const modules = new Map<string, Promise<Record<string, unknown>>>();

async function loadExport(ref: StageRef): Promise<unknown> {
  let mod = modules.get(ref.module);
  if (!mod) {
    mod = importModule(ref.module);
    modules.set(ref.module, mod);
  }
  let ns: Record<string, unknown>;
  try {
    ns = await mod;
  } catch (e) {
    modules.delete(ref.module);
    throw new StageLoadError(`cannot import ${ref.module} to load '${ref.name}': ${(e as Error).message}`, { cause: e });
  }
  if (!(ref.name in ns)) throw new StageLoadError(`${ref.module} has no export '${ref.name}'`);
  return ns[ref.name];
}

export async function loadStage(ref: StageRef): Promise<StageDef> {
  const value = await loadExport(ref);
  if (!isStageDef(value)) throw new StageLoadError(`export '${ref.name}' of ${ref.module} is not a stage defined with actorStage()`);
  return value;
}

export async function loadActorClass(ref: StageRef): Promise<ActorClassDef> {
  const value = await loadExport(ref);
  if (!isActorClassDef(value)) throw new StageLoadError(`export '${ref.name}' of ${ref.module} is not an actor class defined with actorClass()`);
  return value;
}

/** Builds a stage's per-shard function from its definition and plain-data arguments. */
export async function buildStageFunction(ref: StageRef, args: readonly unknown[]): Promise<(...args: never[]) => unknown> {
  const def = await loadStage(ref);
  const fn = (def.make as (...a: unknown[]) => unknown)(...args);
  if (typeof fn !== 'function') throw new StageLoadError(`stage '${ref.name}' built from its factory is not a function`);
  return fn as (...args: never[]) => unknown;
}
