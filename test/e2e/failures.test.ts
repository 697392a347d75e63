/**
 * Failures in an RL plan, end to end: an actor method that throws (inside an actor-side stage and
 * through a learner call), a worker process that exits mid-plan, an actor constructor that throws, and
 * no worker processes left behind after close. Errors must name the plan node, its line in this file,
 * the actor, and carry the stack from where the error was thrown (the fixture's code).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ActorCrashedError, StageError, actors, compile, fromActors, fromItems, run } from '../../src/index.js';
import { BrokenActor, DummyLearner, DummyRolloutWorker, computeGradientsOnWorker, type Gradient, type SampleBatch } from '../fixtures/dummy-rl.js';
import { assertProcessesGone, drain, farmPids, onBothBackends, withRuntime } from './helpers.js';

const THIS_FILE = fileURLToPath(import.meta.url);
const FIXTURE = 'dummy-rl.ts';

/** The 1-based line of this file that holds `marker` (a comment next to the DSL call under test). */
function lineOf(marker: string): number {
  const lines = readFileSync(THIS_FILE, 'utf8').split('\n');
  const hits = lines.flatMap((l, i) => (l.includes(marker) && !l.includes('lineOf(') ? [i + 1] : []));
  assert.equal(hits.length, 1, `marker ${marker} appears once`);
  return hits[0]!;
}

/** Pids of this process's children (POSIX `ps`), to see that a failed start leaves none behind. */
function childPids(): number[] {
  return execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number))
    .filter(([pid, ppid]) => ppid === process.pid && pid !== undefined && !Number.isNaN(pid))
    .map(([pid]) => pid!);
}

function isPlanError(e: unknown, check: (e: StageError) => void): true {
  assert.ok(e instanceof StageError, `a StageError, got ${String(e)}`);
  check(e);
  return true;
}

onBothBackends('an actor method throwing inside an actor-side stage', async (backend) => {
  const workers = actors(DummyRolloutWorker, { count: 2, name: 'workers', args: [{ fragment: 2, limit: 5, delayMs: 1, failGradient: { worker: 1, at: 1 } }] });
  const plan = await compile(
    fromActors(workers)
      .forEach(computeGradientsOnWorker) // MARK:gradient-stage
      .gatherAsync()
      .forEach((g: Gradient) => g.worker),
  );
  await withRuntime(plan, backend, async (rt) => {
    await assert.rejects(drain(rt), (e) =>
      isPlanError(e, (err) => {
        assert.equal(err.name, 'StageError');
        assert.equal(err.actor, 'workers[1]');
        assert.match(err.nodeName ?? '', /forEach\(computeGradientsOnWorker\)/);
        assert.equal(err.source?.file, THIS_FILE);
        assert.equal(err.source?.line, lineOf('MARK:gradient-stage'));
        assert.match(err.message, /RangeError: gradient 1 of worker 1 is not finite/);
        assert.ok(err.remoteStack?.includes(FIXTURE), `remote stack points into the fixture:\n${err.remoteStack}`);
        assert.ok(err.message.includes('remote stack'), 'the message shows the remote stack');
      }),
    );
  });
});

onBothBackends('an actor method throwing in a call from the driver (callActor)', async (backend) => {
  const learner = actors(DummyLearner, { name: 'learner', args: [{ failAt: 2 }] });
  const batch = { fragments: [], count: 1, stepIds: [7], obs: [0, 0], rewards: [1] };
  const plan = await compile(
    fromItems([batch, batch, batch, batch])
      .callActor(learner, 'learn') // MARK:learn-call
      .forEach((r: { version: number }) => r.version),
  );
  await withRuntime(plan, backend, async (rt) => {
    assert.deepEqual(await rt.take(2), [1, 2]);
    await assert.rejects(rt.next(), (e) =>
      isPlanError(e, (err) => {
        assert.equal(err.actor, 'learner[0]');
        assert.match(err.nodeName ?? '', /callActor\(learner\.learn\)/);
        assert.equal(err.source?.file, THIS_FILE);
        assert.equal(err.source?.line, lineOf('MARK:learn-call'));
        assert.match(err.message, /learner diverged at update 2/);
        assert.ok(err.remoteStack?.includes(FIXTURE), `remote stack points into the fixture:\n${err.remoteStack}`);
      }),
    );
  });
});

onBothBackends('an actor constructor that throws makes run() reject, naming the group', async (backend) => {
  const before = new Set(childPids());
  const broken = actors(BrokenActor, { count: 2, name: 'broken' }); // MARK:broken-group
  const plan = await compile(fromActors(broken).gatherSync());
  await assert.rejects(run(plan, { backend }), (e) =>
    isPlanError(e, (err) => {
      assert.equal(err.name, 'StageError');
      assert.equal(err.nodeName, 'broken');
      assert.equal(err.actor, 'broken[1]');
      assert.equal(err.source?.file, THIS_FILE);
      assert.equal(err.source?.line, lineOf('MARK:broken-group'));
      assert.match(err.message, /no device for actor 1 \(in the constructor/);
      assert.ok(err.remoteStack?.includes(FIXTURE), `remote stack points into the fixture:\n${err.remoteStack}`);
      assert.ok(err.message.includes(FIXTURE), 'the message shows the remote stack');
    }),
  );
  // The actors that did start were stopped: no worker process of this run is left.
  await assertProcessesGone(childPids().filter((p) => !before.has(p)));
});

describe('farm: worker processes', () => {
  test('a worker process that exits mid-plan: ActorCrashedError naming it, and later pulls keep failing', async () => {
    const workers = actors(DummyRolloutWorker, { count: 2, name: 'workers', args: [{ fragment: 2, delayMs: 2, exitAt: { worker: 0, at: 3 } }] });
    const plan = await compile(fromActors(workers).gatherAsync({ inFlight: 2 }).forEach((b: SampleBatch) => b.fragments[0]!.id)); // MARK:crash-plan
    const rt = await run(plan, { backend: 'farm' });
    const pids = farmPids(rt);
    try {
      const seen: string[] = [];
      const crash = await (async () => {
        for (;;) {
          try {
            const r = await rt.next();
            assert.equal(r.done, false, 'the endless plan ends only by failing');
            seen.push(r.value as string);
          } catch (e) {
            return e;
          }
        }
      })();
      assert.ok(crash instanceof ActorCrashedError, `an ActorCrashedError, got ${String(crash)}`);
      assert.equal(crash.name, 'ActorCrashedError');
      assert.equal(crash.actor, 'workers[0]');
      assert.match(crash.message, /workers\[0\]/);
      assert.match(crash.message, /exited with code 7/);
      assert.equal(crash.source?.file, THIS_FILE);
      assert.equal(crash.source?.line, lineOf('MARK:crash-plan'));
      // Worker 0 got no further than its crash: fragments 0..2 at most.
      assert.ok(seen.filter((id) => id.startsWith('w0:')).every((id) => Number(id.split(':')[1]) < 3), seen.join(' '));
      // The plan stays failed: every later pull rejects with the same error, at once.
      for (let k = 0; k < 3; k++) await assert.rejects(rt.next(), (e) => e === crash);
      await assert.rejects(rt.take(1), (e) => e === crash);
      // The dead actor itself answers every call with a crash.
      await assert.rejects(rt.backend.call({ group: 'workers', index: 0 }, 'getStats', []), /exited with code 7/);
    } finally {
      await rt.close();
    }
    await assertProcessesGone(pids);
  });

  test('no worker process is left behind after close()', async () => {
    const workers = actors(DummyRolloutWorker, { name: 'workers', args: [{ fragment: 2, delayMs: 1 }] });
    const learner = actors(DummyLearner, { name: 'learner' });
    const plan = await compile(fromActors(workers).gatherAsync().callActor(learner, 'learn'));
    const rt = await run(plan, { backend: 'farm' });
    let pids: number[] = [];
    try {
      pids = farmPids(rt);
      assert.equal(pids.length, 2);
      assert.equal(new Set(pids).size, 2, 'one process per actor');
      assert.ok(!pids.includes(process.pid));
      for (const pid of pids) assert.doesNotThrow(() => process.kill(pid, 0), `worker ${pid} runs while the plan is open`);
      assert.equal((await rt.take(5)).length, 5);
    } finally {
      await rt.close();
    }
    await assertProcessesGone(pids);
    // close() is idempotent and a closed runtime simply ends.
    await rt.close();
    assert.deepEqual(await rt.next(), { done: true, value: undefined });
  });
});
