/**
 * `npm run bench -- runtime [--quick] [--only ids] [--pin split|same|none] [--reps n] [--rep-ms ms]`
 *
 * The `farm` backend and the plan runtime against the floor under them: a raw `child_process.fork`
 * child answering `process.send` with `serialization: 'advanced'` (bench/raw-ipc-child.cjs). Each
 * metric is measured for both in the same run, interleaved rep by rep, and reported as a rate
 * (higher is better) with the ratio farm/raw (1 = no overhead over raw IPC):
 *
 *   rtt        driver↔actor round trips per second, one call at a time (`echo` of a small number)
 *   pipelined  calls per second with 16 in flight
 *   typed      Float32Array payloads of 16 KiB, 256 KiB, 4 MiB: driver→actor (the actor acks) and
 *              actor→driver (the actor answers a preallocated array), MB/s (1 MB = 10⁶ B)
 *   e2e        items/s of `fromActors(group).gatherAsync()` over an actor yielding a preallocated
 *              256 KiB Float32Array, against raw request/reply of the same array with one request
 *              always in flight (as gatherAsync keeps): the plan layer's own overhead on top of IPC
 *
 * `--only` takes a comma-separated list of those groups or of row ids (`d2a-256KiB`, `a2d-4MiB`, ...).
 * `--pin split` puts the driver on CPU 0 and every child on CPU 1, `same` puts all on CPU 0 (taskset).
 */
import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { actors, compile, fromActors, run, type Runtime } from '../src/index.js';
import { FarmBackend } from '../src/runtime/farm-backend.js';
import type { ActorRef } from '../src/ir/contract.js';
import { BenchActor, makeFloats } from './fixtures.js';
import { FULL, QUICK, withRepOptions, hasTaskset, machineInfo, markdownTable, measureInterleaved, parseOptions, perSecond, pinProcess, ratio, spread, type Summary, loadAvg } from './lib.js';

export const description = 'farm backend and plan runtime vs raw child_process.fork IPC (advanced serialization)';

const KiB = 1024;
const SIZES = [16 * KiB, 256 * KiB, 4096 * KiB];
const E2E_BYTES = 256 * KiB;
const WINDOW = 16;
const GROUPS = ['rtt', 'pipelined', 'typed', 'e2e'] as const;
type Pin = 'none' | 'split' | 'same';

export interface RuntimeBenchRow {
  readonly id: string;
  readonly metric: string;
  /** Rates per rep (the unit is in `metric`). */
  readonly farm: Summary;
  readonly raw: Summary;
  /** farm/raw: median = ratio of the medians; min/max = extremes of the per-round ratios. */
  readonly ratio: Summary;
}

export interface RuntimeBenchResult {
  readonly machine: string;
  readonly pin: Pin;
  readonly rows: readonly RuntimeBenchRow[];
  /** The markdown table that was printed. */
  readonly table: string;
}

const sizeName = (bytes: number): string => (bytes >= 1024 * KiB ? `${bytes / 1024 / KiB} MiB` : `${bytes / KiB} KiB`);
const sizeId = (bytes: number): string => sizeName(bytes).replace(' ', '');

/** The raw baseline: one forked child, replies matched to requests in order. */
class RawChild {
  private readonly waiting: Array<(m: unknown) => void> = [];
  private constructor(readonly child: ChildProcess) {
    child.on('message', (m) => this.waiting.shift()?.(m));
  }

  static async start(): Promise<RawChild> {
    const path = fileURLToPath(new URL('./raw-ipc-child.cjs', import.meta.url));
    const raw = new RawChild(fork(path, [], { serialization: 'advanced', execArgv: [] }));
    await raw.call('echo', 0);
    return raw;
  }

  call(op: 'echo' | 'recv' | 'give', payload: unknown): Promise<unknown> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.child.send([op, payload]);
    });
  }

  close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill();
    });
  }
}

/** Runs `iters` calls keeping `window` of them in flight. */
function pipelined(iters: number, window: number, call: (i: number) => Promise<unknown>): Promise<void> {
  return new Promise((resolve, reject) => {
    if (iters <= 0) return resolve();
    let issued = 0;
    let done = 0;
    const onDone = (): void => {
      done++;
      if (done === iters) resolve();
      else if (issued < iters) issue();
    };
    const issue = (): void => {
      call(issued++).then(onDone, reject);
    };
    while (issued < Math.min(window, iters)) issue();
  });
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`bench self-check failed: ${what}`);
}

function checkAck(ack: unknown, f: Float32Array, who: string): void {
  check(Array.isArray(ack) && ack[0] === f.length && ack[1] === f[f.length - 1], `${who} acked ${JSON.stringify(ack)} for ${f.length} floats`);
}

function checkArray(x: unknown, floats: number, who: string): void {
  check(x instanceof Float32Array && x.length === floats, `${who} answered ${Object.prototype.toString.call(x)} of length ${(x as { length?: number })?.length}, expected a Float32Array of ${floats}`);
}

function selected(only: string | undefined): (group: string, id: string) => boolean {
  if (only === undefined) return () => true;
  const wanted = only.split(',').map((s) => s.trim()).filter(Boolean);
  return (group, id) => wanted.includes(group) || wanted.includes(id);
}

export async function main(args: readonly string[] = [], log: (line: string) => void = console.log): Promise<RuntimeBenchResult> {
  const opts = parseOptions(args, { flags: ['quick'], values: ['only', 'pin', 'reps', 'rep-ms'] });
  const base = opts.flags.has('quick') ? QUICK : FULL;
  const o = withRepOptions(base, opts.values);
  const want = selected(opts.values.get('only'));
  const known = [...GROUPS, 'rtt', 'pipelined', ...SIZES.flatMap((b) => [`d2a-${sizeId(b)}`, `a2d-${sizeId(b)}`]), 'e2e'];
  for (const s of (opts.values.get('only') ?? '').split(',').map((x) => x.trim()).filter(Boolean)) {
    if (!known.includes(s)) throw new Error(`--only: unknown metric '${s}' (known: ${[...new Set(known)].join(', ')})`);
  }

  let pin = (opts.values.get('pin') ?? 'none') as Pin;
  if (!['none', 'split', 'same'].includes(pin)) throw new Error(`--pin must be split, same or none, got '${pin}'`);
  const machine = machineInfo();
  log(`# rlflow runtime benchmark: farm backend vs raw child_process.fork IPC (serialization 'advanced')`);
  log('');
  log(`machine: ${machine}`);
  log(`load average at start: ${loadAvg()} (other processes running skew the absolute numbers; the interleaved ratios less so)`);
  if (pin !== 'none' && !hasTaskset()) {
    log(`pin: taskset is not available, running unpinned`);
    pin = 'none';
  }
  if (pin === 'split' && os.availableParallelism() < 2) {
    log(`pin: split needs 2 CPUs, running unpinned`);
    pin = 'none';
  }
  if (pin !== 'none') pinProcess(process.pid, '0');
  const childCpu = pin === 'split' ? '1' : '0';
  const pinChild = (pid: number | undefined): void => {
    if (pin !== 'none' && pid !== undefined && !pinProcess(pid, childCpu)) log(`pin: could not pin pid ${pid}`);
  };
  log(`pin: ${pin === 'none' ? 'none (the scheduler decides)' : pin === 'split' ? 'split (driver on CPU 0, children on CPU 1)' : 'same (driver and children on CPU 0)'}`);
  log(`reps: ${o.reps} per alternative, ~${o.repMs} ms each, interleaved farm/raw${opts.flags.has('quick') ? ' (--quick: smoke run, numbers are not meaningful)' : ''}`);

  const rows: RuntimeBenchRow[] = [];
  const measure = async (id: string, metric: string, farm: (n: number) => Promise<void>, raw: (n: number) => Promise<void>, unitsPerIter = 1): Promise<void> => {
    const [f, r] = await measureInterleaved(
      [
        { name: 'farm', run: farm },
        { name: 'raw', run: raw },
      ],
      o,
    );
    const farmRate = perSecond(f!, unitsPerIter);
    const rawRate = perSecond(r!, unitsPerIter);
    rows.push({ id, metric, farm: farmRate, raw: rawRate, ratio: ratio(farmRate, rawRate) });
  };

  const needBackend = SIZES.some((b) => want('typed', `d2a-${sizeId(b)}`) || want('typed', `a2d-${sizeId(b)}`)) || want('rtt', 'rtt') || want('pipelined', 'pipelined');
  const needE2e = want('e2e', 'e2e');
  let raw: RawChild | undefined;
  let backend: FarmBackend | undefined;
  let runtime: Runtime<Float32Array> | undefined;
  try {
    raw = await RawChild.start();
    pinChild(raw.child.pid);
    const rawc = raw;

    if (needBackend) {
      const b = new FarmBackend();
      backend = b;
      const actor: ActorRef = { group: 'bench', index: 0 };
      await b.start([{ group: actor.group, index: actor.index, seed: 1, rootSeed: 0, actorClass: { module: BenchActor.module, name: 'BenchActor' }, args: [] }]);
      for (const pid of Object.values(b.pids())) pinChild(pid);
      check((await b.call(actor, 'echo', [7])) === 7 && (await rawc.call('echo', 7)) === 7, 'echo');

      if (want('rtt', 'rtt')) {
        await measure(
          'rtt',
          'round trips/s, 1 in flight (echo of a number)',
          async (n) => {
            for (let i = 0; i < n; i++) await b.call(actor, 'echo', [i]);
          },
          async (n) => {
            for (let i = 0; i < n; i++) await rawc.call('echo', i);
          },
        );
      }
      if (want('pipelined', 'pipelined')) {
        await measure(
          'pipelined',
          `calls/s, ${WINDOW} in flight (echo of a number)`,
          (n) => pipelined(n, WINDOW, (i) => b.call(actor, 'echo', [i])),
          (n) => pipelined(n, WINDOW, (i) => rawc.call('echo', i)),
        );
      }
      for (const bytes of SIZES) {
        const floats = bytes / 4;
        const mb = bytes / 1e6;
        if (want('typed', `d2a-${sizeId(bytes)}`)) {
          const f = makeFloats(floats);
          checkAck(await b.call(actor, 'recv', [f]), f, 'farm');
          checkAck(await rawc.call('recv', f), f, 'raw');
          await measure(
            `d2a-${sizeId(bytes)}`,
            `driver→actor Float32Array ${sizeName(bytes)}, MB/s`,
            async (n) => {
              for (let i = 0; i < n; i++) await b.call(actor, 'recv', [f]);
            },
            async (n) => {
              for (let i = 0; i < n; i++) await rawc.call('recv', f);
            },
            mb,
          );
        }
        if (want('typed', `a2d-${sizeId(bytes)}`)) {
          checkArray(await b.call(actor, 'give', [floats]), floats, 'farm');
          checkArray(await rawc.call('give', floats), floats, 'raw');
          await measure(
            `a2d-${sizeId(bytes)}`,
            `actor→driver Float32Array ${sizeName(bytes)}, MB/s`,
            async (n) => {
              for (let i = 0; i < n; i++) await b.call(actor, 'give', [floats]);
            },
            async (n) => {
              for (let i = 0; i < n; i++) await rawc.call('give', floats);
            },
            mb,
          );
        }
      }
      await b.close();
      backend = undefined;
    }

    if (needE2e) {
      const floats = E2E_BYTES / 4;
      const group = actors(BenchActor, { count: 1, args: [floats], name: 'bench' });
      const plan = await compile(fromActors(group).gatherAsync(), { name: 'bench-runtime-e2e' });
      const rt = await run<Float32Array>(plan, { backend: 'farm' });
      runtime = rt;
      for (const pid of Object.values((rt.backend as FarmBackend).pids())) pinChild(pid);
      const first = await rt.next();
      checkArray(first.value, floats, 'plan');
      checkArray(await rawc.call('give', floats), floats, 'raw');
      // gatherAsync() keeps one request in flight: it re-requests as soon as a reply arrives, before
      // handing the item on. The raw loop does the same: one `give` always outstanding.
      let ahead: Promise<unknown> | undefined;
      await measure(
        'e2e',
        `plan items/s: fromActors().gatherAsync() (1 in flight), ${sizeName(E2E_BYTES)} Float32Array items`,
        async (n) => {
          for (let i = 0; i < n; i++) await rt.next();
        },
        async (n) => {
          for (let i = 0; i < n; i++) {
            const reply = ahead ?? rawc.call('give', floats);
            ahead = undefined;
            await reply;
            ahead = rawc.call('give', floats);
          }
        },
      );
    }
  } finally {
    await runtime?.close();
    await backend?.close();
    await raw?.close();
  }

  const table = markdownTable(
    ['metric', 'farm (median [min–max])', 'raw fork+send (median [min–max])', 'ratio farm/raw'],
    rows.map((r) => [r.metric, spread(r.farm), spread(r.raw), spread(r.ratio)]),
  );
  log('');
  log(table);
  log('');
  log(`Rates per rep; ratio = farm median / raw median, [min–max] of the per-round ratios (rep i of farm over rep i of raw).`);
  log(`MB = 10⁶ bytes of payload per round trip (the other direction carries a tiny ack or request).`);
  log(`load average at end: ${loadAvg()}`);
  return { machine, pin, rows, table };
}


