/**
 * The actor side of the runtime: one `ActorHost` wraps one actor instance, in a worker process (farm
 * backend) or in the driver's process (local backend). It runs calls one at a time in arrival order
 * (a mailbox, as an actor should), and hosts *shard programs*: chains of element stages installed by the
 * driver and run over the actor's `items()` stream (`$pull`) or over items the driver sends (`$apply`).
 * Methods whose names start with `$` are the runtime's; all others are the actor's own.
 */
import { K } from '../ir/kinds.js';
import { formatActor, type ActorContext, type ActorRef, type Clock } from '../ir/contract.js';
import type { Device, StageRef } from '../ir/types.js';
import { buildStageFunction, loadActorClass } from './loader.js';
import { createRng } from '../rng/index.js';
import { createProcessor, finishThrough, pushThrough, type Processor } from './stage-processor.js';

/** Everything needed to (re)create one actor: plain data, sent to the worker. */
export interface ActorSpec {
  readonly group: string;
  readonly index: number;
  readonly seed: number;
  /** The runtime's root seed (shared by all actors). */
  readonly rootSeed: number;
  readonly actorClass: StageRef;
  readonly args: readonly unknown[];
  /** Device the `place` pass chose for the group (default `cpu`). */
  readonly device?: Device;
  /** Rows per vectorized call chosen for the group (see `ActorContext.vectorBatch`). */
  readonly vectorBatch?: number;
}

/**
 * One step of a shard program: the source (`items()`), or an element stage. `at` is the id of the IR
 * node the step came from, when several nodes share one segment (a fused node): a failure names it.
 */
export type ProgramOp =
  | { readonly kind: 'source' }
  | { readonly kind: string; readonly stage?: { readonly ref: StageRef; readonly args: readonly unknown[] }; readonly params: Readonly<Record<string, unknown>>; readonly at?: string };

/** Property set on an error thrown by a labelled program step: the id of the member node that threw. */
export const FAILED_AT = 'rlflowAt';

export interface PullReply {
  readonly items: unknown[];
  readonly done: boolean;
}

/** When an actor received, started and finished a call, in epoch ms of its process (see `epochMs`). */
export interface CallTiming {
  readonly receivedAt: number;
  readonly startedAt: number;
  readonly endedAt: number;
}

/** A call's result with its timing (for run traces). */
export interface TimedReply {
  readonly value: unknown;
  readonly timing: CallTiming;
}

/** Wall-clock epoch ms with sub-ms precision: comparable between the driver's and the workers' processes on one machine. */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

interface Program {
  readonly source: AsyncIterator<unknown> | undefined;
  readonly processors: Processor[];
  sourceDone: boolean;
  flushed: boolean;
}

/**
 * Most items one batched reply (`gatherAsync({ batchMs })`) carries. NOTE: bounds reply size, and on the
 * virtual clock, where a source that never waits makes no time pass, it is what closes the window.
 */
export const MAX_REPLY_ITEMS = 1024;

/** Source items one pull may consume without producing output before it replies empty. */
export const MAX_EMPTY_PULL = 16;

/** Marks every error a processor throws with the member node it belongs to. */
function labelFailures(p: Processor, at: string): Processor {
  const mark = (e: unknown): never => {
    if (e !== null && typeof e === 'object') (e as Record<string, unknown>)[FAILED_AT] ??= at;
    throw e;
  };
  return {
    push: (item) => p.push(item).catch(mark),
    finish: () => p.finish().catch(mark),
    get finished() {
      return p.finished;
    },
  };
}

export class ActorHost {
  private instance: Record<string, unknown> | undefined;
  private context: ActorContext | undefined;
  private mailbox: Promise<unknown> = Promise.resolve();
  private readonly programs = new Map<string, Program>();
  readonly ref: ActorRef;

  constructor(
    readonly spec: ActorSpec,
    private readonly clock: Clock,
  ) {
    this.ref = { group: spec.group, index: spec.index };
  }

  /** Loads the actor class and constructs the instance. */
  async start(): Promise<void> {
    const def = await loadActorClass(this.spec.actorClass);
    const random = createRng(this.spec.seed);
    const clock = this.clock;
    const ctx: ActorContext = {
      group: this.spec.group,
      index: this.spec.index,
      ref: this.ref,
      seed: this.spec.seed,
      rootSeed: this.spec.rootSeed,
      device: this.spec.device ?? 'cpu',
      vectorBatch: this.spec.vectorBatch,
      random,
      now: () => clock.now(),
      delay: (ms) => clock.delay(ms),
    };
    this.context = ctx;
    this.instance = new (def.ctor as new (ctx: ActorContext, ...args: unknown[]) => Record<string, unknown>)(ctx, ...this.spec.args);
  }

  /** Runs a call after every earlier call has finished (the actor's mailbox). */
  handle(method: string, args: readonly unknown[]): Promise<unknown> {
    return this.enqueue(() => this.dispatch(method, args));
  }

  /** As `handle`, also reporting when the call arrived, started and ended (for run traces). */
  handleTimed(method: string, args: readonly unknown[]): Promise<TimedReply> {
    const receivedAt = epochMs();
    return this.enqueue(async () => {
      const startedAt = epochMs();
      const value = await this.dispatch(method, args);
      return { value, timing: { receivedAt, startedAt, endedAt: epochMs() } };
    });
  }

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.mailbox.then(fn);
    this.mailbox = run.catch(() => undefined);
    return run;
  }

  private async dispatch(method: string, args: readonly unknown[]): Promise<unknown> {
    switch (method) {
      case '$install':
        return this.install(args[0] as string, args[1] as ProgramOp[]);
      case '$pull':
        return this.pull(args[0] as string, args[1] as number);
      case '$apply':
        return this.apply(args[0] as string, args[1] as unknown[], args[2] as boolean);
      case '$ping':
        return 'pong';
      default: {
        const instance = this.instance;
        if (!instance) throw new Error(`actor ${formatActor(this.ref)} is not started`);
        const fn = instance[method];
        if (method.startsWith('$') || typeof fn !== 'function') {
          throw new TypeError(`actor ${formatActor(this.ref)} (${this.spec.actorClass.name}) has no method '${method}'`);
        }
        return (fn as (...a: unknown[]) => unknown).apply(instance, args as unknown[]);
      }
    }
  }

  private async install(id: string, ops: readonly ProgramOp[]): Promise<void> {
    const instance = this.instance!;
    const clock = this.clock;
    const stageCtx = {
      actor: instance,
      actorContext: this.context!,
      now: () => clock.now(),
      delay: (ms: number) => clock.delay(ms),
    };
    const processors: Processor[] = [];
    let source: AsyncIterator<unknown> | undefined;
    for (const op of ops) {
      if (op.kind === 'source') {
        const items = instance['items'];
        if (typeof items !== 'function') throw new TypeError(`actor class ${this.spec.actorClass.name} has no items() method, so it cannot be a stream source`);
        const it = (items as () => unknown).call(instance) as AsyncIterable<unknown> | Iterable<unknown>;
        if (it && Symbol.asyncIterator in Object(it)) source = (it as AsyncIterable<unknown>)[Symbol.asyncIterator]();
        else if (it && Symbol.iterator in Object(it)) source = toAsync((it as Iterable<unknown>)[Symbol.iterator]());
        else throw new TypeError(`items() of ${this.spec.actorClass.name} must return an (async) iterable`);
        continue;
      }
      const stageOp = op as Exclude<ProgramOp, { kind: 'source' }>;
      const fn = stageOp.stage ? await buildStageFunction(stageOp.stage.ref, stageOp.stage.args) : undefined;
      const processor = createProcessor(stageOp.kind, stageOp.params, fn, stageCtx, false);
      processors.push(stageOp.at === undefined ? processor : labelFailures(processor, stageOp.at));
    }
    this.programs.set(id, { source, processors, sourceDone: false, flushed: false });
  }

  private program(id: string): Program {
    const p = this.programs.get(id);
    if (!p) throw new Error(`no program '${id}' installed on actor ${formatActor(this.ref)}`);
    return p;
  }

  /**
   * Pulls source items through the program until it yields output (and `batchMs` has passed). A pull
   * that consumed `MAX_EMPTY_PULL` source items without output (a fused filter rejecting them) replies
   * empty, so the mailbox is not held: calls queued behind it (weights, metrics) get their turn.
   */
  private async pull(id: string, batchMs: number): Promise<PullReply> {
    const p = this.program(id);
    if (!p.source) throw new Error(`program '${id}' has no source`);
    const start = this.clock.now();
    const items: unknown[] = [];
    let consumed = 0;
    for (;;) {
      if (items.length === 0 && consumed >= MAX_EMPTY_PULL) return { items, done: false };
      if (p.sourceDone) {
        if (!p.flushed) {
          p.flushed = true;
          items.push(...(await finishThrough(p.processors)));
        }
        return { items, done: true };
      }
      if (p.processors.some((x) => x.finished)) {
        p.sourceDone = true;
        continue;
      }
      const r = await p.source.next();
      if (r.done) {
        p.sourceDone = true;
        continue;
      }
      consumed++;
      items.push(...(await pushThrough(p.processors, [r.value])));
      if (items.length > 0 && (batchMs <= 0 || this.clock.now() - start >= batchMs || items.length >= MAX_REPLY_ITEMS)) return { items, done: false };
    }
  }

  /**
   * Pushes items through a source-less program; with `finish`, also flushes it. A stage that finished
   * early (a transform generator that returned) flushes it too and reports `done`, so the driver ends
   * the shard instead of pulling the source forever for a segment that will produce nothing more.
   */
  private async apply(id: string, items: unknown[], finish: boolean): Promise<PullReply> {
    const p = this.program(id);
    if (p.flushed) return { items: [], done: true };
    const out = await pushThrough(p.processors, items);
    if (!finish && !p.processors.some((x) => x.finished)) return { items: out, done: false };
    p.flushed = true;
    return { items: [...out, ...(await finishThrough(p.processors))], done: true };
  }
}

async function* toAsyncGen<T>(it: Iterator<T>): AsyncGenerator<T> {
  for (;;) {
    const r = it.next();
    if (r.done) return;
    yield r.value;
  }
}

function toAsync<T>(it: Iterator<T>): AsyncIterator<T> {
  return toAsyncGen(it);
}

/** Element kinds a shard program can run. */
export const PROGRAM_KINDS = new Set([K.forEach.kind, K.filter.kind, K.batch.kind, K.flatten.kind, K.combine.kind, K.transform.kind]);
