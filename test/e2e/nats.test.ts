/**
 * The `nats` backend end to end, against a real nats-server on a free loopback port and `rlflow node`
 * processes (the CLI from the sources): generated plans give what the model and `local` give (the
 * conformance suite every backend passes), errors name the node with the actor and plan line, a node
 * with other code is refused when it registers, a node killed mid-run counts as its actors crashing
 * (and leaves no actor process behind), and a driver that goes away has its actors stopped by the node.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ActorCrashedError, ClusterError, StageError, actors, compile, fromActors, run } from '../../src/index.js';
import { NatsBackend } from '../../src/runtime/nats/nats-backend.js';
import { NodeHost } from '../../src/runtime/nats/node-host.js';
import { connectNats, discoverNodes } from '../../src/runtime/nats/discovery.js';
import { moduleDigest, rlflowIdentity } from '../../src/runtime/nats/identity.js';
import { BrokenActor, DummyRolloutWorker, computeGradientsOnWorker } from '../fixtures/dummy-rl.js';
import { Counter } from '../fixtures/counters.js';
import { natsUnavailable, startLocalCluster, type LocalCluster } from '../fixtures/nats-cluster.js';
import { runtimeSpecs } from '../property/runtime-specs.js';
import { alive, eventually } from './helpers.js';

const THIS_FILE = fileURLToPath(import.meta.url);
const skip = natsUnavailable();

function lineOf(marker: string): number {
  const lines = readFileSync(THIS_FILE, 'utf8').split('\n');
  return lines.findIndex((l) => l.includes(marker) && !l.includes('lineOf(')) + 1;
}

/** Pids of the children of `pid` (POSIX ps). */
function childrenOf(pid: number): number[] {
  return execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number))
    .filter(([p, pp]) => pp === pid && p !== undefined && !Number.isNaN(p))
    .map(([p]) => p!);
}

describe('nats backend (nats-server + two rlflow node processes)', { skip, timeout: 600_000 }, () => {
  let cluster: LocalCluster;
  before(async () => {
    cluster = await startLocalCluster({ nodes: 2, cpus: 2 });
  });
  after(async () => {
    await cluster?.stop();
  });

  const backend = (options: { nodeTimeoutMs?: number } = {}): NatsBackend =>
    new NatsBackend({ connection: cluster.connection, nodes: nodesNow, closeConnection: false, ...options });
  let nodesNow: Awaited<ReturnType<LocalCluster['discover']>> = [];
  before(async () => {
    nodesNow = await cluster.discover(2);
  });

  test('discovery lists both nodes with their resources, version and code digest', () => {
    assert.deepEqual(nodesNow.map((n) => n.name), ['n0', 'n1']);
    for (const n of nodesNow) {
      assert.equal(n.cpus, 2);
      assert.equal(n.version, rlflowIdentity().version);
      assert.equal(n.codeDigest, rlflowIdentity().codeDigest);
      assert.ok(n.backends.includes('cpu'));
    }
  });

  runtimeSpecs('nats', () => backend(), { numRuns: 6, plans: { maxActorsPerGroup: 2 } });

  test('actors spread over both nodes; a large typed array crosses in chunks, bytes intact', async () => {
    const group = actors(Counter, { count: 2, name: 'echoes', args: [0, 1] });
    const rt = await run(await compile(fromActors(group).gatherSync()), { backend: backend(), seed: 1 });
    try {
      const b = rt.backend as NatsBackend;
      assert.deepEqual([b.nodeOf({ group: 'echoes', index: 0 }), b.nodeOf({ group: 'echoes', index: 1 })].sort(), ['n0', 'n1']);
      // 3 MB: three times the server's default max payload of 1 MB.
      const big = new Float32Array(768 * 1024).map((_, i) => Math.sin(i));
      const back = (await b.call({ group: 'echoes', index: 1 }, 'echo', [{ big, tag: 'x' }])) as { big: Float32Array; tag: string };
      assert.ok(back.big instanceof Float32Array);
      assert.deepStrictEqual(back.big, big);
      assert.equal(back.tag, 'x');
    } finally {
      await rt.close();
    }
  });

  test('an actor error names the node, the actor and the plan line, with the remote stack', async () => {
    const workers = actors(DummyRolloutWorker, { count: 2, name: 'workers', args: [{ fragment: 2, limit: 5, delayMs: 1, failGradient: { worker: 1, at: 1 } }] });
    const plan = await compile(fromActors(workers).forEach(computeGradientsOnWorker).gatherAsync()); // MARK:nats-stage
    const rt = await run(plan, { backend: backend(), seed: 1 });
    const node = (rt.backend as NatsBackend).nodeOf({ group: 'workers', index: 1 });
    try {
      await assert.rejects(
        async () => {
          for await (const _ of rt);
        },
        (e: unknown) => {
          assert.ok(e instanceof StageError && !(e instanceof ActorCrashedError), String(e));
          assert.equal(e.actor, 'workers[1]');
          assert.equal(e.source?.file, THIS_FILE);
          assert.equal(e.source?.line, lineOf('MARK:nats-stage'));
          assert.match(e.message, new RegExp(`gradient 1 of worker 1 is not finite \\(on node '${node}'\\)`));
          assert.ok(e.remoteStack?.includes('dummy-rl.ts'), e.remoteStack);
          return true;
        },
      );
    } finally {
      await rt.close();
    }
  });

  test('a constructor that throws fails the start, naming the actor and node', async () => {
    const broken = actors(BrokenActor, { count: 2, name: 'broken' });
    await assert.rejects(run(await compile(fromActors(broken).gatherSync()), { backend: backend() }), (e: unknown) => {
      assert.ok(e instanceof StageError, String(e));
      assert.equal(e.actor, 'broken[1]');
      assert.match(e.message, /on node 'n[01]'/);
      return true;
    });
  });

  test('a plan module that differs on a node is refused when the node starts its actors', async () => {
    const group = actors(Counter, { count: 1, name: 'c', args: [0, 1] });
    const plan = await compile(fromActors(group).gatherSync());
    const real = moduleDigest(Counter.module);
    assert.ok(real.sha256, 'the fixture module is a file with a digest');
    const b = new NatsBackend({ connection: cluster.connection, nodes: nodesNow, closeConnection: false, modules: [{ module: real.module, sha256: '0000000000000000' }] });
    await assert.rejects(run(plan, { backend: b }), (e: unknown) => {
      assert.match(String((e as Error).message), /ClusterError: node 'n[01]' cannot load the plan's code: .*counters\.ts differs from the driver's copy/);
      return true;
    });
  });

  test('a node running other rlflow code is refused when it registers', async () => {
    const nc = await connectNats(cluster.url);
    const impostor = new NodeHost(nc, { ...nodesNow[0]!, id: 'impostor', name: 'impostor', codeDigest: 'ffffffffffffffff' });
    impostor.start();
    // The server must know the impostor's subscriptions before the driver asks who is there.
    await nc.flush();
    try {
      await assert.rejects(discoverNodes(cluster.connection, { waitMs: 10_000, expect: 3 }), (e: unknown) => {
        assert.ok(e instanceof ClusterError, String(e));
        assert.match(e.message, /node 'impostor' .* runs rlflow .* \(code ffffffffffffffff\) but the driver runs/);
        return true;
      });
    } finally {
      await impostor.close();
      await nc.close();
    }
  });

  test('a driver that goes away has its actors stopped by the node (lease)', async () => {
    const nc = await connectNats(cluster.url);
    const b = new NatsBackend({ connection: nc, nodes: nodesNow });
    await b.start([{ group: 'g', index: 0, seed: 1, rootSeed: 1, actorClass: { module: Counter.module, name: 'Counter' }, args: [], host: 'n1' }]);
    assert.equal(await b.call({ group: 'g', index: 0 }, 'echo', [5]), 5);
    const node = cluster.nodes.find((n) => n.name === 'n1')!;
    const workers = childrenOf(node.child.pid!);
    assert.equal(workers.length, 1, 'one actor process on n1');
    // The driver vanishes without a goodbye: its connection closes, so no more heartbeats.
    await nc.close();
    await eventually('n1 stops the actor process', () => !alive(workers[0]!));
    assert.match(node.output(), /stopped 1 actor\(s\): no word from its driver/);
  });

  test('a node killed mid-run counts as its actors crashing; its actor processes exit with it', async () => {
    const extra = await cluster.addNode('victim');
    const nodes = await cluster.discover(3);
    const b = new NatsBackend({ connection: cluster.connection, nodes, closeConnection: false, heartbeatMs: 200, nodeTimeoutMs: 1500 });
    const group = actors(Counter, { count: 3, name: 'counters', args: [0, -1, 5] });
    const plan = await compile(fromActors(group).gatherAsync());
    const rt = await run(plan, { backend: b, seed: 3 });
    try {
      const onVictim = [0, 1, 2].filter((index) => b.nodeOf({ group: 'counters', index }) === 'victim');
      assert.equal(onVictim.length, 1, 'one actor on the victim node');
      assert.equal((await rt.take(20)).length, 20);
      const workers = childrenOf(extra.child.pid!);
      assert.equal(workers.length, 1);
      extra.child.kill('SIGKILL');
      await assert.rejects(
        async () => {
          for (;;) await rt.next();
        },
        (e: unknown) => {
          assert.ok(e instanceof ActorCrashedError, String(e));
          assert.equal(e.actor, `counters[${onVictim[0]}]`);
          assert.match(e.message, /node 'victim' .* stopped answering/);
          return true;
        },
      );
      await eventually('the victim node’s actor process exits', () => !alive(workers[0]!));
    } finally {
      await rt.close();
    }
  });
});
