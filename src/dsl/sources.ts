/**
 * Driver-side sources: plain-data items, (async) iterables produced by a function, and queues. Actor-side
 * sources are `fromActors` (see par-stream.ts).
 */
import { isDeepStrictEqual } from 'node:util';
import { PlanError } from '../ir/errors.js';
import { K } from '../ir/kinds.js';
import { unionOf } from '../ir/type-expr.js';
import type { NotReady, StageContext } from '../ir/contract.js';
import type { Queue } from './define.js';
import { makeNode, stageDisplayName, toDslStage, type StageArg } from './plan-node.js';
import { captureSource } from './source-location.js';
import { Stream, type DriverStage } from './stream.js';

/** Best-effort element type of plain data (only primitives; everything else is `unknown`). */
function inferType(items: readonly unknown[]): string {
  if (items.length === 0) return 'unknown';
  return unionOf(items.map((x) => (typeof x === 'number' || typeof x === 'string' || typeof x === 'boolean' ? typeof x : 'unknown')));
}

/**
 * A driver stream of plain-data (JSON) items, e.g. for tests. With `repeat: true` it cycles forever.
 */
export function fromItems<T>(items: readonly T[], options: { readonly type?: string; readonly repeat?: boolean; readonly name?: string } = {}): Stream<T> {
  const source = captureSource();
  if (!Array.isArray(items)) throw new PlanError('fromItems() needs an array', { source });
  let json: string;
  try {
    json = JSON.stringify(items);
  } catch (e) {
    throw new PlanError(`fromItems() items must be JSON data: ${(e as Error).message}`, { source, hint: 'use fromIterable(() => items) for other values' });
  }
  if (!isDeepStrictEqual(JSON.parse(json), items) || items.some((x) => x === undefined || ArrayBuffer.isView(x))) {
    throw new PlanError('fromItems() items must survive a JSON round trip', { source, hint: 'use fromIterable(() => items) for typed arrays, undefined or class instances' });
  }
  if (options.repeat && items.length === 0) throw new PlanError('fromItems([], { repeat: true }) would never yield', { source });
  return new Stream<T>(
    makeNode({ kind: K.fromItems.kind, label: 'fromItems', output: options.type ?? inferType(items), params: { items: JSON.parse(json) as unknown, repeat: options.repeat ?? false }, name: options.name, source }),
  );
}

/**
 * A driver stream of the items of the (async) iterable `fn(ctx)` returns; `fn` is called once per run.
 * The iterable may yield `NOT_READY` for "nothing right now" (as a replay buffer before it has enough
 * data): the stream then gives up its turn and is asked again after the plan makes progress.
 */
export function fromIterable<T>(fn: DriverStage<(ctx: StageContext) => Iterable<T | NotReady> | AsyncIterable<T | NotReady>>, options: { readonly type?: string; readonly name?: string } = {}): Stream<T> {
  const source = captureSource();
  const stage = toDslStage(fn as StageArg, 'fromIterable', true, source);
  return new Stream<T>(
    makeNode({ kind: K.fromIterable.kind, label: `fromIterable(${stageDisplayName(stage)})`, output: options.type ?? (stage.type === 'def' ? stage.def.types.out ?? 'unknown' : 'unknown'), stage, name: options.name, source }),
  );
}

/** A stream of the items taken out of `queue`; it is "not ready" while the queue is empty. */
export function dequeue<T>(queue: Queue<T>, options: { readonly name?: string } = {}): Stream<T> {
  const source = captureSource();
  if (!queue || queue.kind !== 'queue') throw new PlanError('dequeue() needs a queue created with queue(name, { capacity })', { source });
  return new Stream<T>(
    makeNode({ kind: K.dequeue.kind, label: `dequeue(${queue.name})`, output: queue.itemType, params: { queue: queue.name }, queue: queue as Queue<unknown>, name: options.name, source }),
  );
}
