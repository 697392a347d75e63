/** Runs a finite plan graph to its end and returns every output (the runtime is always closed). */
import type { PlanGraph } from '../../src/ir/index.js';
import { run, type BackendName } from '../../src/runtime/index.js';

export async function runAll(graph: PlanGraph, backend: BackendName = 'local'): Promise<unknown[]> {
  const rt = await run(graph, { backend });
  try {
    const out: unknown[] = [];
    for await (const x of rt) out.push(x);
    return out;
  } finally {
    await rt.close();
  }
}
