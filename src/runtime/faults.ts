/**
 * Fault-handling policy of a run: call deadlines, heartbeats, actor restarts. The runtime's options
 * take a `FaultOptions`; backends that host actors in processes (`farm`) enforce it, and the runtime's
 * call helper turns a restarted actor's dropped work into "nothing arrived" instead of a failure. The
 * counters named here appear in the shared metrics (and in RL result dicts).
 */
import type { ActorRef } from '../ir/contract.js';

/**
 * Fault-handling options of a run (`RuntimeOptions.faults`): call deadlines, heartbeat timeout, actor restarts
 * and whether to carry on without failed actors. Enforced by process-hosting backends.
 */
export interface FaultOptions {
  /** Deadline of an actor call, from when the driver sent it, in ms (default 300 000). */
  readonly callDeadlineMs?: number;
  /** Per-method deadlines, overriding `callDeadlineMs` (e.g. `{ learnOnBatch: 1_800_000 }`). */
  readonly methodDeadlinesMs?: Readonly<Record<string, number>>;
  /**
   * An actor whose process sends no heartbeat for this long while calls to it are in flight is stuck
   * (a loop, SIGSTOP) and is killed (default 60 000). NOTE: heartbeats come from the actor's JS thread,
   * so a synchronous computation longer than this also counts as stuck; actor code should `await`
   * between long steps.
   */
  readonly heartbeatTimeoutMs?: number;
  /** Recreations allowed per actor (default 0: a crash fails the run). Only groups with `resync` restart. */
  readonly maxActorRestarts?: number;
  /**
   * Past the restart cap (or for a group that cannot restart), continue without the actor instead of
   * failing the run, as long as its group keeps one healthy actor (RLlib's ignore_worker_failures).
   */
  readonly ignoreWorkerFailures?: boolean;
}

/** Default deadline of an actor call in ms (`FaultOptions.callDeadlineMs`): 5 minutes. */
export const DEFAULT_CALL_DEADLINE_MS = 300_000;
/** Default heartbeat timeout in ms (`FaultOptions.heartbeatTimeoutMs`): 1 minute. */
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 60_000;
/** How long an actor may take to start (load its module, run its constructor). */
export const START_DEADLINE_MS = 120_000;

export { FAULT_COUNTERS } from '../ir/contract.js';

/** What a backend reports to the runtime about faults (the runtime counts them in the metrics). */
export type FaultEvent =
  | { readonly type: 'restarted'; readonly actor: ActorRef; readonly reason: string }
  | { readonly type: 'abandoned'; readonly actor: ActorRef; readonly reason: string };

/** Validated fault options with defaults filled in. */
export interface FaultPolicy {
  readonly callDeadlineMs: number;
  readonly methodDeadlinesMs: Readonly<Record<string, number>>;
  readonly heartbeatTimeoutMs: number;
  readonly maxActorRestarts: number;
  readonly ignoreWorkerFailures: boolean;
}

function positive(name: string, v: unknown, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !(v > 0)) throw new RangeError(`faults.${name} must be a positive number of ms, got ${String(v)}`);
  return v;
}

export function faultPolicy(options: FaultOptions = {}): FaultPolicy {
  const restarts = options.maxActorRestarts ?? 0;
  if (!Number.isInteger(restarts) || restarts < 0) throw new RangeError(`faults.maxActorRestarts must be an integer >= 0, got ${String(restarts)}`);
  const methods: Record<string, number> = {};
  for (const [m, ms] of Object.entries(options.methodDeadlinesMs ?? {})) methods[m] = positive(`methodDeadlinesMs.${m}`, ms, 0);
  return {
    callDeadlineMs: positive('callDeadlineMs', options.callDeadlineMs, DEFAULT_CALL_DEADLINE_MS),
    methodDeadlinesMs: methods,
    heartbeatTimeoutMs: positive('heartbeatTimeoutMs', options.heartbeatTimeoutMs, DEFAULT_HEARTBEAT_TIMEOUT_MS),
    maxActorRestarts: restarts,
    ignoreWorkerFailures: options.ignoreWorkerFailures === true,
  };
}

/** The deadline of a call to `method` under `policy`. */
export function deadlineOf(policy: FaultPolicy, method: string): number {
  if (method === 'constructor') return Math.max(START_DEADLINE_MS, policy.callDeadlineMs);
  return policy.methodDeadlinesMs[method] ?? policy.callDeadlineMs;
}
