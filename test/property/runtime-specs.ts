/**
 * A conformance suite for runtime backends, as a factory (graphology's `specs(Graph, implementation)`):
 * `runtimeSpecs(name, makeBackend)` registers `node:test` blocks that run randomly generated plans
 * (plan-arbitrary.ts) on the backend and check them against the reference model of the operator
 * semantics and against the deterministic `local` backend. A custom backend is checked the same way:
 *
 * ```ts
 * // my-backend.test.ts, run by `node --import tsx --test`
 * import { runtimeSpecs } from '../test/property/runtime-specs.js';
 * runtimeSpecs('my-backend', () => new MyBackend(), { numRuns: 30 });
 * ```
 *
 * backends.test.ts applies it to `local` (against itself: determinism), `farm`, and a custom backend.
 *
 * What "the same output" means depends on the plan (see plan-arbitrary.ts): plans whose order is fixed
 * (no `gatherAsync`, no async `concurrently` of duplicate copies) must give the identical sequence;
 * the others the same items with the same per-key order (a key names the actor, barrier round and
 * branch an item comes from).
 */
import assert from 'node:assert/strict';
import { describe as suite, test } from 'node:test';
import fc from 'fast-check';
import type { ActorBackend, BackendName } from '../../src/runtime/index.js';
import { runPlan } from '../../src/testing/run-plan.js';
import { byKey, describe, expected, isOrdered, planArbitrary, type PlanArbitraryOptions, type PlanDesc, type Tagged } from './plan-arbitrary.js';

/** Makes a fresh backend for one run (a backend object is used by one runtime only). */
export type BackendFactory = () => ActorBackend | BackendName;

export interface RuntimeSpecsOptions {
  /** Generated plans per property (default 30). */
  readonly numRuns?: number;
  /** fast-check seed, fixed so a run is reproducible (default 20240601). */
  readonly seed?: number;
  /** Shape of the generated plans (e.g. fewer actors for backends with costly actors). */
  readonly plans?: PlanArbitraryOptions;
  /** Compare every run with the same plan on the `local` backend (default true). */
  readonly reference?: boolean;
  /** Also check that the same plan and seed give the identical output twice, even for async plans. */
  readonly deterministic?: boolean;
  /** Limit for one plan run, in ms (default 30000). */
  readonly runTimeoutMs?: number;
  /** Extra fast-check parameters (e.g. `{ verbose: true }`, or `path` to replay a failure). */
  readonly fcParams?: fc.Parameters<[PlanDesc, number]>;
}

/**
 * Runs the plan of `desc` to its end on a backend and returns every output (src/testing's `runPlan`;
 * the runtime is always closed).
 *
 * NOTE: a `dequeue` never ends by itself (a queue may get a producer at any time), so a plan with a
 * queue join would end with `PlanStuckError` once the producer has finished. For those the model's
 * count is taken, and the next pull must then end or report `PlanStuckError`, never yield an item.
 */
export function runToEnd(desc: PlanDesc, backend: ActorBackend | BackendName, seed: number, timeoutMs = 30_000): Promise<unknown[]> {
  return runPlan(desc, backend, seed, timeoutMs);
}

/** Checks outputs against the reference model of the plan. */
export function checkModel(desc: PlanDesc, out: readonly unknown[]): void {
  const e = expected(desc);
  assert.equal(out.length, e.count, 'number of outputs');
  let items = out as Tagged[];
  if (desc.finalBatch !== undefined) {
    const n = desc.finalBatch;
    (out as Tagged[][]).forEach((b, i) => {
      assert.ok(Array.isArray(b), `output ${i} of the final batch(${n}) is not a list`);
      if (i < out.length - 1) assert.equal(b.length, n, `batch ${i} of the final batch(${n}) is short`);
      else assert.ok(b.length >= 1 && b.length <= n, `the last batch has ${b.length} items`);
    });
    items = (out as Tagged[][]).flat(1);
  }
  if (e.exact) assert.deepStrictEqual(items, e.items, 'output sequence differs from the model');
  else assert.deepStrictEqual(byKey(items), byKey(e.items), 'items per key (in order) differ from the model');
}

/** Checks outputs of one backend against another's (the reference) for the same plan and seed. */
export function checkSame(desc: PlanDesc, got: readonly unknown[], ref: readonly unknown[]): void {
  if (isOrdered(desc)) {
    assert.deepStrictEqual(got, ref, 'ordered plan: output sequences differ');
  } else {
    assert.equal(got.length, ref.length, 'number of outputs');
    assert.deepStrictEqual(byKey(got as Tagged[]), byKey(ref as Tagged[]), 'async plan: items per key (in order) differ');
  }
}

/** Runs `check`, adding the plan's code to any failure so that fast-check's report shows it. */
async function explained(desc: PlanDesc, seed: number, check: () => Promise<void>): Promise<void> {
  try {
    await check();
  } catch (e) {
    const err = e as Error;
    err.message = `${err.message}\n--- plan (run seed ${seed}) ---\n${describe(desc)}`;
    throw err;
  }
}

/**
 * Registers the conformance suite of a backend. `makeBackend` is called once per run. Tests:
 * - its outputs agree with the reference model of the plan;
 * - (with `reference`, default) they agree with the `local` backend's for the same plan and seed;
 * - (with `deterministic`) the same plan and seed give the identical output twice.
 */
export function runtimeSpecs(name: string, makeBackend: BackendFactory, options: RuntimeSpecsOptions = {}): void {
  const numRuns = options.numRuns ?? 30;
  const fcSeed = options.seed ?? 20240601;
  const timeoutMs = options.runTimeoutMs ?? 30_000;
  const plans = planArbitrary(options.plans);
  const runSeed = fc.nat({ max: 1000 });
  const params = { numRuns, seed: fcSeed, includeErrorInReport: true, ...options.fcParams };

  suite(`runtime conformance: ${name}`, () => {
    if (options.reference ?? true) {
      test(`outputs what the model predicts and what 'local' outputs (${numRuns} generated plans)`, async () => {
        await fc.assert(
          fc.asyncProperty(plans, runSeed, (desc, seed) =>
            explained(desc, seed, async () => {
              const ref = await runToEnd(desc, 'local', seed, timeoutMs);
              checkModel(desc, ref);
              const got = await runToEnd(desc, makeBackend(), seed, timeoutMs);
              checkModel(desc, got);
              checkSame(desc, got, ref);
            }),
          ),
          params,
        );
      });
    } else {
      test(`outputs what the model predicts (${numRuns} generated plans)`, async () => {
        await fc.assert(
          fc.asyncProperty(plans, runSeed, (desc, seed) =>
            explained(desc, seed, async () => {
              checkModel(desc, await runToEnd(desc, makeBackend(), seed, timeoutMs));
            }),
          ),
          params,
        );
      });
    }

    if (options.deterministic) {
      test(`is deterministic: the same plan and seed give the identical output, async plans included (${numRuns} generated plans)`, async () => {
        await fc.assert(
          fc.asyncProperty(plans, runSeed, (desc, seed) =>
            explained(desc, seed, async () => {
              const first = await runToEnd(desc, makeBackend(), seed, timeoutMs);
              const second = await runToEnd(desc, makeBackend(), seed, timeoutMs);
              assert.deepStrictEqual(second, first, 'two runs of the same plan and seed differ');
            }),
          ),
          params,
        );
      });
    }
  });
}
