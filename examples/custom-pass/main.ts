/**
 * Uses the custom passes on PG's plan (which does not standardize advantages): optimizes it with the
 * default pipeline plus both passes, prints the explanation, and runs two iterations.
 *
 *   node --import tsx examples/custom-pass/main.ts
 */
import { pathToFileURL } from 'node:url';
import { compile, DEFAULT_PIPELINE, formatReport, optimize, run, type OptimizeResult } from '../../src/index.js';
import { algorithms } from '../../src/algorithms/index.js';
import './standardize-advantages.js';
import './fan-out-warning.js';

export async function main(options: { readonly log?: (line: string) => void; readonly iterations?: number } = {}): Promise<OptimizeResult & { results: unknown[] }> {
  const log = options.log ?? console.log;
  const pg = algorithms['pg']!;
  const config = pg.config({ numWorkers: 2, rolloutFragmentLength: 50, trainBatchSize: 100, hidden: [16] });
  const plan = await compile(pg.plan(config as never), { name: 'pg-with-custom-passes' });
  const optimized = await optimize(plan, {
    passes: [...DEFAULT_PIPELINE, 'standardize-advantages', 'fan-out-warning'],
    options: { 'fan-out-warning': { maxShards: 1 } },
    explain: true,
  });
  log(formatReport(optimized.report));
  const rt = await run(optimized.graph, { backend: 'local', seed: 1 });
  try {
    const results = await rt.take(options.iterations ?? 2);
    log(`ran ${results.length} iteration(s) of the optimized plan`);
    return { ...optimized, results };
  } finally {
    await rt.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
