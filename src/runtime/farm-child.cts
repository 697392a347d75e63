/**
 * The module worker-farm loads in each worker process (worker-farm requires CommonJS). It imports the
 * ESM actor host and answers its calls: `start(spec, workerUrl)` creates this process's actor,
 * `call(method, args)` runs one call through the actor's mailbox, and `callTimed` does the same reporting
 * when the call ran (only while a run is traced). Replies are `{ ok, value | error }`;
 * errors travel as plain data with their stack so the driver can show where in the worker they arose.
 */
import { Worker } from 'node:worker_threads';

interface Host {
  handle(method: string, args: readonly unknown[]): Promise<unknown>;
  handleTimed(method: string, args: readonly unknown[]): Promise<unknown>;
}
type Reply = { ok: true; value: unknown } | { ok: false; error: { name: string; message: string; stack: string | undefined; at?: string } };
type Callback = (err: null, reply: Reply) => void;


/**
 * Parent-death watchdog. NOTE: it runs on its own thread because this process's JS thread may be stuck
 * in an actor's infinite loop, where no timer or 'disconnect' handler of ours would ever run. When the
 * driver dies (exit, crash, kill -9) this process is re-parented, `process.ppid` changes, and the
 * thread SIGKILLs the whole process within one poll. (Linux's PR_SET_PDEATHSIG is not reachable from
 * Node without a native addon; this is the portable equivalent.) A stopped (SIGSTOP) sibling cannot run
 * its own watchdog, so before dying each watchdog also kills every process whose environment carries
 * the same dead driver's pid (`RLFLOW_DRIVER_PID`, set by the farm backend; read from /proc, on Linux).
 */
const WATCHDOG_POLL_MS = 100;
const watchdog = new Worker(
  `const fs = require('node:fs');
   const first = process.ppid;
   const mark = 'RLFLOW_DRIVER_PID=' + first + '\\0';
   function killSiblings() {
     let entries = [];
     try { entries = fs.readdirSync('/proc'); } catch { return; }
     for (const d of entries) {
       if (!/^[0-9]+$/.test(d) || Number(d) === process.pid) continue;
       try {
         const env = fs.readFileSync('/proc/' + d + '/environ', 'latin1');
         if (env.startsWith(mark) || env.includes('\\0' + mark)) process.kill(Number(d), 'SIGKILL');
       } catch {}
     }
   }
   setInterval(() => {
     if (process.ppid === first) return;
     if (process.env.RLFLOW_DRIVER_PID === String(first)) killSiblings();
     process.kill(process.pid, 'SIGKILL');
   }, ${WATCHDOG_POLL_MS});`,
  // No loader flags (tsx) in the thread: it runs plain JavaScript and should start in milliseconds.
  { eval: true, execArgv: [], resourceLimits: { maxOldGenerationSizeMb: 8 } },
);
watchdog.unref();

/**
 * Heartbeat: proof that this process's JS thread still turns. The driver declares the actor stuck when
 * beats stop for longer than its heartbeat timeout while calls are in flight (a loop, a SIGSTOP).
 */
const HEARTBEAT_MS = 250;
setInterval(() => {
  if (process.connected) process.send?.({ owner: 'rlflow', beat: Date.now() });
}, HEARTBEAT_MS).unref();

let host: Host | undefined;

function failure(e: unknown): Reply {
  // `rlflowAt` (actor-host's FAILED_AT): which member of a fused segment threw.
  const at = e instanceof Error ? (e as Error & { rlflowAt?: unknown }).rlflowAt : undefined;
  return e instanceof Error
    ? { ok: false, error: { name: e.name, message: e.message, stack: e.stack, ...(typeof at === 'string' ? { at } : {}) } }
    : { ok: false, error: { name: 'Error', message: String(e), stack: undefined } };
}

function reply(cb: Callback, value: Reply): void {
  try {
    cb(null, value);
  } catch (e) {
    // The value could not be serialized for IPC (e.g. it holds a function): report that instead.
    cb(null, failure(new TypeError(`the result cannot be sent to the driver: ${(e as Error).message}`)));
  }
}

export function start(spec: unknown, workerUrl: string, cb: Callback): void {
  (import(workerUrl) as Promise<{ createHost(spec: unknown): Promise<Host> }>)
    .then((m) => m.createHost(spec))
    .then(
      (h) => {
        host = h;
        reply(cb, { ok: true, value: process.pid });
      },
      (e: unknown) => reply(cb, failure(e)),
    );
}

export function call(method: string, args: readonly unknown[], cb: Callback): void {
  if (!host) {
    reply(cb, failure(new Error('actor not started in this worker process')));
    return;
  }
  host.handle(method, args).then(
    (value) => reply(cb, { ok: true, value }),
    (e: unknown) => reply(cb, failure(e)),
  );
}

/** As `call`, replying `{ value, timing }` with when the actor received, started and finished it (run traces). */
export function callTimed(method: string, args: readonly unknown[], cb: Callback): void {
  if (!host) {
    reply(cb, failure(new Error('actor not started in this worker process')));
    return;
  }
  host.handleTimed(method, args).then(
    (value) => reply(cb, { ok: true, value }),
    (e: unknown) => reply(cb, failure(e)),
  );
}

// NOTE: worker-farm's child never exits on its own when its parent dies (killed, not closed): leave
// with it, so no actor process outlives the process that hosts it (the driver, or an `rlflow node`).
process.once('disconnect', () => process.exit(0));
