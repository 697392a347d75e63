/**
 * The `farm` backend: each actor is its own worker process, started with `worker-farm` (one farm of one
 * child per actor, so an actor's state lives in exactly one process). IPC uses Node's `advanced`
 * serialization (structured clone), so typed arrays cross as binary, not as JSON. Calls to an actor are
 * sent in order and run one at a time by the actor's mailbox.
 *
 * Faults (see faults.ts): every call has a deadline and every worker sends heartbeats; a worker past
 * either is stuck and gets killed. A worker that dies fails its pending calls and is recreated in place
 * or given up as restarts.ts decides (the restart policy the `nats` backend shares). Worker processes
 * watch the driver and kill themselves when it dies (farm-child.cts).
 */
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import workerFarm from 'worker-farm';
import { formatActor, type ActorRef } from '../ir/contract.js';
import type { ActorSpec, TimedReply } from './actor-host.js';
import { RemoteCallError, toRemoteFailure, type ActorBackend, type RemoteFailure } from './backend.js';
import { deadlineOf, faultPolicy, type FaultEvent, type FaultOptions, type FaultPolicy } from './faults.js';
import { Restarts, supervised, type Supervised } from './restarts.js';
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

/** One process of an actor: the first, or a recreation after a crash. */
interface Incarnation {
  readonly farm: workerFarm.Workers;
  child: ChildProcess | undefined;
  pid: number | undefined;
  crashed: RemoteFailure | undefined;
  /** When the process's JS thread last sent a heartbeat (driver's clock, ms). */
  lastBeat: number;
  /** Calls sent and not answered, with their deadlines. */
  readonly calls: Map<number, { readonly method: string; readonly sentAt: number; readonly deadline: number }>;
  /** Set once this incarnation died: resolves true when the actor was recreated. */
  recovery: Promise<boolean> | undefined;
}

type Worker = Supervised<Incarnation>;

type FarmFn = 'start' | 'call' | 'callTimed';

/** How long close() lets workers finish in-flight calls before killing them. */
const CLOSE_GRACE_MS = 2000;

/**
 * The `farm` backend: each actor is its own worker process on this machine, with call deadlines,
 * heartbeats, and crash recovery (restart or give up) as the run's `FaultOptions` and the group's `resync` allow.
 */
export class FarmBackend implements ActorBackend {
  readonly name = 'farm';
  readonly clock = new RealClock();
  onFault?: (event: FaultEvent) => void;
  private readonly policy: FaultPolicy;
  private readonly restarter: Restarts<Incarnation>;
  private readonly workers: Map<string, Worker>;
  private pending = 0;
  private nextCall = 0;
  private closed = false;
  private execArgv: string[] = [];
  private watch: NodeJS.Timeout | undefined;

  constructor(faults: FaultOptions = {}) {
    this.policy = faultPolicy(faults);
    this.restarter = new Restarts<Incarnation>(this.policy, {
      incarnate: (worker) => this.incarnate(worker),
      dispose: (inc) => workerFarm.end(inc.farm),
      callOn: (worker, inc, method, args) => this.sendTo(worker, inc, 'call', [method, args], method),
      report: (event) => this.onFault?.(event),
      isClosed: () => this.closed,
    });
    this.workers = this.restarter.actors;
  }

  async start(actors: readonly ActorSpec[]): Promise<void> {
    this.execArgv = workerExecArgv(actors);
    // NOTE: checks a few times per heartbeat timeout, but at least every second (deadlines of short calls).
    const every = Math.max(20, Math.min(1000, this.policy.heartbeatTimeoutMs / 4));
    this.watch = setInterval(() => this.checkStuck(), every);
    this.watch.unref();
    await Promise.all(
      actors.map(async (spec) => {
        const worker = supervised<Incarnation>(spec);
        this.workers.set(formatActor(worker.ref), worker);
        await this.incarnate(worker);
      }),
    );
  }

  /** Starts a (new) process for the worker's actor and constructs the actor in it. */
  private async incarnate(worker: Worker): Promise<void> {
    const inc: Incarnation = { farm: undefined as unknown as workerFarm.Workers, child: undefined, pid: undefined, crashed: undefined, lastBeat: Date.now(), calls: new Map(), recovery: undefined };
    const ref = worker.ref;
    (inc as { farm: workerFarm.Workers }).farm = workerFarm(
      {
        maxConcurrentWorkers: 1,
        maxConcurrentCallsPerWorker: Number.POSITIVE_INFINITY,
        maxRetries: 0,
        autoStart: true,
        // RLFLOW_DRIVER_PID: lets a worker's watchdog find its siblings once the driver is gone (farm-child.cts).
        workerOptions: { serialization: 'advanced', execArgv: this.execArgv, env: { ...process.env, RLFLOW_DRIVER_PID: String(process.pid) } },
        onChild: (child) => {
          inc.child = child;
          child.on('message', (m: { owner?: unknown; beat?: unknown }) => {
            if (m && m.owner === 'rlflow' && typeof m.beat === 'number') inc.lastBeat = Date.now();
          });
          child.once('exit', (code, signal) => {
            inc.crashed ??= {
              name: 'ActorCrashedError',
              message: `the worker process (pid ${child.pid}) of actor ${formatActor(ref)} exited with ${signal ? `signal ${signal}` : `code ${code}`}`,
              stack: undefined,
              crashed: true,
            };
            // An idle actor that dies is recreated too, so the next call finds it alive.
            if (!this.closed && worker.current === inc) void this.restarter.recover(worker, inc);
          });
        },
      },
      childPath,
      ['start', 'call', 'callTimed'],
    );
    worker.current = inc;
    inc.pid = (await this.sendTo(worker, inc, 'start', [worker.spec, workerUrl], 'constructor')) as number;
  }

  /** Kills workers whose calls are past their deadline or whose heartbeats stopped while calls are in flight. */
  private checkStuck(): void {
    const now = Date.now();
    for (const worker of this.workers.values()) {
      const inc = worker.current;
      if (inc.crashed || inc.calls.size === 0 || !inc.child) continue;
      const calls = [...inc.calls.values()];
      const late = calls.find((c) => now > c.deadline);
      const silent = now - inc.lastBeat;
      let why: string | undefined;
      if (late) why = `call '${late.method}' ran past its deadline of ${Math.round(late.deadline - late.sentAt)} ms`;
      // The constructor may block the event loop while modules load: only its deadline applies.
      else if (silent > this.policy.heartbeatTimeoutMs && !calls.some((c) => c.method === 'constructor')) {
        why = `no heartbeat for ${(silent / 1000).toFixed(1)} s (heartbeatTimeoutMs ${this.policy.heartbeatTimeoutMs}) while '${calls[0]!.method}' was in flight`;
      }
      if (!why) continue;
      inc.crashed = {
        name: 'ActorStuckError',
        message: `actor ${formatActor(worker.ref)} (pid ${inc.child.pid}) is stuck: ${why}; its process was killed`,
        stack: undefined,
        crashed: true,
      };
      inc.child.kill('SIGKILL');
    }
  }

  /** Sends a call to the actor's current process; while it is being recreated, after that. */
  private send(worker: Worker, fn: FarmFn, args: unknown[], method: string): Promise<unknown> {
    return this.restarter.send(worker, (inc) => this.sendTo(worker, inc, fn, args, method));
  }

  private sendTo(worker: Worker, inc: Incarnation, fn: FarmFn, args: unknown[], method: string): Promise<unknown> {
    // After close, worker-farm would fork a fresh child for a new call: refuse instead.
    if (this.closed) return Promise.reject(new RemoteCallError({ name: 'Error', message: 'the farm backend is closed', stack: undefined, crashed: false }, worker.ref, method));
    const refused = this.restarter.refusal(worker, inc, method);
    if (refused) return Promise.reject(refused);
    this.pending++;
    const id = this.nextCall++;
    const sentAt = Date.now();
    inc.calls.set(id, { method, sentAt, deadline: sentAt + deadlineOf(this.policy, method) });
    return new Promise((resolve, reject) => {
      inc.farm[fn]!(...args, (err: Error | null, reply?: Reply) => {
        this.pending--;
        inc.calls.delete(id);
        if (err) {
          // worker-farm reports a dead child as ProcessTerminatedError; the exit handler has the details.
          const crash = inc.crashed ?? toRemoteFailure(err, true);
          inc.crashed = crash;
          if (method === 'constructor') {
            reject(new RemoteCallError({ ...crash, crashed: true }, worker.ref, method));
            return;
          }
          // Keep the call pending until we know whether the actor comes back: the caller then drops it.
          this.pending++;
          void this.restarter.lostCall(worker, inc, crash, method).then((error) => {
            this.pending--;
            reject(error);
          });
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
    if (method === '$install') worker.installs.push([...args]);
    return this.send(worker, 'call', [method, args], method);
  }

  callTimed(actor: ActorRef, method: string, args: readonly unknown[]): Promise<TimedReply> {
    const worker = this.workers.get(formatActor(actor));
    if (!worker) return Promise.reject(new RemoteCallError(toRemoteFailure(new Error(`no actor ${formatActor(actor)}`)), actor, method));
    if (method === '$install') worker.installs.push([...args]);
    return this.send(worker, 'callTimed', [method, args], method) as Promise<TimedReply>;
  }

  /** Remembers an actor's checkpoint state, to restore it from after a crash (`resync.snapshot` groups). */
  snapshot(actor: ActorRef, state: unknown): void {
    this.restarter.snapshot(actor, state);
  }

  healthy(actor: ActorRef): boolean {
    return this.workers.get(formatActor(actor))?.abandoned !== true;
  }

  /** Process ids of the workers' current processes, by actor (for tests and diagnostics). */
  pids(): Record<string, number | undefined> {
    return Object.fromEntries([...this.workers].map(([k, w]) => [k, w.current.pid]));
  }

  /** Restarts so far, by actor. */
  restarts(): Record<string, number> {
    return Object.fromEntries([...this.workers].map(([k, w]) => [k, w.restarts]));
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
    clearInterval(this.watch);
    await Promise.all(
      [...this.workers.values()].map(async (w) => {
        const child = w.current.child;
        const exited = new Promise<void>((resolve) => {
          if (!child || child.exitCode !== null || child.signalCode !== null) resolve();
          else child.once('exit', () => resolve());
        });
        workerFarm.end(w.current.farm);
        let timer: NodeJS.Timeout | undefined;
        const grace = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), CLOSE_GRACE_MS)));
        if ((await Promise.race([exited, grace])) === 'timeout') child?.kill('SIGKILL');
        clearTimeout(timer);
        await exited;
      }),
    );
    this.workers.clear();
  }
}
