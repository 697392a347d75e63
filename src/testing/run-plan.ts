/**
 * Running a generated plan (or its optimized graph) to its end and comparing two runs' outputs: what
 * the runtime conformance suites and `passSpec` share.
 */
import { isDeepStrictEqual } from 'node:util';
import { compile, type Stream } from '../dsl/index.js';
import { PlanStuckError } from '../ir/errors.js';
import type { PlanGraph } from '../ir/graph.js';
import { run, type ActorBackend, type BackendName } from '../runtime/index.js';
import { build, expected, type PlanDesc } from './plans.js';

async function withTimeout<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Options of `runGraph`: the backend, the seed, how many outputs to expect and the time limit. */
export interface RunGraphOptions {
  readonly backend: ActorBackend | BackendName;
  readonly seed: number;
  /** Number of outputs the plan produces (the model's count). */
  readonly count: number;
  /**
   * The plan never ends by itself (it reads a queue): take `count` outputs, then the next pull must end
   * or report `PlanStuckError`, never yield an item.
   */
  readonly endless: boolean;
  /** Limit for the run, in ms (default 30000). */
  readonly timeoutMs?: number;
}

/** Runs a graph to its end and returns every output. The runtime is always closed (farm workers would leak otherwise). */
export async function runGraph(graph: PlanGraph, options: RunGraphOptions): Promise<unknown[]> {
  const { backend, seed, count } = options;
  const rt = await run<unknown>(graph, { backend, seed });
  try {
    return await withTimeout(`the plan on '${typeof backend === 'string' ? backend : backend.name}'`, options.timeoutMs ?? 30_000, drain());
  } finally {
    await rt.close();
  }

  async function drain(): Promise<unknown[]> {
    if (options.endless) {
      const out = await rt.take(count);
      const after = await rt.next().then(
        (r) => (r.done ? 'done' : `an extra item ${JSON.stringify(r.value)}`),
        (e: unknown) => (e instanceof PlanStuckError ? 'stuck' : Promise.reject(e)),
      );
      if (after !== 'done' && after !== 'stuck') throw new Error(`after ${count} outputs the plan yielded ${after}`);
      return out;
    }
    const out: unknown[] = [];
    for (;;) {
      const r = await rt.next();
      if (r.done) return out;
      out.push(r.value);
      // A runaway plan fails here instead of hanging the suite.
      if (out.length > count + 100) throw new Error(`the plan produced more than ${count + 100} outputs (the model expects ${count})`);
    }
  }
}

/** What a run delivered before it ended: every output, and the error it ended with (if any). */
export interface SettledRun {
  readonly outputs: unknown[];
  readonly error: unknown;
}

/**
 * Like `runGraph`, but a run that fails returns the outputs delivered before the error along with the
 * error, instead of throwing (the error path of a plan with `failAt`). A timeout is still thrown.
 */
export async function runGraphSettled(graph: PlanGraph, options: Omit<RunGraphOptions, 'endless'>): Promise<SettledRun> {
  const { backend, seed, count } = options;
  const rt = await run<unknown>(graph, { backend, seed });
  const outputs: unknown[] = [];
  try {
    const error = await withTimeout(`the plan on '${typeof backend === 'string' ? backend : backend.name}'`, options.timeoutMs ?? 30_000, drain());
    return { outputs, error };
  } finally {
    await rt.close();
  }

  async function drain(): Promise<unknown> {
    for (;;) {
      let r: IteratorResult<unknown>;
      try {
        r = await rt.next();
      } catch (e) {
        return e ?? new Error('the plan failed with an empty error');
      }
      if (r.done) return undefined;
      outputs.push(r.value);
      if (outputs.length > count + 100) throw new Error(`the plan produced more than ${count + 100} outputs (the model expects ${count})`);
    }
  }
}

/**
 * Why the items a failing plan delivered before its error disagree with the model, or undefined when they
 * agree: exactly `failsAfter` items; for an `exact` plan, the model's first `failsAfter` items in order;
 * otherwise each source's delivered items a prefix of that source's items in the model (which items of
 * which source got through before the error depends on timing, but never their order or values).
 */
export function prefixDifference(got: readonly unknown[], model: readonly unknown[], failsAfter: number, exact: boolean): string | undefined {
  if (got.length !== failsAfter) return `${failsAfter} items expected before the error, got ${got.length}`;
  if (exact) return outputDifference(got, model.slice(0, failsAfter), true);
  const a = perSource(got);
  const b = perSource(model);
  for (const [k, items] of a) {
    const all = b.get(k) ?? [];
    if (!isDeepStrictEqual(items, all.slice(0, items.length))) {
      return `items of source '${k || '(no key)'}' before the error are not a prefix of the model's: ${JSON.stringify(items)} is not a prefix of ${JSON.stringify(all)}`;
    }
  }
  return undefined;
}

/** Compiles the plan of `desc` and runs it to its end (see `runGraph`). */
export async function runPlan(desc: PlanDesc, backend: ActorBackend | BackendName, seed: number, timeoutMs = 30_000): Promise<unknown[]> {
  const plan = await compile(build(desc) as Stream<unknown>, { name: 'generated' });
  return runGraph(plan.graph, { backend, seed, count: expected(desc).count, endless: desc.queue !== undefined, timeoutMs });
}

/** The provenance key of an item (`Tagged.k`), or undefined for items that carry none. */
export function sourceKey(item: unknown): string | undefined {
  const k = (item as { k?: unknown } | null)?.k;
  return typeof item === 'object' && item !== null && typeof k === 'string' ? k : undefined;
}

/**
 * Items grouped by source key, each group in output order; lists (batches) are opened first. Items
 * without a key are grouped under '' in canonical (sorted) order: a multiset.
 */
export function perSource(outputs: readonly unknown[]): Map<string, unknown[]> {
  const groups = new Map<string, unknown[]>();
  const unkeyed: unknown[] = [];
  for (const item of (outputs as unknown[]).flat(Infinity)) {
    const k = sourceKey(item);
    if (k === undefined) unkeyed.push(item);
    else groups.set(k, [...(groups.get(k) ?? []), item]);
  }
  const sorted = new Map([...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  if (unkeyed.length) sorted.set('', unkeyed.map((x) => JSON.stringify(x)).sort());
  return sorted;
}

/**
 * Why two runs' outputs differ, or undefined when they agree: `exact` runs must give the identical
 * sequence; the others the same number of outputs and, per source key, the same items in the same order
 * (only the interleaving of different sources may change).
 */
export function outputDifference(got: readonly unknown[], ref: readonly unknown[], exact: boolean): string | undefined {
  if (exact) {
    if (isDeepStrictEqual(got, ref)) return undefined;
    const i = got.findIndex((x, k) => k >= ref.length || !isDeepStrictEqual(x, ref[k]));
    const at = i < 0 ? ref.length - 1 + (got.length < ref.length ? 1 : 0) : i;
    return `output sequences differ at position ${at}: ${JSON.stringify(ref[at])} expected, got ${JSON.stringify(got[at])} (${ref.length} vs ${got.length} outputs)`;
  }
  if (got.length !== ref.length) return `number of outputs differs: ${ref.length} expected, got ${got.length}`;
  const a = perSource(got);
  const b = perSource(ref);
  for (const k of new Set([...a.keys(), ...b.keys()])) {
    if (!isDeepStrictEqual(a.get(k), b.get(k))) {
      return `items of source '${k || '(no key: compared as a multiset)'}' differ: ${JSON.stringify(b.get(k) ?? [])} expected, got ${JSON.stringify(a.get(k) ?? [])}`;
    }
  }
  return undefined;
}
