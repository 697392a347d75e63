/**
 * Shared plumbing for the runtime's timeline tests: compile a plan, run it on the deterministic `local`
 * backend (virtual clock), and close it when the test ends.
 */
import type { TestContext } from 'node:test';
import { compile, type Stream } from '../../src/dsl/index.js';
import { run, type Runtime } from '../../src/runtime/index.js';

export interface RunPlanOptions {
  /** The running test: the runtime is closed in `t.after`. */
  readonly t: TestContext;
  readonly seed?: number;
  readonly name?: string;
}

export interface RunningPlan<T> {
  readonly rt: Runtime<T>;
  /** Pulls up to `n` outputs (fewer if the plan ends). */
  take(n: number): Promise<T[]>;
  /** Pulls every output until the plan ends (fails past `max` outputs, so a runaway plan cannot hang). */
  drain(max?: number): Promise<T[]>;
}

/** Compiles `stream`, runs it on the local backend and closes it after the test. */
export async function runPlan<T>(stream: Stream<T>, opts: RunPlanOptions): Promise<RunningPlan<T>> {
  const plan = await compile(stream, { name: opts.name ?? 'timeline' });
  const rt = await run(plan, { backend: 'local', seed: opts.seed ?? 0 });
  opts.t.after(() => rt.close());
  return {
    rt,
    take: (n) => rt.take(n),
    async drain(max = 10_000) {
      const out: T[] = [];
      for (;;) {
        const r = await rt.next();
        if (r.done) return out;
        out.push(r.value);
        if (out.length > max) throw new Error(`drain(): the plan produced more than ${max} outputs`);
      }
    },
  };
}
