/**
 * The `farm` backend: each actor is its own worker process, started with `worker-farm` (one farm of one
 * child per actor, so an actor's state lives in exactly one process). IPC uses Node's `advanced`
 * serialization (structured clone), so typed arrays cross as binary, not as JSON. Calls to an actor are
 * sent in order and run one at a time by the actor's mailbox. A worker that dies fails its pending
 * calls and every later call with a crash error; nothing is retried behind the user's back.
 */
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import workerFarm from 'worker-farm';
import { formatActor, type ActorRef } from '../ir/contract.js';
import type { ActorSpec, TimedReply } from './actor-host.js';
import { RemoteCallError, toRemoteFailure, type ActorBackend, type RemoteFailure } from './backend.js';
import { RealClock } from './virtual-clock.js';

type Reply = { ok: true; value: unknown } | { ok: false; error: { name: string; message: string; stack: string | undefined; at?: string } };

const here = import.meta.url;
const isSourceTree = here.endsWith('.ts');
const childPath = fileURLToPath(new URL(isSourceTree ? './farm-child.cts' : './farm-child.cjs', here));
const workerUrl = new URL(isSourceTree ? './farm-worker.ts' : './farm-worker.js', here).href;

const LOADER_FLAGS = new Set(['--import', '--loader', '--experimental-loader', '--require', '-r']);

/** Whether an execArgv entry (with the one before it) loads tsx. */
function isTsxFlag(argv: readonly string[], i: number): boolean {
  const a = argv[i]!;
  const eq = /^(--import|--loader|--experimental-loader|--require)=(.*)$/.exec(a);
  if (eq) return eq[2]!.includes('tsx');
  return LOADER_FLAGS.has(a) && (argv[i + 1] ?? '').includes('tsx');
}

/** Flags about the driver's inline script: its code (`-e code`, `--print=code`) and how to read it. */
const EVAL_FLAGS = new Set(['-e', '--eval', '-p', '--print', '--input-type']);

/**
 * The driver's execArgv without `-e/--eval/-p/--print` and their code (nor `--input-type`, which Node
 * refuses without them). NOTE: a driver started with
 * `node -e "…main(['train', …])"` would otherwise hand its code to every worker, and each worker would
 * start a training run of its own: a fork bomb.
 */
export function withoutEvalFlags(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (EVAL_FLAGS.has(a)) {
      i++;
      continue;
    }
    if (/^(--eval|--print|--input-type)=/.test(a)) continue;
    out.push(a);
  }
  return out;
}

/**
 * Node flags for workers: the driver's own (minus debugger flags), and when TypeScript must be loaded in
 * the worker (rlflow's own sources, a driver running under tsx, or TypeScript actor modules) the full
 * tsx loader, which also hooks `require` for the CommonJS child entry. Partial tsx flags of the
 * driver (e.g. tsx's ESM-only hook) are replaced by it.
 */
function workerExecArgv(actors: readonly ActorSpec[]): string[] {
  const argv = withoutEvalFlags(process.execArgv).filter((a) => !/^--(inspect|debug)/.test(a));
  const out: string[] = [];
  let driverHasTsx = false;
  for (let i = 0; i < argv.length; i++) {
    if (isTsxFlag(argv, i)) {
      driverHasTsx = true;
      if (!argv[i]!.includes('=')) i++;
      continue;
    }
    out.push(argv[i]!);
  }
  const needsTs = isSourceTree || driverHasTsx || actors.some((a) => /\.[mc]?tsx?$/.test(a.actorClass.module));
  if (needsTs) {
    try {
      out.push('--import', import.meta.resolve('tsx'));
    } catch {
      // no TypeScript loader installed; the worker reports the failed import of the TypeScript module
    }
  }
  return out;
}

interface Worker {
  readonly ref: ActorRef;
  readonly farm: workerFarm.Workers;
  pid: number | undefined;
  child: ChildProcess | undefined;
  crashed: RemoteFailure | undefined;
}

/** How long close() lets workers finish in-flight calls before killing them. */
const CLOSE_GRACE_MS = 2000;

export class FarmBackend implements ActorBackend {
  readonly name = 'farm';
  readonly clock = new RealClock();
  private readonly workers = new Map<string, Worker>();
  private pending = 0;
  private closed = false;

  async start(actors: readonly ActorSpec[]): Promise<void> {
    const execArgv = workerExecArgv(actors);
    await Promise.all(
      actors.map(async (spec) => {
        const ref = { group: spec.group, index: spec.index };
        const worker: Worker = { ref, farm: undefined as unknown as workerFarm.Workers, pid: undefined, child: undefined, crashed: undefined };
        (worker as { farm: workerFarm.Workers }).farm = workerFarm(
          {
            maxConcurrentWorkers: 1,
            maxConcurrentCallsPerWorker: Number.POSITIVE_INFINITY,
            maxRetries: 0,
            autoStart: true,
            workerOptions: { serialization: 'advanced', execArgv },
            onChild: (child) => {
              worker.child = child;
              child.once('exit', (code, signal) => {
                worker.crashed ??= {
                  name: 'ActorCrashedError',
                  message: `the worker process (pid ${child.pid}) of actor ${formatActor(ref)} exited with ${signal ? `signal ${signal}` : `code ${code}`}`,
                  stack: undefined,
                  crashed: true,
                };
              });
            },
          },
          childPath,
          ['start', 'call', 'callTimed'],
        );
        this.workers.set(formatActor(ref), worker);
        const reply = await this.send(worker, 'start', [spec, workerUrl], 'constructor');
        worker.pid = reply as number;
      }),
    );
  }

  private send(worker: Worker, fn: 'start' | 'call' | 'callTimed', args: unknown[], method: string): Promise<unknown> {
    // After close, worker-farm would fork a fresh child for a new call: refuse instead.
    if (this.closed) return Promise.reject(new RemoteCallError({ name: 'Error', message: 'the farm backend is closed', stack: undefined, crashed: false }, worker.ref, method));
    if (worker.crashed) return Promise.reject(new RemoteCallError(worker.crashed, worker.ref, method));
    this.pending++;
    return new Promise((resolve, reject) => {
      worker.farm[fn]!(...args, (err: Error | null, reply?: Reply) => {
        this.pending--;
        if (err) {
          // worker-farm reports a dead child as ProcessTerminatedError; the exit handler has the details.
          const crash = worker.crashed ?? toRemoteFailure(err, true);
          worker.crashed = crash;
          reject(new RemoteCallError({ ...crash, crashed: true }, worker.ref, method));
        } else if (!reply || !reply.ok) {
          reject(new RemoteCallError({ ...(reply?.error ?? { name: 'Error', message: 'no reply', stack: undefined }), crashed: false }, worker.ref, method));
        } else {
          resolve(reply.value);
        }
      });
    });
  }

  call(actor: ActorRef, method: string, args: readonly unknown[]): Promise<unknown> {
    const worker = this.workers.get(formatActor(actor));
    if (!worker) return Promise.reject(new RemoteCallError(toRemoteFailure(new Error(`no actor ${formatActor(actor)}`)), actor, method));
    return this.send(worker, 'call', [method, args], method);
  }

  callTimed(actor: ActorRef, method: string, args: readonly unknown[]): Promise<TimedReply> {
    const worker = this.workers.get(formatActor(actor));
    if (!worker) return Promise.reject(new RemoteCallError(toRemoteFailure(new Error(`no actor ${formatActor(actor)}`)), actor, method));
    return this.send(worker, 'callTimed', [method, args], method) as Promise<TimedReply>;
  }

  /** Process ids of the workers, by actor (for tests and diagnostics). */
  pids(): Record<string, number | undefined> {
    return Object.fromEntries([...this.workers].map(([k, w]) => [k, w.pid]));
  }

  inFlight(): number {
    return this.pending;
  }

  hasPendingWork(): boolean {
    return false;
  }

  /**
   * Stops every worker: lets in-flight calls finish for a short grace period, then kills what is left.
   * Idempotent; later calls are refused.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(
      [...this.workers.values()].map(async (w) => {
        const exited = new Promise<void>((resolve) => {
          if (!w.child || w.child.exitCode !== null || w.child.signalCode !== null) resolve();
          else w.child.once('exit', () => resolve());
        });
        workerFarm.end(w.farm);
        let timer: NodeJS.Timeout | undefined;
        const grace = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), CLOSE_GRACE_MS)));
        if ((await Promise.race([exited, grace])) === 'timeout') w.child?.kill('SIGKILL');
        clearTimeout(timer);
        await exited;
      }),
    );
    this.workers.clear();
  }
}
