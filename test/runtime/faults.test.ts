/**
 * The fault policy (src/runtime/faults.ts): defaults, validation with errors naming the option, and
 * which deadline a call gets. And the resync option of actors(): plain data, checked when the plan is built.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { actors, compile, fromActors } from '../../src/dsl/index.js';
import { PlanError } from '../../src/ir/errors.js';
import { DEFAULT_CALL_DEADLINE_MS, DEFAULT_HEARTBEAT_TIMEOUT_MS, START_DEADLINE_MS, deadlineOf, faultPolicy } from '../../src/runtime/faults.js';
import { dumpGraph } from '../../src/ir/dump.js';
import { Ticker } from '../fixtures/faulty-actors.js';

describe('fault policy', () => {
  test('defaults: no restarts, generous deadlines', () => {
    const p = faultPolicy();
    assert.deepEqual(p, { callDeadlineMs: DEFAULT_CALL_DEADLINE_MS, methodDeadlinesMs: {}, heartbeatTimeoutMs: DEFAULT_HEARTBEAT_TIMEOUT_MS, maxActorRestarts: 0, ignoreWorkerFailures: false });
  });

  test('per-method deadlines override the default; the constructor gets at least the start deadline', () => {
    const p = faultPolicy({ callDeadlineMs: 1000, methodDeadlinesMs: { learnOnBatch: 60_000 } });
    assert.equal(deadlineOf(p, 'learnOnBatch'), 60_000);
    assert.equal(deadlineOf(p, 'sample'), 1000);
    assert.equal(deadlineOf(p, 'constructor'), START_DEADLINE_MS);
  });

  test('bad values are errors naming the option', () => {
    assert.throws(() => faultPolicy({ maxActorRestarts: -1 }), /faults\.maxActorRestarts must be an integer >= 0, got -1/);
    assert.throws(() => faultPolicy({ maxActorRestarts: 1.5 }), /maxActorRestarts/);
    assert.throws(() => faultPolicy({ callDeadlineMs: 0 }), /faults\.callDeadlineMs must be a positive number of ms, got 0/);
    assert.throws(() => faultPolicy({ heartbeatTimeoutMs: Number.NaN }), /heartbeatTimeoutMs/);
    assert.throws(() => faultPolicy({ methodDeadlinesMs: { learn: -5 } }), /faults\.methodDeadlinesMs\.learn/);
  });
});

describe('actors({ resync })', () => {
  test('is recorded in the IR and shown in the dump', async () => {
    const group = actors(Ticker, { count: 2, name: 'tickers', resync: { get: 'getState', set: 'setState', from: ['learner'] } });
    const plan = await compile(fromActors(group).gatherSync());
    assert.deepEqual(plan.graph.getAttribute('actorGroups')['tickers']!.resync, { get: 'getState', set: 'setState', from: ['learner'] });
    assert.match(dumpGraph(plan.graph), /resync=\{"from":\["learner"\],"get":"getState","set":"setState"\}/);
  });

  test('bad resync options are PlanErrors', () => {
    assert.throws(() => actors(Ticker, { resync: { get: '', set: 'setState' } }), (e) => e instanceof PlanError && /resync needs the names of a 'get' and a 'set' method/.test(e.message));
    assert.throws(() => actors(Ticker, { resync: { stateless: false as unknown as true } }), PlanError);
    assert.throws(() => actors(Ticker, { resync: { get: 'a', set: 'b', from: 'learner' as unknown as string[] } }), /resync\.from must list actor group names/);
    assert.equal(actors(Ticker, { resync: { stateless: true } }).resync?.toString(), '[object Object]');
    assert.throws(() => actors(Ticker, { resync: { get: 'a', set: 'b', snapshot: 'yes' as unknown as true } }), /resync\.snapshot must be true/);
    assert.deepEqual(actors(Ticker, { resync: { get: 'a', set: 'b', snapshot: true } }).resync, { get: 'a', set: 'b', snapshot: true });
  });
});

describe('undefined flowing into a typed stream', () => {
  test('a driver stage typed to return a value that returns undefined fails at that stage, naming it', async () => {
    const { fromItems, run } = await import('../../src/index.js');
    const plan = await compile(
      fromItems([1, 2])
        .forEach(function forgetful(x: number): number { void x; return undefined as unknown as number; }, { out: 'number' })
        .forEach(function fmt(x: number) { return x.toFixed(1); }),
    );
    const rt = await run(plan);
    try {
      await assert.rejects(rt.next(), (e: Error & { nodeName?: string }) => /forgetful/.test(e.nodeName ?? '') && /returned undefined, but its output is typed 'number'/.test(e.message));
    } finally {
      await rt.close();
    }
  });
});
