/**
 * Faults on the `nats` backend, against a real nats-server and `rlflow node` processes: a node killed
 * (SIGKILL) or stopped (SIGSTOP) mid-run counts as its actors crashing, and with restarts they are
 * recreated on a live node and re-synced (the restart policy farm uses); an actor process that dies or
 * stops on a live node is detected by its node (deadlines, heartbeats) and recreated there. Also traced
 * calls (`callTimed`) carry the actor's timing on the driver's clock.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ActorCrashedError, FAULT_COUNTERS, actors, compile, fromActors, run, type Runtime } from '../../src/index.js';
import type { FaultOptions } from '../../src/runtime/faults.js';
import { NatsBackend } from '../../src/runtime/nats/nats-backend.js';
import { Ticker } from '../fixtures/faulty-actors.js';
import { natsUnavailable, startLocalCluster, type LocalCluster, type NodeProcess } from '../fixtures/nats-cluster.js';
import { alive, eventually, pullUntil } from './helpers.js';

const skip = natsUnavailable();

interface Tick {
  readonly actor: number;
  readonly pid: number;
  readonly offset: number;
  readonly k: number;
}

describe('nats backend: lost nodes and actor restarts (nats-server + rlflow node processes)', { skip, timeout: 600_000 }, () => {
  let cluster: LocalCluster;
  before(async () => {
    cluster = await startLocalCluster({ nodes: 2, cpus: 2 });
  });
  after(async () => {
    await cluster?.stop();
  });

  /** Three tickers (resync by their state), one on each of n0, n1 and a fresh node named `victim`. */
  async function tickersWithVictim(faults: FaultOptions, victimName: string): Promise<{ rt: Runtime<Tick>; backend: NatsBackend; victim: NodeProcess; log: string[]; onVictim: number }> {
    const victim = await cluster.addNode(victimName);
    const nodes = (await cluster.discover(3)).filter((n) => ['n0', 'n1', victimName].includes(n.name));
    const log: string[] = [];
    const backend = new NatsBackend({ connection: cluster.connection, nodes, closeConnection: false, heartbeatMs: 200, nodeTimeoutMs: 1500, log: (l) => log.push(l) });
    const group = actors(Ticker, { count: 3, name: 'tickers', args: [2], resync: { get: 'getState', set: 'setState' } });
    const plan = await compile(fromActors(group).gatherAsync({ inFlight: 2 }));
    const rt = await run<Tick>(plan, { backend, seed: 2, faults });
    const onVictim = [0, 1, 2].filter((index) => backend.nodeOf({ group: 'tickers', index }) === victimName);
    assert.equal(onVictim.length, 1, 'one ticker on the victim node');
    return { rt, backend, victim, log, onVictim: onVictim[0]! };
  }

  test('a node killed mid-run: its actor restarts on the live node with the most free cpus, re-synced, and the run goes on', async () => {
    const { rt, backend, victim, log, onVictim } = await tickersWithVictim({ maxActorRestarts: 2 }, 'victim');
    try {
      await Promise.all([0, 1, 2].map((index) => backend.call({ group: 'tickers', index }, 'setOffset', [100])));
      await pullUntil(rt, (t) => t.actor === onVictim && t.offset === 100, 20_000);
      const before = (await backend.call({ group: 'tickers', index: onVictim }, 'pid', [])) as number;
      victim.child.kill('SIGKILL');
      const killedAt = Date.now();
      const after = await pullUntil(rt, (t) => t.actor === onVictim && t.pid !== before, 20_000);
      const fresh = after.at(-1)!;
      assert.equal(fresh.offset, 100, 'the new actor got its state from a live peer');
      assert.equal(fresh.k, 0, 'a new process, counting from the start');
      const now = backend.nodeOf({ group: 'tickers', index: onVictim });
      assert.ok(now === 'n0' || now === 'n1', `moved to a live node, not ${now}`);
      assert.equal(rt.metrics.get(FAULT_COUNTERS.restarts), 1);
      assert.ok(Date.now() - killedAt < 1500 + 15_000, 'detected and restarted in time');
      // Both live nodes run one ticker with 2 cpus each: the first by name has as many free cpus.
      assert.match(log.join('\n'), new RegExp(`nats: restarting tickers\\[${onVictim}\\] on node '${now}' \\(node 'victim' was lost; '${now}' has the most free cpus \\(1 of 2; '[^']+' 1\\)\\); after: node 'victim' .* stopped answering`));
      const more = await rt.take(60);
      assert.deepEqual(new Set(more.map((t) => t.actor)), new Set([0, 1, 2]), 'items keep coming from every actor');
    } finally {
      await rt.close();
    }
  });

  test('a SIGSTOPped node is detected within its timeout: without restarts its actor crash fails the run', async () => {
    const { rt, victim, onVictim } = await tickersWithVictim({}, 'stopped');
    try {
      await rt.take(10);
      victim.child.kill('SIGSTOP');
      const stoppedAt = Date.now();
      await assert.rejects(
        async () => {
          for (;;) await rt.next();
        },
        (e: unknown) => {
          assert.ok(e instanceof ActorCrashedError, String(e));
          assert.equal(e.actor, `tickers[${onVictim}]`);
          assert.match(e.message, /node 'stopped' .* stopped answering for \d+ s: its process died, was stopped or lost its connection/);
          return true;
        },
      );
      const waited = Date.now() - stoppedAt;
      assert.ok(waited < 1500 + 3000, `detected in ${waited} ms`);
    } finally {
      await rt.close();
      victim.child.kill('SIGKILL');
    }
  });

  test('with ignoreWorkerFailures and no restarts left, a lost node\'s actor is given up and the run goes on without it', async () => {
    const { rt, backend, victim, onVictim } = await tickersWithVictim({ ignoreWorkerFailures: true }, 'given-up');
    try {
      await rt.take(10);
      victim.child.kill('SIGKILL');
      await eventually('the actor is given up', () => !backend.healthy({ group: 'tickers', index: onVictim }));
      assert.equal(rt.metrics.get(FAULT_COUNTERS.abandoned), 1);
      const more = await rt.take(60);
      const live = [0, 1, 2].filter((i) => i !== onVictim);
      assert.deepEqual(new Set(more.slice(-40).map((t) => t.actor)), new Set(live), 'items keep coming from the other actors only');
    } finally {
      await rt.close();
    }
  });

  test('an actor process killed on a live node is recreated on that node', async () => {
    const group = actors(Ticker, { count: 2, name: 'tickers', args: [2], resync: { get: 'getState', set: 'setState' } });
    const plan = await compile(fromActors(group).gatherAsync({ inFlight: 2 }));
    const nodes = await cluster.discover(2);
    const backend = new NatsBackend({ connection: cluster.connection, nodes: nodes.filter((n) => n.name === 'n0' || n.name === 'n1'), closeConnection: false });
    const rt = await run<Tick>(plan, { backend, seed: 4, faults: { maxActorRestarts: 1 } });
    try {
      await rt.take(10);
      const where = backend.nodeOf({ group: 'tickers', index: 1 });
      const pid = (await backend.call({ group: 'tickers', index: 1 }, 'pid', [])) as number;
      process.kill(pid, 'SIGKILL');
      await pullUntil(rt, (t) => t.actor === 1 && t.pid !== pid, 20_000);
      assert.equal(backend.nodeOf({ group: 'tickers', index: 1 }), where, 'restarted on its own node');
      assert.equal(rt.metrics.get(FAULT_COUNTERS.restarts), 1);
      assert.deepEqual(backend.restarts(), { 'tickers[0]': 0, 'tickers[1]': 1 });
      await eventually('the killed process is gone', () => !alive(pid));
    } finally {
      await rt.close();
    }
  });

  test('a SIGSTOPped actor process on a node misses its heartbeats: the node kills it and the driver restarts it', async () => {
    const group = actors(Ticker, { count: 2, name: 'tickers', args: [2], resync: { get: 'getState', set: 'setState' } });
    const plan = await compile(fromActors(group).gatherAsync({ inFlight: 2 }));
    const nodes = (await cluster.discover(2)).filter((n) => n.name === 'n0' || n.name === 'n1');
    const backend = new NatsBackend({ connection: cluster.connection, nodes, closeConnection: false });
    const rt = await run<Tick>(plan, { backend, seed: 5, faults: { maxActorRestarts: 1, heartbeatTimeoutMs: 2000 } });
    try {
      await rt.take(10);
      const pid = (await backend.call({ group: 'tickers', index: 0 }, 'pid', [])) as number;
      process.kill(pid, 'SIGSTOP');
      const stoppedAt = Date.now();
      await pullUntil(rt, (t) => t.actor === 0 && t.pid !== pid, 20_000);
      const waited = Date.now() - stoppedAt;
      assert.ok(waited < 2000 + 10_000, `detected and restarted in ${waited} ms`);
      assert.equal(rt.metrics.get(FAULT_COUNTERS.restarts), 1);
      await eventually('the stopped process was killed', () => !alive(pid));
    } finally {
      await rt.close();
    }
  });

  test('traced calls (callTimed) carry when the actor received, started and ended the call, on the driver clock', async () => {
    const nodes = (await cluster.discover(2)).filter((n) => n.name === 'n0' || n.name === 'n1');
    const backend = new NatsBackend({ connection: cluster.connection, nodes, closeConnection: false, heartbeatMs: 100 });
    await backend.start([{ group: 'g', index: 0, seed: 1, rootSeed: 1, actorClass: { module: Ticker.module, name: 'Ticker' }, args: [], host: 'n1' }]);
    try {
      // Let a few pings measure the node's clock offset.
      await new Promise((r) => setTimeout(r, 500));
      const sent = performance.timeOrigin + performance.now();
      const reply = await backend.callTimed({ group: 'g', index: 0 }, 'getState', []);
      const back = performance.timeOrigin + performance.now();
      assert.deepEqual(reply.value, { offset: 0 });
      const { receivedAt, startedAt, endedAt } = reply.timing;
      assert.ok(receivedAt <= startedAt && startedAt <= endedAt, JSON.stringify(reply.timing));
      // Same machine, so the clocks agree to within the pings' precision (a few ms).
      assert.ok(receivedAt > sent - 5 && endedAt < back + 5, `${sent} <= ${receivedAt} .. ${endedAt} <= ${back}`);
    } finally {
      await backend.close();
    }
  });
});
