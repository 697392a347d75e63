/**
 * `rlflow demo`: compiles the demo plan, prints its IR, runs it on the chosen backend and prints one
 * progress line per pulled output and a summary.
 */
import { compile } from '../dsl/compile.js';
import { dumpGraph } from '../ir/dump.js';
import { run } from '../runtime/runtime.js';
import { choiceOption, intOption, parse } from './args.js';
import { piPlan } from './demo/pi-plan.js';

export const demoHelp = `rlflow demo [--backend local|farm] [--workers N] [--steps N] [--batch N] [--seed S]

Runs the demo plan (Monte Carlo estimate of pi): N sampler actors draw points, an actor-side stage
counts hits, gatherAsync collects the counts, a driver stage keeps the running estimate.
  --backend  local (in-process, deterministic) or farm (one worker process per actor); default farm
  --workers  number of sampler actors (default 2)
  --steps    number of outputs to pull (default 20)
  --batch    points per sampled batch (default 100000)
  --seed     root seed (default 0)`;

export async function demo(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const { values } = parse(argv, {
    backend: { type: 'string' },
    workers: { type: 'string' },
    steps: { type: 'string' },
    batch: { type: 'string' },
    seed: { type: 'string' },
  });
  const backend = choiceOption(values['backend'], 'backend', ['local', 'farm'] as const, 'farm');
  const workers = intOption(values['workers'], 'workers', 2, 1);
  const steps = intOption(values['steps'], 'steps', 20, 1);
  const batchSize = intOption(values['batch'], 'batch', 100_000, 1);
  const seed = intOption(values['seed'], 'seed', 0);

  const plan = await compile(piPlan({ workers, batchSize }), { name: 'pi-demo' });
  out(dumpGraph(plan.graph, { sources: false }));
  const started = performance.now();
  const rt = await run(plan, { backend, seed });
  try {
    let last: { estimate: number; points: number } | undefined;
    for (let step = 1; step <= steps; step++) {
      const r = await rt.next();
      if (r.done) break;
      last = r.value;
      const secs = (performance.now() - started) / 1000;
      out(`step ${String(step).padStart(3)}  worker ${r.value.fromWorker}  points ${r.value.points.toLocaleString('en-US').padStart(12)}  pi ≈ ${r.value.estimate.toFixed(6)}  (${Math.round(r.value.points / secs).toLocaleString('en-US')} points/s)`);
    }
    if (last) out(`\nresult: pi ≈ ${last.estimate.toFixed(6)} from ${last.points.toLocaleString('en-US')} points on ${workers} ${backend} actor(s); error ${Math.abs(last.estimate - Math.PI).toExponential(2)}`);
  } finally {
    await rt.close();
  }
  return 0;
}
