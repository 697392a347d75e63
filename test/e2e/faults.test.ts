/**
 * Fault handling on real worker processes (farm backend): stuck actors (an infinite loop, SIGSTOP)
 * found by deadlines and heartbeats and reported naming the actor, node and plan line; crashed actors
 * recreated in place and re-synced through their group's `resync` hook, their in-flight work dropped
 * and counted; the restart cap; `ignoreWorkerFailures`; a group that cannot restart failing clearly.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ActorCrashedError, ActorStuckError, FAULT_COUNTERS, actors, compile, fromActors, fromItems, run, type Runtime } from '../../src/index.js';
import type { FaultOptions } from '../../src/runtime/faults.js';
import { Spinner, Ticker } from '../fixtures/faulty-actors.js';
import { assertProcessesGone, farmPids, pullUntil } from './helpers.js';

const THIS_FILE = fileURLToPath(import.meta.url);

function lineOf(marker: string): number {
  const lines = readFileSync(THIS_FILE, 'utf8').split('\n');
  const hits = lines.flatMap((l, i) => (l.includes(marker) && !l.includes('lineOf(') ? [i + 1] : []));
  assert.equal(hits.length, 1, `marker ${marker} appears once`);
  return hits[0]!;
}

interface Tick {
  readonly actor: number;
  readonly pid: number;
  readonly offset: number;
  readonly k: number;
}

async function tickers(faults: FaultOptions, options: { resync?: boolean; count?: number } = {}): Promise<Runtime<Tick>> {
  const group = actors(Ticker, { count: options.count ?? 2, name: 'tickers', ...(options.resync === false ? {} : { resync: { get: 'getState', set: 'setState' } }) });
  const plan = await compile(fromActors(group).gatherAsync({ inFlight: 2 })); // MARK:tickers
  return run<Tick>(plan, { backend: 'farm', faults });
}

describe('farm: stuck actors', () => {
  test('an actor in an infinite loop is killed once heartbeats stop, and the error names actor, node and line', async () => {
    const spinner = actors(Spinner, { name: 'spinner' });
    const plan = await compile(fromItems([1, 2]).callActor(spinner, 'spin')); // MARK:spin-call
    const rt = await run(plan, { backend: 'farm', faults: { heartbeatTimeoutMs: 1500 } });
    const pids = farmPids(rt as Runtime<unknown>);
    const started = Date.now();
    try {
      await assert.rejects(rt.next(), (e) => {
        assert.ok(e instanceof ActorStuckError, `an ActorStuckError, got ${String(e)}`);
        assert.ok(e instanceof ActorCrashedError, 'a kind of crash');
        assert.equal(e.actor, 'spinner[0]');
        assert.match(e.nodeName ?? '', /callActor\(spinner\.spin\)/);
        assert.equal(e.source?.line, lineOf('MARK:spin-call'));
        assert.match(e.message, /no heartbeat for .* while 'spin' was in flight/);
        return true;
      });
      const waited = Date.now() - started;
      assert.ok(waited < 1500 + 3000, `detected in ${waited} ms`);
    } finally {
      await rt.close();
    }
    await assertProcessesGone(pids);
  });

  test('a call past its per-method deadline is reported as stuck', async () => {
    const spinner = actors(Spinner, { name: 'spinner' });
    const plan = await compile(fromItems([1]).callActor(spinner, 'spin'));
    const rt = await run(plan, { backend: 'farm', faults: { methodDeadlinesMs: { spin: 300 } } });
    try {
      await assert.rejects(rt.next(), (e) => e instanceof ActorStuckError && /call 'spin' ran past its deadline of 300 ms/.test(e.message));
    } finally {
      await rt.close();
    }
  });

  test('a SIGSTOPped actor is detected within its heartbeat timeout and fails the run without restarts', async () => {
    // NOTE: timeouts in these tests leave room for a loaded CI machine, where a busy worker may not run for a while.
    const rt = await tickers({ heartbeatTimeoutMs: 2500 }, { resync: false });
    const pids = farmPids(rt as Runtime<unknown>);
    try {
      await rt.take(10);
      process.kill(pids[1]!, 'SIGSTOP');
      const stoppedAt = Date.now();
      const err = await (async () => {
        for (;;) {
          try {
            await rt.next();
          } catch (e) {
            return e;
          }
        }
      })();
      assert.ok(err instanceof ActorStuckError, String(err));
      assert.equal(err.actor, 'tickers[1]');
      assert.equal(err.source?.line, lineOf('MARK:tickers'));
      const waited = Date.now() - stoppedAt;
      assert.ok(waited < 2500 + 3000, `detected in ${waited} ms`);
    } finally {
      await rt.close();
    }
    await assertProcessesGone(pids);
  });
});

describe('farm: actor restarts', () => {
  test('a killed actor is recreated in place, re-synced from a live peer, and the plan continues', async () => {
    const rt = await tickers({ maxActorRestarts: 2 });
    const first = farmPids(rt as Runtime<unknown>);
    let last: number[] = [];
    try {
      await Promise.all([0, 1].map((index) => rt.backend.call({ group: 'tickers', index }, 'setOffset', [100])));
      await pullUntil(rt, (t) => t.actor === 0 && t.offset === 100);
      process.kill(first[0]!, 'SIGKILL');
      const after = await pullUntil(rt, (t) => t.actor === 0 && t.pid !== first[0]);
      const fresh = after.at(-1)!;
      assert.equal(fresh.offset, 100, 'the new actor got its state from its peer');
      assert.equal(fresh.k, 0, 'a new process, counting from the start');
      assert.equal(rt.metrics.get(FAULT_COUNTERS.restarts), 1);
      // Items keep coming from both actors, and the old process's items stop.
      const more = await rt.take(40);
      assert.ok(more.every((t) => t.pid !== first[0]));
      assert.deepEqual(new Set(more.map((t) => t.actor)), new Set([0, 1]));
      last = farmPids(rt as Runtime<unknown>);
      assert.notEqual(last[0], first[0]);
    } finally {
      await rt.close();
    }
    await assertProcessesGone([...first, ...last]);
  });

  test('a SIGSTOPped actor is killed and recreated; the run goes on', async () => {
    const rt = await tickers({ maxActorRestarts: 2, heartbeatTimeoutMs: 2500 });
    const first = farmPids(rt as Runtime<unknown>);
    try {
      await rt.take(10);
      const stopped = farmPids(rt as Runtime<unknown>)[1]!;
      process.kill(stopped, 'SIGSTOP');
      await pullUntil(rt, (t) => t.actor === 1 && t.pid !== stopped);
      assert.ok(rt.metrics.get(FAULT_COUNTERS.restarts) >= 1);
    } finally {
      await rt.close();
    }
    await assertProcessesGone(first);
  });

  test('past maxActorRestarts the run fails with the crash', async () => {
    const rt = await tickers({ maxActorRestarts: 1 });
    try {
      const p0 = farmPids(rt as Runtime<unknown>)[0]!;
      process.kill(p0, 'SIGKILL');
      await pullUntil(rt, (t) => t.actor === 0 && t.pid !== p0);
      const p1 = farmPids(rt as Runtime<unknown>)[0]!;
      process.kill(p1, 'SIGKILL');
      await assert.rejects(pullUntil(rt, () => false, 100000), (e) => e instanceof ActorCrashedError && e.actor === 'tickers[0]' && /exited with signal SIGKILL.*not restarted: restarted 1 time\(s\) already \(maxActorRestarts 1\)/.test(e.message));
      assert.equal(rt.metrics.get(FAULT_COUNTERS.restarts), 1);
    } finally {
      await rt.close();
    }
  });

  test('with ignoreWorkerFailures the run continues without the actor', async () => {
    const rt = await tickers({ maxActorRestarts: 0, ignoreWorkerFailures: true }, { count: 3 });
    try {
      const pids = farmPids(rt as Runtime<unknown>);
      await rt.take(6);
      process.kill(pids[2]!, 'SIGKILL');
      // Wait until the actor is given up, then only actors 0 and 1 produce.
      while (rt.metrics.get(FAULT_COUNTERS.abandoned) === 0) await rt.next();
      const more = await rt.take(30);
      assert.deepEqual(new Set(more.map((t) => t.actor)), new Set([0, 1]));
      assert.equal(rt.backend.healthy?.({ group: 'tickers', index: 2 }), false);
    } finally {
      await rt.close();
    }
  });

  test('a group without a resync hook is not restarted: its crash fails the run, naming why', async () => {
    const rt = await tickers({ maxActorRestarts: 3 }, { resync: false });
    try {
      process.kill(farmPids(rt as Runtime<unknown>)[0]!, 'SIGKILL');
      await assert.rejects(pullUntil(rt, () => false, 100000), (e) => e instanceof ActorCrashedError && e.actor === 'tickers[0]' && /not restarted: its group 'tickers' declares no resync hook/.test(e.message));
      assert.equal(rt.metrics.get(FAULT_COUNTERS.restarts), 0);
    } finally {
      await rt.close();
    }
  });
});
