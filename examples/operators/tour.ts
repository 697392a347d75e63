/**
 * Every example of docs/operators.md as a runnable plan, with the output the page states for it.
 * `node --import tsx examples/operators/tour.ts` runs them all on the `local` backend and prints each
 * output; test/examples/operators.test.ts checks that every output is exactly what the page says.
 *
 * An output is printed as `value@ms`: the value, and the virtual time at which `next()` returned it.
 */
import { pathToFileURL } from 'node:url';
import {
  actors,
  compile,
  concurrently,
  dequeue,
  fromActors,
  fromItems,
  fromIterable,
  NOT_READY,
  queue,
  run,
  type ActorRef,
  type StageContext,
  type Stream,
} from '../../src/index.js';
import { Scripted, isVowel, numbered, pairs, suffix, twice, upper, where } from './stages.js';

/** A group `w` of Scripted actors, one per script (see stages.ts for the script format). */
function letters(...scripts: string[]) {
  return actors(Scripted, { name: 'w', count: scripts.length, args: [scripts] });
}

export interface Example {
  /** Section of docs/operators.md the example belongs to. */
  readonly id: string;
  readonly build: () => Stream<unknown> | Promise<Stream<unknown>>;
  /** Outputs as printed, `value@ms`; the last entry is `|@ms` when the plan ends. */
  readonly expect: readonly string[];
  /** Pull at most this many outputs (default: until the end). */
  readonly take?: number;
  readonly seed?: number;
  /** Something to read from the runtime after the outputs (metrics, actor state). */
  readonly after?: (rt: { metrics: { get(counter: string): number; info: Record<string, unknown> }; call: (actor: ActorRef, method: string) => Promise<unknown> }) => Promise<string>;
  readonly afterExpect?: string;
}

/** Prints a value compactly: actor refs as `w[0]`, arrays as `[a,b]`. */
export function show(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(show).join(',')}]`;
  if (value && typeof value === 'object' && 'group' in value && 'index' in value) return `${String(value.group)}[${String(value.index)}]`;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export const examples: readonly Example[] = [
  // ---- creating streams
  { id: 'fromActors', build: () => fromActors(letters('0a 0b', '0x 0y')).gatherSync(), expect: ['a@0', 'x@0', 'b@0', 'y@0', '|@0'] },
  { id: 'fromItems', build: () => fromItems([1, 2, 3]), expect: ['1@0', '2@0', '3@0', '|@0'] },
  { id: 'fromItems-repeat', build: () => fromItems(['a', 'b'], { repeat: true }), take: 5, expect: ['a@0', 'b@0', 'a@0', 'b@0', 'a@0'] },
  {
    id: 'fromIterable',
    build: () =>
      fromIterable(async function* countdown(ctx: StageContext) {
        for (let k = 3; k > 0; k--) {
          await ctx.delay(10);
          yield k;
        }
      }),
    expect: ['3@10', '2@20', '1@30', '|@30'],
  },

  // ---- transformations on actors
  { id: 'par-forEach', build: () => fromActors(letters('0a 0b', '0x')).forEach(upper).forEach(where).gatherSync(), expect: ['w[0]:A@0', 'w[1]:X@0', 'w[0]:B@0', '|@0'] },
  { id: 'par-forEach-factory', build: () => fromActors(letters('0a 0b', '0x 0y')).forEach(suffix.with('!')).forEach(numbered.with()).gatherSync(), expect: ['a!#1@0', 'x!#1@0', 'b!#2@0', 'y!#2@0', '|@0'] },
  { id: 'par-filter', build: () => fromActors(letters('0a 0b 0c 0e')).filter(isVowel).gatherSync(), expect: ['a@0', 'e@0', '|@0'] },
  { id: 'par-combine', build: () => fromActors(letters('0a 0b')).combine(twice).gatherSync(), expect: ['a@0', 'a@0', 'b@0', 'b@0', '|@0'] },
  { id: 'par-batch', build: () => fromActors(letters('0a 0b 0c', '0x 0y')).batch(2).gatherSync(), expect: ['[a,b]@0', '[x,y]@0', '[c]@0', '|@0'] },
  { id: 'par-flatten', build: () => fromActors(letters('0a 0b 0c')).batch(2).flatten().gatherSync(), expect: ['a@0', 'b@0', 'c@0', '|@0'] },
  { id: 'par-transform', build: () => fromActors(letters('0a 0b 0c 0d 0e')).transform(pairs).gatherSync(), expect: ['ab@0', 'cd@0', 'e@0', '|@0'] },

  // ---- transformations on the driver
  { id: 'forEach', build: () => fromItems([1, 2, 3]).forEach((x: number) => x * 10), expect: ['10@0', '20@0', '30@0', '|@0'] },
  {
    id: 'forEach-async',
    build: () =>
      fromItems([1, 2]).forEach(async (x: number, ctx) => {
        await ctx.delay(5);
        return x * 10;
      }),
    expect: ['10@5', '20@10', '|@10'],
  },
  { id: 'filter', build: () => fromItems([1, 2, 3, 4]).filter((x: number) => x % 2 === 0), expect: ['2@0', '4@0', '|@0'] },
  { id: 'combine', build: () => fromItems([1, 2, 3]).combine((x: number) => (x === 2 ? [] : [x, -x])), expect: ['1@0', '-1@0', '3@0', '-3@0', '|@0'] },
  {
    id: 'transform',
    build: () =>
      fromItems([1, 2, 3, 4, 5]).transform(async function* runningSums(items: AsyncIterable<number>) {
        let sum = 0;
        for await (const x of items) {
          sum += x;
          if (sum >= 5) {
            yield sum;
            sum = 0;
          }
        }
      }),
    expect: ['6@0', '9@0', '|@0'],
  },
  { id: 'batch', build: () => fromItems([1, 2, 3, 4, 5]).batch(2), expect: ['[1,2]@0', '[3,4]@0', '[5]@0', '|@0'] },
  { id: 'flatten', build: () => fromItems([[1, 2], [], [3]]).flatten(), expect: ['1@0', '2@0', '3@0', '|@0'] },

  // ---- shard selection
  { id: 'selectShards', build: () => fromActors(letters('0a', '0b', '0c')).selectShards([2, 0]).gatherSync(), expect: ['a@0', 'c@0', '|@0'] },
  {
    id: 'union',
    build: () => {
      const w = letters('0a 0b', '0x 0y');
      const v = actors(Scripted, { name: 'v', count: 1, args: [['0p 0q']] });
      return fromActors(w).forEach(upper).union(fromActors(v)).forEach(where).gatherSync();
    },
    expect: ['w[0]:A@0', 'w[1]:X@0', 'v[0]:p@0', 'w[0]:B@0', 'w[1]:Y@0', 'v[0]:q@0', '|@0'],
  },

  // ---- gathers
  { id: 'gatherSync', build: () => fromActors(letters('10a 20b 30c', '5x 10y 10z')).gatherSync(), expect: ['a@10', 'x@10', 'b@30', 'y@30', 'c@60', 'z@60', '|@60'] },
  { id: 'gatherSync-uneven', build: () => fromActors(letters('0a 0b 0c', '0x')).gatherSync(), expect: ['a@0', 'x@0', 'b@0', 'c@0', '|@0'] },
  { id: 'batchAcrossShards', build: () => fromActors(letters('10a 20b 30c', '5x 10y 10z')).batchAcrossShards(), expect: ['[a,x]@10', '[b,y]@30', '[c,z]@60', '|@60'] },
  { id: 'batchAcrossShards-uneven', build: () => fromActors(letters('0a 0b 0c', '0x')).batchAcrossShards(), expect: ['[a,x]@0', '[b]@0', '[c]@0', '|@0'] },
  { id: 'gatherAsync', build: () => fromActors(letters('10a 20b 30c', '5x 10y 10z')).gatherAsync(), expect: ['x@5', 'a@10', 'y@15', 'z@25', 'b@30', 'c@60', '|@60'] },
  {
    id: 'gatherAsync-batchMs',
    build: () => fromActors(letters('10a 20b 30c', '5x 10y 10z')).gatherAsync({ batchMs: 20 }),
    expect: ['x@25', 'y@25', 'z@25', 'a@30', 'b@30', 'c@60', '|@60'],
  },

  // ---- concurrency
  { id: 'roundRobin', build: () => concurrently([fromItems(['a', 'b', 'c']), fromItems([1, 2, 3, 4, 5])], { mode: 'roundRobin' }), expect: ['a@0', '1@0', 'b@0', '2@0', 'c@0', '3@0', '4@0', '5@0', '|@0'] },
  {
    id: 'roundRobin-weights',
    build: () => concurrently([fromItems(['a', 'b', 'c']), fromItems([1, 2, 3, 4, 5])], { mode: 'roundRobin', weights: [1, 2] }),
    expect: ['a@0', '1@0', '2@0', 'b@0', '3@0', '4@0', 'c@0', '5@0', '|@0'],
  },
  {
    id: 'roundRobin-fractional',
    seed: 0,
    build: () => concurrently([fromItems(['a', 'b', 'c', 'd', 'e', 'f']), fromItems([1, 2, 3, 4, 5, 6])], { mode: 'roundRobin', weights: [1, 0.5] }),
    expect: ['a@0', 'b@0', 'c@0', '1@0', 'd@0', '2@0', 'e@0', 'f@0', '3@0', '4@0', '5@0', '6@0', '|@0'],
  },
  {
    id: 'roundRobin-outputIndexes',
    build: () => concurrently([fromItems(['a', 'b', 'c']), fromItems([1, 2, 3, 4, 5])], { mode: 'roundRobin', weights: [1, 2], outputIndexes: [1] }),
    expect: ['1@0', '2@0', '3@0', '4@0', '5@0', '|@0'],
  },
  {
    id: 'roundRobin-actors',
    build: () =>
      concurrently([fromActors(letters('10a 20b 30c')).gatherAsync(), fromActors(actors(Scripted, { name: 'v', count: 1, args: [['5x 10y 10z']] })).gatherAsync()], {
        mode: 'roundRobin',
      }),
    expect: ['a@10', 'x@15', 'b@30', 'y@30', 'c@60', 'z@60', '|@60'],
  },
  {
    id: 'roundRobin-star',
    build: () =>
      concurrently([fromActors(letters('10a 20b 30c')).gatherAsync(), fromActors(actors(Scripted, { name: 'v', count: 1, args: [['5x 10y 10z']] })).gatherAsync()], {
        mode: 'roundRobin',
        weights: ['*', 1],
      }),
    expect: ['x@5', 'y@15', 'a@15', 'z@25', 'b@35', 'c@65', '|@65'],
  },
  {
    id: 'async',
    build: () =>
      concurrently([fromActors(letters('10a 20b 30c')).gatherAsync(), fromActors(actors(Scripted, { name: 'v', count: 1, args: [['5x 10y 10z']] })).gatherAsync()], {
        mode: 'async',
      }),
    expect: ['x@5', 'a@10', 'y@15', 'z@25', 'b@30', 'c@60', '|@60'],
  },
  {
    id: 'duplicate',
    build: () => {
      const [a, b] = fromItems([1, 2, 3, 4]).duplicate(2);
      return concurrently([a!.forEach((x: number) => `a${x}`), b!.forEach((x: number) => `b${x}`)], { mode: 'roundRobin', weights: [2, 1] });
    },
    expect: ['a1@0', 'b1@0', 'a2@0', 'b2@0', 'a3@0', 'b3@0', 'a4@0', 'b4@0', '|@0'],
  },
  {
    id: 'duplicate-maxSkew',
    build: () => {
      const [a, b] = fromItems([1, 2, 3, 4]).duplicate(2, { maxSkew: 3 });
      return concurrently([a!.forEach((x: number) => `a${x}`), b!.forEach((x: number) => `b${x}`)], { mode: 'roundRobin', weights: [5, 1] });
    },
    expect: ['a1@0', 'a2@0', 'a3@0', 'b1@0', 'a4@0', 'b2@0', 'b3@0', 'b4@0', '|@0'],
  },
  {
    id: 'queue',
    build: () => {
      const q = queue<number>('q', { capacity: 2 });
      const producer = fromItems([1, 2, 3, 4, 5, 6]).enqueue(q).forEach((x: number) => `put${x}`);
      const consumer = dequeue(q).forEach((x: number) => `got${x}`);
      return concurrently([producer, consumer], { mode: 'roundRobin', weights: [5, 1] });
    },
    expect: ['put1@0', 'put2@0', 'got1@0', 'put3@0', 'got2@0', 'put4@0', 'got3@0', 'put5@0', 'got4@0', 'put6@0', 'got5@0', 'got6@0', '|@0'],
  },
  {
    id: 'forEach-NOT_READY',
    take: 6,
    build: () => {
      // Back-pressure written by hand: hold an item until fewer than 2 are "in use".
      let inUse = 0;
      const gate = fromItems([1, 2, 3, 4], { repeat: true }).forEach((x: number) => (inUse >= 2 ? NOT_READY : (inUse++, `in${x}`)));
      const release = fromItems(['r'], { repeat: true }).forEach(() => (inUse--, 'out'));
      return concurrently([gate, release], { mode: 'roundRobin', weights: ['*', 1] });
    },
    expect: ['in1@0', 'in2@0', 'out@0', 'in3@0', 'out@0', 'in4@0'],
  },

  // ---- message passing
  { id: 'zipWithSourceActor', build: () => fromActors(letters('10a 20b', '5x')).gatherAsync().zipWithSourceActor(), expect: ['[w[1],x]@5', '[w[0],a]@10', '[w[0],b]@30', '|@30'] },
  {
    id: 'callActors',
    build: () => {
      const w = letters('0a 0b', '0x 0y');
      return fromActors(w).gatherSync().callActors(w, 'record', { wait: true });
    },
    expect: ['a@0', 'x@0', 'b@0', 'y@0', '|@0'],
    after: async ({ call }) => show(await call({ group: 'w', index: 1 }, 'seenSoFar')),
    afterExpect: '[a,x,b,y]',
  },
  {
    id: 'callSourceActor',
    build: () => {
      const w = letters('0a 0b', '0x 0y');
      return fromActors(w).gatherSync().callSourceActor('record', { args: (x: string) => [`ack ${x}`], wait: true });
    },
    expect: ['a@0', 'x@0', 'b@0', 'y@0', '|@0'],
    after: async ({ call }) => show(await call({ group: 'w', index: 1 }, 'seenSoFar')),
    afterExpect: '[ack x,ack y]',
  },
  {
    id: 'callActor',
    build: () => {
      const w = letters('', '');
      return fromItems(['p', 'q', 'r']).callActor(w, 'record').zipWithSourceActor();
    },
    expect: ['[w[0],1]@0', '[w[1],1]@0', '[w[0],2]@0', '|@0'],
  },
  {
    id: 'ctx.call',
    build: () => {
      const w = letters('0a 0b', '0x');
      return fromActors(w)
        .gatherSync()
        .forEach(async (x: string, ctx) => {
          const counts = await ctx.callAll('w', 'record', x);
          return `${x}:${counts.join('/')}`;
        });
    },
    expect: ['a:1/1@0', 'x:2/2@0', 'b:3/3@0', '|@0'],
  },

  // ---- metrics
  {
    id: 'metrics',
    build: () =>
      fromItems([3, 4, 5]).forEach((x: number, ctx) => {
        ctx.metrics.inc('steps', x);
        ctx.metrics.info['last'] = x;
        return ctx.metrics.get('steps');
      }),
    expect: ['3@0', '7@0', '12@0', '|@0'],
    after: async ({ metrics }) => `steps=${metrics.get('steps')} last=${String(metrics.info['last'])}`,
    afterExpect: 'steps=12 last=5',
  },
];

/** Runs one example on the local backend; returns its printed outputs and the `after` line. */
export async function runExample(example: Example): Promise<{ outputs: string[]; after: string | undefined }> {
  const plan = await compile(await example.build(), { name: example.id });
  const rt = await run(plan, { backend: 'local', seed: example.seed ?? 0 });
  const outputs: string[] = [];
  try {
    while (example.take === undefined || outputs.length < example.take) {
      const r = await rt.next();
      outputs.push(`${r.done ? '|' : show(r.value)}@${rt.backend.clock.now()}`);
      if (r.done) break;
    }
    const after = example.after ? await example.after({ metrics: rt.metrics, call: (actor, method) => rt.backend.call(actor, method, []) }) : undefined;
    return { outputs, after };
  } finally {
    await rt.close();
  }
}

export async function main(): Promise<void> {
  for (const example of examples) {
    const { outputs, after } = await runExample(example);
    console.log(`${example.id.padEnd(26)} ${outputs.join(' ')}${after === undefined ? '' : `   (${after})`}`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
