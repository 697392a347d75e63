/**
 * Element stages as push processors: `push(item)` returns the outputs that item produces now, and
 * `finish()` flushes what is left at the end of the stream. The same processors run on actors (inside
 * a shard program) and on the driver (inside an element operator), so a stage means exactly the same
 * thing wherever the optimizer places it.
 *
 * `transform` (a whole-stream generator) is adapted to push style: the generator reads from an inbox,
 * and `push` runs it until it either finishes or waits for input that is not there yet.
 */
import { K } from '../ir/kinds.js';
import { NOT_READY, type NotReady } from '../ir/contract.js';

type AnyFn = (...args: never[]) => unknown;

export interface Processor {
  /** Outputs for one input, or NOT_READY (driver forEach only) to retry the same item later. */
  push(item: unknown): Promise<unknown[] | NotReady>;
  /** Outputs flushed at the end of the input stream. */
  finish(): Promise<unknown[]>;
  /** True once the processor will produce nothing more (a transform generator returned). */
  readonly finished: boolean;
}

function toIterable(value: unknown, what: string): Iterable<unknown> {
  if (value !== null && typeof value === 'object' && Symbol.iterator in value) return value as Iterable<unknown>;
  throw new TypeError(`${what} must return an iterable (an array), got ${value === null ? 'null' : typeof value}`);
}

class FnProcessor implements Processor {
  finished = false;
  constructor(
    private readonly kind: string,
    private readonly fn: AnyFn,
    private readonly ctx: unknown,
    private readonly allowNotReady: boolean,
  ) {}

  async push(item: unknown): Promise<unknown[] | NotReady> {
    const result = await (this.fn as (x: unknown, ctx: unknown) => unknown)(item, this.ctx);
    if (result === NOT_READY) {
      if (this.allowNotReady && this.kind === K.forEach.kind) return NOT_READY;
      throw new TypeError('NOT_READY is only meaningful from a driver-side forEach');
    }
    switch (this.kind) {
      case K.forEach.kind:
        return [result];
      case K.filter.kind:
        return result ? [item] : [];
      default:
        return [...toIterable(result, 'a combine function')];
    }
  }

  async finish(): Promise<unknown[]> {
    return [];
  }
}

class BatchProcessor implements Processor {
  finished = false;
  private buffer: unknown[] = [];
  constructor(private readonly n: number) {}

  async push(item: unknown): Promise<unknown[]> {
    this.buffer.push(item);
    if (this.buffer.length < this.n) return [];
    const full = this.buffer;
    this.buffer = [];
    return [full];
  }

  async finish(): Promise<unknown[]> {
    const rest = this.buffer;
    this.buffer = [];
    return rest.length ? [rest] : [];
  }
}

class FlattenProcessor implements Processor {
  finished = false;
  async push(item: unknown): Promise<unknown[]> {
    return [...toIterable(item, 'flatten input')];
  }
  async finish(): Promise<unknown[]> {
    return [];
  }
}

/** Runs a generator `fn(inputs, ctx)` over pushed items. */
class TransformProcessor implements Processor {
  finished = false;
  private readonly inbox: unknown[] = [];
  private ended = false;
  private feed: (() => void) | undefined;
  private starved!: Promise<void>;
  private markStarved!: () => void;
  private pendingNext: Promise<IteratorResult<unknown>> | undefined;
  private readonly iterator: AsyncIterator<unknown> | Iterator<unknown>;

  constructor(fn: AnyFn, ctx: unknown) {
    this.resetStarved();
    const out = (fn as (items: AsyncIterable<unknown>, ctx: unknown) => unknown)(this.inputs(), ctx);
    if (out && typeof out === 'object' && Symbol.asyncIterator in out) this.iterator = (out as AsyncIterable<unknown>)[Symbol.asyncIterator]();
    else if (out && typeof out === 'object' && Symbol.iterator in out) this.iterator = (out as Iterable<unknown>)[Symbol.iterator]();
    else throw new TypeError('a transform function must return an (async) iterable, e.g. be an async generator');
  }

  /** The generator's input: the inbox, waiting (and saying so) when it is empty. */
  private async *inputs(): AsyncGenerator<unknown> {
    for (;;) {
      if (this.inbox.length) {
        yield this.inbox.shift();
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => {
        this.feed = resolve;
        this.markStarved();
      });
    }
  }

  private resetStarved(): void {
    this.starved = new Promise<void>((resolve) => (this.markStarved = resolve));
  }

  private wake(): void {
    const feed = this.feed;
    this.feed = undefined;
    if (feed) {
      this.resetStarved();
      feed();
    }
  }

  /** Runs the generator until it waits for input (or ends); returns what it yielded meanwhile. */
  private async drain(): Promise<unknown[]> {
    const outs: unknown[] = [];
    while (!this.finished) {
      this.pendingNext ??= Promise.resolve(this.iterator.next());
      const r = await Promise.race([this.pendingNext, this.starved.then(() => null)]);
      if (r === null) return outs;
      this.pendingNext = undefined;
      if (r.done) this.finished = true;
      else outs.push(r.value);
    }
    return outs;
  }

  async push(item: unknown): Promise<unknown[]> {
    if (this.finished) return [];
    this.inbox.push(item);
    this.wake();
    return this.drain();
  }

  async finish(): Promise<unknown[]> {
    if (this.finished) return [];
    this.ended = true;
    this.wake();
    return this.drain();
  }
}

/**
 * A processor for an element node kind. `fn` is the stage's function (already built from its factory
 * and arguments); `ctx` is what the function receives as its second argument.
 */
export function createProcessor(kind: string, params: Readonly<Record<string, unknown>>, fn: AnyFn | undefined, ctx: unknown, allowNotReady: boolean): Processor {
  switch (kind) {
    case K.batch.kind:
      return new BatchProcessor(Number(params['n']));
    case K.flatten.kind:
      return new FlattenProcessor();
    case K.transform.kind:
      return new TransformProcessor(fn!, ctx);
    case K.forEach.kind:
    case K.filter.kind:
    case K.combine.kind:
      return new FnProcessor(kind, fn!, ctx, allowNotReady);
    default:
      throw new TypeError(`no element processor for node kind '${kind}'`);
  }
}

/** Pushes items through a chain of processors, in order. */
export async function pushThrough(processors: readonly Processor[], items: readonly unknown[]): Promise<unknown[]> {
  let current: unknown[] = [...items];
  for (const p of processors) {
    const next: unknown[] = [];
    for (const item of current) {
      const out = await p.push(item);
      if (out === NOT_READY) throw new TypeError('NOT_READY is only meaningful from a driver-side forEach');
      for (const x of out) next.push(x);
    }
    current = next;
  }
  return current;
}

/** Ends a chain: what each processor flushes flows through the processors after it. */
export async function finishThrough(processors: readonly Processor[], items: readonly unknown[] = []): Promise<unknown[]> {
  let carry: unknown[] = [...items];
  for (let k = 0; k < processors.length; k++) {
    const p = processors[k]!;
    carry = [...(await pushThrough([p], carry)), ...(await p.finish())];
  }
  return carry;
}
