/**
 * The module worker-farm loads in each worker process (worker-farm requires CommonJS). It imports the
 * ESM actor host and answers its calls: `start(spec, workerUrl)` creates this process's actor,
 * `call(method, args)` runs one call through the actor's mailbox, and `callTimed` does the same reporting
 * when the call ran (only while a run is traced). Replies are `{ ok, value | error }`;
 * errors travel as plain data with their stack so the driver can show where in the worker they arose.
 */
interface Host {
  handle(method: string, args: readonly unknown[]): Promise<unknown>;
  handleTimed(method: string, args: readonly unknown[]): Promise<unknown>;
}
type Reply = { ok: true; value: unknown } | { ok: false; error: { name: string; message: string; stack: string | undefined; at?: string } };
type Callback = (err: null, reply: Reply) => void;

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
