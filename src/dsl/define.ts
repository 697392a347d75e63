/**
 * Definitions that a plan refers to: actor-side stages, actor classes, actor groups and queues.
 *
 * Functions cannot be serialized in JavaScript, so code that runs on actors is *defined* in a module and
 * *exported*; a worker process loads it by `{ module, name }`. `actorStage(import.meta.url, fn)` and
 * `actorClass(import.meta.url, Class)` record the module; the compiler finds the export name by
 * importing the module and looking for the definition among its exports (or uses the name given).
 */
import { PlanError } from '../ir/errors.js';
import { normalizeType } from '../ir/type-expr.js';
import { DEFINITION, type ActorClassDef, type ActorContext, type StageDef } from '../ir/contract.js';
import type { ActorResources, Device, ResyncSpec, SourceLocation, VectorizableWork } from '../ir/types.js';
import { captureSource } from './source-location.js';

/** Options of `actorStage` and `actorStageFactory`: the export name and the element types for the verifier. */
export interface StageOptions {
  /** Export name, if it differs from what the compiler would find (rarely needed). */
  readonly name?: string;
  /** Element type the stage accepts, for the IR verifier (default `unknown`). */
  readonly in?: string;
  /** Element type the stage produces, for the IR verifier (default `unknown`). */
  readonly out?: string;
}

function checkModule(module: unknown, what: string, source: SourceLocation | undefined): string {
  if (typeof module !== 'string' || !(module.startsWith('file:') || module.startsWith('/'))) {
    throw new PlanError(`${what} needs the defining module's URL as first argument, got ${JSON.stringify(module)}`, {
      source,
      hint: `pass import.meta.url: ${what}(import.meta.url, ...)`,
    });
  }
  return module.startsWith('/') ? `file://${module}` : module;
}

function types(options: StageOptions, source: SourceLocation | undefined): StageDef['types'] {
  try {
    return {
      ...(options.in ? { in: normalizeType(options.in) } : {}),
      ...(options.out ? { out: normalizeType(options.out) } : {}),
    };
  } catch (e) {
    throw new PlanError((e as Error).message, { source });
  }
}

/** A stage definition bound to its plain-data arguments, ready to be used in a plan. */
export interface BoundStage<F> {
  readonly def: StageDef<F, never[]>;
  readonly args: readonly unknown[];
}

/** A stage definition whose function takes no arguments can be used directly. */
export type StageUse<F> = StageDef<F, []> | BoundStage<F>;

export interface FactoryStage<F, A extends unknown[]> extends StageDef<F, A> {
  /** Binds plain-data arguments; the factory runs on each actor with them. */
  with(...args: A): BoundStage<F>;
}

/**
 * Defines an actor-side stage from a function. Export the result so workers can load it:
 *
 * ```ts
 * export const double = actorStage(import.meta.url, (x: number) => x * 2, { in: 'number', out: 'number' });
 * plan = fromActors(group).forEach(double)
 * ```
 * @typeParam F - The stage function's type; it fixes the element types the stage accepts and yields.
 */
export function actorStage<F extends (...args: never[]) => unknown>(module: string, fn: F, options: StageOptions = {}): StageDef<F, []> {
  const source = captureSource();
  if (typeof fn !== 'function') throw new PlanError('actorStage needs a function', { source });
  return Object.freeze({
    [DEFINITION]: 'stage' as const,
    module: checkModule(module, 'actorStage', source),
    exportName: options.name,
    displayName: fn.name || options.name || 'stage',
    make: () => fn,
    types: types(options, source),
    source,
  });
}

/**
 * Defines a parameterized actor-side stage: `make(...args)` runs once per shard on the actor and
 * returns the per-item function, so it may keep state (a running sum, a buffer).
 *
 * ```ts
 * export const scale = actorStageFactory(import.meta.url, (k: number) => (x: number) => x * k);
 * plan = fromActors(group).forEach(scale.with(3))
 * ```
 * @typeParam F - The type of the function the factory builds (the per-shard stage function).
 */
export function actorStageFactory<A extends unknown[], F extends (...args: never[]) => unknown>(
  module: string,
  make: (...args: A) => F,
  options: StageOptions = {},
): FactoryStage<F, A> {
  const source = captureSource();
  if (typeof make !== 'function') throw new PlanError('actorStageFactory needs a function', { source });
  const def = {
    [DEFINITION]: 'stage' as const,
    module: checkModule(module, 'actorStageFactory', source),
    exportName: options.name,
    displayName: make.name || options.name || 'stage',
    make,
    types: types(options, source),
    source,
    with(...args: A): BoundStage<F> {
      return { def: def as unknown as StageDef<F, never[]>, args: structuredCloneChecked(args, def.displayName, captureSource()) };
    },
  };
  return Object.freeze(def);
}

/** Arguments go to worker processes, so they must survive structured cloning. */
function structuredCloneChecked(args: readonly unknown[], stage: string, source: SourceLocation | undefined): unknown[] {
  try {
    return structuredClone([...args]);
  } catch (e) {
    throw new PlanError(`arguments of stage '${stage}' are not plain data: ${(e as Error).message}`, {
      source,
      hint: 'stage arguments are sent to worker processes; pass numbers, strings, arrays, objects or typed arrays',
    });
  }
}

/** An actor class usable by a group: it yields items through `items()` (optional for pure RPC actors). */
export type ActorInstance = object;

/** The instance type of an actor class definition: `ActorOf<typeof Sampler>`. */
export type ActorOf<D> = D extends ActorClassDef<infer I, infer _A> ? I : never;

/** The element type of an actor's `items()` stream. */
export type ItemOf<I> = I extends {
  /** The actor's item stream. */
  items(): Iterable<infer T> | AsyncIterable<infer T>;
}
  ? T
  : never;

/**
 * Defines an actor class. Its constructor receives an `ActorContext` first, then the group's `args`.
 * Export the result so workers can load it.
 *
 * ```ts
 * export const Counter = actorClass(import.meta.url, class Counter {
 *   constructor(readonly ctx: ActorContext, readonly start: number) {}
 *   *items() { for (let i = this.start; ; i++) yield i; }
 * }, { items: 'number' });
 * ```
 */
export function actorClass<I extends ActorInstance, A extends unknown[]>(
  module: string,
  ctor: new (ctx: ActorContext, ...args: A) => I,
  options: { readonly name?: string; readonly items?: string } = {},
): ActorClassDef<I, A> {
  const source = captureSource();
  if (typeof ctor !== 'function') throw new PlanError('actorClass needs a class', { source });
  let itemType = 'unknown';
  try {
    if (options.items) itemType = normalizeType(options.items);
  } catch (e) {
    throw new PlanError((e as Error).message, { source });
  }
  return Object.freeze({
    [DEFINITION]: 'actor' as const,
    module: checkModule(module, 'actorClass', source),
    exportName: options.name,
    displayName: ctor.name || options.name || 'Actor',
    ctor,
    itemType,
    source,
  });
}

/** A group of actors of one class, created by the runtime when the plan starts. */
export interface ActorGroup<I = unknown, A extends unknown[] = never[]> {
  readonly kind: 'actor-group';
  readonly name: string;
  readonly actorClass: ActorClassDef<I, A>;
  readonly count: number;
  readonly args: readonly unknown[];
  readonly resources: ActorResources;
  readonly prefers: Device | undefined;
  readonly vectorizable: VectorizableWork | undefined;
  readonly resync: ResyncSpec | undefined;
  readonly source: SourceLocation | undefined;
}

/** Options of `actors`: how many actors, their constructor arguments, name, resources and placement hints. */
export interface ActorGroupOptions<A extends unknown[]> {
  /** Number of actors (default 1). */
  readonly count?: number;
  /** Constructor arguments after the context (plain data, sent to every actor). */
  readonly args?: A;
  /** Group name, unique in the plan (default: the class name). */
  readonly name?: string;
  /**
   * Resources per actor (default `{ cpus: 1, gpus: 0 }`). `gpus > 0` demands a GPU: the `place` pass
   * falls back to the CPU (and says why) when none is usable, or fails with `strict: true`.
   */
  readonly resources?: Partial<ActorResources>;
  /** The device the group would rather use (learners: `'gpu'`); placed there only when one is usable. */
  readonly prefers?: Device;
  /**
   * Per-item work the actor can do for many items in one call (e.g. policy inference over env copies):
   * the `batch` pass picks the rows per call from the cost model (`batch` here fixes it yourself).
   */
  readonly vectorizable?: VectorizableWork;
  /**
   * Makes the group's actors restartable after a crash (`run(plan, { faults: { maxActorRestarts } })`):
   * how a recreated actor gets its state back, e.g. `{ get: 'getState', set: 'setState', from: ['learner'] }`.
   */
  readonly resync?: ResyncSpec;
}

/** Validates an actor group's `resync` option (plain data naming methods and groups). */
function checkResync(resync: ResyncSpec | undefined, source: SourceLocation | undefined): ResyncSpec | undefined {
  if (resync === undefined) return undefined;
  if ('stateless' in resync) {
    if (resync.stateless !== true) throw new PlanError('resync.stateless must be true (or leave resync out)', { source });
    return { stateless: true };
  }
  const { get, set, from, snapshot } = resync as { get?: unknown; set?: unknown; from?: unknown; snapshot?: unknown };
  if (typeof get !== 'string' || typeof set !== 'string' || !get || !set) {
    throw new PlanError(`resync needs the names of a 'get' and a 'set' method, got ${JSON.stringify(resync)}`, { source, hint: "e.g. { get: 'getState', set: 'setState', from: ['learner'] }" });
  }
  if (from !== undefined && (!Array.isArray(from) || from.some((g) => typeof g !== 'string'))) throw new PlanError('resync.from must list actor group names', { source });
  if (snapshot !== undefined && snapshot !== true) throw new PlanError('resync.snapshot must be true (or leave it out)', { source });
  return { get, set, ...(from ? { from: [...(from as string[])] } : {}), ...(snapshot ? { snapshot: true as const } : {}) };
}

/** Declares a group of `count` actors of a class. */
export function actors<I, A extends unknown[]>(actorClassDef: ActorClassDef<I, A>, options: ActorGroupOptions<A> = {}): ActorGroup<I, A> {
  const source = captureSource();
  if (!actorClassDef || (actorClassDef as unknown as Record<symbol, unknown>)[DEFINITION] !== 'actor') {
    throw new PlanError('actors() needs a class defined with actorClass(import.meta.url, Class)', { source });
  }
  const count = options.count ?? 1;
  if (!Number.isInteger(count) || count < 1) throw new PlanError(`actor count must be a positive integer, got ${count}`, { source });
  const resources: ActorResources = {
    cpus: options.resources?.cpus ?? 1,
    gpus: options.resources?.gpus ?? 0,
    ...(options.resources?.strict ? { strict: true } : {}),
  };
  for (const k of ['cpus', 'gpus'] as const) {
    const v = resources[k];
    if (typeof v !== 'number' || !(v >= 0)) throw new PlanError(`resources.${k} must be a number >= 0, got ${v}`, { source });
  }
  if (options.prefers !== undefined && options.prefers !== 'cpu' && options.prefers !== 'gpu') {
    throw new PlanError(`prefers must be 'cpu' or 'gpu', got ${String(options.prefers)}`, { source });
  }
  const work = options.vectorizable;
  if (work !== undefined) {
    if (!Number.isInteger(work.items) || work.items < 1) throw new PlanError(`vectorizable.items must be a positive integer, got ${work.items}`, { source });
    if (work.batch !== undefined && (!Number.isInteger(work.batch) || work.batch < 1)) {
      throw new PlanError(`vectorizable.batch must be a positive integer, got ${work.batch}`, { source });
    }
  }
  const name = options.name ?? actorClassDef.displayName;
  if (!/^[\w.-]+$/.test(name)) throw new PlanError(`actor group name '${name}' may only use letters, digits, '_', '.', '-'`, { source });
  return Object.freeze({
    kind: 'actor-group' as const,
    name,
    actorClass: actorClassDef,
    count,
    args: structuredCloneChecked(options.args ?? [], `${name} constructor`, source),
    resources,
    prefers: options.prefers,
    vectorizable: work ? { ...work } : undefined,
    resync: checkResync(options.resync, source),
    source,
  });
}

/** A bounded FIFO queue between an `enqueue` and a `dequeue`. */
export interface Queue<T> {
  readonly kind: 'queue';
  readonly name: string;
  readonly capacity: number;
  readonly itemType: string;
  readonly source: SourceLocation | undefined;
  /** Phantom field carrying the element type. */
  readonly __type?: T;
}

/** Declares a bounded queue. `enqueue` applies back-pressure when it is full. */
export function queue<T>(name: string, options: { readonly capacity: number; readonly type?: string }): Queue<T> {
  const source = captureSource();
  if (!/^[\w.-]+$/.test(name)) throw new PlanError(`queue name '${name}' may only use letters, digits, '_', '.', '-'`, { source });
  if (!Number.isInteger(options?.capacity) || options.capacity < 1) {
    throw new PlanError(`queue '${name}' needs a positive integer capacity, got ${options?.capacity}`, { source });
  }
  let itemType = 'unknown';
  try {
    if (options.type) itemType = normalizeType(options.type);
  } catch (e) {
    throw new PlanError((e as Error).message, { source });
  }
  return Object.freeze({ kind: 'queue' as const, name, capacity: options.capacity, itemType, source });
}
