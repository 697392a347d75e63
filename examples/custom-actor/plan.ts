/**
 * The custom-actor example (docs/writing-plans.md walks through it): a random search written as an
 * rlflow plan. Three `Explorer` actors guess around a shared centre `theta`; each round the driver
 * takes 4 guesses from every actor, keeps the best one, and broadcasts it back as the new centre.
 *
 * `main()` compiles the plan, prints its IR dump, runs it on the deterministic `local` backend (stepping
 * through the first rounds to show which nodes fired), runs it again on the `farm` backend (one worker
 * process per actor), checks that both runs produced the same rounds, and prints them.
 *
 *   node --import tsx examples/custom-actor/plan.ts
 */
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { actors, compile, dumpGraph, fromActors, run, type StageContext, type Stream } from '../../src/index.js';
import { Explorer, clampGuess, roundGuess, type Sample } from './actors.js';

/** One output of the plan: the round number and the best guess found so far. */
export interface Round {
  readonly round: number;
  readonly best: Sample;
}

export interface PlanOptions {
  /** Number of Explorer actors (default 3). */
  readonly explorers?: number;
  /** Guesses each actor sends per round (default 4). */
  readonly guessesPerRound?: number;
  /** The hidden value the search looks for (default 7). */
  readonly target?: number;
}

/** Driver-side stage (a plain closure is fine on the driver): keeps the best guess seen so far. */
function pickBest(perActor: Sample[][], ctx: StageContext): Round {
  const all = perActor.flat();
  ctx.metrics.inc('guesses', all.length);
  const previous = ctx.metrics.info['best'] as Sample | undefined;
  const best = all.reduce((a, b) => (b.reward > a.reward ? b : a), previous ?? all[0]!);
  ctx.metrics.info['best'] = best;
  return { round: ctx.metrics.inc('rounds'), best };
}

/** Builds the plan. Nothing runs here: every call only appends a node to an immutable plan. */
export function buildPlan(options: PlanOptions = {}): Stream<Round> {
  const explorers = actors(Explorer, { count: options.explorers ?? 3, args: [options.target ?? 7, 4], name: 'explorers' });
  return (
    fromActors(explorers) //                              ParStream<Sample>: one shard per actor
      .forEach(clampGuess.with(-100, 100)) //              on the actors
      .forEach(roundGuess) //                              on the actors
      .batch(options.guessesPerRound ?? 4) //              on the actors: Sample[] of 4 guesses
      .batchAcrossShards() //                              driver: Sample[][] per round, in actor order
      .forEach(pickBest, { out: 'Round' }) //              driver: the best guess so far
      // Fire-and-forget broadcast: each actor runs setTheta before it serves the next round's request.
      .callActors(explorers, 'setTheta', { args: (r: Round) => [r.best.guess], name: 'broadcastTheta' })
  );
}

export interface MainOptions {
  /** Rounds to run on each backend (default 6). */
  readonly rounds?: number;
  /** Where to print (default console.log; pass `() => {}` to keep quiet). */
  readonly log?: (line: string) => void;
}

/** Compiles, dumps, and runs the plan on `local` then `farm`; returns the rounds (equal on both). */
export async function main(options: MainOptions = {}): Promise<Round[]> {
  const rounds = options.rounds ?? 6;
  const log = options.log ?? ((line: string) => console.log(line));

  const plan = await compile(buildPlan(), { name: 'random-search' });
  log('--- IR dump');
  log(dumpGraph(plan.graph));

  // The local backend runs every actor in this process on a virtual clock: deterministic and steppable.
  log('--- local backend, step by step');
  const onLocal: Round[] = [];
  const local = await run<Round>(plan, { backend: 'local', seed: 42 });
  try {
    for (let i = 0; i < rounds; i++) {
      const step = await local.step();
      if (step.done) break;
      onLocal.push(step.value!);
      if (i < 2) log(`step ${i}: fired ${step.fired.map((n) => `${n.name}×${n.items}`).join(', ')}`);
    }
    log(`local: ${local.metrics.get('guesses')} guesses in ${local.metrics.get('rounds')} rounds`);
  } finally {
    await local.close();
  }

  // The farm backend runs each actor in its own worker process; same plan, same seed, same results.
  log('--- farm backend');
  const farm = await run<Round>(plan, { backend: 'farm', seed: 42 });
  let onFarm: Round[];
  try {
    onFarm = await farm.take(rounds);
  } finally {
    await farm.close();
  }
  assert.deepStrictEqual(onFarm, onLocal, 'the farm run must give the same rounds as the local run');

  log('--- rounds (the same on both backends)');
  for (const r of onLocal) log(`round ${r.round}: best guess ${r.best.guess} from explorers[${r.best.actor}] (reward ${r.best.reward})`);
  return onLocal;
}

// Run only when executed directly (`node --import tsx examples/custom-actor/plan.ts`), not when imported.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
