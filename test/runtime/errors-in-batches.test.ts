/**
 * Errors are part of a plan's semantics: when an actor-side stage throws on its k-th item, the items
 * delivered before the error are the same whether the gather batches replies (`batchMs`, as the
 * `batch` pass sets it) and whether the stages are fused, on every backend. (Before, a batched reply
 * that hit an error dropped the items it had already collected: 0 items instead of 2 here.)
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { actors, compile, fromActors } from '../../src/dsl/index.js';
import { StageError } from '../../src/ir/errors.js';
import { optimize } from '../../src/optimizer/index.js';
import { run, type BackendName } from '../../src/runtime/index.js';
import { boom, Counter, double } from '../fixtures/counters.js';

async function deliveredBeforeError(batchMs: number | undefined, fuse: boolean, backend: BackendName): Promise<number[]> {
  const counters = actors(Counter, { name: 'c', count: 1, args: [0, 10] });
  const plan = await compile(fromActors(counters).forEach(boom).forEach(double).gatherAsync(batchMs === undefined ? {} : { batchMs }), { name: 'boom' });
  const graph = fuse ? (await optimize(plan, { passes: ['fuse'] })).graph : plan.graph;
  const rt = await run<number>(graph, { backend, seed: 1 });
  const got: number[] = [];
  try {
    await assert.rejects(
      (async () => {
        for await (const x of rt) got.push(x);
      })(),
      (e: unknown) => e instanceof StageError && /boom at 2/.test(e.message),
    );
  } finally {
    await rt.close();
  }
  return got;
}

describe('errors inside batched replies', () => {
  for (const backend of ['local', 'farm'] as const) {
    test(`${backend}: the items before a stage error arrive, batched or not, fused or not`, async () => {
      for (const fuse of [false, true]) {
        for (const batchMs of [undefined, 0, 50]) {
          assert.deepEqual(await deliveredBeforeError(batchMs, fuse, backend), [0, 2], `fuse ${fuse}, batchMs ${batchMs}`);
        }
      }
    });
  }
});
