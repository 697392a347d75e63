/**
 * Numeric guards: a NaN observation or an infinite reward from an env fails the run at once with a
 * `NumericError` that names the env, the worker and the plan node (not all-NaN weights with exit code
 * 0, nor a misleading error downstream); NaN weights and losses are caught on the learner; the checks
 * themselves find the first bad index.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildAlgorithmPlan, pg, ppo } from '../../src/algorithms/index.js';
import { NumericError, StageError } from '../../src/ir/errors.js';
import { assertFinite, assertFiniteStats, firstNonFinite } from '../../src/rl/data/index.js';
import type { ResultDict } from '../../src/rl/ops/metrics.js';
import { run, type BackendName } from '../../src/runtime/runtime.js';
import '../fixtures/nan-env.js';

const ENV_MODULE = new URL('../fixtures/nan-env.ts', import.meta.url).href;

async function firstFailure(algorithm: 'pg' | 'ppo', envConfig: Record<string, unknown>, backend: BackendName): Promise<unknown> {
  const algo = algorithm === 'pg' ? pg : ppo;
  const config = algo.config({ env: 'TestNan-v0', envModule: ENV_MODULE, envConfig, numWorkers: 1, rolloutFragmentLength: 40, trainBatchSize: 40, hidden: [8], ...(algorithm === 'ppo' ? { sgdMinibatchSize: 20, numSgdIter: 2 } : {}) });
  const rt = await run<ResultDict>((await buildAlgorithmPlan(algo as never, config as never)).graph, { backend, seed: 1 });
  try {
    for (let k = 0; k < 5; k++) await rt.next();
  } catch (e) {
    return e;
  } finally {
    await rt.close();
  }
  return undefined;
}

describe('numeric guards in runs', () => {
  for (const [algorithm, backend] of [['pg', 'local'], ['ppo', 'local'], ['ppo', 'farm']] as const) {
    test(`${algorithm} (${backend}): a NaN observation fails at the env step, naming env and worker`, async () => {
      const e = await firstFailure(algorithm, { badAt: 3, kind: 'obs' }, backend);
      assert.ok(e instanceof StageError, `a StageError, got ${String(e)}`);
      assert.match(e.message, /NumericError: env 'TestNan-v0' copy 0 returned a non-finite observation \(NaN at index 1\) at step 2 of a fragment \(worker workers\[0\]\)/);
      assert.equal(e.actor, 'workers[0]');
      assert.ok(e.nodeName, 'names the plan node');
      assert.doesNotMatch(e.message, /updateKL/);
    });
  }

  test('an infinite reward is caught at the env step', async () => {
    const e = await firstFailure('pg', { badAt: 4, kind: 'reward' }, 'local');
    assert.ok(e instanceof StageError);
    assert.match(e.message, /env 'TestNan-v0' copy 0 returned a non-finite reward \(Infinity\) at step 3/);
  });

  test('NaN weights sent to a worker are refused, naming it', async () => {
    const config = pg.config({ numWorkers: 1, rolloutFragmentLength: 10, trainBatchSize: 10, hidden: [4] });
    const rt = await run<ResultDict>((await buildAlgorithmPlan(pg, config)).graph, { backend: 'local', seed: 1 });
    try {
      const weights = (await rt.backend.call({ group: 'workers', index: 0 }, 'getWeights', [])) as Float32Array[];
      weights[1]![2] = Number.NaN;
      await assert.rejects(rt.backend.call({ group: 'workers', index: 0 }, 'setWeights', [weights]), /weights received by workers\[0\] \(array 1\) is not finite: NaN at index 2/);
    } finally {
      await rt.close();
    }
  });
});

describe('numeric checks', () => {
  test('firstNonFinite finds the first NaN or infinity, and -1 for finite arrays (even with large values)', () => {
    assert.equal(firstNonFinite(Float32Array.of(1, 2, 3)), -1);
    assert.equal(firstNonFinite(Float32Array.of(1, Number.NaN, Number.POSITIVE_INFINITY)), 1);
    assert.equal(firstNonFinite([0, 0, Number.NEGATIVE_INFINITY]), 2);
    assert.equal(firstNonFinite([3e38, 3e38, 3e38].map((x) => x * 1e270)), 0);
    assert.equal(firstNonFinite([1.7e308, 1.7e308]), -1, 'a sum that overflows is not a bad value');
  });

  test('errors are NumericErrors naming what and where', () => {
    assert.throws(() => assertFinite([1, Number.NaN], 'x'), (e) => e instanceof NumericError && e.message.startsWith('x is not finite: NaN at index 1'));
    assert.throws(() => assertFiniteStats({ loss: Number.NaN, kl: 0 }, 'learner stats'), (e) => e instanceof NumericError && /'loss' is NaN/.test(e.message));
    assert.doesNotThrow(() => assertFiniteStats({ loss: 1 }, 'ok'));
  });
});
