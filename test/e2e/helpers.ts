/**
 * Shared helpers of the end-to-end tests: run one scenario on both backends (`local`, on the virtual
 * clock, and `farm`, one worker process per actor), always closing the runtime, and read the dummy
 * actors' records back through the backend once the plan has run.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ActorRef } from '../../src/ir/contract.js';
import type { FarmBackend } from '../../src/runtime/farm-backend.js';
import { run, type BackendName, type Runtime } from '../../src/runtime/runtime.js';
import type { CompiledPlan } from '../../src/dsl/compile.js';
import type { PlanGraph } from '../../src/ir/graph.js';

export const BACKENDS: readonly BackendName[] = ['local', 'farm'];

/** One `test` per backend inside a `describe(title)`: the same scenario, run on both. */
export function onBothBackends(title: string, scenario: (backend: BackendName) => Promise<void>): void {
  describe(title, () => {
    for (const backend of BACKENDS) test(backend, () => scenario(backend));
  });
}

/**
 * Runs `plan`, hands the runtime to `body`, and closes it whatever happens. On the farm it also checks
 * that close() left no worker process behind.
 */
export async function withRuntime<T, R>(plan: CompiledPlan<T> | { readonly graph: PlanGraph; readonly __output?: T }, backend: BackendName, body: (rt: Runtime<T>) => Promise<R>, seed = 1): Promise<R> {
  const rt = await run(plan, { backend, seed });
  let result: R;
  let pids: number[] = [];
  try {
    if (backend === 'farm') pids = farmPids(rt as Runtime<unknown>);
    result = await body(rt);
  } finally {
    await rt.close();
  }
  await assertProcessesGone(pids);
  return result;
}

/** Every output of a finite plan. */
export async function drain<T>(rt: Runtime<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of rt) out.push(x);
  return out;
}

/**
 * Calls `method` on each of the first `count` actors of `group`, through the backend, after every call
 * the plan already sent them (an actor's mailbox runs calls in order).
 */
export async function callEach<S>(rt: Runtime<unknown>, group: string, count: number, method = 'getStats'): Promise<S[]> {
  const refs: ActorRef[] = Array.from({ length: count }, (_, index) => ({ group, index }));
  return (await Promise.all(refs.map((a) => rt.backend.call(a, method, [])))) as S[];
}

/** The worker process ids of a farm runtime. */
export function farmPids(rt: Runtime<unknown>): number[] {
  const pids = Object.values((rt.backend as FarmBackend).pids());
  assert.ok(pids.every((p) => typeof p === 'number'), `every farm actor has a pid: ${JSON.stringify(pids)}`);
  return pids as number[];
}

/** Whether a process is running. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw e;
  }
}

/** Polls `check` every 100 ms until it holds; fails naming `what` after `timeoutMs`. */
export async function eventually(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) assert.fail(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Pulls outputs until `until` holds for one (at most `max` outputs); returns every output pulled. */
export async function pullUntil<T>(rt: Runtime<T>, until: (t: T) => boolean, max = 5000): Promise<T[]> {
  const seen: T[] = [];
  for (let n = 0; n < max; n++) {
    const r = await rt.next();
    assert.equal(r.done, false);
    seen.push(r.value!);
    if (until(r.value!)) return seen;
  }
  assert.fail(`condition not met in ${max} outputs`);
}

/**
 * Asserts that none of `pids` is still running. Workers exit shortly after close() (worker-farm asks
 * them to, then kills them), so this polls a bounded number of times instead of timing anything.
 */
export async function assertProcessesGone(pids: readonly number[]): Promise<void> {
  for (let attempt = 0; attempt < 100 && pids.some(alive); attempt++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(pids.filter(alive), [], 'worker processes still running after close()');
}

export function sum(xs: Iterable<number>): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}

/** Asserts `xs` is strictly increasing. */
export function assertIncreasing(xs: readonly number[], what: string): void {
  for (let k = 1; k < xs.length; k++) assert.ok(xs[k]! > xs[k - 1]!, `${what} must increase: ${xs.join(', ')}`);
}

/** A small, seeded random stream (mulberry32), for where and when fault tests kill a process. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
