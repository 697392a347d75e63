/**
 * `concurrently`: runs several driver streams together and emits the outputs of the listed ones.
 *
 * - `roundRobin` (deterministic): streams take turns; each turn pulls up to its weight in items (a
 *   fractional weight is rounded randomly with a stream of this node's own, derived from the plan's
 *   seed and the node's name, so optimizer passes cannot change the turns; `'*'` pulls whatever is ready, up
 *   to 100 items, without waiting). A stream that is not ready gives up its turn.
 * - `async`: every stream works at once; outputs come in completion order. An idle union sleeps until
 *   some stream has data (it never busy-waits, unlike RLlib's).
 *
 * Streams not listed in `outputIndexes` still run, for their side effects (storing, enqueueing).
 */
import { PlanError } from '../ir/errors.js';
import { checkKindParams, K } from '../ir/kinds.js';
import { unionOf } from '../ir/type-expr.js';
import { makeNode } from './plan-node.js';
import { captureSource } from './source-location.js';
import { Stream } from './stream.js';

/** A round-robin weight: items pulled per turn (fractions rounded randomly), or `'*'` for whatever is ready. */
export type Weight = number | '*';

/** Options of `concurrently`: the scheduling mode, per-stream weights and which streams' outputs to emit. */
export interface ConcurrentlyOptions {
  readonly mode: 'roundRobin' | 'async';
  /** One weight per stream (roundRobin only; default 1 each). */
  readonly weights?: readonly Weight[];
  /** Positions of the streams whose outputs are emitted (default: all). */
  readonly outputIndexes?: readonly number[];
  readonly name?: string;
}

type ElementOf<S> = S extends Stream<infer T> ? T : never;

/**
 * Runs several driver streams together and emits the outputs of those listed in `outputIndexes`;
 * the others still run for their side effects. Needs at least two streams.
 *
 * @example
 * ```ts
 * const q = queue<number>('q', { capacity: 10 });
 * const plan = concurrently([fromItems([1, 2, 3]).enqueue(q), dequeue(q)], {
 *   mode: 'roundRobin',
 *   weights: [3, 1],
 *   outputIndexes: [1],
 * });
 * ```
 */
export function concurrently<S extends readonly Stream<unknown>[]>(streams: S, options: ConcurrentlyOptions): Stream<ElementOf<S[number]>> {
  const source = captureSource();
  if (!Array.isArray(streams) || streams.length < 2) throw new PlanError(`concurrently() needs at least 2 streams, got ${Array.isArray(streams) ? streams.length : typeof streams}`, { source });
  streams.forEach((s, i) => {
    if (!(s instanceof Stream)) throw new PlanError(`concurrently(): item ${i} is not a driver Stream`, { source, hint: 'gather a ParStream first (gatherSync, gatherAsync, batchAcrossShards)' });
  });
  const params = {
    mode: options?.mode,
    ...(options.weights !== undefined ? { weights: [...options.weights] } : {}),
    ...(options.outputIndexes !== undefined ? { outputIndexes: [...options.outputIndexes] } : {}),
  };
  const error = checkKindParams(K.concurrently, params, streams.length);
  if (error) throw new PlanError(`concurrently(): ${error}`, { source });
  const listed = options.outputIndexes ?? streams.map((_, i) => i);
  return new Stream(
    makeNode({
      kind: K.concurrently.kind,
      label: `concurrently(${options.mode})`,
      output: unionOf(listed.map((i) => streams[i]!.type)),
      inputTypes: streams.map(() => 'unknown'),
      params,
      inputs: streams.map((s) => ({ node: s.node, port: s.port })),
      name: options.name,
      source,
    }),
  );
}
